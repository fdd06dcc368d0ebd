"""Complaints and reports (投诉举报, 002 §33): who may file, take, answer and read one.

The discipline commission and the inspection office take complaints and reports from organisations
and people. A complaint is filed by a signed-in applicant about a project of its own (or one case
of it), or anonymously by anyone about a department or a project (contact optional). It lies with
the supervisors of the region it concerns (the project's, or the department's as given), is taken
or assigned by one of them, and is answered within ``due_days`` working days of filing (counted
with the platform's calendar; a year without a loaded schedule is counted Monday to Friday and the
date flagged as an estimate). The outcome (finding, substantiated or not, action taken) is told to
the complainant: a signed-in applicant in its inbox, an anonymous complainant when it looks the
complaint up with the query code handed out once at filing (only its digest is kept).
"""
import hashlib
import hmac
import secrets

from platform_kit import query_code
from platform_kit.errors import Conflict, Forbidden, ValidationFailed
from platform_kit.identity import OPERATOR, SUPERVISOR, region_prefix, within_region

FILED, ASSIGNED, CONCLUDED = "filed", "assigned", "concluded"
DEFAULT_DUE_DAYS = 15
DEFAULT_PER_HOUR = 5          # anonymous complaints per client address and hour


def new_complaint_no(filed_on):
    """``TS`` + filing date + six characters read aloud without mistakes (no 0/O, 1/I/L)."""
    return f"TS{filed_on:%Y%m%d}" + "".join(secrets.choice(query_code.ALPHABET) for _ in range(6))


def code_digest(complaint_no, code):
    """The digest of an anonymous complaint's query code, salted with its number."""
    return hashlib.sha256(f"complaint:{complaint_no}:{query_code.normalise(code)}".encode()).hexdigest()


def code_matches(complaint_no, code, known_digest):
    if not known_digest or not query_code.PATTERN.fullmatch(query_code.normalise(code)):
        return False
    return hmac.compare_digest(code_digest(complaint_no, code), known_digest)


def client_digest(address):
    """What the rate limit keeps of a client's address: a digest, never the address."""
    return hashlib.sha256(f"complaint-client:{address or ''}".encode()).hexdigest()


def anonymous_target(cmd, region_of_project):
    """(about, project_code, department, region) of an anonymous complaint, or 422 naming the field."""
    about = cmd["about"]
    if about == "project":
        if not cmd.get("project_code"):
            raise ValidationFailed("投诉项目须填写项目代码", [{"field": "project_code", "message": "请填写项目代码"}])
        return about, cmd["project_code"], cmd.get("department"), region_of_project(cmd["project_code"])
    errors = []
    if not cmd.get("department"):
        errors.append({"field": "department", "message": "请选择被投诉的部门"})
    if not cmd.get("region"):
        errors.append({"field": "region", "message": "请填写部门所在的行政区划代码"})
    if errors:
        raise ValidationFailed("投诉部门须填写部门与行政区划", errors)
    return about, cmd.get("project_code"), cmd["department"], cmd["region"]


def check_supervisor(identity, region):
    """A supervisor handles the complaints of their own territory (a city's also its counties')."""
    if identity.role != SUPERVISOR or not within_region(region, identity.region):
        raise Forbidden("只能办理本行政区划内的投诉举报")


def check_assignable(state):
    if state == CONCLUDED:
        raise Conflict("投诉举报已办结，不能再分派")


def check_concludable(identity, state, assignee):
    if state == FILED:
        raise Conflict("投诉举报尚未分派承办人，请先受理或分派")
    if state == CONCLUDED:
        raise Conflict("投诉举报已办结，办理结果不可更改")
    if assignee != identity.sub:
        raise Forbidden(f"只有承办人 {assignee} 可以办结这件投诉举报")


def territory(identity):
    """None for the operator (every complaint); else the prefix of the regions a supervisor reads."""
    if identity.role == OPERATOR:
        return None
    prefix = region_prefix(identity.region)
    if prefix is None:
        raise Forbidden("账号未关联行政区划，不能查看投诉举报")
    return prefix


def overdue(state, due_on, concluded_on, today):
    """Past its deadline: open after the due date, or concluded after it."""
    if state == CONCLUDED:
        return concluded_on is not None and concluded_on > due_on
    return today > due_on
