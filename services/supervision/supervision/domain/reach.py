"""What a caller of the supervision service may watch (002 §35, least privilege).

The operator and the window watch every project; a supervisor the projects located in their own
region (a city's supervisor its counties and districts too, :func:`platform_kit.identity.within_region`).
A department's officers and its head (department admin) watch, within their region, every clock of
the stages their department leads (the stage and all its cases, whatever department handles them,
000 §18) and the clocks of their own department's cases; nobody else (an applicant) watches anything.
A project is located where its unified code says (002 §6: ``YYYY-RRRRRR-48-01-NNNNNN``), which the
read model knows even before it has seen ``project.registered``.
"""
import re

from platform_kit.errors import Forbidden
from platform_kit.identity import DEPT_ADMIN, OFFICER, SUPERVISOR, region_prefix, within_region

# the department staff: held to their department's stages and cases
STAFF = (OFFICER, DEPT_ADMIN)

_CODE_REGION = re.compile(r"\d{4}-(\d{6})-")


def territory(identity):
    """None when the caller watches everything; otherwise the prefix of the division codes they watch
    (a supervisor's or an officer's region)."""
    if identity.role not in (SUPERVISOR,) + STAFF:
        return None
    prefix = region_prefix(identity.region)
    if prefix is None:
        raise Forbidden("账号未关联行政区划，不能查看监督台账")
    return prefix


def region_of(project_code, registered_region=None):
    """The project's division code: as registered when known, else from its code."""
    if registered_region:
        return registered_region
    match = _CODE_REGION.match(project_code or "")
    return match[1] if match else None


def check_project(prefix, project_code, registered_region=None):
    if prefix is not None and not (region_of(project_code, registered_region) or "").startswith(prefix):
        raise Forbidden("只能查看本行政区划内的项目")


def check_region_filter(prefix, region):
    """A supervisor filters only on divisions inside their own region."""
    if prefix is not None and region and not region.startswith(prefix):
        raise Forbidden(f"只能查看本行政区划内的计时（行政区划 {region} 不在其中）")


def own_department(identity):
    """The department a caller is held to (its led stages and its own cases), None for the
    supervisors, the window and the operator."""
    if identity.role not in STAFF:
        return None
    if not identity.department:
        raise Forbidden("审批人员账号未关联部门，不能查看办理时限")
    return identity.department


def clock_filters(identity, filters):
    """The filters a caller's list of clocks is held to: a department's staff see the clocks of the
    stages it leads and of its own cases (``own_department``), within their region; a department
    filter they give narrows that further. Supervisors and the operator keep their filters."""
    department = own_department(identity)
    if department is None:
        return filters
    return dict(filters, own_department=department)


__all__ = ["STAFF", "territory", "region_of", "check_project", "check_region_filter", "own_department",
           "clock_filters", "within_region"]
