"""Joint guidance (联合辅导, 003): the approval departments advise an applicant together, before the
application, on conditions, flow, materials and forms, and pre-review the materials (003 §2, §10).

- One lead department per stage and kind of works (003 §4): planning for stages 1–2, housing for
  3–4, and for transport, water, grid and municipal pipeline works the department the catalog names.
  Guidance is never a precondition of acceptance (003 §5(四)).
- States (the peers' flow plus 003's specifics): requested, the lead department to sign for it
  (待签收) → handling (牵头部门办理) → consulting, the supporting departments called out (会同各部门辅导)
  → the one-time notification list issued, the applicant to confirm (待申请人确认) → closed (办结).
- 003 §7: a supporting department called out must arrive (or join online) within 15 minutes; a
  later arrival is recorded as late.
- 003 §9(三): a question is answered on the spot, or, when hard, within 2 working days.
- 003 §12: more than three sessions for one project is an abnormal case (异常办件).
"""
from datetime import timedelta

from platform_kit.errors import Conflict, Forbidden, ValidationFailed

REQUESTED, HANDLING, CONSULTING, TO_CONFIRM, CLOSED = "requested", "handling", "consulting", "to_confirm", "closed"
STATES = (REQUESTED, HANDLING, CONSULTING, TO_CONFIRM, CLOSED)
STATE_NAMES = {REQUESTED: "待牵头部门签收", HANDLING: "牵头部门办理中", CONSULTING: "联合辅导中",
               TO_CONFIRM: "已出具一次告知清单，待申请人确认", CLOSED: "已办结"}
ONLINE, WINDOW = "online", "window"

ARRIVAL_MINUTES = 15          # 003 §7
ANSWER_DAYS = 2               # 003 §9(三)
SESSIONS_BEFORE_FLAG = 3      # 003 §12: the fourth session is abnormal
BUILDING = "building"         # works without a lead of their own: the stage's lead department leads
ON_SPOT, DEFERRED = "on_spot", "deferred"
FINDINGS = {"ok": "符合要求", "missing": "缺少", "error": "有误", "corrected": "已当场更正"}

# what each state allows next, and into which state it leads
_MOVES = {"sign": ({REQUESTED}, HANDLING), "call_out": ({HANDLING}, CONSULTING),
          "list": ({HANDLING, CONSULTING, TO_CONFIRM}, TO_CONFIRM),
          "close": ({HANDLING, CONSULTING, TO_CONFIRM}, CLOSED)}
_WORK = {HANDLING, CONSULTING, TO_CONFIRM}     # states in which questions and findings are recorded


def move(state, action):
    """The state after `action`, or a conflict naming what the session is now."""
    allowed, after = _MOVES[action]
    if state not in allowed:
        raise Conflict(f"辅导当前状态为“{STATE_NAMES[state]}”，不能{_ACTION_NAMES[action]}")
    return after


_ACTION_NAMES = {"sign": "签收", "call_out": "组织联合辅导", "list": "出具一次告知清单", "close": "办结"}


def require_working(state, what):
    if state == CLOSED:
        raise Conflict(f"本次辅导已办结，不能再{what}")
    if state not in _WORK:
        raise Conflict(f"辅导尚未由牵头部门签收，不能{what}")


def route(*, stage, works, leads, stage_lead, works_names):
    """The lead department of `stage` for `works` (003 §4): the catalog's lead for that kind of works,
    else the stage's own lead department. `leads`: {(works, stage): department}."""
    if works != BUILDING and works not in works_names:
        known = "、".join(f"{code}（{name}）" for code, name in sorted(works_names.items()))
        raise ValidationFailed("工程类别不在目录中", [{"field": "works",
                                                "message": f"未知的工程类别 {works}；可选：building（房屋建筑）、{known}"}])
    if stage_lead is None:
        raise ValidationFailed("该项目类别没有此审批阶段", [{"field": "stage", "message": f"项目类别中没有阶段 {stage}"}])
    return leads.get((works, stage)) or stage_lead


def check_lead(asked, routed):
    """A request may name its lead department; it must be the one the catalog routes to."""
    if asked and asked != routed:
        raise ValidationFailed("牵头部门不正确", [{"field": "lead_department", "message": (
            f"未知的牵头部门 {asked}：按阶段和工程类别，本次辅导由 {routed} 牵头（003 第四条）")}])


def arrival(called_at, arrived_at):
    """Minutes from the call to the arrival, and whether that is late (003 §7: within 15 minutes)."""
    if arrived_at < called_at:
        raise ValidationFailed("到场时间早于通知时间", [{"field": "arrived_at", "message": "到场时间不能早于发出辅导通知的时间"}])
    minutes = int((arrived_at - called_at) / timedelta(minutes=1))
    return minutes, arrived_at - called_at > timedelta(minutes=ARRIVAL_MINUTES)


def check_team_departments(*, lead, supporting, known):
    errors = []
    unknown = [d for d in supporting if d not in known]
    if unknown:
        errors.append({"field": "supporting", "message": f"未知部门：{'、'.join(unknown)}"})
    if lead in supporting:
        errors.append({"field": "supporting", "message": "牵头部门不必作为配合部门通知"})
    if errors:
        raise ValidationFailed("配合部门不正确", errors)


def check_team(staff, *, departments):
    """The staff picked must be active members of the directory (003 §8) of the departments taking part."""
    errors = []
    for index, member in enumerate(staff):
        if member is None:
            errors.append({"field": f"team[{index}]", "message": "辅导人员不在名录库中"})
        elif member["retired_on"] is not None:
            errors.append({"field": f"team[{index}]", "message": f"{member['name']} 已退出辅导人员名录"})
        elif member["department"] not in departments:
            errors.append({"field": f"team[{index}]",
                           "message": f"{member['name']} 所在部门 {member['department']} 未参加本次辅导"})
    if not staff:
        errors.append({"field": "team", "message": "请从名录库中选派至少一名辅导人员"})
    if errors:
        raise ValidationFailed("辅导人员不正确", errors)


def may_speak_for(department, *, lead, present):
    """Only the lead department and the departments called out answer (never a fifth party)."""
    if department != lead and department not in present:
        raise Forbidden(f"部门 {department} 未参加本次联合辅导，不能代为答复")


def check_answerer(department, question_department, lead):
    if department not in (question_department, lead):
        raise Forbidden(f"该问题由部门 {question_department} 答复，部门 {department} 不能代为答复")


def answer_due(calendar, today):
    return calendar.add_working_days(today, ANSWER_DAYS)


def check_finding(*, item_code, material, result, items):
    """A pre-review finding (预审, 003 §10(七)) names an item of the stage and one of its materials."""
    item = items.get(item_code)
    if item is None:
        raise ValidationFailed("事项不在本阶段", [{"field": "item_code", "message": f"事项 {item_code} 不是本阶段的审批事项"}])
    if material not in item["materials"]:
        raise ValidationFailed("材料不在事项的材料清单中", [{"field": "material", "message": (
            f"“{material}”不在事项 {item['name']} 的申报材料清单中")}])
    if result not in FINDINGS:
        raise ValidationFailed("预审结论不正确", [{"field": "result", "message": "须为 ok、missing、error 或 corrected"}])


def check_list(*, questions, previous, supersedes, reason, today):
    """003 §9(二): the one-time list is complete once. It needs at least one answer, no hard question
    still within its clock, and replaces an earlier list only with a recorded reason."""
    answered = [q for q in questions if q["answered_on"] is not None]
    if not answered:
        raise ValidationFailed("一次告知清单须包含答复", [{"field": "answers",
                                                  "message": "尚无任何已答复的问题，不能出具一次告知清单"}])
    waiting = [q for q in questions if q["answered_on"] is None and q["due_on"] is not None and today <= q["due_on"]]
    if waiting:
        raise Conflict("尚有疑难问题在 2 个工作日答复期限内未答复，答复后一次性告知",
                       [{"field": "answers", "message": "、".join(q["question"][:20] for q in waiting)}])
    if previous is not None:
        if supersedes != previous:
            raise Conflict(f"已出具一次告知清单 {previous}；如确需更正，须注明被替换的清单（supersedes）并说明理由",
                           [{"field": "supersedes", "message": f"须为 {previous}"}])
        if not (reason or "").strip():
            raise ValidationFailed("更正一次告知清单须说明理由", [{"field": "reason", "message": "请填写更正理由"}])
    elif supersedes:
        raise ValidationFailed("没有可替换的清单", [{"field": "supersedes", "message": "本次辅导尚未出具一次告知清单"}])


def flagged(session_no):
    return session_no is not None and session_no > SESSIONS_BEFORE_FLAG


def compose_list(*, session, items, findings, questions, next_steps):
    """The content of the one-time notification list: the items to apply for with their 告知承诺 / 容缺
    flags, each material with the pre-review findings, the answers and the next steps."""
    by_material = {}
    for f in findings:
        by_material.setdefault((f["item_code"], f["material"]), []).append(
            {"result": f["result"], "result_name": FINDINGS[f["result"]], "note": f["note"]})
    return {
        "project_code": session["project_code"], "intention": session["intention"], "stage": session["stage"],
        "lead_department": session["lead_department"], "works": session["works"],
        "items": [{"code": code, "name": item["name"], "department": item["department"],
                   "notification_commitment": item["notification_commitment"],
                   "accept_with_deficiencies": item["accept_with_deficiencies"],
                   "materials": [{"name": m, "findings": by_material.get((code, m), [])} for m in item["materials"]]}
                  for code, item in items.items()],
        "answers": [{"question": q["question"], "department": q["department"], "mode": q["mode"],
                     "answer": q["answer"], "answered_on": q["answered_on"],
                     "on_time": q["due_on"] is None or (q["answered_on"] is not None and q["answered_on"] <= q["due_on"])}
                    for q in questions if q["answered_on"] is not None],
        "unanswered": [{"question": q["question"], "department": q["department"], "due_on": q["due_on"]}
                       for q in questions if q["answered_on"] is None],
        "next_steps": next_steps,
    }


# ---------------------------------------------------------------------------- the stage's last case (003 §13)
# how each end of a case counts towards "the stage's last case decided": these let the stage go on
# to the next (approved 批准, not required 无需许可, withdrawn 撤回, concluded as no objection after a
# lapse 视为无意见办结, 004 §14) ...
CASE_PASSES = {"approved": "批准", "not_required": "无需许可", "withdrawn": "撤回", "no_objection": "视为无意见办结"}
# ... these mean the stage cannot complete: its item is not granted (不予许可) or not accepted
# (不予受理); no next stage's list is asked for
CASE_BLOCKS = {"disapproved": "不予许可", "refused": "不予受理"}
CASE_ENDS = {**CASE_PASSES, **CASE_BLOCKS}
PENDING, READY, BLOCKED, ABANDONED = "pending", "ready", "blocked", "abandoned"


def stage_decided(outcomes):
    """Where the stage stands from its cases' ends (None: not ended yet). ``ready``: every case ended
    and none blocks, and at least one was not withdrawn (the next stage's list is asked for);
    ``blocked``: a case ended disapproved or refused (never a list, whatever the others do);
    ``abandoned``: every case withdrawn; ``pending``: some case has not ended."""
    outcomes = list(outcomes)
    if any(o in CASE_BLOCKS for o in outcomes):
        return BLOCKED
    if not outcomes or any(o is None for o in outcomes):
        return PENDING
    unknown = [o for o in outcomes if o not in CASE_PASSES]
    if unknown:
        raise ValueError(f"unknown case outcome {unknown[0]}")
    return ABANDONED if all(o == "withdrawn" for o in outcomes) else READY
