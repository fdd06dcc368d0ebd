"""Use cases of a licence's life after issue (002 §19–§23): change (a new version supersedes the old
one), expiry, the sealed true copy of a paper licence, the window's hand-over, and what the service
learns from other services' events (who concluded a case, the departments' names)."""
import base64
import binascii
from datetime import date

from sqlalchemy import select

from certificate.adapters.orm import (ApprovedCaseRow, CaseConclusionRow, LicenceExpiryRow, LicenceHandoverRow,
                                      LicenceRow, LicenceSupersessionRow)
from certificate.domain.licence import changed_document, check_change, check_paper_upload
from certificate.handlers import SOURCE, seal_new_licence
from certificate.seals import record_departments
from certificate.terms import record_licence_rules
from certificate.views import state, view
from platform_kit.contracts import Actor, new_event
from platform_kit.db import utcnow
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

CONSUMER_CASE_CONCLUDED = "certificate.on_case_concluded"
CONSUMER_CATALOG_LOADED = "certificate.on_catalog_loaded"


def _locked(session, licence_id):
    row = session.get(LicenceRow, licence_id, with_for_update=True)
    if row is None:
        raise NotFound(f"电子证照 {licence_id} 不存在")
    return row


def _facts(session, row):
    approved = session.get(ApprovedCaseRow, row.case_id)
    if approved is not None:
        return approved.facts
    d = row.document   # a licence issued before approved cases were recorded
    return {"case_id": row.case_id, "item_code": d["item_code"], "item_name": d["item_name"],
            "department": d["department"], "region": d["region"], "applicant_org": d["holder"],
            "project_name": d["project_name"], "stage": d["stage"], "on": d["approved_on"]}


def change_licence(licence_id, cmd, identity, uow, sealing, today):
    """002 §19: the business changed; the next version is sealed and supersedes this one."""
    session = uow.session
    row = _locked(session, licence_id)
    check_change(role=identity.role, department=identity.department, region=identity.region,
                 licence_department=row.department, licence_region=row.document.get("region"),
                 state=state(row, today))
    changes = changed_document(row.document, {k: v for k, v in cmd.items() if k != "reason"})
    if not changes:
        raise ValidationFailed("请至少填写一项变更内容", [{"field": "holder", "message": "没有变更内容"}])
    carried = {"particulars": row.document.get("particulars", ""), "holder": row.document["holder"],
               "project_name": row.document["project_name"], **changes}
    newer = seal_new_licence(uow, sealing, _facts(session, row), row.project_code, today,
                             source_event_id=row.source_event_id, version=row.version + 1,
                             supersedes=row.licence_id, changes=carried,
                             licence_no=f"{row.licence_no.split('-V')[0]}-V{row.version + 1}")
    session.add(LicenceSupersessionRow(licence_id=row.licence_id, superseded_by=newer.licence_id,
                                       superseded_by_no=newer.licence_no, reason=cmd["reason"],
                                       decided_by=identity.sub, decided_on=today, decided_at=utcnow()))
    session.flush()
    uow.emit(new_event("licence.superseded", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"licence_id": row.licence_id, "licence_no": row.licence_no, "case_id": row.case_id,
                                "department": row.department, "superseded_by": newer.licence_id,
                                "superseded_by_no": newer.licence_no, "reason": cmd["reason"], "on": today}))
    return view(newer, today)


def register_paper_licence(case_id, cmd, identity, uow, sealing, today):
    """002 §21: the department's licence is on paper; its officer uploads the scan with the number and
    date, and the platform seals it as a true copy (电子副本), verifiable like any licence."""
    session = uow.session
    approved = session.get(ApprovedCaseRow, case_id, with_for_update=True)
    if approved is None:
        raise NotFound(f"办件 {case_id} 尚未批准，不能登记纸质证照")
    facts = approved.facts
    check_paper_upload(role=identity.role, department=identity.department, region=identity.region,
                       case_department=facts["department"], case_region=facts["region"])
    if session.execute(select(LicenceRow.licence_id).where(LicenceRow.case_id == case_id).limit(1)).first():
        raise Conflict("该办件已有证照；如需更改请办理证照变更")
    if session.execute(select(LicenceRow.licence_id).where(LicenceRow.licence_no == cmd["licence_no"].strip())).first():
        raise Conflict(f"证照编号 {cmd['licence_no']} 已被使用", [{"field": "licence_no", "message": "编号重复"}])
    try:
        content = base64.b64decode(cmd["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("扫描件不是有效的 base64", [{"field": "content_base64", "message": "无效的 base64"}]) from None
    magic = {"application/pdf": b"%PDF", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8"}[cmd["content_type"]]
    if not content.startswith(magic):
        raise ValidationFailed("扫描件内容与所填类型不符", [{"field": "content_type", "message": "文件类型不符"}])
    try:
        row = seal_new_licence(uow, sealing, facts, approved.project_code, today,
                               source_event_id=approved.source_event_id, licence_no=cmd["licence_no"].strip(),
                               scan={"content": content, "content_type": cmd["content_type"]},
                               paper_issued_on=cmd["issued_on"], particulars=cmd.get("particulars", ""))
    except (ValueError, OSError) as exc:   # an unreadable PDF or image
        raise ValidationFailed("扫描件无法读取", [{"field": "content_base64", "message": str(exc)[:200]}]) from None
    return view(row, today)


def record_handover(licence_id, cmd, identity, uow, today):
    """002 §22–§23: the window hands the licence over against the acceptance notice."""
    if identity.role not in ("clerk", "operator"):
        raise Forbidden("证照由综合窗口发放")
    session = uow.session
    row = _locked(session, licence_id)
    if state(row, today) in ("revoked", "superseded"):
        raise Conflict("该证照已废止或已变更，不能发放")
    session.add(LicenceHandoverRow(licence_id=row.licence_id, form=cmd["form"],
                                   acceptance_notice_no=cmd["acceptance_notice_no"].strip(),
                                   received_by=cmd["received_by"].strip(), recorded_by=identity.sub,
                                   handed_on=today, recorded_at=utcnow()))
    session.flush()
    uow.emit(new_event("licence.handed_over", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"licence_id": row.licence_id, "licence_no": row.licence_no, "case_id": row.case_id,
                                "form": cmd["form"], "acceptance_notice_no": cmd["acceptance_notice_no"].strip(),
                                "received_by": cmd["received_by"].strip(), "handed_on": today}))
    session.refresh(row)
    return view(row, today)


def record_expiries(uow, today, limit=200):
    """The sweep: licences whose validity ran out are recorded once each, with licence.expired."""
    session = uow.session
    rows = session.execute(select(LicenceRow).outerjoin(LicenceExpiryRow).where(
        LicenceRow.valid_until.is_not(None), LicenceRow.valid_until < today, LicenceExpiryRow.licence_id.is_(None))
        .order_by(LicenceRow.valid_until).limit(limit).with_for_update(of=LicenceRow, skip_locked=True)
    ).scalars().all()
    for row in rows:
        session.add(LicenceExpiryRow(licence_id=row.licence_id, expired_on=today, recorded_at=utcnow()))
        uow.emit(new_event("licence.expired", source=SOURCE, project_code=row.project_code, actor=Actor.SYSTEM,
                           payload={"licence_id": row.licence_id, "licence_no": row.licence_no,
                                    "case_id": row.case_id, "department": row.department,
                                    "valid_until": row.valid_until, "expired_on": today}))
    session.flush()
    return len(rows)


def record_conclusion(envelope, uow):
    """case.concluded: the concluding officer and their certificate, shown on verification (004 §19)."""
    if not uow.first_time(envelope, CONSUMER_CASE_CONCLUDED):
        return
    fact, session = envelope.payload, uow.session
    if session.get(CaseConclusionRow, fact["case_id"]) is None:
        session.add(CaseConclusionRow(case_id=fact["case_id"], concluded_by=envelope.actor.id,
                                      concluded_by_name=envelope.actor.id,
                                      certificate_serial=fact.get("certificate_serial"),
                                      concluded_on=fact["on"] if isinstance(fact["on"], date) else
                                      date.fromisoformat(fact["on"]), source_event_id=envelope.event_id))


def record_catalog(envelope, uow):
    if uow.first_time(envelope, CONSUMER_CATALOG_LOADED):
        record_departments(uow.session, envelope.payload["departments"])
        record_licence_rules(uow.session, envelope.payload["version"], envelope.payload["licence_rules"])
