"""Use cases of the certificate service: a command and a unit of work in, a plain dict out."""
import hashlib
import logging
import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from certificate.adapters.orm import (ApprovedCaseRow, LicenceFileRow, LicenceRevocationRow, LicenceRow,
                                      LicenceSequenceRow, SigningKeyRow)
from certificate.domain import signature
from certificate.domain.licence import build_document, check_code, check_revocation, licence_number, valid_until
from certificate.render import licence_pdf, true_copy_pdf
from certificate.seals import PLATFORM, department_name, seal_for
from certificate.terms import licence_terms
from certificate.views import view
from platform_kit.seal import JSON_ALGORITHM, sign_pdf
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


def issue_licence(envelope, uow, sealing, today):
    """002 §18: an approved case yields its electronic licence, sealed, once.

    The approved case is recorded first (a paper licence's scan is sealed from it later, 002 §21).
    Returns the new licence view, or None when the event was seen before, the case already has its
    licence, or the department's licence is on paper.
    """
    if not uow.first_time(envelope, CONSUMER_CASE_APPROVED):
        return None
    fact = envelope.payload
    session = uow.session
    if session.get(ApprovedCaseRow, fact["case_id"]) is None:
        session.add(ApprovedCaseRow(case_id=fact["case_id"], project_code=envelope.project_code,
                                    facts=_json_facts(fact), paper=bool(fact.get("paper_licence")),
                                    source_event_id=envelope.event_id))
        session.flush()
    existing = session.execute(select(LicenceRow).where(LicenceRow.case_id == fact["case_id"]).limit(1)
                               ).scalar_one_or_none()
    if existing is not None:
        log.info("case %s already has licence %s", fact["case_id"], existing.licence_no)
        return None
    if fact.get("paper_licence"):
        log.info("case %s: the licence is on paper; its scan will be sealed as a true copy", fact["case_id"])
        return None
    row = seal_new_licence(uow, sealing, _json_facts(fact), envelope.project_code, today,
                           source_event_id=envelope.event_id)
    return view(row, today)


def _json_facts(fact):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fact.items() if k != "clock"}


def seal_new_licence(uow, sealing, facts, project_code, today, *, source_event_id, version=1, supersedes=None,
                     changes=None, licence_no=None, scan=None, paper_issued_on=None, particulars=""):
    """Number, build, sign (JSON twin and PAdES PDF) and store one licence; emits licence.issued."""
    session = uow.session
    department, region = facts["department"], facts["region"]
    licence_id = str(uuid.uuid4())
    form = "paper_copy" if scan is not None else "electronic"
    if licence_no is None:
        sequence = _next_sequence(session, f"{region}-{department}-{today.year}")
        licence_no = licence_number(region, department, today.year, sequence)
    seal_department = PLATFORM if form == "paper_copy" else department
    seal = seal_for(session, sealing.authority, seal_department, region)
    kind, days, printed = licence_terms(session, facts, sealing.validity)
    changes = changes or {}
    document = build_document(
        licence_id=licence_id, licence_no=licence_no, project_code=project_code, case_id=facts["case_id"],
        item_code=facts["item_code"], item_name=facts["item_name"], department=department, region=region,
        holder=changes.get("holder", facts["applicant_org"]),
        project_name=changes.get("project_name", facts["project_name"]), stage=facts["stage"],
        approved_on=date.fromisoformat(facts["on"]), issued_on=today, key_id=seal.serial, kind=kind,
        version=version, valid_until_on=valid_until(kind, today, {kind: days}), supersedes=supersedes,
        department_name=department_name(session, department, region),
        particulars=changes.get("particulars", particulars), form=form, paper_issued_on=paper_issued_on,
        form_fields=printed)
    if form == "paper_copy":
        document["statement"] = "本件为纸质证照的电子副本，经平台电子印章签章，与纸质原件一致。"
    signature_value = seal.sign_json(document)
    code = check_code(signature_value)
    if scan is None:
        pdf = licence_pdf(document, code, sealing.verify_url, seal.holder)
    else:
        pdf = true_copy_pdf(document, code, sealing.verify_url, seal.holder, scan["content"], scan["content_type"])
    sealed = sign_pdf(pdf, seal, reason=f"{document['title']} {licence_no}", location=region)
    signed_at = utcnow()
    row = LicenceRow(licence_id=licence_id, case_id=facts["case_id"], licence_no=licence_no,
                     project_code=project_code, item_code=facts["item_code"], department=department,
                     document=document, signature=signature_value, key_id=seal.serial,
                     algorithm=JSON_ALGORITHM, issued_on=today, issued_at=signed_at, source_event_id=source_event_id,
                     version=version, kind=kind, form=form, valid_until=document["valid_until"] and
                     date.fromisoformat(document["valid_until"]), supersedes=supersedes)
    session.add(row)
    session.flush()  # the unique (case_id, version) decides a race between replicas here
    digest = hashlib.sha256(sealed).hexdigest()
    session.add(LicenceFileRow(licence_id=licence_id, content=sealed, sha256=digest, seal_serial=seal.serial,
                               signed_at=signed_at))
    session.flush()
    uow.emit(new_event("licence.issued", source=SOURCE, project_code=project_code, actor=Actor.SYSTEM, payload={
        "licence_id": licence_id, "licence_no": licence_no, "case_id": row.case_id, "item_code": row.item_code,
        "item_name": facts["item_name"], "department": department, "holder": document["holder"],
        "issued_on": today, "key_id": seal.serial, "kind": kind, "version": version, "form": form,
        "valid_until": row.valid_until, "supersedes": supersedes, "pdf_sha256": digest}))
    session.refresh(row)
    return row


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
    return view(row, today)
