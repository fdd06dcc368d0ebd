"""In-memory repositories of the stage service, for unit tests of its use cases with
``platform_kit.fakes.FakeUnitOfWork`` (no database). Same methods as ``stage.adapters.repositories``;
what a use case gets is a copy, so a change it does not save is lost, as with the real ones.
"""
import copy
from dataclasses import replace

from platform_kit.calendar import official_calendar
from platform_kit.fakes import FakeUnitOfWork
from platform_kit.times import utcnow
from stage.domain.case import ACCEPTED, AWAITING_DEPARTMENT, CLOSED, REVIEWED, SUBMITTED, SUPPLEMENTING


class Store:
    """What the database would hold; `locks` lists the rows locked, in order."""

    def __init__(self, calendar=None):
        self.stages, self.cases, self.decisions, self.roster, self.loads = {}, {}, [], [], []
        self.consultations, self.answers, self.closures = {}, {}, {}   # answers: {(consultation, department): kind}
        self.locks = []
        self.held = set()        # stage rows another transaction holds (skipped by skip_locked)
        self.processed = set()   # the events already handled (processed_events)
        self.calendar = calendar or official_calendar()

    def unit_of_work(self):
        uow = FakeUnitOfWork(cases=InMemoryCases(self), stages=InMemoryStages(self),
                             decisions=InMemoryDecisions(self), roster=InMemoryRoster(self),
                             calendar=InMemoryCalendar(self), consultations=InMemoryConsultations(self))
        uow._processed = self.processed   # kept across units of work, as in the database
        return uow


def _copy(obj):
    return copy.deepcopy(obj)


class InMemoryCases:
    def __init__(self, store):
        self.store = store

    def add(self, case):
        self.store.cases[case.id] = _copy(case)

    def get(self, case_id):
        case = self.store.cases.get(case_id)
        return _copy(case) if case is not None else None

    def get_locked(self, case_id):
        case = self.store.cases.get(case_id)
        if case is None:
            return None
        self.store.locks += [("stage", case.stage_id), ("case", case_id)]
        stage = InMemoryStages(self.store).with_cases(case.stage_id)
        return stage, next(c for c in stage.cases if c.id == case_id)

    def save(self, case):
        assert case.id in self.store.cases
        self.store.cases[case.id] = _copy(case)

    def project_of(self, case_id):
        case = self.store.cases.get(case_id)
        return case.project_code if case is not None else None

    def attach_licence(self, case_id, licence_no):
        if case_id in self.store.cases:
            self.store.cases[case_id].licence_no = licence_no

    def visible(self, visibility, project_code=None, state=None, department=None, limit=200, offset=0,
                light=None, lights=None):
        found = sorted((c for c in self.store.cases.values() if visibility.sees_case(c)
                        and (not project_code or c.project_code == project_code)
                        and (not state or c.state == state) and (not department or c.department == department)
                        and (not light or lights.light(c.clock) == light)),
                       key=lambda c: (c.received_on, c.id))
        if light:
            found.sort(key=lambda c: (c.state in CLOSED, c.clock is None or c.clock.due_on is None,
                                      (c.clock.due_on if c.clock else None) or c.received_on, c.received_on, c.id))
        return [_copy(c) for c in found[offset:offset + limit]], len(found)

    def counts(self, visibility, lights):
        seen = [c for c in self.store.cases.values() if visibility.sees_case(c)]
        return {"todo": sum(c.state in AWAITING_DEPARTMENT for c in seen),
                "supplementing": sum(c.state == SUPPLEMENTING for c in seen),
                "due_soon": sum(c.state not in CLOSED and lights.light(c.clock) == "yellow" for c in seen),
                "overdue": sum(c.state not in CLOSED and lights.light(c.clock) == "red" for c in seen),
                "done": sum(c.state in CLOSED for c in seen)}

    def claim_awaiting_acceptance(self, today, batch):
        found = [c for c in self.store.cases.values() if c.state == SUBMITTED and c.acceptance_due_on < today]
        return [_copy(c) for c in sorted(found, key=lambda c: c.acceptance_due_on)[:batch]]

    def claim_overdue(self, today, batch):
        found = [c for c in self.store.cases.values() if c.state in (ACCEPTED, REVIEWED) and c.clock is not None
                 and c.clock.running and c.lapsed_on is None and c.clock.due_on < today]
        return [_copy(c) for c in sorted(found, key=lambda c: c.clock.due_on)[:batch]]

    def estimated_open_locked(self):
        found = [c for c in self.store.cases.values()
                 if c.clock is not None and c.clock.estimated and not c.clock.stopped]
        self.store.locks += [("case", c.id) for c in found]
        return [_copy(c) for c in sorted(found, key=lambda c: c.id)]


class InMemoryStages:
    def __init__(self, store):
        self.store = store

    def with_cases(self, stage_id):
        stage = _copy(self.store.stages[stage_id])
        stage.cases = [_copy(c) for c in sorted(self.store.cases.values(), key=lambda c: c.item_code)
                       if c.stage_id == stage_id]
        return stage

    def add(self, stage):
        self.store.stages[stage.id] = _copy(replace(stage, cases=[]))

    def by_declaration(self, declaration_id):
        return next((s.id for s in self.store.stages.values() if s.declaration_id == declaration_id), None)

    def get_locked(self, stage_id, skip_locked=False):
        if stage_id not in self.store.stages or (skip_locked and stage_id in self.store.held):
            return None
        self.store.locks.append(("stage", stage_id))
        return self.with_cases(stage_id)

    def save(self, stage):
        assert stage.id in self.store.stages
        self.store.stages[stage.id] = _copy(replace(stage, cases=[]))

    def of_project(self, project_code, visibility):
        stages = [self.with_cases(s.id) for s in self.store.stages.values() if s.project_code == project_code]
        return sorted((s for s in stages if visibility.sees_stage(s, s.cases)), key=lambda s: s.received_on)

    def exist_for_project(self, project_code):
        return any(s.project_code == project_code for s in self.store.stages.values())

    def estimated_open_locked(self):
        found = [s for s in self.store.stages.values() if s.clock.estimated and not s.clock.stopped]
        self.store.locks += [("stage", s.id) for s in found]
        return [_copy(s) for s in sorted(found, key=lambda s: s.id)]


class InMemoryDecisions:
    def __init__(self, store):
        self.store = store

    def add(self, decision):
        self.store.decisions.append(replace(decision, at=utcnow()))

    def of_cases(self, case_ids):
        return {case_id: [d for d in self.store.decisions if d.case_id == case_id] for case_id in case_ids}


class InMemoryRoster:
    def __init__(self, store):
        self.store = store

    def add(self, change):
        self.store.roster.append(replace(change, changed_at=utcnow()))

    def changes(self, department=None, item_code=None, region=None):
        return [c for c in self.store.roster if department in (None, c.department)
                and item_code in (None, c.item_code) and region in (None, c.region)]


class InMemoryCalendar:
    def __init__(self, store):
        self.store = store

    def current(self):
        calendar = self.store.calendar
        for load in self.store.loads:
            calendar = calendar.with_year(load["year"], load["holidays"], load["working_weekends"])
        return calendar

    def record(self, year, holidays, working_weekends, loaded_by, loaded_at, event_id):
        self.store.loads.append({"year": year, "holidays": list(holidays), "working_weekends": list(working_weekends),
                                 "loaded_by": loaded_by, "loaded_at": loaded_at, "event_id": event_id})

    def loads(self):
        return [dict(load) for load in self.store.loads]


class InMemoryConsultations:
    def __init__(self, store):
        self.store = store

    def add_opened(self, consultation, event_id):
        if consultation.id in self.store.consultations:
            return False
        self.store.consultations[consultation.id] = consultation
        return True

    def add_answers(self, consultation_id, departments, kind, event_id):
        new = [d for d in dict.fromkeys(departments) if (consultation_id, d) not in self.store.answers]
        for department in new:
            self.store.answers[(consultation_id, department)] = kind
        return bool(new)

    def add_closure(self, consultation_id, closed_on, closed_by, event_id):
        if consultation_id in self.store.closures:
            return False
        self.store.closures[consultation_id] = closed_on
        return True

    def of_case(self, case_id):
        return [replace(c, answered=frozenset(d for (i, d) in self.store.answers if i == c.id),
                        closed_on=self.store.closures.get(c.id))
                for c in self.store.consultations.values() if c.case_id == case_id]
