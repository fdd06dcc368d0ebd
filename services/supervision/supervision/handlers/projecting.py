"""Projecting events into the read model.

Every event is first appended to the project's timeline (append-only). Then the clock it concerns
is locked (rows upserted by stage id and case id) and the event is observed by it
(``domain.projection.observe``): the newest state and clock facts the stage service published win,
whatever the order events arrive in. So events arriving late, twice or out of order (a case
accepted before its stage is seen opened) end in the same state as events arriving in order, and N
replicas give the same result as one.
"""
import logging

from sqlalchemy import insert

from platform_kit.calendar import SHANGHAI
from platform_kit.clock_facts import ClockFactsSchema
from platform_kit.contracts import payload_schema
from platform_kit.db import utcnow
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, TimelineEntryRow
from supervision.adapters.upsert import insert_for, on_postgres, sql
from supervision.domain import projection, timeline
from supervision.domain.projection import clock_known, observation, observe, position

log = logging.getLogger(__name__)
_FACTS = ClockFactsSchema()
_TIMELINE = TimelineEntryRow.__table__


# ------------------------------------------------------------------------------------ projecting
def record_event(envelope, uow, consumer):
    """Apply one event once: timeline entry, then its clocks. False on a redelivery."""
    session = uow.session
    entry = _timeline_entry(envelope)
    if on_postgres(session):
        if not _mark_and_append(session, consumer, entry):
            log.info("skipping already processed event %s for %s", envelope.event_id, consumer)
            return False
    else:
        if not uow.first_time(envelope, consumer):
            return False
        session.execute(insert(_TIMELINE).values(**entry))
    project = projection_for(envelope.type)
    if project is not None:
        project(session, envelope)
    session.flush()
    return True


def _timeline_entry(envelope):
    p = envelope.payload
    return dict(
        event_id=envelope.event_id, project_code=envelope.project_code,
        stage_id=p.get("stage_id") if isinstance(p.get("stage_id"), str) else None,
        case_id=p.get("case_id") if isinstance(p.get("case_id"), str) else None,
        type=envelope.type, version=envelope.version, source=envelope.source,
        occurred_at=envelope.occurred_at, actor=envelope.actor.as_dict(),
        summary=timeline.summary(envelope.type, p),
        payload=payload_schema(envelope.type, envelope.version).dump(p), recorded_at=utcnow())


_MARK_AND_APPEND = sql("""
WITH marked AS (
    INSERT INTO processed_events (consumer, event_id, event_type, processed_at)
    VALUES (:consumer, :event_id, :type, :recorded_at) ON CONFLICT DO NOTHING RETURNING event_id)
INSERT INTO timeline_entries (event_id, project_code, stage_id, case_id, type, version, source, occurred_at,
                              actor, summary, payload, recorded_at)
SELECT marked.event_id, :project_code, :stage_id, :case_id, :type, :version, :source, :occurred_at,
       CAST(:actor AS JSON), :summary, CAST(:payload AS JSON), :recorded_at FROM marked""", json=("actor", "payload"))


def _mark_and_append(session, consumer, entry):
    """The processed-event marker and the timeline entry in one statement: the entry is appended only
    when the marker is new (``ON CONFLICT DO NOTHING``), so a redelivery, or a second replica that
    waited for the first one's transaction, appends nothing. True when appended."""
    return session.execute(_MARK_AND_APPEND, dict(entry, consumer=consumer)).rowcount == 1


def _locked(session, model, key, **initial):
    """The row with primary key `key`, locked; created with `initial` values when missing.

    A missing row is inserted with ``ON CONFLICT DO NOTHING``: two workers creating the same row,
    the second insert waits for the first to commit, inserts nothing, and then reads and locks the
    winner's row. The row is held for the rest of the transaction, so later readers of it (the
    statistics) find it in the session instead of reading it again.
    """
    row = session.get(model, key, with_for_update=True)
    if row is None:
        row = session.execute(insert_for(session, model).values(**initial).on_conflict_do_nothing().returning(model),
                              execution_options={"populate_existing": True}).scalar()
        if row is None:
            row = session.get(model, key, with_for_update=True, populate_existing=True)
    session.info.setdefault("kept", []).append(row)
    return row


def _fill(row, **values):
    """Set the descriptive values that are known; an unknown (None) value never erases a known one.
    A row none of whose values changes is not written."""
    changed = False
    for name, value in values.items():
        if value is not None and getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed and hasattr(type(row), "updated_at"):
        row.updated_at = utcnow()


# the clock facts kept in columns, so that lists filter and sort by them in SQL
FACT_COLUMNS = ("limit_days", "extension_days", "started_on", "due_on", "due_estimated", "yellow_on",
                "yellow_days", "paused", "stopped_on", "used_days", "remaining_days", "light", "as_of")
CASE_HISTORY = ("state", "resume_state", "outcome", "round", "accepted_on", "deemed", "paused_on",
                "returned_on", "lapsed_on", "concluded_on", "on_time", "acceptance_due_on")
STAGE_HISTORY = ("state", "declaration_id", "lead_department", "received_on", "concluded_on", "on_time")
CASE_CLOCK_FIELDS = CASE_HISTORY + FACT_COLUMNS
STAGE_CLOCK_FIELDS = STAGE_HISTORY + FACT_COLUMNS


def _record_of(row, history):
    record = {name: getattr(row, name) for name in history + projection.LEGACY_CLOCK_FIELDS}
    record["clock"] = _FACTS.load(row.clock) if row.clock else None
    record["positions"] = dict(row.positions or {})
    return record


def _write(row, record, history):
    for name in history:
        setattr(row, name, record.get(name))
    if clock_known(record):
        facts = record.get("clock")
        for name in FACT_COLUMNS:
            setattr(row, name, facts.get(name) if facts else None)
        if not facts:   # not started: the limit is still known from the stage or the resubmission
            row.limit_days = record.get("limit_days")
        row.clock = _FACTS.dump(facts) if facts else None
    else:   # only events without facts so far: the deadline fields as they were sent, no light
        for name in FACT_COLUMNS:
            setattr(row, name, record.get(name) if name in projection.LEGACY_CLOCK_FIELDS else None)
    row.clock_known = clock_known(record)
    row.positions = record["positions"]
    row.updated_at = utcnow()


def _observe_case(row, obs):
    record = observe(_record_of(row, CASE_HISTORY), obs, projection.CASE_CLOSED)
    if record.get("round") is None:  # 000 §12: a case is opened in round 1; only a resubmission starts another
        record["round"] = 1
    _write(row, record, CASE_HISTORY)


def _observe_stage(row, obs):
    _write(row, observe(_record_of(row, STAGE_HISTORY), obs, projection.STAGE_CLOSED), STAGE_HISTORY)


def _stage_row(session, stage_id, project_code):
    row = _locked(session, StageClockRow, stage_id, stage_id=stage_id, project_code=project_code,
                  state=projection.STAGE_OPEN, positions={}, clock_known=False, updated_at=utcnow())
    _fill(row, project_code=project_code)
    return row


def _case_row(session, case_id, project_code):
    row = _locked(session, CaseClockRow, case_id, case_id=case_id, project_code=project_code,
                  state=projection.SUBMITTED, round=1, positions={}, clock_known=False, updated_at=utcnow())
    _fill(row, project_code=project_code)
    return row


def _on_project_event(session, envelope):
    """project.registered is revision 1; a later push (project.updated) wins, whatever the arrival order."""
    p = envelope.payload
    revision = p.get("revision", 1)
    row = _locked(session, ProjectRow, p["project_code"], project_code=p["project_code"])
    if row.revision is None or revision >= row.revision:
        _fill(row, name=p["name"], category=p["category"], region=p["region"], applicant_org=p["applicant_org"],
              revision=revision)
    if envelope.type == "project.registered":
        _fill(row, registered_on=envelope.occurred_at.astimezone(SHANGHAI).date())
    _observe_query_code(row, envelope)


def _on_query_code_issued(session, envelope):
    p = envelope.payload
    _observe_query_code(_locked(session, ProjectRow, p["project_code"], project_code=p["project_code"]), envelope)


def _observe_query_code(row, envelope):
    """The digest of the latest query code issued for the project (002 §22) wins."""
    digest = envelope.payload.get("query_code_digest")
    if digest and (row.query_code_issued_at is None or envelope.occurred_at >= row.query_code_issued_at):
        _fill(row, query_code_digest=digest, query_code_issued_at=envelope.occurred_at)


def _on_stage_event(session, envelope):
    p = envelope.payload
    if not p.get("stage_id"):
        return
    at = position(envelope.occurred_at, envelope.event_id)
    stage = _stage_row(session, p["stage_id"], envelope.project_code)
    _fill(stage, stage=p.get("stage"))
    if p.get("case_id"):   # of one case's clock: an extension (002 §14) or a recount
        row = _case_row(session, p["case_id"], envelope.project_code)
        _fill(row, stage_id=p["stage_id"], stage=p.get("stage"))
        _observe_case(row, observation(envelope.type, p, at, True, clock=p.get("clock")))
        return
    _observe_stage(stage, observation(envelope.type, p, at, False, state=p.get("state"), clock=p.get("clock")))
    for entry in p.get("cases") or []:   # stage.opened names its cases before any of them is accepted
        row = _case_row(session, entry["case_id"], envelope.project_code)
        _fill(row, stage_id=p["stage_id"], stage=p["stage"], item_code=entry["item_code"],
              department=entry["department"])
        _observe_case(row, observation(envelope.type, entry, at, True, state=entry.get("state")))


def _on_case_event(session, envelope):
    p = envelope.payload
    if not (p.get("case_id") and p.get("stage_id")):  # a later case event of another shape: timeline only
        return
    _fill(_stage_row(session, p["stage_id"], envelope.project_code), stage=p.get("stage"))
    row = _case_row(session, p["case_id"], envelope.project_code)
    _fill(row, **{name: p.get(name) for name in projection.DESCRIPTIVE})
    _observe_case(row, observation(envelope.type, p, position(envelope.occurred_at, envelope.event_id), True,
                                   state=p.get("state"), clock=p.get("clock")))


def _on_licence_issued(session, envelope):
    p = envelope.payload
    row = _case_row(session, p["case_id"], envelope.project_code)
    _fill(row, item_code=p["item_code"], item_name=p["item_name"], department=p["department"],
          licence_id=p["licence_id"], licence_no=p["licence_no"])


def projection_for(event_type):
    """The clock projection of an event type, or None when it only goes to the timeline."""
    if event_type in ("project.registered", "project.updated"):
        return _on_project_event
    if event_type == "project.query_code_issued":
        return _on_query_code_issued
    if event_type == "licence.issued":
        return _on_licence_issued
    if event_type.startswith("stage."):
        return _on_stage_event
    if event_type.startswith("case."):
        return _on_case_event
    return None
