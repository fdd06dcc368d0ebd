"""Department feedback on a case (000 §13, 004 §15): every opinion fed back, with department, person,
date, time and content, read from the recorded decisions. Real RabbitMQ and PostgreSQL."""
import uuid
from datetime import date

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from stage.domain.case import SYSTEM_RECORDED, feedback
from stage.service import StageService

ORG = "91410800MA47Q0R12X"
ALL_STEPS = ["accept", "review", "approve", "conclude"]


@pytest.fixture
def stage(container_factory, service_config):
    config = service_config("stage", SWEEP_SECONDS=3600)
    container = container_factory(StageService, config)
    container.start()
    return container, config


def open_stage(container, config):
    project = f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}"
    event = new_event("declaration.submitted", source="intake", project_code=project,
                      actor=Actor(id="applicant-1", role="applicant"), payload={
                          "declaration_id": str(uuid.uuid4()), "stage": "land_use_planning",
                          "category": "gov_building", "catalog_version": 1, "region": "410800",
                          "applicant_org": ORG, "project_name": "焦作市体育中心改造项目",
                          "lead_department": "NRP", "stage_limit_days": 20, "submitted_on": today_in_shanghai(),
                          "form": {}, "materials": [], "items": [
                              {"item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP",
                               "region": "410800", "limit_days": 10},
                              {"item_code": "DRC-001", "item_name": "企业投资项目核准", "department": "DRC",
                               "region": "410800", "limit_days": 5}]})
    with entrypoint_waiter(container, "on_declaration_submitted", timeout=15):
        event_dispatcher(config)("intake", "declaration.submitted", event.to_wire())
    return project


def rpc(config, token):
    return ServiceRpcProxy("stage", config, context_data={"authorization": token}, timeout=15)


def test_every_department_opinion_is_fed_back_with_who_when_and_what(stage, make_token):
    container, config = stage
    project = open_stage(container, config)
    nrp = make_token("officer", sub="nrp-1", name="规划局 张伟", department="NRP", steps=ALL_STEPS)
    drc = make_token("officer", sub="drc-1", name="发改委 刘洋", department="DRC", steps=ALL_STEPS)
    today = today_in_shanghai().isoformat()
    with rpc(config, nrp) as proxy:
        case_id = proxy.list_cases({"project_code": project})["items"][0]["case_id"]
        for action, opinion in [("accept", "材料齐全，予以受理"), ("request_supplement", "宗地界址图：缺少坐标"),
                                ("accept_supplement", "补正齐全"), ("review", "审核通过"),
                                ("approve", "同意核发"), ("conclude", "")]:
            proxy.act_on_case(case_id, {"action": action, "opinion": opinion})
        case = proxy.get_case(case_id)
    assert [f["action"] for f in case["feedback"]] == ["accept", "request_supplement", "accept_supplement",
                                                       "approve", "conclude"]   # review stays inside the department
    first = case["feedback"][0]
    assert (first["label"], first["department"], first["person"], first["person_id"], first["on"], first["content"]) \
        == ("受理", "NRP", "规划局 张伟", "nrp-1", today, "材料齐全，予以受理")
    assert first["at"] and first["at"].startswith(today[:4])
    assert case["feedback"][1]["content"] == "宗地界址图：缺少坐标"
    assert len(case["history"]) > len(case["feedback"])

    with rpc(config, drc) as proxy:
        drc_case = [c for c in proxy.list_cases({"project_code": project})["items"]][0]
        assert drc_case["feedback"] == []
        proxy.act_on_case(drc_case["case_id"], {"action": "accept", "opinion": ""})
        proxy.act_on_case(drc_case["case_id"], {"action": "review", "opinion": ""})
        proxy.act_on_case(drc_case["case_id"], {"action": "disapprove", "opinion": "不符合产业政策"})
    with rpc(config, make_token("applicant", org=ORG)) as proxy:   # the applicant reads the same feedback
        items = {c["item_code"]: c for c in proxy.list_cases({"project_code": project})["items"]}
    assert [(f["label"], f["department"], f["person"], f["content"]) for f in items["DRC-001"]["feedback"]] == [
        ("受理", "DRC", "发改委 刘洋", ""), ("不予许可", "DRC", "发改委 刘洋", "不符合产业政策")]
    assert len(items["NRP-001"]["feedback"]) == 5


def test_feedback_from_recorded_decisions():
    decisions = [
        {"action": "deemed_accept", "on": date(2026, 11, 2), "at": "2026-11-05T01:00:00+00:00", "who": "system",
         "role": "system", "name": "", "department": None, "opinion": "视为受理", "reason": "", "special": False},
        {"action": "review", "on": date(2026, 11, 6), "at": None, "who": "o-1", "role": "officer", "name": "甲",
         "department": "NRP", "opinion": "", "reason": "", "special": False},
        {"action": "review", "on": date(2026, 11, 7), "at": None, "who": "o-2", "role": "officer", "name": "乙",
         "department": "NRP", "opinion": "系统故障", "reason": "审核人长期外出", "special": True},
        {"action": "no_opinion", "on": date(2026, 11, 20), "at": None, "who": "system", "role": "system",
         "name": "", "department": None, "opinion": "逾期", "reason": "", "special": False},
        {"action": "extend", "on": date(2026, 11, 21), "at": None, "who": "o-3", "role": "officer", "name": "丙",
         "department": "NRP", "opinion": "", "reason": "延长", "special": False},
    ]
    entries = feedback(decisions, "NRP")
    assert [(e["label"], e["department"], e["person"]) for e in entries] == [
        ("视为受理", "NRP", SYSTEM_RECORDED), ("特殊处理：审核", "NRP", "乙"),
        ("逾期未反馈意见（视为无意见）", "NRP", SYSTEM_RECORDED)]
    assert entries[1]["special_reason"] == "审核人长期外出" and entries[0]["special_reason"] == ""
