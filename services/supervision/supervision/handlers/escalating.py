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

from psycopg2.extras import execute_values
from sqlalchemy import String, cast, func, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite

from platform_kit.calendar_store import current_calendar
from platform_kit.clock_facts import RED, YELLOW
from platform_kit.contracts import Actor, new_event
from platform_kit.db import utcnow
from supervision.adapters.orm import CaseClockRow, EscalationRow, ProjectRow, StageClockRow
from supervision.domain import escalation, projection
from supervision.handlers import outbound
from supervision.handlers.notices import deliver
from supervision.handlers.reading import light_sql

_LOCK = 0x5355_5045   # the advisory lock of the escalation pass ("SUPE")


def _insert(session, table):
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _claim(session, level, today, cutoff, batch):
    """Insert up to `batch` escalations of `level` in one statement; the rows this transaction
    inserted, with what their notices need."""
    c, s = CaseClockRow, StageClockRow
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
    # by case id first (indexed): the anti-join stays a cheap probe whatever the statistics say
    where.append(~select(EscalationRow.clock_id).where(EscalationRow.case_id == c.case_id,
                                                       EscalationRow.level == level,
                                                       EscalationRow.clock_id == clock_id).exists())
    picked = (select(clock_id.label("clock_id"), c.case_id, c.project_code, c.department, region.label("region"),
                     c.due_on, c.stage_id, c.item_name, s.lead_department)
              .select_from(c).outerjoin(ProjectRow, ProjectRow.project_code == c.project_code)
              .outerjoin(s, s.stage_id == c.stage_id)
              .where(*where).order_by(c.case_id).limit(batch)).cte("picked")
    columns = ["clock_id", "level", "case_id", "project_code", "department", "region", "due_on", "raised_on",
               "raised_at"]
    rows = select(picked.c.clock_id, literal(level, String), picked.c.case_id, picked.c.project_code,
                  picked.c.department, picked.c.region, picked.c.due_on, literal(today), literal(utcnow()))
    table = EscalationRow.__table__
    claimed = (_insert(session, table).from_select(columns, rows).on_conflict_do_nothing()
               .returning(table.c.clock_id).cte("claimed"))
    statement = select(picked).join(claimed, claimed.c.clock_id == picked.c.clock_id)
    return session.execute(statement).mappings().all()


def _alerts(level, rows):
    return [escalation.Alert(level=level, **row) for row in rows]


_NOTICE_COLUMNS = ("notification_id", "dedupe_key", "account", "org", "department", "region", "role", "kind",
                   "urgency", "title", "body", "project_code", "stage_id", "case_id", "subject", "sender",
                   "created_at")


def _deliver_all(uow, notices):
    """Store notices in one statement (a notice whose key is stored already is left alone) and
    request the delivery of each new one (notification.requested), as ``notices.deliver`` does."""
    if not notices:
        return
    session = uow.session
    if session.get_bind().dialect.name != "postgresql":
        for notice in notices:
            deliver(uow, notice)
        return
    now = utcnow()
    by_key = {n.key(): n for n in notices}
    rows = [(str(uuid.uuid4()), n.key(), n.audience.account, n.audience.org, n.audience.department,
             n.audience.region, n.audience.role, n.kind, n.urgency, n.title[:200], n.body, n.project_code,
             n.stage_id, n.case_id, n.subject, n.sender, now) for n in by_key.values()]
    cursor = session.connection().connection.cursor()
    stored = execute_values(cursor, f"INSERT INTO notifications ({', '.join(_NOTICE_COLUMNS)}) VALUES %s "
                                    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING notification_id, dedupe_key",
                            rows, page_size=1000, fetch=True)
    outbound.request_many(uow, [(by_key[key], notification_id) for notification_id, key in stored])


def _announce(uow, alerts, today):
    """One ``alert.raised`` per escalation, each checked against the contract like any event."""
    for a in alerts:
        uow.emit(new_event("alert.raised", source="supervision", project_code=a.project_code, actor=Actor.SYSTEM,
                           payload={"clock_id": a.clock_id, "case_id": a.case_id, "stage_id": a.stage_id,
                                    "level": a.level, "department": a.department, "region": a.region,
                                    "due_on": a.due_on, "raised_on": today}))


def escalate(uow, level, today, rules, cutoff, batch):
    """One batch of one level: how many clocks were escalated."""
    rows = _claim(uow.session, level, today, cutoff, batch)
    alerts = _alerts(level, rows)
    _deliver_all(uow, [n for a in alerts for n in escalation.notices_for(a, rules)])
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
