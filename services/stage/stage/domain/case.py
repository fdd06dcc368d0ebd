"""Cases (办件) and stages (审批阶段): the state machine of 000 §9 / 004 §10 and its clocks.

A case is one item of one project's stage declaration, handled by one department in one region.
Its steps are accept (受理) → review (审核) → approve or disapprove (批准/不予许可) → conclude
(办结), each done by a person named for that step (000 §15), plus:

- request_supplement (补正, 002 §7(二), §8): pauses the clock from the notice day; the department
  accepts the complete supplement (accept_supplement) and the clock resumes, not restarts;
- a department that has not asked for a supplement within 2 working days of receipt has accepted
  as of the day of receipt (002 §7(二)); :meth:`Case.settle_deemed_acceptance` applies this;
- refuse (不予受理, with reasons, 002 §7(三)) and not_required (002 §7(四)) close the case;
- disapprove (不予许可) needs its reasons (002 §9);
- return (退回) before conclusion terminates the case clock and pauses the stage clock; the
  applicant's resubmission starts a fresh case with the full limit (000 §12, 004 §13);
- withdraw (撤回) by the applicant closes it.

The stage clock runs from receipt of the stage, pauses while any case is paused for supplement or
returned and not yet resubmitted, and stops when every case is closed (000 §12).
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, Forbidden, ValidationFailed
# the state names and labels are part of the public event contract: one definition
from platform_kit.states import (ACCEPTED, APPROVED, CONCLUDED, DISAPPROVED, NOT_REQUIRED,  # noqa: F401
                                 REFUSED, RETURNED, REVIEWED, STAGE_CONCLUDED, STAGE_OPEN, SUBMITTED,
                                 SUPPLEMENTING, WITHDRAWN)
from platform_kit.states import CASE_CLOSED_STATES as CLOSED
from platform_kit.states import CASE_HOLDING_STAGE_CLOCK as HOLDS_STAGE_CLOCK   # 000 §12: stage clock pauses
from platform_kit.states import CASE_STATE_LABELS as STATE_LABELS
from stage.domain.clock import Clock

# the states in which the case waits for its department: to accept, review, decide or conclude it
AWAITING_DEPARTMENT = frozenset({SUBMITTED, ACCEPTED, REVIEWED, APPROVED, DISAPPROVED})

# 000 §13, 004 §15: the platform records when each department fed back its opinion, and what it said.
# These recorded decisions are the departments' feedback (review is a step inside the department).
FEEDBACK_LABELS = {
    "accept": "受理", "deemed_accept": "视为受理", "request_supplement": "补正告知", "accept_supplement": "补正受理",
    "refuse": "不予受理", "not_required": "无需许可", "return": "退回", "approve": "批准", "disapprove": "不予许可",
    "conclude": "办结", "no_opinion": "逾期未反馈意见（视为无意见）",
}
SYSTEM_RECORDED = "系统自动记录"

DEEMED_ACCEPTANCE_DAYS = 2   # 002 §7(二)
NO_OPINION = "逾期未反馈意见，视为无意见（004 §14）"


def feedback(decisions, case_department):
    """The departments' opinions fed back on a case, oldest first, from its recorded decisions
    (000 §13, 004 §15): every decision in FEEDBACK_LABELS, and every step passed under special
    handling (004 §17). `decisions`: dicts {action, on, at, who, role, name, department, opinion,
    reason, special}. A decision the platform recorded itself (deemed acceptance, no opinion) is the
    case department's, recorded by the system."""
    entries = []
    for d in decisions:
        label = FEEDBACK_LABELS.get(d["action"])
        if label is None and d.get("special"):
            label = TRANSITIONS[d["action"]].label if d["action"] in TRANSITIONS else d["action"]
        if label is None:
            continue
        system = d.get("role") == "system"
        entries.append({
            "action": d["action"], "label": f"特殊处理：{label}" if d.get("special") else label,
            "department": d.get("department") or case_department,
            "person": SYSTEM_RECORDED if system else (d.get("name") or d.get("who")),
            "person_id": d.get("who"), "on": d["on"], "at": d.get("at"),
            "content": d.get("opinion") or "", "special": bool(d.get("special")),
            "special_reason": (d.get("reason") or "") if d.get("special") else "",
        })
    return entries


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str            # None: decided by the case (accept_supplement)
    steps: frozenset       # officer steps any of which entitles (000 §15); empty: applicant/clerk
    needs_reason: bool = False
    label: str = ""


T = Transition
TRANSITIONS = {
    "accept": T(frozenset({SUBMITTED}), ACCEPTED, frozenset({"accept"}), label="受理"),
    "request_supplement": T(frozenset({SUBMITTED, ACCEPTED, REVIEWED}), SUPPLEMENTING,
                            frozenset({"accept"}), True, "补正告知"),
    "accept_supplement": T(frozenset({SUPPLEMENTING}), None, frozenset({"accept"}), label="补正受理"),
    "refuse": T(frozenset({SUBMITTED, ACCEPTED}), REFUSED, frozenset({"accept"}), True, "不予受理"),
    "not_required": T(frozenset({SUBMITTED}), NOT_REQUIRED, frozenset({"accept"}), True, "无需许可"),
    "review": T(frozenset({ACCEPTED}), REVIEWED, frozenset({"review"}), label="审核"),
    "approve": T(frozenset({REVIEWED}), APPROVED, frozenset({"approve"}), label="批准"),
    "disapprove": T(frozenset({REVIEWED}), DISAPPROVED, frozenset({"approve"}), True, "不予许可"),
    "conclude": T(frozenset({APPROVED, DISAPPROVED}), CONCLUDED, frozenset({"conclude"}), label="办结"),
    "return": T(frozenset({SUBMITTED, ACCEPTED, REVIEWED, SUPPLEMENTING}), RETURNED,
                frozenset({"accept", "review"}), True, "退回"),
    "resubmit": T(frozenset({RETURNED}), SUBMITTED, frozenset(), label="重新提交"),
    "withdraw": T(frozenset({SUBMITTED, ACCEPTED, REVIEWED, SUPPLEMENTING, RETURNED}), WITHDRAWN,
                  frozenset(), label="撤回"),
}
OFFICER_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if t.steps)
APPLICANT_ACTIONS = frozenset(a for a, t in TRANSITIONS.items() if not t.steps)
ACTIONS = tuple(TRANSITIONS)


@dataclass
class Outcome:
    """What one action did: the recorded decision's facts, and what follows from it."""
    action: str
    from_state: str
    to_state: str
    on: date
    clock_started: bool = False
    clock_stopped: bool = False
    deemed: bool = False


@dataclass
class Case:
    id: str
    stage_id: str
    item_code: str
    department: str
    region: str
    limit_days: int
    received_on: date
    state: str = SUBMITTED
    acceptance_due_on: date = None
    accepted_on: date = None
    concluded_on: date = None
    resume_state: str = None
    round: int = 1
    applicant_org: str = None
    clock: Clock = None
    lapsed_on: date = None
    # what the case is about (set when it opens, never decided on)
    project_code: str = None
    stage: str = None
    item_name: str = None
    project_name: str = None
    licence_no: str = None

    @classmethod
    def open(cls, *, id, stage_id, item_code, department, region, limit_days, received_on,
             applicant_org, calendar, project_code=None, stage=None, item_name=None, project_name=None):
        case = cls(id=id, stage_id=stage_id, item_code=item_code, department=department, region=region,
                   limit_days=limit_days, received_on=received_on, applicant_org=applicant_org,
                   project_code=project_code, stage=stage, item_name=item_name, project_name=project_name)
        case.acceptance_due_on = calendar.estimating().add_working_days(received_on,
                                                                        DEEMED_ACCEPTANCE_DAYS)
        return case

    @property
    def closed(self):
        return self.state in CLOSED

    @property
    def holds_stage_clock(self):
        return self.state in HOLDS_STAGE_CLOCK

    @property
    def paused(self):
        return self.state == SUPPLEMENTING

    # ------------------------------------------------------------------ who may act
    def authorize(self, action, identity, roster=None):
        """000 §15: an officer of this case's department and region, named for the action's step
        (and, where the department named persons for this item's step, one of them);
        resubmit/withdraw: the applicant that owns the case, or the window clerk."""
        transition = self._transition(action)
        if transition.steps:
            if identity.role != "officer":
                raise Forbidden("只有审批部门经办人可以办理此环节")
            if identity.department != self.department or identity.region != self.region:
                raise Forbidden("无权办理其他部门或其他地区的办件")
            steps = transition.steps & set(identity.steps or ())
            if not steps:
                raise Forbidden(f"您未被配置为“{transition.label}”环节的责任人")
            if roster is not None and not roster.permits(self.department, self.item_code, self.region, steps,
                                                         identity.sub):
                raise Forbidden(f"您不是本事项“{transition.label}”环节的指定责任人")
        else:
            if identity.role == "applicant":
                if identity.org != self.applicant_org:
                    raise Forbidden("无权操作其他建设单位的办件")
            elif identity.role != "clerk":
                raise Forbidden("只有建设单位或综合窗口可以办理此操作")

    def authorize_special(self, identity):
        """004 §17: the department handling the case, within its own region."""
        if identity.role != "officer" or identity.department != self.department \
                or identity.region != self.region:
            raise Forbidden("只有本部门、本地区的审批人员可以执行特殊处理程序")

    # ------------------------------------------------------------------ the rules
    def settle_deemed_acceptance(self, today, calendar):
        """002 §7(二): no supplement asked within 2 working days → accepted as of receipt.
        Returns the outcome when it applied now, else None."""
        if self.state != SUBMITTED or self.acceptance_due_on is None or today <= self.acceptance_due_on:
            return None
        self._start_clock(self.received_on, calendar)
        self.state = ACCEPTED
        return Outcome("deemed_accept", SUBMITTED, ACCEPTED, self.received_on, clock_started=True,
                       deemed=True)

    def act(self, action, today, calendar, opinion=""):
        transition = self._transition(action)
        if transition.needs_reason and not (opinion or "").strip():
            raise ValidationFailed(f"“{transition.label}”必须写明理由",
                                   [{"field": "opinion", "message": "请填写理由"}])
        if self.state not in transition.sources:
            allowed = "、".join(STATE_LABELS[s] for s in sorted(transition.sources))
            raise Conflict(f"办件当前状态为“{STATE_LABELS[self.state]}”，不能办理“{transition.label}”"
                           f"（仅限状态：{allowed}）")
        before = self.state
        outcome = Outcome(action, before, None, today)
        getattr(self, f"_do_{action}")(today, calendar, outcome)
        outcome.to_state = self.state
        return outcome

    def lapse(self, today):
        """004 §14: the department's opinion is due and missing → recorded as no opinion, once."""
        if self.state not in (ACCEPTED, REVIEWED) or self.clock is None or not self.clock.running:
            return None
        if self.clock.due_on is None or self.clock.due_on >= today or self.lapsed_on is not None:
            return None
        self.lapsed_on = today
        return Outcome("no_opinion", self.state, self.state, today)

    def extend(self, days, calendar):
        if self.closed or self.state == RETURNED:
            raise Conflict(f"办件当前状态为“{STATE_LABELS[self.state]}”，不能延长时限")
        if self.clock is None:
            raise Conflict("办件尚未受理，不能延长时限")
        self.clock.extend(days, calendar)
        self.lapsed_on = None   # a new deadline can lapse again

    # ------------------------------------------------------------------ transitions
    def _transition(self, action):
        try:
            return TRANSITIONS[action]
        except KeyError:
            raise ValidationFailed("未知的办理动作", [{"field": "action", "message": f"无效的动作 {action}"}]) \
                from None

    def _start_clock(self, on, calendar):
        self.accepted_on = on
        self.clock = Clock.start(self.limit_days, on, calendar)

    def _do_accept(self, today, calendar, outcome):
        deemed = self.acceptance_due_on is not None and today > self.acceptance_due_on
        on = self.received_on if deemed else today   # 002 §7(二)
        self._start_clock(on, calendar)
        self.state = ACCEPTED
        outcome.on, outcome.clock_started, outcome.deemed = on, True, deemed

    def _do_request_supplement(self, today, calendar, outcome):
        if self.clock is not None:
            self.clock.pause(today, calendar)   # 002 §8: paused from the notice day
        self.resume_state = self.state
        self.state = SUPPLEMENTING

    def _do_accept_supplement(self, today, calendar, outcome):
        if self.clock is None:                  # supplement asked before acceptance: accepted now
            self._start_clock(today, calendar)
            self.state = ACCEPTED
            outcome.clock_started = True
        else:                                   # 002 §8: counting continues, not restarts
            self.clock.resume(today, calendar)
            self.state = self.resume_state
        self.resume_state = None

    def _stop(self, today, calendar, outcome):
        if self.clock is not None and not self.clock.stopped:
            self.clock.stop(today, calendar)
            outcome.clock_stopped = True

    def _do_refuse(self, today, calendar, outcome):
        self._stop(today, calendar, outcome)
        self.state = REFUSED
        self.concluded_on = today

    def _do_not_required(self, today, calendar, outcome):
        self.state = NOT_REQUIRED
        self.concluded_on = today

    def _do_review(self, today, calendar, outcome):
        self.state = REVIEWED

    def _do_approve(self, today, calendar, outcome):
        self.state = APPROVED

    def _do_disapprove(self, today, calendar, outcome):
        self.state = DISAPPROVED

    def _do_conclude(self, today, calendar, outcome):
        self._stop(today, calendar, outcome)
        self.state = CONCLUDED
        self.concluded_on = today

    def _do_return(self, today, calendar, outcome):
        self._stop(today, calendar, outcome)    # 000 §12: the case clock terminates
        self.resume_state = None
        self.state = RETURNED

    def _do_resubmit(self, today, calendar, outcome):
        # 000 §12, 004 §13: a fresh case clock with the full limit, from the new acceptance
        self.round += 1
        self.received_on = today
        self.acceptance_due_on = calendar.estimating().add_working_days(today, DEEMED_ACCEPTANCE_DAYS)
        self.accepted_on = None
        self.clock = None
        self.lapsed_on = None
        self.state = SUBMITTED

    def _do_withdraw(self, today, calendar, outcome):
        self._stop(today, calendar, outcome)
        self.state = WITHDRAWN
        self.concluded_on = today


@dataclass
class Stage:
    id: str
    lead_department: str
    limit_days: int
    received_on: date
    state: str = STAGE_OPEN
    concluded_on: date = None
    clock: Clock = None
    # what the stage is about (set when it opens)
    project_code: str = None
    stage: str = None
    declaration_id: str = None
    region: str = None
    applicant_org: str = None
    project_name: str = None
    cases: list = field(default_factory=list, repr=False, compare=False)   # its cases, item order

    @classmethod
    def open(cls, *, id, lead_department, limit_days, received_on, calendar, project_code=None, stage=None,
             declaration_id=None, region=None, applicant_org=None, project_name=None):
        return cls(id=id, lead_department=lead_department, limit_days=limit_days,
                   received_on=received_on, clock=Clock.start(limit_days, received_on, calendar),
                   project_code=project_code, stage=stage, declaration_id=declaration_id, region=region,
                   applicant_org=applicant_org, project_name=project_name)

    def sync_clock(self, cases, today, calendar):
        """000 §12: paused while any case is paused for supplement or returned; returns
        "paused" / "resumed" when that changed now."""
        if self.state != STAGE_OPEN:
            return None
        hold = any(c.holds_stage_clock for c in cases)
        if hold and self.clock.running:
            self.clock.pause(max(today, self.clock.running_since), calendar)
            return "paused"
        if not hold and self.clock.paused:
            self.clock.resume(today, calendar)
            return "resumed"
        return None

    def try_conclude(self, cases, today, calendar):
        """The stage concludes when every case is closed; True when it did now."""
        if self.state != STAGE_OPEN or not cases or not all(c.closed for c in cases):
            return False
        self.clock.stop(today, calendar)
        self.state = STAGE_CONCLUDED
        self.concluded_on = today
        return True

    def authorize_lead(self, identity):
        """002 §14: only the lead department decides extensions of its stage."""
        if identity.role != "officer" or identity.department != self.lead_department:
            raise Forbidden("只有本阶段的牵头部门可以延长审批时限")

    def extend(self, days, calendar):
        if self.state != STAGE_OPEN:
            raise Conflict("阶段已办结，不能延长时限")
        self.clock.extend(days, calendar)
