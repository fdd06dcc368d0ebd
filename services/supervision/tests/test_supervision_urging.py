"""Urges (催办): who may urge what, who hears of it, the count on the case and who read it."""
import uuid
from datetime import date

import pytest

from platform_kit.errors import Forbidden, NotFound, ValidationFailed
from test_supervision_service import PROJECT, case_fact, event, facts, rpc, supervision, today  # noqa: F401


@pytest.fixture
def led_stage(supervision):
    """An NRP-led stage with an NRP case and a DRC case, both accepted."""
    config, container, deliver = supervision
    stage_id, nrp, drc = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    deliver(event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-1", "stage": "land_use_planning",
        "lead_department": "NRP", "limit_days": 20, "received_on": date(2026, 11, 2), "state": "open",
        "clock": facts(date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 30), date(2026, 11, 26), 20),
        "cases": [{"case_id": nrp, "item_code": "NRP-001", "department": "NRP", "limit_days": 10, "state": "submitted"},
                  {"case_id": drc, "item_code": "DRC-001", "department": "DRC", "limit_days": 10,
                   "state": "submitted"}]}))
    for case_id, department in ((nrp, "NRP"), (drc, "DRC")):
        deliver(case_fact("case.accepted", case_id, department, date(2026, 11, 3), stage_id=stage_id, limit_days=10,
                          due_on=date(2026, 11, 17), state="accepted",
                          clock=facts(date(2026, 11, 3), date(2026, 11, 3), date(2026, 11, 17), date(2026, 11, 13), 10)))
    return config, stage_id, nrp, drc


def test_a_lead_department_urges_a_case_of_its_stage_and_the_department_hears_of_it(led_stage, make_token):
    config, stage_id, nrp, drc = led_stage
    lead = make_token("officer", sub="officer-nrp", department="NRP")
    with rpc(config, lead) as proxy:
        urge = proxy.send_urge({"target_kind": "case", "target_id": drc, "urgency": "urgent",
                                "message": "请于本周内出具审查意见"})
    assert (urge["department"], urge["case_id"], urge["stage_id"], urge["sender"]) == ("DRC", drc, stage_id, "officer-nrp")
    drc_officer = make_token("officer", sub="officer-drc", department="DRC")
    with rpc(config, drc_officer) as proxy:
        inbox = proxy.list_inbox({"kind": "urge"})
        [notice] = inbox["items"]
        assert notice["urgency"] == "urgent" and "请于本周内出具审查意见" in notice["body"]
        assert notice["title"].startswith("【紧急】催办") and notice["case_id"] == drc
        proxy.read_notice(notice["notification_id"])
        [clock] = [c for c in proxy.list_clocks({"kind": "case"})["items"] if c["case_id"] == drc]
        assert clock["urges"] == 1
        listed = proxy.list_urges({"case_id": drc})
    assert listed["total"] == 1 and [r["account"] for r in listed["items"][0]["readers"]] == ["officer-drc"]
    with rpc(config, make_token("dept_admin", sub="head-drc", department="DRC")) as proxy:
        assert proxy.list_inbox({"kind": "urge"})["total"] == 1      # the department head hears of it too
        overview = proxy.get_project_overview(PROJECT)
    assert [c["urges"] for c in overview["stages"][0]["cases"]] == [1]
    with rpc(config, make_token("officer", sub="officer-nrp2", department="NRP")) as proxy:
        assert proxy.list_inbox({"kind": "urge"})["total"] == 0      # not sent to the lead department itself
    with rpc(config, make_token("supervisor", region="410800")) as proxy:
        urged = proxy.send_urge({"target_kind": "stage", "target_id": stage_id, "message": "阶段临近时限"})
        assert urged["department"] == "NRP" and urged["urgency"] == "normal"
        assert proxy.list_urges({"project_code": PROJECT})["total"] == 2
    with rpc(config, make_token("officer", department="NRP")) as proxy:
        assert proxy.list_inbox({"kind": "urge"})["total"] == 1


def test_who_may_not_urge_and_bad_input(led_stage, make_token):
    config, stage_id, nrp, drc = led_stage
    with rpc(config, make_token("officer", department="DRC")) as proxy:   # not the lead department
        with pytest.raises(Forbidden):
            proxy.send_urge({"target_kind": "case", "target_id": nrp, "message": "请尽快办理"})
    with rpc(config, make_token("dept_admin", department="DRC")) as proxy:
        proxy.send_urge({"target_kind": "case", "target_id": drc, "message": "请尽快办理"})   # own department
        with pytest.raises(Forbidden):
            proxy.send_urge({"target_kind": "case", "target_id": nrp, "message": "请尽快办理"})
    with rpc(config, make_token("supervisor", region="410821")) as proxy:   # a county: not the city's case
        with pytest.raises(Forbidden):
            proxy.send_urge({"target_kind": "case", "target_id": nrp, "message": "请尽快办理"})
    with rpc(config, make_token("applicant", org="91410800MA47Q0R12X")) as proxy:
        with pytest.raises(Forbidden):
            proxy.send_urge({"target_kind": "case", "target_id": nrp, "message": "请尽快办理"})
        with pytest.raises(Forbidden):
            proxy.list_urges({"case_id": nrp})
    with rpc(config, make_token("supervisor", region="410800")) as proxy:
        with pytest.raises(ValidationFailed) as err:
            proxy.send_urge({"target_kind": "letter", "target_id": nrp, "urgency": "now", "message": ""})
        assert {e["field"]: e["message"] for e in err.value.errors}["urgency"].startswith("紧急程度须为")
        assert {"target_kind", "message"} <= {e["field"] for e in err.value.errors}
        with pytest.raises(ValidationFailed) as err:
            proxy.send_urge({"target_kind": "guidance", "target_id": "g-1", "message": "请答复"})
        assert {e["field"] for e in err.value.errors} == {"target_id", "department"}
        guidance = proxy.send_urge({"target_kind": "guidance", "target_id": str(uuid.uuid4()), "department": "NRP",
                                    "message": "请尽快答复辅导申请", "urgency": "very_urgent"})
        assert guidance["department"] == "NRP" and guidance["region"] == "410800"
        with pytest.raises(NotFound):
            proxy.send_urge({"target_kind": "case", "target_id": str(uuid.uuid4()), "message": "请尽快办理"})
        with pytest.raises(ValidationFailed):
            proxy.list_urges({})
