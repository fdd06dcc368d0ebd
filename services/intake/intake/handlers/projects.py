"""Registering projects, at the window or pushed by the investment platform (000 §3, 002 §4, §6)."""
from intake.domain import project as project_rules
from intake.domain.model import Project, ProjectRevision, QueryCode
from intake.handlers.common import SOURCE, catalog_version, find_project, page_answer, readable_project
from platform_kit import query_code
from platform_kit.contracts import STAGES, new_event
from platform_kit.errors import Conflict


def project_view(project, uow, concluded=None):
    """`concluded`: the project's concluded stages when already known (a listing reads them at once)."""
    if concluded is None:
        concluded = uow.conclusions.stages_of(project.project_code)
    return {
        "project_code": project.project_code, "name": project.name, "category": project.category,
        "region": project.region, "applicant_org": project.applicant_org, "applicant_name": project.applicant_name,
        "attributes": project.attributes, "catalog_version": project.catalog_version, "source": project.source,
        "registered_by": project.registered_by, "registered_at": project.registered_at,
        "concluded_stages": sorted(concluded, key=STAGES.index), "query_code": None,
    }


def registered_event(project, identity, code_digest=None):
    """``project.registered``, however the project came in."""
    return new_event("project.registered", source=SOURCE, project_code=project.project_code, actor=identity.actor(),
                     payload={"project_code": project.project_code, "name": project.name,
                              "category": project.category, "region": project.region,
                              "applicant_org": project.applicant_org, "applicant_name": project.applicant_name,
                              "attributes": project.attributes, "query_code_digest": code_digest})


def issue_query_code(project, identity, uow, today, reason=None):
    """A new query code (查询码) for the project: kept as its digest, the code itself answered once."""
    code = query_code.new_code()
    digest = query_code.digest(project.project_code, code)
    uow.projects.add_query_code(QueryCode(project_code=project.project_code, digest=digest, issued_by=identity.sub,
                                          issued_role=identity.role, issued_on=today, reason=reason))
    return code, digest


def register_project(cmd, identity, uow, today):
    catalog = catalog_version(uow)
    catalog.category(cmd["category"])
    catalog.check_region(cmd["region"])
    applicant_org = project_rules.applicant_org_for(identity, cmd["applicant_org"])
    applicant_name = project_rules.applicant_name_for(identity, cmd.get("applicant_name"))
    # The counter of (year, region) stays locked until this registration commits.
    code = project_rules.sequence_code(today.year, cmd["region"],
                                       uow.projects.next_sequence(today.year, cmd["region"]))
    project = Project(project_code=code, name=cmd["name"], category=cmd["category"], region=cmd["region"],
                      applicant_org=applicant_org, applicant_name=applicant_name, attributes=cmd["attributes"],
                      catalog_version=catalog.version, source=project_rules.registration_source(identity),
                      registered_by=identity.sub)
    if not uow.projects.add(project):
        raise Conflict(f"项目代码 {code} 已被占用，请重新登记")
    secret, digest = issue_query_code(project, identity, uow, today)
    uow.emit(registered_event(project, identity, digest))
    # a project registered just now has concluded no stage
    return {**project_view(project, uow, concluded=()), "query_code": secret}


def reissue_query_code(project_code, cmd, identity, uow, today):
    """The window issues a new query code (the one handed out was lost or disclosed), recording why; the
    earlier one no longer answers once readers learn the new digest."""
    project = find_project(uow, project_code, lock=True)
    secret, digest = issue_query_code(project, identity, uow, today, reason=cmd["reason"])
    uow.emit(new_event("project.query_code_issued", source=SOURCE, project_code=project_code,
                       actor=identity.actor(), payload={"project_code": project_code, "query_code_digest": digest,
                                                        "issued_by": identity.sub, "issued_on": today}))
    return {**project_view(project, uow), "query_code": secret}


def list_projects(filters, identity, uow):
    """One page of the projects the caller may list (intake.domain.project.listing_scope), newest first.
    `filters`: {limit, offset, q?, category?, region?, source?}."""
    scope = project_rules.listing_scope(identity)
    found = uow.projects.page(scope, filters["limit"], filters["offset"], q=filters.get("q"),
                              category=filters.get("category"), region=filters.get("region"),
                              source=filters.get("source"))
    concluded = uow.conclusions.stages_of_projects([p.project_code for p in found.items])
    return page_answer(found, [project_view(p, uow, concluded[p.project_code]) for p in found.items])


def _revision(code, number, cmd, identity):
    return ProjectRevision(project_code=code, revision=number, name=cmd["name"], attributes=cmd["attributes"],
                           received=cmd, pushed_by=identity.sub)


def push_project(cmd, identity, uow):
    """A project pushed by the investment platform (000 §3), idempotent by its code: the first push
    registers it, a re-push with changes updates name and attributes (each push kept as a revision),
    an identical re-push changes nothing, a conflicting one is refused with the reasons."""
    code = cmd["project_code"]
    catalog = catalog_version(uow)
    catalog.check_region(cmd["region"])
    project_rules.check_pushed_code(code, cmd["region"])
    project = uow.projects.get(code, lock=True)
    if project is None:
        catalog.category(cmd["category"])
        project = Project(project_code=code, name=cmd["name"], category=cmd["category"], region=cmd["region"],
                          applicant_org=cmd["applicant_org"], applicant_name=cmd.get("applicant_name"),
                          attributes=cmd["attributes"], catalog_version=catalog.version,
                          source=project_rules.PUSHED, registered_by=identity.sub)
        if uow.projects.add(project):
            # The window must never hand out a number the investment platform already used.
            year, region, sequence = project_rules.parse_code(code)
            uow.projects.reserve_sequence(year, region, sequence)
            uow.projects.add_revision(_revision(code, 1, cmd, identity))
            uow.emit(registered_event(project, identity))
            return {**project_view(project, uow), "outcome": project_rules.CREATED, "revision": 1}
        project = uow.projects.get(code, lock=True)   # a concurrent push registered it first
    current = {"applicant_org": project.applicant_org, "category": project.category, "name": project.name,
               "attributes": project.attributes}
    outcome = project_rules.push_outcome(current, cmd)
    revision = uow.projects.latest_revision(code) or 1
    if outcome == project_rules.UPDATED:
        revision += 1
        project.name, project.attributes = cmd["name"], cmd["attributes"]
        uow.projects.update(project)
        uow.projects.add_revision(_revision(code, revision, cmd, identity))
        uow.emit(new_event("project.updated", source=SOURCE, project_code=code, actor=identity.actor(),
                           payload={"project_code": code, "revision": revision, "name": project.name,
                                    "category": project.category, "region": project.region,
                                    "applicant_org": project.applicant_org, "attributes": project.attributes}))
    return {**project_view(project, uow), "outcome": outcome, "revision": revision}


def get_project(project_code, identity, uow):
    return project_view(readable_project(uow, project_code, identity), uow)
