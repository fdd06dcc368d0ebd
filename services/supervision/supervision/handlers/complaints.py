"""Complaints and reports (domain.complaints): filing, taking, answering, reading.

Every step is a ``complaint_steps`` row (who, when, what, why) and an event; the complaint's row
repeats the latest step's state for the lists. Changes lock the complaint's row, so two supervisors
acting at once (or two replicas) act one after the other.
"""
import uuid
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.exc import IntegrityError

from platform_kit import notices as kinds
from platform_kit import query_code
from platform_kit.calendar import today_in_shanghai
from platform_kit.calendar_store import current_calendar
from platform_kit.contracts import Actor, new_event
from platform_kit.db import utcnow
from platform_kit.errors import Forbidden, NotFound, TooManyRequests
from platform_kit.identity import APPLICANT, OPERATOR, SUPERVISOR
from supervision.adapters.orm import CaseClockRow, ComplaintRow, ComplaintStepRow, ProjectRow
from supervision.domain import complaints as rules
from supervision.domain import reach
from supervision.domain.notices import Audience, Notice
from supervision.handlers.notices import deliver

SOURCE = "supervision"
PUBLIC_ACTOR = Actor(id="public", role="public")


def _due(uow, filed_on, due_days):
    counting = current_calendar(uow.session).estimating()
    due_on = counting.add_working_days(filed_on, due_days)
    return due_on, counting.estimated


def _insert(uow, **values):
    """The complaint row, under a number nobody else drew (a clash is drawn again)."""
    for _ in range(5):
        row = ComplaintRow(complaint_id=str(uuid.uuid4()), complaint_no=rules.new_complaint_no(values["filed_on"]),
                           **values)
        try:
            with uow.session.begin_nested():
                uow.session.add(row)
            return row
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free complaint number")


def _filed(uow, row, actor, note):
    uow.session.add(ComplaintStepRow(
        complaint_id=row.complaint_id, action="filed", actor=actor.id, actor_role=actor.role, at=row.filed_at,
        on=row.filed_on, note=note, due_on=row.due_on, due_estimated=row.due_estimated))
    uow.emit(new_event("complaint.filed", source=SOURCE, project_code=row.project_code, actor=actor, payload={
        "complaint_id": row.complaint_id, "complaint_no": row.complaint_no, "channel": row.channel,
        "about": row.about, "case_id": row.case_id, "department": row.department, "region": row.region,
        "title": row.title, "filed_on": row.filed_on, "due_on": row.due_on, "due_estimated": row.due_estimated}))
    # the supervisors of the region hear of it (002 §33)
    deliver(uow, Notice(
        audience=Audience.supervisors(row.region), kind=kinds.COMPLAINT, title=f"新的投诉举报：{row.title}"[:200],
        body=f"投诉举报 {row.complaint_no} 已于 {row.filed_on:%Y年%m月%d日} 提交，"
             f"须于 {row.due_on:%Y年%m月%d日}{'（预计）' if row.due_estimated else ''} 前办结。",
        dedupe=f"complaint-filed:{row.complaint_id}", project_code=row.project_code, case_id=row.case_id,
        subject=f"complaint:{row.complaint_id}"))


def file_complaint(uow, identity, cmd, today, due_days):
    """A signed-in applicant's complaint about a project of its own (or one case of it)."""
    identity.require(APPLICANT)
    session = uow.session
    project = session.get(ProjectRow, cmd["project_code"])
    if project is None or project.applicant_org != identity.org:
        raise NotFound("没有这个项目，或它不是本单位的项目")
    about, department = "project", None
    if cmd.get("case_id"):
        case = session.get(CaseClockRow, cmd["case_id"])
        if case is None or case.project_code != project.project_code:
            raise NotFound("该项目没有这个办件")
        about, department = "case", case.department
    due_on, estimated = _due(uow, today, due_days)
    row = _insert(uow, channel="applicant", about=about, project_code=project.project_code,
                  case_id=cmd.get("case_id"), department=department,
                  region=reach.region_of(project.project_code, project.region), title=cmd["title"].strip(),
                  content=cmd["content"].strip(), complainant_account=identity.sub, complainant_org=identity.org,
                  complainant_name=identity.name, contact=cmd.get("contact"), filed_at=utcnow(), filed_on=today,
                  due_days=due_days, due_on=due_on, due_estimated=estimated, state=rules.FILED)
    _filed(uow, row, identity.actor(), "申请人在线提交")
    session.flush()
    return view(uow, row, today)


def file_anonymous(uow, cmd, client, today, due_days, per_hour):
    """A complaint from the public: at most `per_hour` from one client address in any hour; the
    answer carries the query code, once."""
    session = uow.session
    about, project_code, department, region = rules.anonymous_target(cmd, reach.region_of)
    digest = rules.client_digest(client)
    if session.get_bind().dialect.name == "postgresql":   # one address's filings counted one at a time
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"complaint-client:{digest}"})
    since = utcnow() - timedelta(hours=1)
    recent = session.execute(select(func.count()).select_from(ComplaintRow).where(
        ComplaintRow.client_digest == digest, ComplaintRow.filed_at > since)).scalar()
    if recent >= per_hour:
        raise TooManyRequests(f"同一网络地址每小时最多提交 {per_hour} 件匿名投诉举报，请稍后再试")
    code = query_code.new_code()
    due_on, estimated = _due(uow, today, due_days)
    row = _insert(uow, channel="public", about=about, project_code=project_code, case_id=None,
                  department=department, region=region, title=cmd["title"].strip(), content=cmd["content"].strip(),
                  complainant_account=None, complainant_org=None, complainant_name=cmd.get("name"),
                  contact=cmd.get("contact"), client_digest=digest, filed_at=utcnow(), filed_on=today,
                  due_days=due_days, due_on=due_on, due_estimated=estimated, state=rules.FILED)
    row.query_code_digest = rules.code_digest(row.complaint_no, code)
    _filed(uow, row, PUBLIC_ACTOR, "公众匿名提交")
    session.flush()
    return dict(view(uow, row, today), query_code=code)


def _locked(uow, complaint_id, identity):
    row = uow.session.get(ComplaintRow, complaint_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound("没有这件投诉举报")
    rules.check_supervisor(identity, row.region)
    return row


def assign(uow, identity, complaint_id, cmd, today):
    row = _locked(uow, complaint_id, identity)
    rules.check_assignable(row.state)
    assignee = cmd.get("assignee") or identity.sub
    note = (cmd.get("note") or "").strip() or ("本人受理" if assignee == identity.sub else f"分派给 {assignee}")
    step = ComplaintStepRow(complaint_id=row.complaint_id, action="assigned", actor=identity.sub,
                            actor_role=identity.role, at=utcnow(), on=today, note=note, assignee=assignee)
    uow.session.add(step)
    uow.session.flush()
    row.state, row.assignee = rules.ASSIGNED, assignee
    uow.emit(new_event("complaint.assigned", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"complaint_id": row.complaint_id, "complaint_no": row.complaint_no,
                                "region": row.region, "assignee": assignee, "assigned_by": identity.sub,
                                "on": today, "note": note}))
    if assignee != identity.sub:
        deliver(uow, Notice(audience=Audience.person(assignee), kind=kinds.COMPLAINT,
                            title=f"请办理投诉举报 {row.complaint_no}", body=f"{identity.name or identity.sub} 分派：{note}",
                            dedupe=f"complaint-assigned:{step.id}",
                            project_code=row.project_code, subject=f"complaint:{row.complaint_id}",
                            sender=identity.sub))
    uow.session.flush()
    return view(uow, row, today)


def conclude(uow, identity, complaint_id, cmd, today):
    row = _locked(uow, complaint_id, identity)
    rules.check_concludable(identity, row.state, row.assignee)
    finding, action = cmd["finding"].strip(), cmd["action_taken"].strip()
    uow.session.add(ComplaintStepRow(
        complaint_id=row.complaint_id, action="concluded", actor=identity.sub, actor_role=identity.role, at=utcnow(),
        on=today, note="办结", finding=finding, substantiated=cmd["substantiated"], action_taken=action))
    row.state, row.concluded_on = rules.CONCLUDED, today
    on_time = today <= row.due_on
    uow.emit(new_event("complaint.concluded", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"complaint_id": row.complaint_id, "complaint_no": row.complaint_no,
                                "region": row.region, "substantiated": cmd["substantiated"], "finding": finding,
                                "action_taken": action, "concluded_by": identity.sub, "on": today,
                                "due_on": row.due_on, "on_time": on_time}))
    if row.channel == "applicant":   # 000 §13: the applicant reads the answer in its inbox
        verdict = "属实" if cmd["substantiated"] else "不属实"
        deliver(uow, Notice(
            audience=Audience.applicant(row.complainant_org), kind=kinds.COMPLAINT,
            title=f"投诉举报 {row.complaint_no} 已办结：{verdict}",
            body=f"您于 {row.filed_on:%Y年%m月%d日} 提交的投诉举报《{row.title}》已办结。经调查核实：{finding}"
                 f"（{verdict}）。处理措施：{action}",
            dedupe=f"complaint-concluded:{row.complaint_id}", project_code=row.project_code, case_id=row.case_id,
            subject=f"complaint:{row.complaint_id}", sender=identity.sub))
    uow.session.flush()
    return view(uow, row, today)


# ------------------------------------------------------------------------------------ reading
def _visible(identity):
    """The SQL condition of the complaints `identity` may read."""
    if identity.role == APPLICANT:
        if not identity.org:
            raise Forbidden("账号未关联建设单位")
        return ComplaintRow.complainant_org == identity.org
    if identity.role not in (SUPERVISOR, OPERATOR):
        raise Forbidden("无权查看投诉举报")
    prefix = rules.territory(identity)
    return ComplaintRow.region.startswith(prefix) if prefix else None


def list_complaints(uow, identity, cmd, today):
    where = [c for c in (_visible(identity),) if c is not None]
    if cmd.get("state"):
        where.append(ComplaintRow.state == cmd["state"])
    if cmd.get("overdue") is not None:
        late = or_(and_(ComplaintRow.state != rules.CONCLUDED, ComplaintRow.due_on < today),
                   and_(ComplaintRow.state == rules.CONCLUDED, ComplaintRow.concluded_on > ComplaintRow.due_on))
        where.append(late if cmd["overdue"] else ~late)
    session = uow.session
    total = session.execute(select(func.count()).select_from(ComplaintRow).where(*where)).scalar()
    rows = session.execute(select(ComplaintRow).where(*where).order_by(
        (ComplaintRow.state == rules.CONCLUDED), ComplaintRow.due_on, ComplaintRow.filed_at.desc(),
        ComplaintRow.complaint_id).limit(cmd["limit"]).offset(cmd["offset"])).scalars().all()
    steps = _steps(uow, [r.complaint_id for r in rows])
    return {"items": [view(uow, r, today, steps.get(r.complaint_id, [])) for r in rows], "total": total,
            "limit": cmd["limit"], "offset": cmd["offset"]}


def get_complaint(uow, identity, complaint_id, today):
    condition = _visible(identity)
    query = select(ComplaintRow).where(ComplaintRow.complaint_id == complaint_id)
    if condition is not None:
        query = query.where(condition)
    row = uow.session.execute(query).scalar_one_or_none()
    if row is None:
        raise NotFound("没有这件投诉举报")
    return view(uow, row, today)


def lookup(uow, cmd, today):
    """Public: the complaint's number and its query code are the credential; a wrong code and an
    unknown number get the same answer."""
    no = query_code.normalise(cmd["complaint_no"])
    row = uow.session.execute(select(ComplaintRow).where(ComplaintRow.complaint_no == no)).scalar_one_or_none()
    if row is None or not rules.code_matches(row.complaint_no, cmd["query_code"], row.query_code_digest):
        raise NotFound("投诉编号或查询码不正确")
    outcome = _outcome(_steps(uow, [row.complaint_id]).get(row.complaint_id, []))
    return {"complaint_no": row.complaint_no, "title": row.title, "filed_on": row.filed_on, "due_on": row.due_on,
            "due_estimated": row.due_estimated, "state": row.state, "concluded_on": row.concluded_on,
            "substantiated": outcome.substantiated if outcome else None,
            "finding": outcome.finding if outcome else None,
            "action_taken": outcome.action_taken if outcome else None}


def _steps(uow, complaint_ids):
    out = {}
    if complaint_ids:
        for step in uow.session.execute(select(ComplaintStepRow).where(
                ComplaintStepRow.complaint_id.in_(complaint_ids)).order_by(ComplaintStepRow.id)).scalars():
            out.setdefault(step.complaint_id, []).append(step)
    return out


def _outcome(steps):
    concluded = [s for s in steps if s.action == "concluded"]
    return concluded[-1] if concluded else None


def _step_view(step):
    return {name: getattr(step, name) for name in (
        "action", "actor", "actor_role", "at", "on", "note", "assignee", "finding", "substantiated", "action_taken",
        "due_on", "due_estimated")}


def view(uow, row, today, steps=None):
    if steps is None:
        steps = _steps(uow, [row.complaint_id]).get(row.complaint_id, [])
    outcome = _outcome(steps)
    return {"complaint_id": row.complaint_id, "complaint_no": row.complaint_no, "channel": row.channel,
            "about": row.about, "project_code": row.project_code, "case_id": row.case_id,
            "department": row.department, "region": row.region, "title": row.title, "content": row.content,
            "complainant_org": row.complainant_org, "complainant_name": row.complainant_name,
            "contact": row.contact, "filed_on": row.filed_on, "due_days": row.due_days, "due_on": row.due_on,
            "due_estimated": row.due_estimated,
            "overdue": rules.overdue(row.state, row.due_on, row.concluded_on, today), "state": row.state,
            "assignee": row.assignee, "concluded_on": row.concluded_on,
            "outcome": _step_view(outcome) if outcome else None, "steps": [_step_view(s) for s in steps]}


# ------------------------------------------------------------------------------------ the calendar
def recount_estimates(uow, year, event_id):
    """An operator loaded `year`: open complaints whose deadline was an estimate through that year are
    counted again; each change is a step (old date kept in the record)."""
    calendar = current_calendar(uow.session)
    rows = uow.session.execute(select(ComplaintRow).where(
        ComplaintRow.state != rules.CONCLUDED, ComplaintRow.due_estimated.is_(True),
        ComplaintRow.filed_on <= date(year, 12, 31), ComplaintRow.due_on >= date(year, 1, 1))
        .order_by(ComplaintRow.complaint_id).with_for_update()).scalars().all()
    for row in rows:
        counting = calendar.estimating()
        due_on = counting.add_working_days(row.filed_on, row.due_days)
        note = f"{year} 年节假日安排已载入，期限由 {row.due_on:%Y年%m月%d日} 重新计算为 {due_on:%Y年%m月%d日}"
        uow.session.add(ComplaintStepRow(
            complaint_id=row.complaint_id, action="recounted", actor="system", actor_role="system", at=utcnow(),
            on=today_in_shanghai(), note=note, due_on=due_on, due_estimated=counting.estimated))
        row.due_on, row.due_estimated = due_on, counting.estimated
    return len(rows)
