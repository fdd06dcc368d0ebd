"""Automatic escalation of case clocks (yellow → reminder, red → urge, red for N working days → 督办),
each rule once per clock and level with two replicas passing at the same time."""
import json
import time
import uuid
from datetime import date

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from platform_kit.calendar import official_calendar
from supervision.domain.escalation import supervision_cutoff
from supervision.service import SupervisionService, handler_name
from test_supervision_service import case_fact, event, facts, rpc, today  # noqa: F401


def test_the_cutoff_counts_working_days_back_from_today():
    calendar = official_calendar().estimating()
    assert supervision_cutoff(calendar, date(2026, 11, 16), 2) == date(2026, 11, 12)   # Mon: Fri and Mon count
    assert supervision_cutoff(calendar, date(2026, 11, 16), 0) == date(2026, 11, 16)
    assert supervision_cutoff(calendar, date(2026, 11, 18), 1) == date(2026, 11, 17)


@pytest.fixture
def clocks(container_factory, service_config, today):
    """Today Monday 2026-11-16; an NRP-led stage with three DRC cases: due Wednesday (yellow), due
    last Friday (red one working day) and due last Thursday (red two working days)."""
    config = service_config("supervision", SWEEP_SECONDS=3600, ESCALATION_RED_DAYS=2)
    feeder = container_factory(SupervisionService, config)
    feeder.start()
    dispatch = event_dispatcher(config)

    def deliver(envelope):
        with entrypoint_waiter(feeder, handler_name(envelope.type), timeout=10):
            dispatch(envelope.source, envelope.type, envelope.to_wire())

    stage_id = str(uuid.uuid4())
    cases = {"yellow": (str(uuid.uuid4()), date(2026, 11, 18), date(2026, 11, 16)),
             "red": (str(uuid.uuid4()), date(2026, 11, 13), date(2026, 11, 11)),
             "supervision": (str(uuid.uuid4()), date(2026, 11, 12), date(2026, 11, 10))}
    deliver(event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-1", "stage": "land_use_planning",
        "lead_department": "NRP", "limit_days": 20, "received_on": date(2026, 11, 2), "state": "open",
        "clock": facts(date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 30), date(2026, 11, 26), 20),
        "cases": [{"case_id": c, "item_code": "DRC-001", "department": "DRC", "limit_days": 5, "state": "submitted"}
                  for c, _, _ in cases.values()]}))
    for case_id, due, yellow in cases.values():
        deliver(case_fact("case.accepted", case_id, "DRC", date(2026, 11, 5), stage_id=stage_id, limit_days=5,
                          due_on=due, state="accepted",
                          clock=facts(date(2026, 11, 5), date(2026, 11, 5), due, yellow, 5)))
    feeder.stop()
    return config, {level: c for level, (c, _, _) in cases.items()}


def test_two_replicas_escalate_each_clock_once_per_level(clocks, container_factory, make_token):
    config, cases = clocks
    fast = dict(config, SWEEP_SECONDS=0.2, SWEEP_BATCH=1)
    for _ in range(2):
        container_factory(SupervisionService, fast).start()
    engine = create_engine(config["DATABASE_URL"])
    deadline = time.time() + 20
    rows = []
    while time.time() < deadline and len(rows) < 4:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT case_id, level FROM escalations")).all()
        time.sleep(0.2)
    time.sleep(1.5)   # more passes by both replicas: nothing twice
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT case_id, level FROM escalations")).all()
        alerts = conn.execute(text("SELECT count(*) FROM outbox WHERE event_type = 'alert.raised'")).scalar()
        notices = conn.execute(text("SELECT notification_id FROM notifications")).scalars().all()
        requested = [json.loads(body)["payload"]["notification_id"] if isinstance(body, str)
                     else body["payload"]["notification_id"] for body in conn.execute(text(
                         "SELECT body FROM outbox WHERE event_type = 'notification.requested'")).scalars()]
    engine.dispose()
    # every notice of an escalation asks for its delivery once (an SMS gateway or e-mail takes it from there)
    assert notices and sorted(requested) == sorted(notices)
    assert sorted(rows) == sorted([(cases["yellow"], "yellow"), (cases["red"], "red"),
                                   (cases["supervision"], "red"), (cases["supervision"], "supervision")])
    assert alerts == 4
    with rpc(fast, make_token("officer", sub="drc-1", department="DRC")) as proxy:
        reminders = proxy.list_inbox({"kind": "reminder"})["items"]
        assert proxy.list_inbox({"kind": "urge"})["total"] == 0
    assert [(n["case_id"], n["title"]) for n in reminders] == [(cases["yellow"], "临近时限提醒：「企业投资项目核准」")]
    with rpc(fast, make_token("dept_admin", sub="drc-head", department="DRC")) as proxy:
        urges = proxy.list_inbox({"kind": "urge"})["items"]
    assert sorted(n["case_id"] for n in urges) == sorted([cases["red"], cases["supervision"]])
    assert {n["urgency"] for n in urges} == {"urgent"}
    with rpc(fast, make_token("officer", sub="nrp-1", department="NRP")) as proxy:
        told = proxy.list_inbox({"kind": "reminder"})["items"]
    assert sorted(n["case_id"] for n in told) == sorted([cases["red"], cases["supervision"]])
    for region, expected in (("410800", 1), ("410000", 1), ("410821", 0)):
        with rpc(fast, make_token("supervisor", sub=f"sup-{region}", region=region)) as proxy:
            supervised = proxy.list_inbox({"kind": "supervision"})["items"]
        assert [n["case_id"] for n in supervised] == [cases["supervision"]] * expected
