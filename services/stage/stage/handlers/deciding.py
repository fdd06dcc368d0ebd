"""Deciding on a case: a step of the state machine (000 §9, 004 §10), a special handling (004 §17),
and what follows for its stage. Each use case locks the stage and then the case (the repository's
``get_locked``), applies the domain rule, records one decision per decision and emits the events
in the same transaction."""
from platform_kit.contracts import Actor
from platform_kit.errors import NotFound, ValidationFailed
from stage.domain.case import SECOND_SUPPLEMENT, TRANSITIONS
from stage.domain.stage import is_lead
from stage.domain.consultation import GATED_ACTIONS, check_decidable
from stage.domain.decision import Decision, check_paper_licence_received
from stage.domain.roster import Roster
from stage.handlers.events import Events
from stage.handlers.views import one_case

SYSTEM = Actor.SYSTEM
DEEMED_OPINION = "收到申请后2个工作日内未告知补正，自收到申请之日起视为受理（002 §7(二)）"


def locked_case(uow, case_id):
    found = uow.cases.get_locked(case_id)
    if found is None:
        raise NotFound(f"办件 {case_id} 不存在")
    return found


def settle_deemed(uow, events, case, today, calendar):
    """002 §7(二): a case nobody asked a supplement of within 2 working days is accepted as of receipt."""
    outcome = case.settle_deemed_acceptance(today, calendar)
    if outcome is None:
        return False
    uow.cases.save(case)
    uow.decisions.add(Decision.of_outcome(case, outcome, SYSTEM, opinion=DEEMED_OPINION))
    events.case_decided(case, outcome, SYSTEM, "视为受理")
    return True


def after_case_change(uow, events, stage, today, calendar, actor):
    """Stage consequences of a case decision: its clock pauses/resumes (000 §12), and it may conclude."""
    change = stage.sync_clock(stage.cases, today, calendar)
    concluded = stage.try_conclude(stage.cases, today, calendar)
    uow.stages.save(stage)
    clock = stage.clock
    if change:
        uow.decisions.add(Decision.act(stage.id, None, f"stage_clock_{change}", today, actor, details={
            "due_on": clock.due_on.isoformat() if clock.due_on else None, "used_days": clock.used_before}))
        events.stage(f"stage.{change}", stage, actor, on=today, used_days=clock.used_days(today, calendar),
                     due_on=clock.due_on, due_estimated=clock.estimated)
    if concluded:
        events.stage("stage.concluded", stage, actor, declaration_id=stage.declaration_id,
                     received_on=stage.received_on, concluded_on=today, due_on=clock.due_on,
                     on_time=clock.on_time())


def decision_details(identity, special=None):
    """What a decision records besides who: special handling, and the serial of the certificate the
    officer logged in with (004 §19), when they did."""
    details = {"special_handling": True} if special else {}
    if getattr(identity, "cert", None):
        details["certificate_serial"] = identity.cert
    return details


def act_on_case(case_id, cmd, identity, uow, today, yellow_days, special=None):
    stage, case = locked_case(uow, case_id)
    action, opinion = cmd["action"], cmd.get("opinion", "")
    if special is None:
        case.authorize(action, identity, Roster(uow.roster.changes(case.department, case.item_code, case.region)),
                       lead=stage.lead)
    else:
        case.authorize_special(identity)
        if action not in TRANSITIONS or not TRANSITIONS[action].steps:
            raise ValidationFailed("特殊处理只适用于审批环节", [{"field": "action", "message": "无效的动作"}])
    if action in GATED_ACTIONS:   # 001 二: not before the consultations it opened are countersigned
        check_decidable(case, action, uow.consultations.of_case(case.id))
    calendar = uow.calendar.current()
    events = Events(uow, calendar, today, yellow_days)
    actor = identity.actor()
    if action == "conclude":   # 002 §21: a paper licence's sealed scan first
        check_paper_licence_received(case.licence_no, uow.decisions.of_cases([case.id])[case.id])
    if action != "accept":
        settle_deemed(uow, events, case, today, calendar)   # 002 §7(二) applies before anything else
    outcome = case.act(action, today, calendar, opinion, second_supplement_reason=cmd.get("second_supplement_reason"),
                       by_lead=is_lead(identity, stage.lead))
    uow.cases.save(case)
    special = special or {}
    details = decision_details(identity, special)
    if action == "approve" and cmd.get("paper_licence"):
        details["paper_licence"] = True
    if outcome.reason:   # 002 §7(二): a further supplement notice, by the lead department, with its reason
        details.update(second_supplement=True, supplement_no=case.supplement_notices, label=SECOND_SUPPLEMENT)
    uow.decisions.add(Decision.of_outcome(
        case, outcome, actor, identity.name, opinion,
        reason="；".join(r for r in (outcome.reason, special.get("reason", "")) if r), special=bool(special),
        attachment_ref=special.get("attachment_ref"), details=details))
    events.case_decided(case, outcome, actor, opinion, paper_licence=cmd.get("paper_licence", False),
                        certificate_serial=getattr(identity, "cert", None))
    if special:
        events.case("case.special_handled", case, actor, today, opinion, action=action,
                    from_state=outcome.from_state, to_state=outcome.to_state, reason=special["reason"],
                    attachment_ref=special["attachment_ref"])
    after_case_change(uow, events, stage, today, calendar, actor)
    return one_case(case.id, uow, today, calendar, yellow_days)


def special_handle(case_id, cmd, identity, uow, today, yellow_days):
    """004 §17: the department passes a blocked step with a written reason and attachment."""
    return act_on_case(case_id, cmd, identity, uow, today, yellow_days,
                       special={"reason": cmd["reason"], "attachment_ref": cmd["attachment_ref"]})
