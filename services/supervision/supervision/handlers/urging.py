"""Urges (催办, 000 §18, 002 §2(三), 004 §21): sending one and listing a case's or a project's.

An urge is stored once (who, when, what, why), announced as ``urge.sent`` and delivered as a
notice to the officers of the department urged in its region and to its head; reading it is
recorded by their inbox, and the list of urges says who read each.
"""
import uuid

from sqlalchemy import and_, func, or_, select

from platform_kit import notices as kinds
from platform_kit.contracts import new_event
from platform_kit.db import utcnow
from platform_kit.errors import Forbidden, NotFound, ValidationFailed
from platform_kit.identity import OPERATOR, SUPERVISOR, region_prefix
from platform_kit.notices import URGENCY_NAMES
from supervision.adapters.orm import CaseClockRow, NotificationRow, ProjectRow, StageClockRow, TimelineEntryRow, UrgeRow
from supervision.domain import acting, reach
from supervision.domain.notices import Notice
from supervision.handlers.notices import deliver, readers


def _project_region(session, project_code):
    project = session.get(ProjectRow, project_code) if project_code else None
    return reach.region_of(project_code, project.region if project else None)


def _lead_of(session, stage_id):
    if not stage_id:
        return None
    return session.execute(select(StageClockRow.lead_department).where(
        StageClockRow.stage_id == stage_id)).scalar_one_or_none()


def case_target(session, case_id, kind=acting.CASE):
    row = session.get(CaseClockRow, case_id)
    if row is None or not row.department:
        raise NotFound("监督台账中没有这个办件")
    return acting.Target(kind=kind, id=case_id, department=row.department,
                         region=row.region or _project_region(session, row.project_code),
                         project_code=row.project_code, stage_id=row.stage_id, case_id=case_id,
                         lead_department=_lead_of(session, row.stage_id), label=row.item_name or row.item_code or "")


def stage_target(session, stage_id):
    row = session.get(StageClockRow, stage_id)
    if row is None or not row.lead_department:
        raise NotFound("监督台账中没有这个阶段")
    return acting.Target(kind=acting.STAGE, id=stage_id, department=row.lead_department,
                         region=_project_region(session, row.project_code), project_code=row.project_code,
                         stage_id=stage_id, lead_department=row.lead_department, label="阶段")


def _consultation_target(session, consultation_id, department):
    entry = session.execute(select(TimelineEntryRow).where(
        TimelineEntryRow.type == "consultation.opened",
        TimelineEntryRow.payload["consultation_id"].as_string() == consultation_id)).scalars().first()
    if entry is None:
        raise NotFound("监督台账中没有这次征求意见")
    p = entry.payload
    asked = list(p.get("asked_of") or [])
    if department is None and len(asked) == 1:
        department = asked[0]
    if department not in asked:
        raise ValidationFailed("请指明被催办的部门", [{"field": "department",
                                                "message": f"被催办的部门须为被征询部门之一：{'、'.join(asked)}"}])
    case = session.get(CaseClockRow, p["case_id"]) if p.get("case_id") else None
    stage_id = case.stage_id if case else None
    return acting.Target(kind=acting.CONSULTATION, id=consultation_id, department=department,
                         region=p.get("region") or _project_region(session, entry.project_code),
                         project_code=entry.project_code, stage_id=stage_id, case_id=p.get("case_id"),
                         lead_department=_lead_of(session, stage_id), label="征求意见")


def target_of(session, identity, cmd):
    kind, target_id = cmd["target_kind"], cmd["target_id"]
    if kind == acting.CASE:
        return case_target(session, target_id)
    if kind == acting.STAGE:
        return stage_target(session, target_id)
    if kind == acting.CONSULTATION:
        return _consultation_target(session, target_id, cmd.get("department"))
    # a guidance answer: only its id's form and the department awaited are known here
    errors = []
    if not acting.GUIDANCE_ID.fullmatch(target_id):
        errors.append({"field": "target_id", "message": "辅导答复编号格式不正确"})
    if not cmd.get("department"):
        errors.append({"field": "department", "message": "催办辅导答复须指明答复部门"})
    if errors:
        raise ValidationFailed("催办内容有误", errors)
    return acting.Target(kind=acting.GUIDANCE, id=target_id, department=cmd["department"], region=identity.region,
                         label="辅导答复")


def send_urge(uow, identity, cmd, today):
    """Record the urge, tell the department urged and its head, announce ``urge.sent``."""
    session = uow.session
    if not (cmd.get("message") or "").strip():
        raise ValidationFailed("催办内容不能为空", [{"field": "message", "message": "催办内容不能为空"}])
    target = target_of(session, identity, cmd)
    acting.check_may_urge(identity, target)
    row = UrgeRow(urge_id=str(uuid.uuid4()), target_kind=target.kind, target_id=target.id,
                  project_code=target.project_code, stage_id=target.stage_id, case_id=target.case_id,
                  department=target.department, region=target.region, lead_department=target.lead_department,
                  urgency=cmd["urgency"], message=cmd["message"].strip(), sender=identity.sub,
                  sender_name=identity.name or None, sender_role=identity.role,
                  sender_department=identity.department, sender_region=identity.region, created_at=utcnow())
    session.add(row)
    session.flush()
    what = acting.TARGET_NAMES[target.kind] + (f"「{target.label}」" if target.label and target.kind == acting.CASE else "")
    for audience in acting.urge_recipients(target):
        deliver(uow, Notice(
            audience=audience, kind=kinds.URGE, urgency=row.urgency,
            title=f"【{URGENCY_NAMES[row.urgency]}】催办：{what}",
            body=f"{identity.name or identity.sub} 催办{what}" + (f"（项目 {target.project_code}）" if target.project_code else "")
                 + f"：{row.message}",
            dedupe=f"urge:{row.urge_id}", project_code=target.project_code, case_id=target.case_id,
            stage_id=target.stage_id, subject=f"urge:{row.urge_id}", sender=identity.sub))
    uow.emit(new_event("urge.sent", source="supervision", project_code=target.project_code,
                       actor=identity.actor(), payload={
                           "urge_id": row.urge_id, "target_kind": target.kind, "target_id": target.id,
                           "stage_id": target.stage_id, "case_id": target.case_id, "department": target.department,
                           "region": target.region, "urgency": row.urgency, "message": row.message,
                           "sent_by": identity.sub, "sent_on": today}))
    return _view(row, [])


def _view(row, read_by):
    return {"urge_id": row.urge_id, "target_kind": row.target_kind, "target_id": row.target_id,
            "project_code": row.project_code, "stage_id": row.stage_id, "case_id": row.case_id,
            "department": row.department, "region": row.region, "urgency": row.urgency, "message": row.message,
            "sender": row.sender, "sender_name": row.sender_name, "sender_role": row.sender_role,
            "sender_department": row.sender_department, "created_at": row.created_at, "readers": read_by}


def visible(model, identity, department_column, lead_column=None, sender_column=None):
    """The SQL condition of what a caller reads of supervision's records: the operator everything, a
    supervisor their region, a department's staff (in their region) what concerns their department,
    what their department leads and what it sent."""
    if identity.role == OPERATOR:
        return None
    prefix = region_prefix(identity.region)
    if prefix is None:
        raise Forbidden("账号未关联行政区划，不能查看")
    in_region = or_(model.region.is_(None), model.region.startswith(prefix, autoescape=True))
    if identity.role == SUPERVISOR:
        return model.region.startswith(prefix, autoescape=True)
    department = reach.own_department(identity)
    mine = [department_column == department]
    if lead_column is not None:
        mine.append(lead_column == department)
    if sender_column is not None:
        mine.append(sender_column == department)
    return and_(in_region, or_(*mine))


def list_urges(uow, identity, cmd):
    """The urges of a case or a project, newest first, with who read each."""
    if not (cmd.get("case_id") or cmd.get("project_code")):
        raise ValidationFailed("请指明办件或项目", [{"field": "case_id", "message": "须给出 case_id 或 project_code"}])
    session = uow.session
    where = []
    if cmd.get("case_id"):
        where.append(UrgeRow.case_id == cmd["case_id"])
    if cmd.get("project_code"):
        where.append(UrgeRow.project_code == cmd["project_code"])
    condition = visible(UrgeRow, identity, UrgeRow.department, UrgeRow.lead_department, UrgeRow.sender_department)
    if condition is not None:
        where.append(condition)
    total = session.execute(select(func.count()).select_from(UrgeRow).where(*where)).scalar_one()
    rows = session.execute(select(UrgeRow).where(*where).order_by(UrgeRow.created_at.desc(), UrgeRow.urge_id)
                           .limit(cmd["limit"]).offset(cmd["offset"])).scalars().all()
    subjects = {f"urge:{r.urge_id}": r.urge_id for r in rows}
    notices = session.execute(select(NotificationRow.notification_id, NotificationRow.subject).where(
        NotificationRow.subject.in_(list(subjects)))).all() if subjects else []
    read = readers(uow, [n for n, _ in notices])
    by_urge = {}
    for notification_id, subject in notices:
        by_urge.setdefault(subjects[subject], []).extend(read.get(notification_id, []))
    items = []
    for r in rows:
        seen = {}
        for entry in sorted(by_urge.get(r.urge_id, []), key=lambda e: e["read_at"]):
            seen.setdefault(entry["account"], entry)
        items.append(_view(r, list(seen.values())))
    return {"items": items, "total": total, "limit": cmd["limit"], "offset": cmd["offset"]}


__all__ = ["send_urge", "list_urges", "case_target", "stage_target", "visible"]
