"""Who may urge, inspect and coordinate what (000 §18, 004 §21-22, 002 §2(三)), and who hears of it.

Plain rules over the facts of a target (a case, a stage, a consultation, a guidance answer): the
department that owes the next step, its region and the stage's lead department.

- An urge (催办) comes from the stage's lead department (its officers, for the stage's cases and
  the stage itself), from a department's head (department admin, for their own department) or from
  a supervisor (for their own region, 004 §21). It reaches the officers of the department urged
  in its region and the department's head.
- An inspection note (督查) comes from the stage's lead department or a supervisor.
- A coordination request (协调申请) goes from a department to the lead department of a stage.
"""
import re
from dataclasses import dataclass

from platform_kit.errors import Forbidden
from platform_kit.identity import DEPT_ADMIN, OFFICER, SUPERVISOR, within_region
from supervision.domain.notices import Audience

CASE, STAGE, CONSULTATION, GUIDANCE = "case", "stage", "consultation", "guidance"
TARGET_KINDS = (CASE, STAGE, CONSULTATION, GUIDANCE)
TARGET_NAMES = {CASE: "办件", STAGE: "阶段", CONSULTATION: "征求意见", GUIDANCE: "辅导答复"}
# a guidance answer is named by a UUID
GUIDANCE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@dataclass(frozen=True)
class Target:
    """What is urged or inspected: the department that owes the next step and where it sits."""
    kind: str
    id: str
    department: str
    region: str = None
    project_code: str = None
    stage_id: str = None
    case_id: str = None
    lead_department: str = None
    label: str = ""           # how people name it ("建设用地规划许可证" …)


def _in_region(identity, region):
    return region is None or within_region(region, identity.region)


def check_may_urge(identity, target):
    """Forbidden unless `identity` may urge `target`."""
    if identity.role == SUPERVISOR:
        if not within_region(target.region or "", identity.region):
            raise Forbidden("督查人员只能催办本行政区划内的事项")
        return
    if identity.role == DEPT_ADMIN:
        if identity.department != target.department or not _in_region(identity, target.region):
            raise Forbidden("部门负责人只能催办本部门的事项")
        return
    if identity.role == OFFICER:
        if not target.lead_department:
            raise Forbidden("无法确认该事项所属阶段的牵头部门，审批人员不能催办")
        if identity.department != target.lead_department or not _in_region(identity, target.region):
            raise Forbidden("只有阶段牵头部门可以催办本阶段的事项")
        return
    raise Forbidden(f"角色 {identity.role} 无权催办")


def check_may_inspect(identity, target):
    """Lead department officers (cases of their stages; a department: its own region's) and
    supervisors (their region) record inspection notes."""
    if identity.role == SUPERVISOR:
        if not within_region(target.region or "", identity.region):
            raise Forbidden("督查人员只能督查本行政区划内的事项")
        return
    if identity.role == OFFICER:
        if target.kind == CASE and identity.department == target.lead_department and _in_region(identity, target.region):
            return
        raise Forbidden("只有阶段牵头部门或督查人员可以记录督查意见")
    raise Forbidden(f"角色 {identity.role} 无权记录督查意见")


def urge_recipients(target):
    """The responsible officers of the department urged in its region, and its head."""
    return [Audience.officers(target.department, target.region), Audience.head(target.department, target.region)]


__all__ = ["Target", "TARGET_KINDS", "TARGET_NAMES", "CASE", "STAGE", "CONSULTATION", "GUIDANCE", "GUIDANCE_ID",
           "check_may_urge", "check_may_inspect", "urge_recipients"]
