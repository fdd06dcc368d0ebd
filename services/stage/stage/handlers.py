"""Use cases of the stage service: a command and a unit of work in, a plain dict out.

Every use case that changes a case locks the stage row and then the case row (always in that
order, so two workers never wait on each other crosswise), applies the domain rule, writes one
decision row per decision and emits the resulting events in the same transaction.
"""
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import noload

from platform_kit import calendar_store
from platform_kit.calendar import validate_year_schedule
from platform_kit.clock_facts import light_on
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Forbidden, NotFound, ValidationFailed
from stage.adapters.orm import (CalendarYearRow, CaseRow, DecisionRow, StageRow, StepAssignmentRow,
                                case_from_row, case_to_row, clock_from_row, clock_to_row,
                                stage_from_row, stage_to_row)
from stage.domain.case import (ACCEPTED, NO_OPINION, REVIEWED, STATE_LABELS, SUBMITTED, TRANSITIONS,
                               Case, Stage)
from stage.domain.case import feedback as case_feedback
from stage.domain.roster import Roster, RosterChange

SOURCE = "stage"
CONSUMER = "stage"
SYSTEM = Actor.SYSTEM
SUPPLEMENT_RECEIVED = "supplement_received"


# ---------------------------------------------------------------------------- calendar
def current_calendar(session):
    """The official schedule with every year an operator loaded on top (platform_kit.calendar_store)."""
    return calendar_store.current_calendar(session)


def load_calendar_year(cmd, identity, uow, today):
    validate_year_schedule(cmd["year"], cmd["holidays"], cmd["working_weekends"])
    uow.session.add(CalendarYearRow(year=cmd["year"], holidays=[d.isoformat() for d in cmd["holidays"]],
                                    working_weekends=[d.isoformat() for d in cmd["working_weekends"]],
                                    loaded_by=identity.sub))
    uow.session.flush()
    calendar = current_calendar(uow.session)
    # deadlines that were estimates for this year are now computed from the schedule
    recomputed = 0
    for model in (StageRow, CaseRow):   # stages before cases: the lock order of every use case
        rows = uow.session.execute(select(model).where(model.due_estimated.is_(True),
                                                       model.clock_stopped_on.is_(None))
                                   .order_by(model.id).with_for_update()).scalars().all()
        for row in rows:
            clock = clock_from_row(row)
            clock.recompute(calendar)
            clock_to_row(clock, row)
            recomputed += 1
    return {"year": cmd["year"], "holidays": len(cmd["holidays"]),
            "working_weekends": len(cmd["working_weekends"]), "recomputed_clocks": recomputed,
            "loaded_years": sorted(calendar.years)}


def list_calendar_years(session):
    calendar = current_calendar(session)
    rows = session.execute(select(CalendarYearRow).order_by(CalendarYearRow.id)).scalars().all()
    return {"loaded_years": sorted(calendar.years),
            "operator_loads": [{"year": r.year, "loaded_by": r.loaded_by, "loaded_at": r.loaded_at.isoformat(),
                                "holidays": r.holidays, "working_weekends": r.working_weekends}
                               for r in rows]}


# ---------------------------------------------------------------------------- views
def clock_view(clock, today, calendar, yellow_days, closed=False):
    """A clock as the stage service shows it: its facts of today (the same facts its events carry)."""
    if clock is None:
        return {"due_on": None, "used_days": 0, "remaining_days": None, "overdue_days": 0,
                "paused": False, "light": "green", "due_estimated": False, "extension_days": 0,
                "yellow_on": None}
    facts = clock.facts(today, calendar, yellow_days)
    used, total = facts["used_days"], clock.total_days
    return {"due_on": facts["due_on"], "used_days": used, "remaining_days": facts["remaining_days"],
            "overdue_days": max(0, used - total), "paused": facts["paused"], "light": light_on(facts, today),
            "due_estimated": facts["due_estimated"], "extension_days": facts["extension_days"],
            "yellow_on": facts["yellow_on"]}


def decision_view(row):
    return {"action": row.action, "from_state": row.from_state, "to_state": row.to_state, "on": row.on,
            "at": row.at.isoformat() if row.at else None, "who": row.actor_id, "role": row.actor_role,
            "name": row.actor_name, "department": row.department, "opinion": row.opinion,
            "reason": row.reason, "special": row.special, "attachment_ref": row.attachment_ref,
            "details": row.details or {}}


def supplement_received(decisions):
    """002 §8: the supplement the window registered since the latest supplement request, if any."""
    received = None
    for d in decisions:
        if d["action"] == "request_supplement":
            received = None
        elif d["action"] == SUPPLEMENT_RECEIVED:
            received = {"received_on": d["on"], "at": d["at"], "by": d["who"], "role": d["role"],
                        "materials": d["details"].get("materials", []), "note": d["opinion"],
                        "document_no": d["details"].get("document_no")}
    return received


def case_view(row, today, calendar, yellow_days, history=True):
    clock = clock_from_row(row)
    out = {
        "case_id": row.id, "project_code": row.project_code, "stage": row.stage, "stage_id": row.stage_id,
        "item_code": row.item_code, "item_name": row.item_name, "department": row.department,
        "region": row.region, "applicant_org": row.applicant_org, "project_name": row.project_name,
        "state": row.state, "state_label": STATE_LABELS.get(row.state, row.state), "round": row.round,
        "limit_days": row.limit_days, "received_on": row.received_on,
        "acceptance_due_on": row.acceptance_due_on, "accepted_on": row.accepted_on,
        "concluded_on": row.concluded_on, "lapsed_on": row.lapsed_on, "licence_no": row.licence_no,
    }
    out.update(clock_view(clock, today, calendar, yellow_days))
    out["paused"] = out["paused"] or row.state == "supplementing"
    decisions = [decision_view(d) for d in row.decisions]
    out["feedback"] = case_feedback(decisions, row.department)   # 000 §13, 004 §15
    out["supplement_received"] = supplement_received(decisions)
    if history:
        out["history"] = decisions
    return out


def stage_view(row, today, calendar, yellow_days, history=False):
    out = {"stage_id": row.id, "stage": row.stage, "project_code": row.project_code,
           "declaration_id": row.declaration_id, "lead_department": row.lead_department,
           "state": row.state, "received_on": row.received_on, "limit_days": row.limit_days,
           "concluded_on": row.concluded_on}
    out.update(clock_view(clock_from_row(row), today, calendar, yellow_days))
    out["cases"] = [case_view(c, today, calendar, yellow_days, history=history) for c in row.cases]
    return out


# ---------------------------------------------------------------------------- visibility
def _can_see(row, identity):
    if identity.role in ("clerk", "supervisor", "operator"):
        return True
    if identity.role == "officer":
        return row.department == identity.department and row.region == identity.region
    if identity.role == "applicant":
        return row.applicant_org == identity.org
    return False


def list_cases(filters, identity, session, calendar, today, yellow_days):
    query = select(CaseRow).order_by(CaseRow.received_on, CaseRow.id)
    if identity.role == "officer":
        query = query.where(CaseRow.department == identity.department, CaseRow.region == identity.region)
    elif identity.role == "applicant":
        query = query.where(CaseRow.applicant_org == identity.org)
    elif identity.role not in ("clerk", "supervisor", "operator"):
        raise Forbidden(f"角色 {identity.role} 无权查看办件")
    if filters.get("project_code"):
        query = query.where(CaseRow.project_code == filters["project_code"])
    if filters.get("state"):
        query = query.where(CaseRow.state == filters["state"])
    if filters.get("department"):
        query = query.where(CaseRow.department == filters["department"])
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    query = query.limit(filters.get("limit", 200)).offset(filters.get("offset", 0))
    rows = session.execute(query).scalars().all()
    return {"items": [case_view(r, today, calendar, yellow_days, history=False) for r in rows],
            "total": total, "limit": filters.get("limit", 200), "offset": filters.get("offset", 0)}


def get_case(case_id, identity, session, calendar, today, yellow_days):
    row = session.get(CaseRow, case_id)
    if row is None or not _can_see(row, identity):
        if row is not None and identity.role == "officer":
            raise Forbidden("无权查看其他部门或其他地区的办件")
        raise NotFound(f"办件 {case_id} 不存在")
    return case_view(row, today, calendar, yellow_days)


def list_stages(project_code, identity, session, calendar, today, yellow_days, cap_days=59):
    rows = session.execute(select(StageRow).where(StageRow.project_code == project_code)
                           .order_by(StageRow.received_on, StageRow.opened_at)).scalars().all()
    if identity.role == "applicant" and any(r.applicant_org != identity.org for r in rows):
        raise Forbidden("无权查看其他建设单位的项目")
    if identity.role not in ("applicant", "clerk", "officer", "supervisor", "operator"):
        raise Forbidden(f"角色 {identity.role} 无权查看阶段")
    items = [stage_view(r, today, calendar, yellow_days, history=identity.role != "officer") for r in rows]
    return {"items": items, "overall": overall(items, cap_days)}


def overall(items, cap_days):
    """001 §8: the whole flow's working days against the overall cap."""
    used = sum(i["used_days"] for i in items)
    return {"cap_days": cap_days, "used_days": used, "remaining_days": max(0, cap_days - used),
            "over_cap": used > cap_days}


# ---------------------------------------------------------------------------- opening a stage
def open_stage(envelope, uow, calendar):
    """intake/declaration.submitted: the stage and one case per item, once per declaration."""
    if not uow.first_time(envelope, f"{CONSUMER}.declaration_submitted"):
        return None
    p = envelope.payload
    session = uow.session
    existing = session.execute(select(StageRow.id).where(StageRow.declaration_id == p["declaration_id"])) \
        .scalar_one_or_none()
    if existing:  # the same declaration delivered under another event id
        return existing
    stage = Stage.open(id=str(uuid.uuid4()), lead_department=p["lead_department"],
                       limit_days=p["stage_limit_days"], received_on=p["submitted_on"], calendar=calendar)
    stage_row = StageRow(id=stage.id, declaration_id=p["declaration_id"], project_code=envelope.project_code,
                         stage=p["stage"], region=p["region"], applicant_org=p["applicant_org"],
                         project_name=p["project_name"], lead_department=p["lead_department"],
                         received_on=p["submitted_on"], limit_days=stage.limit_days)
    stage_to_row(stage, stage_row)
    session.add(stage_row)
    opened = []
    for item in p["items"]:
        case = Case.open(id=str(uuid.uuid4()), stage_id=stage.id, item_code=item["item_code"],
                         department=item["department"], region=item["region"],
                         limit_days=item["limit_days"], received_on=p["submitted_on"],
                         applicant_org=p["applicant_org"], calendar=calendar)
        row = CaseRow(id=case.id, stage_id=stage.id, project_code=envelope.project_code, stage=p["stage"],
                      item_code=item["item_code"], item_name=item["item_name"], department=item["department"],
                      region=item["region"], applicant_org=p["applicant_org"], project_name=p["project_name"],
                      limit_days=item["limit_days"])
        case_to_row(case, row)
        session.add(row)
        opened.append({"case_id": case.id, "item_code": case.item_code, "department": case.department,
                       "limit_days": case.limit_days})
    session.flush()
    uow.emit(new_event("stage.opened", source=SOURCE, project_code=envelope.project_code,
                       actor=envelope.actor, payload={
                           "stage_id": stage.id, "declaration_id": p["declaration_id"], "stage": p["stage"],
                           "lead_department": p["lead_department"], "limit_days": stage.limit_days,
                           "received_on": p["submitted_on"], "cases": opened}))
    return stage.id


def attach_licence(envelope, uow):
    """certificate/licence.issued: the licence number shown on its case."""
    if not uow.first_time(envelope, f"{CONSUMER}.licence_issued"):
        return
    uow.session.execute(update(CaseRow).where(CaseRow.id == envelope.payload["case_id"])
                        .values(licence_no=envelope.payload["licence_no"]))


def record_supplement_received(envelope, uow):
    """intake/supplement.submitted: the window registered the supplement and passed it on (002 §8); the
    case records its receipt (the officer then checks it and accepts it). Once per event."""
    if not uow.first_time(envelope, f"{CONSUMER}.supplement_submitted"):
        return None
    p = envelope.payload
    session = uow.session
    exists = session.execute(select(CaseRow.project_code).where(CaseRow.id == p["case_id"])).scalar_one_or_none()
    if exists is None or exists != envelope.project_code:
        return None   # not a case of this project: nothing to record against
    stage_row, row = _lock(session, p["case_id"])
    _record(session, row, row.stage_id, None, envelope.actor, opinion=p.get("note") or "",
            action=SUPPLEMENT_RECEIVED, on=p["submitted_on"], details={
                "materials": [{"material_id": m["material_id"], "version": m["version"], "name": m["name"],
                               "sha256": m["sha256"]} for m in p["materials"]],
                "declaration_id": p.get("declaration_id"), "document_no": p.get("document_no"),
                "event_id": envelope.event_id, "state": row.state})
    session.flush()
    return row.id


# ---------------------------------------------------------------------------- acting on a case
def _lock(session, case_id):
    stage_id = session.execute(select(CaseRow.stage_id).where(CaseRow.id == case_id)).scalar_one_or_none()
    if stage_id is None:
        raise NotFound(f"办件 {case_id} 不存在")
    stage_row = session.execute(select(StageRow).where(StageRow.id == stage_id).with_for_update()).scalar_one()
    case_row = session.execute(select(CaseRow).where(CaseRow.id == case_id).with_for_update()
                               .execution_options(populate_existing=True)).scalar_one()
    return stage_row, case_row


def _record(session, case_row, stage_id, outcome, actor, identity_name="", opinion="", reason="",
            special=False, attachment_ref=None, details=None, action=None, on=None):
    """One append-only decision row: a case outcome, or a stage-level act (action, on)."""
    session.add(DecisionRow(case_id=case_row.id if case_row is not None else None, stage_id=stage_id,
                            action=outcome.action if outcome else action,
                            from_state=outcome.from_state if outcome else None,
                            to_state=outcome.to_state if outcome else None,
                            on=outcome.on if outcome else on, actor_id=actor.id,
                            actor_role=actor.role, actor_name=identity_name or "",
                            department=actor.department, opinion=opinion or "", reason=reason or "",
                            special=special, attachment_ref=attachment_ref, details=details or {}))


def _fact(row, on, opinion=""):
    return {"case_id": row.id, "stage_id": row.stage_id, "stage": row.stage, "item_code": row.item_code,
            "item_name": row.item_name, "department": row.department, "region": row.region, "on": on,
            "opinion": opinion or ""}


def _emit(uow, event_type, row, actor, payload):
    uow.emit(new_event(event_type, source=SOURCE, project_code=row.project_code, actor=actor,
                       payload=payload))


def _events_for(uow, row, case, outcome, actor, opinion, calendar):
    """The events that tell the platform what this decision did."""
    fact = _fact(row, outcome.on, opinion)
    clock = case.clock
    action = outcome.action
    if action in ("accept", "deemed_accept") or (action == "accept_supplement" and outcome.clock_started):
        _emit(uow, "case.accepted", row, actor, {**fact, "limit_days": case.limit_days, "due_on": clock.due_on,
                                                 "deemed": outcome.deemed, "due_estimated": clock.estimated})
    elif action == "accept_supplement":
        _emit(uow, "case.supplement_accepted", row, actor, {
            **fact, "accepted_on": case.accepted_on, "due_on": clock.due_on, "due_estimated": clock.estimated,
            "used_days": clock.used_days(outcome.on, calendar)})
    elif action == "request_supplement":
        _emit(uow, "case.supplement_requested", row, actor, {
            **fact, "accepted_on": case.accepted_on,
            "used_days": clock.used_before if clock else 0})
    elif action == "review":
        _emit(uow, "case.reviewed", row, actor, fact)
    elif action == "approve":
        _emit(uow, "case.approved", row, actor, {**fact, "applicant_org": row.applicant_org,
                                                 "project_name": row.project_name})
    elif action == "disapprove":
        _emit(uow, "case.disapproved", row, actor, fact)
    elif action == "conclude":
        _emit(uow, "case.concluded", row, actor, {
            **fact, "outcome": outcome.from_state, "accepted_on": case.accepted_on, "due_on": clock.due_on,
            "on_time": clock.on_time(), "used_days": clock.used_before})
    elif action == "refuse":
        _emit(uow, "case.refused", row, actor, fact)
    elif action == "not_required":
        _emit(uow, "case.not_required", row, actor, fact)
    elif action == "return":
        _emit(uow, "case.returned", row, actor, {**fact, "used_days": clock.used_before if clock else 0,
                                                 "round": case.round})
    elif action == "resubmit":
        _emit(uow, "case.resubmitted", row, actor, {**fact, "round": case.round,
                                                    "limit_days": case.limit_days})
    elif action == "withdraw":
        _emit(uow, "case.withdrawn", row, actor, fact)


def _after_case_change(uow, stage_row, today, calendar, actor):
    """Stage consequences of a case decision: its clock pauses/resumes, and it may conclude."""
    stage = stage_from_row(stage_row)
    cases = [case_from_row(r) for r in stage_row.cases]
    change = stage.sync_clock(cases, today, calendar)
    concluded = stage.try_conclude(cases, today, calendar)
    stage_to_row(stage, stage_row)
    if change:
        _record(uow.session, None, stage_row.id, None, actor, action=f"stage_clock_{change}", on=today,
                details={"due_on": stage.clock.due_on.isoformat() if stage.clock.due_on else None,
                         "used_days": stage.clock.used_before})
        uow.emit(new_event(f"stage.{change}", source=SOURCE, project_code=stage_row.project_code, actor=actor,
                           payload={"stage_id": stage_row.id, "stage": stage_row.stage, "on": today,
                                    "used_days": stage.clock.used_days(today, calendar),
                                    "due_on": stage.clock.due_on, "due_estimated": stage.clock.estimated}))
    if concluded:
        uow.emit(new_event("stage.concluded", source=SOURCE, project_code=stage_row.project_code,
                           actor=actor, payload={
                               "stage_id": stage_row.id, "stage": stage_row.stage,
                               "declaration_id": stage_row.declaration_id, "received_on": stage_row.received_on,
                               "concluded_on": today, "due_on": stage.clock.due_on,
                               "on_time": stage.clock.on_time()}))


def _settle_deemed(uow, case_row, case, today, calendar):
    outcome = case.settle_deemed_acceptance(today, calendar)
    if outcome is None:
        return
    case_to_row(case, case_row)
    _record(uow.session, case_row, case_row.stage_id, outcome, SYSTEM,
            opinion="收到申请后2个工作日内未告知补正，自收到申请之日起视为受理（002 §7(二)）")
    _events_for(uow, case_row, case, outcome, SYSTEM, "视为受理", calendar)


def act_on_case(case_id, cmd, identity, uow, calendar, today, yellow_days, special=None):
    session = uow.session
    stage_row, row = _lock(session, case_id)
    case = case_from_row(row)
    action = cmd["action"]
    if special is None:
        case.authorize(action, identity, roster_for(session, row.department, row.item_code, row.region))
    else:
        case.authorize_special(identity)
        if action not in TRANSITIONS or not TRANSITIONS[action].steps:
            raise ValidationFailed("特殊处理只适用于审批环节", [{"field": "action", "message": "无效的动作"}])
    actor = identity.actor()
    if action != "accept":
        _settle_deemed(uow, row, case, today, calendar)   # 002 §7(二) applies before anything else
    outcome = case.act(action, today, calendar, cmd.get("opinion", ""))
    case_to_row(case, row)
    details = {}
    if special is not None:
        details = {"special_handling": True}
    _record(session, row, row.stage_id, outcome, actor, identity.name, cmd.get("opinion", ""),
            reason=(special or {}).get("reason", ""), special=special is not None,
            attachment_ref=(special or {}).get("attachment_ref"), details=details)
    _events_for(uow, row, case, outcome, actor, cmd.get("opinion", ""), calendar)
    if special is not None:
        _emit(uow, "case.special_handled", row, actor, {
            **_fact(row, today, cmd.get("opinion", "")), "action": action, "from_state": outcome.from_state,
            "to_state": outcome.to_state, "reason": special["reason"],
            "attachment_ref": special["attachment_ref"]})
    session.flush()
    _after_case_change(uow, stage_row, today, calendar, actor)
    session.flush()
    session.refresh(row)
    return case_view(row, today, calendar, yellow_days)


def special_handle(case_id, cmd, identity, uow, calendar, today, yellow_days):
    """004 §17: the department passes a blocked step with a written reason and attachment."""
    return act_on_case(case_id, cmd, identity, uow, calendar, today, yellow_days,
                       special={"reason": cmd["reason"], "attachment_ref": cmd["attachment_ref"]})


# ---------------------------------------------------------------------------- responsible persons (000 §15)
def _changes(session, *conditions):
    rows = session.execute(select(StepAssignmentRow).where(*conditions).order_by(StepAssignmentRow.id)) \
        .scalars().all()
    return rows, [RosterChange(r.department, r.item_code, r.region, r.step, r.officer, r.granted) for r in rows]


def roster_for(session, department, item_code, region):
    _, changes = _changes(session, StepAssignmentRow.department == department,
                          StepAssignmentRow.item_code == item_code, StepAssignmentRow.region == region)
    return Roster(changes)


def configure_step(cmd, identity, uow):
    Roster.authorize_change(identity)
    uow.session.add(StepAssignmentRow(department=identity.department, item_code=cmd["item_code"],
                                      region=identity.region, step=cmd["step"], officer=cmd["officer"],
                                      granted=cmd["granted"], reason=cmd["reason"], changed_by=identity.sub))
    uow.session.flush()
    return list_step_assignments({"item_code": cmd["item_code"]}, identity, uow.session)


def list_step_assignments(filters, identity, session):
    if identity.role not in ("dept_admin", "supervisor", "operator"):
        raise Forbidden("无权查看责任人配置")
    conditions = []
    if identity.role == "dept_admin":
        conditions += [StepAssignmentRow.department == identity.department,
                       StepAssignmentRow.region == identity.region]
    if filters.get("item_code"):
        conditions.append(StepAssignmentRow.item_code == filters["item_code"])
    rows, changes = _changes(session, *conditions)
    roster = Roster(changes)
    current = [{"department": d, "item_code": i, "region": r, "step": s, "officers": sorted(named)}
               for (d, i, r, s), named in sorted(roster.current.items()) if named]
    history = [{"department": r.department, "item_code": r.item_code, "region": r.region, "step": r.step,
                "officer": r.officer, "granted": r.granted, "reason": r.reason, "changed_by": r.changed_by,
                "changed_at": r.changed_at.isoformat() if r.changed_at else None} for r in rows]
    return {"current": current, "history": history}


# ---------------------------------------------------------------------------- extensions (002 §14)
def extend_limit(cmd, identity, uow, calendar, today, yellow_days):
    session = uow.session
    actor = identity.actor()
    if cmd.get("case_id"):
        stage_row, row = _lock(session, cmd["case_id"])
        stage_from_row(stage_row).authorize_lead(identity)
        case = case_from_row(row)
        case.extend(cmd["days"], calendar)
        case_to_row(case, row)
        clock = case.clock
    else:
        stage_row = session.execute(select(StageRow).where(StageRow.id == cmd["stage_id"])
                                    .with_for_update()).scalar_one_or_none()
        if stage_row is None:
            raise NotFound(f"阶段 {cmd['stage_id']} 不存在")
        stage = stage_from_row(stage_row)
        stage.authorize_lead(identity)
        stage.extend(cmd["days"], calendar)
        stage_to_row(stage, stage_row)
        clock, row = stage.clock, None
    _record(session, row, stage_row.id, None, actor, identity.name, reason=cmd["reason"],
            action="extend", on=today, details={"days": cmd["days"],
                     "extension_days": clock.extension_days,
                     "due_on": clock.due_on.isoformat() if clock.due_on else None})
    uow.emit(new_event("stage.extended", source=SOURCE, project_code=stage_row.project_code, actor=actor,
                       payload={"stage_id": stage_row.id, "stage": stage_row.stage,
                                "case_id": row.id if row is not None else None,
                                "department": identity.department, "days": cmd["days"],
                                "reason": cmd["reason"], "limit_days": clock.limit_days,
                                "extension_days": clock.extension_days, "due_on": clock.due_on, "on": today}))
    session.flush()
    if row is not None:
        session.refresh(row)
        return {"case": case_view(row, today, calendar, yellow_days)}
    session.refresh(stage_row)
    return {"stage": stage_view(stage_row, today, calendar, yellow_days)}


# ---------------------------------------------------------------------------- the deadline sweeper
def sweep(uow, calendar, today, batch=500):
    """One batch of due deadlines, claimed with SKIP LOCKED so that replicas share the work and
    each deadline is acted on once: 002 §7(二) deemed acceptances, then 004 §14 missing opinions.
    Returns how many cases it acted on."""
    session = uow.session
    acted = 0
    due_acceptance = session.execute(
        select(CaseRow).where(CaseRow.state == SUBMITTED, CaseRow.acceptance_due_on < today)
        .order_by(CaseRow.acceptance_due_on).limit(batch).with_for_update(skip_locked=True)
        .options(noload(CaseRow.decisions), noload(CaseRow.stage_row))
        .execution_options(populate_existing=True)).scalars().all()
    for row in due_acceptance:
        case = case_from_row(row)
        _settle_deemed(uow, row, case, today, calendar)
        acted += 1
    lapsed = session.execute(
        select(CaseRow).where(CaseRow.state.in_((ACCEPTED, REVIEWED)), CaseRow.clock_running_since.isnot(None),
                              CaseRow.lapsed_on.is_(None), CaseRow.due_on < today)
        .order_by(CaseRow.due_on).limit(batch).with_for_update(skip_locked=True)
        .options(noload(CaseRow.decisions), noload(CaseRow.stage_row))
        .execution_options(populate_existing=True)).scalars().all()
    for row in lapsed:
        case = case_from_row(row)
        outcome = case.lapse(today)
        if outcome is None:
            continue
        case_to_row(case, row)
        _record(session, row, row.stage_id, outcome, SYSTEM, opinion=NO_OPINION,
                details={"due_on": row.due_on.isoformat()})
        _emit(uow, "case.lapsed", row, SYSTEM, {
            **_fact(row, today, NO_OPINION), "due_on": case.clock.due_on,
            "used_days": case.clock.used_days(today, calendar)})
        acted += 1
    session.flush()
    return acted


def sweep_all(unit_of_work, today, batch=500):
    """Sweep batch after batch, each in its own transaction, until a batch comes back short."""
    total = 0
    while True:
        with unit_of_work() as uow:
            acted = sweep(uow, current_calendar(uow.session), today, batch=batch)
        total += acted
        if acted < batch:
            return total


__all__ = ["open_stage", "attach_licence", "act_on_case", "special_handle", "extend_limit", "sweep", "sweep_all",
           "list_cases", "get_case", "list_stages", "load_calendar_year", "current_calendar",
           "configure_step", "list_step_assignments"]
