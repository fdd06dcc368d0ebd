"""The deadline sweep: every replica runs it; rows are claimed with ``FOR UPDATE SKIP LOCKED`` (the
repository's ``claim_*``), so replicas share the work and each deadline is acted on once."""
from stage.domain.case import NO_OPINION
from stage.domain.decision import Decision
from stage.handlers.deciding import SYSTEM, settle_deemed
from stage.handlers.events import Events


def sweep(uow, today, yellow_days, batch=500):
    """One batch of due deadlines: 002 §7(二) deemed acceptances, then 004 §14 missing opinions.
    Returns how many cases it acted on."""
    calendar = uow.calendar.current()
    events = Events(uow, calendar, today, yellow_days)
    acted = 0
    for case in uow.cases.claim_awaiting_acceptance(today, batch):
        settle_deemed(uow, events, case, today, calendar)
        acted += 1
    for case in uow.cases.claim_overdue(today, batch):
        outcome = case.lapse(today)
        if outcome is None:
            continue
        uow.cases.save(case)
        uow.decisions.add(Decision.of_outcome(case, outcome, SYSTEM, opinion=NO_OPINION,
                                              details={"due_on": case.clock.due_on.isoformat()}))
        events.case("case.lapsed", case, SYSTEM, today, NO_OPINION, due_on=case.clock.due_on,
                    used_days=case.clock.used_days(today, calendar))
        acted += 1
    return acted


def sweep_all(unit_of_work, today, yellow_days, batch=500):
    """Sweep batch after batch, each in its own transaction, until a batch comes back short."""
    total = 0
    while True:
        with unit_of_work() as uow:
            acted = sweep(uow, today, yellow_days, batch=batch)
        total += acted
        if acted < batch:
            return total
