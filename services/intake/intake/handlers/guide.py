"""The flowchart and the material checklist of a project (办事指南, 000 §6, §7)."""
from intake.domain import guide
from intake.handlers.common import catalog_version, readable_project
from intake.handlers.licences import valid_licences


def _home_region(catalog):
    city = [d.region for d in catalog.departments.values() if d.level == "city"]
    return city[0] if city else None


def preview_guide(cmd, uow):
    """The flowchart a project of this kind would get under the latest catalog (000 §6)."""
    catalog = catalog_version(uow)
    return guide.build(catalog, cmd["category"], cmd["attributes"], cmd["region"] or _home_region(catalog),
                       published=uow.guidance.entries())


def get_guide(project_code, identity, uow):
    """The project's own flowchart: its catalog version, its attributes, its progress."""
    project = readable_project(uow, project_code, identity)
    catalog = catalog_version(uow, project.catalog_version)
    flow = guide.build(catalog, project.category, project.attributes, project.region,
                       declared_stages=uow.declarations.stages_of(project_code),
                       concluded_stages=uow.conclusions.stages_of(project_code),
                       licences=valid_licences(uow, project_code), published=uow.guidance.entries())
    return {"project_code": project.project_code, "project_name": project.name, **flow}


def get_checklist(project_code, stage, identity, uow):
    """The stage's materials for this project: already uploaded (offered again), attached by the
    platform, or still missing."""
    flow = get_guide(project_code, identity, uow)
    uploaded = {m.name: {"material_id": m.id, "version": m.latest.version, "sha256": m.latest.sha256}
                for m in uow.materials.of_project(project_code) if m.versions}
    return {"project_code": project_code, "stage": stage, "materials": guide.checklist(flow, stage, uploaded)}
