"""Cases (办件): the state machine of 000 §9 / 004 §10 and its clock (stages: :mod:`stage.domain.stage`).

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
- withdraw (撤回) by the applicant closes it;
- a supplement notice is one-time (一次性告知, 002 §7(二)): one per case and round; a further one is
  issued only by the stage's lead department, with its recorded reason (:meth:`Case.act`);
- a department that lets the limit lapse without deciding is deemed to have no opinion and the case
  is recalled automatically (自动收回, 004 §14, :meth:`Case.lapse`, :meth:`Case.recall`): to the stage's
  lead department, whose officers decide it from then on, or, where the catalog says so for the
  item, concluded as "no objection". Silence never keeps a stage open.
"""
from dataclasses import dataclass
from datetime import date

from platform_kit.errors import Conflict, Forbidden, ValidationFailed
# the state names and labels are part of the public event contract: one definition
from platform_kit.states import (ACCEPTED, APPROVED, CONCLUDED, DEFAULT_LAPSE_ACTION,  # noqa: F401
                                 DISAPPROVED, NO_OBJECTION, NOT_REQUIRED, REFUSED, RETURNED,
                                 RETURN_TO_LEAD, REVIEWED, SUBMITTED,
                                 SUPPLEMENTING, WITHDRAWN)
from platform_kit.states import CASE_CLOSED_STATES as CLOSED
from platform_kit.states import CASE_HOLDING_STAGE_CLOCK as HOLDS_STAGE_CLOCK   # 000 §12: stage clock pauses
from platform_kit.states import CASE_STATE_LABELS as STATE_LABELS
from stage.domain.clock import Clock
from stage.domain.stage import is_lead

# the states in which the case waits for its department: to accept, review, decide or conclude it
AWAITING_DEPARTMENT = frozenset({SUBMITTED, ACCEPTED, REVIEWED, APPROVED, DISAPPROVED})

# 000 §13, 004 §15: the platform records when each department fed back its opinion, and what it said.
# These recorded decisions are the departments' feedback (review is a step inside the department).
FEEDBACK_LABELS = {
    "accept": "受理", "deemed_accept": "视为受理", "request_supplement": "补正告知", "accept_supplement": "补正受理",
    "refuse": "不予受理", "not_required": "无需许可", "return": "退回", "approve": "批准", "disapprove": "不予许可",
    "conclude": "办结", "no_opinion": "逾期未反馈意见（视为无意见）", "recall": "到期自动收回",
}
SYSTEM_RECORDED = "系统自动记录"

DEEMED_ACCEPTANCE_DAYS = 2   # 002 §7(二)
NO_OPINION = "逾期未反馈意见，视为无意见（004 §14）"
RECALL_OPINIONS = {
    RETURN_TO_LEAD: "办理时限届满未作决定，办理流程自动收回，由阶段牵头部门决定（004 §14）",
    NO_OBJECTION: "办理时限届满未作决定，视为无意见，按无异议办结（004 §14）",
}
SECOND_SUPPLEMENT = "再次补正告知"


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
    reason: str = ""       # the lead department's reason for a further supplement notice (002 §7(二))


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
    # 004 §14: what follows a lapse (catalog), and whom the case was recalled to (department, region)
    lapse_action: str = DEFAULT_LAPSE_ACTION
    recalled_to: str = None
    recalled_region: str = None
    supplement_notices: int = 0     # 002 §7(二): supplement notices issued in this round

    @classmethod
    def open(cls, *, id, stage_id, item_code, department, region, limit_days, received_on,
             applicant_org, calendar, project_code=None, stage=None, item_name=None, project_name=None,
             lapse_action=DEFAULT_LAPSE_ACTION):
        case = cls(id=id, stage_id=stage_id, item_code=item_code, department=department, region=region,
                   limit_days=limit_days, received_on=received_on, applicant_org=applicant_org,
                   project_code=project_code, stage=stage, item_name=item_name, project_name=project_name,
                   lapse_action=lapse_action or DEFAULT_LAPSE_ACTION)
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

    @property
    def handled_by(self):
        """(department, region) that decides the case: its own, or the lead department it was
        recalled to (004 §14)."""
        if self.recalled_to:
            return self.recalled_to, self.recalled_region
        return self.department, self.region

    # ------------------------------------------------------------------ who may act
    def authorize(self, action, identity, roster=None, lead=None):
        """000 §15: an officer of this case's department and region, named for the action's step
        (and, where the department named persons for this item's step, one of them); once the case
        was recalled to the lead department (004 §14), an officer of that department named for the
        step; resubmit/withdraw: the applicant that owns the case, or the window clerk.
        `lead`: the stage's lead department as (department, region): it alone issues a further
        supplement notice (002 §7(二); its reason is checked by :meth:`act`)."""
        transition = self._transition(action)
        if action == "request_supplement" and self.supplement_notices and is_lead(identity, lead):
            return
        if transition.steps:
            if identity.role != "officer":
                raise Forbidden("只有审批部门经办人可以办理此环节")
            department, region = self.handled_by
            if identity.department != department or identity.region != region:
                if self.recalled_to and identity.department == self.department:
                    raise Forbidden("本办件已逾期自动收回，由阶段牵头部门决定（004 §14）")
                raise Forbidden("无权办理其他部门或其他地区的办件")
            steps = transition.steps & set(identity.steps or ())
            if not steps:
                raise Forbidden(f"您未被配置为“{transition.label}”环节的责任人")
            # the named persons are the case department's; the lead department decides as itself
            if roster is not None and not self.recalled_to and \
                    not roster.permits(self.department, self.item_code, self.region, steps, identity.sub):
                raise Forbidden(f"您不是本事项“{transition.label}”环节的指定责任人")
        else:
            if identity.role == "applicant":
                if identity.org != self.applicant_org:
                    raise Forbidden("无权操作其他建设单位的办件")
            elif identity.role != "clerk":
                raise Forbidden("只有建设单位或综合窗口可以办理此操作")

    def authorize_special(self, identity):
        """004 §17: the department handling the case (the lead department once recalled to it), within
        its own region."""
        if identity.role != "officer" or (identity.department, identity.region) != self.handled_by:
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

    def act(self, action, today, calendar, opinion="", second_supplement_reason="", by_lead=False):
        """`second_supplement_reason`, `by_lead`: a further supplement notice needs the reason the
        stage's lead department records, and is issued by it (002 §7(二))."""
        transition = self._transition(action)
        if transition.needs_reason and not (opinion or "").strip():
            raise ValidationFailed(f"“{transition.label}”必须写明理由",
                                   [{"field": "opinion", "message": "请填写理由"}])
        reason = (second_supplement_reason or "").strip()
        self._one_time_supplement(action, reason, by_lead)
        if self.state not in transition.sources:
            allowed = "、".join(STATE_LABELS[s] for s in sorted(transition.sources))
            raise Conflict(f"办件当前状态为“{STATE_LABELS[self.state]}”，不能办理“{transition.label}”"
                           f"（仅限状态：{allowed}）")
        before = self.state
        outcome = Outcome(action, before, None, today, reason=reason)
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

    def recall(self, today, calendar, lead_department, lead_region):
        """004 §14 (办理流程到期自动收回), right after :meth:`lapse`: as the catalog says for the item,
        the stage's lead department decides the case from now on (its state unchanged, its clock
        running on, overdue), or the case is concluded as "no objection" (its clock stops today).
        Returns the outcome (action ``recall``)."""
        if self.lapsed_on != today or self.state not in (ACCEPTED, REVIEWED):
            raise Conflict("办件未在今日逾期，不能自动收回")
        outcome = Outcome("recall", self.state, None, today)
        if self.lapse_action == NO_OBJECTION:
            self._stop(today, calendar, outcome)
            self.state = CONCLUDED
            self.concluded_on = today
        else:
            self.recalled_to, self.recalled_region = lead_department, lead_region
        outcome.to_state = self.state
        return outcome

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

    def _one_time_supplement(self, action, reason, by_lead):
        if action != "request_supplement" or not self.supplement_notices:
            if reason:
                raise ValidationFailed("再次补正理由仅在本办件已出具补正通知后再次告知补正时填写",
                                       [{"field": "second_supplement_reason", "message": "本次无需填写"}])
            return
        if not reason:
            raise ValidationFailed(
                f"补正通知应一次性告知（002 §7(二)）：本办件已出具{self.supplement_notices}次补正通知，"
                f"再次告知补正须由阶段牵头部门写明理由",
                [{"field": "second_supplement_reason", "message": "请由牵头部门填写再次补正的理由"}])
        if not by_lead:
            raise Forbidden("再次告知补正须由阶段牵头部门办理并记录理由（002 §7(二)）")

    def _do_request_supplement(self, today, calendar, outcome):
        self.supplement_notices += 1
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
        self.recalled_to = self.recalled_region = None   # the department decides the new round
        self.supplement_notices = 0
        self.state = SUBMITTED

    def _do_withdraw(self, today, calendar, outcome):
        self._stop(today, calendar, outcome)
        self.state = WITHDRAWN
        self.concluded_on = today
