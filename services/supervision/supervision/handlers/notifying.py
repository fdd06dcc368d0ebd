"""Notices that follow from events (domain.notices): the applicant hears of every window document
issued for their project (002 §22, 000 §13), and of the results no window document tells: a licence
issued or revoked, a stage concluded; a department's office hears that a consultation or a joint
review asks for its answer (004 §14, 002 §14–§17). Called in the same transaction that records the
event, once per event (redeliveries never reach here; the event id is the notice's de-duplication
key besides)."""
from platform_kit import notices as kinds
from platform_kit.calendar_store import record_year
from supervision.adapters.orm import ProjectRow
from supervision.handlers import accountability, complaints, guidance_alerts
from supervision.domain.notices import Audience, Notice
from supervision.domain.timeline import STAGE_NAMES
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


def _applicant_of(uow, project_code):
    project = uow.session.get(ProjectRow, project_code) if project_code else None
    return project.applicant_org if project is not None and project.applicant_org else None


def _day(value):
    return f"{value:%Y年%m月%d日}" if value else ""


def licence_issued(uow, envelope):
    p = envelope.payload
    deliver(uow, Notice(
        audience=Audience.applicant(p["holder"]), kind=kinds.DECISION, title=f"《{p['item_name']}》电子证照已出具",
        body=f"项目 {envelope.project_code} 的《{p['item_name']}》（{p['department']}）已于 {_day(p['issued_on'])} "
             f"签发电子证照，证照编号 {p['licence_no']}，可在项目的“证照”中查看、下载，并可公开核验。",
        dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code, case_id=p["case_id"],
        subject=f"licence:{p['licence_id']}"))


def licence_revoked(uow, envelope):
    p = envelope.payload
    org = _applicant_of(uow, envelope.project_code)
    if org is None:
        return
    deliver(uow, Notice(
        audience=Audience.applicant(org), kind=kinds.DECISION, title=f"电子证照 {p['licence_no']} 已废止",
        body=f"项目 {envelope.project_code} 的电子证照 {p['licence_no']}（{p['department']}）已于 "
             f"{_day(p['revoked_on'])} 废止，理由：{p['reason']}。",
        dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code, case_id=p["case_id"],
        subject=f"licence:{p['licence_id']}"))


def stage_concluded(uow, envelope):
    p = envelope.payload
    org = _applicant_of(uow, envelope.project_code)
    if org is None:
        return
    stage = STAGE_NAMES.get(p["stage"], p["stage"])
    deliver(uow, Notice(
        audience=Audience.applicant(org), kind=kinds.COMPLETION, title=f"{stage}阶段已办结",
        body=f"项目 {envelope.project_code} 的{stage}阶段已于 {_day(p['concluded_on'])} 办结"
             f"（{'在' if p['on_time'] else '超出'}承诺时限内，{_day(p['due_on'])} 到期）。各事项的结果文书与证照"
             f"可在项目中查看。",
        dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code, stage_id=p["stage_id"],
        subject=f"stage:{p['stage_id']}"))


def _office(department, region):
    return Audience.office(department, region) if region else Audience(department=department)


def consultation_opened(uow, envelope):
    p = envelope.payload
    for department in dict.fromkeys(p["asked_of"]):
        deliver(uow, Notice(
            audience=_office(department, p.get("region")), kind=kinds.CONSULTATION,
            title=f"{p['asked_by']} 征求意见，请于 {_day(p['due_on'])} 前答复",
            body=f"{p['asked_by']} 就项目 {envelope.project_code or ''} 征求本部门意见：{p['question']}。"
                 f"请于 {_day(p['due_on'])} 前在“部门征询”中答复；逾期未答复的视为无意见（004 §14）。",
            dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code, case_id=p.get("case_id"),
            subject=f"consultation:{p['consultation_id']}"))


_JOINT_REVIEWS = {"design_scheme": "方案联审", "construction_drawings": "联合审图", "joint_survey": "联合测绘",
                  "joint_acceptance": "联合验收"}


def joint_review_convened(uow, envelope):
    p = envelope.payload
    name = _JOINT_REVIEWS.get(p["kind"], "会审")
    where = "线上" if p["online"] else (p.get("place") or "")
    for department in dict.fromkeys(p["invitees"]):
        deliver(uow, Notice(
            audience=_office(department, p.get("region")), kind=kinds.CONSULTATION,
            title=f"{p['convened_by']} 召集{name}，请于 {_day(p['due_on'])} 前反馈",
            body=f"牵头部门 {p['convened_by']} 召集{name}：{p['subject']}。会审日期 {_day(p['meeting_on'])}"
                 f"{('，' + where) if where else ''}。请于 {_day(p['due_on'])} 前在“联合会审”中反馈意见；"
                 f"逾期未反馈的视为无意见，并记为未按时反馈。",
            dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code, stage_id=p["stage_id"],
            subject=f"joint_review:{p['joint_review_id']}"))


# accepted, returned, refused, disapproved, not required, completed per item: told by the window's
# documents (document.issued); the rest here
FOLLOW_UPS = {"document.issued": document_issued, "licence.issued": licence_issued,
              "licence.revoked": licence_revoked, "stage.concluded": stage_concluded,
              "consultation.opened": consultation_opened, "joint_review.convened": joint_review_convened}


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
MORE_FOLLOW_UPS = (accountability.FOLLOW_UPS, {"calendar.year_loaded": calendar_year_loaded},
                   guidance_alerts.FOLLOW_UPS)


def follow_up(uow, envelope):
    act = FOLLOW_UPS.get(envelope.type)
    if act is not None:
        act(uow, envelope)
    for table in MORE_FOLLOW_UPS:
        act = table.get(envelope.type)
        if act is not None:
            act(uow, envelope)
