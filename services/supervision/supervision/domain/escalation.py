"""Automatic escalation of case clocks by their light (000 §18, 002 §2(三), 004 §21).

Rules per light, configurable (``ESCALATION_*`` config keys, defaults below):

- **yellow** (the deadline is near): the responsible officers of the case's department in its
  region are reminded (提醒);
- **red** (past the deadline): the department's head is urged (催办) and the stage's lead
  department told;
- **supervision** (督办): still red ``red_days`` working days after the deadline: the supervisors
  of the case's region are told to supervise it.

Each rule acts once per clock (a case's clock of one round) and level.
"""
from dataclasses import dataclass
from datetime import timedelta

from platform_kit import notices as kinds
from supervision.domain.notices import Audience, Notice

YELLOW, RED, SUPERVISION = "yellow", "red", "supervision"
LEVELS = (YELLOW, RED, SUPERVISION)


def _flag(value):
    return str(value).strip().lower() not in ("0", "false", "no", "off", "")


@dataclass(frozen=True)
class Rules:
    remind_on_yellow: bool = True
    urge_on_red: bool = True
    red_days: int = 2                 # working days past the deadline before 督办; negative: never
    red_urgency: str = kinds.URGENT
    supervision_urgency: str = kinds.VERY_URGENT

    @classmethod
    def from_config(cls, config):
        return cls(remind_on_yellow=_flag(config.get("ESCALATION_YELLOW_REMIND", True)),
                   urge_on_red=_flag(config.get("ESCALATION_RED_URGE", True)),
                   red_days=int(config.get("ESCALATION_RED_DAYS", 2)),
                   red_urgency=config.get("ESCALATION_RED_URGENCY", kinds.URGENT),
                   supervision_urgency=config.get("ESCALATION_SUPERVISION_URGENCY", kinds.VERY_URGENT))

    def levels(self):
        return tuple(level for level, on in ((YELLOW, self.remind_on_yellow), (RED, self.urge_on_red),
                                              (SUPERVISION, self.red_days >= 0)) if on)


def supervision_cutoff(calendar, today, red_days):
    """The latest deadline that is `red_days` working days behind `today`: a clock due on or before
    it has been red for at least that many working days (working days in (due, today])."""
    day, counted = today, 0
    while counted < red_days:
        if calendar.is_working_day(day):
            counted += 1
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True)
class Alert:
    """A clock that reached a level, with what its notices need."""
    clock_id: str
    level: str
    case_id: str
    project_code: str
    department: str
    region: str
    due_on: object
    stage_id: str = None
    item_name: str = None
    lead_department: str = None


def notices_for(alert, rules):
    """The notices of one escalation."""
    what = f"「{alert.item_name}」" if alert.item_name else "办件"
    where = f"项目 {alert.project_code} 的" if alert.project_code else ""
    common = dict(dedupe=f"escalation:{alert.clock_id}:{alert.level}", project_code=alert.project_code,
                  case_id=alert.case_id, stage_id=alert.stage_id, subject=f"case:{alert.case_id}")
    if alert.level == YELLOW:
        return [Notice(audience=Audience.officers(alert.department, alert.region), kind=kinds.REMINDER,
                       title=f"临近时限提醒：{what}",
                       body=f"{where}{what}将于 {alert.due_on} 到期（黄灯），请抓紧办理。", **common)]
    if alert.level == RED:
        out = [Notice(audience=Audience.head(alert.department, alert.region), kind=kinds.URGE,
                      urgency=rules.red_urgency, title=f"超时限催办：{what}",
                      body=f"{where}{what}已于 {alert.due_on} 到期仍未办结（红灯），请督促承办人员立即办理。", **common)]
        if alert.lead_department and alert.lead_department != alert.department:
            out.append(Notice(audience=Audience.office(alert.lead_department, alert.region), kind=kinds.REMINDER,
                              urgency=rules.red_urgency, title=f"牵头阶段办件超时限：{what}",
                              body=f"{where}{what}（{alert.department}）已于 {alert.due_on} 到期仍未办结，"
                                   f"请牵头部门督促协调。", **common))
        return out
    return [Notice(audience=Audience.supervisors(alert.region), kind=kinds.SUPERVISION,
                   urgency=rules.supervision_urgency, title=f"督办：{what}超时限",
                   body=f"{where}{what}（{alert.department}）已于 {alert.due_on} 到期，超过 {rules.red_days} 个工作日"
                        f"仍未办结，请督查人员督办。", **common)]


__all__ = ["Rules", "Alert", "LEVELS", "YELLOW", "RED", "SUPERVISION", "supervision_cutoff", "notices_for"]
