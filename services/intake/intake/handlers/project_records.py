"""What the province needs of a project and the platform did not keep (001 §10): the land red-line
boundary and the intermediary services, recorded by the applicant or the window; and the window's
correction of a project's particulars (each kept as a revision, published as ``project.updated``)."""
import uuid

from intake.domain import boundary as boundary_rules
from intake.domain.model import ProjectRevision
from intake.handlers.common import SOURCE, actionable_project, readable_project
from intake.handlers.projects import project_view
from platform_kit.contracts import new_event
from platform_kit.db import utcnow
from platform_kit.errors import Conflict, NotFound, ValidationFailed


def boundary_view(row):
    return None if row is None else {k: row[k] for k in (
        "boundary_id", "project_code", "version", "name", "description", "geometry", "area_m2", "recorded_by",
        "recorded_role", "recorded_at")}


def record_boundary(project_code, cmd, identity, uow, today):
    project = actionable_project(uow, project_code, identity, lock=True)
    geometry, area = boundary_rules.check(cmd["geometry"])
    last = uow.project_records.latest_boundary(project_code)
    row = {"boundary_id": str(uuid.uuid4()), "project_code": project_code,
           "version": (last["version"] if last else 0) + 1, "name": cmd["name"],
           "description": cmd.get("description") or "", "geometry": geometry, "area_m2": area,
           "recorded_by": identity.sub, "recorded_role": identity.role, "recorded_at": utcnow()}
    uow.project_records.add_boundary(**row)
    uow.emit(new_event("project.boundary_recorded", source=SOURCE, project_code=project_code, actor=identity.actor(),
                       payload={**{k: row[k] for k in ("project_code", "boundary_id", "version", "name",
                                                        "description", "geometry", "area_m2", "recorded_by")},
                                "region": project.region, "recorded_on": today}))
    return boundary_view(row)


def get_boundary(project_code, identity, uow):
    readable_project(uow, project_code, identity)
    found = uow.project_records.latest_boundary(project_code)
    if found is None:
        raise NotFound(f"项目 {project_code} 尚未登记用地红线")
    return boundary_view(found)


def intermediary_view(row):
    out = {k: row[k] for k in ("record_id", "project_code", "service_name", "service_code", "agency_name",
                               "agency_code", "client_name", "client_code", "started_on", "finished_on",
                               "limit_days", "recorded_by", "recorded_role", "recorded_at")}
    out["withdrawn"] = bool(row.get("withdrawn_at"))
    out["withdrawal_reason"] = row.get("withdrawal_reason")
    return out


def record_intermediary(project_code, cmd, identity, uow):
    project = actionable_project(uow, project_code, identity, lock=True)
    if cmd.get("finished_on") and cmd["finished_on"] < cmd["started_on"]:
        raise ValidationFailed("中介服务日期不正确", [{"field": "finished_on", "message": "完成日期不能早于开始日期"}])
    row = {"record_id": str(uuid.uuid4()), "project_code": project_code, "service_name": cmd["service_name"],
           "service_code": cmd.get("service_code") or "", "agency_name": cmd["agency_name"],
           "agency_code": cmd["agency_code"], "client_name": cmd.get("client_name") or project.applicant_name
           or project.applicant_org, "client_code": cmd.get("client_code") or project.applicant_org,
           "started_on": cmd["started_on"], "finished_on": cmd.get("finished_on"),
           "limit_days": cmd.get("limit_days"), "recorded_by": identity.sub, "recorded_role": identity.role,
           "recorded_at": utcnow()}
    uow.project_records.add_intermediary(**row)
    uow.emit(new_event("intermediary_service.recorded", source=SOURCE, project_code=project_code,
                       actor=identity.actor(), payload={
                           **{k: row[k] for k in ("record_id", "project_code", "service_name", "service_code",
                                                  "agency_name", "agency_code", "client_name", "client_code",
                                                  "started_on", "finished_on", "limit_days", "recorded_by")},
                           "region": project.region}))
    return intermediary_view(row)


def withdraw_intermediary(project_code, record_id, cmd, identity, uow, today):
    actionable_project(uow, project_code, identity, lock=True)
    row = uow.project_records.intermediary(record_id, lock=True)
    if row is None or row["project_code"] != project_code:
        raise NotFound("没有这条中介服务记录")
    if uow.project_records.withdrawal(record_id):
        raise Conflict("这条中介服务记录已撤回")
    uow.project_records.withdraw(record_id=record_id, reason=cmd["reason"], withdrawn_by=identity.sub,
                                 withdrawn_at=utcnow())
    uow.emit(new_event("intermediary_service.withdrawn", source=SOURCE, project_code=project_code,
                       actor=identity.actor(), payload={"record_id": record_id, "project_code": project_code,
                                                        "reason": cmd["reason"], "withdrawn_by": identity.sub,
                                                        "withdrawn_on": today}))
    return {**intermediary_view(dict(row)), "withdrawn": True, "withdrawal_reason": cmd["reason"]}


def list_intermediaries(project_code, filters, identity, uow):
    readable_project(uow, project_code, identity)
    total, found = uow.project_records.intermediaries_of(project_code, filters["limit"], filters["offset"])
    return {"items": [intermediary_view(dict(r)) for r in found], "total": total, "limit": filters["limit"],
            "offset": filters["offset"]}


def correct_project(project_code, cmd, identity, uow):
    """The window corrects a project's name or particulars (e.g. after the province rejected them),
    with the reason: a new revision, published as ``project.updated``."""
    project = actionable_project(uow, project_code, identity, lock=True)
    attributes = {**project.attributes, **cmd.get("attributes", {})}
    name = cmd.get("name") or project.name
    if attributes == project.attributes and name == project.name:
        raise Conflict("更正内容与现有信息相同")
    revision = (uow.projects.latest_revision(project_code) or 1) + 1
    project.name, project.attributes = name, attributes
    uow.projects.update(project)
    uow.projects.add_revision(ProjectRevision(project_code=project_code, revision=revision, name=name,
                                              attributes=attributes, received={**cmd, "reason": cmd["reason"]},
                                              pushed_by=identity.sub))
    uow.emit(new_event("project.updated", source=SOURCE, project_code=project_code, actor=identity.actor(),
                       payload={"project_code": project_code, "revision": revision, "name": name,
                                "category": project.category, "region": project.region,
                                "applicant_org": project.applicant_org, "attributes": attributes}))
    return {**project_view(project, uow), "revision": revision}
