"""Use cases of department seals (电子印章): the seal certificate that seals a department's licences,
issued by the city PKI the first time the department needs one, rotated (renewed, or renewed and the
old one revoked) by the platform operator. Rows are never changed: a rotation adds a generation."""
import logging
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from certificate.adapters.orm import DepartmentRow, SealCertificateRow
from platform_kit.contracts import new_event
from platform_kit.db import utcnow
from platform_kit.errors import Forbidden
from platform_kit.seal import Seal

log = logging.getLogger(__name__)
PLATFORM = "PLATFORM"   # the platform's own seal: true copies of paper licences (002 §21)
PLATFORM_NAME = "工程建设项目审批管理平台"


def department_name(session, department, region):
    if department == PLATFORM:
        return PLATFORM_NAME
    row = session.get(DepartmentRow, (department, region))
    return row.name if row else department


def record_departments(session, departments):
    """catalog.loaded: the departments' names, as the catalog now gives them (the latest wins)."""
    for item in departments:
        row = session.get(DepartmentRow, (item["code"], item["region"]))
        if row is None:
            session.add(DepartmentRow(code=item["code"], region=item["region"], name=item["name"]))
        elif row.name != item["name"]:
            row.name = item["name"]


def _newest(session, department, region):
    return session.execute(select(SealCertificateRow).where(
        SealCertificateRow.department == department, SealCertificateRow.region == region)
        .order_by(SealCertificateRow.generation.desc()).limit(1)).scalar_one_or_none()


def _insert(session, authority, department, region, generation, reason, by):
    holder = department_name(session, department, region)
    seal = authority.issue(holder, f"{region}{department}")
    row = SealCertificateRow(serial=seal.serial, department=department, region=region, generation=generation,
                             holder=holder, certificate_pem=seal.cert_pem(), private_key_pem=seal.key_pem(),
                             chain_pem=seal.chain_pem(), not_after=seal.certificate.not_valid_after_utc,
                             reason=reason, created_by=by, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:   # another replica issued this generation first: use theirs
        log.info("seal generation %s of %s/%s issued elsewhere", generation, region, department)
        return None
    return row


def seal_for(session, authority, department, region):
    """The seal that signs for `department` in `region` now (issued from the PKI on first use)."""
    row = _newest(session, department, region)
    if row is None:
        row = _insert(session, authority, department, region, 1, "首次启用", "system") or _newest(
            session, department, region)
    return as_seal(row, authority)


def as_seal(row, authority):
    return Seal.from_pems(row.certificate_pem, row.private_key_pem, row.chain_pem, authority.crl_der())


def rotate_seal(session, authority, cmd, identity, uow=None):
    """A new generation of the department's seal signs from now on; licences sealed before keep their
    certificate and verify as of their signing time. With ``revoke_previous`` the old certificate is
    also put on the PKI's CRL (a compromised key)."""
    if identity.role != "operator":
        raise Forbidden("只有平台运营可以更换部门印章证书")
    department, region = cmd["department"], cmd["region"]
    previous = _newest(session, department, region)
    generation = previous.generation + 1 if previous else 1
    row = _insert(session, authority, department, region, generation, cmd["reason"], identity.sub)
    if row is None:
        row = _newest(session, department, region)
    if previous is not None and cmd.get("revoke_previous"):
        authority.revoke(previous.serial)
    if uow is not None:
        uow.emit(new_event("seal.rotated", source="certificate", project_code=None, actor=identity.actor(),
                           payload={"department": department, "region": region, "serial": row.serial,
                                    "generation": row.generation,
                                    "previous_serial": previous.serial if previous else None,
                                    "previous_revoked": bool(previous is not None and cmd.get("revoke_previous")),
                                    "reason": cmd["reason"]}))
    return seal_view(row, current=True)


def seal_view(row, current):
    return {"serial": row.serial, "department": row.department, "region": row.region,
            "generation": row.generation, "holder": row.holder, "certificate_pem": row.certificate_pem,
            "not_after": row.not_after.replace(tzinfo=row.not_after.tzinfo or timezone.utc), "reason": row.reason,
            "created_at": row.created_at, "current": current}


def list_seals(session):
    rows = session.execute(select(SealCertificateRow).order_by(
        SealCertificateRow.department, SealCertificateRow.region, SealCertificateRow.generation)).scalars().all()
    newest = {}
    for row in rows:
        newest[(row.department, row.region)] = row.serial
    return [seal_view(row, newest[(row.department, row.region)] == row.serial) for row in rows]


def seal_certificate_pem(session, serial):
    row = session.get(SealCertificateRow, serial)
    return row.certificate_pem if row else None
