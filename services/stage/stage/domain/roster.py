"""Responsible persons per item, region and step (000 §15, 004 §18).

Each item's steps are done by the persons its department names for them in its region; a change
goes through the department's own administrator (002 §31) and is recorded (who, when, why), never
edited. Where a department has named nobody for a step of an item, the step belongs to every
officer of the department whose account carries that step.
"""
from dataclasses import dataclass
from datetime import datetime

from platform_kit.errors import Forbidden

STEPS = ("accept", "review", "approve", "conclude")


@dataclass(frozen=True)
class RosterChange:
    department: str
    item_code: str
    region: str
    step: str
    officer: str
    granted: bool
    reason: str = ""
    changed_by: str = None
    changed_at: datetime = None   # set when it is recorded


class Roster:
    """The current responsible persons, from the recorded changes in order."""

    def __init__(self, changes=()):
        self.current = {}
        for change in changes:
            key = (change.department, change.item_code, change.region, change.step)
            named = self.current.setdefault(key, set())
            if change.granted:
                named.add(change.officer)
            else:
                named.discard(change.officer)

    def named(self, department, item_code, region, step):
        return frozenset(self.current.get((department, item_code, region, step), ()))

    def permits(self, department, item_code, region, steps, officer):
        """True when `officer` may do one of `steps` of the item in the region."""
        return any(not self.named(department, item_code, region, step)
                   or officer in self.named(department, item_code, region, step) for step in steps)

    @staticmethod
    def authorize_change(identity):
        """002 §31, 000 §15: a department administrator names persons of their own department and region."""
        if identity.role != "dept_admin" or not identity.department:
            raise Forbidden("只有部门管理员可以配置本部门事项的责任人")
