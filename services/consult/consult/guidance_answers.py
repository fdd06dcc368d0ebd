"""Use cases of a guidance session's substance: questions answered on the spot or on a 2-working-day
clock (003 §9(三)), material pre-review (003 §10(七)), the one-time notification list (003 §9(二),
§11(三)) and closing; the sweeper that records a lapsed answer clock."""
import base64
import uuid

from sqlalchemy import select

from consult import guidance_facts as facts
from consult.adapters.guidance_orm import GuidanceFindingRow, GuidanceListRow, GuidanceQuestionRow, GuidanceRow
from consult.domain import guidance as rules
from consult.guidance_handlers import list_summary, load, record_step, require_lead, view
from consult.guidance_pdf import render_list
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import APPLICANT, CLERK, OFFICER, SUPERVISOR, within_region
from platform_kit.times import utcnow

SOURCE = "consult"


def _present(row):
    return {c.department for c in row.callouts}


def ask(guidance_id, cmd, identity, uow, calendar, today, yellow_days):
    """A question of the applicant, recorded with the department that answers it: answered now
    (当场答复) when `answer` is given, else on a clock of 2 working days (疑难问题)."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True, speaking=True)
    rules.require_working(row.state, "登记问题")
    if identity.role == OFFICER:
        rules.may_speak_for(identity.department, lead=row.lead_department, present=_present(row))
    department = cmd.get("department") or row.lead_department
    if department != row.lead_department and department not in _present(row):
        raise ValidationFailed("答复部门未参加本次辅导",
                               [{"field": "department", "message": f"部门 {department} 未参加本次联合辅导"}])
    answer = (cmd.get("answer") or "").strip()
    if answer:
        if identity.role != OFFICER:
            raise Forbidden("当场答复由参加辅导的部门人员登记")
        rules.check_answerer(identity.department, department, row.lead_department)
    counting = calendar.estimating()
    due_on = None if answer else rules.answer_due(counting, today)
    yellow_on = None if answer else (today if rules.ANSWER_DAYS <= yellow_days
                                     else counting.add_working_days(today, rules.ANSWER_DAYS - yellow_days))
    question = GuidanceQuestionRow(
        id=str(uuid.uuid4()), guidance_id=row.id, question=cmd["question"], tags=list(dict.fromkeys(cmd["tags"])),
        department=department, mode=rules.ON_SPOT if answer else rules.DEFERRED, asked_by=identity.sub,
        asked_at=utcnow(), asked_on=today, due_on=due_on, yellow_on=yellow_on, answer=answer or None,
        answered_by=identity.sub if answer else None, answered_on=today if answer else None)
    session.add(question)
    record_step(uow, row, "question", identity, today, cmd["question"])
    if answer:
        _emit_answered(uow, row, question, identity.actor())
    session.flush()
    session.refresh(row)
    return view(row, session, today)


def _emit_answered(uow, row, q, actor, lapsed=False):
    uow.emit(new_event("guidance.answered", source=SOURCE, project_code=row.project_code, actor=actor, payload={
        "guidance_id": row.id, "question_id": q.id, "department": q.department, "mode": q.mode,
        "answered_on": q.answered_on, "due_on": q.due_on, "lapsed": lapsed, "tags": list(q.tags or ()),
        "lead_department": row.lead_department, "region": row.region, "question": q.question}))


def answer(guidance_id, question_id, cmd, identity, uow, today):
    """The department asked answers a deferred question (late after its clock: recorded as late)."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True, speaking=True)
    if identity.role != OFFICER:
        raise Forbidden("答复由参加辅导的部门人员登记")
    rules.may_speak_for(identity.department, lead=row.lead_department, present=_present(row))
    rules.require_working(row.state, "答复问题")
    q = session.get(GuidanceQuestionRow, question_id)
    if q is None or q.guidance_id != row.id:
        raise NotFound(f"问题 {question_id} 不存在")
    rules.check_answerer(identity.department, q.department, row.lead_department)
    if q.answered_on is not None:
        raise Conflict("该问题已答复，答复不可更改")
    q.answer, q.answered_by, q.answered_on = cmd["answer"], identity.sub, today
    record_step(uow, row, "answer", identity, today, q.question)
    _emit_answered(uow, row, q, identity.actor())
    session.flush()
    session.refresh(row)
    return view(row, session, today)


def record_finding(guidance_id, cmd, identity, uow, today):
    """A pre-review finding on a material of an item of the stage (预审, 003 §10(七))."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True, speaking=True)
    if identity.role != OFFICER:
        raise Forbidden("材料预审由参加辅导的部门人员登记")
    rules.may_speak_for(identity.department, lead=row.lead_department, present=_present(row))
    rules.require_working(row.state, "登记预审意见")
    rules.check_finding(item_code=cmd["item_code"], material=cmd["material"], result=cmd["result"],
                        items=facts.stage_items(session, row.category, row.stage))
    session.add(GuidanceFindingRow(guidance_id=row.id, item_code=cmd["item_code"], material=cmd["material"],
                                   result=cmd["result"], note=cmd.get("note") or "", department=identity.department,
                                   recorded_by=identity.sub, recorded_on=today))
    record_step(uow, row, "pre_review", identity, today, f"{cmd['item_code']} {cmd['material']}")
    session.flush()
    session.refresh(row)
    return view(row, session, today)


def _questions(row):
    return [{"question": q.question, "department": q.department, "mode": q.mode, "answer": q.answer,
             "answered_on": q.answered_on, "due_on": q.due_on} for q in row.questions]


def issue_list(guidance_id, cmd, identity, uow, today):
    """The lead department issues the one-time notification list (一次告知清单) as JSON and PDF; a
    second one only supersedes the first with a recorded reason (003 §9(二))."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True)
    require_lead(row, identity, "出具一次告知清单")
    rules.require_working(row.state, "出具一次告知清单")
    previous = session.execute(select(GuidanceListRow.id).where(
        GuidanceListRow.guidance_id == row.id, GuidanceListRow.id.not_in(
            select(GuidanceListRow.supersedes).where(GuidanceListRow.supersedes.is_not(None))))).scalar()
    questions = _questions(row)
    rules.check_list(questions=questions, previous=previous, supersedes=cmd.get("supersedes"),
                     reason=cmd.get("reason"), today=today)
    state = rules.move(row.state, "list")
    items = facts.stage_items(session, row.category, row.stage)
    content = rules.compose_list(
        session={"project_code": row.project_code, "intention": row.intention, "stage": row.stage,
                 "lead_department": row.lead_department, "works": row.works}, items=items,
        findings=[{"item_code": f.item_code, "material": f.material, "result": f.result, "note": f.note}
                  for f in row.findings], questions=questions, next_steps=cmd["next_steps"])
    listed = _store_list(uow, kind="one_time", guidance_id=row.id, project_code=row.project_code,
                         applicant_org=row.applicant_org, stage=row.stage, department=row.lead_department,
                         content=content, identity=identity, today=today, supersedes=cmd.get("supersedes"),
                         reason=(cmd.get("reason") or "").strip() or None)
    row.state = state
    record_step(uow, row, "list", identity, today, listed.id)
    session.flush()
    session.refresh(row)
    return view(row, session, today)


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _jsonable(content):
    """Dates as ISO text: the list is stored and answered as JSON."""
    out = dict(content)
    out["answers"] = [{**a, "answered_on": _iso(a["answered_on"])} for a in content.get("answers", ())]
    out["unanswered"] = [{**u, "due_on": _iso(u["due_on"])} for u in content.get("unanswered", ())]
    return out


def _store_list(uow, *, kind, guidance_id, project_code, applicant_org, stage, department, content, identity, today,
                supersedes=None, reason=None, next_stage_id=None):
    list_id = str(uuid.uuid4())
    pdf = render_list(list_id=list_id, kind=kind, content=content, departments=facts.department_names(uow.session),
                      issued_on=today, supersedes=supersedes, reason=reason)
    listed = GuidanceListRow(id=list_id, kind=kind, guidance_id=guidance_id, next_stage_id=next_stage_id,
                             project_code=project_code, applicant_org=applicant_org, stage=stage,
                             department=department, content=_jsonable(content), issued_by=identity.sub,
                             issued_on=today, supersedes=supersedes, reason=reason, pdf=pdf)
    uow.session.add(listed)
    uow.emit(new_event("guidance.listed", source=SOURCE, project_code=project_code, actor=identity.actor(), payload={
        "list_id": list_id, "kind": kind, "guidance_id": guidance_id, "stage": stage, "department": department,
        "issued_on": today, "item_codes": [i["code"] for i in content["items"]], "supersedes": supersedes,
        "reason": reason}))
    return listed


def close(guidance_id, cmd, identity, uow, today):
    """The applicant confirms the list, or the lead department closes the session (办结)."""
    session = uow.session
    row = load(session, guidance_id, identity, lock=True)
    if identity.role != APPLICANT:
        require_lead(row, identity, "办结辅导")
    row.state = rules.move(row.state, "close")
    row.closed_on = today
    record_step(uow, row, "close", identity, today, cmd["note"])
    uow.emit(new_event("guidance.closed", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"guidance_id": row.id, "lead_department": row.lead_department,
                                "closed_by": identity.sub, "closed_on": today, "questions": len(row.questions),
                                "late_arrivals": [c.department for c in row.callouts if c.late]}))
    session.flush()
    return view(row, session, today)


# ---------------------------------------------------------------------------- lists
def _readable_list(row, identity, session):
    if identity.role == APPLICANT:
        return row.applicant_org is not None and row.applicant_org == identity.org
    if identity.role in (SUPERVISOR, CLERK):
        return True if row.guidance_id is None else within_region(session.get(GuidanceRow, row.guidance_id).region,
                                                                  identity.region)
    return identity.department == row.department or (
        row.guidance_id is not None and identity.department in
        {c.department for c in session.get(GuidanceRow, row.guidance_id).callouts})


def get_list(list_id, identity, uow):
    row = uow.session.get(GuidanceListRow, list_id)
    if row is None or not _readable_list(row, identity, uow.session):
        raise NotFound(f"清单 {list_id} 不存在")
    replaced_by = uow.session.execute(select(GuidanceListRow.id).where(GuidanceListRow.supersedes == row.id)).scalar()
    return {**list_summary(row, replaced_by), "guidance_id": row.guidance_id, "project_code": row.project_code,
            "content": row.content}


def list_pdf(list_id, identity, uow):
    row = uow.session.get(GuidanceListRow, list_id)
    if row is None or not _readable_list(row, identity, uow.session):
        raise NotFound(f"清单 {list_id} 不存在")
    return {"content_type": "application/pdf", "content_base64": base64.b64encode(row.pdf).decode("ascii"),
            "filename": f"{list_id}.pdf"}


# ---------------------------------------------------------------------------- the answer clocks
def sweep(uow, today, batch=200):
    """Deferred questions past their 2 working days without an answer: the lapse is recorded once
    (guidance.answered with lapsed, for supervision's urging); the light stays red until answered."""
    rows = uow.session.execute(
        select(GuidanceQuestionRow).where(GuidanceQuestionRow.answered_on.is_(None),
                                          GuidanceQuestionRow.lapsed_on.is_(None),
                                          GuidanceQuestionRow.due_on < today)
        .order_by(GuidanceQuestionRow.due_on).limit(batch).with_for_update(skip_locked=True)).scalars().all()
    for q in rows:
        q.lapsed_on = today
        session_row = uow.session.get(GuidanceRow, q.guidance_id)
        _emit_answered(uow, session_row, q, Actor.SYSTEM, lapsed=True)
    uow.session.flush()
    return len(rows)


def sweep_all(unit_of_work, today, batch=200):
    total = 0
    while True:
        with unit_of_work() as uow:
            claimed = sweep(uow, today, batch=batch)
        total += claimed
        if claimed < batch:
            return total
