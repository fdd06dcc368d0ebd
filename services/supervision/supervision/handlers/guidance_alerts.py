"""003 §12: a project guided more than three times is an abnormal case (异常办件) that starts
supervision and urging (监察、督办). consult's guidance.flagged becomes a supervision alert to the
region's supervisors and a notice to the lead department's head, who answer for it.

003 §9(三): a hard question is answered within 2 working days. A clock that lapsed (guidance.answered
with ``lapsed``) is told like the other lapses: to the region's supervisors, the lead department's head
and the head of the department that did not answer; once per question and audience, whatever the
redeliveries (the notices' dedupe key)."""
from sqlalchemy import select

from platform_kit import notices as kinds
from supervision.adapters.orm import TimelineEntryRow
from supervision.domain.notices import Audience, Notice
from supervision.handlers.notices import deliver


def guidance_flagged(uow, envelope):
    p = envelope.payload
    body = (f"项目 {envelope.project_code} 已第 {p['session_no']} 次申请联合辅导（牵头部门 {p['lead_department']}），"
            f"同一项目辅导超过三次，列为异常办件，按规定启动监察、督办程序（联合辅导实施办法第十二条）。")
    for audience in (Audience.supervisors(p["region"]), Audience.head(p["lead_department"], p["region"])):
        deliver(uow, Notice(
            audience=audience, kind=kinds.SUPERVISION, title=f"异常办件：项目 {envelope.project_code} 辅导超过三次",
            body=body, dedupe=f"event:{envelope.event_id}", project_code=envelope.project_code,
            subject=f"guidance:{p['guidance_id']}"))


def guidance_answer_lapsed(uow, envelope):
    p = envelope.payload
    if not p.get("lapsed"):
        return
    region, lead = p.get("region") or _requested(uow, p["guidance_id"], "region"), \
        p.get("lead_department") or _requested(uow, p["guidance_id"], "lead_department")
    if not region:
        return
    what = f"项目 {envelope.project_code}" if envelope.project_code else "项目意向"
    asked = f"「{p['question']}」" if p.get("question") else "疑难问题"
    body = (f"{what}联合辅导中向 {p['department']} 提出的{asked}应于 {p['due_on']} 前答复，逾期未答复"
            f"（2个工作日内答复，联合辅导实施办法第九条），已亮红灯，请督促答复。")
    audiences = [Audience.supervisors(region)] + [Audience.head(d, region) for d in dict.fromkeys((lead, p["department"])) if d]
    for audience in audiences:
        deliver(uow, Notice(
            audience=audience, kind=kinds.SUPERVISION, urgency="urgent",
            title=f"辅导答复逾期：{p['department']} 未在 {p['due_on']} 前答复", body=body,
            dedupe=f"guidance_lapsed:{p['question_id']}", project_code=envelope.project_code,
            subject=f"guidance:{p['guidance_id']}"))


def _requested(uow, guidance_id, field):
    """The field of the session's guidance.requested on the timeline (events of an earlier version)."""
    entry = uow.session.execute(select(TimelineEntryRow).where(
        TimelineEntryRow.type == "guidance.requested",
        TimelineEntryRow.payload["guidance_id"].as_string() == guidance_id)).scalars().first()
    return (entry.payload or {}).get(field) if entry is not None else None


FOLLOW_UPS = {"guidance.flagged": guidance_flagged, "guidance.answered": guidance_answer_lapsed}
