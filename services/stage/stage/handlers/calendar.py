"""The platform's one working-day calendar: an operator loads a year's published holiday schedule
here, the stage service keeps it and publishes it (``calendar.year_loaded``) so that every service
that counts working days keeps the same one, and the clocks whose deadlines were estimates are
counted again."""
from platform_kit.calendar import validate_year_schedule
from platform_kit.contracts import new_event
from platform_kit.times import utcnow
from stage.handlers.events import SOURCE, Events


def load_calendar_year(cmd, identity, uow, today, yellow_days):
    validate_year_schedule(cmd["year"], cmd["holidays"], cmd["working_weekends"])
    actor = identity.actor()
    loaded = new_event("calendar.year_loaded", source=SOURCE, project_code=None, actor=actor, payload={
        "year": cmd["year"], "holidays": list(cmd["holidays"]), "working_weekends": list(cmd["working_weekends"]),
        "loaded_by": identity.sub, "loaded_at": utcnow()})
    uow.calendar.record(cmd["year"], cmd["holidays"], cmd["working_weekends"], identity.sub,
                        loaded.payload["loaded_at"], event_id=loaded.event_id)
    uow.emit(loaded)
    calendar = uow.calendar.current()
    events = Events(uow, calendar, today, yellow_days)
    recomputed = 0
    # deadlines that were estimates are now counted with the schedule; stages before cases, the lock
    # order of every use case
    for stage in uow.stages.estimated_open_locked():
        stage.clock.recompute(calendar)
        uow.stages.save(stage)
        events.clock_recomputed(stage, actor, cmd["year"])
        recomputed += 1
    for case in uow.cases.estimated_open_locked():
        case.clock.recompute(calendar)
        uow.cases.save(case)
        events.clock_recomputed(case, actor, cmd["year"])
        recomputed += 1
    return {"year": cmd["year"], "holidays": len(cmd["holidays"]),
            "working_weekends": len(cmd["working_weekends"]), "recomputed_clocks": recomputed,
            "loaded_years": sorted(calendar.years)}


def list_calendar_years(uow):
    calendar = uow.calendar.current()
    return {"loaded_years": sorted(calendar.years),
            "operator_loads": [{"year": r["year"], "loaded_by": r["loaded_by"],
                                "loaded_at": r["loaded_at"].isoformat() if r["loaded_at"] else None,
                                "holidays": r["holidays"], "working_weekends": r["working_weekends"]}
                               for r in uow.calendar.loads()]}
