"""Use cases of joint guidance (联合辅导, :mod:`consult.domain.guidance`): requests, the lead department's
signing, its team from the staff directory, the supporting departments' call-out and arrival."""
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from consult import guidance_facts as facts
from consult.adapters.guidance_orm import (GuidanceCalloutRow, GuidanceListRow, GuidanceProjectRow, GuidanceRow,
                                           GuidanceStaffRow, GuidanceStepRow, GuidanceTeamRow)
from consult.adapters.orm import DepartmentRow
from consult.domain import guidance as rules
from platform_kit.clock_facts import light_on
from platform_kit.contracts import new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import APPLICANT, CLERK, OFFICER, SUPERVISOR, within_region
from platform_kit.times import utcnow

SOURCE = "consult"


# ---------------------------------------------------------------------------- views
def _question_view(q, today):
    light = None
    if q.due_on is not None and q.answered_on is None and today is not None:
        light = light_on({"due_on": q.due_on, "yellow_on": q.yellow_on, "paused": False, "stopped_on": None}, today)
    return {"id": q.id, "question": q.question, "tags": list(q.tags or ()), "department": q.department,
            "mode": q.mode, "asked_by": q.asked_by, "asked_on": q.asked_on, "due_on": q.due_on, "answer": q.answer,
            "answered_by": q.answered_by, "answered_on": q.answered_on, "lapsed_on": q.lapsed_on, "light": light,
            "on_time": None if q.answered_on is None else (q.due_on is None or q.answered_on <= q.due_on)}


def lists_of(session, guidance_id):
    rows = session.execute(select(GuidanceListRow).where(GuidanceListRow.guidance_id == guidance_id)
                           .order_by(GuidanceListRow.issued_on, GuidanceListRow.id)).scalars().all()
    replaced = {r.supersedes: r.id for r in rows if r.supersedes}
    return [list_summary(r, replaced.get(r.id)) for r in rows]


def list_summary(row, superseded_by=None):
    return {"list_id": row.id, "kind": row.kind, "stage": row.stage, "department": row.department,
            "issued_by": row.issued_by, "issued_on": row.issued_on, "supersedes": row.supersedes,
            "reason": row.reason, "superseded_by": superseded_by}


def view(row, session, today=None):
    return {
        "id": row.id, "project_code": row.project_code, "session_no": row.session_no, "intention": row.intention,
        "applicant_org": row.applicant_org, "category": row.category, "stage": row.stage, "works": row.works,
        "lead_department": row.lead_department, "region": row.region, "channel": row.channel, "topic": row.topic,
        "requested_by": row.requested_by, "requested_on": row.requested_on, "state": row.state,
        "state_name": rules.STATE_NAMES[row.state], "flagged": bool(row.flagged), "place": row.place or "",
        "called_at": row.called_at, "closed_on": row.closed_on,
        "steps": [{"action": s.action, "state": s.state, "actor": s.actor, "department": s.department, "at": s.at,
                   "on": s.on, "note": s.note} for s in row.steps],
        "team": [{"staff_id": t.staff_id, "department": t.department, "name": t.name} for t in row.team],
        "callouts": [{"department": c.department, "called_at": c.called_at, "arrived_at": c.arrived_at,
                      "online": bool(c.online), "minutes": c.minutes, "late": c.late} for c in row.callouts],
        "questions": [_question_view(q, today) for q in row.questions],
        "findings": [{"item_code": f.item_code, "material": f.material, "result": f.result,
                      "result_name": rules.FINDINGS[f.result], "note": f.note, "department": f.department,
                      "recorded_on": f.recorded_on} for f in row.findings],
        "lists": lists_of(session, row.id),
    }


def record_step(uow, row, action, identity, today, note=""):
    uow.session.add(GuidanceStepRow(guidance_id=row.id, action=action, state=row.state, actor=identity.sub,
                                    department=identity.department, at=utcnow(), on=today, note=note))


# ---------------------------------------------------------------------------- who sees what
def visible(row, identity):
    if identity.role == SUPERVISOR:
        return within_region(row.region, identity.region)
    if identity.role == APPLICANT:
        return row.applicant_org is not None and row.applicant_org == identity.org
    if identity.role == CLERK:
        return within_region(row.region, identity.region)
    return identity.department == row.lead_department or identity.department in {c.department for c in row.callouts}


def load(session, guidance_id, identity, lock=False, speaking=False):
    """The session, if the caller may see it. `speaking`: an officer acting in it (answering,
    pre-reviewing) is told why they may not, rather than that it does not exist."""
    query = select(GuidanceRow).where(GuidanceRow.id == guidance_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.execute(query).scalar_one_or_none()
    if row is None or not (visible(row, identity) or (speaking and identity.role == OFFICER)):
        raise NotFound(f"辅导 {guidance_id} 不存在")
    return row


def require_lead(row, identity, what):
    if identity.role != OFFICER or identity.department != row.lead_department:
        raise Forbidden(f"只有牵头部门（{row.lead_department}）可以{what}")


# ---------------------------------------------------------------------------- requests
def request_guidance(cmd, identity, uow, today):
    """An applicant online or the window on site asks for guidance on a stage (003 §11(一)); routed
    to the lead department by stage and kind of works (003 §4). The fourth and every later session
    of one project is flagged as abnormal (003 §12)."""
    session = uow.session
    project = None
    if cmd.get("project_code"):
        project = session.execute(select(GuidanceProjectRow).where(
            GuidanceProjectRow.project_code == cmd["project_code"]).with_for_update()).scalar_one_or_none()
        if project is None or (identity.role == APPLICANT and project.applicant_org != identity.org):
            raise ValidationFailed("项目不存在", [{"field": "project_code", "message": f"项目 {cmd['project_code']} 不存在"}])
        category, region, org = project.category, project.region, project.applicant_org
    else:
        errors = [{"field": name, "message": "未登记项目的辅导须填写" + label}
                  for name, label in (("intention", "项目意向"), ("category", "项目类别"), ("region", "行政区划"))
                  if not cmd.get(name)]
        if errors:
            raise ValidationFailed("请填写项目代码，或项目意向、类别与行政区划", errors)
        category, region = cmd["category"], cmd["region"]
        org = identity.org if identity.role == APPLICANT else cmd.get("applicant_org")
    if identity.role == CLERK and not within_region(region, identity.region):
        raise Forbidden("窗口人员只能为本行政区划的项目申请辅导")
    lead = facts.lead_for(session, category=category, stage=cmd["stage"], works=cmd["works"])
    rules.check_lead(cmd.get("lead_department"), lead)
    session_no = None
    if project is not None:
        project.sessions += 1
        session_no = project.sessions
    row = GuidanceRow(id=str(uuid.uuid4()), project_code=project.project_code if project else None,
                      session_no=session_no, intention=None if project else cmd["intention"], applicant_org=org,
                      category=category, stage=cmd["stage"], works=cmd["works"], lead_department=lead, region=region,
                      channel=rules.ONLINE if identity.role == APPLICANT else rules.WINDOW, topic=cmd["topic"],
                      requested_by=identity.sub, requested_on=today, state=rules.REQUESTED,
                      flagged=rules.flagged(session_no))
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("同一项目的另一辅导申请正在同时登记，请重新提交") from None
    record_step(uow, row, "request", identity, today, cmd["topic"])
    uow.emit(new_event("guidance.requested", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"guidance_id": row.id, "stage": row.stage, "category": row.category,
                                "works": row.works, "lead_department": lead, "region": region,
                                "channel": row.channel, "applicant_org": org, "intention": row.intention,
                                "topic": row.topic, "session_no": session_no, "requested_on": today}))
    if row.flagged:
        earlier = session.execute(select(GuidanceRow.id).where(GuidanceRow.project_code == row.project_code)
                                  .order_by(GuidanceRow.session_no)).scalars().all()
        uow.emit(new_event("guidance.flagged", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                           payload={"guidance_id": row.id, "session_no": session_no, "sessions": list(earlier),
                                    "lead_department": lead, "region": region, "stage": row.stage,
                                    "flagged_on": today}))
    session.flush()
    return view(row, session, today)


def sign(guidance_id, cmd, identity, uow, today):
    """The lead department signs for the request (签收) and handles it."""
    row = load(uow.session, guidance_id, identity, lock=True)
    require_lead(row, identity, "签收辅导申请")
    row.state = rules.move(row.state, "sign")
    record_step(uow, row, "sign", identity, today, cmd["note"])
    uow.session.flush()
    return view(row, uow.session, today)


def schedule(guidance_id, cmd, identity, uow, today):
    """The lead department picks its team from the directory and calls the supporting departments
    out (003 §7, §8); each must arrive within 15 minutes of `called_at`."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True)
    require_lead(row, identity, "组织联合辅导")
    state = rules.move(row.state, "call_out")
    supporting = list(dict.fromkeys(cmd["supporting"]))
    known = set(session.execute(select(DepartmentRow.code)).scalars())
    rules.check_team_departments(lead=row.lead_department, supporting=supporting, known=known)
    staff = [session.get(GuidanceStaffRow, s) for s in dict.fromkeys(cmd["team"])]
    rules.check_team([None if s is None else {"name": s.name, "department": s.department, "retired_on": s.retired_on}
                      for s in staff], departments={row.lead_department, *supporting})
    called_at = cmd.get("called_at") or utcnow()
    if called_at > utcnow():
        raise ValidationFailed("通知时间不能晚于现在", [{"field": "called_at", "message": "通知时间不能晚于现在"}])
    row.state, row.called_at, row.place = state, called_at, cmd.get("place") or ""
    session.add_all([GuidanceTeamRow(guidance_id=row.id, staff_id=s.id, department=s.department, name=s.name)
                     for s in staff])
    session.add_all([GuidanceCalloutRow(guidance_id=row.id, department=d, called_at=called_at) for d in supporting])
    record_step(uow, row, "call_out", identity, today, "、".join(supporting))
    uow.emit(new_event("guidance.scheduled", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"guidance_id": row.id, "lead_department": row.lead_department,
                                "team": [s.id for s in staff], "supporting": supporting, "called_at": called_at,
                                "place": row.place}))
    session.flush()
    session.refresh(row)
    return view(row, session, today)


def record_arrival(guidance_id, cmd, identity, uow, today):
    """A supporting department's arrival (or online join), recorded by the lead department or by the
    department itself; later than 15 minutes after the call it is recorded as late (003 §7)."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True)
    rules.require_working(row.state, "登记到场")
    department = cmd.get("department") or identity.department
    if identity.role != OFFICER or identity.department not in (row.lead_department, department):
        raise Forbidden("只有牵头部门或该配合部门本身可以登记到场")
    callout = session.get(GuidanceCalloutRow, (row.id, department))
    if callout is None:
        raise ValidationFailed("该部门未被通知参加本次辅导",
                               [{"field": "department", "message": f"部门 {department} 未被通知参加本次辅导"}])
    if callout.arrived_at is not None:
        raise Conflict(f"部门 {department} 的到场已登记，不可更改")
    arrived_at = cmd.get("arrived_at") or utcnow()
    minutes, late = rules.arrival(callout.called_at, arrived_at)
    callout.arrived_at, callout.online, callout.minutes, callout.late = arrived_at, bool(cmd.get("online")), minutes, late
    callout.recorded_by = identity.sub
    record_step(uow, row, "arrival", identity, today,
                f"{department} {'线上加入' if callout.online else '到场'}，用时 {minutes} 分钟{'（超过15分钟，迟到）' if late else ''}")
    session.flush()
    session.refresh(row)
    return view(row, session, today)


# ---------------------------------------------------------------------------- staff directory (003 §8)
def staff_view(s):
    return {"id": s.id, "department": s.department, "region": s.region, "name": s.name, "title": s.title,
            "phone": s.phone, "expertise": s.expertise, "added_by": s.added_by, "added_on": s.added_on,
            "retired_on": s.retired_on, "active": s.retired_on is None}


def add_staff(cmd, identity, uow, today):
    if identity.department is None:
        raise Forbidden("只有部门人员可以维护本部门的辅导人员名录")
    row = GuidanceStaffRow(id=str(uuid.uuid4()), department=identity.department, region=identity.region,
                           name=cmd["name"], title=cmd.get("title") or "", phone=cmd.get("phone") or "",
                           expertise=cmd.get("expertise") or "", added_by=identity.sub, added_on=today)
    uow.session.add(row)
    uow.session.flush()
    return staff_view(row)


def retire_staff(staff_id, identity, uow, today):
    row = uow.session.get(GuidanceStaffRow, staff_id)
    if row is None:
        raise NotFound(f"辅导人员 {staff_id} 不存在")
    if identity.department != row.department:
        raise Forbidden("只能调整本部门的辅导人员名录")
    if row.retired_on is not None:
        raise Conflict(f"{row.name} 已退出名录")
    row.retired_on, row.retired_by = today, identity.sub
    uow.session.flush()
    return staff_view(row)


def list_staff(filters, uow):
    query = select(GuidanceStaffRow)
    for name in ("department", "region"):
        if filters.get(name):
            query = query.where(getattr(GuidanceStaffRow, name) == filters[name])
    if not filters.get("include_retired"):
        query = query.where(GuidanceStaffRow.retired_on.is_(None))
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = uow.session.execute(query.order_by(GuidanceStaffRow.department, GuidanceStaffRow.name)
                               .limit(filters["limit"]).offset(filters["offset"])).scalars().all()
    return {"items": [staff_view(r) for r in rows], "total": total, "limit": filters["limit"],
            "offset": filters["offset"]}
