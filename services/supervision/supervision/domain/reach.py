"""What a caller of the supervision service may watch (002 §35, least privilege).

The operator and the window watch every project; a supervisor the projects located in their own
region (a city's supervisor its counties and districts too, :func:`platform_kit.identity.within_region`).
A project is located where its unified code says (002 §6: ``YYYY-RRRRRR-48-01-NNNNNN``), which the
read model knows even before it has seen ``project.registered``.
"""
import re

from platform_kit.errors import Forbidden
from platform_kit.identity import OFFICER, SUPERVISOR, region_prefix, within_region

_CODE_REGION = re.compile(r"\d{4}-(\d{6})-")


def territory(identity):
    """None when the caller watches everything; otherwise the prefix of the division codes they watch
    (a supervisor's or an officer's region)."""
    if identity.role not in (SUPERVISOR, OFFICER):
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


def clock_filters(identity, filters):
    """The filters a caller's list of clocks is held to: a lead department watches its own stages'
    clocks and its cases' clocks (002 §14), so an officer's department filter is always their own
    department, within their region; supervisors and the operator keep theirs."""
    if identity.role != OFFICER:
        return filters
    if not identity.department:
        raise Forbidden("审批人员账号未关联部门，不能查看办理时限")
    return dict(filters, department=identity.department)


__all__ = ["territory", "region_of", "check_project", "check_region_filter", "clock_filters", "within_region"]
