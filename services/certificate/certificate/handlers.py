"""Use cases of the certificate service: a command and a unit of work in, a plain dict out."""
import logging
import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from certificate.adapters.orm import LicenceRevocationRow, LicenceRow, LicenceSequenceRow, SigningKeyRow
from certificate.domain import signature
from certificate.domain.licence import (build_document, check_code, check_code_matches, check_revocation,
                                       licence_number, revoked_reason)
from platform_kit.contracts import Actor, new_event
from platform_kit.db import utcnow
from platform_kit.errors import NotFound

log = logging.getLogger(__name__)

SOURCE = "certificate"
CONSUMER_CASE_APPROVED = "certificate.on_case_approved"


# ------------------------------------------------------------------------------------ signing keys
def _insert_once(session, row):
    """Insert `row` unless an equal unique key exists; True when this call inserted it."""
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:
        return False


def ensure_signing_key(session, configured_pem=None):
    """The key that signs new licences, made durable in the database.

    With a configured key (LICENCE_SIGNING_KEY_FILE) its public half is recorded so that licences it
    signs stay verifiable after the file changes. Without one, the newest generated key is used, and
    the first one is generated here: replicas starting together race on the unique generation, the
    loser reads the winner's key.
    """
    if configured_pem:
        key = signature.SigningKey.from_pem(configured_pem)
        if session.get(SigningKeyRow, key.key_id) is None:
            _insert_once(session, SigningKeyRow(
                key_id=key.key_id, generation=None, algorithm=signature.ALGORITHM,
                public_key_pem=key.public_pem(), private_key_pem=None, origin="file", created_at=utcnow()))
        return key
    current = _newest_generated(session)
    if current is None:
        key = signature.SigningKey.generate()
        if _insert_once(session, SigningKeyRow(
                key_id=key.key_id, generation=1, algorithm=signature.ALGORITHM,
                public_key_pem=key.public_pem(), private_key_pem=key.private_pem(), origin="generated",
                created_at=utcnow())):
            log.info("generated licence signing key %s", key.key_id)
        current = _newest_generated(session)
    return signature.SigningKey.from_pem(current.private_key_pem)


def _newest_generated(session):
    return session.execute(select(SigningKeyRow).where(SigningKeyRow.private_key_pem.is_not(None))
                           .order_by(SigningKeyRow.generation.desc()).limit(1)).scalar_one_or_none()


def public_keys(session):
    rows = session.execute(select(SigningKeyRow).order_by(SigningKeyRow.created_at)).scalars().all()
    return {row.key_id: signature.load_public_pem(row.public_key_pem) for row in rows}


def list_signing_keys(session):
    rows = session.execute(select(SigningKeyRow).order_by(SigningKeyRow.created_at)).scalars().all()
    return [{"key_id": row.key_id, "algorithm": row.algorithm, "public_key_pem": row.public_key_pem,
             "public_key": signature.b64url_encode(signature.raw_public_bytes(
                 signature.load_public_pem(row.public_key_pem))),
             "created_at": row.created_at} for row in rows]


# ------------------------------------------------------------------------------------ issuing
def _next_sequence(session, prefix):
    """The next number for `prefix`, under a row lock held until the licence commits."""
    row = session.execute(select(LicenceSequenceRow).where(LicenceSequenceRow.prefix == prefix)
                          .with_for_update()).scalar_one_or_none()
    if row is None:
        _insert_once(session, LicenceSequenceRow(prefix=prefix, last=0))
        row = session.execute(select(LicenceSequenceRow).where(LicenceSequenceRow.prefix == prefix)
                              .with_for_update().execution_options(populate_existing=True)).scalar_one()
    row.last += 1
    session.flush()
    return row.last


def issue_licence(envelope, uow, signing_key, today):
    """002 §18: an approved case yields its electronic licence, signed, once.

    Returns the new licence view, or None when the event was seen before or the case already has
    its licence (a second case.approved for the same case never issues a second licence).
    """
    if not uow.first_time(envelope, CONSUMER_CASE_APPROVED):
        return None
    fact = envelope.payload
    session = uow.session
    existing = session.execute(select(LicenceRow).where(LicenceRow.case_id == fact["case_id"])).scalar_one_or_none()
    if existing is not None:
        log.info("case %s already has licence %s", fact["case_id"], existing.licence_no)
        return None
    licence_id = str(uuid.uuid4())
    sequence = _next_sequence(session, f"{fact['region']}-{fact['department']}-{today.year}")
    document = build_document(
        licence_id=licence_id, licence_no=licence_number(fact["region"], fact["department"], today.year, sequence),
        project_code=envelope.project_code, case_id=fact["case_id"], item_code=fact["item_code"],
        item_name=fact["item_name"], department=fact["department"], region=fact["region"],
        holder=fact["applicant_org"], project_name=fact["project_name"], stage=fact["stage"],
        approved_on=fact["on"], issued_on=today, key_id=signing_key.key_id)
    row = LicenceRow(licence_id=licence_id, case_id=fact["case_id"], licence_no=document["licence_no"],
                     project_code=envelope.project_code, item_code=fact["item_code"],
                     department=fact["department"], document=document, signature=signing_key.sign(document),
                     key_id=signing_key.key_id, algorithm=signature.ALGORITHM, issued_on=today,
                     issued_at=utcnow(), source_event_id=envelope.event_id)
    session.add(row)
    session.flush()  # the unique case_id decides a race between replicas here, before anything is emitted
    uow.emit(new_event("licence.issued", source=SOURCE, project_code=envelope.project_code,
                       actor=Actor.SYSTEM, payload={
                           "licence_id": licence_id, "licence_no": row.licence_no, "case_id": row.case_id,
                           "item_code": row.item_code, "item_name": fact["item_name"],
                           "department": row.department, "holder": document["holder"], "issued_on": today,
                           "key_id": row.key_id}))
    return view(row)


# ------------------------------------------------------------------------------------ revoking
def revoke_licence(licence_id, cmd, identity, uow, today):
    """002 §19: a licence is revoked when the business record behind it no longer holds."""
    session = uow.session
    row = session.get(LicenceRow, licence_id, with_for_update=True)
    if row is None:
        raise NotFound(f"电子证照 {licence_id} 不存在")
    check_revocation(role=identity.role, department=identity.department, region=identity.region,
                     licence_department=row.department, licence_region=row.document.get("region"),
                     already_revoked_on=row.revocation.revoked_on if row.revocation else None)
    revocation = LicenceRevocationRow(licence_id=row.licence_id, reason=cmd["reason"], revoked_by=identity.sub,
                                      revoked_by_role=identity.role, revoked_by_department=identity.department,
                                      revoked_on=today, revoked_at=utcnow())
    session.add(revocation)
    session.flush()  # the unique licence_id settles two revocations racing
    uow.emit(new_event("licence.revoked", source=SOURCE, project_code=row.project_code, actor=identity.actor(),
                       payload={"licence_id": row.licence_id, "licence_no": row.licence_no, "case_id": row.case_id,
                                "item_code": row.item_code, "department": row.department,
                                "reason": cmd["reason"], "revoked_on": today}))
    session.refresh(row)
    return view(row)


# ------------------------------------------------------------------------------------ reading
def view(row):
    revocation = row.revocation
    return {"licence_id": row.licence_id, "document": row.document, "signature": row.signature,
            "key_id": row.key_id, "algorithm": row.algorithm,
            "status": "revoked" if revocation else "valid", "check_code": check_code(row.signature),
            "revocation": ({"reason": revocation.reason, "revoked_on": revocation.revoked_on,
                            "revoked_by": revocation.revoked_by} if revocation else None)}


def get_licence(session, licence_id):
    row = session.get(LicenceRow, licence_id)
    if row is None:
        raise NotFound(f"电子证照 {licence_id} 不存在")
    return view(row)


def list_licences(session, project_code, page):
    """One page of a project's licences, oldest first, counted and cut in SQL."""
    of_project = LicenceRow.project_code == project_code
    total = session.execute(select(func.count()).select_from(LicenceRow).where(of_project)).scalar_one()
    rows = session.execute(select(LicenceRow).where(of_project)
                           .order_by(LicenceRow.issued_at, LicenceRow.licence_no)
                           .limit(page["limit"]).offset(page["offset"])).scalars().all()
    return {"items": [view(row) for row in rows], "total": total, "limit": page["limit"], "offset": page["offset"]}


def verify_licence(session, cmd):
    verdict = signature.verify(cmd["document"], cmd["signature"], cmd["key_id"], public_keys(session))
    if verdict.valid:
        revocation = session.execute(select(LicenceRevocationRow).where(
            LicenceRevocationRow.licence_id == str(cmd["document"].get("licence_id")))).scalar_one_or_none()
        if revocation is not None:
            return {"valid": False, "reason": revoked_reason(revocation.revoked_on, revocation.reason)}
    return {"valid": verdict.valid, "reason": verdict.reason}



def check_licence(session, cmd):
    """The public check by licence number and check code (what a person reads off the licence or its
    QR link). A wrong number and a wrong code get the same answer; the stored document's signature is
    checked again, so a licence altered in the database does not pass."""
    row = session.execute(select(LicenceRow).where(LicenceRow.licence_no == cmd["licence_no"].strip())
                          ).scalar_one_or_none()
    if row is None or not check_code_matches(row.signature, cmd["check_code"]):
        raise NotFound("没有与该证照编号和核验码相符的电子证照，请核对后重试")
    verdict = signature.verify(row.document, row.signature, row.key_id, public_keys(session))
    document, revocation = row.document, row.revocation
    valid, reason = verdict.valid, verdict.reason
    if valid and revocation is not None:
        valid, reason = False, revoked_reason(revocation.revoked_on, revocation.reason)
    return {"valid": valid, "status": "revoked" if revocation else "valid", "reason": reason,
            "licence_no": row.licence_no, "title": document.get("title"), "holder": document.get("holder"),
            "project_code": row.project_code, "project_name": document.get("project_name"),
            "item_name": document.get("item_name"), "department": row.department,
            "issued_on": document.get("issued_on"),
            "revoked_on": revocation.revoked_on if revocation else None}
