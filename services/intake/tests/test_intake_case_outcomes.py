"""The outcome of a case reaches the applicant through the window (002 §9, §22, 000 §13): a disapproval
decision with its reasons and remedies, a result notice when a licence is ready. Real RabbitMQ and
PostgreSQL; the PDFs are read back."""
import base64
import io
import json
from datetime import date
from pathlib import Path

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader

from intake.domain import window
from intake.render import documents
from intake.service import IntakeService
from platform_kit.contracts import Actor, new_event

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
OFFICER = Actor(id="officer-nrp", role="officer", department="NRP", region="410800")


@pytest.fixture
def intake(container_factory, service_config, tmp_path, make_token):
    config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "m"))
    container = container_factory(IntakeService, config)
    container.start()
    tokens = {"operator": make_token("operator"), "applicant": make_token("applicant", sub="applicant-1", org=ORG)}

    def call(who, method, *args):
        with ServiceRpcProxy("intake", config, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    call("operator", "load_catalog", CATALOG)
    code = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORM, "material_ids": []})
    return {"config": config, "container": container, "call": call, "code": code}


def case_event(event_type, code, case_id="case-nrp-1", **extra):
    payload = {"case_id": case_id, "stage_id": "stage-1", "stage": "land_use_planning", "item_code": "NRP-001",
               "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "on": date(2026, 12, 8),
               "opinion": "", **extra}
    return new_event(event_type, source="stage", project_code=code, actor=OFFICER, payload=payload)


def concluded(code, case_id, outcome):
    return case_event("case.concluded", code, case_id=case_id, on=date(2026, 12, 10), outcome=outcome,
                      accepted_on=date(2026, 11, 26), due_on=date(2026, 12, 10), on_time=True, used_days=10)


def deliver(intake, handler, envelope, source="stage"):
    with entrypoint_waiter(intake["container"], handler, timeout=10):
        event_dispatcher(intake["config"])(source, envelope.type, envelope.to_wire())


def pdf_text(document):
    assert document["content_type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(base64.b64decode(document["content_base64"])))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def test_disapproval_decision_carries_reasons_and_remedies(intake):
    call, code = intake["call"], intake["code"]
    disapproved = case_event("case.disapproved", code,
                             opinion="规划条件与控制性详细规划不符；用地性质不得用于医疗卫生用地")
    deliver(intake, "on_case_disapproved", disapproved)
    deliver(intake, "on_case_disapproved", disapproved)   # redelivered: still one decision
    deliver(intake, "on_case_concluded", concluded(code, "case-nrp-1", "disapproved"))   # told already: nothing more
    issued = [d for d in call("applicant", "list_documents", code)["items"] if d["kind"] != "registration_voucher"]
    assert [(d["kind"], d["title"], d["case_id"]) for d in issued] == [
        ("disapproval_decision", "不予行政许可决定书", "case-nrp-1")]
    assert issued[0]["document_no"].startswith("410800不许〔")
    text = pdf_text(call("applicant", "get_document", issued[0]["document_id"]))
    for expected in ("不予行政许可决定书", code, issued[0]["document_no"], "建设用地规划许可证", "焦作市自然资源和规划局",
                     "规划条件与控制性详细规划不符", "用地性质不得用于医疗卫生用地", "行政复议", "行政诉讼"):
        assert expected in text, expected


def test_result_notice_when_an_approved_case_concludes(intake):
    call, code = intake["call"], intake["code"]
    deliver(intake, "on_case_accepted", case_event("case.accepted", code, case_id="case-nrp-2", on=date(2026, 11, 26),
                                                   limit_days=10, due_on=date(2026, 12, 10)))
    licence = new_event("licence.issued", source="certificate", project_code=code, actor=Actor.SYSTEM, payload={
        "licence_id": "lic-1", "licence_no": "410800-NRP-2026-000007", "case_id": "case-nrp-2", "item_code": "NRP-001",
        "item_name": "建设用地规划许可证", "department": "NRP", "holder": ORG, "issued_on": date(2026, 12, 9),
        "key_id": "k1"})
    deliver(intake, "on_licence_issued", licence, source="certificate")
    done = concluded(code, "case-nrp-2", "approved")
    deliver(intake, "on_case_concluded", done)
    deliver(intake, "on_case_concluded", done)
    listed = call("applicant", "list_documents", code)["items"]
    assert [d["kind"] for d in listed] == ["registration_voucher", "acceptance_notice", "completion_notice"]
    notice, acceptance = listed[2], listed[1]
    assert notice["title"] == "办结通知" and notice["issued_on"] == "2026-12-10"
    text = pdf_text(call("applicant", "get_document", notice["document_id"]))
    for expected in ("办结通知", code, notice["document_no"], "建设用地规划许可证", "2026年12月10日", "准予行政许可",
                     "410800-NRP-2026-000007", acceptance["document_no"], "领取"):
        assert expected in text, expected


def test_rendered_directly():
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(documents.disapproval_decision(
        document_no="410800不许〔2026〕000001号", project_code="2026-410800-48-01-000001", project_name="P",
        applicant="建设单位", item_name="施工许可证", department="住建局", reasons=["理由甲"],
        decided_on="2026-12-01", issued_on="2026-12-01"))).pages).replace(" ", "")
    assert "不予行政许可决定书" in text and "2026-410800-48-01-000001" in text and "理由甲" in text
    assert documents.document_number("completion_notice", "410800", 2026, 3) == "410800结〔2026〕000003号"
    assert window.disapproval_reasons("") and window.disapproval_reasons("甲；乙") == ["甲", "乙"]
    assert window.issues_completion_notice("approved") and not window.issues_completion_notice("disapproved")


def test_return_notice_states_the_reasons_and_the_fresh_limit(intake):
    call, code = intake["call"], intake["code"]
    returned = case_event("case.returned", code, case_id="case-nrp-3", on=date(2026, 12, 9),
                          opinion="宗地图比例不符；缺少用地红线坐标", used_days=3, round=1)
    deliver(intake, "on_case_returned", returned)
    deliver(intake, "on_case_returned", returned)      # redelivered: one notice
    issued = [d for d in call("applicant", "list_documents", code)["items"] if d["case_id"] == "case-nrp-3"]
    assert [(d["kind"], d["title"], d["issued_on"]) for d in issued] == [("return_notice", "退件通知书", "2026-12-09")]
    assert issued[0]["document_no"].startswith("410800退〔2026〕")
    text = pdf_text(call("applicant", "get_document", issued[0]["document_id"]))
    for expected in ("退件通知书", code, issued[0]["document_no"], "建设用地规划许可证", "焦作市自然资源和规划局",
                     "宗地图比例不符", "缺少用地红线坐标", "重新计算办理时限", "2026年12月9日"):
        assert expected in text, expected


def test_not_required_notice_tells_the_applicant_the_item_needs_no_licence(intake):
    call, code = intake["call"], intake["code"]
    deliver(intake, "on_case_not_required", case_event("case.not_required", code, case_id="case-nrp-4",
                                                       opinion="项目使用已取得规划许可的存量用地"))
    issued = [d for d in call("applicant", "list_documents", code)["items"] if d["case_id"] == "case-nrp-4"]
    assert [(d["kind"], d["title"]) for d in issued] == [("not_required_notice", "无需办理告知书")]
    assert issued[0]["document_no"].startswith("410800无需〔2026〕")
    text = pdf_text(call("applicant", "get_document", issued[0]["document_id"]))
    for expected in ("无需办理告知书", code, "建设用地规划许可证", "不需要取得行政许可", "项目使用已取得规划许可的存量用地"):
        assert expected in text, expected


def test_the_same_decision_under_a_new_event_id_issues_no_second_document(intake):
    """A producer that tells the same acceptance or conclusion twice (two events, two event ids) gets one
    acceptance notice and one completion notice; a second supplement request (another number) is a new
    fact and gets its notice."""
    call, code = intake["call"], intake["code"]
    for _ in range(2):
        deliver(intake, "on_case_accepted", case_event("case.accepted", code, case_id="case-nrp-9",
                                                       on=date(2026, 11, 26), limit_days=10, due_on=date(2026, 12, 10)))
        deliver(intake, "on_case_concluded", concluded(code, "case-nrp-9", "approved"))
    for number in (1, 1, 2):
        deliver(intake, "on_case_supplement_requested", case_event(
            "case.supplement_requested", code, case_id="case-nrp-8", on=date(2026, 12, 1), used_days=3,
            supplement_no=number, opinion="规划方案：缺少总平面图"))
    kinds = [(d["kind"], d["case_id"]) for d in call("applicant", "list_documents", code)["items"]]
    assert sorted(kinds[1:]) == [("acceptance_notice", "case-nrp-9"), ("completion_notice", "case-nrp-9"),
                                 ("supplement_notice", "case-nrp-8"), ("supplement_notice", "case-nrp-8")]
    fact = window.case_document_fact(window.ACCEPTANCE, "case.accepted", {"case_id": "c", "on": date(2026, 1, 5)})
    assert fact == "c|acceptance_notice|case.accepted|2026-01-05"
