"""What intake learns from other services: licences of earlier stages (attached to later declarations,
000 §7) and stages concluded (the next one opens to declaration)."""
from intake.domain.model import Licence, LicenceRevocation, StageConclusion


def valid_licences(uow, project_code):
    """The project's licences that are not revoked: results the platform attaches to later
    declarations so the applicant is never asked for them (000 §7)."""
    return [{"licence_id": licence.licence_id, "licence_no": licence.licence_no, "item_code": licence.item_code,
             "item_name": licence.item_name} for licence in uow.licences.valid_of(project_code)]


def record_licence_issued(envelope, uow, consumer):
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    return uow.licences.add(Licence(
        licence_id=p["licence_id"], project_code=envelope.project_code, case_id=p["case_id"],
        item_code=p["item_code"], item_name=p["item_name"], licence_no=p["licence_no"],
        department=p["department"], issued_on=p["issued_on"], event_id=envelope.event_id))


def record_licence_revoked(envelope, uow, consumer):
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    return uow.licences.add_revocation(LicenceRevocation(
        licence_id=p["licence_id"], reason=p["reason"], revoked_on=p["revoked_on"], event_id=envelope.event_id))


def record_stage_concluded(envelope, uow, consumer):
    """``stage.concluded``: the next stage becomes open to declaration. Idempotent by event id, and by
    (project, stage) for a conclusion that arrives twice under different event ids."""
    if not uow.first_time(envelope, consumer):
        return False
    p = envelope.payload
    return uow.conclusions.add(StageConclusion(
        project_code=envelope.project_code, stage=p["stage"], declaration_id=p["declaration_id"],
        concluded_on=p["concluded_on"], event_id=envelope.event_id))
