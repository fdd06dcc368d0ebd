"""Joint reviews (会审) in the consult service on a real RabbitMQ vhost and a real PostgreSQL database:
the stage's lead department (from stage.opened) convenes, invitees answer, two replicas sweeping one
database record each silence once as no opinion and a failure to answer, the minutes are published.
"today" is moved with PLATFORM_DATE_FILE."""
import time
from datetime import date, timedelta

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from consult.service import ConsultService
from platform_kit.bus import event_handler
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from test_consult_deadline import catalog_loaded, clock, officer, rpc  # noqa: F401 (fixture)

TODAY = date(2026, 11, 2)              # a Monday; the stage's promised time ends Fri 2026-11-20
STAGE_DUE = date(2026, 11, 20)
PROJECT = "2026-410800-48-01-000888"
DEPARTMENTS = ("HCD", "FIRE", "CAD", "NRP", "MET")


class JointReviewRecorder:
    name = "joint_review_recorder"
    seen = []

    @event_handler("consult", "joint_review.no_answer")
    def on_no_answer(self, envelope):
        self.seen.append(envelope)

    @event_handler("consult", "joint_review.concluded")
    def on_concluded(self, envelope):
        self.seen.append(envelope)


@pytest.fixture
def config(service_config, container_factory):
    config = service_config("consult", SWEEP_SECONDS=3600)
    recorder = container_factory(JointReviewRecorder, config)
    recorder.start()
    return config


def stage_opened(config, container, stage_id="stage-3"):
    opened = new_event("stage.opened", source="stage", project_code=PROJECT, actor=Actor.SYSTEM, payload={
        "stage_id": stage_id, "declaration_id": f"decl-{stage_id}", "stage": "construction_permit",
        "lead_department": "HCD", "limit_days": 15, "received_on": TODAY,
        "cases": [{"case_id": f"{stage_id}-case-1", "item_code": "HCD-001", "department": "HCD", "limit_days": 15}],
        "clock": {"limit_days": 15, "extension_days": 0, "started_on": TODAY, "due_on": STAGE_DUE,
                  "due_estimated": False, "yellow_on": date(2026, 11, 18), "yellow_days": 2, "paused": False,
                  "stopped_on": None, "used_days": 0, "remaining_days": 15, "light": "green", "as_of": TODAY}})
    with entrypoint_waiter(container, "on_stage_opened_for_joint_review", timeout=10):
        event_dispatcher(config)("stage", "stage.opened", opened.to_wire())


def convene_body(**overrides):
    body = {"kind": "construction_drawings", "stage_id": "stage-3", "project_code": PROJECT,
            "invitees": ["FIRE", "CAD", "NRP"], "subject": "门诊楼施工图联合审查", "meeting_on": "2026-11-04",
            "place": "市民之家三楼第二会议室", "due_days": 5}
    body.update(overrides)
    return body


def recorded(kind, review_ids, count, timeout=20):
    deadline = time.time() + timeout
    while True:
        found = [e for e in JointReviewRecorder.seen if e.type == kind and e.payload["joint_review_id"] in review_ids]
        if len(found) >= count or time.time() > deadline:
            return found
        time.sleep(0.1)


def test_convene_answer_and_refusals(clock, config, container_factory, make_token):  # noqa: F811
    container = container_factory(ConsultService, config)
    container.start()
    catalog_loaded(config, container, departments=DEPARTMENTS)
    stage_opened(config, container)
    hcd, fire, met = (officer(make_token, d) for d in ("HCD", "FIRE", "MET"))

    with rpc(config, officer(make_token, "NRP")) as proxy:
        with pytest.raises(Forbidden):                     # not the stage's lead department
            proxy.convene_joint_review(convene_body())
    with rpc(config, hcd) as proxy:
        with pytest.raises(ValidationFailed) as err:
            proxy.convene_joint_review(convene_body(due_days=20))
        assert {e["field"] for e in err.value.errors} == {"due_days"}
        with pytest.raises(ValidationFailed) as err:
            proxy.convene_joint_review(convene_body(invitees=["FIRE", "WATER"]))
        assert {e["field"] for e in err.value.errors} == {"invitees"}
        with pytest.raises(ValidationFailed) as err:
            proxy.convene_joint_review(convene_body(stage_id="nope"))
        assert {e["field"] for e in err.value.errors} == {"stage_id"}
        convened = proxy.convene_joint_review(convene_body())
        assert (convened["status"], convened["due_on"], convened["outstanding"], convened["light"]) == \
            ("open", "2026-11-09", ["FIRE", "CAD", "NRP"], "green")
        assert convened["joint_review_id"] == convened["id"] and convened["kind_name"] == "联合审图"

    with rpc(config, fire) as proxy:
        answered = proxy.answer_joint_review(convened["id"], {"kind": "none", "opinion": "无意见"})
        assert [(a["department"], a["opinion_kind"], a["on_time"]) for a in answered["answers"]] == \
            [("FIRE", "none", True)]
        with pytest.raises(Conflict):
            proxy.answer_joint_review(convened["id"], {"kind": "agree", "opinion": "改主意了"})
        inbox = proxy.list_joint_reviews({"role": "invited", "state": "open"})
        assert [i["id"] for i in inbox["items"]] == [convened["id"]] and inbox["total"] == 1
    with rpc(config, met) as proxy:
        with pytest.raises(Forbidden):
            proxy.answer_joint_review(convened["id"], {"kind": "agree", "opinion": "同意"})
        with pytest.raises(NotFound):                      # neither convening nor invited: learns nothing
            proxy.get_joint_review(convened["id"])
        assert proxy.list_joint_reviews({})["total"] == 0
        with pytest.raises(Forbidden):
            proxy.list_joint_reviews({"department": "HCD"})
    with rpc(config, hcd) as proxy:
        with pytest.raises(Conflict):                       # CAD and NRP are still within the deadline
            proxy.record_joint_review_minutes(convened["id"], {"minutes": "纪要", "conclusion": "通过"})
        assert proxy.list_joint_reviews({"role": "convened"})["items"][0]["outstanding"] == ["CAD", "NRP"]

    clock(date(2026, 11, 10))                               # the day after the deadline
    with rpc(config, officer(make_token, "CAD")) as proxy:
        with pytest.raises(Conflict):
            proxy.answer_joint_review(convened["id"], {"kind": "agree", "opinion": "同意"})
    with rpc(config, hcd) as proxy:
        closed = proxy.record_joint_review_minutes(convened["id"], {
            "minutes": "消防、人防、自然资源部门参加会审……", "conclusion": "施工图联合审查通过"})
    assert closed["status"] == "closed" and closed["failed_to_answer"] == ["CAD", "NRP"]
    concluded = recorded("joint_review.concluded", {convened["id"]}, 1)[0]
    assert concluded.payload["conclusion"] == "施工图联合审查通过"
    assert [(a["department"], a["opinion_kind"], a["on_time"]) for a in concluded.payload["answers"]] == \
        [("FIRE", "none", True), ("CAD", "no_opinion", False), ("NRP", "no_opinion", False)]
    assert {e.payload["department"] for e in recorded("joint_review.no_answer", {convened["id"]}, 2)} == {"CAD", "NRP"}


def test_two_replicas_record_each_failure_to_answer_exactly_once(clock, config, container_factory,  # noqa: F811
                                                                 make_token):
    opener = container_factory(ConsultService, config)
    opener.start()
    catalog_loaded(config, opener, departments=DEPARTMENTS)
    stage_opened(config, opener)
    invited = [["FIRE"], ["FIRE", "CAD"], ["CAD", "NRP", "MET"], ["NRP"], ["FIRE", "MET"]]
    with rpc(config, officer(make_token, "HCD")) as proxy:
        reviews = [proxy.convene_joint_review(convene_body(invitees=i, due_days=3)) for i in invited]
    with rpc(config, officer(make_token, "NRP")) as proxy:
        proxy.answer_joint_review(reviews[3]["id"], {"kind": "agree", "opinion": "同意"})
    opener.stop()

    fast = dict(config, SWEEP_SECONDS=0.2, SWEEP_BATCH=1)
    replicas = [container_factory(ConsultService, fast) for _ in range(2)]
    for replica in replicas:
        replica.start()
    clock(TODAY + timedelta(days=8))
    ids = {r["id"] for r in reviews}
    expected = {(r["id"], d) for r, departments in zip(reviews, invited) for d in departments} - \
        {(reviews[3]["id"], "NRP")}
    recorded("joint_review.no_answer", ids, len(expected), timeout=30)
    time.sleep(1.5)                                           # more passes: nothing recorded twice
    no_answers = recorded("joint_review.no_answer", ids, 0, timeout=0)
    assert sorted((e.payload["joint_review_id"], e.payload["department"]) for e in no_answers) == sorted(expected)
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT joint_review_id, department FROM joint_review_answers "
                                     "WHERE kind = 'no_opinion' AND NOT on_time")).all()
            assert sorted(rows) == sorted(expected)
            assert conn.execute(text("SELECT count(*) FROM joint_reviews WHERE answered_on IS NULL")).scalar() == 0
    finally:
        engine.dispose()
