"""Verification anyone can do (002 §18): by the JSON twin and its signature, by the licence number
and its check code (用证码), or by the PDF itself; each answer says what the licence is today."""
import base64
import binascii
import hashlib
from datetime import timezone

from sqlalchemy import select

from certificate.adapters.orm import LicenceFileRow, LicenceRevocationRow, LicenceRow
from certificate.domain import signature
from certificate.domain.licence import check_code_matches, revoked_reason
from certificate.seals import seal_certificate_pem
from certificate.views import conclusion_view, state, supersession_view
from platform_kit.errors import NotFound, ValidationFailed
from platform_kit.seal import validate_pdf, verify_json


def _signature_verdict(session, document, signature_value, key_id):
    """The JSON twin's signature: ES256 by a seal certificate (by serial), or Ed25519 by a platform key
    (licences issued before seals)."""
    cert_pem = seal_certificate_pem(session, key_id)
    if cert_pem is not None:
        if isinstance(document, dict) and document.get("key_id") not in (None, key_id):
            return signature.Verdict(False, "证照载明的印章证书与所给证书不一致")
        try:
            ok = verify_json(document, signature_value, cert_pem)
        except (TypeError, ValueError):
            ok = False
        return signature.Verdict(ok, "签名有效，证照内容未被改动" if ok else
                                 "签名无效：证照内容已被改动或签名不属于此证照")
    from certificate.handlers import public_keys
    return signature.verify(document, signature_value, key_id, public_keys(session))


def _state_reason(row, today):
    current = state(row, today)
    if current == "revoked":
        return current, revoked_reason(row.revocation.revoked_on, row.revocation.reason)
    if current == "superseded":
        s = row.supersession
        return current, f"签名有效，但该证照已于 {s.decided_on.isoformat()} 变更，由 {s.superseded_by_no} 取代：{s.reason}"
    if current == "expired":
        return current, f"签名有效，但该证照的有效期已于 {row.valid_until.isoformat()} 届满"
    return current, None


def verify_licence(session, cmd, today):
    verdict = _signature_verdict(session, cmd["document"], cmd["signature"], cmd["key_id"])
    if verdict.valid:
        row = session.get(LicenceRow, str(cmd["document"].get("licence_id")))
        if row is not None:
            current, reason = _state_reason(row, today)
            if current != "valid":
                return {"valid": False, "reason": reason}
        else:
            revocation = session.execute(select(LicenceRevocationRow).where(
                LicenceRevocationRow.licence_id == str(cmd["document"].get("licence_id")))).scalar_one_or_none()
            if revocation is not None:
                return {"valid": False, "reason": revoked_reason(revocation.revoked_on, revocation.reason)}
    return {"valid": verdict.valid, "reason": verdict.reason}


def _answer(session, row, today, trust_roots_pem, pdf=None):
    """The public answer about `row`; the stored (or given) PDF's seal is validated as of its signing time."""
    verdict = _signature_verdict(session, row.document, row.signature, row.key_id)
    current, reason = _state_reason(row, today)
    file = session.get(LicenceFileRow, row.licence_id)
    pdf_reason, seal_holder = None, None
    if file is not None:
        checked = validate_pdf(pdf if pdf is not None else file.content, trust_roots_pem,
                               moment=file.signed_at.astimezone(timezone.utc))
        pdf_reason, seal_holder = checked.reason, checked.signer
        if not checked.valid:
            verdict = signature.Verdict(False, checked.reason)
    valid = verdict.valid and current == "valid"
    document = row.document
    return {"valid": valid, "status": current, "reason": reason if verdict.valid and reason else verdict.reason,
            "licence_no": row.licence_no, "title": document.get("title"), "holder": document.get("holder"),
            "project_code": row.project_code, "project_name": document.get("project_name"),
            "item_name": document.get("item_name"), "department": document.get("department_name") or row.department,
            "issued_on": document.get("issued_on"), "revoked_on": row.revocation.revoked_on if row.revocation else None,
            "kind": document.get("kind_name", ""), "form": row.form, "version": str(row.version),
            "valid_until": document.get("valid_until"), "superseded_by": supersession_view(row),
            "seal": seal_holder or "", "seal_serial": file.seal_serial if file else row.key_id,
            "signed_at": file.signed_at if file else None, "pdf_signature": pdf_reason,
            "conclusion": conclusion_view(_conclusion(session, row))}


def _conclusion(session, row):
    from certificate.adapters.orm import CaseConclusionRow
    return session.get(CaseConclusionRow, row.case_id)


def check_licence(session, cmd, today, trust_roots_pem):
    """By licence number and check code (what a person reads off the licence or its QR link). A wrong
    number and a wrong code get the same answer; the stored document's signature and the stored PDF's
    seal are checked again, so a licence altered in the database does not pass."""
    row = session.execute(select(LicenceRow).where(LicenceRow.licence_no == cmd["licence_no"].strip())
                          ).scalar_one_or_none()
    if row is None or not check_code_matches(row.signature, cmd["check_code"]):
        raise NotFound("没有与该证照编号和核验码相符的电子证照，请核对后重试")
    return _answer(session, row, today, trust_roots_pem)


def verify_pdf(session, cmd, today, trust_roots_pem):
    """By the PDF itself: its seal is validated against the city root; the licence it is (found by the
    file's SHA-256) says what it is today. A PDF changed by one byte is another file and fails."""
    try:
        pdf = base64.b64decode(cmd["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("文件不是有效的 base64", [{"field": "content_base64", "message": "无效的 base64"}]) from None
    digest = hashlib.sha256(pdf).hexdigest()
    file = session.execute(select(LicenceFileRow).where(LicenceFileRow.sha256 == digest)).scalar_one_or_none()
    if file is None:
        checked = validate_pdf(pdf, trust_roots_pem)
        reason = ("签章有效，但平台没有签发过这份文件" if checked.valid else checked.reason)
        return {"valid": False, "status": "unknown", "reason": reason, "pdf_signature": checked.reason,
                "seal": checked.signer, "seal_serial": checked.signer_serial or None, "licence_no": "",
                "signed_at": checked.signed_at}
    return _answer(session, session.get(LicenceRow, file.licence_id), today, trust_roots_pem, pdf=pdf)

