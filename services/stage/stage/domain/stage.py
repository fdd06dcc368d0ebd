"""Stages (审批阶段): a project's stage declaration handled by several departments in parallel under one
lead department (002 §14), with the stage clock.

The stage clock runs from receipt of the stage, pauses while any case is paused for supplement or
returned and not yet resubmitted, and stops when every case is closed (000 §12).
"""
from dataclasses import dataclass, field
from datetime import date

from platform_kit.errors import Conflict, Forbidden
from platform_kit.states import STAGE_CONCLUDED, STAGE_OPEN
from stage.domain.clock import Clock


def is_lead(identity, lead):
    """`identity` is an officer of the stage's lead department `lead` (department, region)."""
    return lead is not None and identity.role == "officer" and (identity.department, identity.region) == tuple(lead)


@dataclass
class Stage:
    id: str
    lead_department: str
    limit_days: int
    received_on: date
    state: str = STAGE_OPEN
    concluded_on: date = None
    clock: Clock = None
    # what the stage is about (set when it opens)
    project_code: str = None
    stage: str = None
    declaration_id: str = None
    region: str = None
    applicant_org: str = None
    project_name: str = None
    cases: list = field(default_factory=list, repr=False, compare=False)   # its cases, item order

    @classmethod
    def open(cls, *, id, lead_department, limit_days, received_on, calendar, project_code=None, stage=None,
             declaration_id=None, region=None, applicant_org=None, project_name=None):
        return cls(id=id, lead_department=lead_department, limit_days=limit_days,
                   received_on=received_on, clock=Clock.start(limit_days, received_on, calendar),
                   project_code=project_code, stage=stage, declaration_id=declaration_id, region=region,
                   applicant_org=applicant_org, project_name=project_name)

    def sync_clock(self, cases, today, calendar):
        """000 §12: paused while any case is paused for supplement or returned; returns
        "paused" / "resumed" when that changed now."""
        if self.state != STAGE_OPEN:
            return None
        hold = any(c.holds_stage_clock for c in cases)
        if hold and self.clock.running:
            self.clock.pause(max(today, self.clock.running_since), calendar)
            return "paused"
        if not hold and self.clock.paused:
            self.clock.resume(today, calendar)
            return "resumed"
        return None

    def try_conclude(self, cases, today, calendar):
        """The stage concludes when every case is closed; True when it did now."""
        if self.state != STAGE_OPEN or not cases or not all(c.closed for c in cases):
            return False
        self.clock.stop(today, calendar)
        self.state = STAGE_CONCLUDED
        self.concluded_on = today
        return True

    @property
    def lead(self):
        return self.lead_department, self.region

    def authorize_lead(self, identity):
        """002 §14: only the lead department decides extensions of its stage."""
        if identity.role != "officer" or identity.department != self.lead_department:
            raise Forbidden("只有本阶段的牵头部门可以延长审批时限")

    def extend(self, days, calendar):
        if self.state != STAGE_OPEN:
            raise Conflict("阶段已办结，不能延长时限")
        self.clock.extend(days, calendar)
