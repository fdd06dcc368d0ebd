"""Notices (消息): what the platform tells a person or an office, and who reads it.

000 §13 and 002 §22: results and notices reach the applicant on the platform; 000 §18 and 004 §22:
urges (催办) and reminders reach the responsible persons and their department; 002 §33: supervisors
hear of what is escalated to them. A notice is addressed to an **audience**, not copied per person:
one person (an account), an applicant organisation, a department's office in a region (optionally
only its head, the department admin), or the supervisors whose territory holds a region. Whoever
the audience covers reads the notice in their inbox; each reading is recorded per account.
"""
from dataclasses import dataclass

from platform_kit.errors import ValidationFailed
from platform_kit.identity import DEPT_ADMIN, OFFICER, ROLES, SUPERVISOR, within_region
from platform_kit.notices import KINDS, NORMAL, URGENCIES  # noqa: F401  (the names, once)

@dataclass(frozen=True)
class Audience:
    """Who a notice is for. Every field given must match the reader; at least one is given.

    ``region`` is the office's own division for a department (a county's office is not the city's),
    and for supervisors a division their territory must hold (a city's supervisor reads what is
    sent to the supervisors of its counties, 004 §21 territorial supervision).
    """

    account: str = None
    org: str = None
    department: str = None
    region: str = None
    role: str = None

    def __post_init__(self):
        if not any((self.account, self.org, self.department, self.region, self.role)):
            raise ValidationFailed("消息须有接收对象", [{"field": "audience", "message": "消息须有接收对象"}])
        if self.role is not None and self.role not in ROLES:
            raise ValidationFailed("接收对象有误", [{"field": "audience.role", "message": f"未知角色 {self.role}"}])

    @classmethod
    def person(cls, account):
        return cls(account=account)

    @classmethod
    def applicant(cls, org):
        return cls(org=org, role="applicant")

    @classmethod
    def office(cls, department, region):
        """Everyone of a department's office in a region: its officers and its admin."""
        return cls(department=department, region=region)

    @classmethod
    def head(cls, department, region):
        """The head of a department's office (its department admin account)."""
        return cls(department=department, region=region, role=DEPT_ADMIN)

    @classmethod
    def officers(cls, department, region):
        return cls(department=department, region=region, role=OFFICER)

    @classmethod
    def supervisors(cls, region):
        return cls(region=region, role=SUPERVISOR)

    def reaches(self, identity):
        """True when `identity` is covered by this audience (the rule the inbox query applies in SQL)."""
        if self.account is not None and self.account != identity.sub:
            return False
        if self.org is not None and self.org != identity.org:
            return False
        if self.department is not None and self.department != identity.department:
            return False
        if self.role is not None and self.role != identity.role:
            return False
        if self.region is not None:
            if self.role == SUPERVISOR:
                return within_region(self.region, identity.region)
            return self.region == identity.region
        return True

    def key(self):
        """A stable text naming the audience, part of a notice's de-duplication key."""
        return "|".join(f"{name}={value}" for name, value in (
            ("account", self.account), ("org", self.org), ("department", self.department),
            ("region", self.region), ("role", self.role)) if value is not None)


@dataclass(frozen=True)
class Notice:
    """One notice. ``dedupe`` names the fact it tells (an event, an escalation level of a clock, an
    urge): delivering the same fact to the same audience twice keeps one notice, so redelivered
    events and N replicas notify once."""

    audience: Audience
    kind: str
    title: str
    body: str
    dedupe: str
    project_code: str = None
    case_id: str = None
    stage_id: str = None
    subject: str = None          # what the notice is about, "<type>:<id>" (e.g. "urge:…", "document:…")
    urgency: str = NORMAL
    sender: str = None           # account that sent it; None for the platform itself

    def __post_init__(self):
        errors = []
        if self.kind not in KINDS:
            errors.append({"field": "kind", "message": f"未知消息类别 {self.kind}"})
        if self.urgency not in URGENCIES:
            errors.append({"field": "urgency", "message": "紧急程度应为 normal、urgent 或 very_urgent"})
        if not (self.title or "").strip():
            errors.append({"field": "title", "message": "消息标题不能为空"})
        if errors:
            raise ValidationFailed("消息不完整", errors)

    def key(self):
        return f"{self.dedupe}#{self.audience.key()}"
