"""The accountability list (domain.accountability): records detected from events, and the
supervisors' decisions on them.

Detection runs once per event, in the transaction that records it (``FOLLOW_UPS``); a record's key
is unique, so an event delivered twice, events arriving out of order or N replicas record each
fact once. Decisions are appended (``accountability_decisions``); the record's ``state`` repeats the
latest one, and nothing is deleted.
"""
import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from platform_kit import notices as kinds
from platform_kit.contracts import Actor, new_event, payload_schema
from platform_kit.db import utcnow
from platform_kit.errors import Forbidden, NotFound
from platform_kit.identity import OPERATOR, SUPERVISOR, region_prefix, within_region
from supervision.adapters.orm import (AccountabilityDecisionRow, AccountabilityRecordRow, CaseClockRow,
                                      TimelineEntryRow)
from supervision.domain import accountability as rules
from supervision.domain import reach
from supervision.domain.notices import Audience, Notice
from supervision.handlers.notices import deliver

SOURCE = "supervision"


# ------------------------------------------------------------------------------------ detection
def _opening(uow, envelope, event_type, key, value):
    """The timeline entry of the event that opened what `envelope` speaks of (same project)."""
    query = select(TimelineEntryRow).where(TimelineEntryRow.type == event_type)
    if envelope.project_code:
        query = query.where(TimelineEntryRow.project_code == envelope.project_code)
    for entry in uow.session.execute(query.order_by(TimelineEntryRow.id)).scalars():
        if (entry.payload or {}).get(key) == value:
            return entry
    return None


def _case_region(uow, case_id, project_code):
    case = uow.session.get(CaseClockRow, case_id) if case_id else None
    return (case.region if case is not None and case.region else None) or reach.region_of(project_code)


def on_case_lapsed(uow, envelope):
    return rules.case_lapsed(envelope, reach.region_of(envelope.project_code))


def on_consultation_lapsed(uow, envelope):
    p = envelope.payload
    opened = _opening(uow, envelope, "consultation.opened", "consultation_id", p["consultation_id"])
    region = (opened.payload.get("region") if opened else None) or _case_region(uow, p.get("case_id"),
                                                                                envelope.project_code)
    return rules.consultation_lapsed(envelope, region, opened.event_id if opened else None)


def on_joint_review_no_answer(uow, envelope):
    p = envelope.payload
    convened = _opening(uow, envelope, "joint_review.convened", "joint_review_id", p["joint_review_id"])
    region = (convened.payload.get("region") if convened else None) or reach.region_of(envelope.project_code)
    return rules.joint_review_no_answer(envelope, region, convened.event_id if convened else None)


def on_supplement_requested(uow, envelope):
    """Every notice of the case known so far (this one is already on the timeline)."""
    case_id = envelope.payload["case_id"]
    entries = uow.session.execute(select(TimelineEntryRow).where(
        TimelineEntryRow.case_id == case_id, TimelineEntryRow.type == "case.supplement_requested")).scalars().all()
    notices = [(e.event_id, e.occurred_at, payload_schema(e.type, e.version).load(e.payload), e.project_code)
               for e in entries]
    return rules.second_supplements(notices)


DETECTORS = {"case.lapsed": on_case_lapsed, "consultation.lapsed": on_consultation_lapsed,
             "joint_review.no_answer": on_joint_review_no_answer,
             "case.supplement_requested": on_supplement_requested}


def detect(uow, envelope):
    """Record the facts `envelope` tells (once each); returns the records made now."""
    find = DETECTORS.get(envelope.type)
    made = []
    for finding in (find(uow, envelope) if find else ()):
        row = record(uow, finding)
        if row is not None:
            made.append(row)
    return made


def record(uow, finding):
    session = uow.session
    if session.execute(select(AccountabilityRecordRow.record_id).where(
            AccountabilityRecordRow.dedupe_key == finding.key)).first():
        return None
    row = AccountabilityRecordRow(
        record_id=str(uuid.uuid4()), dedupe_key=finding.key, ground=finding.ground, fact=finding.fact,
        department=finding.department, region=finding.region, project_code=finding.project_code,
        stage_id=finding.stage_id, case_id=finding.case_id, occurred_on=finding.occurred_on,
        summary=finding.summary, evidence=finding.evidence, recorded_at=utcnow(), state=rules.OPEN)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:     # another worker recorded the same fact first
        return None
    uow.emit(new_event("accountability.recorded", source=SOURCE, project_code=finding.project_code,
                       actor=Actor.SYSTEM, payload={
                           "record_id": row.record_id, "ground": row.ground, "fact": row.fact,
                           "department": row.department, "region": row.region, "case_id": row.case_id,
                           "occurred_on": row.occurred_on, "summary": row.summary,
                           "event_ids": list(finding.evidence.get("event_ids") or finding.event_ids)}))
    if row.region:
        deliver(uow, Notice(audience=Audience.supervisors(row.region), kind=kinds.ACCOUNTABILITY,
                            title=f"问责清单新增：{row.department}", body=f"{row.summary}（{rules.GROUNDS[row.ground]}）",
                            dedupe=f"accountability:{row.record_id}", project_code=row.project_code,
                            case_id=row.case_id, stage_id=row.stage_id, subject=f"accountability:{row.record_id}"))
    return row


FOLLOW_UPS = {event_type: detect for event_type in DETECTORS}


# ------------------------------------------------------------------------------------ decisions
def _territory(identity):
    if identity.role == OPERATOR:
        return None
    if identity.role != SUPERVISOR:
        raise Forbidden("只有监察（纪委监委、督查室）可以查看问责清单")
    prefix = region_prefix(identity.region)
    if prefix is None:
        raise Forbidden("账号未关联行政区划，不能查看问责清单")
    return prefix


def decide(uow, identity, record_id, cmd):
    if identity.role != SUPERVISOR:
        raise Forbidden("只有监察（纪委监委、督查室）可以对问责记录作出决定")
    row = uow.session.get(AccountabilityRecordRow, record_id, with_for_update=True, populate_existing=True)
    if row is None or not within_region(row.region, identity.region):
        raise NotFound("没有这条问责记录")
    state = rules.decide(row.state, cmd["decision"], cmd.get("reason"), cmd.get("referred_to"))
    uow.session.add(AccountabilityDecisionRow(
        record_id=row.record_id, decision=cmd["decision"], reason=(cmd.get("reason") or "").strip(),
        referred_to=(cmd.get("referred_to") or "").strip() or None, decided_by=identity.sub,
        decided_role=identity.role, decided_at=utcnow()))
    row.state = state
    uow.session.flush()
    return view(uow, row)


def list_records(uow, identity, cmd):
    prefix = _territory(identity)
    r = AccountabilityRecordRow
    where = []
    if prefix:
        where.append(r.region.startswith(prefix))
    if cmd.get("month"):
        year, month = (int(x) for x in cmd["month"].split("-"))
        start = date(year, month, 1)
        end = date(year + (month == 12), month % 12 + 1, 1)
        where += [r.occurred_on >= start, r.occurred_on < end]
    for name in ("department", "ground", "state"):
        if cmd.get(name):
            where.append(getattr(r, name) == cmd[name])
    total = uow.session.execute(select(func.count()).select_from(r).where(*where)).scalar()
    rows = uow.session.execute(select(r).where(*where).order_by(r.occurred_on.desc(), r.recorded_at.desc(),
                                                                r.record_id).limit(cmd["limit"])
                               .offset(cmd["offset"])).scalars().all()
    decisions = _decisions(uow, [row.record_id for row in rows])
    return {"items": [view(uow, row, decisions.get(row.record_id, [])) for row in rows], "total": total,
            "limit": cmd["limit"], "offset": cmd["offset"]}


def _decisions(uow, record_ids):
    out = {}
    if record_ids:
        for d in uow.session.execute(select(AccountabilityDecisionRow).where(
                AccountabilityDecisionRow.record_id.in_(record_ids)).order_by(AccountabilityDecisionRow.id)).scalars():
            out.setdefault(d.record_id, []).append({
                "decision": d.decision, "reason": d.reason, "referred_to": d.referred_to, "decided_by": d.decided_by,
                "decided_role": d.decided_role, "decided_at": d.decided_at})
    return out


def view(uow, row, decisions=None):
    if decisions is None:
        decisions = _decisions(uow, [row.record_id]).get(row.record_id, [])
    return {"record_id": row.record_id, "ground": row.ground, "ground_text": rules.GROUNDS[row.ground],
            "fact": row.fact, "department": row.department, "region": row.region, "project_code": row.project_code,
            "stage_id": row.stage_id, "case_id": row.case_id, "occurred_on": row.occurred_on, "summary": row.summary,
            "evidence": row.evidence, "recorded_at": row.recorded_at, "state": row.state, "decisions": decisions}
