"""The stage service against a real RabbitMQ vhost and a real PostgreSQL database."""
import uuid

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from platform_kit.bus import event_handler
from platform_kit.calendar import official_calendar, today_in_shanghai
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from stage.service import StageService

ORG = "91410800MA47Q0R12X"
ALL_STEPS = ["accept", "review", "approve", "conclude"]


class Listener:
    name = "stage_listener"
    seen = []

    @event_handler("stage", "stage.opened")
    def on_stage_opened(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.accepted")
    def on_case_accepted(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.approved")
    def on_case_approved(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.concluded")
    def on_case_concluded(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "stage.concluded")
    def on_stage_concluded(self, envelope):
        self.seen.append(envelope)


def declaration(project_code, submitted_on=None, items=None, declaration_id=None, stage="land_use_planning"):
    items = items or [
        {"item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP", "region": "410800",
         "limit_days": 10},
        {"item_code": "DRC-001", "item_name": "企业投资项目核准", "department": "DRC", "region": "410800",
         "limit_days": 5},
    ]
    return new_event("declaration.submitted", source="intake", project_code=project_code,
                     actor=Actor(id="applicant-1", role="applicant"), payload={
                         "declaration_id": declaration_id or str(uuid.uuid4()), "stage": stage,
                         "category": "gov_building", "catalog_version": 1, "region": "410800",
                         "applicant_org": ORG, "project_name": "焦作市第一人民医院门诊楼建设项目",
                         "lead_department": "NRP", "stage_limit_days": 20,
                         "submitted_on": submitted_on or today_in_shanghai(), "form": {"a": 1},
                         "materials": [], "items": items})


@pytest.fixture
def stage(container_factory, service_config):
    config = service_config("stage", SWEEP_SECONDS=3600)
    container = container_factory(StageService, config)
    container.start()
    return container, config


def rpc(config, token):
    return ServiceRpcProxy("stage", config, context_data={"authorization": token}, timeout=15)


def submit(container, config, event):
    with entrypoint_waiter(container, "on_declaration_submitted", timeout=15):
        dispatch = event_dispatcher(config)
        dispatch("intake", "declaration.submitted", event.to_wire())


def project_code():
    return f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}"


def test_declaration_opens_stage_once_and_cases_flow_to_conclusion(stage, container_factory, make_token):
    container, config = stage
    listener = container_factory(Listener, config)
    listener.start()
    code = project_code()
    event = declaration(code)
    submit(container, config, event)
    submit(container, config, event)                          # redelivered: same event id
    again = declaration(code, declaration_id=event.payload["declaration_id"])
    submit(container, config, again)                          # same declaration, new event id

    clerk = make_token("clerk")
    with rpc(config, clerk) as proxy:
        stages = proxy.list_stages(code)["items"]
        assert len(stages) == 1
        assert {c["department"] for c in stages[0]["cases"]} == {"NRP", "DRC"}
        assert stages[0]["state"] == "open"
        assert len(proxy.list_cases({"project_code": code})["items"]) == 2

    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=ALL_STEPS)
    drc = make_token("officer", sub="drc-1", department="DRC", steps=ALL_STEPS)
    calendar = official_calendar()
    today = today_in_shanghai()
    for token, department in ((nrp, "NRP"), (drc, "DRC")):
        with rpc(config, token) as proxy:
            mine = proxy.list_cases({"project_code": code})["items"]
            assert [c["department"] for c in mine] == [department]
            case = mine[0]
            assert case["state"] == "submitted" and case["light"] == "green"
            for action, state in (("accept", "accepted"), ("review", "reviewed"), ("approve", "approved"),
                                  ("conclude", "concluded")):
                acted = proxy.act_on_case(case["case_id"], {"action": action, "opinion": f"{action} 同意"})
                assert acted["state"] == state
                if action == "accept":
                    assert acted["accepted_on"] == today.isoformat()
                    limit = acted["limit_days"]
                    assert acted["due_on"] == calendar.add_working_days(today, limit).isoformat()
                    assert acted["remaining_days"] == limit and acted["paused"] is False
            full = proxy.get_case(case["case_id"])
            assert [h["action"] for h in full["history"]] == ["accept", "review", "approve", "conclude"]
            assert full["history"][0]["who"] == f"{department.lower()}-1"
            assert full["history"][3]["opinion"] == "conclude 同意"
            assert full["concluded_on"] == today.isoformat()

    with rpc(config, clerk) as proxy:
        assert proxy.list_stages(code)["items"][0]["state"] == "concluded"

    def kinds():
        return sorted(e.type for e in Listener.seen if e.project_code == code)
    import time
    deadline = time.time() + 10
    while time.time() < deadline and len(kinds()) < 8:
        time.sleep(0.2)
    assert kinds() == sorted(["stage.opened", "case.accepted", "case.accepted", "case.approved",
                              "case.approved", "case.concluded", "case.concluded", "stage.concluded"])
    approved = [e for e in Listener.seen if e.type == "case.approved" and e.project_code == code][0]
    assert approved.payload["applicant_org"] == ORG
    concluded = [e for e in Listener.seen if e.type == "case.concluded" and e.project_code == code][0]
    assert concluded.payload["on_time"] is True and concluded.payload["used_days"] == 0


def test_rules_forbid_and_conflict_without_writing(stage, make_token):
    container, config = stage
    code = project_code()
    submit(container, config, declaration(code))
    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=["accept"])
    drc = make_token("officer", sub="drc-1", department="DRC", steps=ALL_STEPS)
    other_region = make_token("officer", sub="nrp-9", department="NRP", region="410811", steps=ALL_STEPS)
    with rpc(config, nrp) as proxy:
        case = proxy.list_cases({"project_code": code})["items"][0]
    case_id = case["case_id"]
    with rpc(config, drc) as proxy:
        with pytest.raises(Forbidden):
            proxy.act_on_case(case_id, {"action": "accept", "opinion": ""})
        with pytest.raises(Forbidden):
            proxy.get_case(case_id)
        # a department taking part sees the whole stage, without the other cases' histories
        stages = proxy.list_stages(code)["items"]
        assert len(stages) == 1 and len(stages[0]["cases"]) == 2
        assert all("history" not in c for c in stages[0]["cases"])
    with rpc(config, other_region) as proxy:
        with pytest.raises(Forbidden):
            proxy.act_on_case(case_id, {"action": "accept", "opinion": ""})
        assert proxy.list_cases({"project_code": code})["items"] == []
        with pytest.raises(Forbidden):                      # takes no part in this region's stage
            proxy.list_stages(code)
    with rpc(config, make_token("officer", sub="fire-1", department="FIRE", steps=ALL_STEPS)) as proxy:
        with pytest.raises(Forbidden):
            proxy.list_stages(code)
    with rpc(config, nrp) as proxy:
        with pytest.raises(Forbidden):                      # not named for the review step
            proxy.act_on_case(case_id, {"action": "review", "opinion": ""})
        assert proxy.act_on_case(case_id, {"action": "accept", "opinion": "受理"})["state"] == "accepted"
        with pytest.raises(Conflict) as err:
            proxy.act_on_case(case_id, {"action": "accept", "opinion": "再次受理"})
        assert "已受理" in err.value.detail
        with pytest.raises(ValidationFailed):
            proxy.act_on_case(case_id, {"action": "explode"})
        with pytest.raises(NotFound):
            proxy.get_case("no-such-case")
        case = proxy.get_case(case_id)
        assert case["state"] == "accepted" and len(case["history"]) == 1
    with rpc(config, make_token("officer", department="NRP", steps=ALL_STEPS)) as proxy:
        with pytest.raises(Conflict):
            proxy.act_on_case(case_id, {"action": "conclude", "opinion": "办结"})
        assert len(proxy.get_case(case_id)["history"]) == 1
    with rpc(config, make_token("applicant", org=ORG)) as proxy:
        assert len(proxy.list_cases({"project_code": code})["items"]) == 2
        with pytest.raises(Forbidden):
            proxy.act_on_case(case_id, {"action": "review", "opinion": ""})
    with rpc(config, make_token("applicant", org="91410800MA00000001")) as proxy:
        assert proxy.list_cases({"project_code": code})["items"] == []
        with pytest.raises(Forbidden):
            proxy.list_stages(code)
    with rpc(config, make_token("supervisor")) as proxy:
        assert proxy.health() == {"service": "stage", "status": "ok"}
