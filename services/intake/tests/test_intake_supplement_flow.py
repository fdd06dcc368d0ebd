"""The supplement goes through the window (002 §8): the stage service asks for it, the applicant or the
window hands it in (registered with a voucher, ``supplement.submitted``), the stage service records its
receipt on the case, the department accepts it. Intake and stage run side by side on one real RabbitMQ
vhost, each with its own real PostgreSQL database."""
import base64
import io
import json
import time
from pathlib import Path

import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from intake.domain import supplement
from intake.service import IntakeService
from platform_kit.bus import event_handler
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from stage.service import StageService

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
OTHER_ORG = "91410800MA00000001"
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"
STEPS = ["accept", "review", "approve", "conclude"]


class SupplementRecorder:
    name = "supplement_recorder"
    seen = []

    @event_handler("intake", "supplement.submitted")
    def on_submitted(self, envelope):
        self.seen.append(envelope)


@pytest.fixture
def platform(container_factory, service_config, tmp_path, make_token):
    intake_config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "m"))
    stage_config = service_config("stage", SWEEP_SECONDS=3600)
    container_factory(IntakeService, intake_config).start()
    container_factory(StageService, stage_config).start()
    container_factory(SupplementRecorder, intake_config).start()
    tokens = {"operator": make_token("operator"), "applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "other": make_token("applicant", sub="applicant-2", org=OTHER_ORG),
              "clerk": make_token("clerk", sub="clerk-1", name="窗口 李敏"),
              "nrp": make_token("officer", sub="nrp-1", name="规划局 张伟", department="NRP", steps=STEPS)}

    def call(service, who, method, *args):
        config = intake_config if service == "intake" else stage_config
        with ServiceRpcProxy(service, config, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    call("intake", "operator", "load_catalog", CATALOG)
    return {"call": call, "intake": intake_config, "stage": stage_config}


def wait_for(probe, timeout=15):
    deadline = time.time() + timeout
    while True:
        value = probe()
        if value or time.time() > deadline:
            return value
        time.sleep(0.1)


def upload(call, code, name, who="applicant"):
    return call("intake", who, "upload_material", code, {
        "name": name, "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()})


def rows(config, table):
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as conn:
        value = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    engine.dispose()
    return value


def kinds(call, code):
    return [d["kind"] for d in call("intake", "applicant", "list_documents", code)["items"]]


def pdf_text(document):
    reader = PdfReader(io.BytesIO(base64.b64decode(document["content_base64"])))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def test_supplement_handed_in_through_the_window_reaches_the_case(platform):
    call = platform["call"]
    code = call("intake", "applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目",
                                                            "category": "gov_building", "region": "410800",
                                                            "attributes": {}})["project_code"]
    first = upload(call, code, "建设项目用地预审与选址意见书")
    declared = call("intake", "applicant", "submit_declaration", code, {
        "stage": "land_use_planning", "form": FORM, "material_ids": [first["material_id"]]})
    cases = wait_for(lambda: call("stage", "nrp", "list_cases", {"project_code": code})["items"])
    case_id = cases[0]["case_id"]

    # not waiting for a supplement yet: refused, nothing written
    with pytest.raises(Conflict):
        call("intake", "applicant", "submit_supplement", code, {"case_id": case_id, "material_ids": [first["material_id"]]})

    call("stage", "nrp", "act_on_case", case_id, {"action": "accept", "opinion": "受理"})
    call("stage", "nrp", "act_on_case", case_id, {"action": "request_supplement",
                                                  "opinion": "建设项目用地预审与选址意见书：扫描件不清晰"})
    assert wait_for(lambda: "supplement_notice" in kinds(call, code))

    scanned = call("intake", "clerk", "upload_material", code, {
        "name": "建设项目用地预审与选址意见书", "content_type": "application/pdf", "material_id": first["material_id"],
        "content_base64": base64.b64encode(PDF.replace(b"1.4", b"1.7")).decode(), "channel": "paper",
        "paper_copies": 1, "paper_pages": 6})
    assert scanned["version"] == 2

    # bad input: someone else's project, materials not of this project, unknown case; nothing half-written
    other_code = call("intake", "other", "register_project", {"name": "别的项目", "category": "gov_building",
                                                              "region": "410800", "attributes": {}})["project_code"]
    foreign = upload(call, other_code, "别的材料", who="other")
    with pytest.raises(Forbidden):
        call("intake", "other", "submit_supplement", code, {"case_id": case_id, "material_ids": [first["material_id"]]})
    with pytest.raises(ValidationFailed) as refused:
        call("intake", "applicant", "submit_supplement", code, {"case_id": case_id,
                                                                "material_ids": [first["material_id"], foreign["material_id"]]})
    assert "material_ids[1]" in str(refused.value.args)
    with pytest.raises(NotFound):
        call("intake", "other", "submit_supplement", other_code, {"case_id": case_id,
                                                                  "material_ids": [foreign["material_id"]]})
    with pytest.raises(Conflict):
        call("intake", "applicant", "submit_supplement", code, {"case_id": "no-such-case",
                                                                "material_ids": [first["material_id"]]})
    with pytest.raises(ValidationFailed):
        call("intake", "applicant", "submit_supplement", code, {"case_id": case_id, "material_ids": []})
    assert rows(platform["intake"], "supplement_submissions") == 0
    assert kinds(call, code) == ["registration_voucher", "acceptance_notice", "supplement_notice"]

    submitted = call("intake", "clerk", "submit_supplement", code, {
        "case_id": case_id, "material_ids": [first["material_id"]], "note": "原件已核对"})
    assert submitted["case_id"] == case_id and submitted["declaration_id"] == declared["declaration_id"]
    assert submitted["materials"] == [{"material_id": first["material_id"], "version": 2,
                                       "name": "建设项目用地预审与选址意见书", "sha256": scanned["sha256"]}]
    voucher = submitted["voucher"]
    assert voucher["kind"] == "registration_voucher" and voucher["case_id"] == case_id
    text_of_voucher = pdf_text(call("intake", "applicant", "get_document", voucher["document_id"]))
    for expected in ("登记凭单", code, "补齐补正材料", "建设用地规划许可证", "纸质（已扫描）", "原件已核对"):
        assert expected in text_of_voucher, expected
    with pytest.raises(Conflict):   # one supplement per notice
        call("intake", "applicant", "submit_supplement", code, {"case_id": case_id, "material_ids": [first["material_id"]]})

    event = wait_for(lambda: [e for e in SupplementRecorder.seen if e.project_code == code])
    assert len(event) == 1 and event[0].payload["case_id"] == case_id
    assert event[0].payload["materials"][0]["version"] == 2 and event[0].payload["document_no"] == voucher["document_no"]

    received = wait_for(lambda: call("stage", "nrp", "get_case", case_id)["supplement_received"])
    assert received["received_on"] == submitted["submitted_on"] and received["note"] == "原件已核对"
    assert received["materials"][0]["name"] == "建设项目用地预审与选址意见书" and received["role"] == "clerk"
    case = call("stage", "nrp", "get_case", case_id)
    assert case["state"] == "supplementing" and case["history"][-1]["action"] == "supplement_received"

    accepted = call("stage", "nrp", "act_on_case", case_id, {"action": "accept_supplement", "opinion": "补正齐全"})
    assert accepted["state"] == "accepted"
    assert wait_for(lambda: kinds(call, code).count("acceptance_notice") == 2)
    with pytest.raises(Conflict):   # the supplement was accepted: no longer waiting
        call("intake", "applicant", "submit_supplement", code, {"case_id": case_id, "material_ids": [first["material_id"]]})

    # a second request (by the lead department, with its reason: 002 §7(二)) is a new notice: the applicant
    # may hand in again, and the case view shows only the new one
    call("stage", "nrp", "act_on_case", case_id, {"action": "request_supplement", "opinion": "宗地界址图：缺少坐标",
                                                  "second_supplement_reason": "首次补正的宗地图经复核缺少界址坐标"})
    assert wait_for(lambda: call("stage", "nrp", "get_case", case_id)["supplement_received"] is None)
    assert wait_for(lambda: kinds(call, code).count("supplement_notice") == 2)
    again = call("intake", "applicant", "submit_supplement", code, {"case_id": case_id,
                                                                    "material_ids": [first["material_id"]]})
    assert again["voucher"]["document_no"] != voucher["document_no"]
    assert rows(platform["intake"], "supplement_submissions") == 2


def test_waiting_follows_the_latest_decision():
    requested = {"type": "case.supplement_requested", "project_code": "P", "event_id": "e1"}
    assert supplement.waiting_request("P", "c", [requested]) is requested
    with pytest.raises(Conflict):
        supplement.waiting_request("P", "c", [requested, {"type": "case.returned", "project_code": "P"}])
    with pytest.raises(Conflict):
        supplement.waiting_request("P", "c", [])
    with pytest.raises(NotFound):
        supplement.waiting_request("Q", "c", [requested])
    with pytest.raises(Conflict):
        supplement.check_not_submitted(("s-1",))
