"""The accountability list (问责清单, 002 §34): failures of departments the platform's own events
tell, each recorded once with its ground and evidence for the supervisors (市纪委监委、市政府督查室)
to confirm, dismiss (with a reason) or refer.

Grounds detected (002 §34):

- (五) no opinion or licence within the promised limit: ``case.lapsed`` (the department's opinion
  was due and is missing, 004 §14);
- (三) failing or delaying to provide or handle information: silence in a consultation
  (``consultation.lapsed``, one record per silent department) and in a joint review
  (``joint_review.no_answer``);
- (二) not following the flow: a second supplement notice on one case (002 §7(二): the notice is
  one-time), told by ``case.supplement_requested`` with ``supplement_no`` ≥ 2 or by an earlier
  notice on the same case.

Special handling (``case.special_handled``) always carries its reason and attachment, so no event
tells an out-of-flow action without grounds; none is recorded for it.
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, ValidationFailed

FLOW, INFORMATION, TIME_LIMIT = "34-2", "34-3", "34-5"
DATA_QUALITY = "34-4"
GROUNDS = {
    FLOW: "002 第三十四条第（二）项：办理过程中不按照流程办理",
    INFORMATION: "002 第三十四条第（三）项：无正当理由不提供、接收、处理或拖延提供、接收、处理信息",
    TIME_LIMIT: "002 第三十四条第（五）项：未在办事流程承诺的时限内出具审批意见或颁发行政许可证件",
    DATA_QUALITY: "002 第三十四条第（四）项：不实时推送审批过程信息和结果信息，或上传的信息不按要求、不真实、不准确、不完整",
}
CASE_LAPSED, CONSULTATION_SILENT, JOINT_REVIEW_SILENT, SECOND_SUPPLEMENT = (
    "case_lapsed", "consultation_silent", "joint_review_silent", "second_supplement")
OPEN, CONFIRMED, DISMISSED, REFERRED = "open", "confirmed", "dismissed", "referred"
DECISIONS = {"confirm": CONFIRMED, "dismiss": DISMISSED, "refer": REFERRED}


@dataclass(frozen=True)
class Finding:
    """One fact for the list. ``key`` names it, so the same fact is recorded once."""
    key: str
    ground: str
    fact: str
    department: str
    occurred_on: date
    summary: str
    evidence: dict
    region: str = None
    project_code: str = None
    stage_id: str = None
    case_id: str = None
    event_ids: tuple = field(default=())


def _d(day):
    return f"{day:%Y年%m月%d日}"


def case_lapsed(envelope, region):
    p = envelope.payload
    return [Finding(
        key=f"case_lapsed:{p['case_id']}:{p['due_on']}", ground=TIME_LIMIT, fact=CASE_LAPSED,
        department=p["department"], region=p.get("region") or region, occurred_on=p["on"],
        project_code=envelope.project_code, stage_id=p["stage_id"], case_id=p["case_id"],
        summary=f"{p['department']} 未在承诺时限（{_d(p['due_on'])}）内出具《{p['item_name']}》的审批意见，"
                f"已用 {p['used_days']} 个工作日，按无意见处理",
        evidence={"event_ids": [envelope.event_id], "case_id": p["case_id"], "item_code": p["item_code"],
                  "department": p["department"], "due_on": p["due_on"].isoformat(), "lapsed_on": p["on"].isoformat(),
                  "used_days": p["used_days"], "lapse_action": p.get("lapse_action")},
        event_ids=(envelope.event_id,))]


def consultation_lapsed(envelope, region, opened_event_id=None):
    p = envelope.payload
    ids = [envelope.event_id] + ([opened_event_id] if opened_event_id else [])
    return [Finding(
        key=f"consultation_silent:{p['consultation_id']}:{department}", ground=INFORMATION,
        fact=CONSULTATION_SILENT, department=department, region=region, occurred_on=p["recorded_on"],
        project_code=envelope.project_code, case_id=p.get("case_id"),
        summary=f"{department} 在征求意见答复期限（{_d(p['due_on'])}）内未答复，视为无意见",
        evidence={"event_ids": ids, "consultation_id": p["consultation_id"], "case_id": p.get("case_id"),
                  "department": department, "due_on": p["due_on"].isoformat(),
                  "recorded_on": p["recorded_on"].isoformat()},
        event_ids=tuple(ids)) for department in p["departments"]]


def joint_review_no_answer(envelope, region, convened_event_id=None):
    p = envelope.payload
    ids = [envelope.event_id] + ([convened_event_id] if convened_event_id else [])
    return [Finding(
        key=f"joint_review_silent:{p['joint_review_id']}:{p['department']}", ground=INFORMATION,
        fact=JOINT_REVIEW_SILENT, department=p["department"], region=region, occurred_on=p["recorded_on"],
        project_code=envelope.project_code, stage_id=p["stage_id"],
        summary=f"{p['department']} 在会审反馈期限（{_d(p['due_on'])}）内未反馈意见（{p['convened_by']} 召集）",
        evidence={"event_ids": ids, "joint_review_id": p["joint_review_id"], "stage_id": p["stage_id"],
                  "kind": p["kind"], "convened_by": p["convened_by"], "department": p["department"],
                  "due_on": p["due_on"].isoformat(), "recorded_on": p["recorded_on"].isoformat()},
        event_ids=tuple(ids))]


def second_supplements(notices):
    """Every supplement notice of one case after its first, as findings. `notices`: the case's
    notices known so far, each ``(event_id, occurred_at, payload, project_code)``; a notice counts as
    a further one when it says so (``supplement_no`` ≥ 2) or when an earlier notice is known."""
    ordered = sorted(notices, key=lambda n: (n[1], n[0]))
    out = []
    for index, (event_id, _, p, project_code) in enumerate(ordered):
        if index == 0 and (p.get("supplement_no") or 1) < 2:
            continue
        earlier = [n[0] for n in ordered[:index]]
        reason = p.get("second_supplement_reason")
        out.append(Finding(
            key=f"second_supplement:{event_id}", ground=FLOW, fact=SECOND_SUPPLEMENT, department=p["department"],
            region=p.get("region"), occurred_on=p["on"], project_code=project_code, stage_id=p["stage_id"],
            case_id=p["case_id"],
            summary=f"{p['department']} 对《{p['item_name']}》再次发出补正通知（第 {max(index + 1, p.get('supplement_no') or 1)} 次），"
                    f"未一次性告知" + (f"；牵头部门说明的理由：{reason}" if reason else ""),
            evidence={"event_ids": [event_id] + earlier, "case_id": p["case_id"], "item_code": p["item_code"],
                      "department": p["department"], "supplement_no": p.get("supplement_no") or 1,
                      "notice_on": p["on"].isoformat(), "second_supplement_reason": reason},
            event_ids=tuple([event_id] + earlier)))
    return out


def decide(state, decision, reason, referred_to):
    """The state after a supervisor's decision, or why it cannot be taken."""
    errors = []
    reason = (reason or "").strip()
    if decision in ("dismiss", "refer") and not reason:
        errors.append({"field": "reason", "message": "不予问责或移送须说明理由"})
    if decision == "refer" and not (referred_to or "").strip():
        errors.append({"field": "referred_to", "message": "移送须写明移送对象"})
    if errors:
        raise ValidationFailed("决定不完整", errors)
    if state != OPEN:
        raise Conflict("该问责记录已有决定，不能再次决定")
    return DECISIONS[decision]
