"""002 §14–§17: a joint review's minutes and conclusion go to the applicant through the window (会审纪要)."""
import io
from datetime import date

from pypdf import PdfReader

from intake import handlers
from platform_kit.contracts import Actor, new_event
from test_intake_defects import APPLICANT, register, uow  # noqa: F401 (fixture)


def test_a_concluded_joint_review_issues_its_minutes_once_naming_the_conclusion_and_the_silent(uow):  # noqa: F811
    code = register(uow)["project_code"]
    concluded = new_event("joint_review.concluded", source="consult", project_code=code,
                          actor=Actor(id="hcd-1", role="officer", department="HCD", region="410800"), payload={
                              "joint_review_id": "jr-1", "kind": "construction_drawings", "stage_id": "stage-3",
                              "stage": "construction_permit", "convened_by": "HCD", "subject": "门诊楼施工图联合审查",
                              "meeting_on": date(2026, 11, 4), "place": "市民之家三楼", "online": False,
                              "opened_on": date(2026, 11, 2), "due_on": date(2026, 11, 9),
                              "minutes": "消防、人防部门参加会审，审查了建筑、结构、消防专篇。",
                              "conclusion": "施工图联合审查通过，按消防条件修改后实施", "closed_by": "hcd-1",
                              "closed_on": date(2026, 11, 10), "failed_to_answer": ["CAD"], "answers": [
                                  {"department": "FIRE", "opinion_kind": "conditional", "opinion": "原则同意",
                                   "conditions": "消防车道宽度不小于4米", "answered_on": date(2026, 11, 4),
                                   "on_time": True},
                                  {"department": "CAD", "opinion_kind": "no_opinion", "opinion": "逾期未反馈",
                                   "answered_on": date(2026, 11, 10), "on_time": False}]})
    document = handlers.issue_joint_review_minutes(concluded, uow, "intake.on_joint_review_concluded")
    assert handlers.issue_joint_review_minutes(concluded, uow, "intake.on_joint_review_concluded") is None
    listed = handlers.list_documents(code, {"limit": 50, "offset": 0}, APPLICANT, uow)["items"]
    assert [(d["kind"], d["title"]) for d in listed] == [("joint_review_minutes", "会审纪要")]
    assert "会审" in listed[0]["document_no"]
    pdf = handlers.get_document(document.id, APPLICANT, uow)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf["content"])).pages).replace("\n", "")
    for expected in ("会审纪要", "联合审图", "门诊楼施工图联合审查", "有条件同意", "消防车道宽度不小于4米",
                     "未按时反馈", "人民防空办公室", "施工图联合审查通过，按消防条件修改后实施", "2026年11月10日"):
        assert expected in text, expected
