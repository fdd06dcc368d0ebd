"""Joint review (会审 / 联合审查): the lead department of a stage convenes the departments concerned
to review one set of documents together (002 §14–§17).

Kinds: design scheme (方案联审), construction drawings (联合审图), joint survey (联合测绘) and joint
completion acceptance (联合验收). The lead department names the invitees, the meeting's date and place
(or that it is held online) and a deadline in working days that lies within the stage's promised
time. Every invitee must answer by the deadline; an explicit "no opinion" (无意见) is an answer. A
department silent at the deadline is recorded as no opinion by the platform AND as having failed to
answer (未按时反馈): a fact supervision holds against it. Answers are decisions: recorded once, never
changed. The lead department records the minutes (纪要) and the conclusion and so closes the review,
once every invitee has answered or the deadline has passed.
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, Forbidden, ValidationFailed

DESIGN_SCHEME, CONSTRUCTION_DRAWINGS = "design_scheme", "construction_drawings"
JOINT_SURVEY, JOINT_ACCEPTANCE = "joint_survey", "joint_acceptance"
KINDS = (DESIGN_SCHEME, CONSTRUCTION_DRAWINGS, JOINT_SURVEY, JOINT_ACCEPTANCE)
KIND_NAMES = {DESIGN_SCHEME: "方案联审", CONSTRUCTION_DRAWINGS: "联合审图", JOINT_SURVEY: "联合测绘",
              JOINT_ACCEPTANCE: "联合验收"}

# an invitee's own answer: 同意 / 有条件同意 / 不同意 / 无意见
AGREE, CONDITIONAL, DISAGREE, NONE = "agree", "conditional", "disagree", "none"
ANSWER_KINDS = (AGREE, CONDITIONAL, DISAGREE, NONE)
NO_ANSWER = "no_opinion"     # silent at the deadline: no opinion, and a failure to answer
OPINION_KINDS = ANSWER_KINDS + (NO_ANSWER,)
NO_ANSWER_TEXT = "逾期未反馈，视为无意见（未按时反馈）"
SYSTEM = "system"

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATES = (OPEN, ANSWERED, CLOSED)


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Answer:
    department: str
    kind: str
    opinion: str
    answered_by: str
    answered_on: date
    conditions: str = ""
    on_time: bool = True       # False: recorded by the platform for a department silent at the deadline


@dataclass
class StageTerms:
    """What the consult service knows of a stage (stage.opened): who leads it and its promised time."""
    stage_id: str
    project_code: str
    stage: str
    lead_department: str
    due_on: date               # the last working day of the stage's promised time


@dataclass
class JointReview:
    id: str
    kind: str
    stage_id: str
    convened_by: str           # the stage's lead department
    invitees: list
    subject: str
    meeting_on: date
    place: str
    online: bool
    opened_on: date
    due_days: int
    due_on: date               # last day an answer is accepted
    answers: list = field(default_factory=list)
    answered_on: date = None   # every invitee has an answer (its own or no opinion)
    closed_on: date = None
    closed_by: str = None
    minutes: str = None
    conclusion: str = None

    @classmethod
    def convene(cls, *, terms, department, calendar, today, due_days, invitees, known_departments, kind,
                meeting_on, place, online, subject, id):
        """The lead department of the stage convenes; the deadline (`due_days` working days after
        today, counted with `calendar`) and the meeting must lie within the stage's promised time.
        Every error found is reported at once, each naming its field."""
        if department != terms.lead_department:
            raise Forbidden(f"只有本阶段的牵头部门（{terms.lead_department}）可以召集会审")
        errors = []
        if kind not in KINDS:
            errors.append({"field": "kind", "message": "会审类型须为方案联审、联合审图、联合测绘或联合验收"})
        requested = list(dict.fromkeys(invitees or ()))
        unknown = [d for d in requested if d not in known_departments]
        if unknown:
            errors.append({"field": "invitees",
                           "message": f"未知部门：{'、'.join(unknown)}（不在审批事项目录的部门列表中）"})
        invited = [d for d in requested if d != department]
        if not invited and not unknown:
            errors.append({"field": "invitees", "message": "至少邀请一个其他部门参加会审"})
        due_on = None
        if due_days is None or due_days < 1:
            errors.append({"field": "due_days", "message": "反馈期限须为正的工作日数"})
        else:
            due_on = calendar.add_working_days(today, due_days)
            if due_on > terms.due_on:
                errors.append({"field": "due_days", "message": (
                    f"反馈期限（{due_days} 个工作日，至{chinese_date(due_on)}）超出本阶段承诺时限"
                    f"（至{chinese_date(terms.due_on)}）")})
        if meeting_on < today:
            errors.append({"field": "meeting_on", "message": "会审日期不能早于今天"})
        elif meeting_on > terms.due_on:
            errors.append({"field": "meeting_on",
                           "message": f"会审日期超出本阶段承诺时限（至{chinese_date(terms.due_on)}）"})
        elif due_on is not None and meeting_on > due_on:
            errors.append({"field": "meeting_on",
                           "message": f"会审日期须在反馈期限（{chinese_date(due_on)}）之内"})
        place = (place or "").strip()
        if not online and not place:
            errors.append({"field": "place", "message": "请填写会审地点，或选择线上会审"})
        if errors:
            raise ValidationFailed("会审召集信息不符合规定", errors)
        return cls(id=id, kind=kind, stage_id=terms.stage_id, convened_by=department, invitees=invited,
                   subject=subject, meeting_on=meeting_on, place=place, online=bool(online), opened_on=today,
                   due_days=due_days, due_on=due_on)

    def answered_departments(self):
        return {a.department for a in self.answers}

    def silent_departments(self):
        """Invitees without an answer yet, in the order they were invited."""
        answered = self.answered_departments()
        return [d for d in self.invitees if d not in answered]

    def answer(self, *, department, kind, opinion, conditions, answered_by, on):
        """An invitee's answer, final once recorded."""
        if department not in self.invitees:
            raise Forbidden(f"部门 {department} 未被邀请参加本次会审，无权反馈意见")
        if self.closed_on is not None:
            raise Conflict("本次会审已形成纪要并办结，不再接受意见")
        if department in self.answered_departments():
            raise Conflict(f"部门 {department} 已反馈意见，意见不可更改")
        if on > self.due_on:
            raise Conflict(f"反馈期限（{chinese_date(self.due_on)}）已过，逾期未反馈的视为无意见并记为未按时反馈，"
                           f"不再接受意见")
        if kind not in ANSWER_KINDS:
            raise ValidationFailed("意见类型不正确", [{"field": "kind", "message": "须为同意、有条件同意、不同意或无意见"}])
        conditions = (conditions or "").strip()
        if kind == CONDITIONAL and not conditions:
            raise ValidationFailed("有条件同意须写明条件", [{"field": "conditions", "message": "有条件同意时必须填写条件"}])
        if kind != CONDITIONAL and conditions:
            raise ValidationFailed("只有有条件同意才附条件",
                                   [{"field": "conditions", "message": "仅“有条件同意”可填写条件"}])
        answer = Answer(department=department, kind=kind, opinion=opinion, answered_by=answered_by, answered_on=on,
                        conditions=conditions)
        self.answers.append(answer)
        self._answered_if_complete(on)
        return answer

    def lapse(self, today):
        """Past the deadline (today > due_on), every silent invitee is recorded as no opinion and as
        having failed to answer, dated today. Returns the answers recorded now."""
        if self.answered_on is not None or self.closed_on is not None or today <= self.due_on:
            return []
        recorded = [Answer(department=d, kind=NO_ANSWER, opinion=NO_ANSWER_TEXT, answered_by=SYSTEM,
                           answered_on=today, on_time=False) for d in self.silent_departments()]
        self.answers.extend(recorded)
        self._answered_if_complete(today)
        return recorded

    def _answered_if_complete(self, on):
        if self.answered_on is None and not self.silent_departments():
            self.answered_on = on

    def record_minutes(self, *, department, recorded_by, minutes, conclusion, on):
        """The lead department records the minutes and conclusion (纪要) and closes the review; not
        while an invitee is still within the deadline without an answer. Silences past the deadline
        are recorded first. Returns the no-answer records made on the way."""
        if department != self.convened_by:
            raise Forbidden(f"只有召集会审的牵头部门（{self.convened_by}）可以形成会审纪要")
        if self.closed_on is not None:
            raise Conflict(f"本次会审已于{chinese_date(self.closed_on)}形成纪要并办结")
        recorded = self.lapse(on)
        silent = self.silent_departments()
        if silent:
            raise Conflict(f"尚有受邀部门未反馈意见且反馈期限（{chinese_date(self.due_on)}）未到：{'、'.join(silent)}，"
                           f"不能形成会审纪要", [{"field": "invitees", "message": "、".join(silent)}])
        minutes, conclusion = (minutes or "").strip(), (conclusion or "").strip()
        errors = []
        if not minutes:
            errors.append({"field": "minutes", "message": "请填写会审纪要"})
        if not conclusion:
            errors.append({"field": "conclusion", "message": "请填写会审结论"})
        if errors:
            raise ValidationFailed("会审纪要不完整", errors)
        self.closed_on, self.closed_by, self.minutes, self.conclusion = on, recorded_by, minutes, conclusion
        return recorded

    def status(self):
        if self.closed_on is not None:
            return CLOSED
        return ANSWERED if self.answered_on is not None else OPEN

    def failed_to_answer(self):
        """The invitees recorded as silent at the deadline (未按时反馈)."""
        return [a.department for a in self.answers if not a.on_time]

    def record(self):
        """Every answer, in the order the departments were invited (what the minutes cite)."""
        by_department = {a.department: a for a in self.answers}
        return [{"department": d, "opinion_kind": a.kind, "opinion": a.opinion, "conditions": a.conditions or "",
                 "answered_on": a.answered_on, "on_time": a.on_time}
                for d in self.invitees if (a := by_department.get(d)) is not None]
