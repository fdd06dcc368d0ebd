"""Supplement, return, resubmission, extension, special handling, calendar loading and the
deadline sweeper with two replicas, on a real RabbitMQ vhost and a real PostgreSQL database."""
import time
import uuid
from datetime import date, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from platform_kit.bus import event_handler
from platform_kit.calendar import official_calendar, today_in_shanghai
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from stage.service import StageService

ORG = "91410800MA47Q0R12X"
ALL_STEPS = ["accept", "review", "approve", "conclude"]
CAL = official_calendar()


class Recorder:
    name = "stage_recorder"
    seen = []

    @event_handler("stage", "case.supplement_requested")
    def on_supplement_requested(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.supplement_accepted")
    def on_supplement_accepted(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.returned")
    def on_returned(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.resubmitted")
    def on_resubmitted(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "stage.extended")
    def on_extended(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.special_handled")
    def on_special(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.lapsed")
    def on_lapsed(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.recalled")
    def on_recalled(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "case.accepted")
    def on_accepted(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "calendar.year_loaded")
    def on_year_loaded(self, envelope):
        self.seen.append(envelope)

    @event_handler("stage", "stage.clock_recomputed")
    def on_clock_recomputed(self, envelope):
        self.seen.append(envelope)


def declaration(code, submitted_on=None, limits=(10, 5)):
    return new_event("declaration.submitted", source="intake", project_code=code,
                     actor=Actor(id="applicant-1", role="applicant"), payload={
                         "declaration_id": str(uuid.uuid4()), "stage": "land_use_planning",
                         "category": "gov_building", "catalog_version": 1, "region": "410800",
                         "applicant_org": ORG, "project_name": "焦作市体育中心改造项目",
                         "lead_department": "NRP", "stage_limit_days": 20,
                         "submitted_on": submitted_on or today_in_shanghai(), "form": {}, "materials": [],
                         "items": [
                             {"item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP",
                              "region": "410800", "limit_days": limits[0]},
                             {"item_code": "DRC-001", "item_name": "企业投资项目核准", "department": "DRC",
                              "region": "410800", "limit_days": limits[1]}]})


def code():
    return f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}"


def rpc(config, token):
    return ServiceRpcProxy("stage", config, context_data={"authorization": token}, timeout=15)


def submit(container, config, event):
    with entrypoint_waiter(container, "on_declaration_submitted", timeout=15):
        event_dispatcher(config)("intake", "declaration.submitted", event.to_wire())


def events_of(project_code, kind, count, timeout=15):
    deadline = time.time() + timeout
    while True:
        found = [e for e in Recorder.seen if e.project_code == project_code and e.type == kind]
        if len(found) >= count or time.time() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture
def stage(container_factory, service_config):
    config = service_config("stage", SWEEP_SECONDS=3600)
    recorder = container_factory(Recorder, config)
    recorder.start()
    container = container_factory(StageService, config)
    container.start()
    return container, config


def my_case(config, token, project_code):
    with rpc(config, token) as proxy:
        return proxy.list_cases({"project_code": project_code})["items"][0]


def test_supplement_return_resubmit_and_their_clocks(stage, make_token):
    container, config = stage
    project = code()
    submit(container, config, declaration(project))
    today = today_in_shanghai()
    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=ALL_STEPS)
    drc = make_token("officer", sub="drc-1", department="DRC", steps=ALL_STEPS)
    nrp_case = my_case(config, nrp, project)
    drc_case = my_case(config, drc, project)
    with rpc(config, nrp) as proxy:
        proxy.act_on_case(nrp_case["case_id"], {"action": "accept", "opinion": "受理"})
        with pytest.raises(ValidationFailed):
            proxy.act_on_case(nrp_case["case_id"], {"action": "request_supplement", "opinion": ""})
        paused = proxy.act_on_case(nrp_case["case_id"], {"action": "request_supplement",
                                                         "opinion": "请补充建设项目用地预审与选址意见书"})
        assert paused["state"] == "supplementing" and paused["paused"] is True and paused["due_on"] is None
        stage_view = proxy.list_stages(project)["items"][0]
        assert stage_view["paused"] is True                          # 000 §12
        with pytest.raises(Conflict):
            proxy.act_on_case(nrp_case["case_id"], {"action": "review", "opinion": ""})
        resumed = proxy.act_on_case(nrp_case["case_id"], {"action": "accept_supplement", "opinion": "补正齐全"})
        assert resumed["state"] == "accepted" and resumed["paused"] is False
        assert resumed["accepted_on"] == today.isoformat()
        # paused and resumed today: nothing consumed, the deadline counts from the day after today
        assert resumed["due_on"] == CAL.estimating().add_working_days(today, 10).isoformat()
    with rpc(config, drc) as proxy:
        returned = proxy.act_on_case(drc_case["case_id"], {"action": "return", "opinion": "项目性质变更"})
        assert returned["state"] == "returned"
        with pytest.raises(Conflict):
            proxy.act_on_case(drc_case["case_id"], {"action": "accept", "opinion": ""})
    with rpc(config, make_token("clerk")) as proxy:
        assert proxy.list_stages(project)["items"][0]["paused"] is True
    with rpc(config, make_token("applicant", org=ORG)) as proxy:
        with pytest.raises(Conflict):
            proxy.act_on_case(nrp_case["case_id"], {"action": "resubmit", "opinion": ""})
        again = proxy.act_on_case(drc_case["case_id"], {"action": "resubmit", "opinion": "已按要求修改"})
        assert again["state"] == "submitted" and again["round"] == 2 and again["accepted_on"] is None
        stages = proxy.list_stages(project)
        assert stages["items"][0]["paused"] is False
        assert stages["overall"]["cap_days"] == 59
        history = proxy.get_case(drc_case["case_id"])["history"]
        assert [h["action"] for h in history] == ["return", "resubmit"]
        assert history[0]["opinion"] == "项目性质变更" and history[0]["department"] == "DRC"
    assert len(events_of(project, "case.supplement_requested", 1)) == 1
    assert len(events_of(project, "case.supplement_accepted", 1)) == 1
    assert events_of(project, "case.returned", 1)[0].payload["round"] == 1
    assert events_of(project, "case.resubmitted", 1)[0].payload["round"] == 2


def test_extension_only_by_the_lead_department_with_a_reason(stage, make_token):
    container, config = stage
    project = code()
    submit(container, config, declaration(project))
    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=ALL_STEPS)
    drc = make_token("officer", sub="drc-1", department="DRC", steps=ALL_STEPS)
    drc_case = my_case(config, drc, project)
    with rpc(config, drc) as proxy:
        accepted = proxy.act_on_case(drc_case["case_id"], {"action": "accept", "opinion": "受理"})
        with pytest.raises(Forbidden):                          # 002 §14: not the lead department
            proxy.extend_limit({"case_id": drc_case["case_id"], "days": 2, "reason": "补件"})
    today = today_in_shanghai()
    with rpc(config, nrp) as proxy:
        with pytest.raises(ValidationFailed):
            proxy.extend_limit({"case_id": drc_case["case_id"], "days": 2, "reason": ""})
        with pytest.raises(ValidationFailed):
            proxy.extend_limit({"days": 2, "reason": "两个目标都没给"})
        extended = proxy.extend_limit({"case_id": drc_case["case_id"], "days": 2, "reason": "因补件延长"})["case"]
        assert extended["extension_days"] == 2
        assert extended["due_on"] == CAL.estimating().add_working_days(today, 7).isoformat()
        assert accepted["due_on"] == CAL.estimating().add_working_days(today, 5).isoformat()
        stage_id = extended["stage_id"]
        whole = proxy.extend_limit({"stage_id": stage_id, "days": 3, "reason": "因退件延长"})["stage"]
        assert whole["extension_days"] == 3
        assert whole["due_on"] == CAL.estimating().add_working_days(today, 23).isoformat()
    with rpc(config, drc) as proxy:
        history = proxy.get_case(drc_case["case_id"])["history"]
        assert history[-1]["action"] == "extend" and history[-1]["reason"] == "因补件延长"
        assert history[-1]["department"] == "NRP"
    extended_events = events_of(project, "stage.extended", 2)
    assert sorted(e.payload["days"] for e in extended_events) == [2, 3]


def test_special_handling_needs_reason_and_attachment_and_is_recorded(stage, make_token):
    container, config = stage
    project = code()
    submit(container, config, declaration(project))
    accept_only = make_token("officer", sub="nrp-2", department="NRP", steps=["accept"])
    case = my_case(config, accept_only, project)
    with rpc(config, accept_only) as proxy:
        proxy.act_on_case(case["case_id"], {"action": "accept", "opinion": "受理"})
        with pytest.raises(Forbidden):
            proxy.act_on_case(case["case_id"], {"action": "review", "opinion": ""})
        with pytest.raises(ValidationFailed):
            proxy.special_handle(case["case_id"], {"action": "review", "reason": "审核人长期病假"})
        handled = proxy.special_handle(case["case_id"], {
            "action": "review", "opinion": "同意", "reason": "审核人长期病假，经分管领导批准",
            "attachment_ref": "material:approval-note-001"})
        assert handled["state"] == "reviewed"
        last = handled["history"][-1]
        assert last["special"] is True and last["reason"].startswith("审核人")
        assert last["attachment_ref"] == "material:approval-note-001"
        with pytest.raises(Conflict):                              # the state machine still applies
            proxy.special_handle(case["case_id"], {"action": "conclude", "reason": "x", "attachment_ref": "y"})
    with rpc(config, make_token("officer", department="DRC", steps=ALL_STEPS)) as proxy:
        with pytest.raises(Forbidden):
            proxy.special_handle(case["case_id"], {"action": "approve", "reason": "x", "attachment_ref": "y"})
    special = events_of(project, "case.special_handled", 1)
    assert special[0].payload["attachment_ref"] == "material:approval-note-001"


def test_calendar_year_loaded_by_operator_turns_estimates_into_deadlines(stage, make_token):
    container, config = stage
    project = code()
    today = today_in_shanghai()
    submit(container, config, declaration(project, limits=(60, 5)))
    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=ALL_STEPS)
    case = my_case(config, nrp, project)
    with rpc(config, nrp) as proxy:
        accepted = proxy.act_on_case(case["case_id"], {"action": "accept", "opinion": "受理"})
    next_year = today.year + 1
    estimate = CAL.estimating().add_working_days(today, 60)
    assert estimate.year == next_year                     # 60 working days reach into an unloaded year
    assert accepted["due_estimated"] is True and accepted["due_on"] == estimate.isoformat()
    holidays = [date(next_year, 1, 1), date(next_year, 1, 2), date(next_year, 1, 3)]
    with rpc(config, make_token("operator")) as proxy:
        with pytest.raises(ValidationFailed) as err:
            proxy.load_calendar_year({"year": next_year, "holidays": ["2027-13-01"], "working_weekends": []})
        with pytest.raises(ValidationFailed) as err:
            proxy.load_calendar_year({"year": next_year, "holidays": [d.isoformat() for d in holidays],
                                      "working_weekends": [holidays[0].isoformat()]})
        assert "同时" in " ".join(e["message"] for e in err.value.errors)
        assert next_year not in proxy.get_calendar()["loaded_years"]
        loaded = proxy.load_calendar_year({"year": next_year, "holidays": [d.isoformat() for d in holidays],
                                           "working_weekends": []})
        assert next_year in loaded["loaded_years"] and loaded["recomputed_clocks"] >= 1
    with rpc(config, make_token("officer", department="NRP")) as proxy:
        with pytest.raises(Forbidden):
            proxy.load_calendar_year({"year": next_year + 1, "holidays": [], "working_weekends": []})
        now = proxy.get_case(case["case_id"])
    expected = CAL.with_year(next_year, holidays, []).add_working_days(today, 60)
    assert now["due_estimated"] is False and now["due_on"] == expected.isoformat()
    # the platform is told: the year (every service counting working days keeps it), and the recount
    loaded_events = [e for e in Recorder.seen if e.type == "calendar.year_loaded"
                     and e.payload["year"] == next_year]
    deadline = time.time() + 15
    while not loaded_events and time.time() < deadline:
        time.sleep(0.1)
        loaded_events = [e for e in Recorder.seen if e.type == "calendar.year_loaded"
                         and e.payload["year"] == next_year]
    assert len(loaded_events) == 1 and loaded_events[0].payload["holidays"] == holidays
    assert loaded_events[0].payload["loaded_by"] == "operator-1"
    recomputed = events_of(project, "stage.clock_recomputed", 1)
    mine = [e.payload for e in recomputed if e.payload["case_id"] == case["case_id"]]
    assert len(mine) == 1 and mine[0]["year"] == next_year
    assert mine[0]["clock"]["due_on"] == expected and mine[0]["clock"]["due_estimated"] is False
    assert mine[0]["clock"]["used_days"] == now["used_days"] and mine[0]["clock"]["light"] == now["light"]


def test_two_replicas_sweep_each_lapsed_deadline_exactly_once(container_factory, service_config, make_token):
    config = service_config("stage", SWEEP_SECONDS=3600)
    recorder = container_factory(Recorder, config)
    recorder.start()
    opener = container_factory(StageService, config)
    opener.start()
    today = today_in_shanghai()
    received = today - timedelta(days=40)
    projects = [code() for _ in range(6)]
    for project in projects:
        submit(opener, config, declaration(project, submitted_on=received, limits=(3, 2)))
    # one case answered in time: its opinion is not missing
    nrp = make_token("officer", sub="nrp-1", department="NRP", steps=ALL_STEPS)
    answered = my_case(config, nrp, projects[0])
    with rpc(config, nrp) as proxy:
        proxy.act_on_case(answered["case_id"], {"action": "accept", "opinion": "受理"})
        proxy.act_on_case(answered["case_id"], {"action": "review", "opinion": "审核"})
        proxy.act_on_case(answered["case_id"], {"action": "approve", "opinion": "批准"})
    opener.stop()
    fast = dict(config, SWEEP_SECONDS=0.3, SWEEP_BATCH=2)   # small batches: both replicas claim rows
    replicas = [container_factory(StageService, fast) for _ in range(2)]
    for replica in replicas:
        replica.start()
    lapsed = []
    deadline = time.time() + 30
    while time.time() < deadline:
        lapsed = [e for p in projects for e in events_of(p, "case.lapsed", 0, timeout=0)]
        if len(lapsed) >= 11:
            break
        time.sleep(0.2)
    time.sleep(2)   # several more passes by both replicas: nothing may lapse twice
    lapsed = [e for p in projects for e in events_of(p, "case.lapsed", 0, timeout=0)]
    assert len(lapsed) == 11
    assert len({e.payload["case_id"] for e in lapsed}) == 11
    assert answered["case_id"] not in {e.payload["case_id"] for e in lapsed}
    deemed = [e for p in projects for e in events_of(p, "case.accepted", 0, timeout=0) if e.payload["deemed"]]
    # 002 §7(二): every case was accepted as of receipt; the officer's late acceptance as well
    assert len(deemed) == 12 and all(e.payload["on"] == received for e in deemed)
    assert len([e for e in deemed if e.actor.id == "system"]) == 11
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT case_id, count(*) FROM case_decisions WHERE action = 'no_opinion' "
                                   "GROUP BY case_id")).all()
        recalls = conn.execute(text("SELECT case_id, count(*) FROM case_decisions WHERE action = 'recall' "
                                    "GROUP BY case_id")).all()
    engine.dispose()
    assert len(counts) == 11 and all(n == 1 for _, n in counts)
    # 004 §14: each lapsed case recalled once, to the stage's lead department
    assert len(recalls) == 11 and all(n == 1 for _, n in recalls)
    recalled = [e for p in projects for e in events_of(p, "case.recalled", 0, timeout=0)]
    assert sorted(e.payload["case_id"] for e in recalled) == sorted(e.payload["case_id"] for e in lapsed)
    assert {e.payload["recalled_to"] for e in recalled} == {"NRP"}
    with rpc(fast, make_token("supervisor")) as proxy:
        case = proxy.get_case(lapsed[0].payload["case_id"])
    assert case["lapsed_on"] == today.isoformat() and case["accepted_on"] == received.isoformat()
    assert case["light"] == "red" and case["overdue_days"] > 0 and case["remaining_days"] == 0
    assert case["history"][-2]["opinion"].startswith("逾期未反馈意见")
    assert case["history"][-1]["action"] == "recall" and case["recalled_to"] == "NRP"


def test_department_admin_names_responsible_persons_and_changes_are_recorded(stage, make_token):
    container, config = stage
    project = code()
    submit(container, config, declaration(project))
    admin = make_token("dept_admin", sub="nrp-admin", department="NRP")
    wang = make_token("officer", sub="nrp-wang", department="NRP", steps=ALL_STEPS)
    li = make_token("officer", sub="nrp-li", department="NRP", steps=ALL_STEPS)
    case = my_case(config, wang, project)
    with rpc(config, admin) as proxy:
        with pytest.raises(ValidationFailed):
            proxy.configure_step({"item_code": "NRP-001", "step": "accept", "officer": "nrp-wang", "granted": True})
        configured = proxy.configure_step({"item_code": "NRP-001", "step": "accept", "officer": "nrp-wang",
                                           "granted": True, "reason": "科室分工调整"})
        assert configured["current"] == [{"department": "NRP", "item_code": "NRP-001", "region": "410800",
                                          "step": "accept", "officers": ["nrp-wang"]}]
    with rpc(config, li) as proxy:
        with pytest.raises(Forbidden):
            proxy.act_on_case(case["case_id"], {"action": "accept", "opinion": "受理"})
        with pytest.raises(Forbidden):
            proxy.configure_step({"item_code": "NRP-001", "step": "accept", "officer": "nrp-li", "granted": True,
                                  "reason": "自己给自己授权"})
    with rpc(config, wang) as proxy:
        assert proxy.act_on_case(case["case_id"], {"action": "accept", "opinion": "受理"})["state"] == "accepted"
    with rpc(config, admin) as proxy:
        proxy.configure_step({"item_code": "NRP-001", "step": "accept", "officer": "nrp-wang", "granted": False,
                              "reason": "调离"})
        listed = proxy.list_step_assignments({"item_code": "NRP-001"})
        assert listed["current"] == []
        assert [(h["officer"], h["granted"], h["reason"], h["changed_by"]) for h in listed["history"]] == [
            ("nrp-wang", True, "科室分工调整", "nrp-admin"), ("nrp-wang", False, "调离", "nrp-admin")]
    with rpc(config, make_token("dept_admin", sub="drc-admin", department="DRC")) as proxy:
        assert proxy.list_step_assignments({})["history"] == []     # another department's record
