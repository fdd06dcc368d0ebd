"""Supplements handed in through the window (002 §8, :mod:`intake.domain.supplement`)."""
import uuid

from intake.domain import supplement, window
from intake.domain.model import SupplementSubmission
from intake.handlers.common import SOURCE, actionable_project, catalog_version, department_name
from intake.handlers.declarations import declared_materials, voucher_facts, voucher_materials
from intake.handlers.documents import document_view, issue_document
from platform_kit.contracts import new_event
from platform_kit.errors import Conflict


def submission_view(submission, voucher):
    return {"submission_id": submission.id, "project_code": submission.project_code, "case_id": submission.case_id,
            "declaration_id": submission.declaration_id, "materials": submission.materials, "note": submission.note,
            "submitted_by": submission.submitted_by, "submitted_at": submission.submitted_at,
            "submitted_on": submission.submitted_on, "voucher": document_view(voucher)}


def submit_supplement(project_code, cmd, identity, uow, today):
    """002 §8: the supplement asked for is handed in through the window, registered with a voucher and
    passed on to the department (``supplement.submitted``); the department then accepts it."""
    # The project row lock serialises submissions of one project across replicas.
    project = actionable_project(uow, project_code, identity, lock=True)
    request = supplement.waiting_request(project_code, cmd["case_id"], [
        {"type": f.type, "project_code": f.project_code, "event_id": f.event_id, "fact": f}
        for f in uow.case_facts.of_case(cmd["case_id"])])["fact"]
    supplement.check_not_submitted(uow.supplements.for_request(request.event_id))
    materials = declared_materials(uow, project_code, cmd["material_ids"])
    declaration_id = uow.declarations.latest_of_stage(project_code, request.stage)
    catalog = catalog_version(uow, project.catalog_version)
    summary = {"补正事项": request.item_name, "审批部门": department_name(catalog, request.department),
               "补正通知书": uow.documents.number_of_event(request.event_id) or "", "补正说明": cmd.get("note") or ""}
    voucher = issue_document(uow, window.VOUCHER, project, today, declaration_id=declaration_id,
                             case_id=request.case_id, facts=voucher_facts(
                                 project, identity, request.stage, today, voucher_materials(uow, materials),
                                 subject="补齐补正材料", summary={k: v for k, v in summary.items() if v}))
    submission = SupplementSubmission(
        id=str(uuid.uuid4()), project_code=project_code, case_id=request.case_id, request_event_id=request.event_id,
        declaration_id=declaration_id, materials=materials, note=cmd.get("note") or "", voucher_id=voucher.id,
        submitted_by=identity.sub, submitted_role=identity.role, submitted_on=today)
    if not uow.supplements.add(submission):
        raise Conflict("该补正通知的材料正在同时提交，请刷新后查看")
    uow.emit(new_event("supplement.submitted", source=SOURCE, project_code=project_code, actor=identity.actor(),
                       payload={"case_id": request.case_id, "declaration_id": declaration_id, "stage": request.stage,
                                "materials": materials, "submitted_on": today, "note": submission.note,
                                "document_no": voucher.document_no}))
    return submission_view(submission, voucher)
