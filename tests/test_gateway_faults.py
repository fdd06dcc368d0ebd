"""Retrying a write with the same Idempotency-Key after its outcome was unknown never doubles its
effect, on a whole platform (every service and the gateway as processes, real RabbitMQ and PostgreSQL).

A service is paused (SIGSTOP) while a call to it is made: the gateway answers 504 "outcome unknown"
after its (short) timeout; the service is resumed (SIGCONT) and the client retries with the same key.
Whether the service acted on the request late (its answer then reaches the gateway and is kept for the
retry) or dropped it as past its deadline (the retry then calls again after the first call's lease),
exactly one project, and exactly one decision, exist afterwards. A service that is not running is a 503
within a second.
"""
import os
import signal
import time
import uuid

import pytest
import requests

import platforms

PASSWORD = "Demo@2026"
OUTCOME_UNKNOWN = "https://approval-platform.example/problems/outcome-unknown"
STAGE_1_FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5,
                "investment_10k_yuan": 8600, "contact_name": "王建国", "contact_phone": "13903910000"}


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    # calls time out after 3 s, a claim's lease is 4 s, a retry waits up to 4 s for the first answer
    with platforms.running_platform(postgres, tmp_path_factory.mktemp("faults"), label="faults", catalog=True,
                                    extra_env={"GATEWAY_RPC_TIMEOUT": "3", "GATEWAY_IDEMPOTENCY_GRACE": "1",
                                               "GATEWAY_IDEMPOTENCY_WAIT": "4",
                                               "OUTBOX_POLL_SECONDS": "0.5"}) as running:
        yield running


def session(platform, account):
    client = requests.Session()
    client.headers["Authorization"] = f"Bearer {platform.login(account, PASSWORD)}"
    return client


def process_of(platform, label):
    return next(p for p in platform.processes if p.label == label and p.poll() is None)


def paused_call(platform, label, call):
    """`call()` made while the process `label` is stopped; it is resumed afterwards."""
    process = process_of(platform, label)
    os.killpg(process.pid, signal.SIGSTOP)
    try:
        return call()
    finally:
        os.killpg(process.pid, signal.SIGCONT)


def eventually(probe, timeout=30, interval=0.2):
    deadline = time.time() + timeout
    while True:
        result = probe()
        if result:
            return result
        assert time.time() < deadline, "condition not met in time"
        time.sleep(interval)


def outcome_unknown(response):
    assert response.status_code in (503, 504), response.text
    body = response.json()
    assert body["type"] == OUTCOME_UNKNOWN and body["title"] == "结果未知"
    assert "请使用同一 Idempotency-Key 重试" in body["detail"] and response.headers["Retry-After"]


def retried(post, attempts=5):
    """The client's retries with the same key until the outcome is known."""
    for _ in range(attempts):
        response = post()
        if response.status_code not in (503, 504):
            return response
        outcome_unknown(response)
        time.sleep(int(response.headers.get("Retry-After", "1")))
    raise AssertionError("no outcome after retrying")


def test_a_registration_retried_after_a_timeout_registers_one_project(platform):
    applicant = session(platform, "applicant")
    name = f"焦作市幂等测试项目{uuid.uuid4().hex[:6]}"
    key = {"Idempotency-Key": f"register-{uuid.uuid4()}"}
    body = {"name": name, "category": "gov_building", "region": "410800", "attributes": {}}
    post = lambda: applicant.post(f"{platform.url}/projects", json=body, headers=key, timeout=30)  # noqa: E731
    started = time.monotonic()
    outcome_unknown(paused_call(platform, "intake-1", post))
    assert time.monotonic() - started < 6
    answer = retried(post)
    assert answer.status_code == 201, answer.text
    again = post()  # and once more: the stored answer
    assert again.status_code == 201 and again.json() == answer.json() and again.headers["Idempotent-Replayed"] == "true"
    listed = applicant.get(f"{platform.url}/projects", params={"q": name}, timeout=30).json()
    assert listed["total"] == 1 and listed["items"][0]["project_code"] == answer.json()["project_code"]


def test_a_case_action_retried_after_a_timeout_decides_once(platform):
    applicant = session(platform, "applicant")
    registered = retried(lambda: applicant.post(f"{platform.url}/projects", timeout=30, headers={
        "Idempotency-Key": f"register-{uuid.uuid4()}"}, json={
        "name": f"焦作市幂等办件项目{uuid.uuid4().hex[:6]}", "category": "gov_building", "region": "410800",
        "attributes": {}}))
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    declare = {"Idempotency-Key": f"declare-{uuid.uuid4()}"}
    declared = retried(lambda: applicant.post(f"{platform.url}/projects/{code}/declarations", timeout=30,
                                              headers=declare, json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []}))
    assert declared.status_code == 201, declared.text
    officer = session(platform, "nrp-officer")
    case = eventually(lambda: (officer.get(f"{platform.url}/cases", params={"project_code": code},
                                           timeout=30).json()["items"] or [None])[0])
    case_id = case["case_id"]
    key = {"Idempotency-Key": f"accept-{uuid.uuid4()}"}
    post = lambda: officer.post(f"{platform.url}/cases/{case_id}/actions", headers=key, timeout=30,  # noqa: E731
                                json={"action": "accept", "opinion": "材料齐全，予以受理"})
    outcome_unknown(paused_call(platform, "stage-1", post))
    answer = retried(post)
    assert answer.status_code == 200 and answer.json()["state"] == "accepted", answer.text
    history = officer.get(f"{platform.url}/cases/{case_id}", timeout=30).json()["history"]
    assert [d["action"] for d in history].count("accept") == 1


def test_a_service_that_is_not_running_is_503_within_a_second(platform):
    platforms.stop_process(platform, "consult-1")  # it ran: its queue remains, with no consumer
    officer = session(platform, "nrp-officer")
    for _ in range(3):
        started = time.monotonic()
        response = officer.get(f"{platform.url}/consultations", timeout=30)
        assert response.status_code == 503 and response.headers["Retry-After"], response.text
        assert response.json()["type"].endswith("/service-unavailable")
        assert time.monotonic() - started < 1
    health = requests.get(f"{platform.url}/health", timeout=30)
    assert health.status_code == 503 and health.json()["services"]["consult"].startswith("ServiceUnavailable")
