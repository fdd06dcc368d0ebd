"""How each event changes the supervision copy of a case or stage clock.

The stage service owns every clock: each case.* and stage.* event carries the state the clock is
in after it (names of ``platform_kit.states``) and the clock's facts (``platform_kit.clock_facts``:
deadline, limit and extension, estimated flag, pause, the light). Supervision computes no deadline
and no light of its own; it keeps, per clock, what the newest event said.

Events arrive at least once and in any order. The rules that make the copy independent of the
arrival order, without reading the clock's history again:

- every event is applied at most once (the processed-event marker, by event id);
- each fact is kept with the position of the event that said it (``occurred_at``, then the event
  id, a tiebreak every replica agrees on): the state, the clock facts as one whole, and each
  recorded day (accepted, paused, returned, ...) each follow the newest event that speaks of them,
  so an older event arriving late changes nothing it has been overtaken on;
- a closed case or stage (concluded, refused, not required, withdrawn) is never reopened by a
  stale event, even if the publishers' clocks disagree a little: the closing event's state, facts
  and days outrank those of any event that does not close the clock, whichever came first.

Events published before clocks carried their state and facts still apply: their state is derived
from the event type (a resumed supplement goes back to the state before it, 002 §8) and their
deadline fields are kept as they were sent; such a clock has no light (unknown) until an event
with facts arrives.
"""
from dataclasses import dataclass, field
from datetime import timezone

from platform_kit.states import (ACCEPTED, CASE_CLOSED_STATES, CASE_HOLDING_STAGE_CLOCK, CONCLUDED, RETURNED,
                                 REVIEWED, STAGE_CONCLUDED, STAGE_OPEN, SUBMITTED, SUPPLEMENTING)

CASE_CLOSED = CASE_CLOSED_STATES
STAGE_CLOSED = frozenset({STAGE_CONCLUDED})
HOLDS_STAGE_CLOCK = CASE_HOLDING_STAGE_CLOCK          # 000 §12: the stage clock pauses
RESUME = object()   # older events: "back to the state before the supplement" (002 §8)

DESCRIPTIVE = ("stage_id", "stage", "item_code", "item_name", "department", "region")
# what events sent about the deadline before they carried the clock facts
LEGACY_CLOCK_FIELDS = ("limit_days", "extension_days", "due_on", "due_estimated", "used_days")


@dataclass
class Change:
    state: object = None                       # new state, RESUME, or None (unchanged)
    values: dict = field(default_factory=dict)
    clears: tuple = ()                         # fields that become unknown (a fresh clock)


@dataclass(frozen=True)
class Observation:
    """One event as one clock sees it."""
    position: tuple                 # (occurred_at, event id): which of two events is newer
    change: Change
    state: str = None               # the state the publisher says the clock is in after the event
    clock: dict = None              # the clock facts after the event; None: not started
    carries_clock: bool = False     # the event speaks of the clock (even to say it has not started)


def position(occurred_at, event_id):
    """A position that sorts like time, then by event id (JSON-ready: kept in the row)."""
    return [occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f"), str(event_id)]


def observation(event_type, payload, at, for_case, state=None, clock=None):
    """The observation of one event by a case clock (`for_case`) or a stage clock.

    An event that carries ``state`` was published with the clock facts: its ``clock`` (None: not
    started) is the truth about the clock. An older event carries neither.
    """
    change = case_change(event_type, payload) if for_case else stage_change(event_type, payload)
    carries = state is not None or clock is not None or event_type == "stage.clock_recomputed"
    return Observation(position=at, change=change, state=state, clock=clock, carries_clock=carries)


def case_change(event_type, p):
    """What a case event says about the case clock, besides its state and facts."""
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
                       "on_time", "deemed", "extension_days", "outcome", "concluded_on"))
    if event_type == "case.lapsed":                 # 004 §14: overdue, recorded as no opinion
        return Change(None, {"lapsed_on": p["on"], "due_on": p["due_on"], "used_days": p["used_days"]})
    if event_type == "case.special_handled":        # 004 §17
        return Change(p["to_state"])
    if event_type == "stage.extended":              # 002 §14, an extension of one case
        return Change(None, {"limit_days": p["limit_days"], "extension_days": p["extension_days"],
                             "due_on": p.get("due_on")})
    if event_type == "stage.opened":                # the case as its stage was opened (p: its entry)
        return Change(None, {"limit_days": p["limit_days"], "acceptance_due_on": p.get("acceptance_due_on")})
    return Change()


def stage_change(event_type, p):
    """What a stage event says about the stage clock, besides its state and facts."""
    if event_type == "stage.opened":
        return Change(STAGE_OPEN, {"declaration_id": p["declaration_id"], "lead_department": p["lead_department"],
                                   "limit_days": p["limit_days"], "received_on": p["received_on"]})
    if event_type in ("stage.paused", "stage.resumed"):   # 000 §12: a pause moves the stage deadline
        return Change(None, {"due_on": p.get("due_on"), "used_days": p.get("used_days")})
    if event_type == "stage.extended":
        return Change(None, {"limit_days": p["limit_days"], "extension_days": p["extension_days"],
                             "due_on": p.get("due_on")})
    if event_type == "stage.concluded":
        return Change(STAGE_CONCLUDED, {"declaration_id": p["declaration_id"], "received_on": p["received_on"],
                                        "due_on": p["due_on"], "concluded_on": p["concluded_on"],
                                        "on_time": p["on_time"]})
    return Change()


# a deadline an older event says is unknown (a resumed clock whose deadline is not known yet) is unknown
_NONE_IS_A_VALUE = frozenset({"due_on"})


def observe(record, obs, closed_states):
    """The record after one more event of its clock, whatever the order events arrive in.

    `record` maps field names to values, with ``state``, ``resume_state``, ``clock`` (the facts,
    None while not started) and ``positions`` ({fact name: rank of the event that said it}).

    Each fact keeps the value of the highest-ranked event that spoke of it. An event's rank is
    (closes the clock, occurred_at, event id): an event that closes the clock outranks every event
    that does not, so a stale event can never reopen a closed clock nor change what its closing
    said, whichever arrives first; otherwise the newer event wins.
    """
    record = dict(record)
    positions = dict(record.get("positions") or {})
    current = record.get("state")

    new_state = obs.state if obs.state is not None else obs.change.state
    if new_state is RESUME:   # older events only; newer ones say the state they resume
        new_state = record.get("resume_state") or ACCEPTED
    rank = [1 if new_state is not None and new_state in closed_states else 0] + list(obs.position)

    def put(name, value):
        if name in positions and list(positions[name]) >= rank:
            return False
        record[name] = value
        positions[name] = rank
        return True

    if new_state is not None and put("state", new_state):
        if new_state == SUPPLEMENTING and current != SUPPLEMENTING:
            record["resume_state"] = current
        elif new_state != SUPPLEMENTING:
            record["resume_state"] = None
    if obs.carries_clock:
        put("clock", dict(obs.clock) if obs.clock else None)
    for name in obs.change.clears:
        put(name, None)
    for name, value in obs.change.values.items():
        if value is not None or name in _NONE_IS_A_VALUE:
            put(name, value)
    record["positions"] = positions
    return record


def clock_known(record):
    """True once an event with the clock's facts was seen (older events never told them)."""
    return "clock" in (record.get("positions") or {})
