"""The supervision read model against a real RabbitMQ vhost and a real PostgreSQL database."""
import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from platform_kit import contracts, query_code
from platform_kit.asyncapi import PUBLISHERS
from platform_kit.bus import ReliableEventHandler
from platform_kit.calendar import DATE_FILE_ENV
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from supervision import service as supervision_service
from supervision.service import SupervisionService, handler_name

PROJECT = "2026-410800-48-01-000007"
OFFICER = {"NRP": Actor(id="officer-nrp", role="officer", department="NRP", region="410800"),
           "DRC": Actor(id="officer-drc", role="officer", department="DRC", region="410800")}
ITEMS = {"NRP": ("NRP-001", "建设用地规划许可证"), "DRC": ("DRC-001", "企业投资项目核准")}


_MOMENT = [datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)]


def event(event_type, payload, actor=Actor.SYSTEM, project_code=PROJECT):
    """An event occurring one second after the previous one (the order of the flow)."""
    envelope = new_event(event_type, source=PUBLISHERS[event_type], project_code=project_code, actor=actor,
                         payload=payload)
    _MOMENT[0] += timedelta(seconds=1)
    object.__setattr__(envelope, "occurred_at", _MOMENT[0])
    return envelope


def case_fact(event_type, case_id, department, on, region="410800", **extra):
    code, name = ITEMS[department]
    payload = {"case_id": case_id, "stage_id": extra.pop("stage_id"), "stage": "land_use_planning",
               "item_code": code, "item_name": name, "department": department, "region": region,
               "on": on, "opinion": "同意"}
    payload.update(extra)
    return event(event_type, payload, OFFICER[department])


def facts(as_of, started_on, due_on, yellow_on, limit_days, light="green", paused=False, stopped_on=None,
          used_days=0, due_estimated=False):
    """Clock facts as the stage service publishes them (platform_kit.clock_facts)."""
    return {"limit_days": limit_days, "extension_days": 0, "started_on": started_on, "due_on": due_on,
            "due_estimated": due_estimated, "yellow_on": yellow_on, "yellow_days": 2, "paused": paused,
            "stopped_on": stopped_on, "used_days": used_days, "remaining_days": max(limit_days - used_days, 0),
            "light": light, "as_of": as_of}


@pytest.fixture
def today(tmp_path, monkeypatch):
    path = tmp_path / "today"
    monkeypatch.setenv(DATE_FILE_ENV, str(path))

    def set_today(day):
        path.write_text(day.isoformat())

    set_today(date(2026, 11, 16))
    return set_today


@pytest.fixture
def supervision(container_factory, service_config, today):
    config = service_config("supervision")
    container = container_factory(SupervisionService, config)
    container.start()
    dispatch = event_dispatcher(config)

    def deliver(envelope):
        with entrypoint_waiter(container, handler_name(envelope.type), timeout=10):
            dispatch(envelope.source, envelope.type, envelope.to_wire())

    return config, container, deliver


def rpc(config, token):
    return ServiceRpcProxy("supervision", config, context_data={"authorization": token}, timeout=10)


def test_every_event_type_has_a_handler_bound_to_its_publisher(supervision):
    _, container, _ = supervision
    bound = {(e.source_service, e.event_type): e.method_name for e in container.entrypoints
             if isinstance(e, ReliableEventHandler)}
    for event_type in contracts.EVENTS:
        assert bound.get((PUBLISHERS[event_type], event_type)) == handler_name(event_type), event_type


def test_a_contract_event_added_later_is_subscribed_too(monkeypatch):
    monkeypatch.setitem(contracts.EVENTS, "alert.raised", {1: contracts.ConsultationRepliedV1})
    monkeypatch.setitem(PUBLISHERS, "alert.raised", "supervision")

    class Later(SupervisionService):
        pass

    supervision_service._subscribe_to_every_event(Later)
    (entrypoint,) = Later.on_alert_raised.nameko_entrypoints
    assert (entrypoint.source_service, entrypoint.event_type) == ("supervision", "alert.raised")


def test_out_of_order_and_duplicate_events_give_the_right_overview(supervision, make_token, today):
    config, _, deliver = supervision
    stage_id, nrp_case, drc_case = (str(uuid.uuid4()) for _ in range(3))
    # occurred in the order of the flow: the stage opened, then its cases accepted
    opened = event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-1", "stage": "land_use_planning",
        "lead_department": "NRP", "limit_days": 20, "received_on": date(2026, 10, 26), "state": "open",
        "clock": facts(date(2026, 10, 26), date(2026, 10, 26), date(2026, 11, 23), date(2026, 11, 20), 20),
        "cases": [{"case_id": nrp_case, "item_code": "NRP-001", "department": "NRP", "limit_days": 5,
                   "state": "submitted", "acceptance_due_on": date(2026, 10, 28)},
                  {"case_id": drc_case, "item_code": "DRC-001", "department": "DRC", "limit_days": 10,
                   "state": "submitted", "acceptance_due_on": date(2026, 10, 28)}]})
    accepted_nrp = case_fact("case.accepted", nrp_case, "NRP", date(2026, 10, 27), stage_id=stage_id,
                             limit_days=5, due_on=date(2026, 11, 3), state="accepted",
                             clock=facts(date(2026, 10, 27), date(2026, 10, 27), date(2026, 11, 3),
                                         date(2026, 10, 30), 5))
    accepted_drc = case_fact("case.accepted", drc_case, "DRC", date(2026, 10, 27), stage_id=stage_id,
                             limit_days=10, due_on=date(2026, 11, 10), state="accepted",
                             clock=facts(date(2026, 10, 27), date(2026, 10, 27), date(2026, 11, 10),
                                         date(2026, 11, 6), 10))
    # arrival order: the NRP case's acceptance and the DRC case's conclusion before the stage is seen opened
    deliver(accepted_nrp)
    deliver(case_fact("case.concluded", drc_case, "DRC", date(2026, 10, 29), stage_id=stage_id,
                      outcome="approved", accepted_on=date(2026, 10, 27), due_on=date(2026, 11, 10),
                      on_time=True, used_days=2, state="concluded",
                      clock=facts(date(2026, 10, 29), date(2026, 10, 27), date(2026, 11, 10), date(2026, 11, 6), 10,
                                  stopped_on=date(2026, 10, 29), used_days=2)))
    deliver(opened)
    deliver(accepted_drc)
    deliver(accepted_nrp)  # redelivered: changes nothing, adds no timeline entry
    deliver(event("licence.issued", {
        "licence_id": "lic-1", "licence_no": "410800-DRC-2026-000001", "case_id": drc_case,
        "item_code": "DRC-001", "item_name": "企业投资项目核准", "department": "DRC",
        "holder": "91410800MA47Q0R12X", "issued_on": date(2026, 10, 29), "key_id": "abc"}))
    deliver(event("project.updated", {"project_code": PROJECT, "revision": 2, "name": "焦作市体育中心改造工程",
                                      "category": "gov_building", "region": "410800",
                                      "applicant_org": "91410800MA47Q0R12X"}))
    deliver(event("project.registered", {"project_code": PROJECT, "name": "焦作市体育中心改造项目",
                                         "category": "gov_building", "region": "410800",
                                         "applicant_org": "91410800MA47Q0R12X"}))

    with rpc(config, make_token("supervisor")) as proxy:
        overview = proxy.get_project_overview(PROJECT)
    assert overview["project"]["name"] == "焦作市体育中心改造工程"  # revision 2 wins though it came first
    (stage,) = overview["stages"]
    assert (stage["stage"], stage["stage_id"], stage["lead_department"]) == ("land_use_planning", stage_id, "NRP")
    assert stage["received_on"] == "2026-10-26" and stage["state"] == "open"
    assert stage["due_on"] == "2026-11-23" and stage["light"] == "green"   # as the stage service counted it
    cases = {c["department"]: c for c in stage["cases"]}
    assert cases["NRP"]["state"] == "accepted" and cases["NRP"]["item_name"] == "建设用地规划许可证"
    assert cases["NRP"]["accepted_on"] == "2026-10-27" and cases["NRP"]["due_on"] == "2026-11-03"
    assert cases["NRP"]["light"] == "red"  # open and past its deadline
    drc = cases["DRC"]
    assert drc["state"] == "concluded"  # the late acceptance did not move it back
    # concluded in time: it keeps the light it closed with
    assert (drc["concluded_on"], drc["on_time"], drc["used_days"], drc["light"]) == ("2026-10-29", True, 2, "green")
    assert drc["licence_no"] == "410800-DRC-2026-000001"
    assert len(overview["timeline"]) == 7
    assert [e["type"] for e in overview["timeline"]].count("case.accepted") == 2
    assert all(e["summary"] for e in overview["timeline"])

    deliver(event("stage.concluded", {
        "stage_id": stage_id, "stage": "land_use_planning", "declaration_id": "decl-1",
        "received_on": date(2026, 10, 26), "concluded_on": date(2026, 11, 20), "due_on": date(2026, 11, 23),
        "on_time": True, "state": "concluded",
        "clock": facts(date(2026, 11, 20), date(2026, 10, 26), date(2026, 11, 23), date(2026, 11, 20), 20,
                       light="yellow", stopped_on=date(2026, 11, 20), used_days=19)}))
    today(date(2026, 12, 1))   # long after: a stopped clock keeps its light
    with rpc(config, make_token("clerk")) as proxy:
        stage = proxy.get_project_overview(PROJECT)["stages"][0]
    assert (stage["state"], stage["concluded_on"], stage["on_time"], stage["light"]) == \
        ("concluded", "2026-11-20", True, "yellow")

    with rpc(config, make_token("operator")) as proxy:
        open_nrp = proxy.list_clocks({"department": "NRP", "state": "open"})
        closed = proxy.list_clocks({"state": "closed"})
        red = proxy.list_clocks({"light": "red", "kind": "case"})
        everything = proxy.list_clocks()
        second = proxy.list_clocks({"limit": 1, "offset": 1})
    assert [(c["kind"], c["case_id"], c["light"]) for c in open_nrp["items"]] == [("case", nrp_case, "red")]
    assert {(c["kind"], c["case_id"]) for c in closed["items"]} == {("case", drc_case), ("stage", None)}
    assert [c["case_id"] for c in red["items"]] == [nrp_case] and red["total"] == 1
    assert everything["total"] == 3 and len(everything["items"]) == 3 and everything["limit"] == 50
    assert [c["light"] for c in everything["items"]] == ["red", "yellow", "green"]  # the most urgent first
    assert second["total"] == 3 and second["items"] == everything["items"][1:2]
    assert (second["limit"], second["offset"]) == (1, 1)

    # a lead department sees its stages' clocks with all their cases (any department); a department
    # filter only narrows that
    with rpc(config, make_token("officer", department="NRP")) as proxy:
        own = proxy.list_clocks()
        asked_for_another = proxy.list_clocks({"department": "DRC"})
    assert {(c["kind"], c["case_id"]) for c in own["items"]} == {("case", nrp_case), ("case", drc_case),
                                                                 ("stage", None)}
    assert [(c["kind"], c["case_id"]) for c in asked_for_another["items"]] == [("case", drc_case)]
    with rpc(config, make_token("officer", department="DRC")) as proxy:   # not the lead: its own case only
        assert [(c["kind"], c["case_id"]) for c in proxy.list_clocks()["items"]] == [("case", drc_case)]
    with rpc(config, make_token("dept_admin", department="DRC")) as proxy:
        assert [(c["kind"], c["case_id"]) for c in proxy.list_clocks()["items"]] == [("case", drc_case)]
        overview = proxy.get_project_overview(PROJECT)
    assert [[c["case_id"] for c in s["cases"]] for s in overview["stages"]] == [[drc_case]]
    assert all(e["type"] != "case.accepted" or e["summary"] for e in overview["timeline"])
    with rpc(config, make_token("officer", department="NRP", region="410821")) as proxy:
        assert proxy.list_clocks()["total"] == 0      # another county's department of the same kind
    with rpc(config, make_token("officer", department="FIRE")) as proxy:   # no part in the project
        with pytest.raises(Forbidden):
            proxy.get_project_overview(PROJECT)


def test_the_public_follows_a_project_with_its_query_code(supervision, make_token, today):
    config, _, deliver = supervision
    code = query_code.new_code()
    stage_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(event("project.registered", {"project_code": PROJECT, "name": "焦作市体育中心改造项目",
                                         "category": "gov_building", "region": "410800",
                                         "applicant_org": "91410800MA47Q0R12X", "applicant_name": "焦作市体育局",
                                         "query_code_digest": query_code.digest(PROJECT, code)}))
    deliver(event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-1", "stage": "land_use_planning",
        "lead_department": "NRP", "limit_days": 20, "received_on": date(2026, 11, 2), "state": "open",
        "clock": facts(date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 30), date(2026, 11, 26), 20),
        "cases": [{"case_id": case_id, "item_code": "NRP-001", "department": "NRP", "limit_days": 5,
                   "state": "submitted", "acceptance_due_on": date(2026, 11, 4)}]}))
    deliver(case_fact("case.accepted", case_id, "NRP", date(2026, 11, 3), stage_id=stage_id, limit_days=5,
                      due_on=date(2026, 11, 10), state="accepted",
                      clock=facts(date(2026, 11, 3), date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 6), 5)))
    with rpc(config, None) as proxy:   # no token: the codes are the credential
        progress = proxy.public_progress({"project_code": PROJECT, "query_code": code.lower()})
        with pytest.raises(NotFound) as wrong:
            proxy.public_progress({"project_code": PROJECT, "query_code": "ABCDEFGHJK"})
        with pytest.raises(NotFound) as unknown:
            proxy.public_progress({"project_code": "2026-410800-48-01-999999", "query_code": code})
        with pytest.raises(ValidationFailed):
            proxy.public_progress({"project_code": "P1", "query_code": code})
    assert str(wrong.value) == str(unknown.value) == "未找到该项目，或查询码不正确"
    assert (progress["name"], progress["category"], progress["registered_on"]) == (
        "焦作市体育中心改造项目", "gov_building", "2026-11-02")
    [stage] = progress["stages"]
    assert (stage["stage"], stage["lead_department"], stage["state"], stage["started_on"], stage["due_on"],
            stage["light"]) == ("land_use_planning", "NRP", "open", "2026-11-02", "2026-11-30", "green")
    [case] = stage["cases"]
    assert (case["item_name"], case["department"], case["state"], case["started_on"], case["due_on"],
            case["light"]) == ("建设用地规划许可证", "NRP", "accepted", "2026-11-03", "2026-11-10", "red")
    text = json.dumps(progress, ensure_ascii=False)
    assert "91410800MA47Q0R12X" not in text and "焦作市体育局" not in text and "officer" not in text

    # the window issues a new code: the old one no longer answers
    new = query_code.new_code()
    deliver(event("project.query_code_issued", {"project_code": PROJECT, "issued_by": "clerk-1",
                                                "issued_on": date(2026, 11, 16),
                                                "query_code_digest": query_code.digest(PROJECT, new)}))
    with rpc(config, None) as proxy:
        assert proxy.public_progress({"project_code": PROJECT, "query_code": new})["project_code"] == PROJECT
        with pytest.raises(NotFound):
            proxy.public_progress({"project_code": PROJECT, "query_code": code})


def test_access_and_bad_input(supervision, make_token):
    config, _, deliver = supervision
    deliver(event("consultation.opened", {"consultation_id": "c-1", "asked_by": "NRP", "asked_of": ["FIRE"],
                                          "question": "消防通道？", "due_on": date(2026, 11, 30)}))
    with rpc(config, make_token("supervisor")) as proxy:
        overview = proxy.get_project_overview(PROJECT)
        assert overview["stages"] == [] and overview["timeline"][0]["summary"] == "NRP 向 FIRE 发起征询，2026-11-30 前答复"
        with pytest.raises(NotFound):
            proxy.get_project_overview("2026-410800-48-01-999999")
        with pytest.raises(ValidationFailed) as err:
            proxy.list_clocks({"state": "late", "limit": 0, "colour": "red"})
        assert {"state", "limit", "colour"} <= {e["field"] for e in err.value.errors}
        with pytest.raises(ValidationFailed) as err:
            proxy.list_clocks({"limit": 201, "offset": -1})
        assert {e["field"]: e["message"] for e in err.value.errors} == {"limit": "每页条数须为 1 至 200",
                                                                          "offset": "起始位置不能为负数"}
    with rpc(config, make_token("applicant", org="91410800MA47Q0R12X")) as proxy:
        with pytest.raises(Forbidden):
            proxy.get_project_overview(PROJECT)
        with pytest.raises(Forbidden):
            proxy.list_clocks({})
    with rpc(config, make_token("clerk")) as proxy:
        with pytest.raises(Forbidden):
            proxy.list_clocks({})
    with rpc(config, None) as proxy:
        with pytest.raises(Unauthenticated):
            proxy.list_clocks({})


def test_a_supplement_pauses_the_case_and_its_stage(supervision, make_token):
    config, _, deliver = supervision
    stage_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    stage_facts = facts(date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 23), date(2026, 11, 20), 15)
    deliver(event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-2", "stage": "land_use_planning", "lead_department": "NRP",
        "limit_days": 15, "received_on": date(2026, 11, 2), "state": "open", "clock": stage_facts,
        "cases": [{"case_id": case_id, "item_code": "NRP-001", "department": "NRP", "limit_days": 10,
                   "state": "submitted", "acceptance_due_on": date(2026, 11, 4)}]}))
    deliver(case_fact("case.accepted", case_id, "NRP", date(2026, 11, 3), stage_id=stage_id, limit_days=10,
                      due_on=date(2026, 11, 17), state="accepted",
                      clock=facts(date(2026, 11, 3), date(2026, 11, 3), date(2026, 11, 17), date(2026, 11, 13), 10)))
    deliver(case_fact("case.supplement_requested", case_id, "NRP", date(2026, 11, 4), stage_id=stage_id,
                      accepted_on=date(2026, 11, 3), used_days=1, opinion="缺少宗地界址图", state="supplementing",
                      clock=facts(date(2026, 11, 4), date(2026, 11, 3), None, None, 10, paused=True, used_days=1)))
    # 000 §12: the stage clock pauses too, as the stage service says
    deliver(event("stage.paused", {"stage_id": stage_id, "stage": "land_use_planning", "on": date(2026, 11, 4),
                                   "used_days": 2, "state": "open",
                                   "clock": dict(stage_facts, as_of=date(2026, 11, 4), due_on=None, yellow_on=None,
                                                 paused=True, used_days=2, remaining_days=13)}))

    def overview():
        with rpc(config, make_token("supervisor")) as proxy:
            return proxy.get_project_overview(PROJECT)["stages"][0]

    stage = overview()
    (case,) = stage["cases"]
    # paused: the light it had when it paused, not red though its old deadline passed
    assert (case["state"], case["paused_on"], case["paused"], case["light"]) == \
        ("supplementing", "2026-11-04", True, "green")
    assert case["acceptance_due_on"] == "2026-11-04" and case["due_on"] is None
    assert (stage["paused"], stage["light"], stage["limit_days"], stage["due_on"]) == (True, "green", 15, None)
    with rpc(config, make_token("operator")) as proxy:
        (listed,) = proxy.list_clocks({"kind": "stage", "project_code": PROJECT})["items"]
        (listed_case,) = proxy.list_clocks({"kind": "case", "state": "open", "department": "NRP"})["items"]
    assert (listed["stage_id"], listed["paused"], listed["light"], listed["clock"]) == (stage_id, True, "green", "open")
    assert (listed_case["case_id"], listed_case["paused"], listed_case["started_on"]) == (case_id, True, "2026-11-03")

    deliver(case_fact("case.supplement_accepted", case_id, "NRP", date(2026, 11, 9), stage_id=stage_id,
                      accepted_on=date(2026, 11, 3), due_on=date(2026, 11, 20), used_days=1, state="accepted",
                      clock=facts(date(2026, 11, 9), date(2026, 11, 3), date(2026, 11, 20), date(2026, 11, 18), 10,
                                  used_days=1)))
    deliver(event("stage.resumed", {"stage_id": stage_id, "stage": "land_use_planning", "on": date(2026, 11, 9),
                                    "used_days": 2, "due_on": date(2026, 11, 26), "state": "open",
                                    "clock": dict(stage_facts, as_of=date(2026, 11, 9), due_on=date(2026, 11, 26),
                                                  yellow_on=date(2026, 11, 24), used_days=2)}))
    stage = overview()
    (case,) = stage["cases"]
    assert (case["state"], case["paused_on"], case["due_on"], case["light"]) == ("accepted", None, "2026-11-20", "green")
    assert (stage["paused"], stage["due_on"]) == (False, "2026-11-26")
    with rpc(config, make_token("supervisor")) as proxy:
        timeline = proxy.get_project_overview(PROJECT)["timeline"]
    assert "出具补正通知" in timeline[2]["summary"] and "继续计时" in timeline[4]["summary"]


def test_list_clocks_pages_and_filters_in_the_database(supervision, make_token, today):
    """Today 2026-11-16. Cases: overdue (red), due soon (yellow), in time (green), paused while yellow,
    concluded late (red, frozen), published before facts (no light), one in another region."""
    config, _, deliver = supervision
    stage_id = str(uuid.uuid4())
    ids = {name: str(uuid.uuid4()) for name in ("red", "yellow", "green", "paused", "late", "legacy", "elsewhere")}
    running = {"red": (date(2026, 11, 13), date(2026, 11, 11)), "yellow": (date(2026, 11, 17), date(2026, 11, 13)),
               "green": (date(2026, 11, 30), date(2026, 11, 26)), "elsewhere": (date(2026, 11, 12), date(2026, 11, 10))}
    deliver(event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-3", "stage": "land_use_planning", "lead_department": "NRP",
        "limit_days": 20, "received_on": date(2026, 11, 2), "state": "open",
        "clock": facts(date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 30), date(2026, 11, 26), 20),
        "cases": [{"case_id": case_id, "item_code": "NRP-001", "department": "NRP", "limit_days": 10,
                   "state": "submitted"} for name, case_id in ids.items() if name != "legacy"]}))
    for name, (due_on, yellow_on) in running.items():
        deliver(case_fact("case.accepted", ids[name], "NRP" if name != "green" else "DRC", date(2026, 11, 3),
                          region="410100" if name == "elsewhere" else "410800", stage_id=stage_id,
                          limit_days=10, due_on=due_on, state="accepted",
                          clock=facts(date(2026, 11, 3), date(2026, 11, 3), due_on, yellow_on, 10)))
    deliver(case_fact("case.supplement_requested", ids["paused"], "NRP", date(2026, 11, 12), stage_id=stage_id,
                      used_days=7, state="supplementing",
                      clock=facts(date(2026, 11, 12), date(2026, 11, 3), None, None, 10, light="yellow",
                                  paused=True, used_days=7)))
    deliver(case_fact("case.concluded", ids["late"], "NRP", date(2026, 11, 6), stage_id=stage_id,
                      outcome="approved", accepted_on=date(2026, 10, 20), due_on=date(2026, 11, 3), on_time=False,
                      used_days=13, state="concluded",
                      clock=facts(date(2026, 11, 6), date(2026, 10, 20), date(2026, 11, 3), date(2026, 10, 30), 10,
                                  light="red", stopped_on=date(2026, 11, 6), used_days=13)))
    deliver(case_fact("case.accepted", ids["legacy"], "NRP", date(2026, 11, 3), stage_id=stage_id, limit_days=10,
                      due_on=date(2026, 11, 13)))   # published before clocks carried facts

    def listed(token=None, **filters):   # the operator watches every region
        with rpc(config, token or make_token("operator")) as proxy:
            return proxy.list_clocks(filters)

    everything = listed()
    order = [(c["kind"], c["case_id"]) for c in everything["items"]]
    assert everything["total"] == 8 and (everything["limit"], everything["offset"]) == (50, 0)
    names = {v: k for k, v in ids.items()}
    # red first (earliest deadline first; the stage before its cases on a tie), then yellow, green, no light
    assert [names.get(case_id, kind) for kind, case_id in order] == \
        ["late", "elsewhere", "red", "yellow", "paused", "stage", "green", "legacy"]
    assert [c["light"] for c in everything["items"]] == ["red"] * 3 + ["yellow"] * 2 + ["green"] * 2 + [None]
    pages = [listed(limit=3, offset=offset) for offset in (0, 3, 6)]
    assert [p["total"] for p in pages] == [8, 8, 8] and [len(p["items"]) for p in pages] == [3, 3, 2]
    assert [c for p in pages for c in p["items"]] == everything["items"]

    red = listed(light="red")
    assert red["total"] == 3 and {c["case_id"] for c in red["items"]} == {ids["red"], ids["late"], ids["elsewhere"]}
    yellow = listed(light="yellow", kind="case")
    assert [c["case_id"] for c in yellow["items"]] == [ids["yellow"], ids["paused"]]
    assert listed(light="green", department="DRC")["items"][0]["case_id"] == ids["green"]
    assert {c["case_id"] for c in listed(region="410100", kind="case")["items"]} == {ids["elsewhere"]}
    # a supervisor watches their own region: the case elsewhere is not theirs, its stage is in both
    assert {c["case_id"] for c in listed(make_token("supervisor", region="410800"))["items"]} == \
        {None} | {case_id for name, case_id in ids.items() if name != "elsewhere"}
    assert {c["case_id"] for c in listed(make_token("supervisor", region="410100"))["items"]} == \
        {None, ids["elsewhere"]}
    assert listed(light="red", state="open")["total"] == 2   # the concluded one is closed
    assert listed(kind="stage")["items"][0]["light"] == "green"

    # the light moves with today, from the same stored facts
    today(date(2026, 12, 1))
    assert listed(light="red", kind="case")["total"] == 5   # + yellow and green ones now overdue
    assert listed(light="yellow")["total"] == 1              # the paused one keeps its light
    assert listed(kind="stage")["items"][0]["light"] == "red"
