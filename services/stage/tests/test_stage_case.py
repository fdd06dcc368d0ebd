"""The case state machine (000 §9, 004 §10, 002 §7–9) and the stage clock (000 §12), as plain Python."""
from datetime import date

import pytest

from platform_kit.calendar import official_calendar
from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from platform_kit.identity import Identity
from stage.domain.case import Case
from stage.domain.stage import Stage

CAL = official_calendar()
ORG = "91410800MA47Q0R12X"


def new_case(received_on=date(2026, 11, 23), limit=5, item="NRP-001", department="NRP"):
    return Case.open(id=f"c-{item}", stage_id="s1", item_code=item, department=department, region="410800",
                     limit_days=limit, received_on=received_on, applicant_org=ORG, calendar=CAL)


def officer(steps=("accept", "review", "approve", "conclude"), department="NRP", region="410800"):
    return Identity(sub="o1", role="officer", name="张三", department=department, region=region, steps=steps)


def test_happy_path_and_out_of_order_steps():
    case = new_case()
    with pytest.raises(Conflict) as err:
        case.act("conclude", date(2026, 11, 23), CAL)
    assert "待受理" in err.value.detail and "办结" in err.value.detail
    out = case.act("accept", date(2026, 11, 24), CAL)
    assert (out.from_state, out.to_state, out.on) == ("submitted", "accepted", date(2026, 11, 24))
    assert case.clock.due_on == date(2026, 12, 1)
    case.act("review", date(2026, 11, 25), CAL)
    with pytest.raises(ValidationFailed):
        case.act("disapprove", date(2026, 11, 25), CAL, opinion="  ")   # 002 §9: reasons required
    case.act("disapprove", date(2026, 11, 25), CAL, opinion="不符合控制性详细规划")
    out = case.act("conclude", date(2026, 11, 26), CAL)
    assert case.closed and out.clock_stopped and case.clock.used_before == 2 and case.clock.on_time()  # 11-25, 11-26
    with pytest.raises(Conflict):
        case.act("withdraw", date(2026, 11, 27), CAL)


def test_authorization_by_department_region_and_step():
    case = new_case()
    case.authorize("accept", officer())
    with pytest.raises(Forbidden):
        case.authorize("accept", officer(department="DRC"))
    with pytest.raises(Forbidden):
        case.authorize("accept", officer(region="410811"))
    with pytest.raises(Forbidden):
        case.authorize("approve", officer(steps=("accept",)))
    with pytest.raises(Forbidden):
        case.authorize("accept", Identity(sub="c", role="clerk", name="窗口"))
    case.authorize("withdraw", Identity(sub="a", role="applicant", name="建设单位", org=ORG))
    with pytest.raises(Forbidden):
        case.authorize("withdraw", Identity(sub="a", role="applicant", name="他人", org="9141XXXX"))
    with pytest.raises(Forbidden):
        case.authorize("resubmit", officer())


def test_deemed_acceptance_after_two_working_days():
    # received Thu 2026-02-12: 02-13 1, Sat 02-14 (调休) 2 → must ask for supplement by 02-14
    case = new_case(received_on=date(2026, 2, 12), limit=3)
    assert case.acceptance_due_on == date(2026, 2, 14)
    assert case.settle_deemed_acceptance(date(2026, 2, 14), CAL) is None
    out = case.settle_deemed_acceptance(date(2026, 2, 24), CAL)
    assert out.deemed and case.state == "accepted" and case.accepted_on == date(2026, 2, 12)
    assert case.clock.due_on == date(2026, 2, 24)   # 02-13 1, 02-14 2, 02-24 3
    # an officer accepting late accepts as of receipt as well
    late = new_case(received_on=date(2026, 2, 12), limit=3)
    out = late.act("accept", date(2026, 2, 25), CAL)
    assert out.deemed and late.accepted_on == date(2026, 2, 12)
    timely = new_case(received_on=date(2026, 2, 12), limit=3)
    assert not timely.act("accept", date(2026, 2, 14), CAL).deemed
    assert timely.accepted_on == date(2026, 2, 14)


def test_supplement_before_acceptance_starts_the_clock_on_acceptance():
    case = new_case(received_on=date(2026, 2, 12), limit=3)
    case.act("request_supplement", date(2026, 2, 13), CAL, opinion="缺少用地预审意见")
    assert case.state == "supplementing" and case.clock is None and case.paused
    assert case.settle_deemed_acceptance(date(2026, 3, 2), CAL) is None    # a notice was given in time
    out = case.act("accept_supplement", date(2026, 2, 25), CAL)
    assert out.clock_started and case.state == "accepted" and case.accepted_on == date(2026, 2, 25)
    assert case.clock.due_on == date(2026, 2, 28)   # 02-26 1, 02-27 2, Sat 02-28 (调休) 3


def test_supplement_after_acceptance_resumes_the_same_clock():
    # accepted Thu 2026-09-17 (limit 10); notice Tue 09-22; supplement accepted Fri 10-09 → due Mon 10-19
    case = new_case(received_on=date(2026, 9, 17), limit=10)
    case.act("accept", date(2026, 9, 17), CAL)
    case.act("review", date(2026, 9, 21), CAL)
    with pytest.raises(ValidationFailed):
        case.act("request_supplement", date(2026, 9, 22), CAL)          # the list of what to add is required
    case.act("request_supplement", date(2026, 9, 22), CAL, opinion="补充消防设计说明")
    with pytest.raises(Conflict):
        case.act("approve", date(2026, 9, 23), CAL)
    case.act("accept_supplement", date(2026, 10, 9), CAL)
    assert case.state == "reviewed" and case.clock.due_on == date(2026, 10, 19)
    assert case.accepted_on == date(2026, 9, 17)


def test_refuse_not_required_and_withdraw_close_the_case():
    refused = new_case()
    with pytest.raises(ValidationFailed):
        refused.act("refuse", date(2026, 11, 23), CAL)
    refused.act("refuse", date(2026, 11, 23), CAL, opinion="不属于本机关职权范围，请向市住建局申请")
    assert refused.state == "refused" and refused.closed
    free = new_case()
    free.act("not_required", date(2026, 11, 23), CAL, opinion="依法不需要取得行政许可")
    assert free.closed
    with pytest.raises(Conflict):
        new_case().act("resubmit", date(2026, 11, 24), CAL)             # only a returned case
    withdrawn = new_case()
    withdrawn.act("accept", date(2026, 11, 23), CAL)
    out = withdrawn.act("withdraw", date(2026, 11, 25), CAL)
    assert withdrawn.closed and out.clock_stopped


def test_return_terminates_case_clock_and_pauses_stage_clock_resubmission_restarts_full_limit():
    # stage received Fri 2025-09-26, limit 10; case limit 5
    stage = Stage.open(id="s1", lead_department="NRP", limit_days=10, received_on=date(2025, 9, 26), calendar=CAL)
    case, other = new_case(received_on=date(2025, 9, 26)), new_case(received_on=date(2025, 9, 26), item="DRC-1",
                                                                     department="DRC")
    cases = [case, other]
    case.act("accept", date(2025, 9, 26), CAL)
    out = case.act("return", date(2025, 9, 30), CAL, opinion="项目性质变更，需重新申报")
    assert out.clock_stopped and case.clock.used_before == 3          # 09-28, 09-29, 09-30
    assert stage.sync_clock(cases, date(2025, 9, 30), CAL) == "paused"
    assert stage.clock.used_before == 2                                # 09-28, 09-29; 09-30 not counted
    case.act("resubmit", date(2025, 10, 9), CAL)
    assert case.state == "submitted" and case.round == 2 and case.clock is None
    assert stage.sync_clock(cases, date(2025, 10, 9), CAL) == "resumed"
    # stage: 8 left from 10-09: 10-10, Sat 10-11 (调休), 10-13, 14, 15, 16, 17, 20
    assert stage.clock.due_on == date(2025, 10, 20)
    case.act("accept", date(2025, 10, 9), CAL)
    # fresh case clock, full limit 5: 10-10, 10-11, 10-13, 10-14, 10-15
    assert case.clock.due_on == date(2025, 10, 15) and case.clock.used_before == 0
    assert not stage.try_conclude(cases, date(2025, 10, 15), CAL)
    for c in cases:
        if c.state == "submitted":
            c.act("accept", date(2025, 10, 10), CAL)
        c.act("review", date(2025, 10, 13), CAL)
        c.act("approve", date(2025, 10, 13), CAL)
        c.act("conclude", date(2025, 10, 14), CAL)
    assert stage.try_conclude(cases, date(2025, 10, 14), CAL)
    assert stage.concluded_on == date(2025, 10, 14) and stage.clock.on_time()
    assert stage.clock.used_before == 6                                # 2 + 10-10, 10-11, 10-13, 10-14


def test_stage_clock_pauses_while_any_case_is_paused():
    stage = Stage.open(id="s1", lead_department="NRP", limit_days=10, received_on=date(2026, 11, 2), calendar=CAL)
    a, b = new_case(received_on=date(2026, 11, 2)), new_case(received_on=date(2026, 11, 2), item="B", department="B")
    a.act("request_supplement", date(2026, 11, 4), CAL, opinion="补材料")
    assert stage.sync_clock([a, b], date(2026, 11, 4), CAL) == "paused"
    b.act("return", date(2026, 11, 5), CAL, opinion="退回")
    assert stage.sync_clock([a, b], date(2026, 11, 5), CAL) is None
    a.act("accept_supplement", date(2026, 11, 9), CAL)
    assert stage.sync_clock([a, b], date(2026, 11, 9), CAL) is None     # b still returned
    b.act("resubmit", date(2026, 11, 10), CAL)
    assert stage.sync_clock([a, b], date(2026, 11, 10), CAL) == "resumed"
    assert stage.clock.used_before == 1                                  # only 11-03


def test_lapse_once_and_extension_only_by_lead():
    case = new_case(received_on=date(2026, 11, 2), limit=2)
    case.act("accept", date(2026, 11, 2), CAL)                            # due 11-04
    assert case.lapse(date(2026, 11, 4)) is None
    assert case.lapse(date(2026, 11, 5)).action == "no_opinion"
    assert case.lapse(date(2026, 11, 6)) is None                         # once
    case.extend(3, CAL)
    assert case.clock.due_on == date(2026, 11, 9) and case.lapsed_on is None
    stage = Stage.open(id="s1", lead_department="NRP", limit_days=10, received_on=date(2026, 11, 2), calendar=CAL)
    stage.authorize_lead(officer())
    with pytest.raises(Forbidden):
        stage.authorize_lead(officer(department="DRC"))
    returned = new_case()
    returned.act("return", date(2026, 11, 23), CAL, opinion="退回")
    with pytest.raises(Conflict):
        returned.extend(2, CAL)


def test_supplement_asked_too_late_pauses_a_clock_already_running_since_receipt():
    # received Mon 2026-11-02: must ask by Wed 11-04; asked Fri 11-06 → accepted as of 11-02 (002 §7(二)),
    # then paused from 11-06: counted 11-03, 11-04, 11-05
    case = new_case(received_on=date(2026, 11, 2), limit=5)
    deemed = case.settle_deemed_acceptance(date(2026, 11, 6), CAL)
    assert deemed.on == date(2026, 11, 2)
    case.act("request_supplement", date(2026, 11, 6), CAL, opinion="补充材料")
    assert case.clock.used_before == 3 and case.resume_state == "accepted"
    case.act("accept_supplement", date(2026, 11, 16), CAL)
    assert case.clock.due_on == date(2026, 11, 18)     # 11-17 4, 11-18 5


def test_named_responsible_persons_narrow_a_step_to_them():
    from stage.domain.roster import Roster, RosterChange
    roster = Roster([RosterChange("NRP", "NRP-001", "410800", "approve", "o-wang", True),
                     RosterChange("NRP", "NRP-001", "410800", "approve", "o-li", True),
                     RosterChange("NRP", "NRP-001", "410800", "approve", "o-li", False)])
    case = new_case()
    case.state = "reviewed"
    wang = Identity(sub="o-wang", role="officer", name="王", department="NRP", region="410800", steps=("approve",))
    li = Identity(sub="o-li", role="officer", name="李", department="NRP", region="410800", steps=("approve",))
    case.authorize("approve", wang, roster)
    with pytest.raises(Forbidden):
        case.authorize("approve", li, roster)          # named, then removed: the change is on record
    case.authorize("review", Identity(sub="o-li", role="officer", name="李", department="NRP", region="410800",
                                      steps=("review",)), roster)   # nobody named for review: the account decides
    other_region = Roster([RosterChange("NRP", "NRP-001", "410811", "approve", "o-zhao", True)])
    case.authorize("approve", li, other_region)
