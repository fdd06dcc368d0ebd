"""Consultation (征询/会签): a department asks others for opinions by a deadline (001, 004 §14).

Silence by the deadline counts as "no opinion" (逾期未反馈的视为无意见, 004 §14): the platform
records it itself for every silent department on the first day after the deadline, and the flow
moves on. Each reply, a department's or the platform's, is a recorded decision and is never changed
afterwards. A consultation is answered once every asked department has an answer; the asking
department then concludes it (办结会签, 001 二) with a summary that cites every answer, and it is closed.
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, Forbidden, ValidationFailed

REPLIED = "replied"          # a reply recorded before opinion kinds existed
NO_OPINION = "no_opinion"    # 004 §14: silent by the deadline, recorded by the platform
# a department's own answer: 同意 / 有条件同意 / 不同意 / 无意见
AGREE, CONDITIONAL, DISAGREE, NONE = "agree", "conditional", "disagree", "none"
REPLY_KINDS = (AGREE, CONDITIONAL, DISAGREE, NONE)
OPINION_KINDS = REPLY_KINDS + (REPLIED, NO_OPINION)
KIND_NAMES = {AGREE: "同意", CONDITIONAL: "有条件同意", DISAGREE: "不同意", NONE: "无意见", REPLIED: "已答复",
              NO_OPINION: "逾期未反馈，视为无意见"}
NO_OPINION_TEXT = "逾期未反馈，视为无意见"
SYSTEM = "system"

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATES = (OPEN, ANSWERED, CLOSED)


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Reply:
    department: str
    opinion: str
    replied_by: str
    replied_on: date
    opinion_kind: str = REPLIED
    conditions: str = ""
    attachments: list = field(default_factory=list)   # material ids


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
    answered_on: date = None   # every asked department has an answer (its own or no opinion)
    closed_by: str = None      # who countersigned (办结会签)
    summary: str = None

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
        if not self.due_estimated or self.answered_on is not None or self.closed_on is not None \
                or self.due_days is None:
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

    def yellow_on(self, calendar, yellow_days):
        """The first day the reply clock's light is yellow (at most `yellow_days` working days left,
        LIGHT_YELLOW_DAYS as for every clock of the platform)."""
        if self.due_days is None or self.due_days <= yellow_days:
            return self.opened_on
        return calendar.estimating().add_working_days(self.opened_on, self.due_days - yellow_days)

    def reply(self, *, department, opinion, replied_by, on, kind=REPLIED, conditions="", attachments=()):
        """A department's own reply; the consultation is answered when it is the last one missing."""
        if department not in self.asked_of:
            raise Forbidden(f"部门 {department} 不在本次征询对象中，无权答复")
        if on > self.due_on:
            # 004 §14: past the deadline the silence already counts as no opinion
            raise Conflict(f"答复期限（{chinese_date(self.due_on)}）已过，逾期未答复的视为无意见，不再接受答复")
        if department in self.replied_departments():
            raise Conflict(f"部门 {department} 已答复，答复不可更改")
        if self.closed_on is not None:
            raise Conflict("本次征询已办结会签，不再接受答复")
        conditions = (conditions or "").strip()
        if kind == CONDITIONAL and not conditions:
            raise ValidationFailed("有条件同意须写明条件", [{"field": "conditions", "message": "有条件同意时必须填写条件"}])
        if kind != CONDITIONAL and conditions:
            raise ValidationFailed("只有有条件同意才附条件", [{"field": "conditions",
                                                             "message": "仅“有条件同意”可填写条件"}])
        reply = Reply(department=department, opinion=opinion, replied_by=replied_by, replied_on=on,
                      opinion_kind=kind, conditions=conditions, attachments=list(attachments or ()))
        self.replies.append(reply)
        self._answered_if_complete(on)
        return reply

    def lapse(self, today):
        """004 §14: once the deadline has passed (today > due_on), every silent department gets a
        no-opinion reply recorded by the platform, dated today, and the consultation is answered.
        Returns the replies recorded now (none if it was not due or is already answered)."""
        if self.answered_on is not None or self.closed_on is not None or today <= self.due_on:
            return []
        recorded = [Reply(department=d, opinion=NO_OPINION_TEXT, replied_by=SYSTEM, replied_on=today,
                          opinion_kind=NO_OPINION) for d in self.silent_departments()]
        self.replies.extend(recorded)
        self._answered_if_complete(today)
        return recorded

    def _answered_if_complete(self, on):
        if self.answered_on is None and not self.silent_departments():
            self.answered_on = on

    def countersign(self, *, department, signed_by, summary, on):
        """办结会签 (001 二): the asking department concludes the consultation with a summary once
        every asked department has answered or its silence was recorded; past the deadline the
        silences are recorded now (004 §14). Returns the no-opinion replies recorded on the way."""
        if department != self.asked_by:
            raise Forbidden(f"只有发起征询的部门（{self.asked_by}）可以办结会签")
        if self.closed_on is not None:
            raise Conflict(f"本次征询已于 {chinese_date(self.closed_on)} 办结会签")
        recorded = self.lapse(on)
        silent = self.silent_departments()
        if silent:
            raise Conflict(f"尚有部门未答复且答复期限（{chinese_date(self.due_on)}）未到：{'、'.join(silent)}，"
                           f"不能办结会签", [{"field": "departments", "message": "、".join(silent)}])
        summary = (summary or "").strip()
        if not summary:
            raise ValidationFailed("会签意见不能为空", [{"field": "summary", "message": "请填写会签汇总意见"}])
        self.closed_on, self.closed_by, self.summary = on, signed_by, summary
        return recorded

    def status(self):
        if self.closed_on is not None:
            return CLOSED
        return ANSWERED if self.answered_on is not None else OPEN

    def record(self):
        """Every answer the countersign cites, in the order the departments were asked."""
        by_department = {r.department: r for r in self.replies}
        return [{"department": d, "opinion_kind": r.opinion_kind, "opinion": r.opinion,
                 "conditions": r.conditions or "", "replied_on": r.replied_on, "attachments": list(r.attachments)}
                for d in self.asked_of if (r := by_department.get(d)) is not None]

    def record(self):
        """Every answer the countersign cites, in the order the departments were asked."""
        by_department = {r.department: r for r in self.replies}
        return [{"department": d, "opinion_kind": r.opinion_kind, "opinion": r.opinion,
                 "conditions": r.conditions or "", "replied_on": r.replied_on, "attachments": list(r.attachments)}
                for d in self.asked_of if (r := by_department.get(d)) is not None]

    def summary(self):
        """Who answered how, in the order the departments were asked (the closed event's content)."""
        kinds = {r.department: r.opinion_kind for r in self.replies}
        return [{"department": d, "opinion_kind": kinds[d]} for d in self.asked_of if d in kinds]
