"""Use cases of the consult service: a command and a unit of work in, a plain dict out."""
import uuid
from datetime import date

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.exc import IntegrityError

from consult.adapters.orm import (AddresseeRow, CaseRow, ConsultationRow, DeadlineRecountRow, DepartmentRow,
                                  ReplyRow, RuleRow)
from consult.domain import rules
from consult.domain.consultation import OPEN, Consultation, Reply
from consult.inbox import department_inbox
from platform_kit.calendar_store import current_calendar, loaded_years, store_loaded_year
from platform_kit.clock_facts import GREEN, RED, YELLOW, light_on
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, NotFound
from platform_kit.identity import SUPERVISOR
from platform_kit.times import utcnow

SOURCE = "consult"
SYSTEM = Actor.SYSTEM


def _to_domain(row):
    consultation = Consultation(id=row.id, asked_by=row.asked_by, asked_of=list(row.asked_of),
                                question=row.question, opened_on=row.opened_on, due_on=row.due_on,
                                case_id=row.case_id, closed_on=row.closed_on, due_days=row.due_days,
                                due_estimated=bool(row.due_estimated), answered_on=row.answered_on,
                                closed_by=row.closed_by, summary=row.summary)
    consultation.replies = [Reply(r.department, r.opinion, r.replied_by, r.replied_on, r.opinion_kind,
                                  r.conditions or "", list(r.attachments or ()))
                            for r in row.replies]
    return consultation


def _light(row, today):
    """The reply clock's light while replies are awaited (the platform's rule, clock_facts.light_on);
    none once every department has answered."""
    if row.answered_on is not None or row.closed_on is not None or today is None:
        return None
    return light_on({"due_on": row.due_on, "yellow_on": row.yellow_on or row.opened_on, "paused": False,
                     "stopped_on": None}, today)


def view(row, today=None):
    consultation = _to_domain(row)
    return {
        "id": row.id, "project_code": row.project_code, "case_id": row.case_id, "region": row.region,
        "asked_by": row.asked_by, "asked_of": list(row.asked_of), "question": row.question,
        "opened_on": row.opened_on, "due_on": row.due_on, "due_days": row.due_days,
        "due_estimated": bool(row.due_estimated), "status": consultation.status(), "light": _light(row, today),
        "outstanding": consultation.silent_departments() if consultation.status() == OPEN else [],
        "answered_on": row.answered_on, "closed_on": row.closed_on, "closed_by": row.closed_by,
        "summary": row.summary, "replies": [vars(r) for r in consultation.replies],
        "deadline_recounts": [{"year": r.year, "old_due_on": r.old_due_on, "new_due_on": r.new_due_on,
                               "still_estimated": r.still_estimated, "loaded_by": r.loaded_by,
                               "recounted_at": r.recounted_at} for r in row.recounts],
    }


def _rule_of(session, case_id):
    """The item rule for a case: [{department, days}] of the newest catalog version that has a rule
    for the case's item (none for a case not announced yet or an item without one)."""
    if not case_id:
        return []
    case_row = session.get(CaseRow, case_id)
    if case_row is None:
        return []
    newest = session.execute(select(func.max(RuleRow.catalog_version))).scalar()
    rows = session.execute(select(RuleRow).where(RuleRow.catalog_version == newest,
                                                 RuleRow.item_code == case_row.item_code)
                           .order_by(RuleRow.department)).scalars().all() if newest else []
    return [{"department": r.department, "days": r.days} for r in rows]


def open_consultation(cmd, identity, uow, calendar, today, yellow_days):
    """Open a consultation on the item's rule (001 二–四) and the departments added, due the rule's
    working days from today (or the days asked for an item without a rule), counted with `calendar`
    (the platform's, with every loaded year). A deadline in a year not loaded yet is an estimate.
    Nothing is written when a department is unknown or the days differ from the rule."""
    known = set(uow.session.execute(select(DepartmentRow.code)).scalars())
    planned = rules.plan(rule=_rule_of(uow.session, cmd["case_id"]), asked_of=cmd.get("asked_of") or [],
                         due_days=cmd.get("due_days"), known_departments=known, asked_by=identity.department)
    consultation = Consultation.open_counting(
        calendar=calendar, due_days=planned.due_days, opened_on=today,
        id=str(uuid.uuid4()), asked_by=identity.department, asked_of=planned.asked_of,
        question=cmd["question"], case_id=cmd["case_id"])
    row = ConsultationRow(id=consultation.id, project_code=cmd["project_code"], case_id=consultation.case_id,
                          asked_by=consultation.asked_by, asked_of=consultation.asked_of,
                          question=consultation.question, opened_by=identity.sub, region=identity.region,
                          opened_on=consultation.opened_on, due_on=consultation.due_on,
                          due_days=consultation.due_days, due_estimated=consultation.due_estimated,
                          yellow_on=consultation.yellow_on(calendar, yellow_days))
    uow.session.add(row)
    uow.session.flush()
    uow.session.add_all([AddresseeRow(consultation_id=row.id, department=d) for d in consultation.asked_of])
    uow.emit(new_event("consultation.opened", source=SOURCE, project_code=cmd["project_code"],
                       actor=identity.actor(), payload={
                           "consultation_id": consultation.id, "case_id": consultation.case_id,
                           "region": identity.region,
                           "asked_by": consultation.asked_by, "asked_of": consultation.asked_of,
                           "question": consultation.question, "due_on": consultation.due_on,
                           "due_estimated": consultation.due_estimated}))
    uow.session.flush()
    return view(row, today)


# ---------------------------------------------------------------------------- catalog and case facts
CATALOG_CONSUMER = "consult.catalog_loaded"
CASES_CONSUMER = "consult.stage_opened"


def catalog_loaded(envelope, uow):
    """intake/catalog.loaded: the departments (newest name wins) and the items' default
    consultations of that version, kept once per event."""
    if not uow.first_time(envelope, CATALOG_CONSUMER):
        return False
    p = envelope.payload
    for department in p["departments"]:
        row = uow.session.get(DepartmentRow, department["code"])
        if row is None:
            uow.session.add(DepartmentRow(code=department["code"], name=department["name"],
                                          region=department["region"], catalog_version=p["version"]))
        elif row.catalog_version <= p["version"]:
            row.name, row.region, row.catalog_version = department["name"], department["region"], p["version"]
    for item in p.get("consultation_rules") or ():
        for rule in item["consultations"]:
            if uow.session.get(RuleRow, (p["version"], item["item_code"], rule["department"])) is None:
                uow.session.add(RuleRow(catalog_version=p["version"], item_code=item["item_code"],
                                        department=rule["department"], days=rule["days"]))
    uow.session.flush()
    return True


def stage_opened(envelope, uow):
    """stage/stage.opened: which item each case is (the item's rule applies to its consultations)."""
    if not uow.first_time(envelope, CASES_CONSUMER):
        return False
    for case_fact in envelope.payload["cases"]:
        if uow.session.get(CaseRow, case_fact["case_id"]) is None:
            uow.session.add(CaseRow(case_id=case_fact["case_id"], project_code=envelope.project_code,
                                    item_code=case_fact["item_code"], department=case_fact["department"]))
    uow.session.flush()
    return True


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
        select(ConsultationRow).where(ConsultationRow.answered_on.is_(None), ConsultationRow.closed_on.is_(None),
                                      ConsultationRow.due_estimated.is_(True),
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
        select(ConsultationRow).where(ConsultationRow.answered_on.is_(None), ConsultationRow.closed_on.is_(None),
                                      ConsultationRow.due_estimated.is_(True))
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
        if row.yellow_on is not None and row.yellow_on > row.due_on:
            row.yellow_on = row.due_on    # a deadline counted earlier is yellow on its last day at the latest
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
    """Insert the new reply rows and, if the consultation is answered now, mark it so (once)."""
    for answer in answers:
        uow.session.add(ReplyRow(consultation_id=row.id, department=answer.department, opinion=answer.opinion,
                                 replied_by=answer.replied_by, replied_on=answer.replied_on,
                                 opinion_kind=answer.opinion_kind, conditions=answer.conditions or "",
                                 attachments=list(answer.attachments or ()) or None))
    if consultation.answered_on is not None and row.answered_on is None:
        row.answered_on = consultation.answered_on
    try:
        uow.session.flush()
    except IntegrityError:
        # another replica or request recorded this department's answer first (unique per department)
        raise Conflict("该部门的答复已登记，答复不可更改") from None


def _emit_lapsed(uow, row, recorded, today):
    uow.emit(new_event("consultation.lapsed", source=SOURCE, project_code=row.project_code, actor=SYSTEM,
                       payload={"consultation_id": row.id, "case_id": row.case_id,
                                "departments": [r.department for r in recorded],
                                "due_on": row.due_on, "recorded_on": today}))


def reply(consultation_id, cmd, identity, uow, today):
    row = _lock(uow.session, consultation_id)
    consultation = _to_domain(row)
    answer = consultation.reply(department=identity.department, opinion=cmd["opinion"], replied_by=identity.sub,
                                on=today, kind=cmd["kind"], conditions=cmd.get("conditions") or "",
                                attachments=cmd.get("attachments") or ())
    _record(uow, row, consultation, [answer])
    uow.emit(new_event("consultation.replied", source=SOURCE, project_code=row.project_code,
                       actor=identity.actor(), payload={
                           "consultation_id": row.id, "case_id": row.case_id, "department": answer.department,
                           "opinion": answer.opinion, "opinion_kind": answer.opinion_kind,
                           "conditions": answer.conditions}))
    uow.session.refresh(row)
    return view(row, today)


def countersign(consultation_id, cmd, identity, uow, today):
    """办结会签 (001 二): the asking department concludes with a summary citing every answer; the
    silences past the deadline are recorded first (004 §14). consultation.closed carries the record."""
    row = _lock(uow.session, consultation_id)
    consultation = _to_domain(row)
    recorded = consultation.countersign(department=identity.department, signed_by=identity.sub,
                                        summary=cmd["summary"], on=today)
    _record(uow, row, consultation, recorded)
    if recorded:
        _emit_lapsed(uow, row, recorded, today)
    row.closed_on, row.closed_by, row.summary = consultation.closed_on, consultation.closed_by, consultation.summary
    uow.emit(new_event("consultation.closed", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"consultation_id": row.id, "case_id": row.case_id, "asked_by": row.asked_by,
                                "question": row.question, "opened_on": row.opened_on, "due_on": row.due_on,
                                "summary": consultation.summary, "closed_by": identity.sub,
                                "closed_on": consultation.closed_on, "replies": consultation.record()}))
    uow.session.flush()
    uow.session.refresh(row)
    return view(row, today)


def _visible(row, identity):
    if identity.role == SUPERVISOR:
        return True
    return identity.department == row.asked_by or identity.department in row.asked_of


def get(consultation_id, identity, uow, today):
    row = uow.session.get(ConsultationRow, consultation_id)
    if row is None or not _visible(row, identity):
        # an officer of a department neither asking nor asked learns nothing about it
        raise NotFound(f"征询 {consultation_id} 不存在")
    return view(row, today)


# ---------------------------------------------------------------------------- the department inbox
INITIATED, ADDRESSED = "initiated", "addressed"


def list_consultations(filters, identity, uow, today):
    """The consultations addressed to a department in the officer's region (or the ones it
    initiated), newest deadline pressure first; filters and paging in SQL. An officer sees their
    own department only; a supervisor any department."""
    query = department_inbox(filters, identity, model=ConsultationRow, asked=AddresseeRow,
                             asked_key=AddresseeRow.consultation_id, started_by=ConsultationRow.asked_by,
                             own_role=INITIATED, noun="征询")
    light = filters.get("light")
    if light:
        awaiting = and_(ConsultationRow.answered_on.is_(None), ConsultationRow.closed_on.is_(None))
        yellow_from = func.coalesce(ConsultationRow.yellow_on, ConsultationRow.opened_on)
        query = query.where(awaiting, {
            RED: ConsultationRow.due_on < today,
            YELLOW: and_(ConsultationRow.due_on >= today, yellow_from <= today),
            GREEN: and_(ConsultationRow.due_on >= today, yellow_from > today)}[light])
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    awaited_first = case((and_(ConsultationRow.answered_on.is_(None), ConsultationRow.closed_on.is_(None)),
                          literal(0)), else_=literal(1))
    rows = uow.session.execute(query.order_by(awaited_first, ConsultationRow.due_on, ConsultationRow.id)
                               .limit(filters["limit"]).offset(filters["offset"])).scalars().all()
    return {"items": [view(row, today) for row in rows], "total": total,
            "limit": filters["limit"], "offset": filters["offset"]}


# ---------------------------------------------------------------------------- the deadline sweeper
def sweep(uow, today, batch=200):
    """One batch of open consultations past their deadline, claimed with SKIP LOCKED so that
    replicas share the work and each silence is recorded once (004 §14). Returns how many
    consultations it claimed."""
    session = uow.session
    rows = session.execute(
        select(ConsultationRow).where(ConsultationRow.answered_on.is_(None), ConsultationRow.closed_on.is_(None),
                                      ConsultationRow.due_on < today)
        .order_by(ConsultationRow.due_on, ConsultationRow.id).limit(batch).with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)).scalars().all()
    for row in rows:
        consultation = _to_domain(row)
        recorded = consultation.lapse(today)
        _record(uow, row, consultation, recorded)
        if recorded:
            _emit_lapsed(uow, row, recorded, today)
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
