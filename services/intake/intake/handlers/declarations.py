"""Stage declarations (阶段申报, :mod:`intake.domain.declaration`) and their drafts (暂存)."""
import uuid

from intake.domain import declaration as declaration_rules
from intake.domain import forms, window
from intake.domain import material as material_rules
from intake.domain.model import Declaration, Draft
from intake.handlers.common import SOURCE, actionable_project, catalog_version, readable_project
from intake.handlers.documents import document_view, issue_document
from intake.handlers.licences import valid_licences
from platform_kit.contracts import new_event
from platform_kit.errors import NotFound, ValidationFailed
from platform_kit.times import utcnow


def declaration_view(declaration, uow, concluded_stages=None):
    """`concluded_stages`: the project's concluded stages when already read in this unit of work."""
    if concluded_stages is None:
        concluded_stages = uow.conclusions.stages_of(declaration.project_code)
    concluded = declaration.stage in concluded_stages
    return {
        "declaration_id": declaration.id, "project_code": declaration.project_code, "stage": declaration.stage,
        "state": "concluded" if concluded else "open",
        "catalog_version": declaration.catalog_version, "lead_department": declaration.lead_department,
        "stage_limit_days": declaration.stage_limit_days, "form": declaration.form,
        "materials": declaration.materials, "items": declaration.items, "licences": declaration.licences or [],
        "submitted_by": declaration.submitted_by, "submitted_at": declaration.submitted_at,
        "submitted_on": declaration.submitted_on, "guidance_list_id": declaration.guidance_list_id,
    }


def guidance_list(uow, project_code, stage, list_id):
    """The one-time notification list a declaration names must be this project's, of this stage, and
    not superseded (003 §9(二), §11(四)); guidance is never required (003 §5(四))."""
    if not list_id:
        return None
    ref = uow.guidance.list_ref(list_id)
    problem = ("不存在或不属于本项目" if ref is None or ref.project_code != project_code or ref.kind != "one_time"
               else "不是本阶段的清单" if ref.stage != stage else "已被更正后的清单替换" if ref.superseded else None)
    if problem:
        raise ValidationFailed("一次告知清单不正确", [{"field": "guidance_list_id",
                                               "message": f"一次告知清单 {list_id} {problem}"}])
    return list_id


def declared_materials(uow, project_code, material_ids, stored=None):
    """The latest version of each material named, all of them the project's. `stored`, when given,
    is filled with {(material_id, version): the stored version} of the versions declared."""
    declared, errors = [], []
    for index, material_id in enumerate(material_ids):
        material = uow.materials.get(material_id)
        if material is None or material.project_code != project_code or not material.versions:
            errors.append({"field": f"material_ids[{index}]", "message": f"材料 {material_id} 不属于本项目"})
            continue
        declared.append({"material_id": material.id, "version": material.latest.version, "name": material.name,
                         "sha256": material.latest.sha256})
        if stored is not None:
            stored[(material.id, material.latest.version)] = material.latest
    if errors:
        raise ValidationFailed("申报材料不正确", errors)
    return declared


def voucher_materials(uow, materials, known=None):
    """002 §5: each registered material with its form, 纸质（已扫描） or 电子, and the copies received.
    `known`: {(material_id, version): stored version} already read in this unit of work."""
    out = []
    for m in materials:
        stored = (known or {}).get((m["material_id"], m["version"])) \
            or uow.materials.version(m["material_id"], m["version"])
        entry = {"name": m["name"], "version": m["version"], "sha256": m["sha256"],
                 "form": material_rules.form_label(stored.channel), "copies": stored.paper_copies or 1}
        if stored.paper_pages:
            entry["pages"] = stored.paper_pages
        out.append(entry)
    return out


def voucher_facts(project, identity, stage, today, materials, **extra):
    """What a registration voucher states (002 §5)."""
    return {"project_name": project.name, "applicant": window.applicant_label(project.applicant_org, project.applicant_name),
            "stage": stage, "received_on": today.isoformat(), "registered_by": identity.name or identity.sub,
            "channel": "综合窗口" if identity.role == "clerk" else "网上申报", **extra, "materials": materials}


def submit_declaration(project_code, cmd, identity, uow, today):
    # The project row lock serialises declarations of one project across replicas.
    project = actionable_project(uow, project_code, identity, lock=True)
    catalog = catalog_version(uow, project.catalog_version)
    concluded = uow.conclusions.stages_of(project_code)
    plan = declaration_rules.plan(catalog=catalog, category_code=project.category, stage=cmd["stage"],
                                  region=project.region, attributes=project.attributes,
                                  open_stages=uow.declarations.stages_of(project_code) - concluded,
                                  concluded_stages=concluded, form=cmd["form"])
    stored = {}
    materials = declared_materials(uow, project_code, cmd["material_ids"], stored)
    list_id = guidance_list(uow, project_code, plan.stage, cmd.get("guidance_list_id"))
    licences = valid_licences(uow, project_code)
    declaration = Declaration(
        id=str(uuid.uuid4()), project_code=project_code, stage=plan.stage, catalog_version=catalog.version,
        licences=licences, lead_department=plan.lead_department, stage_limit_days=plan.stage_limit_days,
        form=cmd["form"], materials=materials, items=plan.items, submitted_by=identity.sub,
        submitted_role=identity.role, submitted_on=today, guidance_list_id=list_id)
    uow.declarations.add(declaration)
    voucher = issue_document(uow, window.VOUCHER, project, today, declaration_id=declaration.id, facts=voucher_facts(
        project, identity, declaration.stage, today, voucher_materials(uow, materials, stored)))
    uow.emit(new_event("declaration.submitted", source=SOURCE, project_code=project_code,
                       actor=identity.actor(), payload={
                           "declaration_id": declaration.id, "stage": declaration.stage,
                           "category": project.category, "catalog_version": catalog.version,
                           "region": project.region, "applicant_org": project.applicant_org,
                           "project_name": project.name, "lead_department": plan.lead_department,
                           "stage_limit_days": plan.stage_limit_days, "submitted_on": today,
                           "form": declaration.form, "materials": materials, "items": plan.items,
                           "licences": licences, "guidance_list_id": list_id}))
    return {**declaration_view(declaration, uow, concluded), "voucher": document_view(voucher)}


def get_declaration(declaration_id, identity, uow):
    declaration = uow.declarations.get(declaration_id)
    if declaration is None:
        raise NotFound(f"申报 {declaration_id} 不存在")
    readable_project(uow, declaration.project_code, identity)
    return declaration_view(declaration, uow)


# ------------------------------------------------------------------------------- drafts
def draft_view(draft, outstanding):
    return {"project_code": draft.project_code, "stage": draft.stage, "form": draft.form,
            "material_ids": draft.material_ids, "revision": draft.revision, "saved_by": draft.saved_by,
            "saved_at": draft.saved_at, "declaration_id": draft.declaration_id, "outstanding": outstanding}


def _stage_entry(uow, project, stage):
    return catalog_version(uow, project.catalog_version).category(project.category).stage(stage)


def _draft(uow, project_code, stage, lock=False):
    draft = uow.drafts.get(project_code, stage, lock=lock)
    if draft is None:
        raise NotFound(f"项目 {project_code} 没有该阶段的暂存申报")
    return draft


def save_draft(project_code, cmd, identity, uow):
    """Partial save (暂存) of a stage declaration: checked as far as it goes, submitted later."""
    project = actionable_project(uow, project_code, identity, lock=True)
    outstanding = declaration_rules.check_draft(_stage_entry(uow, project, cmd["stage"]), cmd["form"])
    declared_materials(uow, project_code, cmd["material_ids"])
    draft = uow.drafts.get(project_code, cmd["stage"], lock=True)
    if draft is None:
        draft = Draft(project_code=project_code, stage=cmd["stage"], form=cmd["form"],
                      material_ids=cmd["material_ids"], revision=1, saved_by=identity.sub)
    else:
        declaration_rules.check_draft_open(draft.declaration_id)
        draft.form, draft.material_ids, draft.revision = cmd["form"], cmd["material_ids"], draft.revision + 1
        draft.saved_by, draft.saved_at = identity.sub, utcnow()
    uow.drafts.save(draft)
    return draft_view(draft, outstanding)


def get_draft(project_code, stage, identity, uow):
    project = readable_project(uow, project_code, identity)
    draft = _draft(uow, project_code, stage)
    outstanding = [] if draft.declaration_id else forms.form_errors(_stage_entry(uow, project, stage).form, draft.form)
    return draft_view(draft, outstanding)


def submit_draft(project_code, stage, identity, uow, today):
    """Submit the saved draft of `stage` as the stage declaration, with every check a declaration has."""
    actionable_project(uow, project_code, identity, lock=True)
    draft = _draft(uow, project_code, stage, lock=True)
    declaration_rules.check_draft_open(draft.declaration_id)
    result = submit_declaration(project_code, {"stage": stage, "form": draft.form,
                                               "material_ids": draft.material_ids}, identity, uow, today)
    draft.declaration_id = result["declaration_id"]
    uow.drafts.save(draft)
    return result
