"""The intake service against a real RabbitMQ vhost and a real PostgreSQL database."""
import base64
import copy
import hashlib
import json
import re
from datetime import date
from pathlib import Path

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from intake.service import IntakeService
from platform_kit.bus import event_handler
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
OTHER_ORG = "91410800MA00000001"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class Listener:
    name = "intake_listener"
    seen = []

    @event_handler("intake", "project.registered")
    def on_registered(self, envelope):
        self.seen.append(envelope)

    @event_handler("intake", "material.uploaded")
    def on_uploaded(self, envelope):
        self.seen.append(envelope)

    @event_handler("intake", "declaration.submitted")
    def on_submitted(self, envelope):
        self.seen.append(envelope)


@pytest.fixture
def intake(container_factory, service_config, tmp_path):
    config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "materials"),
                            MATERIAL_MAX_BYTES=4096)
    container = container_factory(IntakeService, config)
    container.start()
    config["container"] = container
    return config


@pytest.fixture
def listener(intake, container_factory):
    Listener.seen = []
    container = container_factory(Listener, {k: v for k, v in intake.items() if k != "container"})
    container.start()
    return container


def rpc(config, token):
    return ServiceRpcProxy("intake", {k: v for k, v in config.items() if k != "container"},
                           context_data={"authorization": token}, timeout=15)


@pytest.fixture
def tokens(make_token):
    return {
        "operator": make_token("operator", sub="operator-1"),
        "applicant": make_token("applicant", sub="applicant-1", org=ORG),
        "other": make_token("applicant", sub="applicant-2", org=OTHER_ORG),
        "clerk": make_token("clerk", sub="clerk-1"),
        "officer": make_token("officer", sub="officer-nrp", department="NRP", steps=["accept"]),
    }


@pytest.fixture
def loaded(intake, tokens):
    with rpc(intake, tokens["operator"]) as proxy:
        return proxy.load_catalog(CATALOG)


def register(config, token, **overrides):
    data = {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800",
            "attributes": {"floor_area_m2": 12500.5}}
    data.update(overrides)
    with rpc(config, token) as proxy:
        return proxy.register_project(data)


def upload(config, token, code, content=PDF, content_type="application/pdf", name="建设项目用地预审与选址意见书",
           **extra):
    with rpc(config, token) as proxy:
        return proxy.upload_material(code, {"name": name, "content_type": content_type,
                                            "content_base64": base64.b64encode(content).decode(), **extra})


def db(config):
    return create_engine(config["DATABASE_URL"])


# ------------------------------------------------------------------------------- catalog
def test_each_catalog_load_is_a_new_version(intake, tokens):
    with rpc(intake, tokens["operator"]) as proxy:
        first = proxy.load_catalog(CATALOG)
        edited = copy.deepcopy(CATALOG)
        edited["categories"][0]["stages"][0]["items"][0]["limit_days"] = 8
        second = proxy.load_catalog(edited)
        assert (first["version"], second["version"]) == (1, 2)
        assert first["items"] == sum(len(s["items"]) for c in CATALOG["categories"] for s in c["stages"])
        latest = proxy.get_catalog()
        assert latest["version"] == 2 and latest["categories"][0]["stages"][0]["items"][0]["limit_days"] == 8
        old = proxy.get_catalog(1)
        assert old["categories"][0]["stages"][0]["items"][0]["limit_days"] == 10
        with pytest.raises(NotFound):
            proxy.get_catalog(99)
    with rpc(intake, tokens["applicant"]) as proxy:
        assert proxy.get_catalog()["version"] == 2
        with pytest.raises(Forbidden):
            proxy.load_catalog(CATALOG)


def test_inconsistent_catalog_is_refused_with_field_errors(intake, tokens):
    broken = copy.deepcopy(CATALOG)
    broken["categories"][0]["stages"][0]["items"][0]["department"] = "NOPE"
    broken["categories"][0]["stages"][0]["items"][1]["limit_days"] = 99
    with rpc(intake, tokens["operator"]) as proxy:
        with pytest.raises(ValidationFailed) as err:
            proxy.load_catalog(broken)
        fields = {e["field"] for e in err.value.errors}
        assert "categories[0].stages[0].items[0].department" in fields
        assert "categories[0].stages[0].items[1].limit_days" in fields
        with pytest.raises(ValidationFailed) as err:
            proxy.load_catalog({"departments": [], "categories": []})
        assert "overall_limit_days" in {e["field"] for e in err.value.errors}
        with pytest.raises(NotFound):
            proxy.get_catalog()  # nothing was stored


# ------------------------------------------------------------------------------- projects
def test_applicant_registers_own_project_with_a_unified_code(intake, loaded, listener, tokens):
    with entrypoint_waiter(listener, "on_registered", timeout=10):
        project = register(intake, tokens["applicant"])
    assert re.fullmatch(r"\d{4}-410800-48-01-\d{6}", project["project_code"])
    assert project["project_code"].endswith("-000001")
    assert project["applicant_org"] == ORG
    assert project["catalog_version"] == loaded["version"]
    event = Listener.seen[-1]
    assert event.type == "project.registered" and event.project_code == project["project_code"]
    assert event.payload["applicant_org"] == ORG and event.actor.id == "applicant-1"
    second = register(intake, tokens["applicant"], name="焦作市体育中心改造项目")
    assert second["project_code"].endswith("-000002")
    other_region = register(intake, tokens["applicant"], region="410821")
    assert re.fullmatch(r"\d{4}-410821-48-01-000001", other_region["project_code"])
    with pytest.raises(ValidationFailed) as err:   # no department of the catalog serves it
        register(intake, tokens["applicant"], region="999999")
    assert {e["field"] for e in err.value.errors} == {"region"}


def test_registration_rules(intake, loaded, tokens):
    with pytest.raises(ValidationFailed) as err:
        register(intake, tokens["clerk"])
    assert {e["field"] for e in err.value.errors} == {"applicant_org"}
    with pytest.raises(ValidationFailed) as err:
        register(intake, tokens["clerk"], applicant_org=OTHER_ORG)
    assert {e["field"] for e in err.value.errors} == {"applicant_name"}
    by_clerk = register(intake, tokens["clerk"], applicant_org=OTHER_ORG, applicant_name="焦作市城市建设投资有限公司")
    assert (by_clerk["applicant_org"], by_clerk["applicant_name"], by_clerk["source"]) == (
        OTHER_ORG, "焦作市城市建设投资有限公司", "window")
    with pytest.raises(Forbidden):
        register(intake, tokens["applicant"], applicant_org=OTHER_ORG)
    with pytest.raises(ValidationFailed) as err:
        register(intake, tokens["applicant"], category="no_such_category", region="41080")
    assert {e["field"] for e in err.value.errors} == {"region"}
    with pytest.raises(ValidationFailed) as err:
        register(intake, tokens["applicant"], category="no_such_category")
    assert {e["field"] for e in err.value.errors} == {"category"}
    with pytest.raises(ValidationFailed) as err:
        register(intake, tokens["applicant"], name="")
    assert "name" in {e["field"] for e in err.value.errors}
    with pytest.raises(Forbidden):
        register(intake, tokens["officer"])
    with pytest.raises(Unauthenticated):
        register(intake, None)


def test_project_visibility(intake, loaded, tokens):
    code = register(intake, tokens["applicant"])["project_code"]
    for who in ("applicant", "clerk", "operator"):
        with rpc(intake, tokens[who]) as proxy:
            assert proxy.get_project(code)["project_code"] == code
    with rpc(intake, tokens["officer"]) as proxy:   # no case of the department concerns it yet
        with pytest.raises(Forbidden):
            proxy.get_project(code)
    declare(intake, tokens["applicant"], code)      # NRP-001 goes to NRP in 410800
    with rpc(intake, tokens["officer"]) as proxy:
        assert proxy.get_project(code)["project_code"] == code
    with rpc(intake, tokens["other"]) as proxy:
        with pytest.raises(Forbidden):
            proxy.get_project(code)
    with rpc(intake, tokens["clerk"]) as proxy:
        with pytest.raises(NotFound):
            proxy.get_project("2026-410800-48-01-999999")
        with pytest.raises(ValidationFailed):
            proxy.get_project("2026-41-X")


def test_concurrent_registrations_get_distinct_consecutive_codes(intake, loaded, tokens):
    pool = eventlet.GreenPool(12)
    codes = list(pool.imap(lambda n: register(intake, tokens["applicant"], name=f"并发登记项目 {n}")["project_code"],
                           range(12)))
    assert len(set(codes)) == 12
    assert sorted(int(c[-6:]) for c in codes) == list(range(1, 13))


def test_registration_without_catalog(intake, tokens):
    with pytest.raises(NotFound):
        register(intake, tokens["applicant"])


# ------------------------------------------------------------------------------- materials
def test_upload_stores_content_addressed_versions(intake, loaded, listener, tokens):
    code = register(intake, tokens["applicant"])["project_code"]
    with entrypoint_waiter(listener, "on_uploaded", timeout=10):
        first = upload(intake, tokens["applicant"], code)
    digest = hashlib.sha256(PDF).hexdigest()
    assert first["version"] == 1 and first["sha256"] == digest and first["size"] == len(PDF)
    assert first["content_type"] == "application/pdf" and first["name"] == "建设项目用地预审与选址意见书"
    storage = Path(intake["MATERIAL_STORAGE_DIR"])
    assert (storage / digest[:2] / digest).read_bytes() == PDF
    assert Listener.seen[-1].payload["sha256"] == digest

    newer = PDF.replace(b"1.4", b"1.7")
    second = upload(intake, tokens["clerk"], code, content=newer, material_id=first["material_id"])
    assert (second["material_id"], second["version"]) == (first["material_id"], 2)
    assert (storage / digest[:2] / digest).read_bytes() == PDF  # the old version is never overwritten
    new_digest = hashlib.sha256(newer).hexdigest()
    assert (storage / new_digest[:2] / new_digest).read_bytes() == newer
    assert list((storage / ".incoming").iterdir()) == []

    image = upload(intake, tokens["applicant"], code, content=PNG, content_type="image/png", name="现场照片")
    assert image["version"] == 1 and image["material_id"] != first["material_id"]


def test_bad_uploads_leave_nothing_behind(intake, loaded, tokens):
    code = register(intake, tokens["applicant"])["project_code"]
    storage = Path(intake["MATERIAL_STORAGE_DIR"])
    cases = [
        (dict(content=PDF, content_type="image/png"), "content"),           # content is not what it claims
        (dict(content=b"MZ\x90\x00" * 10, content_type="application/x-msdownload"), "content_type"),
        (dict(content=b"%PDF-" + b"0" * 5000), "content"),                   # over MATERIAL_MAX_BYTES
        (dict(content=b""), "content_base64"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as err:
            upload(intake, tokens["applicant"], code, **kwargs)
        assert field in {e["field"] for e in err.value.errors}, err.value.errors
    with rpc(intake, tokens["applicant"]) as proxy:
        with pytest.raises(ValidationFailed):
            proxy.upload_material(code, {"name": "x", "content_type": "application/pdf",
                                         "content_base64": "not base64!!"})
    with pytest.raises(Forbidden):
        upload(intake, tokens["other"], code)
    with pytest.raises(NotFound):
        upload(intake, tokens["applicant"], "2026-410800-48-01-999999")
    with pytest.raises(NotFound):
        upload(intake, tokens["applicant"], code, material_id="no-such-material")
    stored = [p for p in storage.rglob("*") if p.is_file()] if storage.exists() else []
    assert stored == []
    with db(intake).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM material_versions")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE event_type = 'material.uploaded'")).scalar() == 0


# ------------------------------------------------------------------------------- declarations
FORMS = {
    "land_use_planning": {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5,
                          "investment_10k_yuan": 8600, "contact_name": "王建国", "contact_phone": "13903910000"},
    "engineering_permit": {"design_unit": "焦作市建筑设计研究院", "contact_name": "王建国",
                           "contact_phone": "0391-3568000"},
}


def declare(config, token, code, stage="land_use_planning", material_ids=()):
    with rpc(config, token) as proxy:
        return proxy.submit_declaration(code, {"stage": stage, "form": FORMS[stage] if stage in FORMS else {}, "material_ids": list(material_ids)})


def test_declaration_carries_the_stage_items_and_materials(intake, loaded, listener, tokens):
    project = register(intake, tokens["applicant"])
    code = project["project_code"]
    material = upload(intake, tokens["applicant"], code)
    with entrypoint_waiter(listener, "on_submitted", timeout=10):
        declared = declare(intake, tokens["applicant"], code, material_ids=[material["material_id"]])
    assert declared["state"] == "open" and declared["lead_department"] == "NRP"
    assert [i["item_code"] for i in declared["items"]] == ["NRP-001", "DRC-001"]
    event = Listener.seen[-1]
    assert event.type == "declaration.submitted"
    payload = event.payload
    assert payload["declaration_id"] == declared["declaration_id"]
    assert {(i["item_code"], i["department"], i["region"]) for i in payload["items"]} == {
        ("NRP-001", "NRP", "410800"), ("DRC-001", "DRC", "410800")}
    assert payload["stage_limit_days"] == 18 and payload["lead_department"] == "NRP"
    assert payload["applicant_org"] == ORG and payload["project_name"] == project["name"]
    assert payload["catalog_version"] == loaded["version"]
    assert payload["materials"] == [{"material_id": material["material_id"], "version": 1,
                                     "name": material["name"], "sha256": material["sha256"]}]
    assert isinstance(payload["submitted_on"], date)
    with rpc(intake, tokens["officer"]) as proxy:
        assert proxy.get_declaration(declared["declaration_id"])["items"] == declared["items"]
    with rpc(intake, tokens["other"]) as proxy:
        with pytest.raises(Forbidden):
            proxy.get_declaration(declared["declaration_id"])
        with pytest.raises(NotFound):
            proxy.get_declaration("no-such-declaration")


def test_declaration_refusals_write_nothing(intake, loaded, tokens):
    code = register(intake, tokens["applicant"])["project_code"]
    other_code = register(intake, tokens["other"])["project_code"]
    foreign = upload(intake, tokens["other"], other_code)
    with pytest.raises(NotFound):
        declare(intake, tokens["applicant"], "2026-410800-48-01-999999")
    with pytest.raises(Forbidden):
        declare(intake, tokens["other"], code)
    with pytest.raises(ValidationFailed) as err:
        declare(intake, tokens["applicant"], code, material_ids=[foreign["material_id"]])
    assert {e["field"] for e in err.value.errors} == {"material_ids[0]"}
    with pytest.raises(ValidationFailed) as err:
        declare(intake, tokens["applicant"], code, stage="demolition")
    with pytest.raises(Conflict):  # stage 2 before stage 1 concluded
        declare(intake, tokens["applicant"], code, stage="engineering_permit")
    with rpc(intake, tokens["applicant"]) as proxy:
        with pytest.raises(ValidationFailed) as err:
            proxy.submit_declaration(code, {"stage": "land_use_planning", "material_ids": [], "form": {
                **FORMS["land_use_planning"], "floor_area_m2": -1, "contact_phone": "12345", "contact_name": ""}})
    assert {e["field"]: e["message"] for e in err.value.errors} == {
        "form.floor_area_m2": "总建筑面积（平方米）不能小于 0", "form.contact_phone": "联系电话格式不正确",
        "form.contact_name": "联系人为必填项"}
    with db(intake).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM declarations")).scalar() == 0
        assert conn.execute(text(
            "SELECT count(*) FROM outbox WHERE event_type = 'declaration.submitted'")).scalar() == 0
    declare(intake, tokens["clerk"], code)
    with pytest.raises(Conflict):
        declare(intake, tokens["applicant"], code)
    with db(intake).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM declarations")).scalar() == 1


def test_concurrent_declarations_of_one_stage_open_it_once(intake, loaded, tokens):
    code = register(intake, tokens["applicant"])["project_code"]

    def attempt(_):
        try:
            return declare(intake, tokens["applicant"], code)["declaration_id"]
        except Conflict:
            return None
    results = list(eventlet.GreenPool(6).imap(attempt, range(6)))
    assert len([r for r in results if r]) == 1


def test_a_department_consulted_on_a_project_reads_it(intake, loaded, tokens, make_token):
    code = register(intake, tokens["applicant"])["project_code"]
    fire = make_token("officer", sub="fire-1", department="FIRE")
    with rpc(intake, fire) as proxy:
        with pytest.raises(Forbidden):
            proxy.get_project(code)
    envelope = new_event("consultation.opened", source="consult", project_code=code,
                         actor=Actor(id="officer-nrp", role="officer", department="NRP", region="410800"),
                         payload={"consultation_id": "cons-1", "case_id": "case-1", "asked_by": "NRP",
                                  "asked_of": ["FIRE", "EQB"], "question": "是否涉及消防？", "due_on": date(2026, 12, 3)})
    dispatch = event_dispatcher({k: v for k, v in intake.items() if k != "container"})
    for _ in range(2):   # a redelivery records nothing more
        with entrypoint_waiter(intake["container"], "on_consultation_opened", timeout=10):
            dispatch("consult", "consultation.opened", envelope.to_wire())
    with rpc(intake, fire) as proxy:
        assert proxy.get_project(code)["project_code"] == code
        assert proxy.list_materials(code)["items"] == []
    with db(intake).connect() as conn:
        assert conn.execute(text("SELECT department FROM consultation_requests ORDER BY department")).scalars().all() \
            == ["EQB", "FIRE"]
    # 001 二: countersigned, the consultation ends the reading of the departments it asked
    closed = new_event("consultation.closed", source="consult", project_code=code,
                       actor=Actor(id="officer-nrp", role="officer", department="NRP", region="410800"),
                       payload={"consultation_id": "cons-1", "case_id": "case-1", "asked_by": "NRP",
                                "question": "是否涉及消防？", "opened_on": date(2026, 11, 26), "due_on": date(2026, 12, 3),
                                "summary": "同意", "closed_by": "officer-nrp", "closed_on": date(2026, 12, 1),
                                "replies": [{"department": "FIRE", "opinion_kind": "agree", "opinion": "同意",
                                             "replied_on": date(2026, 11, 27)},
                                            {"department": "EQB", "opinion_kind": "agree", "opinion": "同意",
                                             "replied_on": date(2026, 11, 27)}]})
    with entrypoint_waiter(intake["container"], "on_consultation_closed", timeout=10):
        dispatch("consult", "consultation.closed", closed.to_wire())
    with rpc(intake, fire) as proxy:
        with pytest.raises(Forbidden):
            proxy.get_project(code)
        with pytest.raises(Forbidden):
            proxy.list_materials(code)


def test_stage_concluded_opens_the_next_stage(intake, loaded, tokens):
    code = register(intake, tokens["applicant"])["project_code"]
    declared = declare(intake, tokens["applicant"], code)
    envelope = new_event("stage.concluded", source="stage", project_code=code,
                         actor=Actor(id="system", role="system"), payload={
                             "stage_id": "s-1", "stage": "land_use_planning",
                             "declaration_id": declared["declaration_id"], "received_on": date(2026, 11, 2),
                             "concluded_on": date(2026, 11, 16), "due_on": date(2026, 11, 23), "on_time": True})
    dispatch = event_dispatcher({k: v for k, v in intake.items() if k != "container"})
    with entrypoint_waiter(intake["container"], "on_stage_concluded", timeout=10):
        dispatch("stage", "stage.concluded", envelope.to_wire())
    with entrypoint_waiter(intake["container"], "on_stage_concluded", timeout=10):
        dispatch("stage", "stage.concluded", envelope.to_wire())  # redelivery changes nothing
    with rpc(intake, tokens["applicant"]) as proxy:
        assert proxy.get_declaration(declared["declaration_id"])["state"] == "concluded"
        assert proxy.get_project(code)["concluded_stages"] == ["land_use_planning"]
        with pytest.raises(Conflict):
            declare(intake, tokens["applicant"], code)  # a concluded stage is not declared again
        second = declare(intake, tokens["applicant"], code, stage="engineering_permit")
    assert [i["item_code"] for i in second["items"]] == ["NRP-002", "DRC-002", "CMB-001", "MET-001"]
    with db(intake).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM stage_conclusions")).scalar() == 1
