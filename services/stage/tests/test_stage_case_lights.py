"""Today's light of a case's clock decided from the dates it stores: the rule a list filters and counts
with (stage.domain.clock.LightsOn, and its SQL form in stage.adapters.repositories.case_light) gives
the light Clock.facts gives, for random clocks over the 2025–2026 holidays; and the workbench
counters and the light filter against a real PostgreSQL database."""
import uuid
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from platform_kit.calendar import official_calendar
from stage.adapters.orm import StageRow
from stage.adapters.repositories import repositories
from stage.domain.case import Case
from stage.domain.clock import Clock, LightsOn
from stage.domain.visibility import Visibility

CAL = official_calendar()
dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 10, 31))
steps = st.lists(st.tuples(st.sampled_from(["pause", "resume", "extend", "stop"]),
                           st.integers(min_value=0, max_value=15)), max_size=6)


def clock_after(start, limit, history):
    clock, day = Clock.start(limit, start, CAL), start
    for kind, gap in history:
        day += timedelta(days=gap)
        if clock.stopped:
            break
        if kind == "pause" and clock.running:
            clock.pause(day, CAL)
        elif kind == "resume" and clock.paused:
            clock.resume(day, CAL)
        elif kind == "extend":
            clock.extend(2, CAL)
        elif kind == "stop":
            clock.stop(day, CAL)
    return clock, day


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=dates, limit=st.integers(min_value=1, max_value=25), history=steps,
       later=st.integers(min_value=0, max_value=50), yellow_days=st.integers(min_value=0, max_value=4))
def test_the_stored_dates_give_the_light_the_clock_gives(start, limit, history, later, yellow_days):
    clock, day = clock_after(start, limit, history)
    today = day + timedelta(days=later)
    assert LightsOn.of(today, CAL, yellow_days).light(clock) == clock.light(today, CAL, yellow_days)


# ------------------------------------------------------------------------------- PostgreSQL
TODAY = date(2026, 11, 16)   # a Monday


def case(state, department="NRP", clock=None, region="410800"):
    return Case(id=str(uuid.uuid4()), stage_id="", item_code=f"I-{uuid.uuid4().hex[:6]}", department=department,
                region=region, limit_days=clock.limit_days if clock else 5, received_on=date(2026, 10, 1),
                state=state, applicant_org="91410800MA47Q0R12X", clock=clock, project_code="2026-410800-48-01-000001",
                stage="land_use_planning", item_name="事项", project_name="项目")


@pytest.fixture
def session(postgres):
    engine = create_engine(postgres.fresh("stage"))
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_counters_and_the_light_filter_decide_in_sql_as_the_clock_does(session):
    session.add(StageRow(id="s1", declaration_id="d1", project_code="2026-410800-48-01-000001",
                         stage="land_use_planning", region="410800", applicant_org="91410800MA47Q0R12X",
                         project_name="项目", lead_department="NRP", received_on=date(2026, 10, 1), limit_days=20))
    session.flush()
    running_green = Clock.start(10, date(2026, 11, 13), CAL)            # due 11-27
    running_yellow = Clock.start(3, date(2026, 11, 13), CAL)            # due 11-18: 2 working days left
    running_red = Clock.start(2, date(2026, 11, 3), CAL)                # due 11-05
    paused = Clock.start(5, date(2026, 11, 2), CAL)
    paused.pause(date(2026, 11, 6), CAL)                                # 3 used of 5: yellow, frozen
    stopped = Clock.start(2, date(2026, 11, 2), CAL)
    stopped.stop(date(2026, 11, 6), CAL)                                # 4 used of 2: red, closed
    cases = {"green": case("accepted", clock=running_green), "yellow": case("reviewed", clock=running_yellow),
             "red": case("accepted", clock=running_red), "paused": case("supplementing", clock=paused),
             "stopped": case("concluded", clock=stopped), "new": case("submitted"),
             "other": case("accepted", department="DRC", clock=Clock.start(2, date(2026, 11, 5), CAL))}
    uow = repositories(session)
    for entry in cases.values():
        entry.stage_id = "s1"
        uow["cases"].add(entry)
    lights = LightsOn.of(TODAY, CAL, 2)
    for name, entry in cases.items():   # the SQL rule is the clock's own
        expected = entry.clock.light(TODAY, CAL, 2) if entry.clock else "green"
        found = {c.id for c in uow["cases"].visible(Visibility("everything"), light=expected, lights=lights)[0]}
        assert entry.id in found, name

    nrp = Visibility("own_department", department="NRP", region="410800")
    assert uow["cases"].counts(nrp, lights) == {"todo": 4, "supplementing": 1, "due_soon": 2, "overdue": 1,
                                                "done": 1}
    everything = uow["cases"].counts(Visibility("everything"), lights)
    assert (everything["todo"], everything["overdue"]) == (5, 2)

    red, total = uow["cases"].visible(Visibility("everything"), light="red", lights=lights)
    # open cases first, the earliest deadline first; the closed red one last
    assert [c.id for c in red] == [cases["red"].id, cases["other"].id, cases["stopped"].id] and total == 3
    yellow, total = uow["cases"].visible(nrp, light="yellow", lights=lights, limit=1, offset=1)
    assert [c.id for c in yellow] == [cases["paused"].id] and total == 2   # no deadline while paused: after
