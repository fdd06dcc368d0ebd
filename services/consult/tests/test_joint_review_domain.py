"""Joint review (会审) rules as plain Python: who convenes, within which time, every invitee answers
(no opinion included), silence at the deadline is no opinion and a failure to answer, the minutes
close it."""
from datetime import date

import pytest

from consult.domain.joint_review import NO_ANSWER, SYSTEM, JointReview, StageTerms
from platform_kit.calendar import WorkingCalendar
from platform_kit.errors import Conflict, Forbidden, ValidationFailed

TODAY = date(2026, 11, 2)                      # a Monday
STAGE = StageTerms(stage_id="s-1", project_code="P", stage="construction_permit", lead_department="HCD",
                   due_on=date(2026, 11, 20))
KNOWN = {"HCD", "FIRE", "CAD", "NRP", "MET"}
CALENDAR = WorkingCalendar.official().estimating()


def convene(**overrides):
    facts = dict(terms=STAGE, department="HCD", calendar=CALENDAR, today=TODAY, due_days=5,
                 invitees=["FIRE", "CAD", "NRP"], known_departments=KNOWN, kind="construction_drawings",
                 meeting_on=date(2026, 11, 4), place="市民之家三楼会议室", online=False, subject="施工图联合审查",
                 id="jr-1")
    facts.update(overrides)
    return JointReview.convene(**facts)


def fields_of(err):
    return {e["field"] for e in err.value.errors}


def test_the_lead_department_convenes_with_a_deadline_in_working_days():
    review = convene(invitees=["FIRE", "CAD", "HCD", "FIRE", "NRP"])
    assert review.invitees == ["FIRE", "CAD", "NRP"]         # the convener itself is not invited
    assert review.due_on == date(2026, 11, 9)                 # 5 working days after Monday 11-02
    assert review.status() == "open" and review.silent_departments() == ["FIRE", "CAD", "NRP"]


def test_only_the_stages_lead_department_convenes():
    with pytest.raises(Forbidden):
        convene(department="NRP")


def test_a_deadline_or_meeting_outside_the_stages_promised_time_is_refused_naming_the_field():
    with pytest.raises(ValidationFailed) as err:
        convene(due_days=20)                                  # ends 11-30, the stage ends 11-20
    assert fields_of(err) == {"due_days"}
    with pytest.raises(ValidationFailed) as err:
        convene(meeting_on=date(2026, 11, 25))
    assert fields_of(err) == {"meeting_on"}
    with pytest.raises(ValidationFailed) as err:
        convene(meeting_on=date(2026, 10, 30))
    assert fields_of(err) == {"meeting_on"}


def test_unknown_departments_kinds_and_a_missing_place_are_refused():
    with pytest.raises(ValidationFailed) as err:
        convene(invitees=["FIRE", "NOPE"], kind="tea_party", place="", online=False)
    assert fields_of(err) == {"invitees", "kind", "place"}
    assert convene(place="", online=True).online is True
    with pytest.raises(ValidationFailed) as err:
        convene(invitees=["HCD"])
    assert fields_of(err) == {"invitees"}


def test_answers_are_final_from_invitees_only_and_before_the_deadline():
    review = convene()
    review.answer(department="FIRE", kind="conditional", opinion="消防设计基本符合", conditions="补充疏散通道宽度说明",
                  answered_by="fire-1", on=TODAY)
    review.answer(department="CAD", kind="none", opinion="无意见", conditions="", answered_by="cad-1", on=TODAY)
    with pytest.raises(Conflict):
        review.answer(department="FIRE", kind="agree", opinion="改了", conditions="", answered_by="fire-1", on=TODAY)
    with pytest.raises(Forbidden):
        review.answer(department="MET", kind="agree", opinion="同意", conditions="", answered_by="met-1", on=TODAY)
    with pytest.raises(ValidationFailed):
        review.answer(department="NRP", kind="conditional", opinion="同意", conditions="", answered_by="n", on=TODAY)
    with pytest.raises(Conflict):
        review.answer(department="NRP", kind="agree", opinion="同意", conditions="", answered_by="nrp-1",
                      on=date(2026, 11, 10))
    assert review.status() == "open" and review.silent_departments() == ["NRP"]


def test_silence_at_the_deadline_is_no_opinion_and_a_failure_to_answer():
    review = convene()
    review.answer(department="FIRE", kind="agree", opinion="同意", conditions="", answered_by="f", on=TODAY)
    assert review.lapse(date(2026, 11, 9)) == []              # the deadline day itself is still in time
    recorded = review.lapse(date(2026, 11, 10))
    assert [(a.department, a.kind, a.answered_by, a.on_time) for a in recorded] == \
        [("CAD", NO_ANSWER, SYSTEM, False), ("NRP", NO_ANSWER, SYSTEM, False)]
    assert review.status() == "answered" and review.failed_to_answer() == ["CAD", "NRP"]
    assert review.lapse(date(2026, 11, 11)) == []             # recorded once


def test_minutes_wait_for_every_invitee_within_the_deadline_and_close_the_review():
    review = convene()
    review.answer(department="FIRE", kind="agree", opinion="同意", conditions="", answered_by="f", on=TODAY)
    with pytest.raises(Conflict) as err:
        review.record_minutes(department="HCD", recorded_by="hcd-1", minutes="纪要", conclusion="通过", on=TODAY)
    assert "CAD" in err.value.detail and "NRP" in err.value.detail
    with pytest.raises(Forbidden):
        review.record_minutes(department="FIRE", recorded_by="f", minutes="纪要", conclusion="通过",
                              on=date(2026, 11, 10))
    with pytest.raises(ValidationFailed) as err:
        review.record_minutes(department="HCD", recorded_by="hcd-1", minutes=" ", conclusion="",
                              on=date(2026, 11, 10))
    assert fields_of(err) == {"minutes", "conclusion"}
    review = convene()
    review.answer(department="FIRE", kind="agree", opinion="同意", conditions="", answered_by="f", on=TODAY)
    recorded = review.record_minutes(department="HCD", recorded_by="hcd-1", minutes="会审纪要正文",
                                     conclusion="施工图审查通过", on=date(2026, 11, 10))
    assert [a.department for a in recorded] == ["CAD", "NRP"]   # silences recorded on the way
    assert review.status() == "closed" and review.conclusion == "施工图审查通过"
    assert [(r["department"], r["opinion_kind"], r["on_time"]) for r in review.record()] == \
        [("FIRE", "agree", True), ("CAD", NO_ANSWER, False), ("NRP", NO_ANSWER, False)]
    with pytest.raises(Conflict):
        review.record_minutes(department="HCD", recorded_by="hcd-1", minutes="再来", conclusion="再来",
                              on=date(2026, 11, 11))
    with pytest.raises(Conflict):
        review.answer(department="CAD", kind="agree", opinion="晚了", conditions="", answered_by="c",
                      on=date(2026, 11, 9))
