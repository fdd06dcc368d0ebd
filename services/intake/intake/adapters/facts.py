"""What intake learns from the other services' events and keeps to answer its own questions: the
cases of a project, the consultations that let a department read it, supplements handed in, licences,
concluded stages, and the working-day calendar."""
from dataclasses import fields

from sqlalchemy import select

from intake.adapters.base import Repository, to_record
from intake.adapters.orm import (CaseFactRow, ConsultationClosureRow, ConsultationRequestRow, LicenceRevocationRow,
                                 LicenceRow, StageConclusionRow, SupplementSubmissionRow)
from intake.domain import model
from platform_kit.calendar_store import current_calendar
from platform_kit.times import utcnow


class CaseFactRepository(Repository):
    def add(self, fact):
        """Kept once per event."""
        values = {f.name: getattr(fact, f.name) for f in fields(fact)}
        values["recorded_at"] = values["recorded_at"] or utcnow()
        return self._insert_ignoring_conflict(CaseFactRow.__table__, values)

    def of_case(self, case_id):
        """The case's facts in the order they happened."""
        rows = self.session.execute(select(CaseFactRow).where(CaseFactRow.case_id == case_id)
                                    .order_by(CaseFactRow.occurred_at, CaseFactRow.id)).scalars()
        return [to_record(row, model.CaseFact) for row in rows]

    def case_of(self, project_code, department, region):
        """The latest case of `department` in `region` on the project (None when it has none)."""
        return self.session.execute(select(CaseFactRow.case_id).where(
            CaseFactRow.project_code == project_code, CaseFactRow.department == department,
            CaseFactRow.region == region).order_by(CaseFactRow.occurred_at.desc(), CaseFactRow.id.desc())
            .limit(1)).scalar_one_or_none()

    def departments_of(self, project_code):
        """{(department, region)} of the cases the stage service announced for the project."""
        return set(self.session.execute(select(CaseFactRow.department, CaseFactRow.region).where(
            CaseFactRow.project_code == project_code).distinct()).tuples())


class ConsultationRequestRepository(Repository):
    def add(self, request):
        """Kept once per (event, department): False when it was."""
        values = {f.name: getattr(request, f.name) for f in fields(request)}
        values["recorded_at"] = values["recorded_at"] or utcnow()
        return self._insert_ignoring_conflict(ConsultationRequestRow.__table__, values)

    def close(self, consultation_id, project_code, closed_on, event_id):
        """The consultation was countersigned; kept once: False when it was."""
        return self._insert_ignoring_conflict(ConsultationClosureRow.__table__, {
            "consultation_id": consultation_id, "project_code": project_code, "closed_on": closed_on,
            "event_id": event_id, "recorded_at": utcnow()})

    def open_grants(self, project_code):
        """{(department, region)} asked for their opinion on the project in a consultation not
        countersigned yet (region: the asking department's, None when the event did not say)."""
        closed = select(ConsultationClosureRow.consultation_id).where(
            ConsultationClosureRow.project_code == project_code)
        return set(self.session.execute(select(ConsultationRequestRow.department, ConsultationRequestRow.region).where(
            ConsultationRequestRow.project_code == project_code,
            ConsultationRequestRow.consultation_id.not_in(closed)).distinct()).tuples())


class SupplementRepository(Repository):
    def for_request(self, request_event_id):
        return to_record(self.session.execute(select(SupplementSubmissionRow).where(
            SupplementSubmissionRow.request_event_id == request_event_id)).scalar(), model.SupplementSubmission)

    def add(self, submission):
        """False when a submission for the same request came first."""
        return self._add(submission, SupplementSubmissionRow)


# ------------------------------------------------------------------------------- licences, stage conclusions
class LicenceRepository(Repository):
    def valid_of(self, project_code):
        """The project's licences not revoked, in the order they were issued."""
        revoked = select(LicenceRevocationRow.licence_id)
        rows = self.session.execute(select(LicenceRow).where(LicenceRow.project_code == project_code,
                                                             LicenceRow.licence_id.not_in(revoked))
                                    .order_by(LicenceRow.issued_on, LicenceRow.licence_no)).scalars()
        return [to_record(row, model.Licence) for row in rows]

    def latest_of_case(self, case_id):
        return to_record(self.session.execute(select(LicenceRow).where(LicenceRow.case_id == case_id)
                                              .order_by(LicenceRow.issued_on.desc()).limit(1)).scalar(),
                         model.Licence)

    def add(self, licence):
        return self._insert_ignoring_conflict(LicenceRow.__table__, {f.name: getattr(licence, f.name)
                                                                      for f in fields(licence)})

    def add_revocation(self, revocation):
        return self._insert_ignoring_conflict(LicenceRevocationRow.__table__, {
            f.name: getattr(revocation, f.name) for f in fields(revocation)})


class StageConclusionRepository(Repository):
    def stages_of(self, project_code):
        return set(self.session.execute(select(StageConclusionRow.stage)
                                        .where(StageConclusionRow.project_code == project_code)).scalars())

    def stages_of_projects(self, project_codes):
        """{project_code: {concluded stages}} for these projects."""
        found = {code: set() for code in project_codes}
        if project_codes:
            for code, stage in self.session.execute(select(StageConclusionRow.project_code, StageConclusionRow.stage)
                                                    .where(StageConclusionRow.project_code.in_(project_codes))):
                found[code].add(stage)
        return found

    def add(self, conclusion):
        """Once per (project, stage): False when the stage had concluded already."""
        values = {f.name: getattr(conclusion, f.name) for f in fields(conclusion) if f.name != "id"}
        return self._insert_ignoring_conflict(StageConclusionRow.__table__, values)


class CalendarRepository(Repository):
    def current(self):
        """The platform's working-day calendar: the official schedule and every year an operator loaded."""
        return current_calendar(self.session)
