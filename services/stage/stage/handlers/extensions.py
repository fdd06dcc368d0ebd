"""Extensions of a case's or a stage's limit by the stage's lead department, with a reason (002 §14)."""
from platform_kit.errors import NotFound
from stage.domain.decision import Decision
from stage.handlers.deciding import decision_details, locked_case
from stage.handlers.events import Events
from stage.handlers.views import one_case, one_stage


def extend_limit(cmd, identity, uow, today, yellow_days):
    actor = identity.actor()
    calendar = uow.calendar.current()
    if cmd.get("case_id"):
        stage, case = locked_case(uow, cmd["case_id"])
        stage.authorize_lead(identity)
        case.extend(cmd["days"], calendar)
        uow.cases.save(case)
        clock = case.clock
    else:
        stage, case = uow.stages.get_locked(cmd["stage_id"]), None
        if stage is None:
            raise NotFound(f"阶段 {cmd['stage_id']} 不存在")
        stage.authorize_lead(identity)
        stage.extend(cmd["days"], calendar)
        uow.stages.save(stage)
        clock = stage.clock
    case_id = case.id if case is not None else None
    uow.decisions.add(Decision.act(stage.id, case_id, "extend", today, actor, identity.name, reason=cmd["reason"],
                                   details={"days": cmd["days"], "extension_days": clock.extension_days,
                                            "due_on": clock.due_on.isoformat() if clock.due_on else None,
                                            **decision_details(identity)}))
    Events(uow, calendar, today, yellow_days).stage(
        "stage.extended", stage, actor, clock=clock, case_id=case_id, department=identity.department,
        days=cmd["days"], reason=cmd["reason"], limit_days=clock.limit_days, extension_days=clock.extension_days,
        due_on=clock.due_on, on=today)
    if case is not None:
        return {"case": one_case(case.id, uow, today, calendar, yellow_days)}
    return {"stage": one_stage(stage, uow, today, calendar, yellow_days)}
