"""The accountability list (002 §34) from real events delivered through the broker: a seeded month
with one planted failure of each kind gives exactly one record per failure, with its ground and
evidence; redeliveries record nothing twice; decisions are appended and a dismissal needs a reason."""
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter

from platform_kit.asyncapi import PUBLISHERS
from platform_kit.calendar import DATE_FILE_ENV
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from supervision.service import SupervisionService, handler_name

PROJECT = "2026-410800-48-01-000031"
NRP = Actor(id="officer-nrp", role="officer", department="NRP", region="410800")
HCD = Actor(id="officer-hcd", role="officer", department="HCD", region="410800")
_MOMENT = [datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)]


def event(event_type, payload, actor=Actor.SYSTEM, project_code=PROJECT):
    envelope = new_event(event_type, source=PUBLISHERS[event_type], project_code=project_code, actor=actor,
                         payload=payload)
    _MOMENT[0] += timedelta(seconds=1)
    object.__setattr__(envelope, "occurred_at", _MOMENT[0])
    return envelope


def case_fact(event_type, case_id, stage_id, on, department="NRP", **extra):
    payload = {"case_id": case_id, "stage_id": stage_id, "stage": "land_use_planning", "item_code": f"{department}-001",
               "item_name": "建设用地规划许可证" if department == "NRP" else "施工图审查", "department": department,
               "region": "410800", "on": on, "opinion": ""}
    payload.update(extra)
    return event(event_type, payload, NRP if department == "NRP" else HCD)


@pytest.fixture
def supervision(container_factory, service_config, tmp_path, monkeypatch):
    path = tmp_path / "today"
    path.write_text("2026-11-30")
    monkeypatch.setenv(DATE_FILE_ENV, str(path))
    config = service_config("supervision")
    container = container_factory(SupervisionService, config)
    container.start()
    dispatch = event_dispatcher(config)

    def deliver(envelope):
        with entrypoint_waiter(container, handler_name(envelope.type), timeout=10):
            dispatch(envelope.source, envelope.type, envelope.to_wire())

    return config, deliver


def rpc(config, token):
    return ServiceRpcProxy("supervision", config, context_data={"authorization": token}, timeout=10)


def seeded_month(deliver):
    """November 2026: a normal flow with one lapse, one silent consultation and one second
    supplement notice planted in it; returns the planted events."""
    stage_id, lapsing, supplemented, fine = (str(uuid.uuid4()) for _ in range(4))
    consultation, answered = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(event("project.registered", {"project_code": PROJECT, "name": "焦作市图书馆", "category": "gov_building",
                                         "region": "410800", "applicant_org": "91410800MA47Q0R12X"}))
    deliver(event("stage.opened", {
        "stage_id": stage_id, "declaration_id": "decl-1", "stage": "land_use_planning", "lead_department": "NRP",
        "limit_days": 20, "received_on": date(2026, 11, 2), "state": "open",
        "cases": [{"case_id": c, "item_code": "NRP-001", "department": "NRP", "limit_days": 5}
                  for c in (lapsing, supplemented, fine)]}))
    for case_id in (lapsing, supplemented, fine):
        deliver(case_fact("case.accepted", case_id, stage_id, date(2026, 11, 3), limit_days=5,
                          due_on=date(2026, 11, 10), state="accepted"))
    # a first supplement notice: the flow (no record)
    first = case_fact("case.supplement_requested", supplemented, stage_id, date(2026, 11, 4), used_days=1,
                      supplement_no=1, state="supplementing")
    deliver(first)
    deliver(case_fact("case.supplement_accepted", supplemented, stage_id, date(2026, 11, 6),
                      accepted_on=date(2026, 11, 3), used_days=1, state="accepted"))
    # planted: a second notice on the same case
    second = case_fact("case.supplement_requested", supplemented, stage_id, date(2026, 11, 9), used_days=3,
                       supplement_no=2, second_supplement_reason="申请人更换了设计单位", state="supplementing")
    deliver(second)
    # a consultation answered in time (no record) and one with a silent department (planted)
    for cid, asked_of in ((answered, ["DRC"]), (consultation, ["HCD", "DRC"])):
        deliver(event("consultation.opened", {"consultation_id": cid, "case_id": fine, "region": "410800",
                                              "asked_by": "NRP", "asked_of": asked_of, "question": "是否同意选址？",
                                              "due_on": date(2026, 11, 12)}, NRP))
    deliver(event("consultation.replied", {"consultation_id": answered, "department": "DRC", "opinion": "同意",
                                           "case_id": fine, "opinion_kind": "agree"}))
    deliver(event("consultation.replied", {"consultation_id": consultation, "department": "DRC",
                                           "opinion": "同意", "case_id": fine, "opinion_kind": "agree"}))
    silent = event("consultation.lapsed", {"consultation_id": consultation, "case_id": fine, "departments": ["HCD"],
                                           "due_on": date(2026, 11, 12), "recorded_on": date(2026, 11, 13)})
    deliver(silent)
    # planted: the opinion of one case lapsed
    lapse = case_fact("case.lapsed", lapsing, stage_id, date(2026, 11, 11), due_on=date(2026, 11, 10), used_days=6,
                      lapse_action="return_to_lead", state="accepted")
    deliver(lapse)
    deliver(case_fact("case.concluded", fine, stage_id, date(2026, 11, 16), outcome="approved",
                      accepted_on=date(2026, 11, 3), due_on=date(2026, 11, 10), on_time=False, used_days=9,
                      state="concluded"))
    return {"second": (second, first, supplemented), "silent": (silent, consultation, fine),
            "lapse": (lapse, lapsing)}


def test_a_seeded_month_gives_one_record_per_planted_failure(supervision, make_token):
    config, deliver = supervision
    planted = seeded_month(deliver)
    second, first, supplemented = planted["second"]
    silent, consultation, fine = planted["silent"]
    lapse, lapsing = planted["lapse"]
    deliver(second)      # redelivered: nothing twice
    deliver(lapse)
    with rpc(config, make_token("supervisor")) as proxy:
        listed = proxy.list_accountability({"month": "2026-11"})
        october = proxy.list_accountability({"month": "2026-10"})
        flow_only = proxy.list_accountability({"month": "2026-11", "ground": "34-2"})
        hcd = proxy.list_accountability({"department": "HCD"})
    assert october["total"] == 0
    assert listed["total"] == 3
    by_fact = {r["fact"]: r for r in listed["items"]}
    assert set(by_fact) == {"case_lapsed", "consultation_silent", "second_supplement"}

    lapsed = by_fact["case_lapsed"]
    assert (lapsed["ground"], lapsed["department"], lapsed["case_id"], lapsed["occurred_on"]) == \
        ("34-5", "NRP", lapsing, "2026-11-11")
    assert lapsed["evidence"]["event_ids"] == [lapse.event_id] and lapsed["evidence"]["due_on"] == "2026-11-10"
    assert "第（五）项" in lapsed["ground_text"] and lapsed["state"] == "open" and lapsed["decisions"] == []

    quiet = by_fact["consultation_silent"]
    assert (quiet["ground"], quiet["department"], quiet["region"], quiet["occurred_on"]) == \
        ("34-3", "HCD", "410800", "2026-11-13")
    assert quiet["evidence"]["consultation_id"] == consultation and quiet["evidence"]["due_on"] == "2026-11-12"
    assert quiet["evidence"]["event_ids"][0] == silent.event_id and len(quiet["evidence"]["event_ids"]) == 2

    again = by_fact["second_supplement"]
    assert (again["ground"], again["department"], again["case_id"], again["occurred_on"]) == \
        ("34-2", "NRP", supplemented, "2026-11-09")
    assert again["evidence"]["event_ids"] == [second.event_id, first.event_id]
    assert again["evidence"]["second_supplement_reason"] == "申请人更换了设计单位"
    assert [r["fact"] for r in flow_only["items"]] == ["second_supplement"]
    assert [r["fact"] for r in hcd["items"]] == ["consultation_silent"]

    # a county's supervisor sees none of the city's records; officers and applicants none at all
    with rpc(config, make_token("supervisor", region="410821")) as proxy:
        assert proxy.list_accountability({})["total"] == 0
        with pytest.raises(NotFound):
            proxy.decide_accountability(lapsed["record_id"], {"decision": "confirm"})
    for role in ("officer", "applicant"):
        with rpc(config, make_token(role, department="NRP" if role == "officer" else None)) as proxy:
            with pytest.raises(Forbidden):
                proxy.list_accountability({})

    # decisions: a dismissal and a referral need a reason; every decision is kept, nothing deleted
    with rpc(config, make_token("supervisor", sub="supervisor-city")) as proxy:
        with pytest.raises(ValidationFailed) as no_reason:
            proxy.decide_accountability(again["record_id"], {"decision": "dismiss"})
        assert no_reason.value.errors[0]["field"] == "reason"
        with pytest.raises(ValidationFailed) as no_whom:
            proxy.decide_accountability(quiet["record_id"], {"decision": "refer", "reason": "涉嫌违纪"})
        assert no_whom.value.errors[0]["field"] == "referred_to"
        dismissed = proxy.decide_accountability(again["record_id"], {
            "decision": "dismiss", "reason": "牵头部门已说明正当理由（更换设计单位）"})
        referred = proxy.decide_accountability(quiet["record_id"], {
            "decision": "refer", "reason": "多次未答复", "referred_to": "市纪委监委第三监督检查室"})
        confirmed = proxy.decide_accountability(lapsed["record_id"], {"decision": "confirm"})
        with pytest.raises(Conflict):
            proxy.decide_accountability(lapsed["record_id"], {"decision": "dismiss", "reason": "改变主意"})
        open_left = proxy.list_accountability({"state": "open"})
        everything = proxy.list_accountability({"month": "2026-11"})
    assert dismissed["state"] == "dismissed" and dismissed["decisions"][0]["reason"].startswith("牵头部门")
    assert dismissed["decisions"][0]["decided_by"] == "supervisor-city"
    assert referred["state"] == "referred" and referred["decisions"][0]["referred_to"] == "市纪委监委第三监督检查室"
    assert confirmed["state"] == "confirmed" and len(confirmed["decisions"]) == 1
    assert open_left["total"] == 0 and everything["total"] == 3


def test_silence_at_a_joint_review_is_recorded_against_the_department(supervision, make_token):
    config, deliver = supervision
    review, stage_id = str(uuid.uuid4()), str(uuid.uuid4())
    convened = event("joint_review.convened", {
        "joint_review_id": review, "kind": "design_scheme", "stage_id": stage_id, "stage": "land_use_planning",
        "region": "410821", "convened_by": "NRP", "invitees": ["HCD", "DRC"], "subject": "方案联审",
        "meeting_on": date(2026, 11, 20), "online": True, "opened_on": date(2026, 11, 16),
        "due_on": date(2026, 11, 20)}, NRP, project_code="2026-410821-48-01-000001")
    deliver(convened)
    silent = event("joint_review.no_answer", {
        "joint_review_id": review, "kind": "design_scheme", "stage_id": stage_id, "convened_by": "NRP",
        "department": "HCD", "due_on": date(2026, 11, 20), "recorded_on": date(2026, 11, 23)},
        project_code="2026-410821-48-01-000001")
    deliver(silent)
    with rpc(config, make_token("supervisor", region="410821")) as proxy:   # the county's own supervisor
        (record,) = proxy.list_accountability({"month": "2026-11"})["items"]
    assert (record["ground"], record["fact"], record["department"], record["region"]) == \
        ("34-3", "joint_review_silent", "HCD", "410821")
    assert record["evidence"]["event_ids"] == [silent.event_id, convened.event_id]
    with rpc(config, make_token("supervisor", region="410822")) as proxy:   # a neighbouring county
        assert proxy.list_accountability({})["total"] == 0
    with rpc(config, make_token("supervisor", region="410821")) as proxy:
        inbox = proxy.list_inbox({"kind": "accountability"})
    assert inbox["total"] == 1 and "HCD" in inbox["items"][0]["title"]
