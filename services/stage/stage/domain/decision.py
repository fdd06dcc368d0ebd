"""A recorded decision on a case or a stage: who, when, what and why (000 §13, 004 §15).

Decisions are appended and never changed. A case outcome (``Outcome``) becomes one; so does an act
on a stage (its clock paused or resumed, an extension) and a receipt the window registered.
"""
from dataclasses import dataclass, field
from datetime import date, datetime

from platform_kit.errors import Conflict

SUPPLEMENT_RECEIVED = "supplement_received"
# 002 §14–§17: the conclusion of a joint review of the stage (会审结论), recorded on its open cases
JOINT_REVIEW_CONCLUDED = "joint_review_concluded"


@dataclass(frozen=True)
class Decision:
    stage_id: str
    case_id: str            # None: an act on the stage itself
    action: str
    on: date
    who: str
    role: str
    name: str = ""
    department: str = None
    from_state: str = None
    to_state: str = None
    opinion: str = ""
    reason: str = ""
    special: bool = False
    attachment_ref: str = None
    details: dict = field(default_factory=dict)
    at: datetime = None     # set when it is recorded

    @classmethod
    def of_outcome(cls, case, outcome, actor, name="", opinion="", reason="", special=False,
                   attachment_ref=None, details=None):
        return cls(stage_id=case.stage_id, case_id=case.id, action=outcome.action, on=outcome.on,
                   who=actor.id, role=actor.role, name=name or "", department=actor.department,
                   from_state=outcome.from_state, to_state=outcome.to_state, opinion=opinion or "",
                   reason=reason or "", special=special, attachment_ref=attachment_ref,
                   details=details or {})

    @classmethod
    def act(cls, stage_id, case_id, action, on, actor, name="", opinion="", reason="", details=None):
        return cls(stage_id=stage_id, case_id=case_id, action=action, on=on, who=actor.id, role=actor.role,
                   name=name or "", department=actor.department, opinion=opinion or "", reason=reason or "",
                   details=details or {})

    def view(self):
        return {"action": self.action, "from_state": self.from_state, "to_state": self.to_state, "on": self.on,
                "at": self.at.isoformat() if self.at else None, "who": self.who, "role": self.role,
                "name": self.name, "department": self.department, "opinion": self.opinion,
                "reason": self.reason, "special": self.special, "attachment_ref": self.attachment_ref,
                "details": self.details or {}}


def supplement_received(decisions):
    """002 §8: the supplement the window registered since the latest supplement request, if any.
    `decisions`: the case's decision views, oldest first."""
    received = None
    for d in decisions:
        if d["action"] == "request_supplement":
            received = None
        elif d["action"] == SUPPLEMENT_RECEIVED:
            received = {"received_on": d["on"], "at": d["at"], "by": d["who"], "role": d["role"],
                        "materials": d["details"].get("materials", []), "note": d["opinion"],
                        "document_no": d["details"].get("document_no")}
    return received


def check_paper_licence_received(licence_no, decisions):
    """002 §21: a case approved with its licence on paper concludes once the department's scan was
    sealed as a true copy (its number then reaches the case with licence.issued)."""
    if not licence_no and any(d.action == "approve" and (d.details or {}).get("paper_licence") for d in decisions):
        raise Conflict("本办件的证照为纸质证照：请先上传纸质证照扫描件，平台加盖电子印章后再办结")
