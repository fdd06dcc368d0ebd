"""The deadline sweep: every replica runs it; rows are claimed with ``FOR UPDATE SKIP LOCKED`` (the
repository's ``claim_*``), so replicas share the work and each deadline is acted on once. A lapsed
case's stage is locked with ``SKIP LOCKED`` too: the sweep already holds the case row and the locking
order is stage first, so it never waits for a stage; a stage busy elsewhere is left to the next sweep."""
from stage.domain.case import NO_OPINION, RECALL_OPINIONS
from stage.domain.decision import Decision
from stage.handlers.deciding import SYSTEM, after_case_change, settle_deemed
from stage.handlers.events import Events


def sweep(uow, today, yellow_days, batch=500):
    """One batch of due deadlines: 002 §7(二) deemed acceptances, then 004 §14 missing opinions, each
    followed by the recall the catalog configures for the item. Returns how many cases it acted on."""
    calendar = uow.calendar.current()
    events = Events(uow, calendar, today, yellow_days)
    acted = 0
    for case in uow.cases.claim_awaiting_acceptance(today, batch):
        settle_deemed(uow, events, case, today, calendar)
        acted += 1
    for claimed in uow.cases.claim_overdue(today, batch):
        stage = uow.stages.get_locked(claimed.stage_id, skip_locked=True)
        if stage is None:
            continue
        case = next(c for c in stage.cases if c.id == claimed.id)
        if lapse(uow, events, stage, case, today, calendar):
            acted += 1
    return acted


def lapse(uow, events, stage, case, today, calendar):
    """004 §14: no opinion recorded, then the case recalled (to the lead department, or concluded as no
    objection); the stage may conclude now. False when the case is not overdue any more."""
    outcome = case.lapse(today)
    if outcome is None:
        return False
    due_on = case.clock.due_on
    uow.decisions.add(Decision.of_outcome(case, outcome, SYSTEM, opinion=NO_OPINION,
                                          details={"due_on": due_on.isoformat()}))
    events.case("case.lapsed", case, SYSTEM, today, NO_OPINION, due_on=due_on,
                used_days=case.clock.used_days(today, calendar), lapse_action=case.lapse_action)
    recalled = case.recall(today, calendar, *stage.lead)
    uow.cases.save(case)
    opinion = RECALL_OPINIONS[case.lapse_action]
    uow.decisions.add(Decision.of_outcome(case, recalled, SYSTEM, opinion=opinion, details={
        "lapse_action": case.lapse_action, "recalled_to": case.recalled_to, "due_on": due_on.isoformat()}))
    events.case("case.recalled", case, SYSTEM, today, opinion, lapse_action=case.lapse_action,
                recalled_from=case.department, recalled_to=case.recalled_to, due_on=due_on,
                from_state=recalled.from_state)
    after_case_change(uow, events, stage, today, calendar, SYSTEM)
    return True


def sweep_all(unit_of_work, today, yellow_days, batch=500):
    """Sweep batch after batch, each in its own transaction, until a batch comes back short."""
    total = 0
    while True:
        with unit_of_work() as uow:
            acted = sweep(uow, today, yellow_days, batch=batch)
        total += acted
        if acted < batch:
            return total
