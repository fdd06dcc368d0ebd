"""The supervision copy of a clock ends the same whatever order its events arrive in.

Domain rules as plain functions, then the projection handler on an in-memory SQLite database fed
with the same events in many arrival orders (the service test repeats this on PostgreSQL).
"""
import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from platform_kit.calendar import official_calendar
from platform_kit.contracts import Actor, new_event
from platform_kit.db import UnitOfWork
from supervision import handlers
from supervision.adapters.orm import CaseClockRow, StageClockRow, metadata
from supervision.domain import projection
from supervision.domain.projection import case_change, replay

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
PROJECT = "2026-410800-48-01-000009"
FACT = {"case_id": "c1", "stage_id": "s1", "stage": "land_use_planning", "item_code": "NRP-001",
        "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "opinion": ""}


def fact(**extra):
    return dict(FACT, **extra)


def known(record):
    return {name: value for name, value in record.items() if value is not None}


CASE_STEPS = [
    ("case.accepted", fact(on=date(2026, 11, 2), limit_days=10, due_on=date(2026, 11, 16))),
    ("case.reviewed", fact(on=date(2026, 11, 3))),
    ("case.supplement_requested", fact(on=date(2026, 11, 4), used_days=2, accepted_on=date(2026, 11, 2))),
    ("case.supplement_accepted", fact(on=date(2026, 11, 9), accepted_on=date(2026, 11, 2),
                                      due_on=date(2026, 11, 19), used_days=2)),
    ("case.approved", fact(on=date(2026, 11, 11), applicant_org="91410800MA47Q0R12X", project_name="项目")),
    ("case.concluded", fact(on=date(2026, 11, 12), outcome="approved", accepted_on=date(2026, 11, 2),
                            due_on=date(2026, 11, 19), on_time=True, used_days=5)),
]


def test_replay_follows_the_case_through_a_supplement():
    changes = [case_change(t, p) for t, p in CASE_STEPS]
    paused = replay(changes[:3], projection.CASE_CLOSED, "submitted")
    assert paused["state"] == "supplementing" and paused["paused_on"] == date(2026, 11, 4)
    assert paused["resume_state"] == "reviewed"
    resumed = replay(changes[:4], projection.CASE_CLOSED, "submitted")
    assert resumed["state"] == "reviewed" and resumed["paused_on"] is None  # 002 §8: back where it was
    assert resumed["due_on"] == date(2026, 11, 19) and resumed["resume_state"] is None
    final = replay(changes, projection.CASE_CLOSED, "submitted")
    assert (final["state"], final["outcome"], final["concluded_on"], final["on_time"], final["used_days"]) == \
        ("concluded", "approved", date(2026, 11, 12), True, 5)


def test_resumed_clock_without_a_known_deadline_shows_none():
    changes = [case_change("case.accepted", fact(on=date(2026, 11, 2), limit_days=10, due_on=date(2026, 11, 16))),
               case_change("case.supplement_requested", fact(on=date(2026, 11, 4), used_days=2)),
               case_change("case.supplement_accepted", fact(on=date(2026, 11, 6), accepted_on=date(2026, 11, 2),
                                                            due_on=None, used_days=2))]
    record = replay(changes, projection.CASE_CLOSED, "submitted")
    assert record["state"] == "accepted" and record["due_on"] is None  # no stale deadline


def test_return_and_resubmission_start_a_fresh_clock():
    changes = [case_change("case.accepted", fact(on=date(2026, 11, 2), limit_days=10, due_on=date(2026, 11, 16))),
               case_change("case.returned", fact(on=date(2026, 11, 5), used_days=3, round=1)),
               case_change("case.resubmitted", fact(on=date(2026, 11, 9), round=2, limit_days=10))]
    returned = replay(changes[:2], projection.CASE_CLOSED, "submitted")
    assert returned["state"] == "returned" and returned["returned_on"] == date(2026, 11, 5)
    fresh = replay(changes, projection.CASE_CLOSED, "submitted")
    assert fresh["state"] == "submitted" and fresh["round"] == 2 and fresh["limit_days"] == 10
    assert not {"accepted_on", "due_on", "used_days", "returned_on"} & set(known(fresh))


def test_a_closed_case_is_never_reopened():
    changes = [case_change("case.refused", fact(on=date(2026, 11, 3))),
               case_change("case.reviewed", fact(on=date(2026, 11, 3)))]  # publishers' clocks a little apart
    assert replay(changes, projection.CASE_CLOSED, "submitted")["state"] == "refused"


def test_lapse_and_extension_keep_the_state():
    changes = [case_change("case.accepted", fact(on=date(2026, 11, 2), limit_days=3, due_on=date(2026, 11, 5))),
               case_change("case.lapsed", fact(on=date(2026, 11, 6), due_on=date(2026, 11, 5), used_days=4)),
               case_change("stage.extended", {"limit_days": 3, "extension_days": 2, "due_on": date(2026, 11, 9)})]
    record = replay(changes, projection.CASE_CLOSED, "submitted")
    assert record["state"] == "accepted" and record["lapsed_on"] == date(2026, 11, 6)
    assert (record["extension_days"], record["due_on"]) == (2, date(2026, 11, 9))


# ------------------------------------------------------------------ the handler, in any arrival order
@pytest.fixture
def database():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def envelopes():
    officer = Actor(id="officer-nrp", role="officer", department="NRP", region="410800")
    opened = new_event("stage.opened", source="stage", project_code=PROJECT, actor=Actor.SYSTEM, payload={
        "stage_id": "s1", "declaration_id": "d1", "stage": "land_use_planning", "lead_department": "NRP",
        "limit_days": 20, "received_on": date(2026, 10, 30),
        "cases": [{"case_id": "c1", "item_code": "NRP-001", "department": "NRP", "limit_days": 10}]})
    events = [opened] + [new_event(t, source="stage", project_code=PROJECT, actor=officer, payload=p)
                         for t, p in CASE_STEPS]
    events.append(new_event("stage.concluded", source="stage", project_code=PROJECT, actor=Actor.SYSTEM, payload={
        "stage_id": "s1", "stage": "land_use_planning", "declaration_id": "d1", "received_on": date(2026, 10, 30),
        "concluded_on": date(2026, 11, 12), "due_on": date(2026, 11, 27), "on_time": True}))
    # occurred one minute apart, in the order of the flow
    return [_at(e, T0 + timedelta(minutes=n)) for n, e in enumerate(events)]


def _at(envelope, moment):
    object.__setattr__(envelope, "occurred_at", moment)
    return envelope


def project(sessions, arrivals):
    for envelope in arrivals:
        session = sessions()
        with session.begin():
            handlers.record_event(envelope, UnitOfWork(session, metadata), "supervision.test", official_calendar())
        session.close()
    session = sessions()
    case = session.get(CaseClockRow, "c1")
    stage = session.get(StageClockRow, "s1")
    result = ({c: getattr(case, c) for c in handlers.CASE_CLOCK_FIELDS + ("item_name", "department", "stage_id")},
              {c: getattr(stage, c) for c in handlers.STAGE_CLOCK_FIELDS})
    session.close()
    return result


def test_in_order_arrival(database):
    case, stage = project(database, envelopes())
    assert case["state"] == "concluded" and case["used_days"] == 5 and case["item_name"] == "建设用地规划许可证"
    assert stage["state"] == "concluded" and stage["due_on"] == date(2026, 11, 27)
    assert stage["lead_department"] == "NRP" and stage["limit_days"] == 20


@pytest.mark.parametrize("seed", range(12))
def test_any_arrival_order_and_redelivery_give_the_same_clocks(seed):
    expected = None
    rng = random.Random(seed)
    events = envelopes()
    arrivals = events[:]
    rng.shuffle(arrivals)
    arrivals += [rng.choice(events) for _ in range(3)]  # redeliveries
    for order in (events, arrivals, list(reversed(arrivals))):
        engine = create_engine("sqlite://")
        metadata.create_all(engine)
        result = project(sessionmaker(bind=engine, expire_on_commit=False), order)
        engine.dispose()
        expected = expected or result
        assert result == expected, [e.type for e in order]


def test_a_case_never_returned_is_in_its_first_round(database):
    events = envelopes()
    case, _ = project(database, events[:2])  # opened, accepted: no event has named a round yet
    assert case["round"] == 1
    case, _ = project(database, events[2:])
    assert (case["state"], case["round"]) == ("concluded", 1)


def test_the_stage_deadline_follows_its_pauses():
    """000 §12: received Fri 10-30, 20 days, due 11-27; paused from Wed 11-04 (11-02, 11-03 counted),
    resumed Mon 11-09 with 18 left: due 12-03, the stage service's deadline (stage.paused/resumed)."""
    opened = envelopes()[0]
    clock = {"stage_id": "s1", "stage": "land_use_planning", "due_estimated": False}
    paused = new_event("stage.paused", source="stage", project_code=PROJECT, actor=Actor.SYSTEM,
                       payload=dict(clock, on=date(2026, 11, 4), used_days=2, due_on=None))
    resumed = new_event("stage.resumed", source="stage", project_code=PROJECT, actor=Actor.SYSTEM,
                        payload=dict(clock, on=date(2026, 11, 9), used_days=2, due_on=date(2026, 12, 3)))
    events = [_at(e, T0 + timedelta(minutes=n)) for n, e in enumerate((opened, paused, resumed))]
    for arrivals, due_on in ((events[:1], date(2026, 11, 27)), (events[:2], None),
                             (events, date(2026, 12, 3)), (events[::-1], date(2026, 12, 3))):
        engine = create_engine("sqlite://")
        metadata.create_all(engine)
        _, stage = project(sessionmaker(bind=engine, expire_on_commit=False), arrivals)
        engine.dispose()
        assert stage["due_on"] == due_on, [e.type for e in arrivals]


def test_stage_opened_last_still_names_the_cases_limits(database):
    events = envelopes()
    case, stage = project(database, [events[2], events[0]])  # reviewed, then opened
    assert case["state"] == "reviewed" and case["limit_days"] == 10
    assert stage["received_on"] == date(2026, 10, 30) and stage["state"] == "open"

