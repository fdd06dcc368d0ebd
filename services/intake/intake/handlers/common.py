"""What every section of the use cases needs: the catalog a project follows and the project itself,
found and checked against who is asking (the rules are in :mod:`intake.domain.project`)."""
from intake.domain import project as project_rules
from platform_kit.errors import NotFound

SOURCE = "intake"


def catalog_version(uow, version=None):
    """The parsed catalog `version` (latest when None); NotFound when there is none."""
    if version is None:
        version = uow.catalogs.latest_version()
        if version is None:
            raise NotFound("尚未载入审批事项目录")
    catalog = uow.catalogs.parsed(version)
    if catalog is None:
        raise NotFound(f"审批事项目录第 {version} 版不存在")
    return catalog


def department_name(catalog, code):
    department = catalog.departments.get(code)
    return department.name if department else code


def find_project(uow, project_code, lock=False):
    project_rules.parse_code(project_code)
    project = uow.projects.get(project_code, lock=lock)
    if project is None:
        raise NotFound(f"项目 {project_code} 不存在")
    return project


def project_reach(uow, project_code):
    """The departments the project concerns: its declared items (each a case of the stage service),
    the cases the stage service announced, the departments consulted on it until the countersign."""
    return project_rules.Reach(
        cases=frozenset(uow.declarations.departments_of(project_code) | uow.case_facts.departments_of(project_code)),
        consulted=frozenset(uow.consultations.open_grants(project_code)))


def readable_project(uow, project_code, identity):
    project = find_project(uow, project_code)
    return project_rules.check_readable(identity, project, lambda: project_reach(uow, project_code))


def actionable_project(uow, project_code, identity, lock=False):
    return project_rules.check_actionable(identity, find_project(uow, project_code, lock=lock))


def page_answer(page, items):
    return {"items": items, "total": page.total, "limit": page.limit, "offset": page.offset}
