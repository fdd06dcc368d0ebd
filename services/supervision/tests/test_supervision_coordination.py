"""Coordination requests (协调申请) to a stage's lead department, and inspection notes (督查)."""
from datetime import date

import pytest

from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from test_supervision_service import rpc, supervision, today  # noqa: F401  (fixtures)
from test_supervision_urging import led_stage  # noqa: F401


def test_a_department_asks_the_lead_department_to_coordinate(led_stage, make_token, today):
    config, stage_id, nrp, drc = led_stage
    drc_officer = make_token("officer", sub="drc-1", department="DRC")
    with rpc(config, drc_officer) as proxy:
        filed = proxy.file_coordination_request({"stage_id": stage_id, "case_id": drc, "subject": "用地红线与核准范围不一致",
                                                 "description": "请牵头部门组织核对用地红线"})
        assert (filed["lead_department"], filed["from_department"], filed["state"]) == ("NRP", "DRC", "open")
        assert filed["reply_due_on"] == "2026-11-18"     # two working days from Monday 11-16
        with pytest.raises(ValidationFailed) as err:
            proxy.file_coordination_request({"stage_id": stage_id, "subject": "", "description": "x",
                                             "reply_due_on": "2026-11-16"})
        assert "subject" in {e["field"] for e in err.value.errors}
    with rpc(config, make_token("officer", sub="nrp-1", department="NRP")) as proxy:
        [notice] = proxy.list_inbox({"kind": "coordination"})["items"]
        assert notice["title"] == "协调申请：用地红线与核准范围不一致"
        received = proxy.list_coordination_requests({"role": "received"})
        assert [r["request_id"] for r in received["items"]] == [filed["request_id"]]
        with pytest.raises(Conflict):   # the lead department does not ask itself
            proxy.file_coordination_request({"stage_id": stage_id, "subject": "x", "description": "y"})
    today(date(2026, 11, 19))
    with rpc(config, drc_officer) as proxy:
        assert proxy.list_coordination_requests({"state": "overdue"})["total"] == 1
        with pytest.raises(Forbidden):   # only the lead department replies
            proxy.reply_to_coordination_request(filed["request_id"], {"body": "已核对"})
    with rpc(config, make_token("officer", sub="nrp-1", department="NRP")) as proxy:
        replied = proxy.reply_to_coordination_request(filed["request_id"], {"body": "定于周五组织现场核对"})
    assert replied["state"] == "answered" and replied["replies"][0]["body"] == "定于周五组织现场核对"
    with rpc(config, drc_officer) as proxy:
        assert proxy.list_inbox({"kind": "coordination"})["items"][0]["title"].startswith("协调申请已答复")
        assert proxy.list_coordination_requests({"role": "sent", "state": "answered"})["total"] == 1
    with rpc(config, make_token("supervisor", region="410821")) as proxy:   # another region
        assert proxy.list_coordination_requests({})["total"] == 0
    with rpc(config, make_token("officer", department="FIRE")) as proxy:   # no case in the stage
        with pytest.raises(Forbidden):
            proxy.file_coordination_request({"stage_id": stage_id, "subject": "x", "description": "y"})
    with rpc(config, make_token("applicant", org="91410800MA47Q0R12X")) as proxy:
        with pytest.raises(Forbidden):
            proxy.list_coordination_requests({})


def test_inspection_notes_on_a_case_and_a_department(led_stage, make_token):
    config, stage_id, nrp, drc = led_stage
    with rpc(config, make_token("officer", sub="nrp-1", department="NRP")) as proxy:
        note = proxy.record_inspection({"target_kind": "case", "case_id": drc, "finding": "审查意见未按时录入",
                                        "required_action": "两日内补录审查意见"})
        assert (note["department"], note["case_id"], note["inspector_department"]) == ("DRC", drc, "NRP")
    with rpc(config, make_token("supervisor", region="410800")) as proxy:
        proxy.record_inspection({"target_kind": "department", "department": "DRC", "finding": "本月超期办件较多",
                                 "required_action": "报送整改措施"})
        with pytest.raises(ValidationFailed):
            proxy.record_inspection({"target_kind": "case", "finding": "x", "required_action": "y"})
        assert proxy.list_inspections({"department": "DRC"})["total"] == 2
    with rpc(config, make_token("officer", sub="drc-1", department="DRC")) as proxy:
        assert {n["kind"] for n in proxy.list_inbox({"kind": "inspection"})["items"]} == {"inspection"}
        assert proxy.list_inbox({"kind": "inspection"})["total"] == 2
        assert proxy.list_inspections({"case_id": drc})["total"] == 1
        with pytest.raises(Forbidden):   # not the lead department
            proxy.record_inspection({"target_kind": "case", "case_id": nrp, "finding": "x", "required_action": "y"})
    with rpc(config, make_token("officer", department="FIRE")) as proxy:
        assert proxy.list_inspections({})["total"] == 0
