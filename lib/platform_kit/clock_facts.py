"""Clock facts: what the owner of a legal clock (the stage service) tells every reader about it.

The stage service is the only place deadlines and lights are computed (its ``domain/clock.py``
states the day-counting convention). Each event that changes a clock carries these facts, computed
on the event's day with the working-day calendar and the platform's yellow threshold in force:

- ``limit_days``, ``extension_days``: the promised limit and the lead department's extensions;
- ``started_on``: the day counting started (not counted); ``due_on``: the end of the last counted
  working day, ``None`` while a paused clock has days left; ``due_estimated``: a year of the
  computation had no loaded holiday schedule, so Monday–Friday was assumed for it;
- ``yellow_on``: the first day the light of the running clock is yellow (≤ ``yellow_days`` working
  days left), ``yellow_days``: the threshold it was computed with;
- ``paused``, ``stopped_on``: a paused or stopped clock's light no longer changes: ``light`` is the
  light on the event's day (``as_of``) and stays so; ``used_days`` and ``remaining_days`` as of then.

:func:`light_on` turns the facts into the light of any later day by comparing dates only, so a
reader shows exactly the light the stage service shows, without a calendar of its own.
"""
from datetime import date

from marshmallow import Schema, fields, validate

GREEN, YELLOW, RED = "green", "yellow", "red"
LIGHTS = (GREEN, YELLOW, RED)


class ClockFactsSchema(Schema):
    limit_days = fields.Integer(required=True, validate=validate.Range(min=0))
    extension_days = fields.Integer(required=True, validate=validate.Range(min=0))
    started_on = fields.Date(required=True, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    due_estimated = fields.Boolean(required=True)
    yellow_on = fields.Date(required=True, allow_none=True)
    yellow_days = fields.Integer(required=True, validate=validate.Range(min=0))
    paused = fields.Boolean(required=True)
    stopped_on = fields.Date(required=True, allow_none=True)
    used_days = fields.Integer(required=True, validate=validate.Range(min=0))
    remaining_days = fields.Integer(required=True, validate=validate.Range(min=0))
    light = fields.String(required=True, validate=validate.OneOf(LIGHTS))
    as_of = fields.Date(required=True)


def _day(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def light_on(facts, today):
    """The light of a clock on `today`, from its latest facts (a dict, dates as dates or ISO text).

    No facts (a clock not started yet): green. Paused or stopped: the light it had then. Running:
    red after ``due_on``, yellow from ``yellow_on``, green before.
    """
    if not facts:
        return GREEN
    if facts.get("paused") or facts.get("stopped_on") is not None:
        return facts["light"]
    due_on = _day(facts.get("due_on"))
    if due_on is not None and today > due_on:
        return RED
    yellow_on = _day(facts.get("yellow_on"))
    if yellow_on is not None and today >= yellow_on:
        return YELLOW
    return GREEN

