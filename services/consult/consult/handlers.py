"""Use cases of the consult service: a command and a unit of work in, a plain dict out."""
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.adapters.orm import ConsultationRow, DeadlineRecountRow, ReplyRow
from consult.domain.consultation import Consultation, Reply
from platform_kit.calendar_store import current_calendar, loaded_years, store_loaded_year
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, NotFound
from platform_kit.times import utcnow

SOURCE = "consult"
SYSTEM = Actor.SYSTEM


def _to_domain(row):
    consultation = Consultation(id=row.id, asked_by=row.asked_by, asked_of=list(row.asked_of),
                                question=row.question, opened_on=row.opened_on, due_on=row.due_on,
                                case_id=row.case_id, closed_on=row.closed_on, due_days=row.due_days,
                                due_estimated=bool(row.due_estimated))
    consultation.replies = [Reply(r.department, r.opinion, r.replied_by, r.replied_on, r.opinion_kind)
                            for r in row.replies]
    return consultation


def view(row):
    consultation = _to_domain(row)
    return {
        "id": row.id, "project_code": row.project_code, "case_id": row.case_id,
        "asked_by": row.asked_by, "asked_of": list(row.asked_of), "question": row.question,
        "opened_on": row.opened_on, "due_on": row.due_on, "due_days": row.due_days,
        "due_estimated": bool(row.due_estimated), "status": consultation.status(),
        "closed_on": row.closed_on, "replies": [vars(r) for r in consultation.replies],
        "deadline_recounts": [{"year": r.year, "old_due_on": r.old_due_on, "new_due_on": r.new_due_on,
                               "still_estimated": r.still_estimated, "loaded_by": r.loaded_by,
                               "recounted_at": r.recounted_at} for r in row.recounts],
    }


def open_consultation(cmd, identity, uow, calendar, today):
    """Open a consultation due `due_days` working days from today, counted with `calendar` (the
    platform's, with every loaded year). A deadline in a year not loaded yet is an estimate."""
    consultation = Consultation.open_counting(
        calendar=calendar, due_days=cmd["due_days"], opened_on=today,
        id=str(uuid.uuid4()), asked_by=identity.department, asked_of=cmd["asked_of"],
        question=cmd["question"], case_id=cmd["case_id"])
    row = ConsultationRow(id=consultation.id, project_code=cmd["project_code"], case_id=consultation.case_id,
                          asked_by=consultation.asked_by, asked_of=consultation.asked_of,
                          question=consultation.question, opened_by=identity.sub,
                          opened_on=consultation.opened_on, due_on=consultation.due_on,
                          due_days=consultation.due_days, due_estimated=consultation.due_estimated)
    uow.session.add(row)
    uow.emit(new_event("consultation.opened", source=SOURCE, project_code=cmd["project_code"],
                       actor=identity.actor(), payload={
                           "consultation_id": consultation.id, "case_id": consultation.case_id,
                           "asked_by": consultation.asked_by, "asked_of": consultation.asked_of,
                           "question": consultation.question, "due_on": consultation.due_on,
                           "due_estimated": consultation.due_estimated}))
    uow.session.flush()
    return view(row)


# ---------------------------------------------------------------------------- the platform calendar
CALENDAR_CONSUMER = "consult.calendar_year_loaded"


def calendar_year_loaded(envelope, uow):
    """stage/calendar.year_loaded: keep the operator's load and, in the same transaction, count
    again every open consultation whose deadline was an estimate running through that year; each
    change is recorded (old and new date). The deadline sweeper then goes by the new date.
    Returns the recounts made (none on a redelivery)."""
    if not store_loaded_year(envelope, uow, CALENDAR_CONSUMER):
        return []
    year = envelope.payload["year"]
    rows = uow.session.execute(
        select(ConsultationRow).where(ConsultationRow.closed_on.is_(None), ConsultationRow.due_estimated.is_(True),
                                      ConsultationRow.opened_on < date(year + 1, 1, 1),
                                      ConsultationRow.due_on >= date(year, 1, 1))
        .order_by(ConsultationRow.id).with_for_update().execution_options(populate_existing=True)).scalars().all()
    load = {"year": year, "event_id": envelope.event_id, "loaded_by": envelope.payload["loaded_by"]}
    return _recount(uow, rows, lambda consultation: load if consultation.spans_year(year) else None)


def recount_estimates(uow, batch=200):
    """Catch up on estimated deadlines whose years were loaded by now without them being counted
    again (a consultation opened while a load was being stored): counted again like on a load.
    Rows another replica holds are skipped (SKIP LOCKED). Returns the recounts made."""
    rows = uow.session.execute(
        select(ConsultationRow).where(ConsultationRow.closed_on.is_(None), ConsultationRow.due_estimated.is_(True))
        .order_by(ConsultationRow.due_on, ConsultationRow.id).limit(batch).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)).scalars().all()
    if not rows:
        return []
    latest = {row["year"]: row for row in loaded_years(uow.session)}   # the latest load of each year wins

    def load_of(consultation):
        spanned = [y for y in range(consultation.opened_on.year, consultation.due_on.year + 1) if y in latest]
        return latest[spanned[-1]] if spanned else None

    return _recount(uow, rows, load_of, only_changes=True)


def _recount(uow, rows, load_of, only_changes=False):
    calendar = current_calendar(uow.session)
    recounts = []
    for row in rows:
        consultation = _to_domain(row)
        load = load_of(consultation)
        if load is None:
            continue
        change = consultation.recount_deadline(calendar)
        if change is None:
            continue
        old, new = change
        if only_changes and old == new and consultation.due_estimated:
            continue   # still an estimate for a year not loaded, and the same date: nothing happened
        row.due_on, row.due_estimated = consultation.due_on, consultation.due_estimated
        uow.session.add(DeadlineRecountRow(
            consultation_id=row.id, year=load["year"], old_due_on=old, new_due_on=new,
            still_estimated=consultation.due_estimated, calendar_event_id=load["event_id"] or "",
            loaded_by=load["loaded_by"], recounted_at=utcnow()))
        recounts.append({"consultation_id": row.id, "old_due_on": old, "new_due_on": new,
                         "due_estimated": consultation.due_estimated})
    uow.session.flush()
    return recounts


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


def get(consultation_id, uow):
    row = uow.session.get(ConsultationRow, consultation_id)
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
    """Sweep batch after batch, each in its own transaction, until a batch comes back short.
    Estimated deadlines whose year was loaded meanwhile are counted again first, so that nothing
    lapses by an estimate."""
    with unit_of_work() as uow:
        recount_estimates(uow, batch=batch)
    total = 0
    while True:
        with unit_of_work() as uow:
            claimed = sweep(uow, today, batch=batch)
        total += claimed
        if claimed < batch:
            return total
