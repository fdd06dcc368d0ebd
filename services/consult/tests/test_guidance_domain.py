"""The rules of joint guidance (联合辅导, 003) and its PDF, without a broker or a database."""
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from consult import guidance_pdf
from consult.domain import guidance as rules
from platform_kit.calendar import official_calendar
from platform_kit.errors import Conflict, Forbidden, ValidationFailed

LEADS = {("transport", "construction_permit"): "TRB", ("municipal_pipeline", "land_use_planning"): "CMB"}
NAMES = {"transport": "交通工程", "municipal_pipeline": "市政管线外线工程"}


def test_the_lead_department_by_stage_and_kind_of_works():
    assert rules.route(stage="construction_permit", works="transport", leads=LEADS, stage_lead="HCD",
                       works_names=NAMES) == "TRB"
    assert rules.route(stage="construction_permit", works="building", leads=LEADS, stage_lead="HCD",
                       works_names=NAMES) == "HCD"
    assert rules.route(stage="land_use_planning", works="municipal_pipeline", leads=LEADS, stage_lead="NRP",
                       works_names=NAMES) == "CMB"
    with pytest.raises(ValidationFailed) as unknown:
        rules.route(stage="construction_permit", works="harbour", leads=LEADS, stage_lead="HCD", works_names=NAMES)
    assert unknown.value.errors[0]["field"] == "works"
    with pytest.raises(ValidationFailed) as wrong:
        rules.check_lead("HCD", "TRB")
    assert wrong.value.errors[0]["field"] == "lead_department" and "TRB" in wrong.value.errors[0]["message"]


def test_arrival_within_fifteen_minutes_or_late():
    called = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc)
    assert rules.arrival(called, called + timedelta(minutes=15)) == (15, False)
    assert rules.arrival(called, called + timedelta(minutes=15, seconds=1)) == (15, True)
    with pytest.raises(ValidationFailed):
        rules.arrival(called, called - timedelta(minutes=1))


def test_states_move_in_order():
    assert rules.move(rules.REQUESTED, "sign") == rules.HANDLING
    assert rules.move(rules.HANDLING, "call_out") == rules.CONSULTING
    assert rules.move(rules.CONSULTING, "list") == rules.TO_CONFIRM
    assert rules.move(rules.TO_CONFIRM, "close") == rules.CLOSED
    with pytest.raises(Conflict):
        rules.move(rules.REQUESTED, "list")
    with pytest.raises(Conflict):
        rules.require_working(rules.CLOSED, "答复问题")


def test_only_the_departments_taking_part_answer():
    rules.may_speak_for("HCD", lead="TRB", present={"HCD", "SAMR"})
    with pytest.raises(Forbidden):
        rules.may_speak_for("DRC", lead="TRB", present={"HCD", "SAMR"})
    with pytest.raises(Forbidden):
        rules.check_answerer("SAMR", "HCD", "TRB")


def test_a_hard_question_is_due_in_two_working_days():
    # Fri 2026-06-05: Mon 06-08, Tue 06-09
    assert rules.answer_due(official_calendar(), date(2026, 6, 5)) == date(2026, 6, 9)


def test_the_list_needs_an_answer_no_open_clock_and_a_reason_to_supersede():
    answered = {"question": "问", "answered_on": date(2026, 6, 1), "due_on": None}
    waiting = {"question": "难", "answered_on": None, "due_on": date(2026, 6, 3)}
    with pytest.raises(ValidationFailed) as none:
        rules.check_list(questions=[], previous=None, supersedes=None, reason=None, today=date(2026, 6, 1))
    assert none.value.errors[0]["field"] == "answers"
    with pytest.raises(Conflict):
        rules.check_list(questions=[answered, waiting], previous=None, supersedes=None, reason=None,
                         today=date(2026, 6, 2))
    rules.check_list(questions=[answered, waiting], previous=None, supersedes=None, reason=None, today=date(2026, 6, 4))
    with pytest.raises(ValidationFailed) as reason:
        rules.check_list(questions=[answered], previous="L1", supersedes="L1", reason=" ", today=date(2026, 6, 4))
    assert reason.value.errors[0]["field"] == "reason"
    with pytest.raises(Conflict):
        rules.check_list(questions=[answered], previous="L1", supersedes=None, reason="补充", today=date(2026, 6, 4))


def test_the_fourth_session_is_abnormal():
    assert [rules.flagged(n) for n in (None, 1, 3, 4, 5)] == [False, False, False, True, True]


def test_the_pdf_embeds_every_font_it_uses():
    items = {"HCD-001": {"name": "建筑工程施工许可证核发", "department": "HCD", "materials": ["施工合同"],
                         "notification_commitment": True, "accept_with_deficiencies": False}}
    content = rules.compose_list(
        session={"project_code": "2026-410800-48-01-000001", "intention": None, "stage": "construction_permit",
                 "lead_department": "TRB", "works": "transport"}, items=items,
        findings=[{"item_code": "HCD-001", "material": "施工合同", "result": "missing", "note": "未签章"}],
        questions=[{"question": "需要几份？", "department": "TRB", "mode": "on_spot", "answer": "两份",
                    "answered_on": date(2026, 6, 1), "due_on": None}], next_steps="补齐后申报")
    pdf = guidance_pdf.render_list(list_id="L1", kind="one_time", content=content, departments={"TRB": "交通运输局"},
                                   issued_on=date(2026, 6, 1))
    reader = PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    for expected in ("一次告知清单", "交通运输局", "施工合同", "缺少：未签章", "当场答复"):
        assert expected in text
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert fonts
    for font in fonts:
        descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]


def test_the_stage_is_decided_by_its_cases_ends():
    assert rules.stage_decided(["approved", "approved"]) == rules.READY
    assert rules.stage_decided(["approved", "not_required", "withdrawn"]) == rules.READY
    assert rules.stage_decided(["not_required", "no_objection"]) == rules.READY
    assert rules.stage_decided(["approved", None]) == rules.PENDING
    assert rules.stage_decided([]) == rules.PENDING
    assert rules.stage_decided(["approved", "disapproved", None]) == rules.BLOCKED
    assert rules.stage_decided(["refused", "approved"]) == rules.BLOCKED
    assert rules.stage_decided(["withdrawn", "withdrawn"]) == rules.ABANDONED
    with pytest.raises(ValueError):
        rules.stage_decided(["approved", "lost"])
