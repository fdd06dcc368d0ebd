"""Use cases of the consult service: a command and a unit of work in, a plain dict out."""
import uuid

from sqlalchemy import select

from consult.adapters.orm import ConsultationRow, ReplyRow
from consult.domain.consultation import Consultation
from platform_kit.contracts import new_event
from platform_kit.errors import NotFound

SOURCE = "consult"


def _to_domain(row):
    consultation = Consultation(id=row.id, asked_by=row.asked_by, asked_of=list(row.asked_of),
                                question=row.question, opened_on=row.opened_on, due_on=row.due_on,
                                case_id=row.case_id)
    from consult.domain.consultation import Reply
    consultation.replies = [Reply(r.department, r.opinion, r.replied_by, r.replied_on) for r in row.replies]
    return consultation


def view(row, today):
    consultation = _to_domain(row)
    return {
        "id": row.id, "project_code": row.project_code, "case_id": row.case_id,
        "asked_by": row.asked_by, "asked_of": list(row.asked_of), "question": row.question,
        "opened_on": row.opened_on, "due_on": row.due_on, "status": consultation.status(today),
        "replies": [vars(r) for r in consultation.replies],
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
    return view(row, today)


def reply(consultation_id, cmd, identity, uow, today):
    row = uow.session.execute(select(ConsultationRow).where(ConsultationRow.id == consultation_id)
                              .with_for_update()).scalar_one_or_none()
    if row is None:
        raise NotFound(f"征询 {consultation_id} 不存在")
    consultation = _to_domain(row)
    answer = consultation.reply(department=identity.department, opinion=cmd["opinion"],
                                replied_by=identity.sub, on=today)
    uow.session.add(ReplyRow(consultation_id=row.id, department=answer.department, opinion=answer.opinion,
                             replied_by=answer.replied_by, replied_on=answer.replied_on))
    uow.emit(new_event("consultation.replied", source=SOURCE, project_code=row.project_code,
                       actor=identity.actor(), payload={
                           "consultation_id": row.id, "department": answer.department,
                           "opinion": answer.opinion}))
    uow.session.flush()
    uow.session.refresh(row)
    return view(row, today)


def get(consultation_id, session, today):
    row = session.get(ConsultationRow, consultation_id)
    if row is None:
        raise NotFound(f"征询 {consultation_id} 不存在")
    return view(row, today)
