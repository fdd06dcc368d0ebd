"""004 §14 (逾期视为无意见，办理流程到期自动收回) and 002 §7(二) (一次性告知), as use cases over the fake
unit of work: the sweep records no opinion, then recalls the case as the catalog says for its item;
a further supplement notice needs the lead department and its reason."""
from datetime import date

import pytest
from test_stage_use_cases import (APPLICANT, DRC, MON, NRP, THU, TUE, WED, YELLOW, Platform, check_latest_events,
                                  declaration, officer)

from platform_kit.errors import Forbidden, ValidationFailed
from stage import handlers
from stage.domain.case import NO_OPINION, RECALL_OPINIONS

FRI = date(2025, 11, 7)
MET = officer("MET")


def lapsing(items):
    """A stage whose NRP case is decided at once and whose other cases are left silent."""
    envelope = declaration(items=[i[:3] for i in items])
    for entry, item in zip(envelope.payload["items"], items):
        if len(item) > 3:
            entry["lapse_action"] = item[3]
    return envelope


@pytest.fixture
def platform():
    return Platform()


def settle_nrp(platform, stage_id, on=MON):
    nrp = platform.case_id(stage_id, "NRP-001")
    for action in ("accept", "review", "approve", "conclude"):
        platform.act(nrp, NRP, action, on)


def sweep(platform, on):
    return platform.run(handlers.sweep, today=on, yellow_days=YELLOW)


def test_a_lapsed_case_goes_to_the_lead_department_which_decides_it_and_the_stage_concludes(platform):
    stage_id = platform.open(lapsing([("NRP-001", "NRP", 5), ("DRC-001", "DRC", 1)]))
    settle_nrp(platform, stage_id)
    drc = platform.case_id(stage_id, "DRC-001")
    platform.act(drc, DRC, "accept", MON)          # due Tue; silent from then on
    assert sweep(platform, TUE) == 0
    assert sweep(platform, WED) == 1
    assert platform.types() == ["case.lapsed", "case.recalled"]
    recalled = platform.last[1].payload
    assert (recalled["lapse_action"], recalled["recalled_from"], recalled["recalled_to"], recalled["state"],
            recalled["from_state"]) == ("return_to_lead", "DRC", "NRP", "accepted", "accepted")
    assert recalled["opinion"] == RECALL_OPINIONS["return_to_lead"]
    check_latest_events(platform, WED)
    assert sweep(platform, THU) == 0                # done once
    # the silent department may not act any more; the lead department sees the case and decides it
    with pytest.raises(Forbidden, match="自动收回"):
        platform.act(drc, DRC, "review", THU)
    seen = platform.read(handlers.list_cases, {}, NRP, today=THU, yellow_days=YELLOW)["items"]
    assert drc in {c["case_id"] for c in seen}
    assert platform.read(handlers.get_case, drc, NRP, today=THU, yellow_days=YELLOW)["recalled_to"] == "NRP"
    for action in ("review", "approve", "conclude"):
        platform.act(drc, NRP, action, THU)
    assert "stage.concluded" in platform.types()
    case = platform.case(drc, THU)
    assert [(h["action"], h["role"], h["department"]) for h in case["history"]] == [
        ("accept", "officer", "DRC"), ("no_opinion", "system", None), ("recall", "system", None),
        ("review", "officer", "NRP"), ("approve", "officer", "NRP"), ("conclude", "officer", "NRP")]
    assert [f["label"] for f in case["feedback"]][1:3] == ["逾期未反馈意见（视为无意见）", "到期自动收回"]
    assert platform.stage(stage_id, THU)["state"] == "concluded"


def test_a_lapsed_case_configured_as_no_objection_concludes_and_so_does_its_stage(platform):
    stage_id = platform.open(lapsing([("NRP-001", "NRP", 5), ("MET-001", "MET", 1, "no_objection")]))
    settle_nrp(platform, stage_id)
    met = platform.case_id(stage_id, "MET-001")
    platform.act(met, MET, "accept", MON)
    assert sweep(platform, WED) == 1
    assert platform.types() == ["case.lapsed", "case.recalled", "stage.concluded"]
    lapsed, recalled, concluded = (e.payload for e in platform.last)
    assert lapsed["opinion"] == NO_OPINION and lapsed["lapse_action"] == "no_objection"
    assert (recalled["state"], recalled["recalled_to"], recalled["from_state"]) == ("concluded", None, "accepted")
    assert concluded["concluded_on"] == WED
    check_latest_events(platform, WED)
    case = platform.case(met, WED)
    assert (case["state"], case["concluded_on"], case["lapse_action"]) == ("concluded", WED, "no_objection")
    assert case["history"][-1]["to_state"] == "concluded"
    assert sweep(platform, THU) == 0


def test_without_a_lapse_action_the_case_is_recalled_to_the_lead_department(platform):
    stage_id = platform.open(declaration(items=(("DRC-001", "DRC", 1),)))
    assert platform.case(platform.case_id(stage_id, "DRC-001"), MON)["lapse_action"] == "return_to_lead"


def test_the_sweep_leaves_a_case_whose_stage_is_held_elsewhere_for_the_next_sweep(platform):
    stage_id = platform.open(lapsing([("NRP-001", "NRP", 5), ("MET-001", "MET", 1, "no_objection")]))
    platform.act(platform.case_id(stage_id, "MET-001"), MET, "accept", MON)
    platform.store.held.add(stage_id)
    assert sweep(platform, WED) == 0 and platform.last == []
    platform.store.held.clear()
    assert sweep(platform, WED) == 1


def test_a_second_supplement_notice_needs_the_lead_departments_reason(platform):
    stage_id = platform.open()
    drc = platform.case_id(stage_id, "DRC-001")
    platform.act(drc, DRC, "accept", MON)
    platform.act(drc, DRC, "request_supplement", MON, "土地证明：缺失")
    platform.act(drc, DRC, "accept_supplement", TUE)
    again = {"action": "request_supplement", "opinion": "规划图：比例不符"}
    with pytest.raises(ValidationFailed) as refused:
        platform.run(handlers.act_on_case, drc, again, DRC, today=WED, yellow_days=YELLOW)
    assert [e["field"] for e in refused.value.errors] == ["second_supplement_reason"]
    with pytest.raises(Forbidden, match="牵头部门"):   # the department itself may not give the reason
        platform.run(handlers.act_on_case, drc, {**again, "second_supplement_reason": "需要"}, DRC, today=WED,
                     yellow_days=YELLOW)
    with pytest.raises(ValidationFailed):              # the lead department without a reason
        platform.run(handlers.act_on_case, drc, again, NRP, today=WED, yellow_days=YELLOW)
    assert [d.action for d in platform.store.decisions if d.case_id == drc] == \
        ["accept", "request_supplement", "accept_supplement"]
    reason = "补正材料暴露出规划图比例问题，首次告知时无法发现"
    case = platform.run(handlers.act_on_case, drc, {**again, "second_supplement_reason": reason}, NRP, today=WED,
                        yellow_days=YELLOW)
    assert (case["state"], case["supplement_notices"]) == ("supplementing", 2)
    event = platform.last[0]
    assert event.type == "case.supplement_requested" and event.actor.department == "NRP"
    assert (event.payload["supplement_no"], event.payload["second_supplement_reason"]) == (2, reason)
    decision = case["history"][-1]
    assert (decision["reason"], decision["department"], decision["details"]["second_supplement"]) == \
        (reason, "NRP", True)


def test_the_first_supplement_notice_takes_no_second_reason_and_resubmission_starts_the_count_afresh(platform):
    stage_id = platform.open()
    drc = platform.case_id(stage_id, "DRC-001")
    with pytest.raises(ValidationFailed) as refused:
        platform.run(handlers.act_on_case, drc, {"action": "request_supplement", "opinion": "缺材料",
                                                 "second_supplement_reason": "无"}, DRC, today=MON,
                     yellow_days=YELLOW)
    assert [e["field"] for e in refused.value.errors] == ["second_supplement_reason"]
    platform.act(drc, DRC, "request_supplement", MON, "缺材料")
    first = platform.last[0].payload
    assert (first["supplement_no"], first["second_supplement_reason"]) == (1, None)
    platform.act(drc, DRC, "return", TUE, "材料不符，退回")
    platform.act(drc, APPLICANT, "resubmit", WED, "")
    platform.act(drc, DRC, "request_supplement", THU, "仍缺材料")   # a fresh round: one notice again
    assert platform.case(drc, THU)["supplement_notices"] == 1


