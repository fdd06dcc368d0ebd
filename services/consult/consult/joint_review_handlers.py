"""Use cases of joint reviews (会审, :mod:`consult.domain.joint_review`): a command and a unit of work
in, a plain dict out."""
import uuid

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.exc import IntegrityError

from consult.adapters.orm import (DepartmentRow, JointReviewAnswerRow, JointReviewInviteeRow, JointReviewRow,
                                  JointReviewStageRow)
from consult.domain.joint_review import KIND_NAMES, OPEN, Answer, JointReview, StageTerms
from consult.inbox import department_inbox
from platform_kit.clock_facts import light_on
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, NotFound, ValidationFailed
from platform_kit.identity import SUPERVISOR

SOURCE = "consult"
SYSTEM = Actor.SYSTEM
STAGE_OPENED_CONSUMER = "consult.joint_review_stage_opened"
STAGE_EXTENDED_CONSUMER = "consult.joint_review_stage_extended"
CONVENED, INVITED = "convened", "invited"


# ---------------------------------------------------------------------------- stage facts
def stage_opened(envelope, uow, calendar):
    """stage/stage.opened: who leads the stage and the last day of its promised time (from the stage
    clock's facts; counted from receipt with the platform calendar when the event carries none)."""
    if not uow.first_time(envelope, STAGE_OPENED_CONSUMER):
        return False
    p = envelope.payload
    if uow.session.get(JointReviewStageRow, p["stage_id"]) is None:
        due_on = (p.get("clock") or {}).get("due_on") or \
            calendar.estimating().add_working_days(p["received_on"], p["limit_days"])
        uow.session.add(JointReviewStageRow(stage_id=p["stage_id"], project_code=envelope.project_code,
                                            stage=p["stage"], lead_department=p["lead_department"],
                                            received_on=p["received_on"], limit_days=p["limit_days"],
                                            due_on=due_on))
    uow.session.flush()
    return True


def stage_extended(envelope, uow):
    """stage/stage.extended of the stage itself (002 §14): its promised time ends later now."""
    if not uow.first_time(envelope, STAGE_EXTENDED_CONSUMER):
        return False
    p = envelope.payload
    due_on = (p.get("clock") or {}).get("due_on") or p.get("due_on")
    row = uow.session.get(JointReviewStageRow, p["stage_id"])
    if p.get("case_id") is None and row is not None and due_on is not None and due_on > row.due_on:
        row.due_on = due_on
    uow.session.flush()
    return True


# ---------------------------------------------------------------------------- mapping
def _to_domain(row):
    review = JointReview(id=row.id, kind=row.kind, stage_id=row.stage_id, convened_by=row.convened_by,
                         invitees=list(row.invitees), subject=row.subject, meeting_on=row.meeting_on,
                         place=row.place or "", online=bool(row.online), opened_on=row.opened_on,
                         due_days=row.due_days, due_on=row.due_on, answered_on=row.answered_on,
                         closed_on=row.closed_on, closed_by=row.closed_by, minutes=row.minutes,
                         conclusion=row.conclusion)
    review.answers = [Answer(department=a.department, kind=a.kind, opinion=a.opinion, answered_by=a.answered_by,
                             answered_on=a.answered_on, conditions=a.conditions or "", on_time=bool(a.on_time))
                      for a in row.answers]
    return review


def view(row, today=None):
    review = _to_domain(row)
    status = review.status()
    light = None
    if status == OPEN and today is not None:
        light = light_on({"due_on": row.due_on, "yellow_on": row.yellow_on, "paused": False, "stopped_on": None},
                         today)
    return {
        "id": row.id, "kind": row.kind, "kind_name": KIND_NAMES[row.kind], "stage_id": row.stage_id,
        "stage": row.stage, "project_code": row.project_code, "region": row.region, "convened_by": row.convened_by,
        "invitees": list(row.invitees), "subject": row.subject, "meeting_on": row.meeting_on, "place": row.place,
        "online": bool(row.online), "opened_on": row.opened_on, "due_days": row.due_days, "due_on": row.due_on,
        "due_estimated": bool(row.due_estimated), "status": status, "light": light,
        "outstanding": review.silent_departments() if status == OPEN else [],
        "failed_to_answer": review.failed_to_answer(), "answered_on": row.answered_on,
        "closed_on": row.closed_on, "closed_by": row.closed_by, "minutes": row.minutes,
        "conclusion": row.conclusion,
        "answers": [{"department": a.department, "opinion_kind": a.kind, "opinion": a.opinion,
                     "conditions": a.conditions, "answered_by": a.answered_by, "answered_on": a.answered_on,
                     "on_time": a.on_time} for a in review.answers],
    }


# ---------------------------------------------------------------------------- convening
def convene(cmd, identity, uow, calendar, today, yellow_days):
    """The lead department of the stage convenes a joint review (002 §14–§17). Nothing is written
    when the stage is unknown, the caller does not lead it, a department is unknown or the deadline
    or meeting falls outside the stage's promised time."""
    stage = uow.session.get(JointReviewStageRow, cmd["stage_id"])
    if stage is None:
        raise ValidationFailed("阶段不存在", [{"field": "stage_id", "message": f"阶段 {cmd['stage_id']} 不存在或尚未开启"}])
    if cmd.get("project_code") and cmd["project_code"] != stage.project_code:
        raise ValidationFailed("阶段不属于该项目", [{"field": "project_code",
                                                 "message": f"阶段 {stage.stage_id} 属于项目 {stage.project_code}"}])
    known = set(uow.session.execute(select(DepartmentRow.code)).scalars())
    counting = calendar.estimating()
    review = JointReview.convene(
        terms=StageTerms(stage_id=stage.stage_id, project_code=stage.project_code, stage=stage.stage,
                         lead_department=stage.lead_department, due_on=stage.due_on),
        department=identity.department, calendar=counting, today=today, due_days=cmd["due_days"],
        invitees=cmd["invitees"], known_departments=known, kind=cmd["kind"], meeting_on=cmd["meeting_on"],
        place=cmd.get("place"), online=cmd.get("online"), subject=cmd["subject"], id=str(uuid.uuid4()))
    yellow_on = today if review.due_days <= yellow_days else \
        calendar.estimating().add_working_days(today, review.due_days - yellow_days)
    row = JointReviewRow(id=review.id, kind=review.kind, stage_id=stage.stage_id, project_code=stage.project_code,
                         stage=stage.stage, convened_by=review.convened_by, convened_by_officer=identity.sub,
                         region=identity.region, invitees=review.invitees, subject=review.subject,
                         meeting_on=review.meeting_on, place=review.place, online=review.online,
                         opened_on=review.opened_on, due_days=review.due_days, due_on=review.due_on,
                         due_estimated=counting.estimated, yellow_on=yellow_on)
    uow.session.add(row)
    uow.session.flush()
    uow.session.add_all([JointReviewInviteeRow(joint_review_id=row.id, department=d) for d in review.invitees])
    uow.emit(new_event("joint_review.convened", source=SOURCE, project_code=stage.project_code,
                       actor=identity.actor(), payload={
                           "joint_review_id": row.id, "kind": row.kind, "stage_id": row.stage_id,
                           "stage": row.stage, "region": row.region, "convened_by": row.convened_by,
                           "invitees": list(review.invitees), "subject": row.subject,
                           "meeting_on": row.meeting_on, "place": row.place, "online": row.online,
                           "opened_on": row.opened_on, "due_on": row.due_on}))
    uow.session.flush()
    return view(row, today)


# ---------------------------------------------------------------------------- answers
def _lock(session, joint_review_id):
    row = session.execute(select(JointReviewRow).where(JointReviewRow.id == joint_review_id)
                          .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"会审 {joint_review_id} 不存在")
    return row


def _record(uow, row, review, answers):
    for a in answers:
        uow.session.add(JointReviewAnswerRow(joint_review_id=row.id, department=a.department, kind=a.kind,
                                             opinion=a.opinion, conditions=a.conditions or "",
                                             answered_by=a.answered_by, answered_on=a.answered_on,
                                             on_time=a.on_time))
    if review.answered_on is not None and row.answered_on is None:
        row.answered_on = review.answered_on
    try:
        uow.session.flush()
    except IntegrityError:
        # another replica or request recorded this department's answer first (unique per department)
        raise Conflict("该部门的会审意见已登记，意见不可更改") from None


def _emit_no_answers(uow, row, recorded):
    for a in recorded:
        uow.emit(new_event("joint_review.no_answer", source=SOURCE, project_code=row.project_code, actor=SYSTEM,
                           payload={"joint_review_id": row.id, "kind": row.kind, "stage_id": row.stage_id,
                                    "convened_by": row.convened_by, "department": a.department,
                                    "due_on": row.due_on, "recorded_on": a.answered_on}))


def answer(joint_review_id, cmd, identity, uow, today):
    row = _lock(uow.session, joint_review_id)
    review = _to_domain(row)
    given = review.answer(department=identity.department, kind=cmd["kind"], opinion=cmd["opinion"],
                          conditions=cmd.get("conditions") or "", answered_by=identity.sub, on=today)
    _record(uow, row, review, [given])
    uow.emit(new_event("joint_review.answered", source=SOURCE, project_code=row.project_code,
                       actor=identity.actor(), payload={
                           "joint_review_id": row.id, "stage_id": row.stage_id, "department": given.department,
                           "opinion_kind": given.kind, "opinion": given.opinion, "conditions": given.conditions,
                           "answered_on": given.answered_on}))
    uow.session.refresh(row)
    return view(row, today)


def record_minutes(joint_review_id, cmd, identity, uow, today):
    """会审纪要: the lead department records the minutes and conclusion and closes the review; the
    silences past the deadline are recorded first. joint_review.concluded carries the record."""
    row = _lock(uow.session, joint_review_id)
    review = _to_domain(row)
    recorded = review.record_minutes(department=identity.department, recorded_by=identity.sub,
                                      minutes=cmd["minutes"], conclusion=cmd["conclusion"], on=today)
    _record(uow, row, review, recorded)
    _emit_no_answers(uow, row, recorded)
    row.closed_on, row.closed_by = review.closed_on, review.closed_by
    row.minutes, row.conclusion = review.minutes, review.conclusion
    uow.emit(new_event("joint_review.concluded", source=SOURCE, project_code=row.project_code,
                       actor=identity.actor(), payload={
                           "joint_review_id": row.id, "kind": row.kind, "stage_id": row.stage_id,
                           "stage": row.stage, "convened_by": row.convened_by, "subject": row.subject,
                           "meeting_on": row.meeting_on, "place": row.place, "online": bool(row.online),
                           "opened_on": row.opened_on, "due_on": row.due_on, "minutes": review.minutes,
                           "conclusion": review.conclusion, "closed_by": identity.sub,
                           "closed_on": review.closed_on, "answers": review.record(),
                           "failed_to_answer": review.failed_to_answer()}))
    uow.session.flush()
    uow.session.refresh(row)
    return view(row, today)


# ---------------------------------------------------------------------------- reading
def _visible(row, identity):
    if identity.role == SUPERVISOR:
        return True
    return identity.department == row.convened_by or identity.department in row.invitees


def get(joint_review_id, identity, uow, today):
    row = uow.session.get(JointReviewRow, joint_review_id)
    if row is None or not _visible(row, identity):
        # an officer of a department neither convening nor invited learns nothing about it
        raise NotFound(f"会审 {joint_review_id} 不存在")
    return view(row, today)


def list_joint_reviews(filters, identity, uow, today):
    """The joint reviews a department is invited to in the officer's region (or the ones it
    convened), those awaiting answers first; filters and paging in SQL. An officer sees their own
    department only; a supervisor any department."""
    query = department_inbox(filters, identity, model=JointReviewRow, asked=JointReviewInviteeRow,
                             asked_key=JointReviewInviteeRow.joint_review_id, started_by=JointReviewRow.convened_by,
                             own_role=CONVENED, noun="会审")
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    awaited_first = case((and_(JointReviewRow.answered_on.is_(None), JointReviewRow.closed_on.is_(None)),
                          literal(0)), else_=literal(1))
    rows = uow.session.execute(query.order_by(awaited_first, JointReviewRow.due_on, JointReviewRow.id)
                               .limit(filters["limit"]).offset(filters["offset"])).scalars().all()
    return {"items": [view(row, today) for row in rows], "total": total,
            "limit": filters["limit"], "offset": filters["offset"]}


# ---------------------------------------------------------------------------- the deadline sweeper
def sweep(uow, today, batch=200):
    """One batch of joint reviews awaiting answers past their deadline, claimed with SKIP LOCKED so
    that replicas share the work and each silence is recorded once: no opinion, and a failure to
    answer (joint_review.no_answer). Returns how many reviews it claimed."""
    rows = uow.session.execute(
        select(JointReviewRow).where(JointReviewRow.answered_on.is_(None), JointReviewRow.closed_on.is_(None),
                                     JointReviewRow.due_on < today)
        .order_by(JointReviewRow.due_on, JointReviewRow.id).limit(batch).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)).scalars().all()
    for row in rows:
        review = _to_domain(row)
        recorded = review.lapse(today)
        _record(uow, row, review, recorded)
        _emit_no_answers(uow, row, recorded)
    return len(rows)


def sweep_all(unit_of_work, today, batch=200):
    """Sweep batch after batch, each in its own transaction, until a batch comes back short."""
    total = 0
    while True:
        with unit_of_work() as uow:
            claimed = sweep(uow, today, batch=batch)
        total += claimed
        if claimed < batch:
            return total
