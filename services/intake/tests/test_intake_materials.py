"""Materials reused across stages, versioned, verified once (000 §7, §11); projects pushed by the
investment platform. Real RabbitMQ and PostgreSQL."""
import base64
import json
from datetime import date
from pathlib import Path

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from intake.service import IntakeService
from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
FORMS = {
    "land_use_planning": {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5,
                          "investment_10k_yuan": 8600, "contact_name": "王建国", "contact_phone": "13903910000"},
    "engineering_permit": {"design_unit": "焦作市建筑设计研究院", "contact_name": "王建国",
                           "contact_phone": "0391-3568000"},
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n%%EOF\n"


@pytest.fixture
def intake(container_factory, service_config, tmp_path):
    config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "materials"))
    container = container_factory(IntakeService, config)
    container.start()
    return config, container


@pytest.fixture
def call(intake, make_token):
    config, _ = intake
    tokens = {"operator": make_token("operator", sub="investment-platform"),
              "applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "clerk": make_token("clerk", sub="clerk-1"),
              "nrp": make_token("officer", sub="officer-nrp", department="NRP", steps=["accept"]),
              "drc": make_token("officer", sub="officer-drc", department="DRC", steps=["accept"]),
              "hcd": make_token("officer", sub="officer-hcd", department="HCD", steps=["accept"])}

    def call(who, method, *args):
        with ServiceRpcProxy("intake", config, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    call("operator", "load_catalog", CATALOG)
    return call


def count(config, sql):
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar()
    engine.dispose()
    return value


def upload(call, code, content=PDF, **extra):
    return call("applicant", "upload_material", code, {
        "name": "建设项目用地预审与选址意见书", "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(), **extra})


def conclude(intake, code, stage, declaration_id):
    config, container = intake
    envelope = new_event("stage.concluded", source="stage", project_code=code, actor=Actor(id="system", role="system"),
                         payload={"stage_id": f"s-{stage}", "stage": stage, "declaration_id": declaration_id,
                                  "received_on": date(2026, 11, 2), "concluded_on": date(2026, 11, 16),
                                  "due_on": date(2026, 11, 23), "on_time": True})
    with entrypoint_waiter(container, "on_stage_concluded", timeout=10):
        event_dispatcher(config)("stage", "stage.concluded", envelope.to_wire())


def test_a_material_serves_two_stages_and_keeps_its_versions(intake, call):
    code = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    first = upload(call, code)
    stage_one = call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORMS["land_use_planning"],
                                                               "material_ids": [first["material_id"]]})
    conclude(intake, code, "land_use_planning", stage_one["declaration_id"])
    offered = call("applicant", "list_materials", code)["items"]
    assert [m["material_id"] for m in offered] == [first["material_id"]]   # offered again for stage 2

    second = upload(call, code, content=PDF.replace(b"1.4", b"1.7"), material_id=first["material_id"])
    assert second["version"] == 2
    stage_two = call("applicant", "submit_declaration", code, {"stage": "engineering_permit", "form": FORMS["engineering_permit"],
                                                               "material_ids": [first["material_id"]]})
    assert stage_two["materials"][0]["version"] == 2
    assert call("clerk", "get_declaration", stage_one["declaration_id"])["materials"][0]["version"] == 1

    listed = call("clerk", "list_materials", code)["items"][0]
    assert listed["latest_version"] == 2
    assert [(v["version"], v["sha256"]) for v in listed["versions"]] == [(1, first["sha256"]), (2, second["sha256"])]
    assert [(d["stage"], d["version"]) for d in listed["declared_in"]] == [("land_use_planning", 1),
                                                                            ("engineering_permit", 2)]
    with pytest.raises(NotFound):
        call("applicant", "list_materials", "2026-410800-48-01-999999")["items"]


def test_first_entry_verification_is_recorded_once(intake, call):
    config, _ = intake
    code = call("applicant", "register_project", {"name": "焦作市体育中心改造项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    material = upload(call, code)
    call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORMS["land_use_planning"],
                                                   "material_ids": [material["material_id"]]})
    with pytest.raises(Forbidden):   # HCD has no item in this declaration (000 §11: 谁办理谁审核)
        call("hcd", "verify_material", material["material_id"], 1, {"case_id": "case-hcd"})
    with pytest.raises(Forbidden):
        call("applicant", "verify_material", material["material_id"], 1, {"case_id": "case-x"})
    with pytest.raises(NotFound):
        call("nrp", "verify_material", material["material_id"], 2, {"case_id": "case-nrp"})
    with pytest.raises(ValidationFailed):
        call("nrp", "verify_material", material["material_id"], "one", {"case_id": "case-nrp"})

    first = call("nrp", "verify_material", material["material_id"], 1, {"case_id": "case-nrp"})
    assert first["first_entry"] is True
    assert first["verification"]["department"] == "NRP" and first["verification"]["case_id"] == "case-nrp"
    later = call("drc", "verify_material", material["material_id"], 1, {"case_id": "case-drc"})
    assert later["first_entry"] is False
    assert later["verification"] == first["verification"]    # the second department sees it verified
    seen = call("drc", "list_materials", code)["items"][0]["versions"][0]["verification"]
    assert seen["verified_by"] == "officer-nrp" and seen["case_id"] == "case-nrp"
    assert count(config, "SELECT count(*) FROM material_verifications") == 1
    assert count(config, "SELECT count(*) FROM outbox WHERE event_type = 'material.verified'") == 1


# ------------------------------------------------------------------------------- push
def pushed(code, **overrides):
    data = {"project_code": code, "name": "焦作市南水北调配套管网工程", "category": "gov_linear", "region": "410800",
            "applicant_org": ORG, "attributes": {"occupies_road": True}}
    data.update(overrides)
    return data


def test_push_is_idempotent_by_project_code(intake, call):
    config, _ = intake
    year = today_in_shanghai().year
    code = f"{year}-410800-48-01-000500"
    created = call("operator", "push_project", pushed(code))
    assert (created["outcome"], created["revision"], created["source"]) == ("created", 1, "investment_platform")
    again = call("operator", "push_project", pushed(code))
    assert (again["outcome"], again["revision"]) == ("unchanged", 1)
    changed = call("operator", "push_project", pushed(code, name="焦作市南水北调配套管网工程（一期）",
                                                      attributes={"occupies_road": True, "near_highway": True}))
    assert (changed["outcome"], changed["revision"]) == ("updated", 2)
    assert call("applicant", "get_project", code)["attributes"]["near_highway"] is True
    assert count(config, f"SELECT count(*) FROM projects WHERE project_code = '{code}'") == 1
    assert count(config, "SELECT count(*) FROM project_revisions") == 2
    assert count(config, "SELECT count(*) FROM outbox WHERE event_type = 'project.registered'") == 1
    assert count(config, "SELECT count(*) FROM outbox WHERE event_type = 'project.updated'") == 1

    with pytest.raises(Conflict) as err:
        call("operator", "push_project", pushed(code, applicant_org="91410800MA00000001", category="gov_building"))
    assert {e["field"] for e in err.value.errors} == {"applicant_org", "category"}
    assert err.value.detail
    with pytest.raises(ValidationFailed) as err:
        call("operator", "push_project", pushed(f"{year}-410821-48-01-000001"))
    assert {e["field"] for e in err.value.errors} == {"project_code"}
    with pytest.raises(ValidationFailed):
        call("operator", "push_project", pushed("XM-2026-1"))
    with pytest.raises(Forbidden):
        call("applicant", "push_project", pushed(code))

    # the window never hands out a number the investment platform already used
    registered = call("applicant", "register_project", {"name": "焦作市体育中心改造项目", "category": "gov_building",
                                                        "region": "410800", "attributes": {}})
    assert registered["project_code"] == f"{year}-410800-48-01-000501"


def test_concurrent_pushes_of_a_new_project_create_it_once(intake, call):
    config, _ = intake
    code = "2026-410800-48-01-000777"
    outcomes = list(eventlet.GreenPool(6).imap(lambda _: call("operator", "push_project", pushed(code))["outcome"],
                                               range(6)))
    assert sorted(outcomes) == ["created"] + ["unchanged"] * 5
    assert count(config, "SELECT count(*) FROM project_revisions") == 1


def licence_event(event_type, code, licence_id, **payload):
    return new_event(event_type, source="certificate", project_code=code, actor=Actor(id="system", role="system"),
                     payload={"licence_id": licence_id, "licence_no": f"NRP-2026-{licence_id}", "case_id": "case-1",
                              "item_code": "NRP-001", "department": "NRP", **payload})


def test_licences_of_earlier_stages_are_attached_not_asked_for(intake, call):
    config, container = intake
    code = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    stage_one = call("applicant", "submit_declaration", code, {"stage": "land_use_planning",
                                                               "form": FORMS["land_use_planning"], "material_ids": []})
    assert stage_one["licences"] == []
    dispatch = event_dispatcher(config)
    issued = {"item_name": "建设用地规划许可证", "holder": ORG, "issued_on": date(2026, 11, 20), "key_id": "k1"}
    for licence_id in ("L1", "L2"):
        envelope = licence_event("licence.issued", code, licence_id, **issued)
        for _ in range(2):   # redelivered: recorded once
            with entrypoint_waiter(container, "on_licence_issued", timeout=10):
                dispatch("certificate", "licence.issued", envelope.to_wire())
    with entrypoint_waiter(container, "on_licence_revoked", timeout=10):
        dispatch("certificate", "licence.revoked", licence_event(
            "licence.revoked", code, "L2", reason="许可内容有误", revoked_on=date(2026, 11, 21)).to_wire())
    conclude(intake, code, "land_use_planning", stage_one["declaration_id"])

    design = call("applicant", "upload_material", code, {
        "name": "建设工程设计方案", "content_type": "application/pdf",
        "content_base64": base64.b64encode(PDF).decode()})
    checklist = {m["name"]: m for m in call("applicant", "get_checklist", code, "engineering_permit")["materials"]}
    assert checklist["建设工程设计方案"]["status"] == "uploaded"          # offered again, not asked twice
    assert checklist["建设工程设计方案"]["material"]["material_id"] == design["material_id"]
    assert (checklist["建设用地规划许可证"]["status"], checklist["建设用地规划许可证"]["licence_no"]) == (
        "provided_by_platform", "NRP-2026-L1")
    assert checklist["初步设计文件"]["status"] == "missing" and checklist["初步设计文件"]["items"] == ["DRC-002"]
    guide = call("applicant", "get_guide", code)
    provided = {m["name"]: (m["provided_by"], m["licence_no"]) for m in guide["materials"]}
    assert provided["建设用地规划许可证"] == ("NRP-001", "NRP-2026-L1")
    assert provided["建设工程设计方案"] == (None, None)
    stage_two = call("applicant", "submit_declaration", code, {"stage": "engineering_permit",
                                                               "form": FORMS["engineering_permit"], "material_ids": []})
    assert stage_two["licences"] == [{"licence_id": "L1", "licence_no": "NRP-2026-L1", "item_code": "NRP-001",
                                      "item_name": "建设用地规划许可证"}]
    assert count(config, "SELECT count(*) FROM licences") == 2


def test_a_failed_upload_removes_only_content_nobody_committed(intake, call, tmp_path):
    """Identical bytes are stored once: content that a failed upload put in place goes again only if
    no committed version refers to it (checked under the content's lock), never from under another
    upload that found it there and committed."""
    from sqlalchemy.orm import sessionmaker

    from intake import handlers
    from intake.adapters.orm import metadata
    from intake.adapters.repositories import repositories
    from intake.adapters.storage import LocalStorage, chunks_of
    from platform_kit.db import DatabaseAccess

    config, _ = intake
    code = call("applicant", "register_project", {"name": "焦作市图书馆新馆建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    committed = upload(call, code)
    storage = LocalStorage(config["MATERIAL_STORAGE_DIR"], 1 << 20)
    engine = create_engine(config["DATABASE_URL"])
    database = DatabaseAccess(sessionmaker(bind=engine), metadata, relay=None, repositories=repositories)

    def guard(key, delete):
        with database.unit_of_work() as uow:
            handlers.remove_content_if_unreferenced(uow, key, delete)

    def failed_upload(content):
        with pytest.raises(RuntimeError):
            with storage.staged(chunks_of(content), "application/pdf") as staged:
                staged.guard = guard
                staged.publish()
                staged.created = True    # as if this upload had put it there first
                raise RuntimeError("事务失败")
        return staged.key

    try:
        key = failed_upload(PDF)
        assert key.endswith(committed["sha256"]) and storage.exists(key)  # still referenced: kept
        other = PDF.replace(b"Catalog", b"Catalog/Lang(zh-CN)")
        orphan = failed_upload(other)
        assert not storage.exists(orphan)                                 # nobody's: removed
    finally:
        engine.dispose()


def test_material_list_pages_in_the_database(intake, call):
    code = call("applicant", "register_project", {"name": "焦作市科技馆建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    names = [f"附件{i}" for i in range(4)]
    for name in names:
        upload(call, code, name=name)
    upload(call, code, material_id=call("applicant", "list_materials", code)["items"][0]["material_id"])
    first = call("applicant", "list_materials", code, {"limit": 3})
    assert (first["total"], first["limit"], first["offset"]) == (4, 3, 0)
    assert [m["name"] for m in first["items"]] == names[:3]
    assert [len(m["versions"]) for m in first["items"]] == [2, 1, 1]
    rest = call("applicant", "list_materials", code, {"limit": 3, "offset": 3})
    assert [m["name"] for m in rest["items"]] == names[3:] and rest["total"] == 4
    with pytest.raises(ValidationFailed):
        call("applicant", "list_materials", code, {"limit": 500})
