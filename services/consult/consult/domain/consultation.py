"""Consultation (征询/会签): a department asks others for opinions by a deadline (001, 004 §14).

Silence by the deadline counts as "no opinion" and the flow moves on by itself; each reply is a
recorded decision and is never changed afterwards.
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, Forbidden, ValidationFailed

NO_OPINION = "no_opinion"


@dataclass
class Reply:
    department: str
    opinion: str
    replied_by: str
    replied_on: date


@dataclass
class Consultation:
    id: str
    asked_by: str              # department asking
    asked_of: list             # departments asked
    question: str
    opened_on: date
    due_on: date
    case_id: str = None
    replies: list = field(default_factory=list)

    @classmethod
    def open(cls, *, id, asked_by, asked_of, question, opened_on, due_on, case_id=None):
        asked_of = sorted(set(asked_of) - {asked_by})
        if not asked_of:
            raise ValidationFailed("征询对象不能为空", [{"field": "asked_of", "message": "至少征询一个其他部门"}])
        if due_on <= opened_on:
            raise ValidationFailed("答复期限必须晚于发起日", [{"field": "due_days", "message": "必须为正数"}])
        return cls(id=id, asked_by=asked_by, asked_of=asked_of, question=question,
                   opened_on=opened_on, due_on=due_on, case_id=case_id)

    def replied_departments(self):
        return {r.department for r in self.replies}

    def reply(self, *, department, opinion, replied_by, on):
        if department not in self.asked_of:
            raise Forbidden(f"部门 {department} 不在本次征询对象中")
        if department in self.replied_departments():
            raise Conflict(f"部门 {department} 已答复，答复不可更改")
        if on > self.due_on:
            raise Conflict("答复期限已过，已按无意见处理")
        reply = Reply(department=department, opinion=opinion, replied_by=replied_by, replied_on=on)
        self.replies.append(reply)
        return reply

    def status(self, today):
        pending = set(self.asked_of) - self.replied_departments()
        if not pending:
            return "closed"
        return "lapsed" if today > self.due_on else "open"
