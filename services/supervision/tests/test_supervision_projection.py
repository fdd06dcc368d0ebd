"""The supervision copy of a clock ends the same whatever order its events arrive in.

Every case.* and stage.* event carries the state after it and the clock facts the stage service
computed (platform_kit.clock_facts); supervision keeps the newest per clock and shows the light of
any day from them. Domain rules as plain functions, then the projection handler on an in-memory
SQLite database fed with the same events in many arrival orders (the service test repeats this on
PostgreSQL).
"""
import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from platform_kit.contracts import Actor, new_event
from platform_kit.db import UnitOfWork
from supervision import handlers
from supervision.adapters.orm import CaseClockRow, StageClockRow, metadata
from supervision.domain import projection
from supervision.domain.projection import observation, observe

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
PROJECT = "2026-410800-48-01-000009"
FACT = {"case_id": "c1", "stage_id": "s1", "stage": "land_use_planning", "item_code": "NRP-001",
        "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "opinion": ""}
OFFICER = Actor(id="officer-nrp", role="officer", department="NRP", region="410800")


def fact(**extra):
    return dict(FACT, **extra)


def facts(as_of, limit_days=10, started_on=date(2026, 11, 2), due_on=date(2026, 11, 16),
          yellow_on=date(2026, 11, 13), light="green", paused=False, stopped_on=None, used_days=0,
          remaining_days=10, due_estimated=False, extension_days=0):
    """Clock facts as the stage service publishes them (yellow from 2 working days left)."""
    return {"limit_days": limit_days, "extension_days": extension_days, "started_on": started_on,
            "due_on": due_on, "due_estimated": due_estimated, "yellow_on": yellow_on, "yellow_days": 2,
            "paused": paused, "stopped_on": stopped_on, "used_days": used_days,
            "remaining_days": remaining_days, "light": light, "as_of": as_of}


STAGE_FACTS = facts(date(2026, 10, 30), limit_days=20, started_on=date(2026, 10, 30), due_on=date(2026, 11, 27),
                    yellow_on=date(2026, 11, 26), remaining_days=20)
RESUMED = dict(due_on=date(2026, 11, 19), yellow_on=date(2026, 11, 18))
CASE_STEPS = [
    ("case.accepted", fact(on=date(2026, 11, 2), limit_days=10, due_on=date(2026, 11, 16), state="accepted",
                           clock=facts(date(2026, 11, 2)))),
    ("case.reviewed", fact(on=date(2026, 11, 3), state="reviewed", clock=facts(date(2026, 11, 3), used_days=1,
                                                                                remaining_days=9))),
    ("case.supplement_requested", fact(on=date(2026, 11, 4), used_days=2, accepted_on=date(2026, 11, 2),
                                       state="supplementing",
                                       clock=facts(date(2026, 11, 4), due_on=None, yellow_on=None, paused=True,
                                                   used_days=2, remaining_days=8))),
    ("case.supplement_accepted", fact(on=date(2026, 11, 9), accepted_on=date(2026, 11, 2), due_on=date(2026, 11, 19),
                                      used_days=2, state="reviewed",
                                      clock=facts(date(2026, 11, 9), used_days=2, remaining_days=8, **RESUMED))),
    ("case.approved", fact(on=date(2026, 11, 11), applicant_org="91410800MA47Q0R12X", project_name="项目",
                           state="approved", clock=facts(date(2026, 11, 11), used_days=4, remaining_days=6,
                                                         **RESUMED))),
    ("case.concluded", fact(on=date(2026, 11, 12), outcome="approved", accepted_on=date(2026, 11, 2),
                            due_on=date(2026, 11, 19), on_time=True, used_days=5, state="concluded",
                            clock=facts(date(2026, 11, 12), used_days=5, remaining_days=5,
                                        stopped_on=date(2026, 11, 12), **RESUMED))),
]


def at(n):
    return projection.position(T0 + timedelta(minutes=n), f"e{n}")


def case_record(steps):
    record = {"state": "submitted", "positions": {}}
    for n, (event_type, p) in steps:
        record = observe(record, observation(event_type, p, at(n), True, state=p.get("state"), clock=p.get("clock")),
                         projection.CASE_CLOSED)
    return record


# ------------------------------------------------------------------ domain rules
def test_the_newest_facts_win_whatever_the_arrival_order():
    steps = list(enumerate(CASE_STEPS))
    in_order = case_record(steps)
    assert in_order["state"] == "concluded" and in_order["clock"]["stopped_on"] == date(2026, 11, 12)
    assert (in_order["outcome"], in_order["concluded_on"], in_order["on_time"]) == ("approved", date(2026, 11, 12),
                                                                                  True)
    for seed in range(20):
        shuffled = steps[:]
        random.Random(seed).shuffle(shuffled)
        assert case_record(shuffled) == in_order


def test_a_paused_clock_keeps_its_light_and_resumes_with_the_published_deadline():
    paused = case_record(list(enumerate(CASE_STEPS[:3])))
    assert paused["state"] == "supplementing" and paused["paused_on"] == date(2026, 11, 4)
    assert paused["clock"]["paused"] and paused["clock"]["due_on"] is None
    resumed = case_record(list(enumerate(CASE_STEPS[:4])))
    assert resumed["state"] == "reviewed" and resumed["paused_on"] is None   # 002 §8: back where it was
    assert resumed["clock"]["due_on"] == date(2026, 11, 19)


def test_a_closed_case_is_never_reopened_by_a_stale_event():
    refused = ("case.refused", fact(on=date(2026, 11, 3), state="refused",
                                    clock=facts(date(2026, 11, 3), stopped_on=date(2026, 11, 3), used_days=1)))
    reviewed = ("case.reviewed", fact(on=date(2026, 11, 3), state="reviewed", clock=facts(date(2026, 11, 3))))
    # the publishers' clocks a little apart: the review looks a minute newer than the refusal
    for steps in ([(0, refused), (1, reviewed)], [(1, reviewed), (0, refused)]):
        record = case_record(steps)
        assert record["state"] == "refused" and record["clock"]["stopped_on"] == date(2026, 11, 3), steps


def test_events_without_facts_still_apply_with_an_unknown_light():
    legacy = [("case.accepted", fact(on=date(2026, 11, 2), limit_days=10, due_on=date(2026, 11, 16))),
              ("case.supplement_requested", fact(on=date(2026, 11, 4), used_days=2)),
              ("case.supplement_accepted", fact(on=date(2026, 11, 6), accepted_on=date(2026, 11, 2),
                                                due_on=None, used_days=2))]
    record = case_record(list(enumerate(legacy)))
    assert record["state"] == "accepted" and record["due_on"] is None   # no stale deadline
    assert not projection.clock_known(record)


def test_return_and_resubmission_start_a_fresh_clock():
    steps = [CASE_STEPS[0],
             ("case.returned", fact(on=date(2026, 11, 5), used_days=3, round=1, state="returned",
                                    clock=facts(date(2026, 11, 5), stopped_on=date(2026, 11, 5), used_days=3))),
             ("case.resubmitted", fact(on=date(2026, 11, 9), round=2, limit_days=10, state="submitted", clock=None))]
    for order in ([0, 1, 2], [2, 0, 1], [1, 2, 0]):
        record = case_record([(n, steps[n]) for n in order])
        assert record["state"] == "submitted" and record["round"] == 2 and record["limit_days"] == 10
        assert record["clock"] is None and projection.clock_known(record)   # not started: no facts
        assert record["accepted_on"] is None and record["returned_on"] is None


# ------------------------------------------------------------------ the handler, in any arrival order
def stage_event(event_type, payload):
    return new_event(event_type, source="stage", project_code=PROJECT, actor=Actor.SYSTEM, payload=payload)


def envelopes():
    opened = stage_event("stage.opened", {
        "stage_id": "s1", "declaration_id": "d1", "stage": "land_use_planning", "lead_department": "NRP",
        "limit_days": 20, "received_on": date(2026, 10, 30), "state": "open", "clock": STAGE_FACTS,
        "cases": [{"case_id": "c1", "item_code": "NRP-001", "department": "NRP", "limit_days": 10,
                   "state": "submitted", "acceptance_due_on": date(2026, 11, 3)}]})
    events = [opened] + [new_event(t, source="stage", project_code=PROJECT, actor=OFFICER, payload=p)
                         for t, p in CASE_STEPS]
    events.append(stage_event("stage.concluded", {
        "stage_id": "s1", "stage": "land_use_planning", "declaration_id": "d1", "received_on": date(2026, 10, 30),
        "concluded_on": date(2026, 11, 12), "due_on": date(2026, 11, 27), "on_time": True, "state": "concluded",
        "clock": dict(STAGE_FACTS, as_of=date(2026, 11, 12), stopped_on=date(2026, 11, 12), used_days=9,
                      remaining_days=11)}))
    # occurred one minute apart, in the order of the flow
    return [_at(e, T0 + timedelta(minutes=n)) for n, e in enumerate(events)]


def _at(envelope, moment):
    object.__setattr__(envelope, "occurred_at", moment)
    return envelope


@pytest.fixture
def database():
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def deliver(sessions, arrivals):
    for envelope in arrivals:
        session = sessions()
        with session.begin():
            handlers.record_event(envelope, UnitOfWork(session, metadata), "supervision.test")
        session.close()


def project(sessions, arrivals):
    deliver(sessions, arrivals)
    session = sessions()
    case = session.get(CaseClockRow, "c1")
    stage = session.get(StageClockRow, "s1")
    result = ({c: getattr(case, c) for c in handlers.CASE_CLOCK_FIELDS + ("item_name", "department", "stage_id")},
              {c: getattr(stage, c) for c in handlers.STAGE_CLOCK_FIELDS})
    session.close()
    return result


def overview(sessions, today):
    session = sessions()
    try:
        (stage,) = handlers.project_overview(UnitOfWork(session, metadata), PROJECT, today)["stages"]
        return stage, {c["case_id"]: c for c in stage["cases"]}
    finally:
        session.rollback()
        session.close()


def test_in_order_arrival(database):
    case, stage = project(database, envelopes())
    assert case["state"] == "concluded" and case["used_days"] == 5 and case["item_name"] == "建设用地规划许可证"
    assert (case["due_on"], case["stopped_on"], case["light"]) == (date(2026, 11, 19), date(2026, 11, 12), "green")
    assert case["acceptance_due_on"] == date(2026, 11, 3) and case["round"] == 1
    assert stage["state"] == "concluded" and stage["due_on"] == date(2026, 11, 27)
    assert stage["lead_department"] == "NRP" and stage["limit_days"] == 20
    # a closed clock keeps the light it closed with, whatever the day
    _, cases = overview(database, date(2027, 3, 1))
    assert cases["c1"]["light"] == "green" and cases["c1"]["paused"] is False


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


def test_green_yellow_and_red_days_come_from_the_published_dates(database):
    deliver(database, envelopes()[:2])   # opened, accepted: due 11-16, yellow from 11-13
    for today, light in ((date(2026, 11, 12), "green"), (date(2026, 11, 13), "yellow"),
                         (date(2026, 11, 16), "yellow"), (date(2026, 11, 17), "red")):
        stage, cases = overview(database, today)
        assert cases["c1"]["light"] == light, today
        assert (cases["c1"]["due_on"], cases["c1"]["limit_days"], cases["c1"]["due_estimated"]) == \
            (date(2026, 11, 16), 10, False)
    stage, _ = overview(database, date(2026, 11, 26))
    assert stage["light"] == "yellow" and stage["due_on"] == date(2026, 11, 27)


def test_a_paused_clock_shows_the_light_it_paused_with(database):
    events = envelopes()
    paused_stage = _at(stage_event("stage.paused", {
        "stage_id": "s1", "stage": "land_use_planning", "on": date(2026, 11, 4), "used_days": 3, "state": "open",
        "clock": dict(STAGE_FACTS, as_of=date(2026, 11, 4), due_on=None, yellow_on=None, paused=True, used_days=3,
                      remaining_days=17, light="green")}), T0 + timedelta(minutes=3, seconds=30))
    deliver(database, [paused_stage] + events[:4])
    stage, cases = overview(database, date(2026, 12, 31))   # long after the old deadline: still not red
    assert (cases["c1"]["state"], cases["c1"]["paused"], cases["c1"]["light"]) == ("supplementing", True, "green")
    assert (cases["c1"]["paused_on"], cases["c1"]["due_on"]) == (date(2026, 11, 4), None)
    assert (stage["paused"], stage["light"], stage["due_on"], stage["used_days"]) == (True, "green", None, 3)


def test_an_estimated_deadline_is_replaced_when_the_stage_service_counts_it_again():
    """Accepted Monday 2026-12-28 with 5 days before 2027 is loaded: due 2027-01-04, an estimate;
    the 2027 schedule (1 January a holiday) is loaded and the clock counted again: due 2027-01-05."""
    estimated = facts(date(2026, 12, 28), limit_days=5, started_on=date(2026, 12, 28), due_on=date(2027, 1, 4),
                      yellow_on=date(2026, 12, 31), remaining_days=5, due_estimated=True)
    accepted = _at(new_event("case.accepted", source="stage", project_code=PROJECT, actor=OFFICER, payload=fact(
        on=date(2026, 12, 28), limit_days=5, due_on=date(2027, 1, 4), due_estimated=True, state="accepted",
        clock=estimated)), T0)
    recounted = _at(stage_event("stage.clock_recomputed", {
        "stage_id": "s1", "stage": "land_use_planning", "case_id": "c1", "year": 2027,
        "clock": dict(estimated, due_on=date(2027, 1, 5), yellow_on=date(2027, 1, 1), due_estimated=False,
                      as_of=date(2026, 12, 29))}), T0 + timedelta(days=1))
    stage_recounted = _at(stage_event("stage.clock_recomputed", {
        "stage_id": "s1", "stage": "land_use_planning", "case_id": None, "year": 2027,
        "clock": dict(STAGE_FACTS, due_on=date(2027, 1, 20), yellow_on=date(2027, 1, 18),
                      as_of=date(2026, 12, 29))}), T0 + timedelta(days=1))
    for arrivals in ([accepted, recounted, stage_recounted], [stage_recounted, recounted, accepted]):
        engine = create_engine("sqlite://")
        metadata.create_all(engine)
        sessions = sessionmaker(bind=engine, expire_on_commit=False)
        deliver(sessions, [accepted])
        _, cases = overview(sessions, date(2027, 1, 4))
        assert (cases["c1"]["due_on"], cases["c1"]["due_estimated"]) == (date(2027, 1, 4), True)
        deliver(sessions, arrivals)
        stage, cases = overview(sessions, date(2027, 1, 4))
        assert (cases["c1"]["due_on"], cases["c1"]["due_estimated"], cases["c1"]["state"]) == \
            (date(2027, 1, 5), False, "accepted")
        assert cases["c1"]["light"] == "yellow"   # from 2027-01-01 on, not red on the 4th
        assert stage["due_on"] == date(2027, 1, 20)
        engine.dispose()


def test_older_events_without_facts_stay_readable_with_no_light(database):
    opened = stage_event("stage.opened", {
        "stage_id": "s1", "declaration_id": "d1", "stage": "land_use_planning", "lead_department": "NRP",
        "limit_days": 20, "received_on": date(2026, 10, 30),
        "cases": [{"case_id": "c1", "item_code": "NRP-001", "department": "NRP", "limit_days": 10}]})
    accepted = new_event("case.accepted", source="stage", project_code=PROJECT, actor=OFFICER,
                         payload=fact(on=date(2026, 11, 2), limit_days=10, due_on=date(2026, 11, 16)))
    deliver(database, [_at(opened, T0), _at(accepted, T0 + timedelta(minutes=1))])
    stage, cases = overview(database, date(2026, 11, 20))
    assert (cases["c1"]["state"], cases["c1"]["due_on"], cases["c1"]["light"]) == \
        ("accepted", date(2026, 11, 16), None)
    assert (stage["state"], stage["due_on"], stage["light"], stage["limit_days"]) == ("open", None, None, 20)
    # the next event with facts brings the light
    deliver(database, [envelopes()[2]])
    _, cases = overview(database, date(2026, 11, 20))
    assert (cases["c1"]["state"], cases["c1"]["light"]) == ("reviewed", "red")


def test_stage_opened_last_still_names_the_cases_limits(database):
    events = envelopes()
    case, stage = project(database, [events[2], events[0]])  # reviewed, then opened
    assert case["state"] == "reviewed" and case["limit_days"] == 10
    assert stage["received_on"] == date(2026, 10, 30) and stage["state"] == "open"
