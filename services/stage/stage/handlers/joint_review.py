"""What a concluded joint review (会审, consult's ``joint_review.concluded``) leaves on the stage's
cases: its conclusion, recorded in the history of every case of the stage still open, so that each
department deciding a case has it before it (002 §14–§17). Once per event."""
from platform_kit.states import CASE_CLOSED_STATES
from stage.domain.decision import JOINT_REVIEW_CONCLUDED, Decision

CONSUMER = "stage.joint_review_concluded"


def record_joint_review_conclusion(envelope, uow):
    """Returns the ids of the cases the conclusion was recorded on (none on a redelivery, or for a
    stage this service does not know or that belongs to another project)."""
    if not uow.first_time(envelope, CONSUMER):
        return []
    p = envelope.payload
    stage = uow.stages.get_locked(p["stage_id"])
    if stage is None or stage.project_code != envelope.project_code:
        return []
    recorded = []
    for case in stage.cases:
        if case.state in CASE_CLOSED_STATES:
            continue
        uow.decisions.add(Decision.act(stage.id, case.id, JOINT_REVIEW_CONCLUDED, p["closed_on"], envelope.actor,
                                       opinion=p["conclusion"], details={
                                           "joint_review_id": p["joint_review_id"], "kind": p["kind"],
                                           "convened_by": p["convened_by"], "subject": p["subject"],
                                           "meeting_on": p["meeting_on"].isoformat(),
                                           "failed_to_answer": list(p.get("failed_to_answer") or ()),
                                           "answers": [{"department": a["department"],
                                                        "opinion_kind": a["opinion_kind"], "on_time": a["on_time"]}
                                                       for a in p["answers"]],
                                           "event_id": str(envelope.event_id), "state": case.state}))
        recorded.append(case.id)
    return recorded
