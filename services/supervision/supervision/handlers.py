"""Use cases of the supervision service: project events into the read model, and read it back.

Every event is first appended to the project's timeline (append-only). Then the clock it concerns
is locked (rows upserted by stage id and case id) and recomputed from that clock's events in the
timeline, in the order they happened (``domain.projection``). So events arriving late, twice or out
of order (a case accepted before its stage is seen opened) end in the same state as events
arriving in order, and N replicas give the same result as one.
"""
import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from platform_kit.contracts import STAGES, payload_schema
from platform_kit.db import utcnow
from platform_kit.errors import NotFound
from platform_kit.validation import load
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, TimelineEntryRow
from supervision.domain import clock, projection, timeline

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------ projecting
STAGE_CLOCK_EVENTS = ("stage.opened", "stage.paused", "stage.resumed", "stage.extended", "stage.concluded")


def record_event(envelope, uow, consumer, calendar):
    """Apply one event once: timeline entry, then its clock rebuilt. False on a redelivery."""
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    uow.session.add(TimelineEntryRow(
        event_id=envelope.event_id, project_code=envelope.project_code,
        stage_id=p.get("stage_id") if isinstance(p.get("stage_id"), str) else None,
        case_id=p.get("case_id") if isinstance(p.get("case_id"), str) else None,
        type=envelope.type, version=envelope.version, source=envelope.source,
        occurred_at=envelope.occurred_at, actor=envelope.actor.as_dict(),
        summary=timeline.summary(envelope.type, p),
        payload=payload_schema(envelope.type, envelope.version).dump(p), recorded_at=utcnow()))
    uow.session.flush()
    project = projection_for(envelope.type)
    if project is not None:
        project(uow.session, envelope, calendar)
    uow.session.flush()
    return True


def _locked(session, model, key, **initial):
    """The row with primary key `key`, locked; created with `initial` values when missing.

    Two workers creating the same row: the second insert waits for the first to commit, fails on
    the primary key inside its savepoint, and then reads and locks the winner's row. Rebuilding a
    clock after taking this lock sees every event committed before it.
    """
    row = session.get(model, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = model(**initial)
            session.add(row)
        return row
    except IntegrityError:
        return session.get(model, key, with_for_update=True, populate_existing=True)


def _fill(row, **values):
    """Set the descriptive values that are known; an unknown (None) value never erases a known one."""
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    if hasattr(type(row), "updated_at"):
        row.updated_at = utcnow()


def _history(session, *where):
    """(type, payload) of the matching timeline entries, oldest first, payloads loaded again."""
    entries = session.execute(select(TimelineEntryRow).where(*where)
                              .order_by(TimelineEntryRow.occurred_at, TimelineEntryRow.id)).scalars().all()
    for entry in entries:
        yield entry.type, load(payload_schema(entry.type, entry.version), entry.payload)


def _write(row, record, fields):
    for name in fields:
        setattr(row, name, record.get(name))
    row.updated_at = utcnow()


CASE_CLOCK_FIELDS = ("state", "resume_state", "outcome", "round", "accepted_on", "deemed", "limit_days",
                     "extension_days", "due_on", "due_estimated", "paused_on", "returned_on", "lapsed_on",
                     "concluded_on", "on_time", "used_days")
STAGE_CLOCK_FIELDS = ("state", "declaration_id", "lead_department", "limit_days", "extension_days",
                      "received_on", "due_on", "concluded_on", "on_time")


def _rebuild_case(session, row, opened_limit_days=None):
    changes = [projection.case_change(t, p) for t, p in _history(session, TimelineEntryRow.case_id == row.case_id)]
    record = projection.replay(changes, projection.CASE_CLOSED, projection.SUBMITTED)
    if record.get("limit_days") is None:  # known from stage.opened before the case is accepted
        record["limit_days"] = opened_limit_days or row.limit_days
    if record.get("round") is None:  # 000 §12: a case is opened in round 1; only a resubmission starts another
        record["round"] = 1
    _write(row, record, CASE_CLOCK_FIELDS)


def _rebuild_stage(session, row, calendar):
    changes = []
    for event_type, p in _history(session, TimelineEntryRow.stage_id == row.stage_id,
                                  TimelineEntryRow.type.in_(STAGE_CLOCK_EVENTS),
                                  TimelineEntryRow.case_id.is_(None)):
        computed = clock.stage_due_on(calendar, p["received_on"], p["limit_days"]) \
            if event_type == "stage.opened" else None
        changes.append(projection.stage_change(event_type, p, computed))
    record = projection.replay(changes, projection.STAGE_CLOSED, projection.STAGE_OPEN)
    _write(row, record, STAGE_CLOCK_FIELDS)


def _stage_row(session, stage_id, project_code):
    row = _locked(session, StageClockRow, stage_id, stage_id=stage_id, project_code=project_code,
                  state=projection.STAGE_OPEN, updated_at=utcnow())
    _fill(row, project_code=project_code)
    return row


def _case_row(session, case_id, project_code):
    row = _locked(session, CaseClockRow, case_id, case_id=case_id, project_code=project_code,
                  state=projection.SUBMITTED, updated_at=utcnow())
    _fill(row, project_code=project_code)
    return row


def _on_project_event(session, envelope, calendar):
    """project.registered is revision 1; a later push (project.updated) wins, whatever the arrival order."""
    p = envelope.payload
    revision = p.get("revision", 1)
    row = _locked(session, ProjectRow, p["project_code"], project_code=p["project_code"])
    if row.revision is None or revision >= row.revision:
        _fill(row, name=p["name"], category=p["category"], region=p["region"], applicant_org=p["applicant_org"],
              revision=revision)


def _on_stage_event(session, envelope, calendar):
    p = envelope.payload
    if not p.get("stage_id"):
        return
    stage = _stage_row(session, p["stage_id"], envelope.project_code)
    _fill(stage, stage=p.get("stage"))
    if envelope.type == "stage.extended" and p.get("case_id"):  # 002 §14: one case's limit extended
        row = _case_row(session, p["case_id"], envelope.project_code)
        _fill(row, stage_id=p["stage_id"], stage=p.get("stage"))
        _rebuild_case(session, row)
        return
    _rebuild_stage(session, stage, calendar)
    for case in p.get("cases") or []:  # stage.opened names its cases before any of them is accepted
        row = _case_row(session, case["case_id"], envelope.project_code)
        _fill(row, stage_id=p["stage_id"], stage=p["stage"], item_code=case["item_code"],
              department=case["department"])
        _rebuild_case(session, row, opened_limit_days=case["limit_days"])


def _on_case_event(session, envelope, calendar):
    p = envelope.payload
    if not (p.get("case_id") and p.get("stage_id")):  # a later case event of another shape: timeline only
        return
    _fill(_stage_row(session, p["stage_id"], envelope.project_code), stage=p.get("stage"))
    row = _case_row(session, p["case_id"], envelope.project_code)
    _fill(row, **{name: p.get(name) for name in projection.DESCRIPTIVE})
    _rebuild_case(session, row)


def _on_licence_issued(session, envelope, calendar):
    p = envelope.payload
    row = _case_row(session, p["case_id"], envelope.project_code)
    _fill(row, item_code=p["item_code"], item_name=p["item_name"], department=p["department"],
          licence_id=p["licence_id"], licence_no=p["licence_no"])


def projection_for(event_type):
    """The clock projection of an event type, or None when it only goes to the timeline."""
    if event_type in ("project.registered", "project.updated"):
        return _on_project_event
    if event_type == "licence.issued":
        return _on_licence_issued
    if event_type.startswith("stage."):
        return _on_stage_event
    if event_type.startswith("case."):
        return _on_case_event
    return None


# ------------------------------------------------------------------------------------ reading
def _case_light(row, today, calendar, yellow_days):
    if row.state not in projection.CASE_RUNNING:  # not started, paused, returned or closed
        return None
    return clock.light(row.due_on, today, calendar, yellow_days)


def _case_view(row, today, calendar, yellow_days):
    return {
        "case_id": row.case_id, "item_code": row.item_code, "item_name": row.item_name,
        "department": row.department, "state": row.state, "round": row.round,
        "accepted_on": row.accepted_on, "deemed": row.deemed, "limit_days": row.limit_days,
        "extension_days": row.extension_days, "due_on": row.due_on, "paused_on": row.paused_on,
        "returned_on": row.returned_on, "lapsed_on": row.lapsed_on, "concluded_on": row.concluded_on,
        "on_time": row.on_time, "used_days": row.used_days, "outcome": row.outcome,
        "licence_no": row.licence_no, "light": _case_light(row, today, calendar, yellow_days),
    }


def _holds_stage_clock(cases):
    return any(c.state in projection.HOLDS_STAGE_CLOCK for c in cases)  # 000 §12


def _stage_view(row, paused, today, calendar, yellow_days):
    closed = row.state in projection.STAGE_CLOSED
    return {
        "stage": row.stage, "stage_id": row.stage_id, "lead_department": row.lead_department,
        "limit_days": row.limit_days, "extension_days": row.extension_days, "received_on": row.received_on,
        "due_on": row.due_on, "concluded_on": row.concluded_on, "on_time": row.on_time, "state": row.state,
        "paused": paused and not closed,
        "light": None if (paused or closed) else clock.light(row.due_on, today, calendar, yellow_days),
    }


def _stage_order(row):
    return (STAGES.index(row.stage) if row.stage in STAGES else len(STAGES), row.received_on or date.max)


def project_overview(session, project_code, today, calendar, yellow_days):
    stages = session.execute(select(StageClockRow).where(StageClockRow.project_code == project_code)).scalars().all()
    cases = session.execute(select(CaseClockRow).where(CaseClockRow.project_code == project_code)
                            .order_by(CaseClockRow.item_code, CaseClockRow.case_id)).scalars().all()
    entries = session.execute(select(TimelineEntryRow).where(TimelineEntryRow.project_code == project_code)
                              .order_by(TimelineEntryRow.occurred_at, TimelineEntryRow.id)).scalars().all()
    project = session.get(ProjectRow, project_code)
    if not (stages or cases or entries or project):
        raise NotFound(f"监督台账中没有项目 {project_code} 的记录")
    by_stage = {}
    for case in cases:
        by_stage.setdefault(case.stage_id, []).append(case)
    out = []
    for row in sorted(stages, key=_stage_order):
        stage_cases = by_stage.pop(row.stage_id, [])
        view = _stage_view(row, _holds_stage_clock(stage_cases), today, calendar, yellow_days)
        view["cases"] = [_case_view(c, today, calendar, yellow_days) for c in stage_cases]
        out.append(view)
    if by_stage:  # cases known only from a licence so far: their stage is not known yet
        out.append({"stage": None, "stage_id": None, "lead_department": None, "limit_days": None,
                    "extension_days": None, "received_on": None, "due_on": None, "concluded_on": None,
                    "on_time": None, "state": None, "paused": False, "light": None,
                    "cases": [_case_view(c, today, calendar, yellow_days) for cs in by_stage.values() for c in cs]})
    return {
        "project_code": project_code,
        "project": ({"name": project.name, "category": project.category, "region": project.region,
                     "applicant_org": project.applicant_org} if project else None),
        "stages": out,
        "timeline": [{"event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at,
                      "actor": e.actor, "summary": e.summary} for e in entries],
    }


def list_clocks(session, filters, today, calendar, yellow_days):
    """Open or closed clocks of stages and cases, most urgent first, filtered for supervisors."""
    items = []
    kinds = (filters.get("kind"),) if filters.get("kind") else ("stage", "case")
    wanted = filters.get("state")
    if "case" in kinds:
        query = select(CaseClockRow)
        if filters.get("department"):
            query = query.where(CaseClockRow.department == filters["department"])
        if filters.get("project_code"):
            query = query.where(CaseClockRow.project_code == filters["project_code"])
        if wanted == "open":
            query = query.where(CaseClockRow.state.not_in(projection.CASE_CLOSED))
        elif wanted == "closed":
            query = query.where(CaseClockRow.state.in_(projection.CASE_CLOSED))
        for row in session.execute(query).scalars():
            view = _case_view(row, today, calendar, yellow_days)
            view.update(kind="case", project_code=row.project_code, stage=row.stage, stage_id=row.stage_id,
                        started_on=row.accepted_on, paused=row.state in projection.HOLDS_STAGE_CLOCK,
                        clock="closed" if row.state in projection.CASE_CLOSED else "open")
            items.append(view)
    if "stage" in kinds:
        query = select(StageClockRow)
        if filters.get("department"):
            query = query.where(StageClockRow.lead_department == filters["department"])
        if filters.get("project_code"):
            query = query.where(StageClockRow.project_code == filters["project_code"])
        if wanted == "open":
            query = query.where(StageClockRow.state.not_in(projection.STAGE_CLOSED))
        elif wanted == "closed":
            query = query.where(StageClockRow.state.in_(projection.STAGE_CLOSED))
        rows = session.execute(query).scalars().all()
        holding = set()
        if rows:
            holding = set(session.execute(
                select(CaseClockRow.stage_id).where(CaseClockRow.stage_id.in_([r.stage_id for r in rows]),
                                                    CaseClockRow.state.in_(projection.HOLDS_STAGE_CLOCK))).scalars())
        for row in rows:
            view = _stage_view(row, row.stage_id in holding, today, calendar, yellow_days)
            view.update(kind="stage", project_code=row.project_code, case_id=None, item_code=None, item_name=None,
                        department=row.lead_department, started_on=row.received_on, round=None,
                        accepted_on=None, deemed=None, paused_on=None, returned_on=None, lapsed_on=None,
                        used_days=None, outcome=None, licence_no=None,
                        clock="closed" if row.state in projection.STAGE_CLOSED else "open")
            items.append(view)
    if filters.get("light"):
        items = [i for i in items if i["light"] == filters["light"]]
    # most urgent first: red, yellow, green, then the rest; earliest deadline first within each
    rank = {clock.RED: 0, clock.YELLOW: 1, clock.GREEN: 2, None: 3}
    items.sort(key=lambda i: (rank[i["light"]], i["due_on"] or date.max, i["project_code"] or "",
                              i["stage_id"] or "", i["case_id"] or ""))
    total = len(items)
    offset, limit = filters.get("offset") or 0, filters.get("limit")
    end = None if limit is None else offset + limit
    return {"items": items[offset:end], "total": total, "offset": offset, "limit": limit}

