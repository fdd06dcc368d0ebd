"""A licence's kind, validity and printed form fields are catalog data per item; the printed values
come from the stage declaration the case belongs to (real RabbitMQ and PostgreSQL)."""
import io
import uuid
from datetime import date, timedelta

from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from pypdf import PdfReader
from sqlalchemy import create_engine, select

from certificate.adapters.orm import LicenceFileRow
from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from test_certificate_service import PROJECT, Listener, approved, certificate, eventually  # noqa: F401

OFFICER = Actor(id="officer-nrp", role="officer", department="NRP", region="410800")
FORM = {"design_unit": "河南省建筑设计研究院", "above_ground_area_m2": 9800.0, "underground_area_m2": 2700.5,
        "building_height_m": 42, "floors": 11, "contact_name": "王建国", "contact_phone": "13903910000"}


def deliver(config, handler, source, event):
    with entrypoint_waiter(config["_container"], handler, timeout=10):
        event_dispatcher(config)(source, event.type, event.to_wire())


def catalog_loaded(version, validity_days):
    return new_event("catalog.loaded", source="intake", project_code=None, actor=Actor(id="operator", role="operator"),
                     payload={"version": version, "loaded_by": "operator",
                              "departments": [{"code": "NRP", "name": "焦作市自然资源和规划局", "region": "410800"}],
                              "licence_rules": [
                                  {"item_code": "NRP-002", "kind": "certificate", "validity_days": validity_days,
                                   "form_fields": [{"name": "above_ground_area_m2", "label": "地上建筑面积（平方米）"},
                                                   {"name": "underground_area_m2", "label": "地下建筑面积（平方米）"},
                                                   {"name": "building_height_m", "label": "建筑高度（米）"},
                                                   {"name": "floors", "label": "地上层数"},
                                                   {"name": "funding_source", "label": "资金来源"}]},
                                  {"item_code": "HCD-001", "kind": "certificate", "validity_days": None,
                                   "form_fields": []}]})


def declared(declaration_id):
    return new_event("declaration.submitted", source="intake", project_code=PROJECT, actor=OFFICER, payload={
        "declaration_id": declaration_id, "stage": "engineering_permit", "category": "gov_building",
        "catalog_version": 2, "region": "410800", "applicant_org": "91410800MA47Q0R12X",
        "project_name": "焦作市第一人民医院门诊楼建设项目", "lead_department": "NRP", "stage_limit_days": 15,
        "submitted_on": date(2026, 11, 20), "form": FORM, "materials": [],
        "items": [{"item_code": "NRP-002", "item_name": "建设工程规划许可证", "department": "NRP", "region": "410800",
                   "limit_days": 10}]})


def opened(stage_id, declaration_id, case_id):
    return new_event("stage.opened", source="stage", project_code=PROJECT, actor=OFFICER, payload={
        "stage_id": stage_id, "declaration_id": declaration_id, "stage": "engineering_permit",
        "lead_department": "NRP", "limit_days": 15, "received_on": date(2026, 11, 20),
        "cases": [{"case_id": case_id, "item_code": "NRP-002", "department": "NRP", "limit_days": 10}]})


def test_the_catalog_gives_the_licence_kind_validity_and_the_declared_values_it_prints(certificate):
    deliver(certificate, "on_catalog_loaded", "intake", catalog_loaded(2, 1095))
    deliver(certificate, "on_catalog_loaded", "intake", catalog_loaded(1, 30))   # an older catalog, late: no effect
    declaration_id, stage_id, case_id = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    deliver(certificate, "on_declaration_submitted", "intake", declared(declaration_id))
    deliver(certificate, "on_stage_opened", "stage", opened(stage_id, declaration_id, case_id))
    base = approved(case_id=case_id, item_code="NRP-002", item_name="建设工程规划许可证")
    event = new_event("case.approved", source="stage", project_code=PROJECT, actor=OFFICER,
                      payload={**base.payload, "stage_id": stage_id, "stage": "engineering_permit"})
    deliver(certificate, "on_case_approved", "stage", event)
    # an item the catalog names a certificate although its name does not end in 证
    deliver(certificate, "on_case_approved", "stage", approved(item_code="HCD-001", item_name="建筑工程施工许可证核发",
                                                                department="HCD"))
    eventually(lambda: len(Listener.issued) == 2)
    issued = {e.payload["item_code"]: e.payload for e in Listener.issued}
    assert issued["HCD-001"]["kind"] == "certificate" and issued["HCD-001"]["valid_until"] is None
    planning = issued["NRP-002"]
    assert planning["kind"] == "certificate"
    assert planning["valid_until"] == today_in_shanghai() + timedelta(days=1095)
    engine = create_engine(certificate["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            pdf = conn.execute(select(LicenceFileRow.content)
                               .where(LicenceFileRow.licence_id == planning["licence_id"])).scalar_one()
    finally:
        engine.dispose()
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text().replace(" ", "").replace("\n", "")
    for expected in ("地上建筑面积（平方米）：9800", "地下建筑面积（平方米）：2700.5", "建筑高度（米）：42", "地上层数：11"):
        assert expected in text, (expected, text)
    assert "资金来源" not in text and "设计单位" not in text   # not declared / not in the layout
