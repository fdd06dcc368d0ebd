"""The repositories of what a decision on a case is checked against: the item's responsible persons
(000 §15), the working-day calendar, the consultations on the case (001 二). ``CaseRepository.get_locked``
reads whether each changed with the statement that locks the case; these read them again only then."""
from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from platform_kit import calendar_store
from platform_kit.db import insert_ignoring_conflict
from platform_kit.times import utcnow
from stage.adapters.orm import ConsultationAnswerRow, ConsultationClosureRow, ConsultationRow, StepAssignmentRow
from stage.domain.consultation import CaseConsultation
from stage.domain.roster import RosterChange


# What tells whether the responsible persons of an item (the bound department, item_code and region)
# changed: the number of its recorded changes and the last one (changes are only ever added), as two
# scalar subqueries; and whether a year was loaded into the calendar since.
_OF_ITEM = (StepAssignmentRow.department == bindparam("department"),
            StepAssignmentRow.item_code == bindparam("item_code"), StepAssignmentRow.region == bindparam("region"))
ROSTER_STAMP = (select(func.count(StepAssignmentRow.id)).where(*_OF_ITEM).scalar_subquery(),
                select(func.max(StepAssignmentRow.id)).where(*_OF_ITEM).scalar_subquery())
CALENDAR_STAMP = calendar_store.stamp_columns()
# {(database, department, item_code, region): (stamp, changes)}: an item's recorded changes of
# responsible persons, kept while its stamp read in a transaction is the same
_roster_changes = {}


class RosterRepository:
    def __init__(self, session):
        self.session = session

    def add(self, change):
        self.session.add(StepAssignmentRow(department=change.department, item_code=change.item_code,
                                           region=change.region, step=change.step, officer=change.officer,
                                           granted=change.granted, reason=change.reason,
                                           changed_by=change.changed_by))
        self.session.flush()
        self.session.info.get("stamps", {}).pop(("roster", change.department, change.item_code, change.region), None)

    def changes(self, department=None, item_code=None, region=None):
        """The recorded changes of responsible persons, oldest first, narrowed by what is given. An
        item's changes are read again only when the stamp this transaction read of them differs from
        the one they were read under (``CaseRepository.get_locked`` reads it)."""
        stamp = self.session.info.get("stamps", {}).get(("roster", department, item_code, region))
        if stamp is None:
            return self._changes(department, item_code, region)
        key = (str(self.session.get_bind().url), department, item_code, region)
        kept = _roster_changes.get(key)
        if kept is None or kept[0] != stamp:
            # read after the stamp: never older than it (newer is read again at the next change)
            kept = _roster_changes[key] = (stamp, self._changes(department, item_code, region))
        return list(kept[1])

    def _changes(self, department=None, item_code=None, region=None):
        conditions = [getattr(StepAssignmentRow, name) == value for name, value in
                      (("department", department), ("item_code", item_code), ("region", region))
                      if value is not None]
        rows = self.session.execute(select(StepAssignmentRow).where(*conditions).order_by(StepAssignmentRow.id)) \
            .scalars().all()
        return [RosterChange(r.department, r.item_code, r.region, r.step, r.officer, r.granted, r.reason,
                             r.changed_by, r.changed_at) for r in rows]


class CalendarRepository:
    """The working-day calendar: the official schedule with every year an operator loaded."""

    def __init__(self, session):
        self.session = session

    def current(self):
        return calendar_store.current_calendar(self.session, self.session.info.get("stamps", {}).get("calendar"))

    def record(self, year, holidays, working_weekends, loaded_by, loaded_at, event_id):
        calendar_store.record_year(self.session, year, holidays, working_weekends, loaded_by, loaded_at,
                                   event_id=event_id)
        self.session.info.get("stamps", {}).pop("calendar", None)   # read again with the year

    def loads(self):
        """Every load, oldest first: {year, holidays, working_weekends, loaded_by, loaded_at}."""
        return calendar_store.loaded_years(self.session)


class ConsultationRepository:
    """The consultations on cases, from the consult service's events: each fact inserted once (a
    redelivered or repeated fact changes nothing), the state derived when read."""

    def __init__(self, session):
        self.session = session

    def _insert_ignoring_conflict(self, table, values):
        if isinstance(values, dict):   # one row: a statement compiled once (platform_kit.db)
            return insert_ignoring_conflict(self.session, table, values).rowcount > 0
        insert_ = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        return self.session.execute(insert_(table).values(values).on_conflict_do_nothing()).rowcount > 0

    def add_opened(self, consultation, event_id):
        self.session.info.get("stamps", {}).pop(("consulted", consultation.case_id), None)
        return self._insert_ignoring_conflict(ConsultationRow.__table__, dict(
            id=consultation.id, case_id=consultation.case_id, asked_by=consultation.asked_by,
            asked_of=list(consultation.asked_of), question=consultation.question, region=consultation.region,
            due_on=consultation.due_on, event_id=event_id, recorded_at=utcnow()))

    def add_answers(self, consultation_id, departments, kind, event_id):
        if not departments:
            return False
        return self._insert_ignoring_conflict(ConsultationAnswerRow.__table__, [dict(
            consultation_id=consultation_id, department=d, kind=kind, event_id=event_id, recorded_at=utcnow())
            for d in dict.fromkeys(departments)])

    def add_closure(self, consultation_id, closed_on, closed_by, event_id):
        return self._insert_ignoring_conflict(ConsultationClosureRow.__table__, dict(
            consultation_id=consultation_id, closed_on=closed_on, closed_by=closed_by or "", event_id=event_id,
            recorded_at=utcnow()))

    def of_case(self, case_id):
        """The consultations opened on the case, oldest first, each with its answers and closure."""
        if self.session.info.get("stamps", {}).get(("consulted", case_id)) is False:
            return []   # none when this transaction locked the case (CaseRepository.get_locked)
        rows = self.session.execute(select(ConsultationRow).where(ConsultationRow.case_id == case_id)
                                    .order_by(ConsultationRow.recorded_at, ConsultationRow.id)).scalars().all()
        if not rows:
            return []
        ids = [r.id for r in rows]
        answered = {}
        for consultation_id, department in self.session.execute(
                select(ConsultationAnswerRow.consultation_id, ConsultationAnswerRow.department)
                .where(ConsultationAnswerRow.consultation_id.in_(ids))):
            answered.setdefault(consultation_id, set()).add(department)
        closed = dict(self.session.execute(select(ConsultationClosureRow.consultation_id,
                                                  ConsultationClosureRow.closed_on)
                                           .where(ConsultationClosureRow.consultation_id.in_(ids))).tuples().all())
        return [CaseConsultation(id=r.id, case_id=r.case_id, asked_by=r.asked_by, asked_of=tuple(r.asked_of),
                                 question=r.question, region=r.region, due_on=r.due_on,
                                 answered=frozenset(answered.get(r.id, ())), closed_on=closed.get(r.id))
                for r in rows]
