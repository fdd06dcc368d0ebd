"""A project's stages on the stage service's HTTP port: the same answer as the RPC, kept in memory
under a stamp of the database, never older than what has committed (real RabbitMQ, PostgreSQL and
HTTP server)."""
import threading
from datetime import timedelta

import psycopg2
import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import create_engine

from platform_kit.calendar import official_calendar, today_in_shanghai
from stage.adapters.repositories import project_stamp
from stage.service import StageService
from test_stage_service import ORG, declaration, project_code, submit
from platform_kit.testing import free_port

ALL_STEPS = ["accept", "review", "approve", "conclude"]


@pytest.fixture
def stage(container_factory, service_config, make_token):
    port = free_port()
    config = service_config("stage", SWEEP_SECONDS=3600, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
    container = container_factory(StageService, config)
    container.start()
    code = project_code()
    submit(container, config, declaration(code))
    tokens = {"applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "other": make_token("applicant", sub="applicant-2", org="91410800MA00000001"),
              "nrp": make_token("officer", sub="nrp-1", department="NRP", steps=ALL_STEPS),
              "land": make_token("officer", sub="lr-1", department="HOUSING", steps=ALL_STEPS),
              "operator": make_token("operator")}
    return {"container": container, "config": config, "url": f"http://127.0.0.1:{port}", "code": code,
            "tokens": tokens}


def read(stage, token="applicant", code=None, **params):
    headers = {"Authorization": f"Bearer {stage['tokens'].get(token, token)}"} if token else {}
    return requests.get(f"{stage['url']}/projects/{code or stage['code']}/stages", params=params,
                        headers=headers, timeout=10)


def rpc(stage, token):
    return ServiceRpcProxy("stage", stage["config"], context_data={"authorization": stage["tokens"][token]},
                           timeout=15)


def stamp(stage, code=None):
    engine = create_engine(stage["config"]["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return project_stamp(connection, code or stage["code"])
    finally:
        engine.dispose()


def test_the_http_answer_is_the_rpc_answer_and_follows_every_decision(stage):
    with rpc(stage, "applicant") as proxy:
        assert read(stage).json() == proxy.list_stages(stage["code"])
    first = read(stage)
    assert first.status_code == 200 and first.headers["Content-Type"] == "application/json"
    assert [c["state"] for c in first.json()["items"][0]["cases"]] == ["submitted", "submitted"]

    before = stamp(stage)
    with rpc(stage, "nrp") as officer, rpc(stage, "applicant") as applicant:
        case_id = officer.list_cases({"project_code": stage["code"]})["items"][0]["case_id"]
        for action, state in (("accept", "accepted"), ("review", "reviewed"), ("approve", "approved")):
            officer.act_on_case(case_id, {"action": action, "opinion": f"{action} 同意"})
            shown = read(stage).json()
            case = next(c for c in shown["items"][0]["cases"] if c["case_id"] == case_id)
            assert case["state"] == state                         # never the answer kept before the decision
            assert [h["action"] for h in case["history"]][-1] == action
            assert shown == applicant.list_stages(stage["code"])
    assert stamp(stage) != before
    # a page of it, as the RPC pages it
    assert read(stage, limit=1, offset=1).json()["items"] == []
    assert read(stage, limit=1).json()["total"] == 1


def test_a_calendar_load_changes_the_stamp_and_the_answer_follows(stage):
    """The stage's clock has run since a declaration two weeks ago: three of the working days it
    counted become holidays, and the days it shows as used go down by three, though no row of the
    project changed (the calendar is part of the stamp)."""
    today = today_in_shanghai()
    calendar = official_calendar()
    past = [today - timedelta(days=n) for n in range(1, 15)]
    days = [d for d in past if calendar.is_working_day(d) and d.year == today.year][:3]
    if len(days) < 3:
        pytest.skip("too few working days of this year before today for this check")
    code = project_code()
    submit(stage["container"], stage["config"], declaration(code, submitted_on=today - timedelta(days=14)))
    used_before = read(stage, code=code).json()["items"][0]["used_days"]
    before = stamp(stage, code)
    with rpc(stage, "operator") as operator:
        operator.load_calendar_year({"year": today.year, "holidays": [d.isoformat() for d in days]})
    assert stamp(stage, code) != before
    assert read(stage, code=code).json()["items"][0]["used_days"] == used_before - 3


def test_the_port_counts_its_requests_and_answers_kept(stage):
    from prometheus_client import REGISTRY

    def value(name, **labels):
        return REGISTRY.get_sample_value(name, dict(service="stage", **labels)) or 0.0

    before = {"ok": value("platform_service_http_requests_total", method="read_stages", status="200"),
              "refused": value("platform_service_http_requests_total", method="read_stages", status="403"),
              "hit": value("platform_read_answers_total", outcome="hit"),
              "miss": value("platform_read_answers_total", outcome="miss")}
    code = project_code()
    submit(stage["container"], stage["config"], declaration(code))
    for _ in range(3):
        assert read(stage, code=code).status_code == 200
    assert value("platform_service_http_requests_total", method="read_stages", status="200") == before["ok"] + 3
    assert value("platform_read_answers_total", outcome="miss") == before["miss"] + 1    # built once
    assert value("platform_read_answers_total", outcome="hit") == before["hit"] + 2
    assert read(stage, "other", code=code).status_code == 403    # another caller's answer: built, refused
    assert value("platform_service_http_requests_total", method="read_stages", status="403") == before["refused"] + 1
    assert value("platform_read_answers_total", outcome="miss") == before["miss"] + 2


def test_who_may_read_is_checked_on_every_request(stage):
    assert read(stage).status_code == 200                          # kept now: the next callers still checked
    other = read(stage, "other")
    assert other.status_code == 403 and other.headers["Content-Type"] == "application/problem+json"
    assert other.json()["status"] == 403
    assert read(stage, "land").status_code == 403                  # a department with no case in the stage
    assert read(stage, "nrp").status_code == 200
    assert read(stage, token=None).status_code == 401
    assert read(stage, "not-a-token").status_code == 401
    bad = read(stage, limit=0)
    assert bad.status_code in (400, 422) and bad.json()["errors"]
    # an officer sees the stage without the decision history, the applicant with it
    assert "history" not in read(stage, "nrp").json()["items"][0]["cases"][0]
    assert "history" in read(stage).json()["items"][0]["cases"][0]


def test_row_versions_change_the_stamp_whatever_order_transactions_commit_in(stage):
    """Two transactions take row versions n and n+1, the later one commits first: the stamp read in
    between must still change when the earlier one commits (a maximum would not)."""
    url = stage["config"]["DATABASE_URL"].replace("postgresql+psycopg2://", "postgresql://")
    first, second = psycopg2.connect(url), psycopg2.connect(url)
    try:
        with first.cursor() as cur:
            cur.execute("SELECT id FROM cases WHERE project_code = %s ORDER BY item_code", (stage["code"],))
            a, b = [row[0] for row in cur.fetchall()]
            cur.execute("UPDATE cases SET supplement_notices = supplement_notices WHERE id = %s", (a,))
        with second.cursor() as cur:
            cur.execute("UPDATE cases SET supplement_notices = supplement_notices WHERE id = %s", (b,))
        second.commit()
        between = stamp(stage)
        first.commit()
        assert stamp(stage) != between
    finally:
        first.close()
        second.close()


def test_readers_in_parallel_never_see_an_answer_older_than_a_committed_decision(stage):
    """Readers hammer the port while the officer decides; every read that starts after a decision
    committed shows it."""
    with rpc(stage, "nrp") as officer:
        case_id = officer.list_cases({"project_code": stage["code"]})["items"][0]["case_id"]
    committed = []          # states in the order the decisions returned
    stale = []
    stop = threading.Event()

    def reader():
        session = requests.Session()
        while not stop.is_set():
            known = list(committed)
            response = session.get(f"{stage['url']}/projects/{stage['code']}/stages", timeout=10,
                                    headers={"Authorization": f"Bearer {stage['tokens']['applicant']}"})
            state = next(c for c in response.json()["items"][0]["cases"] if c["case_id"] == case_id)["state"]
            order = ["submitted", "accepted", "reviewed", "approved", "concluded"]
            if known and order.index(state) < order.index(known[-1]):
                stale.append((known[-1], state))

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        with rpc(stage, "nrp") as officer:
            for action in ("accept", "review", "approve", "conclude"):
                committed.append(officer.act_on_case(case_id, {"action": action, "opinion": "同意"})["state"])
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert committed == ["accepted", "reviewed", "approved", "concluded"]
    assert stale == []
