"""The escalation pass (domain.escalation), set-based.

Per level, one statement picks the open case clocks that reached it and have no escalation of that
level yet (``NOT EXISTS``) and inserts their ``escalations`` rows (``ON CONFLICT DO NOTHING``,
returning only the rows this transaction inserted); the notices of those rows go in with one
multi-row insert (their de-duplication keys are unique) and one ``alert.raised`` event each, in
the same transaction. Replicas running the pass at once: a transaction-level advisory lock lets one
of them work at a time, and the unique key would refuse a second row anyway, so every rule acts
once per clock and level.
"""
import uuid
from datetime import datetime, timezone

from sqlalchemy import String, and_, cast, func, literal, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite

from platform_kit.calendar_store import current_calendar
from platform_kit.clock_facts import RED, YELLOW
from platform_kit.contracts import Actor, Envelope, latest_version, new_event
from platform_kit.db import utcnow
from supervision.adapters.orm import CaseClockRow, EscalationRow, NotificationRow, ProjectRow, StageClockRow
from supervision.domain import escalation, projection
from supervision.handlers.reading import light_sql

_LOCK = 0x5355_5045   # the advisory lock of the escalation pass ("SUPE")


def _insert(session, table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _claim(session, level, today, cutoff, batch):
    """Insert up to `batch` escalations of `level`; the rows inserted."""
    c = CaseClockRow
    light = light_sql(c, today)
    clock_id = func.concat(c.case_id, ":", cast(func.coalesce(c.round, 1), String))
    region = func.coalesce(c.region, ProjectRow.region, func.substr(c.project_code, 6, 6))
    where = [c.clock_known.is_(True), c.state.not_in(projection.CASE_CLOSED), c.department.is_not(None),
             c.paused.is_not(True), c.stopped_on.is_(None)]
    if level == escalation.YELLOW:
        where.append(light == YELLOW)
    elif level == escalation.RED:
        where.append(light == RED)
    else:
        where += [light == RED, c.due_on <= cutoff]
    where.append(~select(EscalationRow.clock_id).where(EscalationRow.clock_id == clock_id,
                                                       EscalationRow.level == level).exists())
    now = utcnow()
    candidates = (select(clock_id.label("clock_id"), literal(level, String).label("level"), c.case_id,
                         c.project_code, c.department, region.label("region"), c.due_on,
                         literal(today).label("raised_on"), literal(now).label("raised_at"))
                  .select_from(c).outerjoin(ProjectRow, ProjectRow.project_code == c.project_code)
                  .where(*where).order_by(c.case_id).limit(batch))
    columns = ["clock_id", "level", "case_id", "project_code", "department", "region", "due_on", "raised_on",
               "raised_at"]
    statement = (_insert(session, EscalationRow.__table__).from_select(columns, candidates)
                 .on_conflict_do_nothing().returning(*[EscalationRow.__table__.c[n] for n in columns]))
    return session.execute(statement).mappings().all()


def _alerts(session, level, rows):
    if not rows:
        return []
    details = {r.case_id: r for r in session.execute(
        select(CaseClockRow.case_id, CaseClockRow.stage_id, CaseClockRow.item_name, StageClockRow.lead_department)
        .outerjoin(StageClockRow, StageClockRow.stage_id == CaseClockRow.stage_id)
        .where(CaseClockRow.case_id.in_([r["case_id"] for r in rows]))).all()}
    out = []
    for r in rows:
        d = details.get(r["case_id"])
        out.append(escalation.Alert(clock_id=r["clock_id"], level=level, case_id=r["case_id"],
                                    project_code=r["project_code"], department=r["department"], region=r["region"],
                                    due_on=r["due_on"], stage_id=d.stage_id if d else None,
                                    item_name=d.item_name if d else None,
                                    lead_department=d.lead_department if d else None))
    return out


def _deliver_all(session, notices):
    """Store notices in one statement; a notice whose key is stored already is left alone."""
    if not notices:
        return
    now = utcnow()
    rows = [{"notification_id": str(uuid.uuid4()), "dedupe_key": n.key(), "account": n.audience.account,
             "org": n.audience.org, "department": n.audience.department, "region": n.audience.region,
             "role": n.audience.role, "kind": n.kind, "urgency": n.urgency, "title": n.title[:200], "body": n.body,
             "project_code": n.project_code, "stage_id": n.stage_id, "case_id": n.case_id, "subject": n.subject,
             "sender": n.sender, "created_at": now} for n in notices]
    session.execute(_insert(session, NotificationRow.__table__).on_conflict_do_nothing(
        index_elements=["dedupe_key"]), rows)


_ALERT_VERSION = latest_version("alert.raised")


def _announce(uow, alerts, today):
    """One ``alert.raised`` per escalation: the first checked against the contract like any event,
    the rest of the batch built the same way (same fields, same types)."""
    for index, a in enumerate(alerts):
        payload = {"clock_id": a.clock_id, "case_id": a.case_id, "stage_id": a.stage_id, "level": a.level,
                   "department": a.department, "region": a.region, "due_on": a.due_on, "raised_on": today}
        if index == 0:
            envelope = new_event("alert.raised", source="supervision", project_code=a.project_code,
                                 actor=Actor.SYSTEM, payload=payload)
        else:
            wire = dict(payload, due_on=a.due_on.isoformat() if a.due_on else None, raised_on=today.isoformat())
            envelope = Envelope(type="alert.raised", version=_ALERT_VERSION, source="supervision",
                                project_code=a.project_code, actor=Actor.SYSTEM, payload=payload, wire_payload=wire)
        uow.emit(envelope)


def escalate(uow, level, today, rules, cutoff, batch):
    """One batch of one level: how many clocks were escalated."""
    rows = _claim(uow.session, level, today, cutoff, batch)
    alerts = _alerts(uow.session, level, rows)
    _deliver_all(uow.session, [n for a in alerts for n in escalation.notices_for(a, rules)])
    _announce(uow, alerts, today)
    return len(rows)


def _locked(session):
    if session.get_bind().dialect.name != "postgresql":
        return True
    return session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _LOCK}).scalar()


def escalation_pass(unit_of_work, today, rules, batch=500):
    """Escalate every clock that reached a level, batch after batch (each its own transaction).
    {level: clocks escalated}; nothing when another replica is passing at the moment."""
    done = {level: 0 for level in rules.levels()}
    cutoff = None
    for level in rules.levels():
        while True:
            with unit_of_work() as uow:
                if not _locked(uow.session):
                    return done
                if level == escalation.SUPERVISION and cutoff is None:
                    cutoff = escalation.supervision_cutoff(current_calendar(uow.session).estimating(), today,
                                                           rules.red_days)
                acted = escalate(uow, level, today, rules, cutoff, batch)
            done[level] += acted
            if acted < batch:
                break
    return done


__all__ = ["escalation_pass", "escalate"]
