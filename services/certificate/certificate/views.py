"""How a licence is shown: its document and signature, its state today (valid, superseded, revoked,
expired) and the records around it (supersession, revocation, expiry, conclusion, hand-overs)."""
from sqlalchemy import func, select

from certificate.adapters.orm import CaseConclusionRow, LicenceFileRow, LicenceRow
from certificate.domain.licence import check_code, state_of
from platform_kit.errors import NotFound


def state(row, today):
    return state_of(revoked=row.revocation is not None, superseded=row.supersession is not None,
                    valid_until_on=row.valid_until, today=today)


def _file(row):
    from sqlalchemy.orm import object_session
    session = object_session(row)
    found = session.execute(select(LicenceFileRow.sha256, LicenceFileRow.seal_serial, LicenceFileRow.signed_at)
                            .where(LicenceFileRow.licence_id == row.licence_id)).first() if session else None
    conclusion = session.get(CaseConclusionRow, row.case_id) if session else None
    return found, conclusion


def conclusion_view(conclusion):
    if conclusion is None:
        return None
    return {"concluded_by": conclusion.concluded_by, "concluded_by_name": conclusion.concluded_by_name,
            "certificate_serial": conclusion.certificate_serial, "concluded_on": conclusion.concluded_on}


def supersession_view(row):
    s = row.supersession
    return ({"licence_id": s.superseded_by, "licence_no": s.superseded_by_no, "reason": s.reason,
             "decided_on": s.decided_on} if s else None)


def view(row, today):
    revocation = row.revocation
    found, conclusion = _file(row)
    return {"licence_id": row.licence_id, "licence_no": row.licence_no, "document": row.document,
            "signature": row.signature, "key_id": row.key_id, "algorithm": row.algorithm,
            "status": state(row, today), "check_code": check_code(row.signature),
            "kind": row.kind, "form": row.form, "version": row.version, "valid_until": row.valid_until,
            "supersedes": row.supersedes, "superseded_by": supersession_view(row),
            "expired_on": row.expiry.expired_on if row.expiry else None,
            "seal_serial": found.seal_serial if found else None, "pdf_sha256": found.sha256 if found else None,
            "signed_at": found.signed_at if found else None, "conclusion": conclusion_view(conclusion),
            "handovers": [{"form": h.form, "acceptance_notice_no": h.acceptance_notice_no,
                           "received_by": h.received_by, "recorded_by": h.recorded_by, "handed_on": h.handed_on}
                          for h in row.handovers],
            "revocation": ({"reason": revocation.reason, "revoked_on": revocation.revoked_on,
                            "revoked_by": revocation.revoked_by} if revocation else None)}


def get_licence(session, licence_id, today):
    row = session.get(LicenceRow, licence_id)
    if row is None:
        raise NotFound(f"电子证照 {licence_id} 不存在")
    return view(row, today)


def licence_pdf(session, licence_id):
    row = session.get(LicenceRow, licence_id)
    file = session.get(LicenceFileRow, licence_id)
    if row is None or file is None:
        raise NotFound(f"电子证照 {licence_id} 没有 PDF 文件")
    import base64
    return {"content_type": "application/pdf", "content_base64": base64.b64encode(file.content).decode("ascii"),
            "name": row.licence_no, "sha256": file.sha256}


def list_licences(session, project_code, page, today):
    """One page of a project's licences, oldest first, counted and cut in SQL."""
    of_project = LicenceRow.project_code == project_code
    total = session.execute(select(func.count()).select_from(LicenceRow).where(of_project)).scalar_one()
    rows = session.execute(select(LicenceRow).where(of_project)
                           .order_by(LicenceRow.issued_at, LicenceRow.licence_no)
                           .limit(page["limit"]).offset(page["offset"])).scalars().all()
    return {"items": [view(row, today) for row in rows], "total": total, "limit": page["limit"],
            "offset": page["offset"]}
