"""What the stage service learns of the consultations on its cases (stage.domain.consultation):
each handler keeps its event's facts once per event (a redelivery changes nothing) and in any
order the events arrive."""
from platform_kit.contracts import NO_OPINION_BY_DEADLINE
from stage.domain.consultation import CaseConsultation

CONSUMER = "stage"


def record_consultation_opened(envelope, uow):
    """consult/consultation.opened: a consultation on a case (one not on a case concerns no case)."""
    if not uow.first_time(envelope, f"{CONSUMER}.consultation_opened"):
        return False
    p = envelope.payload
    if not p.get("case_id"):
        return False
    return uow.consultations.add_opened(CaseConsultation(
        id=p["consultation_id"], case_id=p["case_id"], asked_by=p["asked_by"], asked_of=tuple(p["asked_of"]),
        question=p["question"], region=p.get("region"), due_on=p["due_on"]), envelope.event_id)


def record_consultation_replied(envelope, uow):
    """consult/consultation.replied: the department's answer is in."""
    if not uow.first_time(envelope, f"{CONSUMER}.consultation_replied"):
        return False
    p = envelope.payload
    if not p.get("case_id"):
        return False
    return uow.consultations.add_answers(p["consultation_id"], [p["department"]], "replied", envelope.event_id)


def record_consultation_lapsed(envelope, uow):
    """consult/consultation.lapsed: the silent departments are recorded as no opinion (004 §14)."""
    if not uow.first_time(envelope, f"{CONSUMER}.consultation_lapsed"):
        return False
    p = envelope.payload
    if not p.get("case_id"):
        return False
    return uow.consultations.add_answers(p["consultation_id"], p["departments"], NO_OPINION_BY_DEADLINE,
                                         envelope.event_id)


def record_consultation_closed(envelope, uow):
    """consult/consultation.closed: the consultation no longer holds the case back, and the departments
    asked no longer read it. Version 1 closed once every department had answered; version 2 when the
    asking department countersigns, and it carries every answer."""
    if not uow.first_time(envelope, f"{CONSUMER}.consultation_closed"):
        return False
    p = envelope.payload
    if not p.get("case_id"):
        return False
    silent = [r["department"] for r in p["replies"] if r["opinion_kind"] == NO_OPINION_BY_DEADLINE]
    replied = [r["department"] for r in p["replies"] if r["opinion_kind"] != NO_OPINION_BY_DEADLINE]
    uow.consultations.add_answers(p["consultation_id"], replied, "replied", envelope.event_id)
    uow.consultations.add_answers(p["consultation_id"], silent, NO_OPINION_BY_DEADLINE, envelope.event_id)
    return uow.consultations.add_closure(p["consultation_id"], p["closed_on"], p.get("closed_by"), envelope.event_id)
