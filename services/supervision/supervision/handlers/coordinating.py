"""Coordination requests (协调申请, 000 §18, 004 §22) and inspection notes (督查).

A department that cannot settle a problem of a stage alone asks the stage's lead department to
coordinate, with a reply deadline; the lead department replies (each reply kept); a request
without a reply past its deadline is overdue. The lead department or a supervisor records
inspection notes on a case or a department. Everything is append-only and told through the inbox.
"""
import uuid

from sqlalchemy import exists, func, select

from platform_kit import notices as kinds
from platform_kit.calendar_store import current_calendar
from platform_kit.db import utcnow
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import OFFICER, SUPERVISOR, within_region
from supervision.adapters.orm import (CaseClockRow, CoordinationReplyRow, CoordinationRequestRow, InspectionNoteRow,
                                      StageClockRow)
from supervision.domain import acting, reach
from supervision.domain.notices import Audience, Notice
from supervision.handlers.notices import deliver
from supervision.handlers.urging import _project_region, case_target, visible

DEFAULT_REPLY_DAYS = 2


# ------------------------------------------------------------------------------ coordination
def file_request(uow, identity, cmd, today):
    session = uow.session
    department = reach.own_department(identity)
    stage = session.get(StageClockRow, cmd["stage_id"])
    if stage is None or not stage.lead_department:
        raise NotFound("监督台账中没有这个阶段")
    if stage.lead_department == department:
        raise Conflict("本部门即为该阶段的牵头部门，无需申请协调")
    region = _project_region(session, stage.project_code)
    if cmd.get("case_id"):
        case = session.get(CaseClockRow, cmd["case_id"])
        if case is None or case.stage_id != stage.stage_id:
            raise ValidationFailed("办件不属于该阶段", [{"field": "case_id", "message": "办件不属于该阶段"}])
        region = case.region or region
    if not within_region(region or "", identity.region):
        raise Forbidden("只能就本行政区划内的阶段申请协调")
    if not session.execute(select(exists().where(CaseClockRow.stage_id == stage.stage_id,
                                                 CaseClockRow.department == department))).scalar():
        raise Forbidden("本部门在该阶段没有办件，不能申请协调")
    if cmd.get("reply_due_on") is not None:
        if cmd["reply_due_on"] <= today:
            raise ValidationFailed("答复期限须晚于今日", [{"field": "reply_due_on", "message": "答复期限须晚于今日"}])
        due = cmd["reply_due_on"]
    else:
        due = current_calendar(session).estimating().add_working_days(today, cmd.get("reply_days") or DEFAULT_REPLY_DAYS)
    row = CoordinationRequestRow(
        request_id=str(uuid.uuid4()), project_code=stage.project_code, stage_id=stage.stage_id,
        case_id=cmd.get("case_id"), lead_department=stage.lead_department, region=region, from_department=department,
        from_region=identity.region, requester=identity.sub, requester_name=identity.name or None,
        subject=cmd["subject"].strip(), description=cmd["description"].strip(), reply_due_on=due, created_at=utcnow())
    session.add(row)
    session.flush()
    deliver(uow, Notice(audience=Audience.office(row.lead_department, region), kind=kinds.COORDINATION,
                        title=f"协调申请：{row.subject}",
                        body=f"{department} 申请牵头部门协调（项目 {row.project_code}）：{row.description}；"
                             f"请于 {due} 前答复。",
                        dedupe=f"coordination:{row.request_id}", project_code=row.project_code,
                        stage_id=row.stage_id, case_id=row.case_id, subject=f"coordination:{row.request_id}",
                        sender=identity.sub))
    return _request_view(row, [], today)


def reply(uow, identity, request_id, cmd, today):
    session = uow.session
    department = reach.own_department(identity)
    row = session.get(CoordinationRequestRow, request_id)
    condition = visible(CoordinationRequestRow, identity, CoordinationRequestRow.lead_department,
                        sender_column=CoordinationRequestRow.from_department)
    if row is None or (condition is not None and not session.execute(select(exists().where(
            CoordinationRequestRow.request_id == request_id, condition))).scalar()):
        raise NotFound("没有这条协调申请")
    if row.lead_department != department:
        raise Forbidden("只有牵头部门可以答复协调申请")
    answer = CoordinationReplyRow(reply_id=str(uuid.uuid4()), request_id=request_id, department=department,
                                  replier=identity.sub, replier_name=identity.name or None,
                                  body=cmd["body"].strip(), replied_on=today, created_at=utcnow())
    session.add(answer)
    session.flush()
    deliver(uow, Notice(audience=Audience.office(row.from_department, row.from_region), kind=kinds.COORDINATION,
                        title=f"协调申请已答复：{row.subject}", body=f"牵头部门 {department} 答复：{answer.body}",
                        dedupe=f"coordination-reply:{answer.reply_id}", project_code=row.project_code,
                        stage_id=row.stage_id, case_id=row.case_id, subject=f"coordination:{row.request_id}",
                        sender=identity.sub))
    return _request_view(row, _replies(session, [request_id]).get(request_id, []), today)


def _replies(session, ids):
    out = {}
    for r in session.execute(select(CoordinationReplyRow).where(CoordinationReplyRow.request_id.in_(ids))
                             .order_by(CoordinationReplyRow.created_at)).scalars():
        out.setdefault(r.request_id, []).append({
            "reply_id": r.reply_id, "department": r.department, "replier": r.replier,
            "replier_name": r.replier_name, "body": r.body, "replied_on": r.replied_on, "created_at": r.created_at})
    return out


def _state(replies, due, today):
    if replies:
        return "answered"
    return "overdue" if due < today else "open"


def _request_view(row, replies, today):
    return {"request_id": row.request_id, "project_code": row.project_code, "stage_id": row.stage_id,
            "case_id": row.case_id, "lead_department": row.lead_department, "region": row.region,
            "from_department": row.from_department, "requester": row.requester,
            "requester_name": row.requester_name, "subject": row.subject, "description": row.description,
            "reply_due_on": row.reply_due_on, "state": _state(replies, row.reply_due_on, today),
            "created_at": row.created_at, "replies": replies}


def list_requests(uow, identity, cmd, today):
    """Sent and received requests of the caller's department (a supervisor: their region's), overdue
    first, then the newest."""
    session = uow.session
    m = CoordinationRequestRow
    where = []
    condition = visible(m, identity, m.lead_department, sender_column=m.from_department)
    if condition is not None:
        where.append(condition)
    department = reach.own_department(identity)
    if cmd.get("role") and department is None:
        raise ValidationFailed("只有部门账号可按发出或收到筛选", [{"field": "role", "message": "只有部门账号可按发出或收到筛选"}])
    if cmd.get("role") == "sent":
        where.append(m.from_department == department)
    elif cmd.get("role") == "received":
        where.append(m.lead_department == department)
    if cmd.get("project_code"):
        where.append(m.project_code == cmd["project_code"])
    answered = exists().where(CoordinationReplyRow.request_id == m.request_id)
    if cmd.get("state") == "answered":
        where.append(answered)
    elif cmd.get("state") == "overdue":
        where += [~answered, m.reply_due_on < today]
    elif cmd.get("state") == "open":
        where += [~answered, m.reply_due_on >= today]
    total = session.execute(select(func.count()).select_from(m).where(*where)).scalar_one()
    overdue_first = (~answered & (m.reply_due_on < today))
    rows = session.execute(select(m).where(*where).order_by(overdue_first.desc(), m.created_at.desc(), m.request_id)
                           .limit(cmd["limit"]).offset(cmd["offset"])).scalars().all()
    replies = _replies(session, [r.request_id for r in rows]) if rows else {}
    return {"items": [_request_view(r, replies.get(r.request_id, []), today) for r in rows], "total": total,
            "limit": cmd["limit"], "offset": cmd["offset"]}


# ------------------------------------------------------------------------------ inspection notes
def record_inspection(uow, identity, cmd):
    session = uow.session
    if cmd["target_kind"] == "case":
        if not cmd.get("case_id"):
            raise ValidationFailed("请指明办件", [{"field": "case_id", "message": "督查办件须给出 case_id"}])
        target = case_target(session, cmd["case_id"])
        acting.check_may_inspect(identity, target)
    else:
        if not cmd.get("department"):
            raise ValidationFailed("请指明部门", [{"field": "department", "message": "督查部门须给出 department"}])
        region = cmd.get("region") or identity.region
        target = acting.Target(kind="department", id=cmd["department"], department=cmd["department"], region=region)
        if identity.role == OFFICER:
            leads = session.execute(select(exists().where(
                StageClockRow.lead_department == identity.department,
                StageClockRow.stage_id.in_(select(CaseClockRow.stage_id).where(
                    CaseClockRow.department == cmd["department"]))))).scalar()
            if not leads or not within_region(region, identity.region):
                raise Forbidden("只有牵头部门（就其牵头阶段中的部门）或督查人员可以督查部门")
        elif identity.role != SUPERVISOR or not within_region(region, identity.region):
            raise Forbidden("督查人员只能督查本行政区划内的部门")
    row = InspectionNoteRow(
        note_id=str(uuid.uuid4()), target_kind=cmd["target_kind"], case_id=target.case_id,
        project_code=target.project_code, department=target.department, region=target.region,
        finding=cmd["finding"].strip(), required_action=cmd["required_action"].strip(), inspector=identity.sub,
        inspector_name=identity.name or None, inspector_role=identity.role,
        inspector_department=identity.department, created_at=utcnow())
    session.add(row)
    session.flush()
    what = f"办件「{target.label}」" if target.kind == acting.CASE else "本部门"
    deliver(uow, Notice(audience=Audience.office(row.department, row.region), kind=kinds.INSPECTION,
                        title=f"督查意见：{what}", body=f"督查发现：{row.finding}；整改要求：{row.required_action}",
                        dedupe=f"inspection:{row.note_id}", project_code=row.project_code, case_id=row.case_id,
                        stage_id=target.stage_id, subject=f"inspection:{row.note_id}", sender=identity.sub))
    return _note_view(row)


def _note_view(row):
    return {name: getattr(row, name) for name in (
        "note_id", "target_kind", "case_id", "project_code", "department", "region", "finding", "required_action",
        "inspector", "inspector_name", "inspector_role", "inspector_department", "created_at")}


def list_inspections(uow, identity, cmd):
    session = uow.session
    m = InspectionNoteRow
    where = []
    condition = visible(m, identity, m.department, sender_column=m.inspector_department)
    if condition is not None:
        where.append(condition)
    for name in ("case_id", "department", "project_code"):
        if cmd.get(name):
            where.append(getattr(m, name) == cmd[name])
    total = session.execute(select(func.count()).select_from(m).where(*where)).scalar_one()
    rows = session.execute(select(m).where(*where).order_by(m.created_at.desc(), m.note_id)
                           .limit(cmd["limit"]).offset(cmd["offset"])).scalars().all()
    return {"items": [_note_view(r) for r in rows], "total": total, "limit": cmd["limit"], "offset": cmd["offset"]}


__all__ = ["file_request", "reply", "list_requests", "record_inspection", "list_inspections", "DEFAULT_REPLY_DAYS"]
