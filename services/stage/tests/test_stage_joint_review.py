"""A concluded joint review (consult's ``joint_review.concluded``, 002 §14–§17) is recorded in the
history of each open case of its stage once, however often it is delivered. Real RabbitMQ and
PostgreSQL."""
import uuid
from datetime import timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from stage.service import StageService
from test_stage_supplement_received import APPLICANT, ORG, decisions

HCD = Actor(id="hcd-1", role="officer", department="HCD", region="410800")


@pytest.fixture
def stage(container_factory, service_config):
    config = service_config("stage", SWEEP_SECONDS=3600)
    container = container_factory(StageService, config)
    container.start()
    return container, config


def deliver(container, config, source, handler, envelope):
    with entrypoint_waiter(container, handler, timeout=15):
        event_dispatcher(config)(source, envelope.type, envelope.to_wire())


def concluded(project, stage_id, conclusion="施工图联合审查通过"):
    today = today_in_shanghai()
    return new_event("joint_review.concluded", source="consult", project_code=project, actor=HCD, payload={
        "joint_review_id": "jr-1", "kind": "construction_drawings", "stage_id": stage_id,
        "stage": "construction_permit", "convened_by": "HCD", "subject": "施工图联合审查", "meeting_on": today,
        "place": "", "online": True, "opened_on": today - timedelta(days=7), "due_on": today - timedelta(days=1),
        "minutes": "纪要", "conclusion": conclusion, "closed_by": "hcd-1", "closed_on": today,
        "failed_to_answer": ["CAD"], "answers": [
            {"department": "FIRE", "opinion_kind": "agree", "opinion": "同意", "answered_on": today, "on_time": True},
            {"department": "CAD", "opinion_kind": "no_opinion", "opinion": "逾期未反馈", "answered_on": today,
             "on_time": False}]})


def test_the_conclusion_is_recorded_once_on_each_open_case_of_the_stage(stage, make_token):
    container, config = stage
    project = f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}"
    deliver(container, config, "intake", "on_declaration_submitted", new_event(
        "declaration.submitted", source="intake", project_code=project, actor=APPLICANT, payload={
            "declaration_id": str(uuid.uuid4()), "stage": "construction_permit", "category": "gov_building",
            "catalog_version": 1, "region": "410800", "applicant_org": ORG, "project_name": "焦作市体育中心改造项目",
            "lead_department": "HCD", "stage_limit_days": 15, "submitted_on": today_in_shanghai(), "form": {},
            "materials": [], "items": [
                {"item_code": "HCD-001", "item_name": "建筑工程施工许可证核发", "department": "HCD",
                 "region": "410800", "limit_days": 10},
                {"item_code": "CAD-001", "item_name": "人防工程施工图备案", "department": "CAD",
                 "region": "410800", "limit_days": 5}]}))
    hcd = make_token("officer", sub="hcd-1", department="HCD", steps=["accept"])
    with ServiceRpcProxy("stage", config, context_data={"authorization": hcd}, timeout=15) as proxy:
        case_id = proxy.list_cases({"project_code": project})["items"][0]["case_id"]
        stage_id = proxy.get_case(case_id)["stage_id"]
        envelope = concluded(project, stage_id)
        deliver(container, config, "consult", "on_joint_review_concluded", envelope)
        deliver(container, config, "consult", "on_joint_review_concluded", envelope)           # redelivered
        deliver(container, config, "consult", "on_joint_review_concluded",
                concluded("2026-410800-48-01-999999", stage_id))                              # another project
        deliver(container, config, "consult", "on_joint_review_concluded", concluded(project, "no-such-stage"))
        assert decisions(config, "joint_review_concluded") == 2
        history = proxy.get_case(case_id)["history"]
        entry = history[-1]
        assert (entry["action"], entry["opinion"], entry["who"], entry["department"]) == \
            ("joint_review_concluded", "施工图联合审查通过", "hcd-1", "HCD")
        assert entry["details"]["failed_to_answer"] == ["CAD"] and entry["details"]["kind"] == "construction_drawings"
