"""Projects (工程建设项目) and their unified project code (统一项目代码, 002 §6).

Every project has one code, used by every service and every document. Format::

    YYYY-RRRRRR-48-01-NNNNNN
    2026-410800-48-01-000001

- ``YYYY``: year of registration (Asia/Shanghai);
- ``RRRRRR``: 6-digit administrative division code of the project's location (410800 = 焦作市);
- ``48``: 国民经济行业分类 division 48, 土木工程建筑业 (civil engineering construction);
- ``01``: project kind 审批类 (approval, as opposed to 核准/备案);
- ``NNNNNN``: sequence, per year and region, starting at 000001.

A code that came in from the investment platform (push) is kept as it is when it has this shape.
Sequences are handed out from one counter row per (year, region), locked for the transaction that
uses it, so concurrent registrations in any number of replicas never share a number.
"""
import re
from dataclasses import dataclass

from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from platform_kit.identity import region_prefix, within_region

INDUSTRY = "48"
KIND = "01"
CODE_PATTERN = re.compile(r"(?P<year>\d{4})-(?P<region>\d{6})-48-01-(?P<seq>\d{6})")
REGION_PATTERN = re.compile(r"\d{6}")
# 统一社会信用代码 (GB 32100-2015): 18 characters without I, O, S, V, Z.
ORG_PATTERN = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
MAX_SEQUENCE = 999999


def format_code(year, region, sequence):
    if not REGION_PATTERN.fullmatch(region):
        raise ValueError(f"region must be 6 digits: {region!r}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence out of range: {sequence}")
    return f"{year:04d}-{region}-{INDUSTRY}-{KIND}-{sequence:06d}"


def sequence_code(year, region, sequence):
    """The code of the `sequence`-th registration of (year, region), or why there is none."""
    if sequence > MAX_SEQUENCE:
        raise Conflict(f"{year} 年 {region} 的项目代码序号已用尽")
    return format_code(year, region, sequence)


def parse_code(code):
    """(year, region, sequence) of a well-formed code; ValidationFailed otherwise."""
    match = CODE_PATTERN.fullmatch(code or "")
    if not match:
        raise ValidationFailed("项目代码格式不正确", [
            {"field": "project_code", "message": "应为 YYYY-行政区划代码-48-01-六位序号，如 2026-410800-48-01-000001"}])
    return int(match["year"]), match["region"], int(match["seq"])


def is_code(code):
    return bool(CODE_PATTERN.fullmatch(code or ""))


# where a registration came from: the applicant online, the window, the investment platform's push
ONLINE, WINDOW, PUSHED = "online", "window", "investment_platform"
SOURCES = (ONLINE, WINDOW, PUSHED)


def registration_source(identity):
    """An applicant registers online; the window registers a project handed in at the counter."""
    return ONLINE if identity.role == "applicant" else WINDOW


def applicant_name_for(identity, given):
    """The construction unit's name the project and its documents carry: an applicant's own, from
    its account; the window's registration names the unit it registers for (002 §4)."""
    if identity.role == "applicant":
        return (identity.name or "").strip() or None
    if not (given or "").strip():
        raise ValidationFailed("窗口登记须填写建设单位名称", [
            {"field": "applicant_name", "message": "必须填写建设单位名称"}])
    return given.strip()


@dataclass(frozen=True)
class ListingScope:
    """Which projects a listing shows (:func:`listing_scope`): all, those of one construction unit, or
    those located in a territory (division codes starting with ``region_prefix``); ``nothing`` for
    staff without a territory."""
    everything: bool = False
    applicant_org: str = None
    region_prefix: str = None
    nothing: bool = False


def listing_scope(identity):
    """Who finds which projects in a list: an applicant its own (registered by it, or pushed with its
    unified social credit code); the window, officers and supervisors the projects located in their
    region (000 §15: permissions are territorial); the operator all of them."""
    if identity.role == "applicant":
        return ListingScope(applicant_org=identity.org) if identity.org else ListingScope(nothing=True)
    if identity.role == "operator":
        return ListingScope(everything=True)
    if identity.role in ("clerk", "officer", "supervisor"):
        prefix = region_prefix(identity.region)
        return ListingScope(region_prefix=prefix) if prefix else ListingScope(nothing=True)
    raise Forbidden(f"角色 {identity.role} 无权查看项目列表")


def applicant_org_for(identity, given):
    """The construction unit a registration is for: an applicant registers only for itself (000 §16);
    the window registers on behalf of a named unit (002 §4)."""
    if identity.role == "applicant":
        if not identity.org:
            raise Forbidden("账号未关联建设单位，不能登记项目")
        if given and given != identity.org:
            raise Forbidden("建设单位只能为本单位登记项目")
        return identity.org
    if not given:
        raise ValidationFailed("窗口登记须填写建设单位", [
            {"field": "applicant_org", "message": "必须填写建设单位统一社会信用代码"}])
    if not ORG_PATTERN.fullmatch(given):
        raise ValidationFailed("统一社会信用代码格式不正确", [
            {"field": "applicant_org", "message": "应为18位统一社会信用代码"}])
    return given


# True when division `region` lies in `territory`: the same code, a county or district of a city
# (``4108xx`` in ``410800``), or a place of a province (``41xxxx`` in ``410000``)
within = within_region


@dataclass(frozen=True)
class Reach:
    """Which departments a project concerns: those of its cases, each in the case's region, and those
    asked for their opinion in a consultation on it not countersigned yet (001 二), each in the asking
    department's region or a territory containing it."""
    cases: frozenset = frozenset()        # {(department, region)}
    consulted: frozenset = frozenset()    # {(department, region of the asking department or None)}

    def concerns(self, department, region):
        if not department:
            return False
        return (department, region) in self.cases or any(
            asked == department and (asked_in is None or within(asked_in, region))
            for asked, asked_in in self.consulted)


def can_read(identity, project, reach=None):
    """Least privilege (000 §16, 002 §35): the construction unit its own projects; the window and the
    operator every project; a supervisor the projects located in their region; an officer or a
    department admin a project only while a case of their department in their region concerns it or
    their department is consulted on it (until the consultation is countersigned). `reach` is a callable answering the project's Reach, asked
    for only when the identity is a department's."""
    if identity.role == "applicant":
        return identity.org is not None and identity.org == project.applicant_org
    if identity.role in ("clerk", "operator", "province"):   # the province: any case's attachments (001 §10)
        return True
    if identity.role == "supervisor":
        return within(project.region, identity.region)
    if identity.role in ("officer", "dept_admin"):
        return reach is not None and reach().concerns(identity.department, identity.region)
    return False


def can_act_for(identity, applicant_org):
    """Declaring and uploading: the owning construction unit or the window on its behalf."""
    if identity.role == "applicant":
        return identity.org is not None and identity.org == applicant_org
    return identity.role == "clerk"


CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def check_pushed_code(code, region):
    """A code pushed by the investment platform must be well-formed and name the project's region."""
    _, code_region, _ = parse_code(code)
    if code_region != region:
        raise ValidationFailed("项目代码与项目所在地不一致", [
            {"field": "project_code", "message": f"代码中的行政区划 {code_region} 与 region {region} 不一致"}])


def push_outcome(existing, incoming):
    """What a push does to the project known under its code (idempotent by code).

    `existing`: None or {applicant_org, category, name, attributes}; `incoming` the same keys. The
    construction unit and the project kind identify the project's flow: a push that changes either is
    not the same project and is refused with the reason; name and attributes are updated.
    """
    if existing is None:
        return CREATED
    reasons = []
    if existing["applicant_org"] != incoming["applicant_org"]:
        reasons.append({"field": "applicant_org", "message":
                        f"项目已登记在建设单位 {existing['applicant_org']} 名下，推送的建设单位为 {incoming['applicant_org']}"})
    if existing["category"] != incoming["category"]:
        reasons.append({"field": "category", "message":
                        f"项目已按类别 {existing['category']} 办理，推送的类别为 {incoming['category']}"})
    if reasons:
        raise Conflict("推送的项目与已登记的项目冲突", reasons)
    if existing["name"] == incoming["name"] and existing["attributes"] == incoming["attributes"]:
        return UNCHANGED
    return UPDATED


def check_readable(identity, project, reach=None):
    """Who may see a project (:func:`can_read`)."""
    if not can_read(identity, project, reach):
        raise Forbidden("无权查看该项目")
    return project


def check_uploader(identity, project, case_departments):
    """Who may upload to a project: whoever may act on it, and an officer of a department with a case
    of the project (its notices, approval documents and scans, 002 §11); `case_departments`:
    {(department, region)} of the project's cases."""
    if identity.role == "officer":
        if (identity.department, identity.region) not in case_departments:
            raise Forbidden("只有在本项目有办件的部门审批人员可以上传文书")
        return project
    return check_actionable(identity, project)


def check_actionable(identity, project):
    """Who may act on a project (upload, declare, hand in a supplement)."""
    if not can_act_for(identity, project.applicant_org):
        raise Forbidden("只有项目的建设单位或综合窗口可以办理")
    return project
