"""The licence (电子证照): the signed electronic result of an approved case (000 §14, 002 §18–19).

A licence is issued once per approved case. Its document is what the signature covers; it names
the case it came from, so the licence can always be traced to the decision behind it (002 §19:
whoever generates it is responsible for it matching the business record).
"""
import base64
import hashlib
import hmac
from datetime import date

from certificate.domain.signature import ALGORITHM
from platform_kit.errors import Conflict, Forbidden


def licence_number(region, department, year, sequence):
    """Readable, unique licence number: division code, issuing department, year, sequence.

    e.g. ``410800-NRP-2026-000001``; the sequence runs per division, department and year.
    """
    return f"{region}-{department}-{year}-{sequence:06d}"


def check_code(signature):
    """The licence's check code (核验码), printed on it beside its number: eight characters derived
    from its signature, so anyone holding the licence can confirm it on the portal (number + code,
    or the QR link) without an account, and nobody can guess one for a number they only know."""
    digest = hashlib.sha256(signature.encode("ascii")).digest()
    return base64.b32encode(digest[:5]).decode("ascii")


def check_code_matches(signature, given):
    """Constant-time comparison of a typed code (case, spaces and dashes ignored)."""
    typed = "".join(ch for ch in str(given).upper() if ch.isalnum())
    return hmac.compare_digest(check_code(signature), typed)


def licence_title(item_name):
    """The title printed on the licence: the item's own name when it already names a document."""
    if item_name.endswith(("证", "书", "文件", "批复", "意见", "决定")):
        return item_name
    return f"{item_name}批准文件"


def build_document(*, licence_id, licence_no, project_code, case_id, item_code, item_name, department,
                   region, holder, project_name, stage, approved_on, issued_on: date, key_id):
    """The licence document to be signed. Every value is a JSON string, so it canonicalises exactly."""
    return {
        "licence_id": licence_id,
        "licence_no": licence_no,
        "title": licence_title(item_name),
        "project_code": project_code,
        "project_name": project_name,
        "holder": holder,
        "case_id": case_id,
        "stage": stage,
        "item_code": item_code,
        "item_name": item_name,
        "department": department,
        "region": region,
        "approved_on": approved_on.isoformat(),
        "issued_on": issued_on.isoformat(),
        "key_id": key_id,
        "algorithm": ALGORITHM,
        "statement": "本电子证照经电子签名，与纸质证照具有同等效力。",  # 000 §14
    }


def check_revocation(*, role, department, region, licence_department, licence_region, already_revoked_on=None):
    """002 §19 (谁生成，谁负责): the issuing department, in its own region, revokes its licences;
    the platform operator may too. A licence is revoked once."""
    if role != "operator" and not (role == "officer" and department == licence_department
                                   and region == licence_region):
        raise Forbidden("只有签发该证照的部门（或平台运营）可以废止此证照")
    if already_revoked_on is not None:
        raise Conflict(f"该证照已于 {already_revoked_on.isoformat()} 废止")


def revoked_reason(revoked_on, reason):
    """Why a licence whose signature is intact is nevertheless no longer valid."""
    return f"签名有效，但该证照已于 {revoked_on.isoformat()} 废止：{reason}"
