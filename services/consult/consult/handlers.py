"""Use cases of the consult service: a command and a unit of work in, a plain dict out."""
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.adapters.orm import ConsultationRow, ReplyRow
from consult.domain.consultation import Consultation, Reply
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, NotFound

SOURCE = "consult"
SYSTEM = Actor.SYSTEM


def _to_domain(row):
    consultation = Consultation(id=row.id, asked_by=row.asked_by, asked_of=list(row.asked_of),
                                question=row.question, opened_on=row.opened_on, due_on=row.due_on,
                                case_id=row.case_id, closed_on=row.closed_on)
    consultation.replies = [Reply(r.department, r.opinion, r.replied_by, r.replied_on, r.opinion_kind)
                            for r in row.replies]
    return consultation


def view(row):
    consultation = _to_domain(row)
    return {
        "id": row.id, "project_code": row.project_code, "case_id": row.case_id,
        "asked_by": row.asked_by, "asked_of": list(row.asked_of), "question": row.question,
        "opened_on": row.opened_on, "due_on": row.due_on, "status": consultation.status(),
        "closed_on": row.closed_on, "replies": [vars(r) for r in consultation.replies],
    }


def open_consultation(cmd, identity, uow, calendar, today):
    consultation = Consultation.open(
        id=str(uuid.uuid4()), asked_by=identity.department, asked_of=cmd["asked_of"],
        question=cmd["question"], opened_on=today,
        due_on=calendar.add_working_days(today, cmd["due_days"]), case_id=cmd["case_id"])
    row = ConsultationRow(id=consultation.id, project_code=cmd["project_code"], case_id=consultation.case_id,
                          asked_by=consultation.asked_by, asked_of=consultation.asked_of,
                          question=consultation.question, opened_by=identity.sub,
                          opened_on=consultation.opened_on, due_on=consultation.due_on)
    uow.session.add(row)
    uow.emit(new_event("consultation.opened", source=SOURCE, project_code=cmd["project_code"],
                       actor=identity.actor(), payload={
                           "consultation_id": consultation.id, "case_id": consultation.case_id,
                           "asked_by": consultation.asked_by, "asked_of": consultation.asked_of,
                           "question": consultation.question, "due_on": consultation.due_on}))
    uow.session.flush()
    return view(row)


def _lock(session, consultation_id):
    row = session.execute(select(ConsultationRow).where(ConsultationRow.id == consultation_id)
                          .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"征询 {consultation_id} 不存在")
    return row


def _record(uow, row, consultation, answers):
    """Insert the new reply rows and, if the consultation closed, mark it closed (once)."""
    for answer in answers:
        uow.session.add(ReplyRow(consultation_id=row.id, department=answer.department, opinion=answer.opinion,
                                 replied_by=answer.replied_by, replied_on=answer.replied_on,
                                 opinion_kind=answer.opinion_kind))
    if consultation.closed_on is not None and row.closed_on is None:
        row.closed_on = consultation.closed_on
    try:
        uow.session.flush()
    except IntegrityError:
        # another replica or request recorded this department's answer first (unique per department)
        raise Conflict("该部门的答复已登记，答复不可更改") from None


def _emit_closed(uow, row, consultation, actor):
    uow.emit(new_event("consultation.closed", source=SOURCE, project_code=row.project_code, actor=actor,
                       payload={"consultation_id": row.id, "case_id": row.case_id,
                                "replies": consultation.summary(), "closed_on": consultation.closed_on}))


def reply(consultation_id, cmd, identity, uow, today):
    row = _lock(uow.session, consultation_id)
    consultation = _to_domain(row)
    was_open = consultation.closed_on is None
    answer = consultation.reply(department=identity.department, opinion=cmd["opinion"],
                                replied_by=identity.sub, on=today)
    _record(uow, row, consultation, [answer])
    actor = identity.actor()
    uow.emit(new_event("consultation.replied", source=SOURCE, project_code=row.project_code,
                       actor=actor, payload={
                           "consultation_id": row.id, "department": answer.department,
                           "opinion": answer.opinion}))
    if was_open and consultation.closed_on is not None:
        _emit_closed(uow, row, consultation, actor)
    uow.session.refresh(row)
    return view(row)


def get(consultation_id, session):
    row = session.get(ConsultationRow, consultation_id)
    if row is None:
        raise NotFound(f"征询 {consultation_id} 不存在")
    return view(row)


# ---------------------------------------------------------------------------- the deadline sweeper
def sweep(uow, today, batch=200):
    """One batch of open consultations past their deadline, claimed with SKIP LOCKED so that
    replicas share the work and each silence is recorded once (004 §14). Returns how many
    consultations it claimed."""
    session = uow.session
    rows = session.execute(
        select(ConsultationRow).where(ConsultationRow.closed_on.is_(None), ConsultationRow.due_on < today)
        .order_by(ConsultationRow.due_on, ConsultationRow.id).limit(batch).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)).scalars().all()
    for row in rows:
        consultation = _to_domain(row)
        recorded = consultation.lapse(today)
        _record(uow, row, consultation, recorded)
        if recorded:
            uow.emit(new_event("consultation.lapsed", source=SOURCE, project_code=row.project_code, actor=SYSTEM,
                               payload={"consultation_id": row.id, "case_id": row.case_id,
                                        "departments": [r.department for r in recorded],
                                        "due_on": row.due_on, "recorded_on": today}))
        if consultation.closed_on is not None:
            _emit_closed(uow, row, consultation, SYSTEM)
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
