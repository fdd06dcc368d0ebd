"""Who may see which case and which stage, stated once; the single reads and the list queries of
the stage service both apply it (its repositories turn it into query conditions).

- officers: the cases of their own department in their own region (and those recalled to it as the
  stage's lead department, 004 §14), and the stages in which their
  department takes part in that region (one of its cases, or it leads the stage); a stage shows all
  its cases, so each department sees the progress of the parallel approval;
- applicants: the cases and stages of their own organisation;
- window clerks, supervisors, operators: everything;
- anyone else: nothing.
"""
from dataclasses import dataclass

from platform_kit.errors import Forbidden

EVERYTHING, OWN_DEPARTMENT, OWN_ORGANISATION = "everything", "own_department", "own_organisation"
SEE_ALL = frozenset({"clerk", "supervisor", "operator", "province"})


@dataclass(frozen=True)
class Visibility:
    scope: str
    department: str = None     # officers: their department ...
    region: str = None         # ... in their region
    applicant_org: str = None  # applicants: their organisation

    @classmethod
    def of(cls, identity):
        if identity.role in SEE_ALL:
            return cls(EVERYTHING)
        if identity.role == "officer":
            return cls(OWN_DEPARTMENT, department=identity.department, region=identity.region)
        if identity.role == "applicant":
            return cls(OWN_ORGANISATION, applicant_org=identity.org)
        raise Forbidden(f"角色 {identity.role} 无权查看办件")

    @property
    def everything(self):
        return self.scope == EVERYTHING

    @property
    def by_department(self):
        return self.scope == OWN_DEPARTMENT

    def sees_case(self, case):
        if self.everything:
            return True
        if self.by_department:   # its own, or recalled to it as the stage's lead department (004 §14)
            return (case.department, case.region) == (self.department, self.region) \
                or (case.recalled_to, case.recalled_region) == (self.department, self.region)
        return self.applicant_org is not None and case.applicant_org == self.applicant_org

    def sees_stage(self, stage, cases=()):
        """`cases`: the stage's cases (a department takes part in a stage through them)."""
        if self.everything:
            return True
        if self.by_department:
            return (stage.lead_department == self.department and stage.region == self.region) \
                or any(self.sees_case(c) for c in cases)
        return self.applicant_org is not None and stage.applicant_org == self.applicant_org
