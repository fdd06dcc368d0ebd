"""A case's consultations as the stage service knows them from the consult service's events, and the
two rules they carry for the case.

征询 (001 二–四): the department handling a case asks other departments for their opinion; each
answers, or its silence past the deadline is recorded as no opinion (004 §14); the asking department
then concludes it by countersigning (办结会签), and only the combined opinion decides the case.

- The gate: a case cannot be decided (approved, disapproved) or concluded while a consultation its
  own department opened on it is not countersigned; the refusal names the consultation and the
  departments whose answer is still outstanding.
- Reading: while a consultation is open, an officer of a department asked, in the asking
  department's region (or a territory containing it), may read the case; once it is countersigned
  that access ends.

The facts arrive as events in any order (a reply may be delivered before the opening); each is kept
once and the state is derived from all of them.
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict
from platform_kit.identity import within_region

GATED_ACTIONS = frozenset({"approve", "disapprove", "conclude"})
ACTION_LABELS = {"approve": "批准", "disapprove": "作出不予许可决定", "conclude": "办结"}


@dataclass(frozen=True)
class CaseConsultation:
    id: str
    case_id: str
    asked_by: str
    asked_of: tuple
    question: str = ""
    region: str = None
    due_on: date = None
    answered: frozenset = field(default_factory=frozenset)   # departments with a reply or a recorded silence
    closed_on: date = None                                    # countersigned (consultation.closed)

    @property
    def open(self):
        return self.closed_on is None

    def outstanding(self):
        """The departments asked with neither a reply nor a recorded silence, in the order asked."""
        return [d for d in self.asked_of if d not in self.answered]

    def started_by(self, case):
        return self.case_id == case.id and self.asked_by == case.department

    def lets_read(self, department, region):
        """An officer of `department` in `region` may read the case while the consultation is open:
        their department is asked, and the asking department's region lies in their territory (a
        consultation without a region recorded: any region of the department asked)."""
        if not self.open or not department or department not in self.asked_of:
            return False
        return self.region is None or within_region(self.region, region)


def check_decidable(case, action, consultations):
    """001 二: the combined opinion decides the case, so the case is not approved, disapproved or
    concluded while a consultation its department opened on it awaits the countersign. Conflict
    naming each such consultation and its outstanding departments."""
    if action not in GATED_ACTIONS:
        return
    blocking = [c for c in consultations if c.open and c.started_by(case)]
    if not blocking:
        return
    errors, parts = [], []
    for c in blocking:
        outstanding = c.outstanding()
        if outstanding:
            waiting = f"尚待 {'、'.join(outstanding)} 答复"
        else:
            waiting = "各部门均已答复或逾期视为无意见，尚待发起部门办结会签"
        part = f"征询 {c.id}（截止 {c.due_on.isoformat() if c.due_on else '未知'}）{waiting}"
        parts.append(part)
        errors.append({"field": "consultation_id", "message": part})
    label = ACTION_LABELS.get(action, action)
    raise Conflict(f"办件有未办结会签的部门征询，不能{label}：{'；'.join(parts)}", errors)


def readable_through(consultations, department, region):
    """True when one of the case's consultations lets an officer of `department` in `region` read it."""
    return any(c.lets_read(department, region) for c in consultations)
