"""The stage service's repositories: the domain's cases, stages, decisions, responsible persons and
calendar over one SQLAlchemy session (one unit of work).

Locking order, the same in every use case that changes a case: the stage row, then the case row
(``CaseRepository.get_locked``), so two workers never wait on each other crosswise. The deadline
sweep claims case rows with ``FOR UPDATE SKIP LOCKED`` instead: replicas share the sweep and each
due deadline is acted on once.
"""
from sqlalchemy import and_, bindparam, case, event, exists, func, insert, literal, or_, select, text, update
from sqlalchemy.orm import joinedload, noload

from platform_kit.clock_facts import GREEN, RED, YELLOW
from platform_kit.times import utcnow
from stage.adapters.orm import (CaseRow, ConsultationRow, DecisionRow, StageRow, case_from_row, case_new_row,
                                case_to_row, stage_from_row, stage_new_row, stage_to_row)
from stage.adapters.reference import (CALENDAR_STAMP, ROSTER_STAMP, CalendarRepository, ConsultationRepository,
                                      RosterRepository)
from stage.domain.case import ACCEPTED, AWAITING_DEPARTMENT, CLOSED, REVIEWED, SUBMITTED, SUPPLEMENTING
from stage.domain.decision import Decision


_STAMP = text("""
    SELECT (SELECT coalesce(sum(row_version), 0) FROM stages WHERE project_code = :code),
           (SELECT coalesce(sum(row_version), 0) FROM cases WHERE project_code = :code),
           (SELECT count(*) FROM case_decisions
             WHERE stage_id IN (SELECT id FROM stages WHERE project_code = :code)),
           (SELECT count(id) FROM calendar_years),
           (SELECT max(id) FROM calendar_years)""")


def project_stamp(connection, project_code):
    """What a project's stages as shown depend on, read in one statement (one snapshot): the sum of
    the row versions of its stages and of its cases, the number of its decisions, and which calendar
    loads exist (migration 0007). Any committed change to them changes the stamp; None where the
    database keeps no row versions (SQLite)."""
    if connection.dialect.name != "postgresql":
        return None
    return tuple(connection.execute(_STAMP, {"code": project_code}).one())


def repositories(session):
    """The factory ``Database(metadata, repositories=...)`` calls for every unit of work."""
    return {"cases": CaseRepository(session), "stages": StageRepository(session),
            "decisions": DecisionRepository(session), "roster": RosterRepository(session),
            "calendar": CalendarRepository(session), "consultations": ConsultationRepository(session)}


def _kept(session, rows):
    """Hold the rows a unit of work read for as long as it lasts: the session's identity map keeps
    rows only while something refers to them, and ``save`` finds them there instead of reading
    them again."""
    session.info.setdefault("rows", []).extend(rows)
    return rows


def _stage_with_cases(row):
    return stage_from_row(row, [case_from_row(c) for c in row.cases])


# the statements of CaseRepository.get_locked, built once (a statement keeps its cache key)
_LOCK_STAGE_OF_CASE = (
    select(StageRow).options(joinedload(StageRow.cases))
    .where(StageRow.id == select(CaseRow.stage_id).where(CaseRow.id == bindparam("case_id")).scalar_subquery())
    .with_for_update(of=StageRow.__table__).execution_options(populate_existing=True))
_LOCK_CASE = (
    select(CaseRow, *CALENDAR_STAMP, *ROSTER_STAMP, exists().where(ConsultationRow.case_id == bindparam("case_id")))
    .where(CaseRow.id == bindparam("case_id"))
    .with_for_update(of=CaseRow).execution_options(populate_existing=True))


class CaseRepository:
    def __init__(self, session):
        self.session = session

    def add(self, case):
        # written at the next flush, with the stage and its other cases (one statement per table)
        self.session.add(case_new_row(case))

    def get(self, case_id):
        row = self.session.get(CaseRow, case_id)
        return case_from_row(row) if row is not None else None

    def get_locked(self, case_id):
        """(stage with its cases, the case), the stage row locked first, then the case row; None
        when there is no such case. The case returned is the one in ``stage.cases``."""
        # the stage, found through its case, locked and read with its cases in one statement
        stage_row = self.session.execute(_LOCK_STAGE_OF_CASE, {"case_id": case_id}).unique().scalar_one_or_none()
        if stage_row is None:
            return None
        # the case row locked; the same statement reads whether the calendar and the case's responsible
        # persons changed and whether the case was ever consulted on (CalendarRepository.current,
        # RosterRepository.changes, ConsultationRepository.of_case), which deciding needs next
        item = next((c.department, c.item_code, c.region) for c in stage_row.cases if c.id == case_id)
        _, *calendar, roster_count, roster_last, consulted = self.session.execute(_LOCK_CASE, {
            "case_id": case_id, "department": item[0], "item_code": item[1], "region": item[2]}).one()
        stamps = self.session.info.setdefault("stamps", {})
        stamps["calendar"] = tuple(calendar)
        stamps[("roster", *item)] = (roster_count, roster_last)
        stamps[("consulted", case_id)] = bool(consulted)
        _kept(self.session, [stage_row, *stage_row.cases])
        stage = _stage_with_cases(stage_row)
        return stage, next(c for c in stage.cases if c.id == case_id)

    def save(self, case):
        # written with the next query or at commit (autoflush), so a sweep's updates go out together
        case_to_row(case, self.session.get(CaseRow, case.id))

    def project_of(self, case_id):
        return self.session.execute(select(CaseRow.project_code).where(CaseRow.id == case_id)).scalar_one_or_none()

    def attach_licence(self, case_id, licence_no):
        self.session.execute(update(CaseRow).where(CaseRow.id == case_id).values(licence_no=licence_no))

    def visible(self, visibility, project_code=None, state=None, department=None, limit=200, offset=0,
                light=None, lights=None):
        """(the cases `visibility` lets see, one page; how many in all): oldest first, or, filtered by
        today's `light` (`lights`: stage.domain.clock.LightsOn), open cases first, the most urgent
        (earliest deadline) first."""
        query = select(CaseRow).where(*case_conditions(visibility))
        if project_code:
            query = query.where(CaseRow.project_code == project_code)
        if state:
            query = query.where(CaseRow.state == state)
        if department:
            query = query.where(CaseRow.department == department)
        if light:
            query = query.where(case_light(lights) == light).order_by(
                case((CaseRow.state.in_(CLOSED), 1), else_=0), CaseRow.due_on.is_(None), CaseRow.due_on,
                CaseRow.received_on, CaseRow.id)
        else:
            query = query.order_by(CaseRow.received_on, CaseRow.id)
        # the page and the number of all the cases it is cut from, in one statement (the window is
        # counted before the page is cut); a page past the end counts them on its own
        found = self.session.execute(query.add_columns(func.count().over()).limit(limit).offset(offset)).all()
        if found:
            total = found[0][1]
        elif offset:
            total = self.session.execute(select(func.count()).select_from(query.order_by(None).subquery())) \
                .scalar_one()
        else:
            total = 0
        return [case_from_row(row) for row, _ in found], total

    def counts(self, visibility, lights):
        """The workbench's counters over the cases `visibility` lets see (one query): awaiting a
        department's action, waiting for the applicant's supplement, open and yellow today, open and
        red today, closed."""
        is_open = CaseRow.state.not_in(CLOSED)
        light = case_light(lights)

        def number(condition):
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        row = self.session.execute(select(
            number(CaseRow.state.in_(AWAITING_DEPARTMENT)).label("todo"),
            number(CaseRow.state == SUPPLEMENTING).label("supplementing"),
            number(and_(is_open, light == YELLOW)).label("due_soon"),
            number(and_(is_open, light == RED)).label("overdue"),
            number(CaseRow.state.in_(CLOSED)).label("done"),
        ).where(*case_conditions(visibility))).one()
        return {key: int(value) for key, value in row._mapping.items()}

    def claim_awaiting_acceptance(self, today, batch):
        """Cases still awaiting acceptance after their acceptance day (002 §7(二)), claimed."""
        return self._claim(and_(CaseRow.state == SUBMITTED, CaseRow.acceptance_due_on < today),
                           CaseRow.acceptance_due_on, batch)

    def claim_overdue(self, today, batch):
        """Running cases past their deadline without a recorded missing opinion (004 §14), claimed."""
        return self._claim(and_(CaseRow.state.in_((ACCEPTED, REVIEWED)), CaseRow.clock_running_since.isnot(None),
                                CaseRow.lapsed_on.is_(None), CaseRow.due_on < today), CaseRow.due_on, batch)

    def _claim(self, condition, order, batch):
        rows = self.session.execute(
            select(CaseRow).where(condition).order_by(order).limit(batch).with_for_update(skip_locked=True)
            .options(noload(CaseRow.stage_row)).execution_options(populate_existing=True)).scalars().all()
        return [case_from_row(r) for r in _kept(self.session, rows)]

    def estimated_open_locked(self):
        """Open case clocks whose deadline is an estimate, locked (after their stages)."""
        rows = self.session.execute(select(CaseRow).where(CaseRow.due_estimated.is_(True),
                                                          CaseRow.clock_stopped_on.is_(None))
                                    .order_by(CaseRow.id).with_for_update()
                                    .execution_options(populate_existing=True)).scalars().all()
        return [case_from_row(r) for r in _kept(self.session, rows)]


def case_light(lights):
    """Today's light of a case's clock as a SQL expression over its stored dates, the rule of
    :class:`stage.domain.clock.LightsOn` (which :meth:`Clock.facts` agrees with)."""
    total = CaseRow.limit_days + func.coalesce(CaseRow.extension_days, 0)
    used = func.coalesce(CaseRow.clock_used_before, 0)
    return case(
        (CaseRow.clock_started_on.is_(None), literal(GREEN)),
        (or_(CaseRow.clock_paused_since.is_not(None), CaseRow.clock_stopped_on.is_not(None)), case(
            (used > total, literal(RED)),
            (and_(CaseRow.clock_stopped_on.is_(None), total - used <= lights.yellow_days), literal(YELLOW)),
            else_=literal(GREEN))),
        (CaseRow.due_on < lights.today, literal(RED)),
        (CaseRow.due_on < lights.yellow_before, literal(YELLOW)),
        else_=literal(GREEN))


def case_conditions(visibility):
    """The visibility rule (stage.domain.visibility) as conditions on cases."""
    if visibility.everything:
        return []
    if visibility.by_department:
        return [or_(and_(CaseRow.department == visibility.department, CaseRow.region == visibility.region),
                    and_(CaseRow.recalled_to == visibility.department,
                         CaseRow.recalled_region == visibility.region))]
    return [CaseRow.applicant_org == visibility.applicant_org]


def stage_conditions(visibility):
    """The visibility rule (stage.domain.visibility) as conditions on stages."""
    if visibility.everything:
        return []
    if visibility.by_department:
        takes_part = exists().where(CaseRow.stage_id == StageRow.id, *case_conditions(visibility))
        return [or_(and_(StageRow.lead_department == visibility.department, StageRow.region == visibility.region),
                    takes_part)]
    return [StageRow.applicant_org == visibility.applicant_org]


_STAGE_OF_DECLARATION = select(
    select(StageRow.id).where(StageRow.declaration_id == bindparam("declaration_id")).scalar_subquery(),
    *CALENDAR_STAMP)


class StageRepository:
    def __init__(self, session):
        self.session = session

    def add(self, stage):
        self.session.add(stage_new_row(stage))   # written at the next flush, before its cases

    def by_declaration(self, declaration_id):
        """The id of the stage opened for a declaration, if any; the same statement reads whether a
        year was loaded into the calendar (CalendarRepository.current), which opening needs next."""
        stage_id, *calendar = self.session.execute(_STAGE_OF_DECLARATION, {"declaration_id": declaration_id}).one()
        self.session.info.setdefault("stamps", {})["calendar"] = tuple(calendar)
        return stage_id

    def get_locked(self, stage_id, skip_locked=False):
        """The stage with its cases, its row locked; None when there is none, or, with `skip_locked`,
        when another transaction holds it (the sweep, which holds case rows already, never waits for a
        stage: the locking order is stage first)."""
        row = self.session.execute(select(StageRow).where(StageRow.id == stage_id)
                                   .with_for_update(skip_locked=skip_locked)
                                   .execution_options(populate_existing=True)).scalar_one_or_none()
        if row is None:
            return None
        _kept(self.session, [row, *row.cases])
        return _stage_with_cases(row)

    def save(self, stage):
        stage_to_row(stage, self.session.get(StageRow, stage.id))

    def of_project(self, project_code, visibility):
        """The project's stages `visibility` lets see, in the order they were received, with their cases."""
        rows = self.session.execute(select(StageRow).where(StageRow.project_code == project_code,
                                                           *stage_conditions(visibility))
                                    .order_by(StageRow.received_on, StageRow.opened_at)).scalars().all()
        return [_stage_with_cases(r) for r in rows]

    def exist_for_project(self, project_code):
        return self.session.execute(select(StageRow.id).where(StageRow.project_code == project_code).limit(1)) \
            .first() is not None

    def estimated_open_locked(self):
        """Open stage clocks whose deadline is an estimate, locked."""
        rows = self.session.execute(select(StageRow).where(StageRow.due_estimated.is_(True),
                                                           StageRow.clock_stopped_on.is_(None))
                                    .order_by(StageRow.id).with_for_update()
                                    .execution_options(populate_existing=True)).scalars().all()
        return [stage_from_row(r) for r in _kept(self.session, rows)]


_DECISIONS_OF_CASES = (select(DecisionRow.__table__)
                       .where(DecisionRow.__table__.c.case_id.in_(bindparam("case_ids", expanding=True)))
                       .order_by(DecisionRow.__table__.c.id))


class DecisionRepository:
    """Decisions are inserted once and never changed: the ones a unit of work records are written
    in one multi-row insert, before the repository next reads them or the transaction commits."""

    def __init__(self, session):
        self.session = session
        self._pending = []
        event.listen(session, "before_commit", self._write)

    def add(self, decision):
        self._pending.append(dict(
            case_id=decision.case_id, stage_id=decision.stage_id, action=decision.action,
            from_state=decision.from_state, to_state=decision.to_state, on=decision.on, at=utcnow(),
            actor_id=decision.who, actor_role=decision.role, actor_name=decision.name or "",
            department=decision.department, opinion=decision.opinion or "", reason=decision.reason or "",
            special=decision.special, attachment_ref=decision.attachment_ref, details=decision.details or {}))

    def _write(self, session=None):
        if self._pending:
            rows, self._pending = self._pending, []
            self.session.flush()   # the cases and stages they refer to first
            self.session.execute(insert(DecisionRow.__table__), rows)

    def of_cases(self, case_ids):
        """{case_id: [its decisions, oldest first]} for the given cases."""
        out = {case_id: [] for case_id in case_ids}
        if not out:
            return out
        self._write()
        # plain rows, not mapped objects: decisions are only read here, never changed
        rows = self.session.execute(_DECISIONS_OF_CASES, {"case_ids": list(out)}).all()
        for r in rows:
            out[r.case_id].append(Decision(
                stage_id=r.stage_id, case_id=r.case_id, action=r.action, on=r.on, who=r.actor_id,
                role=r.actor_role, name=r.actor_name, department=r.department, from_state=r.from_state,
                to_state=r.to_state, opinion=r.opinion, reason=r.reason, special=r.special,
                attachment_ref=r.attachment_ref, details=r.details or {}, at=r.at))
        return out
