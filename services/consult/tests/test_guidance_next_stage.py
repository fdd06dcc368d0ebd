"""003 §13 in the consult service on a real RabbitMQ vhost and a real PostgreSQL database: the next
stage's list is asked for once every case of a stage has ended in a way that lets the stage go on
(approved, not required, withdrawn, concluded as no objection), never after a disapproval, and once
only under redelivery."""
from datetime import date

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from consult.service import ConsultService
from platform_kit.contracts import Actor, new_event
from test_consult_deadline import officer, rpc

ON = date(2026, 11, 2)
GOING_ON, BLOCKED = "2026-410800-48-01-000901", "2026-410800-48-01-000902"
ITEM = {"code": "NRP-001", "name": "建设用地规划许可证", "department": "NRP", "materials": ["用地申请"]}
NEXT_ITEM = {"code": "NRP-002", "name": "建设工程规划许可证", "department": "NRP", "materials": ["设计方案"]}


@pytest.fixture
def consult(service_config, container_factory):
    config = service_config("consult", SWEEP_SECONDS=3600)
    container = container_factory(ConsultService, config)
    container.start()
    return config, container


def deliver(config, container, handler, event_type, project_code, payload, source="stage"):
    event = new_event(event_type, source=source, project_code=project_code, actor=Actor.SYSTEM, payload=payload)
    with entrypoint_waiter(container, handler, timeout=10):
        event_dispatcher(config)(source, event_type, event.to_wire())
    return event


def redeliver(config, container, handler, event):
    with entrypoint_waiter(container, handler, timeout=10):
        event_dispatcher(config)(event.source, event.type, event.to_wire())


def case_event(stage_id, case_id, **extra):
    return {"case_id": case_id, "stage_id": stage_id, "stage": "land_use_planning", "item_code": "NRP-001",
            "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800", "on": ON, **extra}


def open_stage(config, container, code, stage_id, cases):
    deliver(config, container, "on_project_registered_for_guidance", "project.registered", code, {
        "project_code": code, "name": "便民服务中心", "category": "gov_building", "region": "410800",
        "applicant_org": "91410800MA0000000X"}, source="intake")
    deliver(config, container, "on_stage_opened_for_guidance", "stage.opened", code, {
        "stage_id": stage_id, "declaration_id": f"decl-{stage_id}", "stage": "land_use_planning",
        "lead_department": "NRP", "limit_days": 20, "received_on": ON,
        "cases": [{"case_id": c, "item_code": "NRP-001", "department": "NRP", "limit_days": 20} for c in cases]})


def next_stages(config, make_token, code):
    with rpc(config, officer(make_token, "NRP")) as proxy:
        return proxy.list_next_stage_lists({"project_code": code})["items"]


def test_the_stages_last_case_ended_asks_for_the_next_stages_list(consult, make_token):
    config, container = consult
    deliver(config, container, "on_catalog_loaded_for_guidance", "catalog.loaded", None, {
        "version": 1, "loaded_by": "operator-1",
        "departments": [{"code": "NRP", "name": "自然资源和规划局", "region": "410800"}],
        "guidance_stages": [
            {"category": "gov_building", "stage": "land_use_planning", "lead_department": "NRP", "items": [ITEM]},
            {"category": "gov_building", "stage": "engineering_permit", "lead_department": "NRP",
             "items": [NEXT_ITEM]}]}, source="intake")

    # approved, not required, then withdrawn: the last end lets the stage go on
    open_stage(config, container, GOING_ON, "s-1", ["s-1-a", "s-1-b", "s-1-c"])
    deliver(config, container, "on_case_approved_for_guidance", "case.approved", GOING_ON,
            case_event("s-1", "s-1-a", applicant_org="91410800MA0000000X", project_name="便民服务中心"))
    deliver(config, container, "on_case_not_required_for_guidance", "case.not_required", GOING_ON,
            case_event("s-1", "s-1-b"))
    assert next_stages(config, make_token, GOING_ON) == []
    withdrawn = deliver(config, container, "on_case_withdrawn_for_guidance", "case.withdrawn", GOING_ON,
                        case_event("s-1", "s-1-c"))
    [asked] = next_stages(config, make_token, GOING_ON)
    assert (asked["stage"], asked["lead_department"], asked["state"]) == ("engineering_permit", "NRP", "requested")
    redeliver(config, container, "on_case_withdrawn_for_guidance", withdrawn)
    assert len(next_stages(config, make_token, GOING_ON)) == 1

    # a disapproved case: the stage cannot complete, whatever its other cases do
    open_stage(config, container, BLOCKED, "s-2", ["s-2-a", "s-2-b"])
    deliver(config, container, "on_case_disapproved_for_guidance", "case.disapproved", BLOCKED,
            case_event("s-2", "s-2-a", opinion="不符合规划条件"))
    deliver(config, container, "on_case_approved_for_guidance", "case.approved", BLOCKED,
            case_event("s-2", "s-2-b", applicant_org="91410800MA0000000X", project_name="便民服务中心"))
    assert next_stages(config, make_token, BLOCKED) == []
