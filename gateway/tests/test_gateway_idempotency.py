"""Idempotency-Key at the gateway: once a request may have reached a service its key stays claimed; a
retry replays the stored answer or waits for it; an unknown outcome is said so; a claim whose lease
ended is taken over; every write a service makes for a caller (case actions too) takes a key."""
import dataclasses
import threading
import time

import pytest
from falcon.testing import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from gateway.accounts.tables import idempotency_records
from gateway.app import create_app
from gateway.idempotency import Claim, IdempotencyStore, Pending, request_hash
from gateway.routes import OPERATIONS
from gateway.rpc import OutcomeUnknown, RpcTimeout, ServiceUnavailable
from platform_kit.errors import Conflict

PROJECT = {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800",
           "attributes": {"floor_area_m2": 12500.5}}
ACTION = {"action": "accept", "opinion": "受理"}
OUTCOME_UNKNOWN = "https://approval-platform.example/problems/outcome-unknown"


@pytest.fixture
def quick(settings, rpc, book):
    """The gateway with short timeouts: a call 0.3 s, a lease 0.6 s, a retry waits at most 0.3 s."""
    fast = dataclasses.replace(settings, rpc_timeout=0.3, idempotency_grace=0.3, idempotency_wait=0.3)
    return TestClient(create_app(fast, rpc, book=book))


def calls(rpc, method):
    return [c for c in rpc.calls if c["method"] == method]


def test_every_write_a_service_makes_for_a_caller_takes_a_key():
    writes = {(op.method, op.path) for op in OPERATIONS if op.idempotent}
    assert {("POST", "/cases/{case_id}/actions"), ("POST", "/projects"), ("POST", "/consultations"),
            ("POST", "/cases/{case_id}/special-handling"), ("POST", "/cases/{case_id}/extensions")} <= writes
    assert all(op.method == "POST" for op in OPERATIONS if op.idempotent)
    assert not any(op.idempotent for op in OPERATIONS if op.public or op.method == "GET")


def test_a_case_action_with_a_key_is_done_once(quick, rpc, auth):
    headers = dict(auth("nrp-officer"), **{"Idempotency-Key": "accept-c1"})
    rpc.answers["stage.act_on_case"] = {"case_id": "C1", "state": "accepted"}
    first = quick.simulate_post("/cases/C1/actions", json=ACTION, headers=headers)
    again = quick.simulate_post("/cases/C1/actions", json=ACTION, headers=headers)
    assert first.status_code == again.status_code == 200 and again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(calls(rpc, "act_on_case")) == 1


def test_a_timeout_keeps_the_key_and_the_late_answer_is_replayed(quick, rpc, auth, assert_problem):
    headers = dict(auth("applicant"), **{"Idempotency-Key": "register-1"})
    rpc.answers["intake.register_project"] = RpcTimeout("服务 intake.register_project 在 0.3 秒内没有响应")
    timed_out = quick.simulate_post("/projects", json=PROJECT, headers=headers)
    body = assert_problem(timed_out, 504)
    assert body["type"] == OUTCOME_UNKNOWN and body["title"] == "结果未知"
    assert "请使用同一 Idempotency-Key 重试" in body["detail"] and int(timed_out.headers["Retry-After"]) >= 1
    # the service is still working: a retry waits (0.3 s here), then is told the same, and calls nothing
    started = time.monotonic()
    body = assert_problem(quick.simulate_post("/projects", json=PROJECT, headers=headers), 503)
    assert body["type"] == OUTCOME_UNKNOWN and time.monotonic() - started >= 0.25
    assert len(calls(rpc, "register_project")) == 1
    # its answer arrives late, on the caller's reply queue: stored, and the retry gets it
    rpc.late({"project_code": "2026-410800-48-01-000001"})
    replayed = quick.simulate_post("/projects", json=PROJECT, headers=headers)
    assert replayed.status_code == 201 and replayed.json == {"project_code": "2026-410800-48-01-000001"}
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert len(calls(rpc, "register_project")) == 1


def test_a_read_that_times_out_is_a_plain_504(quick, rpc, auth, assert_problem):
    rpc.answers["intake.get_project"] = RpcTimeout("超时")
    body = assert_problem(quick.simulate_get("/projects/P1", headers=auth("applicant")), 504)
    assert body["type"].endswith("/service-timeout")


def test_after_its_lease_an_unanswered_claim_is_taken_over(quick, rpc, auth, assert_problem):
    headers = dict(auth("nrp-officer"), **{"Idempotency-Key": "accept-c2"})
    rpc.answers["stage.act_on_case"] = OutcomeUnknown("发送请求后与消息服务断开")
    assert assert_problem(quick.simulate_post("/cases/C2/actions", json=ACTION, headers=headers), 503)[
        "type"] == OUTCOME_UNKNOWN
    time.sleep(0.7)  # the lease (timeout + grace) is over: the first request can no longer be acted on
    rpc.answers["stage.act_on_case"] = {"case_id": "C2", "state": "accepted"}
    taken = quick.simulate_post("/cases/C2/actions", json=ACTION, headers=headers)
    assert taken.status_code == 200 and "Idempotent-Replayed" not in taken.headers
    first, second = calls(rpc, "act_on_case")
    # both carry one call key, by which the service answers the second with the first's answer
    # when it acted on the first (platform_kit.calls; shown against intake in test_gateway_lost_replies)
    assert first["call_key"] == second["call_key"] and len(first["call_key"]) == 64
    # an answer of the first call arriving now does not overwrite the second's
    rpc.late({"case_id": "C2", "state": "stale"})
    assert quick.simulate_post("/cases/C2/actions", json=ACTION, headers=headers).json["state"] == "accepted"


@pytest.mark.parametrize("refusal, status", [
    (ServiceUnavailable("服务 intake 当前没有运行的实例"), 503), (Conflict("项目已存在"), 409)])
def test_a_request_that_reached_no_service_or_was_refused_gives_its_key_back(quick, rpc, auth, assert_problem,
                                                                              refusal, status):
    headers = dict(auth("applicant"), **{"Idempotency-Key": "declare-1"})
    body = {"stage": "land_use_planning", "form": {"a": 1}, "material_ids": []}
    rpc.answers["intake.submit_declaration"] = refusal
    assert assert_problem(quick.simulate_post("/projects/P1/declarations", json=body, headers=headers),
                          status)["type"] != OUTCOME_UNKNOWN
    rpc.answers["intake.submit_declaration"] = {"declaration_id": "D1"}
    retried = quick.simulate_post("/projects/P1/declarations", json=body, headers=headers)
    assert retried.status_code == 201 and retried.json == {"declaration_id": "D1"}
    assert "Idempotent-Replayed" not in retried.headers
    assert_problem(quick.simulate_post("/projects/P1/declarations", json=body, headers=dict(
        headers, **{"Idempotency-Key": "x" * 201})), 400)


def test_a_retry_waits_for_the_first_requests_answer(settings, rpc, book, auth):
    # a long window: the retry must come back when the answer is stored, not when the window ends
    client = TestClient(create_app(dataclasses.replace(settings, idempotency_wait=30), rpc, book=book))
    store = IdempotencyStore(book.engine)
    claim = store.claim("applicant", "slow-1", "POST", "/projects", request_hash("POST", "/projects", PROJECT), 30)
    assert isinstance(claim, Claim)  # the first request holds the key and waits for intake
    threading.Timer(0.4, store.complete, (claim, 201, {"project_code": "P-first"})).start()
    started = time.monotonic()
    retried = client.simulate_post("/projects", json=PROJECT, headers=dict(auth("applicant"), **{
        "Idempotency-Key": "slow-1"}))
    assert retried.status_code == 201 and retried.json == {"project_code": "P-first"}
    assert 0.3 < time.monotonic() - started < 20
    assert rpc.calls == []


def test_an_answer_that_cannot_be_stored_is_an_unknown_outcome(quick, rpc, auth, assert_problem, monkeypatch):
    headers = dict(auth("applicant"), **{"Idempotency-Key": "register-2"})
    rpc.answers["intake.register_project"] = {"project_code": "P2"}

    def database_gone(*args):
        raise OperationalError("UPDATE idempotency_records", {}, Exception("server closed the connection"))

    monkeypatch.setattr(IdempotencyStore, "complete", database_gone)
    body = assert_problem(quick.simulate_post("/projects", json=PROJECT, headers=headers), 503)
    assert body["type"] == OUTCOME_UNKNOWN


def test_an_answer_kept_while_the_database_is_away_is_stored_once_it_is_back(settings, rpc, book, auth,
                                                                               assert_problem, monkeypatch):
    """The service registered the project, then the gateway's database went away: the answer is kept
    and stored as soon as the database answers again, and the retry gets it without a second call."""
    app = TestClient(create_app(dataclasses.replace(settings, rpc_timeout=2.0, idempotency_grace=1.0,
                                                    idempotency_wait=0.2), rpc, book=book))
    headers = dict(auth("applicant"), **{"Idempotency-Key": "register-3"})
    rpc.answers["intake.register_project"] = {"project_code": "P3"}
    real, failures = IdempotencyStore.complete, []

    def away_twice(self, *args):
        if len(failures) < 2:
            failures.append(1)
            raise OperationalError("UPDATE idempotency_records", {}, Exception("server closed the connection"))
        return real(self, *args)

    monkeypatch.setattr(IdempotencyStore, "complete", away_twice)
    first = assert_problem(app.simulate_post("/projects", json=PROJECT, headers=headers), 503)
    assert first["type"] == OUTCOME_UNKNOWN
    deadline = time.monotonic() + 5
    while True:
        retry = app.simulate_post("/projects", json=PROJECT, headers=headers)
        if retry.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert retry.status_code == 201, retry.text
    assert retry.json == {"project_code": "P3"} and retry.headers.get("Idempotent-Replayed") == "true"
    assert len(calls(rpc, "register_project")) == 1


def test_the_store_leases_claims_and_forgets_keys_after_a_day(book, clock):
    store = IdempotencyStore(book.engine, clock=clock)
    claim = store.claim("applicant", "k1", "POST", "/projects", "h1", 10)
    assert isinstance(claim, Claim)
    pending = store.claim("applicant", "k1", "POST", "/projects", "h1", 10)
    assert isinstance(pending, Pending) and pending.lease_until == claim.lease_until
    clock.advance(seconds=11)
    second = store.claim("applicant", "k1", "POST", "/projects", "h1", 10)  # the lease ended: taken over
    assert isinstance(second, Claim) and second.claim_id != claim.claim_id
    assert not store.complete(claim, 201, {"project_code": "A"})  # the first holder no longer holds it
    assert store.complete(second, 201, {"project_code": "B"})
    assert store.claim("applicant", "k1", "POST", "/projects", "h1", 10) == (201, {"project_code": "B"})
    clock.advance(hours=25)
    assert isinstance(store.claim("applicant", "k1", "POST", "/projects", "h2", 10), Claim)  # a new request
    with book.engine.connect() as conn:
        assert conn.execute(select(idempotency_records.c.request_hash)).scalars().all() == ["h2"]


def test_the_database_going_away_is_a_503_with_retry_after(settings, rpc, book, auth, assert_problem, monkeypatch):
    client = TestClient(create_app(settings, rpc, book=book))
    headers = auth("applicant")

    def database_gone(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(IdempotencyStore, "claim", database_gone)
    response = client.simulate_post("/projects", json=PROJECT, headers=dict(headers, **{"Idempotency-Key": "k"}))
    body = assert_problem(response, 503)
    assert body["type"].endswith("/database-unavailable") and response.headers["Retry-After"] == "5"
    assert rpc.calls == []


def test_a_database_that_is_away_is_a_503_not_a_500(settings, rpc, assert_problem):
    """The accounts database restarting (here: nothing listening where it was): logins, token checks
    and idempotent writes answer 503 with Retry-After."""
    from gateway.accounts.book import AccountBook
    from gateway.audit.trail import AuditTrail
    away = dataclasses.replace(settings, database_url="postgresql://postgres@127.0.0.1:9/gateway")
    client = TestClient(create_app(away, rpc, book=AccountBook(away), audit=AuditTrail(away.database_url)))
    response = client.simulate_post("/auth/login", json={"account": "applicant", "password": "Demo@2026"})
    body = assert_problem(response, 503)
    assert body["type"].endswith("/database-unavailable") and response.headers["Retry-After"] == "5"
    assert rpc.calls == []
