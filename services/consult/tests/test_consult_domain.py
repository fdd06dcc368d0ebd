"""Consultation rules (001, 004 §14) as plain Python: replies, silence recorded as no opinion,
countersign (办结会签), and who is consulted for how long (the catalog's item rule)."""
from datetime import date

import pytest

from consult.domain import rules
from consult.domain.consultation import AGREE, CONDITIONAL, NO_OPINION, SYSTEM, Consultation
from platform_kit.errors import Conflict, Forbidden, ValidationFailed

OPENED = date(2026, 11, 2)
DUE = date(2026, 11, 5)


def consultation(asked_of=("FIRE", "NRP", "HOUSING")):
    return Consultation.open(id="c-1", asked_by="DRC", asked_of=list(asked_of), question="是否同意？",
                             opened_on=OPENED, due_on=DUE, case_id="case-1")


def test_open_drops_the_asking_department_and_needs_someone_to_ask():
    c = Consultation.open(id="c", asked_by="DRC", asked_of=["NRP", "DRC", "FIRE", "NRP"], question="?",
                          opened_on=OPENED, due_on=DUE)
    assert c.asked_of == ["FIRE", "NRP"] and c.status() == "open"
    with pytest.raises(ValidationFailed):
        Consultation.open(id="c", asked_by="DRC", asked_of=["DRC"], question="?", opened_on=OPENED, due_on=DUE)
    with pytest.raises(ValidationFailed):
        Consultation.open(id="c", asked_by="DRC", asked_of=["NRP"], question="?", opened_on=OPENED,
                          due_on=OPENED)


def test_nothing_is_recorded_up_to_and_on_the_deadline():
    c = consultation()
    assert c.lapse(OPENED) == [] and c.lapse(DUE) == []
    assert c.replies == [] and c.closed_on is None and c.status() == "open"


def test_silent_departments_get_no_opinion_from_the_platform_the_day_after_the_deadline():
    c = consultation()
    c.reply(department="NRP", opinion="同意", replied_by="nrp-1", on=DUE)
    assert c.status() == "open"
    day_after = date(2026, 11, 6)
    recorded = c.lapse(day_after)
    assert [r.department for r in recorded] == ["FIRE", "HOUSING"]
    assert all(r.opinion_kind == NO_OPINION and r.replied_by == SYSTEM and r.replied_on == day_after
               and r.opinion for r in recorded)
    assert c.answered_on == day_after and c.closed_on is None and c.status() == "answered"
    assert [(r["department"], r["opinion_kind"]) for r in c.record()] == [
        ("FIRE", NO_OPINION), ("HOUSING", NO_OPINION), ("NRP", "replied")]


def test_a_later_sweep_records_on_its_own_day_and_only_once():
    c = consultation(asked_of=["FIRE"])
    later = date(2026, 11, 20)
    assert [r.replied_on for r in c.lapse(later)] == [later]
    assert c.lapse(date(2026, 11, 21)) == []
    assert len(c.replies) == 1 and c.answered_on == later


def test_a_late_reply_is_refused_before_and_after_the_no_opinion_is_recorded():
    c = consultation(asked_of=["FIRE"])
    with pytest.raises(Conflict):
        c.reply(department="FIRE", opinion="迟到的意见", replied_by="fire-1", on=date(2026, 11, 6))
    c.lapse(date(2026, 11, 6))
    with pytest.raises(Conflict):
        c.reply(department="FIRE", opinion="迟到的意见", replied_by="fire-1", on=date(2026, 11, 7))
    assert [r.opinion_kind for r in c.replies] == [NO_OPINION]


def test_the_last_reply_in_time_answers_it_and_nothing_lapses_afterwards():
    c = consultation(asked_of=["FIRE", "NRP"])
    c.reply(department="FIRE", opinion="同意", replied_by="fire-1", on=date(2026, 11, 3), kind=AGREE)
    assert c.answered_on is None
    c.reply(department="NRP", opinion="同意", replied_by="nrp-1", on=DUE, kind=CONDITIONAL,
            conditions="消防车道宽度不小于4米")
    assert c.answered_on == DUE and c.status() == "answered"
    assert c.lapse(date(2026, 11, 9)) == [] and len(c.replies) == 2
    assert [r["conditions"] for r in c.record()] == ["", "消防车道宽度不小于4米"]


def test_a_conditional_agreement_states_its_conditions_and_only_it_has_any():
    c = consultation(asked_of=["FIRE"])
    with pytest.raises(ValidationFailed) as err:
        c.reply(department="FIRE", opinion="原则同意", replied_by="fire-1", on=OPENED, kind=CONDITIONAL)
    assert err.value.errors[0]["field"] == "conditions"
    with pytest.raises(ValidationFailed):
        c.reply(department="FIRE", opinion="同意", replied_by="fire-1", on=OPENED, kind=AGREE, conditions="无")
    assert c.replies == []


def test_countersign_by_the_asking_department_once_every_answer_is_in():
    c = consultation(asked_of=["FIRE", "NRP"])
    c.reply(department="FIRE", opinion="同意", replied_by="fire-1", on=OPENED, kind=AGREE)
    with pytest.raises(Conflict) as err:       # NRP neither answered nor lapsed
        c.countersign(department="DRC", signed_by="drc-1", summary="汇总", on=DUE)
    assert "NRP" in err.value.detail
    with pytest.raises(Forbidden):
        c.countersign(department="FIRE", signed_by="fire-1", summary="汇总", on=date(2026, 11, 6))
    # past the deadline the silence is recorded on the way
    recorded = c.countersign(department="DRC", signed_by="drc-1", summary="同意，按消防意见执行", on=date(2026, 11, 6))
    assert [r.department for r in recorded] == ["NRP"] and c.status() == "closed"
    assert (c.closed_on, c.closed_by, c.summary) == (date(2026, 11, 6), "drc-1", "同意，按消防意见执行")
    with pytest.raises(Conflict):
        c.countersign(department="DRC", signed_by="drc-1", summary="再签", on=date(2026, 11, 7))


def test_the_item_rule_decides_departments_and_days():
    known = {"NRP", "FIRE", "CAD", "EQB"}
    rule = [{"department": "FIRE", "days": 5}, {"department": "CAD", "days": 5}]
    planned = rules.plan(rule=rule, asked_of=["EQB"], due_days=None, known_departments=known, asked_by="NRP")
    assert (planned.asked_of, planned.due_days) == (["FIRE", "CAD", "EQB"], 5)
    assert rules.plan(rule=rule, asked_of=[], due_days=5, known_departments=known, asked_by="NRP").due_days == 5
    with pytest.raises(ValidationFailed) as err:
        rules.plan(rule=rule, asked_of=["XYZ"], due_days=10, known_departments=known, asked_by="NRP")
    assert {e["field"] for e in err.value.errors} == {"asked_of", "due_days"}
    with pytest.raises(ValidationFailed) as err:      # without a rule the days are needed
        rules.plan(rule=[], asked_of=["EQB"], due_days=None, known_departments=known, asked_by="NRP")
    assert [e["field"] for e in err.value.errors] == ["due_days"]


def test_replies_are_never_changed_and_only_asked_departments_answer():
    c = consultation(asked_of=["FIRE", "NRP"])
    c.reply(department="FIRE", opinion="同意", replied_by="fire-1", on=OPENED)
    with pytest.raises(Conflict):
        c.reply(department="FIRE", opinion="改主意了", replied_by="fire-1", on=OPENED)
    with pytest.raises(Forbidden):
        c.reply(department="TAX", opinion="?", replied_by="tax-1", on=OPENED)
    assert [(r.department, r.opinion) for r in c.replies] == [("FIRE", "同意")]


# ------------------------------------------------------------------ deadlines in a year not loaded yet
def test_a_deadline_in_an_unloaded_year_is_an_estimate_counted_again_once_the_year_is_loaded():
    from platform_kit.calendar import WorkingCalendar

    loaded_2026 = WorkingCalendar(years={2026})
    # Monday 2026-12-28 + 5 working days: 29, 30, 31, then 2027 assumed Monday–Friday: Fri 1, Mon 4
    c = Consultation.open_counting(calendar=loaded_2026, due_days=5, opened_on=date(2026, 12, 28), id="c",
                                   asked_by="DRC", asked_of=["NRP"], question="?")
    assert (c.due_on, c.due_estimated, c.due_days) == (date(2027, 1, 4), True, 5)
    assert c.spans_year(2027) and not c.spans_year(2028)

    with_2027 = loaded_2026.with_year(2027, [date(2027, 1, 1)], [])
    assert c.recount_deadline(with_2027) == (date(2027, 1, 4), date(2027, 1, 5))
    assert (c.due_on, c.due_estimated) == (date(2027, 1, 5), False)
    assert c.recount_deadline(with_2027) is None   # no longer an estimate: nothing to count again


def test_a_deadline_within_loaded_years_is_not_an_estimate_and_is_never_recounted():
    from platform_kit.calendar import WorkingCalendar

    c = Consultation.open_counting(calendar=WorkingCalendar(years={2026}), due_days=3, opened_on=OPENED,
                                   id="c", asked_by="DRC", asked_of=["NRP"], question="?")
    assert (c.due_on, c.due_estimated) == (DUE, False)
    assert c.recount_deadline(WorkingCalendar(years={2026, 2027})) is None
