"""Consultation (征询/会签): a department asks others for opinions by a deadline (001, 004 §14).

Silence by the deadline counts as "no opinion" (逾期未反馈的视为无意见, 004 §14): the platform
records it itself for every silent department on the first day after the deadline, and the flow
moves on. Each reply, a department's or the platform's, is a recorded decision and is never changed
afterwards. A consultation is closed once every asked department has an answer.
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, Forbidden, ValidationFailed

REPLIED = "replied"          # the department answered in time
NO_OPINION = "no_opinion"    # 004 §14: silent by the deadline, recorded by the platform
OPINION_KINDS = (REPLIED, NO_OPINION)
NO_OPINION_TEXT = "逾期未反馈，视为无意见"
SYSTEM = "system"

OPEN, CLOSED = "open", "closed"


@dataclass
class Reply:
    department: str
    opinion: str
    replied_by: str
    replied_on: date
    opinion_kind: str = REPLIED


@dataclass
class Consultation:
    id: str
    asked_by: str              # department asking
    asked_of: list             # departments asked
    question: str
    opened_on: date
    due_on: date               # last day a reply is accepted
    case_id: str = None
    replies: list = field(default_factory=list)
    closed_on: date = None
    due_days: int = None       # working days given to reply, counted from the day after opened_on
    due_estimated: bool = False

    @classmethod
    def open(cls, *, id, asked_by, asked_of, question, opened_on, due_on, case_id=None, due_days=None,
             due_estimated=False):
        asked_of = sorted(set(asked_of) - {asked_by})
        if not asked_of:
            raise ValidationFailed("征询对象不能为空", [{"field": "asked_of", "message": "至少征询一个其他部门"}])
        if due_on <= opened_on:
            raise ValidationFailed("答复期限必须晚于发起日", [{"field": "due_days", "message": "必须为正数"}])
        return cls(id=id, asked_by=asked_by, asked_of=asked_of, question=question,
                   opened_on=opened_on, due_on=due_on, case_id=case_id, due_days=due_days,
                   due_estimated=due_estimated)

    @classmethod
    def open_counting(cls, *, calendar, due_days, opened_on, **facts):
        """Open with the deadline `due_days` working days after `opened_on` (that day not counted).

        A year of the count whose holiday schedule is not loaded yet does not stop the
        consultation: Monday to Friday is assumed for it and the deadline is flagged as an
        estimate, counted again once the year is loaded (:meth:`recount_deadline`).
        """
        counting = calendar.estimating()
        due_on = counting.add_working_days(opened_on, due_days)
        return cls.open(opened_on=opened_on, due_on=due_on, due_days=due_days,
                        due_estimated=counting.estimated, **facts)

    def spans_year(self, year):
        """The count of the deadline runs through `year` (from the day after opening to due_on)."""
        return self.opened_on.year <= year <= self.due_on.year

    def recount_deadline(self, calendar):
        """Count an estimated deadline again with `calendar` (a year it spans was loaded since).
        Returns (old due_on, new due_on), or None when there is nothing to count again."""
        if not self.due_estimated or self.closed_on is not None or self.due_days is None:
            return None
        counting = calendar.estimating()
        old = self.due_on
        self.due_on = counting.add_working_days(self.opened_on, self.due_days)
        self.due_estimated = counting.estimated
        return old, self.due_on

    def replied_departments(self):
        return {r.department for r in self.replies}

    def silent_departments(self):
        """Asked departments without an answer yet, in the order they were asked."""
        answered = self.replied_departments()
        return [d for d in self.asked_of if d not in answered]

    def reply(self, *, department, opinion, replied_by, on):
        """A department's own reply; closes the consultation when it is the last one missing."""
        if department not in self.asked_of:
            raise Forbidden(f"部门 {department} 不在本次征询对象中")
        if department in self.replied_departments():
            raise Conflict(f"部门 {department} 已答复，答复不可更改")
        if on > self.due_on:
            # 004 §14: past the deadline the silence already counts as no opinion
            raise Conflict("答复期限已过，已按无意见处理")
        reply = Reply(department=department, opinion=opinion, replied_by=replied_by, replied_on=on)
        self.replies.append(reply)
        self._close_if_complete(on)
        return reply

    def lapse(self, today):
        """004 §14: once the deadline has passed (today > due_on), every silent department gets a
        no-opinion reply recorded by the platform, dated today, and the consultation closes.
        Returns the replies recorded now (none if it was not due or is already closed)."""
        if self.closed_on is not None or today <= self.due_on:
            return []
        recorded = [Reply(department=d, opinion=NO_OPINION_TEXT, replied_by=SYSTEM, replied_on=today,
                          opinion_kind=NO_OPINION) for d in self.silent_departments()]
        self.replies.extend(recorded)
        self._close_if_complete(today)
        return recorded

    def _close_if_complete(self, on):
        if self.closed_on is None and not self.silent_departments():
            self.closed_on = on

    def status(self):
        return CLOSED if self.closed_on is not None else OPEN

    def summary(self):
        """Who answered how, in the order the departments were asked (the closed event's content)."""
        kinds = {r.department: r.opinion_kind for r in self.replies}
        return [{"department": d, "opinion_kind": kinds[d]} for d in self.asked_of if d in kinds]
