"""Opening a stage from a submitted declaration, and what other services tell a case afterwards
(its licence number, the supplement the window registered)."""
import uuid

from stage.domain.case import Case
from stage.domain.stage import Stage
from stage.domain.decision import SUPPLEMENT_RECEIVED, Decision
from stage.handlers.events import Events

CONSUMER = "stage"


def open_stage(envelope, uow, yellow_days):
    """intake/declaration.submitted: the stage and one case per item, once per declaration."""
    if not uow.first_time(envelope, f"{CONSUMER}.declaration_submitted"):
        return None
    p = envelope.payload
    existing = uow.stages.by_declaration(p["declaration_id"])
    if existing:  # the same declaration delivered under another event id
        return existing
    calendar = uow.calendar.current()
    received_on = p["submitted_on"]
    stage = Stage.open(id=str(uuid.uuid4()), lead_department=p["lead_department"], limit_days=p["stage_limit_days"],
                       received_on=received_on, calendar=calendar, project_code=envelope.project_code,
                       stage=p["stage"], declaration_id=p["declaration_id"], region=p["region"],
                       applicant_org=p["applicant_org"], project_name=p["project_name"])
    uow.stages.add(stage)
    for item in p["items"]:
        case = Case.open(id=str(uuid.uuid4()), stage_id=stage.id, item_code=item["item_code"],
                         department=item["department"], region=item["region"], limit_days=item["limit_days"],
                         received_on=received_on, applicant_org=p["applicant_org"], calendar=calendar,
                         project_code=envelope.project_code, stage=p["stage"], item_name=item["item_name"],
                         project_name=p["project_name"], lapse_action=item.get("lapse_action"))
        uow.cases.add(case)
        stage.cases.append(case)
    Events(uow, calendar, received_on, yellow_days).stage(
        "stage.opened", stage, envelope.actor, declaration_id=p["declaration_id"],
        lead_department=p["lead_department"], limit_days=stage.limit_days, received_on=received_on,
        cases=[{"case_id": c.id, "item_code": c.item_code, "department": c.department, "limit_days": c.limit_days,
                "state": c.state, "acceptance_due_on": c.acceptance_due_on} for c in stage.cases])
    return stage.id


def attach_licence(envelope, uow):
    """certificate/licence.issued: the licence number shown on its case."""
    if not uow.first_time(envelope, f"{CONSUMER}.licence_issued"):
        return
    uow.cases.attach_licence(envelope.payload["case_id"], envelope.payload["licence_no"])


def record_supplement_received(envelope, uow):
    """intake/supplement.submitted: the window registered the supplement and passed it on (002 §8); the
    case records its receipt (the officer then checks it and accepts it). Once per event."""
    if not uow.first_time(envelope, f"{CONSUMER}.supplement_submitted"):
        return None
    p = envelope.payload
    if uow.cases.project_of(p["case_id"]) != envelope.project_code:
        return None   # not a case of this project: nothing to record against
    _, case = uow.cases.get_locked(p["case_id"])
    uow.decisions.add(Decision.act(case.stage_id, case.id, SUPPLEMENT_RECEIVED, p["submitted_on"], envelope.actor,
                                   opinion=p.get("note") or "", details={
        "materials": [{"material_id": m["material_id"], "version": m["version"], "name": m["name"],
                       "sha256": m["sha256"]} for m in p["materials"]],
        "declaration_id": p.get("declaration_id"), "document_no": p.get("document_no"),
        "event_id": envelope.event_id, "state": case.state}))
    return case.id
