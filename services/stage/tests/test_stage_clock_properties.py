"""Property tests of the legal clock: random accept / supplement / resume / return / resubmit /
extend sequences over random dates spanning the 2025–2026 holidays, checked against a plain
day-by-day count written independently of the clock module."""
from datetime import date, timedelta
from types import SimpleNamespace

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from platform_kit.calendar import official_calendar
from stage.adapters.orm import case_from_row, case_to_row, clock_from_row, clock_to_row
from stage.domain.case import Case
from stage.domain.stage import Stage
from stage.domain.clock import Clock, replay

CAL = official_calendar()
DAY = timedelta(days=1)


def working(day):
    # the oracle's own reading of the schedule: official where loaded, Monday–Friday elsewhere
    if day.year in CAL.years:
        return CAL.is_working_day(day)
    return day.weekday() < 5


def oracle(start, history, horizon):
    """Counted days, day by day: a day after the start is counted when it is a working day, the
    clock was running when it began, and no pause or resumption happened on it (a pause day is not
    counted, counting resumes the day after a resumption); the stop day itself is counted."""
    events = {}
    for entry in history:
        if entry[0] in ("pause", "resume", "stop"):
            events.setdefault(entry[1], []).append(entry[0])
    counted, running, day = [], True, start
    for kind in events.get(start, []):
        running = kind == "resume"
    while day < horizon:
        day += DAY
        kinds = [k for k in events.get(day, []) if k != "stop"]
        if running and not kinds and working(day):
            counted.append(day)
        if "stop" in events.get(day, []):
            break
        if kinds:
            running = kinds[-1] == "resume"
    return counted


def persist(clock):
    row = SimpleNamespace(limit_days=clock.limit_days)
    clock_to_row(clock, row)
    return clock_from_row(row)   # as a restarted service reads it back


dates = st.dates(min_value=date(2024, 12, 1), max_value=date(2026, 10, 31))
ops = st.lists(st.tuples(st.sampled_from(["toggle", "toggle", "extend", "read"]),
                         st.integers(min_value=0, max_value=12), st.integers(min_value=1, max_value=5)),
               max_size=12)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=dates, limit=st.integers(min_value=1, max_value=30), steps=ops, stop=st.booleans())
def test_incremental_clock_matches_day_by_day_count(start, limit, steps, stop):
    clock = Clock.start(limit, start, CAL)
    history = [("start", start)]
    day = start
    total = limit
    for kind, gap, days in steps:
        day = day + timedelta(days=gap)
        if kind == "toggle":
            if clock.running:
                clock.pause(day, CAL)
                history.append(("pause", day))
            else:
                clock.resume(day, CAL)
                history.append(("resume", day))
        elif kind == "extend":
            clock.extend(days, CAL)
            total += days
            history.append(("extend", day, days))
        clock = persist(clock)
        counted = oracle(start, history, day + timedelta(days=400))
        # the deadline: the day the total-th counted day falls on (unknown while paused short of it)
        expected_due = counted[total - 1] if len(counted) >= total else None
        assert clock.due_on == expected_due
        # used days on any day so far = counted days up to it; an open clock never shows negatives
        for probe in (day, day + timedelta(days=gap), day + timedelta(days=30)):
            used = sum(1 for d in counted if d <= probe)
            if clock.paused:
                used = sum(1 for d in counted if d < clock.paused_since)
            assert clock.used_days(probe, CAL) == used
            assert clock.remaining_days(probe, CAL) >= 0
            assert clock.remaining_days(probe, CAL) + used - clock.overdue_days(probe, CAL) == total
        if clock.paused:
            # pauses never consume working days
            assert clock.used_days(clock.paused_since + timedelta(days=60), CAL) == clock.used_before
    if stop:
        day = day + timedelta(days=3)
        clock.stop(day, CAL)
        history.append(("stop", day))
        counted = oracle(start, history, day + DAY)
        assert clock.used_before == len(counted)
        assert clock.on_time() == (len(counted) <= total)
    assert replay(limit, history, CAL) == clock


actions = st.lists(st.tuples(st.integers(min_value=0, max_value=1),
                             st.sampled_from(["accept", "request_supplement", "accept_supplement", "return",
                                              "resubmit", "extend", "review", "approve", "conclude"]),
                             st.integers(min_value=0, max_value=6)), min_size=5, max_size=40)


def reload(case):
    """The case as a restarted service reads it back from its row."""
    row = SimpleNamespace(id=case.id, stage_id=case.stage_id, item_code=case.item_code,
                          department=case.department, region=case.region, limit_days=case.limit_days,
                          applicant_org=case.applicant_org, project_code=case.project_code, stage=case.stage,
                          item_name=case.item_name, project_name=case.project_name, lapse_action=case.lapse_action)
    case_to_row(case, row)
    return case_from_row(row)


def clock_from_history(limit, history):
    """The case clock recomputed from its recorded decisions alone."""
    clock_history = []
    for action, on, days, started in history:
        if action == "resubmit":
            clock_history = []                   # a fresh clock for the new round
        elif action in ("accept", "deemed_accept") or (action == "accept_supplement" and started):
            clock_history = [("start", on)]
        elif not clock_history:
            continue
        elif action == "request_supplement":
            clock_history.append(("pause", on))
        elif action == "accept_supplement":
            clock_history.append(("resume", on))
        elif action in ("conclude", "return", "refuse", "withdraw"):
            clock_history.append(("stop", on))
        elif action == "extend":
            clock_history.append(("extend", on, days))
    return replay(limit, clock_history, CAL) if clock_history else None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(received=dates, sequence=actions)
def test_stage_clock_pauses_exactly_while_a_case_holds_it(received, sequence):
    stage = Stage.open(id="s", lead_department="NRP", limit_days=20, received_on=received, calendar=CAL)
    cases = [Case.open(id=f"c{i}", stage_id="s", item_code=f"I{i}", department="NRP", region="410800",
                       limit_days=5 + i, received_on=received, applicant_org="org", calendar=CAL)
             for i in range(2)]
    day = received
    stage_used = 0
    histories = [[], []]
    for index, action, gap in sequence:
        day = day + timedelta(days=gap)
        case = cases[index]
        deemed = case.settle_deemed_acceptance(day, CAL) if action != "accept" else None
        if deemed:
            histories[index].append((deemed.action, deemed.on, 0, True))
        before = reload(case)
        try:
            if action == "extend":
                if case.clock is None or case.closed or case.state == "returned":
                    continue
                case.extend(2, CAL)
                histories[index].append(("extend", day, 2, False))
            else:
                out = case.act(action, day, CAL, opinion="理由")
                histories[index].append((action, out.on, 0, out.clock_started))
        except Exception as exc:  # a refused transition changes nothing
            assert type(exc).__name__ in ("Conflict", "ValidationFailed"), exc   # (one-time supplement, 002 §7(二))
            assert reload(case) == before
            continue
        cases[index] = case = reload(case)
        event(f"applied {action}")
        # the incremental clock equals the one recomputed from the recorded decisions
        assert case.clock == clock_from_history(case.limit_days, histories[index])
        stage.sync_clock(cases, day, CAL)
        stage.try_conclude(cases, day, CAL)
        holding = any(c.holds_stage_clock for c in cases)
        if stage.state == "open":
            assert stage.clock.paused == holding
        used = stage.clock.used_days(day - DAY, CAL)
        assert used >= stage_used          # a clock never runs backwards (days already over)
        stage_used = used
        assert stage.clock.remaining_days(day, CAL) >= 0
        for c in cases:
            if c.clock is not None and not c.clock.stopped:
                assert c.clock.remaining_days(day, CAL) >= 0
                assert c.clock.paused == (c.state == "supplementing")


@settings(max_examples=300, deadline=None)
@given(start=st.dates(min_value=date(2024, 6, 1), max_value=date(2027, 6, 30)),
       n=st.integers(min_value=0, max_value=300), span=st.integers(min_value=-5, max_value=400))
def test_calendar_counting_equals_stepping_day_by_day(start, n, span):
    cal = CAL.estimating()
    day, counted = start, 0
    while counted < n:
        day += DAY
        counted += working(day)
    assert cal.add_working_days(start, n) == day
    end = start + timedelta(days=span)
    assert cal.working_days_between(start, end) == sum(
        1 for k in range(1, span + 1) if working(start + timedelta(days=k)))
    last_examined = max(day, end)
    assert cal.estimated == (last_examined > start and last_examined.year > 2026)
