"""Clocks as supervisors see them: traffic lights (亮灯预警, 000 §18).

The deadline convention is the platform's (stated where clocks are computed, in the stage service):
the day of acceptance is not counted and a clock is due at the end of its ``due_on`` day. So on
``due_on`` itself the clock is still in time, and it is over its limit from the next day on.
"""
from platform_kit.errors import CalendarNotLoaded

GREEN, YELLOW, RED = "green", "yellow", "red"

def light(due_on, today, calendar, yellow_days, closed=False):
    """green / yellow / red for an open clock; None for a closed clock or one without a deadline yet.

    yellow: `yellow_days` working days or fewer remain (configuration, YELLOW_DAYS); red: past due_on.
    A deadline in a year whose holiday schedule is not loaded gives None rather than a guess.
    """
    if closed or due_on is None:
        return None
    if today > due_on:
        return RED
    try:
        remaining = calendar.working_days_between(today, due_on)
    except CalendarNotLoaded:
        return None
    return YELLOW if remaining <= yellow_days else GREEN


def stage_due_on(calendar, received_on, limit_days):
    """The stage deadline, counted like every clock from the day after receipt; None if unknowable."""
    if received_on is None or not limit_days:
        return None
    try:
        return calendar.add_working_days(received_on, limit_days)
    except CalendarNotLoaded:
        return None
