"""003 §12: a project guided more than three times is an abnormal case (异常办件) that starts
supervision and urging (监察、督办). consult's guidance.flagged becomes a supervision alert to the
region's supervisors and a notice to the lead department's head, who answer for it."""
from platform_kit import notices as kinds
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


FOLLOW_UPS = {"guidance.flagged": guidance_flagged}
