"""Domain rules of intake as plain functions: project codes, catalog matching, material checks."""
import copy
import hashlib
import io
import json
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from intake.domain import declaration, material, project
from intake.domain.catalog import Catalog, applies, check_conditions
from intake.schemas import CatalogIn
from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from platform_kit.identity import Identity
from platform_kit.validation import load

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())


# ------------------------------------------------------------------------------- project codes
def test_code_format():
    code = project.format_code(2026, "410800", 1)
    assert code == "2026-410800-48-01-000001"
    assert project.parse_code(code) == (2026, "410800", 1)
    assert project.format_code(2027, "410811", 999999) == "2027-410811-48-01-999999"
    for bad in ("2026-410800-48-01-00001", "2026-4108-48-01-000001", "2026-410800-47-01-000001", "", None,
                "2026-410800-48-01-000001x"):
        with pytest.raises(ValidationFailed):
            project.parse_code(bad)
    with pytest.raises(ValueError):
        project.format_code(2026, "4108", 1)
    with pytest.raises(ValueError):
        project.format_code(2026, "410800", 1_000_000)


def test_who_registers_for_whom():
    applicant = Identity(sub="a", role="applicant", name="x", org="91410800MA47Q0R12X")
    clerk = Identity(sub="c", role="clerk", name="x")
    assert project.applicant_org_for(applicant, None) == "91410800MA47Q0R12X"
    with pytest.raises(Forbidden):
        project.applicant_org_for(applicant, "91410800MA00000001")
    with pytest.raises(Forbidden):
        project.applicant_org_for(Identity(sub="a", role="applicant", name="x"), None)
    assert project.applicant_org_for(clerk, "91410800MA00000001") == "91410800MA00000001"
    with pytest.raises(ValidationFailed):
        project.applicant_org_for(clerk, None)
    with pytest.raises(ValidationFailed):
        project.applicant_org_for(clerk, "91410800MA0000000I")  # I is not in the code alphabet
    assert project.can_act_for(clerk, "any")
    assert not project.can_act_for(Identity(sub="o", role="officer", name="x"), "any")
    officer = Identity(sub="o", role="officer", name="x", department="NRP", region="410800")
    located = SimpleNamespace(applicant_org="any", region="410800")
    assert not project.can_read(officer, located)
    assert not project.can_read(officer, located, lambda: project.Reach(cases=frozenset({("NRP", "410821")})))
    assert project.can_read(officer, located, lambda: project.Reach(cases=frozenset({("NRP", "410800")})))
    assert project.can_read(officer, located, lambda: project.Reach(consulted=frozenset({("NRP", "410800")})))
    assert project.can_read(officer, located, lambda: project.Reach(consulted=frozenset({("NRP", "410821")})))
    assert project.can_read(officer, located, lambda: project.Reach(consulted=frozenset({("NRP", None)})))
    assert not project.can_read(officer, located, lambda: project.Reach(consulted=frozenset({("NRP", "410100")})))
    assert not project.can_read(officer, located, lambda: project.Reach(consulted=frozenset({("FIRE", "410800")})))
    assert project.within("410821", "410800") and project.within("410821", "410000")
    assert not project.within("410800", "410821") and not project.within("410100", "410800")


# ------------------------------------------------------------------------------- catalog
def catalog(data=None):
    return Catalog.checked(load(CatalogIn(), data or copy.deepcopy(CATALOG)), version=1)


def test_conditions():
    big = {"floor_area_m2": 12500.5, "use": "hospital", "has_basement": False}
    assert applies({}, {})
    assert applies({"floor_area_m2": {"gt": 7000}}, big)
    assert not applies({"floor_area_m2": {"gt": 7000}}, {"floor_area_m2": 7000})
    assert applies({"floor_area_m2": {"gte": 7000, "lte": 20000}}, {"floor_area_m2": 7000})
    assert not applies({"floor_area_m2": {"gt": 7000}}, {})            # missing attribute never matches
    assert not applies({"floor_area_m2": {"gt": 7000}}, {"floor_area_m2": "big"})
    assert applies({"use": {"in": ["hospital", "school"]}}, big)
    assert applies({"use": {"ne": "warehouse"}}, {})
    assert applies({"basement_area_m2": {"present": False}}, big)
    either = {"any": [{"floor_area_m2": {"gt": 20000}}, {"has_basement": {"eq": True}}]}
    assert not applies(either, big)
    assert applies(either, {**big, "has_basement": True})
    assert check_conditions({"x": {"between": [1, 2]}, "y": {"gt": "ten"}, "any": []}, "w") == [
        {"field": "w.x.between", "message": "未知的条件运算符 between"},
        {"field": "w.y.gt", "message": "比较条件的取值必须是数字"},
        {"field": "w.any", "message": "any 必须是非空列表"}]


def test_demo_catalog_stage_one_of_government_buildings():
    stage = catalog().category("gov_building").stage("land_use_planning")
    assert stage.lead_department == "NRP"
    for attributes in ({}, {"floor_area_m2": 12500.5}):
        assert [i.code for i in stage.items_for(attributes)] == ["NRP-001", "DRC-001"]


def test_inconsistent_catalogs_are_refused():
    data = copy.deepcopy(CATALOG)
    data["departments"].append(dict(data["departments"][0]))
    first_stage = data["categories"][0]["stages"][0]
    first_stage["lead_department"] = "XXX"
    first_stage["items"].append(dict(first_stage["items"][0]))
    data["categories"][0]["stages"].reverse()
    data["overall_limit_days"] = 10
    with pytest.raises(ValidationFailed) as err:
        catalog(data)
    messages = {e["field"]: e["message"] for e in err.value.errors}
    assert "departments[1].code" in messages or any(k.startswith("departments[") for k in messages)
    assert "categories[0].stages" in messages


def test_each_item_gives_its_licence_kind_validity_and_printed_form_fields():
    from intake.domain.catalog import licence_rules
    rules = {r["item_code"]: r for r in licence_rules(CATALOG)}
    assert rules["NRP-001"]["kind"] == "certificate" and rules["NRP-001"]["validity_days"] is None
    assert {"name": "construction_site", "label": "建设地点"} in rules["NRP-001"]["form_fields"]
    assert rules["NRP-002"]["form_fields"][0] == {"name": "above_ground_area_m2", "label": "地上建筑面积（平方米）"}
    assert rules["HCD-001"]["kind"] == "certificate"   # 建筑工程施工许可证核发: not read off its name
    assert rules["DRC-001"] == {"item_code": "DRC-001", "kind": "approval", "validity_days": 730, "form_fields": []}
    data = copy.deepcopy(CATALOG)
    licence = data["categories"][0]["stages"][0]["items"][0]["licence"]
    licence["form_fields"] = ["construction_site", "above_ground_area_m2"]   # a field of another stage's form
    with pytest.raises(ValidationFailed) as err:
        catalog(data)
    assert [e["field"] for e in err.value.errors] == ["categories[0].stages[0].items[0].licence.form_fields[1]"]
    licence.update(form_fields=[], kind="permit")
    with pytest.raises(ValidationFailed) as err:
        catalog(data)
    assert [e["field"] for e in err.value.errors] == ["categories.0.stages.0.items.0.licence.kind"]


CONTACT = {"contact_name": "王建国", "contact_phone": "13903910000"}
PLAN_FORMS = {
    "land_use_planning": {"construction_site": "解放区", "floor_area_m2": 800, "investment_10k_yuan": 100, **CONTACT},
    "engineering_permit": {"design_unit": "焦作市建筑设计研究院", **CONTACT},
    "construction_permit": {"construction_unit": "焦作建工集团", "supervision_unit": "焦作监理公司",
                            "contract_price_10k_yuan": 5000, "planned_start": "2027-03-01", **CONTACT},
}


def test_declaration_plan():
    cat = catalog()
    common = dict(catalog=cat, category_code="gov_building", region="410800")
    plan = declaration.plan(stage="construction_permit", attributes={"floor_area_m2": 12500.5},
                            open_stages=set(), concluded_stages={"land_use_planning", "engineering_permit"},
                            **common, form=PLAN_FORMS.get("construction_permit"))
    assert plan.lead_department == "HCD"
    assert [i["item_code"] for i in plan.items] == ["HCD-010", "HCD-001", "HCD-005", "CAD-001", "HCD-006"]
    small = declaration.plan(stage="construction_permit", attributes={"floor_area_m2": 800},
                             open_stages=set(), concluded_stages={"land_use_planning", "engineering_permit"},
                             **common, form=PLAN_FORMS.get("construction_permit"))
    assert [i["item_code"] for i in small.items] == ["HCD-010", "HCD-001", "HCD-005", "HCD-006"]
    county = declaration.plan(stage="land_use_planning", attributes={}, open_stages=set(), concluded_stages=set(),
                              catalog=cat, category_code="gov_building", region="410821",
                              form=PLAN_FORMS.get("land_use_planning"))
    # 000 §15: a project in 修武县 goes to the county's own departments where the catalog lists one
    assert [(i["department"], i["region"]) for i in county.items] == [("NRP-410821", "410821"),
                                                                        ("DRC-410821", "410821")]
    assert county.lead_department == "NRP-410821"
    with pytest.raises(Conflict):
        declaration.plan(stage="land_use_planning", attributes={}, open_stages={"land_use_planning"},
                         concluded_stages=set(), **common, form=PLAN_FORMS.get("land_use_planning"))
    with pytest.raises(Conflict):
        declaration.plan(stage="engineering_permit", attributes={}, open_stages=set(),
                         concluded_stages=set(), **common, form=PLAN_FORMS.get("engineering_permit"))
    with pytest.raises(ValidationFailed):
        declaration.plan(stage="land_use_planning", attributes={}, open_stages=set(), concluded_stages=set(),
                         catalog=cat, category_code="nope", region="410800", form=PLAN_FORMS.get("land_use_planning"))


# ------------------------------------------------------------------------------- materials
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


def ofd_package(with_root=True):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("OFD.xml" if with_root else "Doc_0/Document.xml", "<ofd:OFD/>")
    return buffer.getvalue()


def test_material_inspection():
    facts = material.inspect_bytes(PDF, "application/pdf", 1024)
    assert facts == {"sha256": hashlib.sha256(PDF).hexdigest(), "size": len(PDF), "content_type": "application/pdf"}
    assert material.inspect_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg", 1024)["size"] == 24
    assert material.inspect_bytes(ofd_package(), "application/ofd", 1 << 20)["content_type"] == "application/ofd"
    refusals = [
        (PDF, "image/png", 1024),                       # claims PNG, is a PDF
        (ofd_package(with_root=False), "application/ofd", 1 << 20),
        (b"PK\x03\x04garbage-not-a-zip", "application/ofd", 1024),
        (PDF, "application/pdf", 8),                    # too large
        (b"", "application/pdf", 1024),                 # empty
        (b"%PD", "application/pdf", 1024),              # cut off before the magic number
        (PDF, "text/html", 1024),                       # type not accepted
    ]
    for content, content_type, limit in refusals:
        with pytest.raises(ValidationFailed):
            material.inspect_bytes(content, content_type, limit)


def test_inspection_in_small_chunks_stops_at_the_limit():
    inspection = material.Inspection("application/pdf", max_bytes=10)
    for byte in PDF[:10]:
        inspection.feed(bytes([byte]))
    with pytest.raises(ValidationFailed):
        inspection.feed(b"x")


def test_storage_key():
    digest = hashlib.sha256(b"x").hexdigest()
    assert material.storage_key(digest) == f"{digest[:2]}/{digest}"
    with pytest.raises(ValueError):
        material.storage_key("../../etc/passwd")


# ------------------------------------------------------------------------------- push and verification
def test_push_outcome():
    known = {"applicant_org": "91410800MA47Q0R12X", "category": "gov_linear", "name": "管网工程",
             "attributes": {"occupies_road": True}}
    assert project.push_outcome(None, known) == project.CREATED
    assert project.push_outcome(known, dict(known)) == project.UNCHANGED
    assert project.push_outcome(known, {**known, "attributes": {}}) == project.UPDATED
    with pytest.raises(Conflict) as err:
        project.push_outcome(known, {**known, "applicant_org": "91410800MA00000001"})
    assert [e["field"] for e in err.value.errors] == ["applicant_org"]
    project.check_pushed_code("2026-410800-48-01-000001", "410800")
    with pytest.raises(ValidationFailed):
        project.check_pushed_code("2026-410800-48-01-000001", "410821")


def test_who_may_verify_a_material_version():
    declarations = [{"materials": [{"material_id": "m1", "version": 1}], "items": [{"department": "NRP"},
                                                                                  {"department": "DRC"}]},
                    {"materials": [{"material_id": "m1", "version": 2}], "items": [{"department": "HCD"}]}]
    assert material.may_verify("DRC", "m1", 1, declarations)
    assert not material.may_verify("HCD", "m1", 1, declarations)   # HCD's case carries version 2
    assert material.may_verify("HCD", "m1", 2, declarations)
    assert not material.may_verify("NRP", "m2", 1, declarations)


# ------------------------------------------------------------------------------- forms
def test_stage_forms():
    from intake.domain import forms
    fields = [{"name": "site", "label": "建设地点", "type": "text", "required": True, "max_length": 5},
              {"name": "area", "label": "面积", "type": "number", "min": 0},
              {"name": "floors", "label": "层数", "type": "integer"},
              {"name": "start", "label": "开工日期", "type": "date"},
              {"name": "basement", "label": "是否有地下室", "type": "boolean"},
              {"name": "result", "label": "验收结论", "type": "choice", "choices": ["合格", "不合格"]}]
    assert forms.form_errors(fields, {"site": "解放区", "area": 10.5, "floors": 3, "start": "2026-12-01",
                                      "basement": False, "result": "合格"}) == []
    errors = forms.form_errors(fields, {"site": "焦作市解放区", "area": True, "floors": 2.5, "start": "明天",
                                        "basement": "是", "result": "良好", "colour": "red"})
    assert {e["field"] for e in errors} == {"form.site", "form.area", "form.floors", "form.start", "form.basement",
                                            "form.result", "form.colour"}
    assert forms.form_errors(fields, {}) == [{"field": "form.site", "message": "建设地点为必填项"}]
    assert forms.form_errors(fields, {}, complete=False) == []
    assert forms.form_errors([], {"anything": 1}) == []
    assert forms.definition_errors([fields[0], fields[0], {"name": "c", "label": "c", "type": "choice"}], "f") == [
        {"field": "f[1].name", "message": "表单字段 site 重复"},
        {"field": "f[2].choices", "message": "选择类字段必须列出可选值"}]
