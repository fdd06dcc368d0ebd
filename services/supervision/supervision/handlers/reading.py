"""Reading the read model back: a project's overview and the list of clocks.

Supervision computes no deadline: due dates and the light of any day come from the facts
(``platform_kit.clock_facts.light_on``).
"""
from datetime import date

from sqlalchemy import String, and_, case, func, literal, null, or_, select, union_all

from platform_kit.clock_facts import GREEN, RED, YELLOW, ClockFactsSchema, light_on
from platform_kit.contracts import STAGES
from platform_kit.errors import Forbidden, NotFound
from platform_kit.states import SUPPLEMENTING
from supervision.adapters.orm import CaseClockRow, ProjectRow, StageClockRow, TimelineEntryRow, UrgeRow
from supervision.domain import projection, reach

_FACTS = ClockFactsSchema()


# ------------------------------------------------------------------------------------ reading
def _facts(row):
    """The clock facts kept for a row, or None (not started)."""
    return _FACTS.load(row.clock) if row.clock else None


def _light(row, today):
    """The light on `today` as the stage service's facts give it; None when no facts were ever published."""
    if not row.clock_known:
        return None
    return light_on(_facts(row), today)


def _clock_view(row, today):
    view = {"limit_days": row.limit_days, "extension_days": row.extension_days, "due_on": row.due_on,
            "due_estimated": row.due_estimated, "yellow_on": row.yellow_on, "used_days": row.used_days,
            "remaining_days": row.remaining_days, "light": _light(row, today)}
    if row.clock_known and not row.clock:   # not started, as the stage service shows such a clock
        view.update(extension_days=0, due_estimated=False, used_days=0)
    return view


def urge_counts(session, case_ids=(), stage_ids=()):
    """How many urges each case, and each stage as such, received: ({case id: n}, {stage id: n})."""
    cases, stages = {}, {}
    if case_ids:
        cases = dict(session.execute(select(UrgeRow.case_id, func.count()).where(
            UrgeRow.case_id.in_(list(case_ids))).group_by(UrgeRow.case_id)).all())
    if stage_ids:
        stages = dict(session.execute(select(UrgeRow.target_id, func.count()).where(
            UrgeRow.target_kind == "stage", UrgeRow.target_id.in_(list(stage_ids))).group_by(UrgeRow.target_id)).all())
    return cases, stages


def _case_view(row, today, urges=0):
    view = {"urges": urges,
        "case_id": row.case_id, "item_code": row.item_code, "item_name": row.item_name,
        "department": row.department, "state": row.state, "round": row.round,
        "accepted_on": row.accepted_on, "deemed": row.deemed, "acceptance_due_on": row.acceptance_due_on,
        "paused_on": row.paused_on, "returned_on": row.returned_on, "lapsed_on": row.lapsed_on,
        "concluded_on": row.concluded_on, "on_time": row.on_time, "outcome": row.outcome,
        "licence_no": row.licence_no,
        # 002 §8: a case being supplemented is paused (a returned one is stopped, its stage paused)
        "paused": bool(row.paused) or row.state == SUPPLEMENTING if row.clock_known
        else row.state in projection.HOLDS_STAGE_CLOCK,
    }
    view.update(_clock_view(row, today))
    return view


def _stage_view(row, holding, today):
    closed = row.state in projection.STAGE_CLOSED
    view = {
        "stage": row.stage, "stage_id": row.stage_id, "lead_department": row.lead_department,
        "received_on": row.received_on, "concluded_on": row.concluded_on, "on_time": row.on_time,
        "state": row.state,
        # 000 §12: the stage service says when its clock pauses; older events only tell the cases' states
        "paused": bool(row.paused) if row.clock_known else (holding and not closed),
    }
    view.update(_clock_view(row, today))
    return view


def _holding(session, stage_ids):
    """Stages with a case being supplemented or returned (000 §12), for stages without facts."""
    if not stage_ids:
        return set()
    return set(session.execute(select(CaseClockRow.stage_id).where(
        CaseClockRow.stage_id.in_(stage_ids), CaseClockRow.state.in_(projection.HOLDS_STAGE_CLOCK))).scalars())


def _stage_order(row):
    return (STAGES.index(row.stage) if row.stage in STAGES else len(STAGES), row.received_on or date.max)


def _led_stages(department):
    return select(StageClockRow.stage_id).where(StageClockRow.lead_department == department)


def project_overview(uow, project_code, today, territory=None, department=None):
    """The project's stages, cases and timeline. `territory`: the prefix of the divisions a supervisor
    or a department's staff watch (:func:`supervision.domain.reach.territory`), None for everything;
    `department`: a department's staff see only the stages it leads (with all their cases) and its
    own cases, and the timeline of those."""
    session = uow.session
    stage_query = select(StageClockRow).where(StageClockRow.project_code == project_code)
    case_query = select(CaseClockRow).where(CaseClockRow.project_code == project_code)
    entry_query = select(TimelineEntryRow).where(TimelineEntryRow.project_code == project_code)
    if department is not None:
        own_cases = select(CaseClockRow.stage_id).where(CaseClockRow.project_code == project_code,
                                                        CaseClockRow.department == department)
        stage_query = stage_query.where(or_(StageClockRow.lead_department == department,
                                            StageClockRow.stage_id.in_(own_cases)))
        case_query = case_query.where(or_(CaseClockRow.department == department,
                                          CaseClockRow.stage_id.in_(_led_stages(department))))
    stages = session.execute(stage_query).scalars().all()
    cases = session.execute(case_query.order_by(CaseClockRow.item_code, CaseClockRow.case_id)).scalars().all()
    project = session.get(ProjectRow, project_code)
    if department is not None:
        if not (stages or cases):
            if session.execute(select(TimelineEntryRow.id).where(
                    TimelineEntryRow.project_code == project_code).limit(1)).first() or project:
                raise Forbidden("只能查看本部门牵头的阶段和本部门的办件")
            raise NotFound(f"监督台账中没有项目 {project_code} 的记录")
        entry_query = entry_query.where(or_(
            and_(TimelineEntryRow.stage_id.is_(None), TimelineEntryRow.case_id.is_(None)),
            TimelineEntryRow.case_id.in_([c.case_id for c in cases]),
            and_(TimelineEntryRow.case_id.is_(None), TimelineEntryRow.stage_id.in_([s.stage_id for s in stages]))))
    entries = session.execute(entry_query.order_by(TimelineEntryRow.occurred_at, TimelineEntryRow.id)).scalars().all()
    if not (stages or cases or entries or project):
        raise NotFound(f"监督台账中没有项目 {project_code} 的记录")
    reach.check_project(territory, project_code, project.region if project else None)
    counts, stage_counts = urge_counts(session, [c.case_id for c in cases], [s.stage_id for s in stages])
    by_stage = {}
    for row in cases:
        by_stage.setdefault(row.stage_id, []).append(row)
    out = []
    for row in sorted(stages, key=_stage_order):
        stage_cases = by_stage.pop(row.stage_id, [])
        view = _stage_view(row, any(c.state in projection.HOLDS_STAGE_CLOCK for c in stage_cases), today)
        view["urges"] = stage_counts.get(row.stage_id, 0)
        view["cases"] = [_case_view(c, today, counts.get(c.case_id, 0)) for c in stage_cases]
        out.append(view)
    if by_stage:  # cases known only from a licence so far: their stage is not known yet
        out.append({"stage": None, "stage_id": None, "lead_department": None, "limit_days": None,
                    "extension_days": None, "received_on": None, "due_on": None, "due_estimated": None,
                    "yellow_on": None, "used_days": None, "remaining_days": None, "concluded_on": None,
                    "on_time": None, "state": None, "paused": False, "light": None, "urges": 0,
                    "cases": [_case_view(c, today, counts.get(c.case_id, 0)) for cs in by_stage.values() for c in cs]})
    return {
        "project_code": project_code,
        "project": ({"name": project.name, "category": project.category, "region": project.region,
                     "applicant_org": project.applicant_org} if project else None),
        "stages": out,
        "timeline": [{"event_id": e.event_id, "type": e.type, "occurred_at": e.occurred_at,
                      "actor": e.actor, "summary": e.summary} for e in entries],
    }


def light_sql(model, today):
    """:func:`platform_kit.clock_facts.light_on` as a SQL expression over a clock row's columns."""
    return case(
        (model.clock_known.is_not(True), null()),
        (model.as_of.is_(None), literal(GREEN)),                                # not started
        (or_(model.paused.is_(True), model.stopped_on.is_not(None)), model.light),   # frozen
        (and_(model.due_on.is_not(None), model.due_on < today), literal(RED)),
        (and_(model.yellow_on.is_not(None), model.yellow_on <= today), literal(YELLOW)),
        else_=literal(GREEN))


def _project_in(prefix):
    """Projects located in the divisions starting with `prefix`: as registered, else by their code."""
    return select(ProjectRow.project_code).where(ProjectRow.region.startswith(prefix, autoescape=True))


def _code_in(column, prefix):
    return func.substr(column, 6, 6).startswith(prefix, autoescape=True)


def _in_territory(model, is_case, prefix):
    """A case in the divisions starting with `prefix` (its own region, else its project's); a stage
    whose project is there or one of whose cases is."""
    project_there = or_(model.project_code.in_(_project_in(prefix)),
                        and_(model.project_code.not_in(select(ProjectRow.project_code)),
                             _code_in(model.project_code, prefix)))
    if is_case:
        return or_(model.region.startswith(prefix, autoescape=True), and_(model.region.is_(None), project_there))
    return or_(project_there, model.stage_id.in_(
        select(CaseClockRow.stage_id).where(CaseClockRow.region.startswith(prefix, autoescape=True))))


def _clock_rows(model, kind, filters, today):
    """One side of the list (stages or cases): kind, key, light and sort columns, filtered."""
    is_case = model is CaseClockRow
    closed = projection.CASE_CLOSED if is_case else projection.STAGE_CLOSED
    light = light_sql(model, today)
    query = select(literal(kind, String).label("kind"),
                   (model.case_id if is_case else model.stage_id).label("key"),
                   light.label("light"), model.due_on.label("due_on"),
                   func.coalesce(model.project_code, "").label("project_code"),
                   func.coalesce(model.stage_id, "").label("stage_id"),
                   func.coalesce(model.case_id if is_case else literal("", String), "").label("case_id"))
    department = model.department if is_case else model.lead_department
    if filters.get("department"):
        query = query.where(department == filters["department"])
    if filters.get("own_department"):   # a department's staff: the stages it leads, all their cases, its own
        own = filters["own_department"]
        query = query.where(or_(model.department == own, model.stage_id.in_(_led_stages(own))) if is_case
                            else model.lead_department == own)
    if filters.get("project_code"):
        query = query.where(model.project_code == filters["project_code"])
    if filters.get("region"):
        in_region = model.project_code.in_(select(ProjectRow.project_code)
                                           .where(ProjectRow.region == filters["region"]))
        if is_case:
            query = query.where(or_(model.region == filters["region"], and_(model.region.is_(None), in_region)))
        else:
            query = query.where(or_(in_region, model.stage_id.in_(
                select(CaseClockRow.stage_id).where(CaseClockRow.region == filters["region"]))))
    if filters.get("territory"):
        query = query.where(_in_territory(model, is_case, filters["territory"]))
    if filters.get("state") == "open":
        query = query.where(model.state.not_in(closed))
    elif filters.get("state") == "closed":
        query = query.where(model.state.in_(closed))
    if filters.get("light"):
        query = query.where(light == filters["light"])
    return query


def list_clocks(uow, filters, today, territory=None):
    """Stage and case clocks, most urgent first (red, yellow, green, then unknown; earliest deadline
    first within each), filtered and paged in SQL. ``{items, total, limit, offset}``. `territory`: the
    prefix of the divisions a supervisor watches, None for everything."""
    reach.check_region_filter(territory, filters.get("region"))
    filters = dict(filters, territory=territory)
    session = uow.session
    kinds = (filters["kind"],) if filters.get("kind") else ("stage", "case")
    parts = [_clock_rows(StageClockRow if kind == "stage" else CaseClockRow, kind, filters, today) for kind in kinds]
    listed = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    limit, offset = filters.get("limit") or 50, filters.get("offset") or 0
    total = session.execute(select(func.count()).select_from(listed)).scalar_one()
    rank = case((listed.c.light == RED, 0), (listed.c.light == YELLOW, 1), (listed.c.light == GREEN, 2), else_=3)
    page = session.execute(
        select(listed.c.kind, listed.c.key)
        .order_by(rank, case((listed.c.due_on.is_(None), 1), else_=0), listed.c.due_on, listed.c.project_code,
                  listed.c.stage_id, listed.c.case_id, listed.c.kind)
        .limit(limit).offset(offset)).all()
    case_ids = [key for kind, key in page if kind == "case"]
    stage_ids = [key for kind, key in page if kind == "stage"]
    cases = {r.case_id: r for r in session.execute(
        select(CaseClockRow).where(CaseClockRow.case_id.in_(case_ids))).scalars()} if case_ids else {}
    stages = {r.stage_id: r for r in session.execute(
        select(StageClockRow).where(StageClockRow.stage_id.in_(stage_ids))).scalars()} if stage_ids else {}
    holding = _holding(session, [s for s, row in stages.items() if not row.clock_known])
    counts, stage_counts = urge_counts(session, case_ids, stage_ids)
    items = []
    for kind, key in page:
        if kind == "case":
            row = cases[key]
            view = _case_view(row, today, counts.get(key, 0))
            view.update(kind="case", project_code=row.project_code, stage=row.stage, stage_id=row.stage_id,
                        started_on=row.started_on if row.clock_known else row.accepted_on,
                        clock="closed" if row.state in projection.CASE_CLOSED else "open")
        else:
            row = stages[key]
            view = _stage_view(row, row.stage_id in holding, today)
            view.update(urges=stage_counts.get(key, 0), kind="stage", project_code=row.project_code, case_id=None, item_code=None, item_name=None,
                        department=row.lead_department,
                        started_on=row.started_on if row.clock_known else row.received_on, round=None,
                        accepted_on=None, deemed=None, acceptance_due_on=None, paused_on=None, returned_on=None,
                        lapsed_on=None, outcome=None, licence_no=None,
                        clock="closed" if row.state in projection.STAGE_CLOSED else "open")
        items.append(view)
    return {"items": items, "total": total, "limit": limit, "offset": offset}


# ------------------------------------------------------------------------------------ metrics
def clocks_by_light(engine, config=None, today=None):
    """``platform_clocks_open{light}``: the open case clocks by today's light, counted in SQL at scrape
    time (one grouped query over the read model; a case closed or not started yet is not counted)."""
    from prometheus_client.core import GaugeMetricFamily

    from platform_kit.calendar import today_in_shanghai
    light = light_sql(CaseClockRow, today or today_in_shanghai())
    with engine.connect() as conn:
        counts = dict(conn.execute(select(light, func.count()).where(
            CaseClockRow.state.not_in(projection.CASE_CLOSED), CaseClockRow.clock_known.is_(True))
            .group_by(light)).all())
    family = GaugeMetricFamily("platform_clocks_open", "Open case clocks by today's light", labels=["light"])
    for name in (GREEN, YELLOW, RED):
        family.add_metric([name], counts.get(name, 0))
    return [family]
