"""The legal clock (DESIGN.md §4), hand-checked across the 2025–2026 holiday schedules.

Each expected date is counted by hand in the comment next to it ("W" = working day; Sat/Sun
marked when an adjusted working weekend 调休 counts).
"""
from datetime import date

import pytest

from platform_kit.calendar import official_calendar
from stage.domain.clock import Clock, deadline, replay

CAL = official_calendar()


def test_spring_festival_2025_with_working_sunday_and_saturday():
    # accepted Fri 2025-01-24: Sun 01-26 (调休) 1, Mon 01-27 2, [01-28..02-04 holiday], 02-05 3,
    # 02-06 4, 02-07 5, Sat 02-08 (调休) 6
    assert deadline(date(2025, 1, 24), 5, CAL) == (date(2025, 2, 7), False)
    assert deadline(date(2025, 1, 24), 6, CAL) == (date(2025, 2, 8), False)


def test_national_day_2025():
    # accepted Fri 2025-09-26: Sun 09-28 (调休) 1, 09-29 2, 09-30 3, [10-01..10-08], 10-09 4, 10-10 5,
    # Sat 10-11 (调休) 6, Mon 10-13 7
    assert deadline(date(2025, 9, 26), 5, CAL)[0] == date(2025, 10, 10)
    assert deadline(date(2025, 9, 26), 6, CAL)[0] == date(2025, 10, 11)
    assert deadline(date(2025, 9, 26), 7, CAL)[0] == date(2025, 10, 13)


def test_spring_festival_2026_and_new_year():
    # accepted Thu 2026-02-12: 02-13 1, Sat 02-14 (调休) 2, [02-15..02-23], Tue 02-24 3
    assert deadline(date(2026, 2, 12), 3, CAL)[0] == date(2026, 2, 24)
    # accepted Tue 2025-12-30: 12-31 1, [2026-01-01..01-03], Sun 01-04 (调休) 2, Mon 01-05 3
    assert deadline(date(2025, 12, 30), 3, CAL)[0] == date(2026, 1, 5)


def test_acceptance_day_not_counted_and_used_days():
    clock = Clock.start(5, date(2026, 11, 23), CAL)   # Mon
    assert clock.due_on == date(2026, 11, 30)          # Tue 1, Wed 2, Thu 3, Fri 4, Mon 30 5
    assert clock.used_days(date(2026, 11, 23), CAL) == 0
    assert clock.used_days(date(2026, 11, 25), CAL) == 2
    assert clock.remaining_days(date(2026, 11, 25), CAL) == 3
    assert clock.light(date(2026, 11, 25), CAL, yellow_days=2) == "green"
    assert clock.light(date(2026, 11, 26), CAL, yellow_days=2) == "yellow"
    assert clock.light(date(2026, 12, 1), CAL, yellow_days=2) == "red"
    assert clock.remaining_days(date(2026, 12, 1), CAL) == 0
    assert clock.overdue_days(date(2026, 12, 1), CAL) == 1


def test_supplement_pauses_from_notice_day_and_resumes_not_restarts():
    # accepted Thu 2026-09-17, limit 10. Counted: Fri 09-18 1, Sun 09-20 (调休) 2, Mon 09-21 3.
    # Notice Tue 09-22: paused, 09-22 not counted. Resumed Fri 10-09: from the day after:
    # Sat 10-10 (调休) 4, 10-12 5, 10-13 6, 10-14 7, 10-15 8, 10-16 9, Mon 10-19 10.
    clock = Clock.start(10, date(2026, 9, 17), CAL)
    assert clock.due_on == date(2026, 10, 8)   # uninterrupted: 18,20,21,22,23,24,28,29,30, 10-08
    clock.pause(date(2026, 9, 22), CAL)
    assert clock.paused and clock.used_before == 3 and clock.due_on is None
    assert clock.used_days(date(2026, 10, 8), CAL) == 3          # pauses consume nothing
    clock.resume(date(2026, 10, 9), CAL)
    assert clock.due_on == date(2026, 10, 19)
    assert clock.used_days(date(2026, 10, 13), CAL) == 6
    assert clock.remaining_days(date(2026, 10, 13), CAL) == 4
    clock.stop(date(2026, 10, 16), CAL)
    assert clock.used_before == 9 and clock.on_time() and clock.due_on == date(2026, 10, 19)


def test_extension_adds_working_days():
    # accepted 2026-02-12, limit 3 → 02-24; +2 → 02-25, 02-26
    clock = Clock.start(3, date(2026, 2, 12), CAL)
    clock.extend(2, CAL)
    assert clock.due_on == date(2026, 2, 26) and clock.total_days == 5


def test_overdue_then_paused_keeps_the_day_the_limit_was_reached():
    clock = Clock.start(2, date(2026, 11, 2), CAL)    # Mon; 11-03 1, 11-04 2
    clock.pause(date(2026, 11, 9), CAL)                # counted 3,4,5,6 → 4 used
    assert clock.used_before == 4 and clock.due_on == date(2026, 11, 4)
    clock.extend(1, CAL)
    assert clock.due_on == date(2026, 11, 5)
    clock.extend(3, CAL)
    assert clock.due_on is None                         # 6 > 4 used: decided on resumption
    clock.resume(date(2026, 11, 10), CAL)
    assert clock.due_on == date(2026, 11, 12)           # 11-11 5, 11-12 6


def test_unloaded_year_is_a_flagged_estimate_and_loading_it_corrects():
    # accepted Mon 2026-12-28, limit 5: 12-29 1, 12-30 2, 12-31 3; 2027 not loaded → assume Mon–Fri:
    # Fri 2027-01-01 4, Mon 01-04 5 (estimate)
    clock = Clock.start(5, date(2026, 12, 28), CAL)
    assert clock.due_on == date(2027, 1, 4) and clock.estimated
    assert deadline(date(2026, 12, 28), 5, CAL) == (date(2027, 1, 4), True)
    loaded = CAL.with_year(2027, [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)], [])
    clock.recompute(loaded)
    assert clock.due_on == date(2027, 1, 5) and not clock.estimated   # 01-04 4, 01-05 5
    from platform_kit.errors import CalendarNotLoaded
    with pytest.raises(CalendarNotLoaded):
        CAL.add_working_days(date(2026, 12, 28), 5)    # the strict calendar never guesses


def test_replay_equals_incremental():
    history = [("start", date(2025, 9, 26)), ("pause", date(2025, 9, 30)), ("resume", date(2025, 10, 9)),
               ("extend", date(2025, 10, 10), 2), ("stop", date(2025, 10, 14))]
    clock = Clock.start(5, date(2025, 9, 26), CAL)
    clock.pause(date(2025, 9, 30), CAL)
    clock.resume(date(2025, 10, 9), CAL)
    clock.extend(2, CAL)
    clock.stop(date(2025, 10, 14), CAL)
    assert replay(5, history, CAL) == clock
    # counted: 09-28, 09-29 | 10-10, 10-11, 10-13, 10-14 → 6 of 7
    assert clock.used_before == 6 and clock.on_time()


def test_calendar_year_validation():
    from platform_kit.calendar import validate_year_schedule
    from platform_kit.errors import ValidationFailed
    validate_year_schedule(2027, [date(2027, 1, 1)], [date(2027, 2, 6)])
    with pytest.raises(ValidationFailed) as err:
        validate_year_schedule(2027, [date(2027, 1, 1), date(2027, 1, 1), date(2028, 1, 1)],
                               [date(2027, 1, 1), date(2027, 2, 3)])
    messages = " ".join(e["message"] for e in err.value.errors)
    assert "重复" in messages and "不属于" in messages and "同时" in messages and "不是周末" in messages


def test_calendar_file_is_validated_and_loaded(tmp_path, postgres):
    from sqlalchemy import create_engine, text
    from stage.calendar_file import main
    url = postgres.fresh("stage")
    bad = tmp_path / "2027-bad.yml"
    bad.write_text("year: 2027\nholidays: [2027-01-01, 2027-01-01]\nworking_weekends: [2027-01-01]\n")
    assert main([str(bad), "--url", url]) == 1
    good = tmp_path / "2027.yml"
    good.write_text("year: 2027\nholidays: [2027-01-01, 2027-01-02, 2027-01-03]\n"
                    "working_weekends: [2027-02-07]\n")
    assert main([str(good), "--url", url, "--by", "ops-wang"]) == 0
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT year, loaded_by, event_id FROM calendar_years")).all()
        published = conn.execute(text("SELECT event_id, body FROM outbox "
                                      "WHERE event_type = 'calendar.year_loaded'")).all()
    engine.dispose()
    assert [tuple(r[:2]) for r in rows] == [(2027, "ops-wang")]
    # published like the RPC's loads: the event the row records
    assert [p.event_id for p in published] == [rows[0].event_id]
    payload = published[0].body["payload"]
    assert (payload["year"], payload["loaded_by"], payload["working_weekends"]) == (2027, "ops-wang", ["2027-02-07"])
