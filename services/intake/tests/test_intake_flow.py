"""The guide and catalog versioning through the running service (real RabbitMQ and PostgreSQL)."""
import copy
import json
from pathlib import Path

import pytest
from nameko.standalone.rpc import ServiceRpcProxy

from intake.service import IntakeService
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
FORMS = {
    "land_use_planning": {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5,
                          "investment_10k_yuan": 8600, "contact_name": "王建国", "contact_phone": "13903910000"},
    "engineering_permit": {"design_unit": "焦作市建筑设计研究院", "contact_name": "王建国",
                           "contact_phone": "0391-3568000"},
}


@pytest.fixture
def intake(container_factory, service_config, tmp_path):
    config = service_config("intake", WEB_SERVER_ADDRESS="127.0.0.1:0", MATERIAL_STORAGE_DIR=str(tmp_path / "materials"))
    container_factory(IntakeService, config).start()
    return config


@pytest.fixture
def call(intake, make_token):
    tokens = {"operator": make_token("operator", sub="operator-1"),
              "applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "other": make_token("applicant", sub="applicant-2", org="91410800MA00000001"),
              "officer": make_token("officer", sub="officer-1", department="NRP")}

    def call(who, method, *args):
        with ServiceRpcProxy("intake", intake, context_data={"authorization": tokens[who]}, timeout=15) as proxy:
            return getattr(proxy, method)(*args)
    return call


def gov_building_stage_one(catalog):
    category = next(c for c in catalog["categories"] if c["code"] == "gov_building")
    return category["stages"][0]


def test_an_edited_catalog_does_not_change_a_running_flow(call):
    assert call("operator", "load_catalog", CATALOG)["version"] == 1
    running = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                     "region": "410800", "attributes": {"floor_area_m2": 12500.5}})
    edited = copy.deepcopy(CATALOG)
    stage = gov_building_stage_one(edited)
    stage["items"] = [i for i in stage["items"] if i["code"] != "DRC-001"]
    stage["items"][0]["limit_days"] = 5
    assert call("operator", "load_catalog", edited)["version"] == 2
    again = call("operator", "load_catalog", edited)  # the same catalog again: no third version
    assert again["version"] == 2 and again["unchanged"] is True

    guide = call("applicant", "get_guide", running["project_code"])
    assert guide["catalog_version"] == 1
    assert [i["code"] for i in guide["stages"][0]["items"]] == ["NRP-001", "DRC-001"]
    declared = call("applicant", "submit_declaration", running["project_code"],
                    {"stage": "land_use_planning", "form": FORMS["land_use_planning"], "material_ids": []})
    assert declared["catalog_version"] == 1
    assert [(i["item_code"], i["limit_days"]) for i in declared["items"]] == [("NRP-001", 10), ("DRC-001", 12)]

    newer = call("applicant", "register_project", {"name": "焦作市体育中心改造项目", "category": "gov_building",
                                                   "region": "410800", "attributes": {}})
    assert newer["catalog_version"] == 2
    assert [(i["code"], i["limit_days"]) for i in call("applicant", "get_guide", newer["project_code"])
            ["stages"][0]["items"]] == [("NRP-001", 5)]


def test_guide_of_a_project_and_a_preview(call):
    call("operator", "load_catalog", CATALOG)
    preview = call("applicant", "preview_guide", {"category": "social_small", "attributes": {"floor_area_m2": 3000}})
    assert preview["total_limit_days"] == 30 and preview["overall_limit_days"] == 59
    assert [s["stage"] for s in preview["stages"]] == ["land_use_planning", "engineering_permit",
                                                       "construction_permit", "completion_acceptance"]
    county = call("officer", "preview_guide", {"category": "gov_building", "region": "410825"})
    assert county["stages"][0]["items"][0]["department"] == {"code": "NRP-410825", "name": "温县自然资源局"}
    with pytest.raises(ValidationFailed):
        call("applicant", "preview_guide", {"category": "no_such_kind"})

    project = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                     "region": "410800",
                                                     "attributes": {"floor_area_m2": 12500.5, "use": "hospital"}})
    code = project["project_code"]
    call("applicant", "submit_declaration", code, {"stage": "land_use_planning", "form": FORMS["land_use_planning"], "material_ids": []})
    guide = call("officer", "get_guide", code)
    assert guide["project_code"] == code and guide["category"] == {"code": "gov_building", "name": "政府投资房屋建筑类"}
    assert [s["state"] for s in guide["stages"]] == ["in_progress", "not_started", "not_started", "not_started"]
    assert "HCD-004" in [i["code"] for i in guide["stages"][2]["items"]]
    svg = call("applicant", "get_guide_svg", code)
    assert svg.lstrip().startswith("<svg") or svg.lstrip().startswith("<?xml")
    assert code in svg and "建设用地规划许可证" in svg
    with pytest.raises(Forbidden):
        call("other", "get_guide", code)
    with pytest.raises(NotFound):
        call("applicant", "get_guide_svg", "2026-410800-48-01-999999")


def test_a_draft_is_saved_in_parts_and_submitted_once(call):
    call("operator", "load_catalog", CATALOG)
    code = call("applicant", "register_project", {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                  "region": "410800", "attributes": {}})["project_code"]
    partial = {"construction_site": "焦作市解放区人民路北侧"}
    saved = call("applicant", "save_draft", code, {"stage": "land_use_planning", "form": partial, "material_ids": []})
    assert saved["revision"] == 1 and saved["declaration_id"] is None
    assert {e["field"] for e in saved["outstanding"]} == {"form.floor_area_m2", "form.investment_10k_yuan",
                                                          "form.contact_name", "form.contact_phone"}
    with pytest.raises(ValidationFailed) as err:   # what a draft holds must still fit
        call("applicant", "save_draft", code, {"stage": "land_use_planning", "form": {"floor_area_m2": "很大"},
                                               "material_ids": []})
    assert [e["field"] for e in err.value.errors] == ["form.floor_area_m2"]
    with pytest.raises(ValidationFailed):          # incomplete: submitting refuses it, nothing is written
        call("applicant", "submit_draft", code, "land_use_planning")
    with pytest.raises(Forbidden):
        call("other", "get_draft", code, "land_use_planning")
    with pytest.raises(NotFound):
        call("applicant", "get_draft", code, "engineering_permit")
    with pytest.raises(ValidationFailed):
        call("applicant", "get_draft", code, "demolition")

    saved = call("applicant", "save_draft", code, {"stage": "land_use_planning", "form": FORMS["land_use_planning"],
                                                   "material_ids": []})
    assert saved["revision"] == 2 and saved["outstanding"] == []
    declared = call("applicant", "submit_draft", code, "land_use_planning")
    assert declared["form"] == FORMS["land_use_planning"] and declared["voucher"]["kind"] == "registration_voucher"
    assert call("officer", "get_draft", code, "land_use_planning")["declaration_id"] == declared["declaration_id"]
    with pytest.raises(Conflict):
        call("applicant", "submit_draft", code, "land_use_planning")
    with pytest.raises(Conflict):
        call("applicant", "save_draft", code, {"stage": "land_use_planning", "form": {}, "material_ids": []})
