"""Use cases of the supervision service: project events into the read model, and read it back.

Every event is first appended to the project's timeline, then applied to the clock rows. Rows are
upserted by stage id and case id under a row lock, and each field is only ever filled in or moved
forward, so events arriving late or out of order (a case accepted before its stage is seen opened)
end in the same state as events arriving in order.
"""
import logging
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from platform_kit.contracts import STAGES
from platform_kit.db import utcnow
from platform_kit.errors import NotFound
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, TimelineEntryRow
from supervision.domain import clock, timeline

log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------ projecting
def record_event(envelope, uow, consumer, calendar):
    """Apply one event once: timeline entry plus clock changes. False on a redelivery."""
    if not uow.first_time(envelope, consumer):
        return False
    uow.session.add(TimelineEntryRow(
        event_id=envelope.event_id, project_code=envelope.project_code, type=envelope.type,
        version=envelope.version, source=envelope.source, occurred_at=envelope.occurred_at,
        actor=envelope.actor.as_dict(), summary=timeline.summary(envelope.type, envelope.payload),
        payload=_jsonable(envelope.payload), recorded_at=utcnow()))
    project = PROJECTIONS.get(envelope.type)
    if project is not None:
        project(uow.session, envelope, calendar)
    uow.session.flush()
    return True


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _locked(session, model, key, **initial):
    """The row with primary key `key`, locked; created with `initial` values when missing.

    Two workers creating the same row: the second insert waits for the first to commit, fails on
    the primary key inside its savepoint, and then reads and locks the winner's row.
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
    """Set the values that are known; an unknown (None) value never erases a known one."""
    for name, value in values.items():
        if value is not None:
            setattr(row, name, value)
    if hasattr(type(row), "updated_at"):
        row.updated_at = utcnow()


def _stage_row(session, stage_id, project_code):
    row = _locked(session, StageClockRow, stage_id, stage_id=stage_id, project_code=project_code,
                  state="open", due_on_final=False, updated_at=utcnow())
    _fill(row, project_code=project_code)
    return row


def _case_row(session, case_id, project_code):
    row = _locked(session, CaseClockRow, case_id, case_id=case_id, project_code=project_code,
                  state="submitted", updated_at=utcnow())
    _fill(row, project_code=project_code)
    return row


def _on_project_registered(session, envelope, calendar):
    p = envelope.payload
    row = _locked(session, ProjectRow, p["project_code"], project_code=p["project_code"])
    _fill(row, name=p["name"], category=p["category"], region=p["region"], applicant_org=p["applicant_org"])


def _on_stage_opened(session, envelope, calendar):
    p = envelope.payload
    stage = _stage_row(session, p["stage_id"], envelope.project_code)
    _fill(stage, stage=p["stage"], declaration_id=p["declaration_id"], lead_department=p["lead_department"],
          limit_days=p["limit_days"], received_on=p["received_on"])
    if not stage.due_on_final:
        _fill(stage, due_on=clock.stage_due_on(calendar, p["received_on"], p["limit_days"]))
    for case in p["cases"]:
        row = _case_row(session, case["case_id"], envelope.project_code)
        _fill(row, stage_id=p["stage_id"], stage=p["stage"], item_code=case["item_code"],
              department=case["department"])
        if row.limit_days is None:  # case.accepted carries the limit in force; it wins
            row.limit_days = case["limit_days"]


def _on_case_fact(session, envelope, calendar):
    p = envelope.payload
    _stage_row(session, p["stage_id"], envelope.project_code).stage = p["stage"]
    row = _case_row(session, p["case_id"], envelope.project_code)
    _fill(row, stage_id=p["stage_id"], stage=p["stage"], item_code=p["item_code"], item_name=p["item_name"],
          department=p["department"], region=p["region"])
    state = envelope.type.split(".", 1)[1]
    row.state = clock.later_state(row.state, state)
    if envelope.type == "case.accepted":
        _fill(row, accepted_on=p["on"], limit_days=p["limit_days"], due_on=p["due_on"])
    elif envelope.type in ("case.approved", "case.disapproved"):
        _fill(row, outcome=state)
    elif envelope.type == "case.concluded":
        _fill(row, outcome=p["outcome"], accepted_on=p["accepted_on"], due_on=p["due_on"],
              concluded_on=p["on"], on_time=p["on_time"], used_days=p["used_days"])


def _on_stage_concluded(session, envelope, calendar):
    p = envelope.payload
    row = _stage_row(session, p["stage_id"], envelope.project_code)
    _fill(row, stage=p["stage"], declaration_id=p["declaration_id"], received_on=p["received_on"],
          due_on=p["due_on"], concluded_on=p["concluded_on"], on_time=p["on_time"])
    row.due_on_final = True
    row.state = clock.later_state(row.state, "concluded", clock.STAGE_STATE_ORDER)


def _on_licence_issued(session, envelope, calendar):
    p = envelope.payload
    row = _case_row(session, p["case_id"], envelope.project_code)
    _fill(row, item_code=p["item_code"], item_name=p["item_name"], department=p["department"],
          licence_id=p["licence_id"], licence_no=p["licence_no"])


PROJECTIONS = {
    "project.registered": _on_project_registered,
    "stage.opened": _on_stage_opened,
    "case.accepted": _on_case_fact,
    "case.reviewed": _on_case_fact,
    "case.approved": _on_case_fact,
    "case.disapproved": _on_case_fact,
    "case.concluded": _on_case_fact,
    "stage.concluded": _on_stage_concluded,
    "licence.issued": _on_licence_issued,
}


# ------------------------------------------------------------------------------------ reading
def _case_view(row, today, calendar, yellow_days):
    return {
        "case_id": row.case_id, "item_code": row.item_code, "item_name": row.item_name,
        "department": row.department, "state": row.state, "accepted_on": row.accepted_on,
        "limit_days": row.limit_days, "due_on": row.due_on, "concluded_on": row.concluded_on,
        "on_time": row.on_time, "used_days": row.used_days, "outcome": row.outcome,
        "licence_no": row.licence_no,
        "light": clock.light(row.due_on, today, calendar, yellow_days, closed=row.concluded_on is not None),
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
        by_stage.setdefault(case.stage_id, []).append(_case_view(case, today, calendar, yellow_days))
    out = []
    for row in sorted(stages, key=_stage_order):
        out.append({
            "stage": row.stage, "stage_id": row.stage_id, "lead_department": row.lead_department,
            "limit_days": row.limit_days, "received_on": row.received_on, "due_on": row.due_on,
            "concluded_on": row.concluded_on, "on_time": row.on_time, "state": row.state,
            "light": clock.light(row.due_on, today, calendar, yellow_days, closed=row.concluded_on is not None),
            "cases": by_stage.pop(row.stage_id, []),
        })
    if by_stage:  # cases known only from a licence so far: their stage is not known yet
        out.append({"stage": None, "stage_id": None, "lead_department": None, "limit_days": None,
                    "received_on": None, "due_on": None, "concluded_on": None, "on_time": None,
                    "state": None, "light": None, "cases": [c for cs in by_stage.values() for c in cs]})
    return {
        "project_code": project_code,
        "project": ({"name": project.name, "category": project.category, "region": project.region,
                     "applicant_org": project.applicant_org} if project else None),
        "stages": out,
        "timeline": [{"event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at,
                      "actor": e.actor, "summary": e.summary} for e in entries],
    }


def list_clocks(session, filters, today, calendar, yellow_days):
    """Open or closed clocks of stages and cases, newest first, filtered for supervisors."""
    items = []
    kinds = (filters.get("kind"),) if filters.get("kind") else ("stage", "case")
    if "case" in kinds:
        query = select(CaseClockRow)
        if filters.get("department"):
            query = query.where(CaseClockRow.department == filters["department"])
        if filters.get("project_code"):
            query = query.where(CaseClockRow.project_code == filters["project_code"])
        if filters.get("state") == "open":
            query = query.where(CaseClockRow.concluded_on.is_(None))
        elif filters.get("state") == "closed":
            query = query.where(CaseClockRow.concluded_on.is_not(None))
        for row in session.execute(query).scalars():
            view = _case_view(row, today, calendar, yellow_days)
            view.update(kind="case", project_code=row.project_code, stage=row.stage, stage_id=row.stage_id,
                        started_on=row.accepted_on, clock="closed" if row.concluded_on else "open")
            items.append(view)
    if "stage" in kinds:
        query = select(StageClockRow)
        if filters.get("department"):
            query = query.where(StageClockRow.lead_department == filters["department"])
        if filters.get("project_code"):
            query = query.where(StageClockRow.project_code == filters["project_code"])
        if filters.get("state") == "open":
            query = query.where(StageClockRow.concluded_on.is_(None))
        elif filters.get("state") == "closed":
            query = query.where(StageClockRow.concluded_on.is_not(None))
        for row in session.execute(query).scalars():
            items.append({
                "kind": "stage", "project_code": row.project_code, "stage": row.stage, "stage_id": row.stage_id,
                "case_id": None, "item_code": None, "item_name": None, "department": row.lead_department,
                "state": row.state, "started_on": row.received_on, "limit_days": row.limit_days,
                "due_on": row.due_on, "concluded_on": row.concluded_on, "on_time": row.on_time,
                "used_days": None, "outcome": None, "licence_no": None,
                "clock": "closed" if row.concluded_on else "open",
                "light": clock.light(row.due_on, today, calendar, yellow_days, closed=row.concluded_on is not None),
            })
    if filters.get("light"):
        items = [i for i in items if i["light"] == filters["light"]]
    # most urgent first: red, yellow, green, then closed; earliest deadline first within each
    rank = {clock.RED: 0, clock.YELLOW: 1, clock.GREEN: 2, None: 3}
    items.sort(key=lambda i: (rank[i["light"]], i["due_on"] or date.max, i["project_code"] or "",
                              i["case_id"] or ""))
    total = len(items)
    offset, limit = filters.get("offset") or 0, filters.get("limit")
    end = None if limit is None else offset + limit
    return {"items": items[offset:end], "total": total, "offset": offset, "limit": limit}
