"""The ledger of guidance (工作台账, 003 §15), its analysis by category (003 §14), the FAQ entries and
common-error examples the lead department publishes into an item's guide (003 §6, §15), the
applicant's view of a project and the next stage's list (003 §13)."""
import uuid
from collections import Counter

from sqlalchemy import func, or_, select

from consult import guidance_facts as facts
from consult.adapters.guidance_orm import (GuidanceCalloutRow, GuidanceFindingRow, GuidanceLeadRow, GuidanceListRow,
                                           GuidanceQuestionRow, GuidanceRow, GuidanceStageRow, GuideEntryRow,
                                           NextStageRow)
from consult.domain import guidance as rules
from consult.guidance_answers import _store_list
from consult.guidance_handlers import list_summary, load, view
from platform_kit.contracts import new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import APPLICANT, CLERK, OFFICER, SUPERVISOR, region_prefix

SOURCE = "consult"


def _scope(query, identity):
    """Who reads which sessions: the applicant its own, a department those it led or joined, the
    window and supervisors their region."""
    if identity.role == APPLICANT:
        return query.where(GuidanceRow.applicant_org == identity.org)
    if identity.role in (CLERK, SUPERVISOR):
        return query.where(GuidanceRow.region.startswith(region_prefix(identity.region) or "-"))
    joined = select(GuidanceCalloutRow.guidance_id).where(GuidanceCalloutRow.department == identity.department)
    return query.where(or_(GuidanceRow.lead_department == identity.department, GuidanceRow.id.in_(joined)))


def list_sessions(filters, identity, uow, today):
    query = _scope(select(GuidanceRow), identity)
    for name in ("project_code", "stage", "state", "lead_department", "category", "channel"):
        if filters.get(name):
            query = query.where(getattr(GuidanceRow, name) == filters[name])
    if filters.get("flagged") is not None:
        query = query.where(GuidanceRow.flagged.is_(filters["flagged"]))
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = uow.session.execute(query.order_by(GuidanceRow.requested_on.desc(), GuidanceRow.id)
                               .limit(filters["limit"]).offset(filters["offset"])).scalars().all()
    return {"items": [view(r, uow.session, today) for r in rows], "total": total, "limit": filters["limit"],
            "offset": filters["offset"]}


def get_session(guidance_id, identity, uow, today):
    return view(load(uow.session, guidance_id, identity), uow.session, today)


# ---------------------------------------------------------------------------- next stage (003 §13)
def _next_view(row):
    return {"id": row.id, "project_code": row.project_code, "stage": row.stage, "lead_department": row.lead_department,
            "requested_on": row.requested_on, "list_id": row.list_id, "sent_on": row.sent_on, "sent_by": row.sent_by,
            "state": "sent" if row.list_id else "requested"}


def list_next_stages(filters, identity, uow):
    query = select(NextStageRow)
    if identity.role == APPLICANT:
        query = query.where(NextStageRow.applicant_org == identity.org)
    elif identity.role == OFFICER:
        query = query.where(NextStageRow.lead_department == identity.department)
    if filters.get("project_code"):
        query = query.where(NextStageRow.project_code == filters["project_code"])
    if filters.get("state") == "requested":
        query = query.where(NextStageRow.list_id.is_(None))
    total = uow.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    rows = uow.session.execute(query.order_by(NextStageRow.requested_on.desc(), NextStageRow.id)
                               .limit(filters["limit"]).offset(filters["offset"])).scalars().all()
    return {"items": [_next_view(r) for r in rows], "total": total, "limit": filters["limit"],
            "offset": filters["offset"]}


def send_next_stage(next_id, cmd, identity, uow, today):
    """The next stage's lead department sends the stage's parallel items, their materials and guides."""
    row = uow.session.execute(select(NextStageRow).where(NextStageRow.id == next_id).with_for_update()).scalar_one_or_none()
    if row is None or (identity.role == OFFICER and identity.department != row.lead_department):
        raise NotFound(f"下一阶段清单 {next_id} 不存在")
    if identity.role != OFFICER:
        raise Forbidden(f"只有下一阶段的牵头部门（{row.lead_department}）可以送达清单")
    if row.list_id is not None:
        raise Conflict("下一阶段事项及材料清单已送达")
    items = facts.stage_items(uow.session, row.category, row.stage)
    content = rules.compose_list(session={"project_code": row.project_code, "intention": None, "stage": row.stage,
                                          "lead_department": row.lead_department, "works": None},
                                 items=items, findings=[], questions=[], next_steps=cmd["note"])
    listed = _store_list(uow, kind="next_stage", guidance_id=None, project_code=row.project_code,
                         applicant_org=row.applicant_org, stage=row.stage, department=row.lead_department,
                         content=content, identity=identity, today=today, next_stage_id=row.id)
    row.list_id, row.sent_on, row.sent_by = listed.id, today, identity.sub
    uow.session.flush()
    return _next_view(row)


def project_guidance(project_code, identity, uow, today):
    """What an applicant sees of a project: its sessions, the lists issued and the next stage's list."""
    sessions = list_sessions({"project_code": project_code, "limit": 200, "offset": 0}, identity, uow, today)
    lists = uow.session.execute(select(GuidanceListRow).where(GuidanceListRow.project_code == project_code)
                                .order_by(GuidanceListRow.issued_on, GuidanceListRow.id)).scalars().all()
    if identity.role == APPLICANT:
        lists = [r for r in lists if r.applicant_org == identity.org]
    replaced = {r.supersedes: r.id for r in lists if r.supersedes}
    following = list_next_stages({"project_code": project_code, "limit": 50, "offset": 0}, identity, uow)
    return {"project_code": project_code, "sessions": sessions["items"],
            "lists": [list_summary(r, replaced.get(r.id)) for r in lists], "next_stages": following["items"]}


# ---------------------------------------------------------------------------- analysis (003 §14, §15)
def analysis(filters, identity, uow):
    """Sessions by stage, lead department, category and month; the most frequent questions (by tag and
    by text) and material errors per item; in the caller's reach (a department: what it led)."""
    base = select(GuidanceRow)
    if identity.role == OFFICER:
        base = base.where(GuidanceRow.lead_department == identity.department)
    elif identity.role == SUPERVISOR:
        base = base.where(GuidanceRow.region.startswith(region_prefix(identity.region) or "-"))
    for name in ("lead_department", "stage", "category"):
        if filters.get(name):
            base = base.where(getattr(GuidanceRow, name) == filters[name])
    month = func.to_char(GuidanceRow.requested_on, "YYYY-MM")
    if filters.get("from"):
        base = base.where(month >= filters["from"])
    if filters.get("to"):
        base = base.where(month <= filters["to"])
    scoped = base.subquery()
    session = uow.session

    def counted(column):
        rows = session.execute(select(column, func.count()).select_from(scoped).group_by(column)
                               .order_by(func.count().desc(), column)).tuples().all()
        return [{"key": str(k), "count": c} for k, c in rows]

    questions = session.execute(select(GuidanceQuestionRow.question, GuidanceQuestionRow.tags)
                                .join(scoped, scoped.c.id == GuidanceQuestionRow.guidance_id)).tuples().all()
    tags = Counter(tag for _, ts in questions for tag in dict.fromkeys(ts or ()))
    texts = Counter(q.strip() for q, _ in questions)
    limit = filters["top"]
    errors = session.execute(
        select(GuidanceFindingRow.item_code, GuidanceFindingRow.material, func.count())
        .join(scoped, scoped.c.id == GuidanceFindingRow.guidance_id)
        .where(GuidanceFindingRow.result.in_(("missing", "error", "corrected")))
        .group_by(GuidanceFindingRow.item_code, GuidanceFindingRow.material)
        .order_by(func.count().desc(), GuidanceFindingRow.item_code, GuidanceFindingRow.material)
        .limit(limit)).tuples().all()
    notes = {}
    for item, material, note in session.execute(
            select(GuidanceFindingRow.item_code, GuidanceFindingRow.material, GuidanceFindingRow.note)
            .join(scoped, scoped.c.id == GuidanceFindingRow.guidance_id)
            .where(GuidanceFindingRow.result.in_(("missing", "error", "corrected")), GuidanceFindingRow.note != "")
            .order_by(GuidanceFindingRow.id)).tuples():
        notes.setdefault((item, material), []).append(note)
    total = session.execute(select(func.count()).select_from(scoped)).scalar()
    flagged = session.execute(select(func.count()).select_from(scoped).where(scoped.c.flagged.is_(True))).scalar()
    return {
        "sessions": total, "flagged": flagged,
        "by_stage": counted(scoped.c.stage), "by_department": counted(scoped.c.lead_department),
        "by_category": counted(scoped.c.category),
        "by_month": counted(func.to_char(scoped.c.requested_on, "YYYY-MM")),
        "top_tags": [{"tag": t, "count": c} for t, c in sorted(tags.items(), key=lambda e: (-e[1], e[0]))[:limit]],
        "top_questions": [{"question": q, "count": c}
                          for q, c in sorted(texts.items(), key=lambda e: (-e[1], e[0]))[:limit]],
        "material_errors": [{"item_code": i, "material": m, "count": c,
                             "notes": list(dict.fromkeys(notes.get((i, m), ())))[:5]} for i, m, c in errors],
    }


# ---------------------------------------------------------------------------- the public guide
def publish_entry(cmd, identity, uow, today):
    """A FAQ entry (常见问题) or a common-error example (常见错误示例) published into the item's public
    guide by a department that leads guidance of a stage holding the item (003 §6, §15)."""
    if identity.role != OFFICER:
        raise Forbidden("只有牵头部门人员可以发布常见问题与常见错误示例")
    if cmd["kind"] == "faq" and not (cmd.get("question") or "").strip():
        raise ValidationFailed("常见问题须填写问题", [{"field": "question", "message": "请填写问题"}])
    version = facts.newest_version(uow.session)
    stages = uow.session.execute(select(GuidanceStageRow).where(GuidanceStageRow.catalog_version == version)).scalars().all()
    holding = [s for s in stages if any(i["code"] == cmd["item_code"] for i in s.items)]
    if not holding:
        raise ValidationFailed("事项不在目录中", [{"field": "item_code", "message": f"事项 {cmd['item_code']} 不在审批事项目录中"}])
    leads = {s.lead_department for s in holding} | set(uow.session.execute(
        select(GuidanceLeadRow.lead_department).where(
            GuidanceLeadRow.stage.in_({s.stage for s in holding}))).scalars())
    if identity.department not in leads:
        raise Forbidden(f"部门 {identity.department} 不是该事项所在阶段的辅导牵头部门，不能发布")
    row = GuideEntryRow(id=str(uuid.uuid4()), item_code=cmd["item_code"], kind=cmd["kind"],
                        question=(cmd.get("question") or "").strip() or None, answer=cmd["answer"],
                        department=identity.department, published_by=identity.sub, published_on=today)
    uow.session.add(row)
    uow.emit(new_event("guidance.published", source=SOURCE, project_code=None, actor=identity.actor(), payload={
        "entry_id": row.id, "item_code": row.item_code, "kind": row.kind, "question": row.question,
        "answer": row.answer, "department": row.department, "published_on": today}))
    uow.session.flush()
    return {"id": row.id, "item_code": row.item_code, "kind": row.kind, "question": row.question,
            "answer": row.answer, "department": row.department, "published_by": row.published_by,
            "published_on": row.published_on}
