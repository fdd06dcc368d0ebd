"""The window's documents: voucher on submission, notices from the stage service's decisions, as PDFs
(real RabbitMQ and PostgreSQL; text read back from the PDFs)."""
import base64
import io
import json
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from intake.domain import window
from intake.service import IntakeService
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.seal import validate_pdf

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"


@pytest.fixture
def intake(container_factory, service_config, tmp_path, make_token):
    config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "m"))
    container = container_factory(IntakeService, config)
    container.start()
    tokens = {"operator": make_token("operator"), "applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "clerk": make_token("clerk", sub="clerk-1", name="窗口 李敏"),
              "other": make_token("applicant", sub="applicant-2", org="91410800MA00000001")}

    def call(who, method, *args):
        with ServiceRpcProxy("intake", config, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    call("operator", "load_catalog", CATALOG)
    return {"config": config, "container": container, "call": call}


def pdf_text(document):
    assert document["content_type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(base64.b64decode(document["content_base64"])))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def case_event(event_type, code, **extra):
    payload = {"case_id": "case-nrp-1", "stage_id": "stage-1", "stage": "land_use_planning", "item_code": "NRP-001",
               "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "on": date(2026, 11, 26),
               "opinion": "", **extra}
    return new_event(event_type, source="stage", project_code=code,
                     actor=Actor(id="officer-nrp", role="officer", department="NRP", region="410800"), payload=payload)


def deliver(intake, handler, envelope):
    with entrypoint_waiter(intake["container"], handler, timeout=10):
        event_dispatcher(intake["config"])("stage", envelope.type, envelope.to_wire())


def test_voucher_and_notices_as_pdfs(intake):
    call = intake["call"]
    code = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    material = call("clerk", "upload_material", code, {"name": "建设项目用地预审与选址意见书", "content_type": "application/pdf",
                                                       "content_base64": base64.b64encode(PDF).decode()})
    declared = call("clerk", "submit_declaration", code, {"stage": "land_use_planning", "form": FORM,
                                                          "material_ids": [material["material_id"]]})
    voucher = declared["voucher"]
    assert voucher["kind"] == "registration_voucher" and voucher["title"] == "登记凭单"
    assert voucher["document_no"].startswith("410800登〔") and voucher["document_no"].endswith("000001号")
    text = pdf_text(call("applicant", "get_document", voucher["document_id"]))
    assert code in text and "登记凭单" in text and "建设项目用地预审与选址意见书" in text

    accepted = case_event("case.accepted", code, limit_days=10, due_on=date(2026, 12, 10), opinion="受理")
    deliver(intake, "on_case_accepted", accepted)
    deliver(intake, "on_case_accepted", accepted)   # redelivered: still one notice
    deliver(intake, "on_case_supplement_requested", case_event(
        "case.supplement_requested", code, used_days=1,
        opinion="建设项目用地预审与选址意见书：扫描件不清晰，请重新上传；土地出让合同：缺少附图"))
    deliver(intake, "on_case_supplement_accepted", case_event(
        "case.supplement_accepted", code, on=date(2026, 12, 1), accepted_on=date(2026, 11, 26), used_days=1))
    deliver(intake, "on_case_refused", case_event(
        "case.refused", code, case_id="case-drc-1", item_code="DRC-001", item_name="项目建议书/可行性研究报告审批",
        department="DRC", opinion="项目未纳入年度投资计划"))

    listed = call("applicant", "list_documents", code)["items"]
    assert [d["kind"] for d in listed] == ["registration_voucher", "acceptance_notice", "supplement_notice",
                                           "acceptance_notice", "refusal_decision"]
    expectations = {"acceptance_notice": ["受理通知书", "建设用地规划许可证", "焦作市自然资源和规划局"],
                    "supplement_notice": ["补正通知书", "扫描件不清晰，请重新上传", "缺少附图"],
                    "refusal_decision": ["不予受理决定书", "项目未纳入年度投资计划", "焦作市发展和改革委员会"]}
    for document in listed[1:]:
        text = pdf_text(call("applicant", "get_document", document["document_id"]))
        assert code in text and document["document_no"] in text
        for expected in expectations[document["kind"]]:
            assert expected in text, (document["kind"], expected)
    assert "审批继续计时" in pdf_text(call("applicant", "get_document", listed[3]["document_id"]))

    with pytest.raises(Forbidden):
        call("other", "get_document", voucher["document_id"])
    with pytest.raises(NotFound):
        call("applicant", "get_document", "no-such-document")


def test_lost_acceptance_notice_is_recorded_with_its_proofs(intake):
    call = intake["call"]
    code = call("applicant", "register_project", {"name": "焦作市体育中心改造项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    declared = call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORM,
                                                              "material_ids": []})
    deliver(intake, "on_case_accepted", case_event("case.accepted", code, limit_days=10, due_on=date(2026, 12, 10)))
    notice = [d for d in call("clerk", "list_documents", code)["items"] if d["kind"] == "acceptance_notice"][0]
    proofs = [call("clerk", "upload_material", code, {"name": name, "content_type": "application/pdf",
                                                      "content_base64": base64.b64encode(PDF).decode()})["material_id"]
              for name in ("受理通知书遗失证明（加盖公章）", "经办人身份证复印件")]
    with pytest.raises(Forbidden):
        call("applicant", "report_lost_notice", notice["document_id"],
             {"loss_statement_material_id": proofs[0], "identity_copy_material_id": proofs[1]})
    with pytest.raises(Conflict):
        call("clerk", "report_lost_notice", declared["voucher"]["document_id"],
             {"loss_statement_material_id": proofs[0], "identity_copy_material_id": proofs[1]})
    with pytest.raises(ValidationFailed):
        call("clerk", "report_lost_notice", notice["document_id"],
             {"loss_statement_material_id": proofs[0], "identity_copy_material_id": "someone-elses"})
    recorded = call("clerk", "report_lost_notice", notice["document_id"],
                    {"loss_statement_material_id": proofs[0], "identity_copy_material_id": proofs[1]})
    assert recorded["loss"]["recorded_by"] == "clerk-1"
    with pytest.raises(Conflict):
        call("clerk", "report_lost_notice", notice["document_id"],
             {"loss_statement_material_id": proofs[0], "identity_copy_material_id": proofs[1]})
    assert [d["loss"] is not None for d in call("applicant", "list_documents", code)["items"]] == [False, True]


def test_window_rules():
    assert window.supplement_materials("A：不清晰；B") == [{"name": "A", "reason": "不清晰"}, {"name": "B", "reason": ""}]
    assert window.supplement_materials("") == [{"name": "按审查意见补齐补正申请材料", "reason": ""}]
    assert window.refusal_reasons("理由一\n理由二") == ["理由一", "理由二"]
    with pytest.raises(Conflict):
        window.require_due_date({"due_on": None})
    window.require_due_date({"due_on": "2026-12-10"})


def test_supplement_deadline_counts_with_the_years_the_operator_loaded(container_factory, service_config, tmp_path,
                                                                       make_token):
    """A notice issued 2026-12-28 with 5 working days runs into 2027. Before its holiday schedule reaches
    intake (``calendar.year_loaded``) the notice is drawn with a date counted Monday to Friday and says
    it is an estimate; afterwards the date counts the New Year holiday."""
    config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "m"),
                            SUPPLEMENT_DUE_WORKING_DAYS=5)
    container = container_factory(IntakeService, config)
    container.start()
    intake = {"config": config, "container": container}
    tokens = {"operator": make_token("operator"), "applicant": make_token("applicant", sub="applicant-1", org=ORG)}

    def call(who, method, *args):
        with ServiceRpcProxy("intake", config, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    call("operator", "load_catalog", CATALOG)
    code = call("applicant", "register_project", {"name": "焦作市博物馆改造项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]

    def notice(case_id):
        deliver(intake, "on_case_supplement_requested", case_event(
            "case.supplement_requested", code, case_id=case_id, on=date(2026, 12, 28), used_days=3,
            opinion="土地出让合同：缺少附图"))
        [document] = [d for d in call("applicant", "list_documents", code)["items"] if d["case_id"] == case_id]
        engine = create_engine(config["DATABASE_URL"])
        with engine.connect() as conn:
            facts = conn.execute(text("SELECT facts FROM window_documents WHERE id = :id"),
                                 {"id": document["document_id"]}).scalar()
        engine.dispose()
        return facts, pdf_text(call("applicant", "get_document", document["document_id"]))

    facts, printed = notice("case-before")
    assert (facts["due_on"], facts["due_estimated"]) == ("2027-01-04", True)
    assert "2027年1月4日" in printed and "（预计日期：该年度法定节假日安排尚未载入）" in printed

    loaded = new_event("calendar.year_loaded", source="stage", project_code=None,
                       actor=Actor(id="operator-1", role="operator"), payload={
                           "year": 2027, "holidays": [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)],
                           "working_weekends": [], "loaded_by": "operator-1",
                           "loaded_at": datetime(2026, 12, 29, 9, 0, tzinfo=timezone.utc)})
    deliver(intake, "on_calendar_year_loaded", loaded)
    deliver(intake, "on_calendar_year_loaded", loaded)   # redelivered: stored once
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM calendar_years WHERE year = 2027")).scalar() == 1
    engine.dispose()

    facts, printed = notice("case-after")
    assert (facts["due_on"], facts["due_estimated"]) == ("2027-01-05", False)
    assert "2027年1月5日" in printed and "预计日期" not in printed


def test_document_list_pages(intake):
    call = intake["call"]
    code = call("applicant", "register_project", {"name": "焦作市档案馆建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORM, "material_ids": []})
    for index, event_type in enumerate(["case.accepted", "case.refused"]):
        deliver(intake, "on_case_accepted" if index == 0 else "on_case_refused", case_event(
            event_type, code, case_id=f"case-{index}", limit_days=10, due_on=date(2026, 12, 10)))
    everything = call("applicant", "list_documents", code)
    assert (everything["total"], everything["limit"], everything["offset"]) == (3, 50, 0)
    page = call("applicant", "list_documents", code, {"limit": 2, "offset": 1})
    assert page["total"] == 3 and page["items"] == everything["items"][1:3]
    assert call("applicant", "list_documents", code, {"offset": 3})["items"] == []
    for wrong in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"page": 2}):
        with pytest.raises(ValidationFailed):
            call("applicant", "list_documents", code, wrong)


def test_a_document_is_sealed_once_when_issued_and_every_download_is_that_file(intake, tmp_path):
    call = intake["call"]
    code = call("applicant", "register_project", {"name": "焦作市图书馆扩建项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    voucher = call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORM,
                                                             "material_ids": []})["voucher"]
    engine = create_engine(intake["config"]["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            issued_at, sealed_at, stored = conn.execute(text(
                "SELECT d.issued_at, s.sealed_at, s.content FROM window_documents d "
                "JOIN sealed_window_documents s ON s.document_id = d.id WHERE d.id = :id"),
                {"id": voucher["document_id"]}).one()
    finally:
        engine.dispose()
    time.sleep(1.1)   # a later download must not be a later seal
    first = base64.b64decode(call("applicant", "get_document", voucher["document_id"])["content_base64"])
    second = base64.b64decode(call("clerk", "get_document", voucher["document_id"])["content_base64"])
    assert first == second == bytes(stored)
    root = (Path(intake["config"]["SEAL_PKI_DIR"]) / "root.pem").read_text()
    verdict = validate_pdf(first, root)
    assert verdict.valid, verdict
    assert abs(verdict.signed_at - issued_at) < timedelta(seconds=2)
    # the PDF keeps its signing time to the second, the record to the microsecond: the seal is no later than
    # its record (a seal made at download time would be)
    assert verdict.signed_at <= sealed_at < verdict.signed_at + timedelta(seconds=2)
