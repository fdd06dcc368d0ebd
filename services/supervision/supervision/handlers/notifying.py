"""Notices that follow from events (domain.notices): the applicant hears of every window document
issued for their project (002 §22, 000 §13). Called in the same transaction that records the event,
once per event (redeliveries never reach here)."""
from platform_kit import notices as kinds
from platform_kit.calendar_store import record_year
from supervision.handlers import accountability, complaints
from supervision.domain.notices import Audience, Notice
from supervision.handlers.notices import deliver

# the window's document kinds (platform_kit.wire.intake.DOCUMENT_KINDS) by the kind of notice they make
_DOCUMENT_NOTICE = {"supplement_notice": kinds.SUPPLEMENT, "completion_notice": kinds.COMPLETION,
                    "refusal_decision": kinds.DECISION, "disapproval_decision": kinds.DECISION}


def document_issued(uow, envelope):
    p = envelope.payload
    kind = _DOCUMENT_NOTICE.get(p["kind"], kinds.DOCUMENT)
    deliver(uow, Notice(
        audience=Audience.applicant(p["applicant_org"]), kind=kind, title=f"{p['title']}已出具",
        body=f"项目 {envelope.project_code} 的《{p['title']}》（{p['document_no']}）已于 {p['issued_on']:%Y年%m月%d日} "
             f"出具，可在“我的文书”中查看、下载和打印。",
        dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code, case_id=p.get("case_id"),
        subject=f"document:{p['document_id']}"))


FOLLOW_UPS = {"document.issued": document_issued}


# ------------------------------------------------------------ complaints and the accountability list
def calendar_year_loaded(uow, envelope):
    """Keep the operator's load (platform_kit.calendar_store), so complaint deadlines count with the
    platform's one calendar, and count again the estimated deadlines running through that year."""
    p = envelope.payload
    record_year(uow.session, p["year"], p["holidays"], p["working_weekends"], p["loaded_by"], p["loaded_at"],
                event_id=envelope.event_id)
    uow.session.flush()
    complaints.recount_estimates(uow, p["year"], envelope.event_id)


# further follow-ups, event type -> function, run like FOLLOW_UPS
MORE_FOLLOW_UPS = (accountability.FOLLOW_UPS, {"calendar.year_loaded": calendar_year_loaded})


def follow_up(uow, envelope):
    act = FOLLOW_UPS.get(envelope.type)
    if act is not None:
        act(uow, envelope)
    for table in MORE_FOLLOW_UPS:
        act = table.get(envelope.type)
        if act is not None:
            act(uow, envelope)
