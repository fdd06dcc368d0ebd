"""The exchange's plain rules without a platform: the red-line boundary check, the mapping as data
(keys, parents, national codes, versions by content), the reading of rejection reasons, and the
records derived from events."""
import uuid
from datetime import date, datetime, timezone

import pytest

from intake.domain import boundary
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import ValidationFailed
from supervision.exchange import facts, rejections
from supervision.exchange.mapping import Mapping

SQUARE = [[113.241, 35.215], [113.245, 35.215], [113.245, 35.218], [113.241, 35.218], [113.241, 35.215]]


def test_a_valid_polygon_is_kept_with_its_area():
    geometry, area = boundary.check({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [SQUARE]}})
    assert geometry["type"] == "Polygon" and 110_000 < area < 130_000    # ≈ 363 m × 333 m


@pytest.mark.parametrize("geometry, message", [
    ({"type": "Point", "coordinates": [113.2, 35.2]}, "Polygon"),
    ({"type": "Polygon", "coordinates": [SQUARE[:-1]]}, "未闭合"),
    ({"type": "Polygon", "coordinates": [[[113.24, 35.21], [113.25, 35.22], [113.25, 35.21], [113.24, 35.22],
                                          [113.24, 35.21]]]}, "自相交"),
    ({"type": "Polygon", "coordinates": [[[213.0, 35.2], [113.2, 35.3], [113.3, 35.3], [213.0, 35.2]]]}, "超出"),
    ({"type": "Polygon", "coordinates": [[[113.2, 35.2], [113.3, 35.2], [113.2, 35.2], [113.2, 35.2]]]}, "3 个不同"),
])
def test_an_invalid_boundary_is_refused_naming_the_field(geometry, message):
    with pytest.raises(ValidationFailed) as refused:
        boundary.check(geometry)
    assert refused.value.errors[0]["field"] == "geometry" and message in refused.value.errors[0]["message"]


def test_the_mapping_keys_rows_maps_codes_and_names_the_parent():
    mapping = Mapping.load(1)
    row = mapping.row("step", {"step_id": "e1", "case_id": "c1", "state": "accepted", "department": "NRP",
                               "department_name": "自然资源和规划局", "handler": "nrp-officer", "opinion": "",
                               "at": "2026-02-10 09:00:00", "region": "410800"})
    assert (row.table, row.key, row.columns["BLZT"], row.parent) == (
        "SPGL_XMSPSXBLXXXXB", "e1", 3, ("SPGL_XMSPSXBLXXB", "c1"))
    flow = mapping.row("flow", {"flow_code": "industrial", "flow_version": 2, "name": "工业", "category": "industrial",
                                "region": "410800", "effective_at": None, "description": ""})
    assert flow.columns["SPLCLX"] == 6 and flow.key == "industrial:2" and flow.rank == 1
    # a code outside the list is sent as it is (the province rejects it; a later mapping fixes it)
    assert mapping.row("flow", {**{"flow_code": "x", "flow_version": 1, "name": "x", "category": "mystery",
                                   "region": "410800"}}).columns["SPLCLX"] == "mystery"


def test_the_same_content_has_the_same_digest_and_an_edit_a_new_one():
    mapping = Mapping.load()
    unit = {"project_code": "P", "role": "builder", "region": "410800", "credit_code": "9141", "name": "甲"}
    assert mapping.row("unit", unit).digest == mapping.row("unit", dict(unit)).digest
    assert mapping.row("unit", unit).digest != mapping.row("unit", {**unit, "name": "乙"}).digest
    withdrawn = mapping.row("intermediary", {"record_id": "r", "project_code": "P", "region": "410800",
                                             "service_name": "s", "agency_code": "a", "agency_name": "n",
                                             "client_name": "c", "client_code": "d", "valid": False,
                                             "invalid_reason": "登记错误"})
    assert (withdrawn.valid, withdrawn.invalid_reason) == (False, "登记错误")


@pytest.mark.parametrize("reason, kind, self_fix", [
    ("上级数据不存在：SPGL_XMJBXXB XMDM=1", rejections.MISSING_PARENT, True),
    ("代码不在代码表：BLZT=99", rejections.STALE_CODE, True),
    ("计划竣工时间早于计划开工时间：NKGSJ=2026-09-01，NJCSJ=2026-05-01", rejections.PERSON, False),
])
def test_a_rejection_reason_says_who_fixes_it(reason, kind, self_fix):
    assert rejections.classify(reason) == rejections.Verdict(kind, self_fix)
    assert not rejections.classify(reason, self_fixes=rejections.MAX_SELF_FIXES).self_fix
    assert rejections.reason_group(reason) == reason.split("：")[0]


def test_events_become_records_and_a_withdrawn_case_an_invalid_version():
    known_facts = {}

    def known(kind, key):
        return known_facts.get((kind, str(key)))

    def apply(event_type, payload, project_code="P", role="applicant"):
        envelope = new_event(event_type, source="intake", project_code=project_code,
                             actor=Actor(id="someone", role=role), payload=payload)
        remembered, records = facts.derive(envelope, known)
        for kind, key, data in remembered:
            known_facts[(kind, str(key))] = data
        return records
    records = apply("project.registered", {"project_code": "P", "name": "项目", "category": "gov_building",
                                           "region": "410800", "applicant_org": "91410800MA47Q0R12X",
                                           "attributes": {"planned_start": "2026-03-01"}})
    assert [k for k, _ in records] == ["project", "unit"]
    assert records[0][1]["planned_start"] == "2026-03-01"
    case = {"case_id": str(uuid.uuid4()), "stage_id": "s", "stage": "land_use_planning", "item_code": "NRP-001",
            "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "on": date(2026, 2, 10),
            "opinion": "撤回"}
    records = apply("case.withdrawn", case)
    kinds = dict(records)
    assert kinds["step"]["state"] == "withdrawn"
    assert (kinds["case"]["valid"], kinds["case"]["invalid_reason"]) == (False, "撤回")
    assert facts.local_time(datetime(2026, 2, 10, 1, 0, tzinfo=timezone.utc)) == "2026-02-10 09:00:00"
