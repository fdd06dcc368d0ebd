"""Traffic lights, state order and timeline wording of the supervision read model, as plain functions."""
from datetime import date

from platform_kit.calendar import WorkingCalendar, official_calendar
from supervision.domain import clock, timeline

# 2026-10-01..07 National Day holidays; Saturday 2026-10-10 is an adjusted working day (调休)
CAL = official_calendar()


def test_light_green_yellow_red_by_remaining_working_days():
    due = date(2026, 10, 13)  # Tuesday
    assert clock.light(due, date(2026, 10, 13), CAL, 2) == clock.YELLOW      # due today: 0 left
    # from Friday the 9th: Saturday the 10th (调休), Monday the 12th, Tuesday the 13th = 3 working days
    assert clock.light(due, date(2026, 10, 9), CAL, 2) == clock.GREEN
    assert clock.light(due, date(2026, 10, 9), CAL, 3) == clock.YELLOW
    assert clock.light(due, date(2026, 10, 14), CAL, 2) == clock.RED         # the day after the deadline
    assert clock.light(due, date(2026, 9, 25), CAL, 2) == clock.GREEN


def test_light_counts_working_days_not_calendar_days():
    cal = WorkingCalendar(years={2026})  # plain Monday-to-Friday year
    due = date(2026, 3, 9)  # Monday
    # from Friday the 6th only Monday the 9th remains: one working day
    assert clock.light(due, date(2026, 3, 6), cal, 1) == clock.YELLOW
    # from Wednesday the 4th: Thu, Fri, Mon = 3 working days
    assert clock.light(due, date(2026, 3, 4), cal, 2) == clock.GREEN
    assert clock.light(due, date(2026, 3, 4), cal, 3) == clock.YELLOW


def test_no_light_for_closed_unstarted_or_unloaded_years():
    assert clock.light(date(2026, 3, 9), date(2026, 3, 20), CAL, 2, closed=True) is None
    assert clock.light(None, date(2026, 3, 20), CAL, 2) is None
    assert clock.light(date(2031, 3, 9), date(2031, 1, 5), WorkingCalendar(years={2026}), 2) is None


def test_stage_due_on_skips_holidays_and_never_guesses():
    # received Wednesday 2026-09-30; the day of receipt is not counted; Oct 1-7 are holidays
    assert clock.stage_due_on(CAL, date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert clock.stage_due_on(CAL, date(2026, 9, 30), 3) == date(2026, 10, 10)  # the 调休 Saturday
    assert clock.stage_due_on(WorkingCalendar(years={2026}), date(2031, 1, 1), 5) is None
    assert clock.stage_due_on(CAL, None, 5) is None


def test_timeline_summaries_in_chinese():
    text = timeline.summary("case.concluded", {"department": "NRP", "item_name": "建设用地规划许可证",
                                               "used_days": 3, "on_time": True})
    assert text == "NRP 办结「建设用地规划许可证」，用时 3 个工作日，按期"
    assert timeline.summary("stage.concluded", {"stage": "land_use_planning", "on_time": False}) == \
        "立项用地规划许可阶段办结，超期"
    assert timeline.summary("alert.raised", {}) == "事件 alert.raised"
