"""The seeded catalog and the guide computed from it, for different kinds of project."""
import json
from pathlib import Path

import pytest

from intake.domain import guide
from intake.domain.catalog import Catalog
from intake.schemas import CatalogIn
from platform_kit.contracts import STAGES
from platform_kit.validation import load

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())


@pytest.fixture(scope="module")
def catalog():
    return Catalog.checked(load(CatalogIn(), CATALOG), version=3)


def codes(flow, stage):
    return [i["code"] for s in flow["stages"] if s["stage"] == stage for i in s["items"]]


def test_seeded_catalog_is_a_realistic_city(catalog):
    levels = {d.level for d in catalog.departments.values()}
    assert len(catalog.departments) >= 25 and levels == {"city", "county"}
    distinct = {i.code for c in catalog.categories.values() for s in c.stages for i in s.items}
    assert len(distinct) >= 40
    assert len(catalog.categories) == 7  # 001 §8
    for category in catalog.categories.values():
        assert sum(s.limit_days for s in category.stages) <= catalog.overall_limit_days
    flagged = [i for c in catalog.categories.values() for s in c.stages for i in s.items]
    assert any(i.notification_commitment for i in flagged) and any(i.accept_with_deficiencies for i in flagged)
    assert all(i.materials for i in flagged)


def test_government_hospital(catalog):
    flow = guide.build(catalog, "gov_building", {"floor_area_m2": 32000, "use": "hospital", "has_radiology": True,
                                                 "has_elevator": True, "major_project": True}, "410800")
    assert [s["stage"] for s in flow["stages"]] == list(STAGES)
    assert codes(flow, "land_use_planning") == ["NRP-001", "DRC-001", "EQB-001"]
    assert "HEALTH-001" in codes(flow, "engineering_permit")
    assert {"HCD-004", "CAD-001", "SAMR-001"} <= set(codes(flow, "construction_permit"))
    assert "HCD-005" not in codes(flow, "construction_permit")  # special building: review, not filing
    assert {"HCD-007", "CAD-003", "HEALTH-002", "SAMR-002"} <= set(codes(flow, "completion_acceptance"))
    assert flow["total_limit_days"] == 59 and flow["within_overall_limit"] is True
    assert flow["stages"][0]["lead_department"] == {"code": "NRP", "name": "焦作市自然资源和规划局"}
    assert flow["stages"][2]["lead_department"]["code"] == "HCD"
    first = flow["stages"][0]["items"][0]
    assert first["department"] == {"code": "NRP", "name": "焦作市自然资源和规划局"}
    assert first["materials"] and first["state"] == "not_started"
    labels = {f["name"]: f["label"] for f in flow["stages"][0]["form"]}   # one form per stage, Chinese labels
    assert labels["construction_site"] == "建设地点" and labels["funding_source"] == "资金来源"
    reused = {m["name"]: m["items"] for m in flow["materials"]}
    assert len(reused["建设工程规划许可证"]) >= 2  # one upload serves several items (000 §7)


def test_small_social_project(catalog):
    flow = guide.build(catalog, "social_small", {"floor_area_m2": 3000}, "410800")
    assert [codes(flow, s) for s in STAGES] == [
        ["DRC-003", "NRP-001"], ["NRP-002"], ["HCD-010", "HCD-001", "HCD-005", "HCD-006"],
        ["HCD-002", "NRP-003", "HCD-008"]]
    assert flow["total_limit_days"] == 30


def test_industrial_upgrade_with_hazardous_chemicals_in_a_county(catalog):
    flow = guide.build(catalog, "industrial", {"tech_upgrade": True, "hazardous_chemicals": True,
                                               "eia_level": "report", "floor_area_m2": 18000}, "410821")
    assert codes(flow, "land_use_planning") == ["MIIT-001", "NRP-001"]
    assert {"EMB-001", "EEB-001"} <= set(codes(flow, "engineering_permit"))
    departments = {i["code"]: i["department"]["code"] for s in flow["stages"] for i in s["items"]}
    assert departments["NRP-001"] == "NRP-410821" and departments["HCD-001"] == "HCD-410821"
    assert departments["EMB-001"] == "EMB"  # no county department of that function: the city's
    assert flow["stages"][0]["lead_department"]["name"] == "修武县自然资源局"


def test_renovation_starts_at_the_construction_permit(catalog):
    flow = guide.build(catalog, "renovation", {"use": "mall"}, "410800")
    assert [s["stage"] for s in flow["stages"]] == ["construction_permit", "completion_acceptance"]
    assert "HCD-004" in codes(flow, "construction_permit") and flow["total_limit_days"] == 22


def test_highway_gets_the_transport_permit(catalog):
    flow = guide.build(catalog, "gov_linear", {"road_type": "highway", "new_land": False, "near_highway": True},
                       "410800")
    assert "NRP-001" not in codes(flow, "land_use_planning")
    assert "HWY-001" in codes(flow, "engineering_permit")
    assert "TRB-002" in codes(flow, "construction_permit") and "HCD-001" not in codes(flow, "construction_permit")


def test_states_of_a_running_flow(catalog):
    flow = guide.build(catalog, "gov_building", {}, "410800", declared_stages={"land_use_planning",
                                                                               "engineering_permit"},
                       concluded_stages={"land_use_planning"})
    assert [s["state"] for s in flow["stages"]] == ["concluded", "in_progress", "not_started", "not_started"]
    assert {i["state"] for i in flow["stages"][1]["items"]} == {"in_progress"}


def test_checklist_offers_uploaded_materials_and_attached_results(catalog):
    flow = guide.build(catalog, "gov_building", {}, "410800",
                       licences=[{"item_code": "NRP-001", "licence_no": "NRP-2026-000001"}])
    uploaded = {"建设工程设计方案": {"material_id": "m1", "version": 2, "sha256": "0" * 64}}
    listed = {m["name"]: m for m in guide.checklist(flow, "engineering_permit", uploaded)}
    assert listed["建设工程设计方案"]["status"] == "uploaded" and listed["建设工程设计方案"]["material"]["version"] == 2
    assert listed["建设用地规划许可证"]["status"] == "provided_by_platform"
    assert listed["建设用地规划许可证"]["licence_no"] == "NRP-2026-000001"
    assert listed["初步设计文件"]["status"] == "missing"
    assert guide.checklist(flow, "no_such_stage", uploaded) == []
