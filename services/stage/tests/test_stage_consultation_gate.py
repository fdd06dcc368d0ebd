"""001 二: a case is decided on the combined opinion of the departments its department consults.
Over the fake unit of work: the stage service keeps what the consult service's events say, once per
event and in any order; a case cannot be approved, disapproved or concluded while a consultation its
department opened is not countersigned (409 naming it and the departments outstanding); the
departments asked read the case while the consultation is open, and no longer once it is closed."""
import uuid
from datetime import date

import pytest
from test_stage_use_cases import MON, NRP, PROJECT, TUE, WED, YELLOW, Platform, declaration, officer

from platform_kit.contracts import Actor, new_event, parse_event
from platform_kit.errors import Conflict, Forbidden
from stage import handlers

FIRE, CAD = officer("FIRE"), officer("CAD")
FIRE_ELSEWHERE = officer("FIRE", sub="fire-2", region="410900")
DUE = date(2025, 11, 10)


def event(event_type, payload, version=None, actor=Actor(id="nrp-1", role="officer", department="NRP")):
    """An event as a subscriber receives it: through the contract, both ways."""
    return parse_event(new_event(event_type, source="consult", project_code=PROJECT, actor=actor,
                                 payload=payload, version=version).to_wire())


def opened(consultation_id, case_id, asked_by="NRP", asked_of=("FIRE", "CAD")):
    return event("consultation.opened", {
        "consultation_id": consultation_id, "case_id": case_id, "region": "410800", "asked_by": asked_by,
        "asked_of": list(asked_of), "question": "请对建设工程设计方案提出意见", "due_on": DUE})


def replied(consultation_id, case_id, department, kind="conditional"):
    return event("consultation.replied", {
        "consultation_id": consultation_id, "case_id": case_id, "department": department,
        "opinion": "有条件同意", "opinion_kind": kind, "conditions": "消防车道宽度不小于4米"})


def lapsed(consultation_id, case_id, departments):
    return event("consultation.lapsed", {"consultation_id": consultation_id, "case_id": case_id,
                                         "departments": list(departments), "due_on": DUE,
                                         "recorded_on": date.fromisoformat("2025-11-11")}, actor=Actor.SYSTEM)


def closed(consultation_id, case_id):
    return event("consultation.closed", {
        "consultation_id": consultation_id, "case_id": case_id, "asked_by": "NRP", "question": "请提出意见",
        "opened_on": date.fromisoformat("2025-11-03"), "due_on": DUE, "summary": "综合各部门意见，同意", "closed_by": "nrp-1",
        "closed_on": date.fromisoformat("2025-11-11"), "replies": [
            {"department": "FIRE", "opinion_kind": "conditional", "opinion": "有条件同意",
             "replied_on": date.fromisoformat("2025-11-04"),
             "conditions": "消防车道宽度不小于4米"},
            {"department": "CAD", "opinion_kind": "no_opinion", "opinion": "逾期未答复，视为无意见",
             "replied_on": date.fromisoformat("2025-11-11")}]})


@pytest.fixture
def platform():
    return Platform()


@pytest.fixture
def reviewed(platform):
    """NRP's case accepted and reviewed on Monday: the next step is the decision."""
    stage_id = platform.open(declaration())
    case_id = platform.case_id(stage_id, "NRP-001")
    platform.act(case_id, NRP, "accept", MON)
    platform.act(case_id, NRP, "review", MON)
    return case_id


def consume(platform, handler, envelope):
    return platform.run(handler, envelope)


def test_an_open_consultation_holds_the_decision_back_naming_the_departments_outstanding(platform, reviewed):
    cid = str(uuid.uuid4())
    consume(platform, handlers.record_consultation_opened, opened(cid, reviewed))
    consume(platform, handlers.record_consultation_replied, replied(cid, reviewed, "FIRE"))
    for action in ("approve", "disapprove"):
        with pytest.raises(Conflict) as refused:
            platform.act(reviewed, NRP, action, TUE)
        assert cid in refused.value.detail and "尚待 CAD 答复" in refused.value.detail
        assert "FIRE" not in refused.value.detail
        assert refused.value.errors[0]["field"] == "consultation_id"
    # nothing was recorded by the refused decisions
    assert [h["action"] for h in platform.case(reviewed, TUE)["history"]] == ["accept", "review"]
    assert platform.store.cases[reviewed].state == "reviewed"


def test_every_answer_in_still_waits_for_the_countersign_which_lets_the_case_be_decided(platform, reviewed):
    cid = str(uuid.uuid4())
    consume(platform, handlers.record_consultation_opened, opened(cid, reviewed))
    consume(platform, handlers.record_consultation_replied, replied(cid, reviewed, "FIRE"))
    consume(platform, handlers.record_consultation_lapsed, lapsed(cid, reviewed, ["CAD"]))
    with pytest.raises(Conflict, match="尚待发起部门办结会签"):
        platform.act(reviewed, NRP, "approve", WED)
    consume(platform, handlers.record_consultation_closed, closed(cid, reviewed))
    platform.act(reviewed, NRP, "approve", WED)
    assert platform.types()[0] == "case.approved"
    platform.act(reviewed, NRP, "conclude", WED)
    assert platform.store.cases[reviewed].state == "concluded"


def test_the_gate_applies_to_the_conclusion_too(platform, reviewed):
    platform.act(reviewed, NRP, "approve", MON)
    cid = str(uuid.uuid4())
    consume(platform, handlers.record_consultation_opened, opened(cid, reviewed))
    with pytest.raises(Conflict, match="不能办结"):
        platform.act(reviewed, NRP, "conclude", TUE)


def test_steps_before_the_decision_and_consultations_of_other_departments_do_not_hold_it(platform):
    stage_id = platform.open(declaration())
    case_id = platform.case_id(stage_id, "NRP-001")
    platform.act(case_id, NRP, "accept", MON)
    # another department's consultation naming the case, and one not on a case, hold nothing
    consume(platform, handlers.record_consultation_opened, opened(str(uuid.uuid4()), case_id, asked_by="DRC"))
    consume(platform, handlers.record_consultation_opened, opened(str(uuid.uuid4()), None))
    cid = str(uuid.uuid4())
    consume(platform, handlers.record_consultation_opened, opened(cid, case_id))
    platform.act(case_id, NRP, "review", MON)    # only the decision waits
    with pytest.raises(Conflict) as refused:
        platform.act(case_id, NRP, "approve", MON)
    assert refused.value.detail.count("征询") == 2 and cid in refused.value.detail


def test_events_in_any_order_and_redelivered_give_the_same_state(platform, reviewed):
    cid = str(uuid.uuid4())
    close, reply = closed(cid, reviewed), replied(cid, reviewed, "FIRE")
    # a reply and the countersign arrive before the opening; each twice
    for envelope, handler in ((reply, handlers.record_consultation_replied),
                              (close, handlers.record_consultation_closed)):
        assert consume(platform, handler, envelope) is True
        assert consume(platform, handler, envelope) is False
    consume(platform, handlers.record_consultation_opened, opened(cid, reviewed))
    assert consume(platform, handlers.record_consultation_opened, opened(cid, reviewed)) is False   # same id
    assert platform.store.answers == {(cid, "FIRE"): "replied", (cid, "CAD"): "no_opinion"}
    assert platform.types() == []                        # the stage service only listens
    platform.act(reviewed, NRP, "approve", WED)


def test_a_department_asked_reads_the_case_while_the_consultation_is_open(platform, reviewed):
    def read(who):
        return platform.read(handlers.get_case, reviewed, who, today=TUE, yellow_days=YELLOW)

    for who in (FIRE, CAD):
        with pytest.raises(Forbidden):
            read(who)
    cid = str(uuid.uuid4())
    consume(platform, handlers.record_consultation_opened, opened(cid, reviewed, asked_of=("FIRE",)))
    assert read(FIRE)["case_id"] == reviewed
    for who in (CAD, FIRE_ELSEWHERE):                    # not asked; asked but of another region
        with pytest.raises(Forbidden):
            read(who)
    consume(platform, handlers.record_consultation_lapsed, lapsed(cid, reviewed, ["FIRE"]))
    assert read(FIRE)["case_id"] == reviewed            # silent, still open: still readable
    consume(platform, handlers.record_consultation_closed, closed(cid, reviewed))
    with pytest.raises(Forbidden):
        read(FIRE)
    assert read(NRP)["case_id"] == reviewed


def test_a_closed_v1_consultation_no_longer_holds_the_case(platform, reviewed):
    cid = str(uuid.uuid4())
    consume(platform, handlers.record_consultation_opened, opened(cid, reviewed))
    consume(platform, handlers.record_consultation_closed, event("consultation.closed", {
        "consultation_id": cid, "case_id": reviewed, "closed_on": date.fromisoformat("2025-11-05"),
        "replies": [{"department": "FIRE", "opinion_kind": "replied"},
                    {"department": "CAD", "opinion_kind": "no_opinion"}]},
        version=1))
    platform.act(reviewed, NRP, "approve", WED)
