"""Who may see which case and which stage, stated once; the single reads and the list queries of
the stage service both apply it (its repositories turn it into query conditions).

- officers: the cases of their own department in their own region, and the stages in which their
  department takes part in that region (one of its cases, or it leads the stage); a stage shows all
  its cases, so each department sees the progress of the parallel approval;
- applicants: the cases and stages of their own organisation;
- window clerks, supervisors, operators: everything;
- anyone else: nothing.
"""
from dataclasses import dataclass

from platform_kit.errors import Forbidden

SEE_ALL = frozenset({"clerk", "supervisor", "operator"})


@dataclass(frozen=True)
class Visibility:
    everything: bool = False
    department: str = None     # officers: their department ...
    region: str = None         # ... in their region
    applicant_org: str = None  # applicants: their organisation

    @classmethod
    def of(cls, identity):
        if identity.role in SEE_ALL:
            return cls(everything=True)
        if identity.role == "officer":
            return cls(department=identity.department, region=identity.region)
        if identity.role == "applicant":
            return cls(applicant_org=identity.org)
        raise Forbidden(f"角色 {identity.role} 无权查看办件")

    @property
    def by_department(self):
        return not self.everything and self.applicant_org is None

    def sees_case(self, case):
        if self.everything:
            return True
        if self.by_department:
            return case.department == self.department and case.region == self.region
        return case.applicant_org == self.applicant_org

    def sees_stage(self, stage, cases=()):
        """`cases`: the stage's cases (a department takes part in a stage through them)."""
        if self.everything:
            return True
        if self.by_department:
            return (stage.lead_department == self.department and stage.region == self.region) \
                or any(self.sees_case(c) for c in cases)
        return stage.applicant_org == self.applicant_org
