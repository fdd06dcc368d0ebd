"""The licence (电子证照): the signed electronic result of an approved case (000 §14, 002 §18–19).

A licence is issued once per approved case. Its document is what the signature covers; it names
the case it came from, so the licence can always be traced to the decision behind it (002 §19:
whoever generates it is responsible for it matching the business record).
"""
import base64
import hashlib
import hmac
from datetime import date, timedelta

from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from platform_kit.seal import JSON_ALGORITHM

# Licence kinds (证照类型), as the provincial licence library names them: 证照 / 批准文件 / 证明 / 报告 / 结果
KINDS = {"certificate": "证照", "approval": "批准文件", "proof": "证明文件", "report": "报告", "result": "结果文书"}
# Validity period per kind in days (None: long-term); LICENCE_VALIDITY_DAYS overrides, e.g.
# "approval=730,proof=365"
DEFAULT_VALIDITY_DAYS = {"certificate": None, "approval": 730, "proof": 365, "report": None, "result": None}
STATES = ("valid", "superseded", "revoked", "expired")
STATE_NAMES = {"valid": "有效", "superseded": "已变更（被新版本取代）", "revoked": "已废止", "expired": "已过有效期"}
FORMS = {"electronic": "电子证照", "paper_copy": "纸质证照电子副本"}


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


def kind_of(item_name):
    """The licence kind of an item, read off the name of the document it yields: only for a catalog
    whose item does not give its licence's kind (certificate.terms)."""
    if item_name.endswith("证"):
        return "certificate"
    if item_name.endswith(("证明", "备案", "登记")):
        return "proof"
    if item_name.endswith(("报告", "报告书", "报告表")):
        return "report"
    if item_name.endswith(("批复", "批准文件", "意见", "意见书", "决定", "决定书", "核准", "审批", "审查")):
        return "approval"
    return "result"


def printed_fields(rules, form):
    """[{label, value}] of the form fields a licence layout prints ([{name, label}]), in that order,
    as text; a field the declaration left empty is not printed."""
    printed = []
    for rule in rules:
        value = form.get(rule["name"])
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        printed.append({"label": rule["label"], "value": str(value)})
    return printed


def validity_days(configured):
    """{kind: days or None} from the defaults and the LICENCE_VALIDITY_DAYS setting."""
    days = dict(DEFAULT_VALIDITY_DAYS)
    for part in filter(None, (p.strip() for p in (configured or "").split(","))):
        kind, _, value = part.partition("=")
        if kind.strip() not in KINDS:
            raise ValueError(f"LICENCE_VALIDITY_DAYS: unknown licence kind {kind!r}")
        days[kind.strip()] = int(value) if value.strip() not in ("", "0", "none") else None
    return days


def valid_until(kind, issued_on, days_by_kind):
    days = days_by_kind.get(kind)
    return issued_on + timedelta(days=days) if days else None


def state_of(*, revoked, superseded, valid_until_on, today):
    """What a licence is today: revoked and superseded are decisions and come first; then the date."""
    if revoked:
        return "revoked"
    if superseded:
        return "superseded"
    if valid_until_on is not None and today > valid_until_on:
        return "expired"
    return "valid"


def check_change(*, role, department, region, licence_department, licence_region, state):
    """002 §19: only the issuing department (or the operator) changes a licence, and only one in force."""
    if role != "operator" and not (role == "officer" and department == licence_department
                                   and region == licence_region):
        raise Forbidden("只有签发该证照的部门（或平台运营）可以变更此证照")
    if state != "valid":
        raise Conflict(f"该证照{STATE_NAMES[state]}，不能再变更")


def check_paper_upload(*, role, department, region, case_department, case_region):
    """002 §21: the scan of a paper licence is uploaded by an officer of the department that issued it."""
    if not (role == "officer" and department == case_department and region == case_region):
        raise Forbidden("纸质证照扫描件由发证部门的审批人员上传")


CHANGEABLE = ("holder", "project_name", "particulars")


def changed_document(document, changes):
    """The fields a change may set; anything else is refused with its field named."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise ValidationFailed("证照变更只能修改持证单位、项目名称和许可内容",
                               [{"field": f"changes.{name}", "message": "不可变更的字段"} for name in unknown])
    return {k: v for k, v in changes.items() if v not in (None, "")}


def licence_title(item_name):
    """The title printed on the licence: the item's own name when it already names a document."""
    if item_name.endswith(("证", "书", "文件", "批复", "意见", "决定")):
        return item_name
    return f"{item_name}批准文件"


def build_document(*, licence_id, licence_no, project_code, case_id, item_code, item_name, department,
                   region, holder, project_name, stage, approved_on, issued_on: date, key_id,
                   algorithm=JSON_ALGORITHM, kind="certificate", version=1, valid_until_on=None, supersedes=None,
                   department_name="", particulars="", form="electronic", paper_issued_on=None, form_fields=()):
    """The licence document to be signed. Every value is a JSON string (or null), so it canonicalises
    exactly; ``key_id`` is the serial of the seal certificate that signs it."""
    return {
        "kind": kind,
        "kind_name": KINDS[kind],
        "form": form,
        "version": str(version),
        "supersedes": supersedes,
        "valid_until": valid_until_on.isoformat() if valid_until_on else None,
        "department_name": department_name,
        "particulars": particulars,
        "form_fields": [dict(f) for f in form_fields],   # [{label, value}] from the declaration's form
        "paper_issued_on": paper_issued_on.isoformat() if paper_issued_on else None,
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
        "algorithm": algorithm,
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
