"""How each event changes the supervision copy of a case or stage clock.

Events arrive at least once and in any order. The rules that make the final copy independent of
the arrival order:

- every event is applied at most once (the processed-event marker, by event id);
- descriptive facts (item, department, stage) are the same in every event and are simply kept;
- clock facts (state, dates, days) come from replaying all events of that clock received so far,
  sorted by ``occurred_at``: an older event arriving late takes its place in history, it is not
  applied on top of newer ones;
- a closed case or stage (concluded, refused, not required, withdrawn) is never reopened by a
  stale event, even if the publishers' clocks disagree a little.

The state names are the stage service's (``stage.domain.case``), which publishes these events.
"""
from dataclasses import dataclass, field

SUBMITTED, ACCEPTED, REVIEWED, APPROVED, DISAPPROVED, CONCLUDED = (
    "submitted", "accepted", "reviewed", "approved", "disapproved", "concluded")
SUPPLEMENTING, RETURNED, REFUSED, NOT_REQUIRED, WITHDRAWN = (
    "supplementing", "returned", "refused", "not_required", "withdrawn")
CASE_CLOSED = frozenset({CONCLUDED, REFUSED, NOT_REQUIRED, WITHDRAWN})
CASE_RUNNING = frozenset({ACCEPTED, REVIEWED, APPROVED, DISAPPROVED})   # the case clock counts
HOLDS_STAGE_CLOCK = frozenset({SUPPLEMENTING, RETURNED})                # 000 §12: stage clock pauses
STAGE_OPEN, STAGE_CONCLUDED = "open", "concluded"
STAGE_CLOSED = frozenset({STAGE_CONCLUDED})
RESUME = object()   # "back to the state before the supplement" (002 §8: the clock continues)

DESCRIPTIVE = ("stage_id", "stage", "item_code", "item_name", "department", "region")


@dataclass
class Change:
    state: object = None                       # new state, RESUME, or None (unchanged)
    values: dict = field(default_factory=dict)
    clears: tuple = ()                         # fields that become unknown (a fresh clock)


def case_change(event_type, p):
    """What a case event says about the case clock."""
    if event_type == "case.accepted":
        return Change(ACCEPTED, {"accepted_on": p["on"], "limit_days": p["limit_days"], "due_on": p["due_on"],
                                 "deemed": p.get("deemed"), "due_estimated": p.get("due_estimated")},
                      ("paused_on",))
    if event_type in ("case.reviewed", "case.approved", "case.disapproved"):
        state = event_type.split(".", 1)[1]
        return Change(state, {"outcome": state} if state != REVIEWED else {})
    if event_type == "case.concluded":
        return Change(CONCLUDED, {"outcome": p["outcome"], "accepted_on": p["accepted_on"], "due_on": p["due_on"],
                                  "concluded_on": p["on"], "on_time": p["on_time"], "used_days": p["used_days"]},
                      ("paused_on",))
    if event_type == "case.supplement_requested":   # 002 §8: paused from the notice day
        return Change(SUPPLEMENTING, {"paused_on": p["on"], "used_days": p["used_days"],
                                      "accepted_on": p.get("accepted_on")})
    if event_type == "case.supplement_accepted":    # 002 §8: resumes, not restarts
        return Change(RESUME, {"accepted_on": p["accepted_on"], "due_on": p.get("due_on"),
                               "used_days": p["used_days"], "due_estimated": p.get("due_estimated")},
                      ("paused_on",))
    if event_type in ("case.refused", "case.not_required", "case.withdrawn"):
        state = event_type.split(".", 1)[1]
        return Change(state, {"outcome": state, "concluded_on": p["on"]}, ("paused_on",))
    if event_type == "case.returned":               # 000 §12: the case clock terminates
        return Change(RETURNED, {"returned_on": p["on"], "used_days": p["used_days"], "round": p["round"]},
                      ("paused_on",))
    if event_type == "case.resubmitted":            # 000 §12, 004 §13: a fresh clock, full limit
        return Change(SUBMITTED, {"round": p["round"], "limit_days": p["limit_days"]},
                      ("accepted_on", "due_on", "used_days", "paused_on", "returned_on", "lapsed_on",
                       "on_time", "deemed", "extension_days"))
    if event_type == "case.lapsed":                 # 004 §14: overdue, recorded as no opinion
        return Change(None, {"lapsed_on": p["on"], "due_on": p["due_on"], "used_days": p["used_days"]})
    if event_type == "case.special_handled":        # 004 §17
        return Change(p["to_state"])
    if event_type == "stage.extended":              # 002 §14, an extension of one case
        return Change(None, {"limit_days": p["limit_days"], "extension_days": p["extension_days"],
                             "due_on": p.get("due_on")})
    return Change()


def stage_change(event_type, p, computed_due_on=None):
    """What a stage event says about the stage clock."""
    if event_type == "stage.opened":
        return Change(STAGE_OPEN, {"declaration_id": p["declaration_id"], "lead_department": p["lead_department"],
                                   "limit_days": p["limit_days"], "received_on": p["received_on"],
                                   "due_on": computed_due_on})
    if event_type in ("stage.paused", "stage.resumed"):   # 000 §12: a pause moves the stage deadline
        return Change(None, {"due_on": p.get("due_on")})   # none while paused, as the stage service says
    if event_type == "stage.extended":
        return Change(None, {"limit_days": p["limit_days"], "extension_days": p["extension_days"],
                             "due_on": p.get("due_on")})
    if event_type == "stage.concluded":
        return Change(STAGE_CONCLUDED, {"declaration_id": p["declaration_id"], "received_on": p["received_on"],
                                        "due_on": p["due_on"], "concluded_on": p["concluded_on"],
                                        "on_time": p["on_time"]})
    return Change()


def apply(record, change, closed_states):
    """The record after `change`, the next event of its clock in time order. `record` maps field
    names to values, with ``state`` and ``resume_state``; a missing field is unknown."""
    record = dict(record)
    state = record.get("state")
    new_state = change.state
    if new_state is RESUME:
        new_state = record.get("resume_state") or ACCEPTED
    # a closed clock stays closed, even if the publishers' clocks disagree a little
    if new_state is not None and not (state in closed_states and new_state not in closed_states):
        if new_state == SUPPLEMENTING and state != SUPPLEMENTING:
            record["resume_state"] = state
        elif new_state != SUPPLEMENTING:
            record["resume_state"] = None
        record["state"] = new_state
    for name in change.clears:
        record[name] = None
    for name, value in change.values.items():
        if value is not None or name == "due_on":   # a resumed clock may have no known deadline yet
            record[name] = value
    return record


def replay(changes, closed_states, initial_state):
    """A clock's record from all of its events' changes, sorted by when they happened.

    Replaying the whole (short) history on every event makes the result a function of the set of
    events received so far, never of the order they arrived in.
    """
    record = {"state": initial_state, "resume_state": None}
    for change in changes:
        record = apply(record, change, closed_states)
    return record
