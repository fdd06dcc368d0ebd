"""A supplement registered by the window (intake's ``supplement.submitted``, 002 §8) is recorded on its
case once, however often it is delivered. Real RabbitMQ and PostgreSQL."""
import uuid

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from stage.service import StageService

ORG = "91410800MA47Q0R12X"
APPLICANT = Actor(id="applicant-1", role="applicant")


@pytest.fixture
def stage(container_factory, service_config):
    config = service_config("stage", SWEEP_SECONDS=3600)
    container = container_factory(StageService, config)
    container.start()
    return container, config


def deliver(container, config, handler, envelope):
    with entrypoint_waiter(container, handler, timeout=15):
        event_dispatcher(config)("intake", envelope.type, envelope.to_wire())


def supplement(project, case_id, note="按通知补齐"):
    return new_event("supplement.submitted", source="intake", project_code=project, actor=APPLICANT, payload={
        "case_id": case_id, "declaration_id": None, "stage": "land_use_planning", "submitted_on": today_in_shanghai(),
        "note": note, "document_no": "410800登〔2026〕000002号",
        "materials": [{"material_id": "m-1", "version": 2, "name": "宗地界址图", "sha256": "ab" * 32}]})


def decisions(config, action):
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as conn:
        value = conn.execute(text("SELECT count(*) FROM case_decisions WHERE action = :a"), {"a": action}).scalar()
    engine.dispose()
    return value


def test_receipt_recorded_once_and_shown_until_the_next_request(stage, make_token):
    container, config = stage
    project = f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}"
    deliver(container, config, "on_declaration_submitted", new_event(
        "declaration.submitted", source="intake", project_code=project, actor=APPLICANT, payload={
            "declaration_id": str(uuid.uuid4()), "stage": "land_use_planning", "category": "gov_building",
            "catalog_version": 1, "region": "410800", "applicant_org": ORG, "project_name": "焦作市体育中心改造项目",
            "lead_department": "NRP", "stage_limit_days": 20, "submitted_on": today_in_shanghai(), "form": {},
            "materials": [], "items": [{"item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP",
                                        "region": "410800", "limit_days": 10}]}))
    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=["accept"])
    with ServiceRpcProxy("stage", config, context_data={"authorization": nrp}, timeout=15) as proxy:
        case_id = proxy.list_cases({"project_code": project})["items"][0]["case_id"]
        proxy.act_on_case(case_id, {"action": "request_supplement", "opinion": "宗地界址图：缺少坐标"})
        envelope = supplement(project, case_id)
        deliver(container, config, "on_supplement_submitted", envelope)
        deliver(container, config, "on_supplement_submitted", envelope)     # redelivered
        deliver(container, config, "on_supplement_submitted", supplement("2026-410800-48-01-999999", case_id))
        deliver(container, config, "on_supplement_submitted", supplement(project, "no-such-case"))
        assert decisions(config, "supplement_received") == 1
        case = proxy.get_case(case_id)
        assert case["supplement_received"]["received_on"] == today_in_shanghai().isoformat()
        assert case["supplement_received"]["materials"] == [
            {"material_id": "m-1", "version": 2, "name": "宗地界址图", "sha256": "ab" * 32}]
        assert case["supplement_received"]["document_no"] == "410800登〔2026〕000002号"
        assert case["history"][-1]["action"] == "supplement_received" and case["history"][-1]["who"] == "applicant-1"
        assert [f["action"] for f in case["feedback"]] == ["request_supplement"]   # not a department opinion
        listed = proxy.list_cases({"project_code": project})["items"][0]
        assert listed["supplement_received"]["note"] == "按通知补齐"
        assert proxy.act_on_case(case_id, {"action": "accept_supplement", "opinion": "补正齐全"})["state"] == "accepted"
        # 002 §7(二): one notice per case; NRP leads the stage and records why a second one is needed
        again = proxy.act_on_case(case_id, {"action": "request_supplement", "opinion": "另缺附图",
                                            "second_supplement_reason": "补正的界址图引出附图要求"})
        assert again["supplement_received"] is None
