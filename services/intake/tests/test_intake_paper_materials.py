"""Paper and electronic submissions (002 §5): the window clerk scans a paper original and registers the
copies and pages received; the registration voucher says which form each material came in.
Real RabbitMQ and PostgreSQL, and intake's own HTTP server for the streamed upload."""
import base64
import io
import json
from pathlib import Path

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from intake.domain import material as material_rules
from intake.service import IntakeService
from platform_kit.errors import Forbidden, ValidationFailed
from platform_kit.testing import free_port

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"


@pytest.fixture
def intake(container_factory, service_config, tmp_path, make_token):
    port = free_port()
    config = service_config("intake", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                            MATERIAL_STORAGE_DIR=str(tmp_path / "m"))
    container_factory(IntakeService, config).start()
    tokens = {"operator": make_token("operator"), "applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "clerk": make_token("clerk", sub="clerk-1", name="窗口 李敏")}

    def call(who, method, *args):
        with ServiceRpcProxy("intake", config, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    call("operator", "load_catalog", CATALOG)
    code = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    return {"config": config, "call": call, "code": code, "url": f"http://127.0.0.1:{port}", "tokens": tokens}


def upload(intake, who, name, **extra):
    return intake["call"](who, "upload_material", intake["code"], {
        "name": name, "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode(), **extra})


def pdf_text(document):
    reader = PdfReader(io.BytesIO(base64.b64decode(document["content_base64"])))
    return "".join(page.extract_text() for page in reader.pages).replace(" ", "").replace("\n", "")


def versions_in_db(intake):
    engine = create_engine(intake["config"]["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT channel, paper_copies, paper_pages FROM material_versions ORDER BY id")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_paper_scanned_by_the_window_and_electronic_uploads_on_the_voucher(intake):
    call, code = intake["call"], intake["code"]
    paper = upload(intake, "clerk", "建设项目用地预审与选址意见书", channel="paper", paper_copies=2, paper_pages=15)
    assert (paper["channel"], paper["form"], paper["paper_copies"], paper["paper_pages"]) == \
        ("paper", "纸质（已扫描）", 2, 15)
    online = upload(intake, "applicant", "土地出让合同")
    assert (online["channel"], online["form"], online["paper_copies"]) == ("electronic", "电子", None)
    by_clerk = upload(intake, "clerk", "项目批准文件", channel="electronic")
    assert by_clerk["channel"] == "electronic"

    # only the window registers paper; an electronic upload carries no paper counts; nothing stored
    with pytest.raises(Forbidden):
        upload(intake, "applicant", "宗地界址图", channel="paper", paper_copies=1)
    with pytest.raises(ValidationFailed) as refused:
        upload(intake, "applicant", "宗地界址图", paper_copies=1)
    assert refused.value.args and "paper_copies" in str(refused.value.args)
    with pytest.raises(ValidationFailed):
        upload(intake, "clerk", "宗地界址图", channel="fax")
    assert versions_in_db(intake) == [("paper", 2, 15), ("electronic", None, None), ("electronic", None, None)]

    listed = {m["name"]: m["versions"][-1] for m in call("applicant", "list_materials", code)["items"]}
    assert listed["建设项目用地预审与选址意见书"]["form"] == "纸质（已扫描）"
    assert listed["建设项目用地预审与选址意见书"]["paper_pages"] == 15
    assert listed["土地出让合同"]["channel"] == "electronic"

    declared = call("clerk", "submit_declaration", code, {
        "stage": "land_use_planning", "form": FORM,
        "material_ids": [paper["material_id"], online["material_id"]]})
    voucher = pdf_text(call("applicant", "get_document", declared["voucher"]["document_id"]))
    assert "登记凭单" in voucher and code in voucher
    assert "纸质（已扫描）" in voucher and "2（15页）" in voucher and "电子" in voucher
    assert voucher.index("建设项目用地预审与选址意见书") < voucher.index("纸质（已扫描）") < voucher.index("土地出让合同")


def test_streamed_upload_registers_paper_from_the_query_string(intake):
    def post(who, **params):
        return requests.post(f"{intake['url']}/projects/{intake['code']}/materials",
                             params={"name": "施工图设计文件", **params}, data=PDF, timeout=20,
                             headers={"Content-Type": "application/pdf",
                                      "Authorization": f"Bearer {intake['tokens'][who]}"})
    scanned = post("clerk", channel="paper", copies="3", pages="120")
    assert scanned.status_code == 201, scanned.text
    assert (scanned.json()["channel"], scanned.json()["paper_copies"], scanned.json()["paper_pages"]) == ("paper", 3, 120)
    online = post("applicant")
    assert online.status_code == 201 and online.json()["channel"] == "electronic"
    assert post("applicant", channel="paper").status_code == 403
    assert post("clerk", channel="paper", copies="many").status_code == 422
    assert versions_in_db(intake) == [("paper", 3, 120), ("electronic", None, None)]


def test_channel_rules():
    assert material_rules.check_channel("clerk", "paper", None, None) == ("paper", 1, None)
    assert material_rules.check_channel("applicant", None, None, None) == ("electronic", None, None)
    with pytest.raises(Forbidden):
        material_rules.check_channel("applicant", "paper", 1, 1)
    with pytest.raises(ValidationFailed):
        material_rules.check_channel("clerk", "electronic", None, 3)
    assert material_rules.form_label(None) == "电子"
