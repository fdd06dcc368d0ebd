"""The events of the stage service's use cases: what a decision did, with the facts of the clocks.

Every ``case.*`` event carries the case's state after the decision and its clock's facts on the day
the decision was taken (``None`` before the clock starts); every ``stage.*`` event the stage's state
and its clock's facts (platform_kit.clock_facts), computed with the platform's yellow threshold, so
that every reader shows what ``get_case`` and ``list_stages`` show that day.
"""
from platform_kit.contracts import new_event
from stage.domain.case import Case

SOURCE = "stage"


def clock_facts(clock, on, calendar, yellow_days):
    return clock.facts(on, calendar, yellow_days) if clock is not None else None


class Events:
    """The events of one use case run on `today` with `calendar`; emitted into the unit of work."""

    def __init__(self, uow, calendar, today, yellow_days):
        self.uow, self.calendar, self.today, self.yellow_days = uow, calendar, today, yellow_days

    def facts(self, clock):
        return clock_facts(clock, self.today, self.calendar, self.yellow_days)

    def case(self, event_type, case, actor, on, opinion="", **extra):
        self.uow.emit(new_event(event_type, source=SOURCE, project_code=case.project_code, actor=actor, payload={
            "case_id": case.id, "stage_id": case.stage_id, "stage": case.stage, "item_code": case.item_code,
            "item_name": case.item_name, "department": case.department, "region": case.region, "on": on,
            "opinion": opinion or "", "state": case.state, "clock": self.facts(case.clock), **extra}))

    def stage(self, event_type, stage, actor, clock=None, **extra):
        """A stage.* event; `clock`: the clock it is about when not the stage's own (a case's extension)."""
        self.uow.emit(new_event(event_type, source=SOURCE, project_code=stage.project_code, actor=actor,
                                payload={"stage_id": stage.id, "stage": stage.stage, "state": stage.state,
                                         "clock": self.facts(clock or stage.clock), **extra}))

    def clock_recomputed(self, recounted, actor, year):
        """`recounted`: a stage or a case whose clock was counted again once `year` was loaded."""
        case_id = recounted.id if isinstance(recounted, Case) else None
        self.uow.emit(new_event("stage.clock_recomputed", source=SOURCE, project_code=recounted.project_code,
                                actor=actor, payload={
                                    "stage_id": recounted.stage_id if case_id else recounted.id,
                                    "stage": recounted.stage, "case_id": case_id, "year": year,
                                    "clock": self.facts(recounted.clock)}))

    def case_decided(self, case, outcome, actor, opinion, paper_licence=False, certificate_serial=None):
        """The event that tells the platform what this decision on a case did."""
        clock, action, on = case.clock, outcome.action, outcome.on
        if action in ("accept", "deemed_accept") or (action == "accept_supplement" and outcome.clock_started):
            self.case("case.accepted", case, actor, on, opinion, limit_days=case.limit_days, due_on=clock.due_on,
                      deemed=outcome.deemed, due_estimated=clock.estimated)
        elif action == "accept_supplement":
            self.case("case.supplement_accepted", case, actor, on, opinion, accepted_on=case.accepted_on,
                      due_on=clock.due_on, due_estimated=clock.estimated,
                      used_days=clock.used_days(on, self.calendar))
        elif action == "request_supplement":
            self.case("case.supplement_requested", case, actor, on, opinion, accepted_on=case.accepted_on,
                      used_days=clock.used_before if clock else 0, supplement_no=case.supplement_notices,
                      second_supplement_reason=outcome.reason or None)
        elif action == "approve":
            self.case("case.approved", case, actor, on, opinion, applicant_org=case.applicant_org,
                      project_name=case.project_name, paper_licence=bool(paper_licence))
        elif action == "conclude":
            self.case("case.concluded", case, actor, on, opinion, outcome=outcome.from_state,
                      accepted_on=case.accepted_on, due_on=clock.due_on, on_time=clock.on_time(),
                      used_days=clock.used_before, certificate_serial=certificate_serial)
        elif action == "return":
            self.case("case.returned", case, actor, on, opinion, used_days=clock.used_before if clock else 0,
                      round=case.round)
        elif action == "resubmit":
            self.case("case.resubmitted", case, actor, on, opinion, round=case.round, limit_days=case.limit_days)
        elif action in ("review", "disapprove", "refuse", "not_required", "withdraw"):
            self.case(f"case.{PAST[action]}", case, actor, on, opinion)


PAST = {"review": "reviewed", "disapprove": "disapproved", "refuse": "refused", "not_required": "not_required",
        "withdraw": "withdrawn"}
