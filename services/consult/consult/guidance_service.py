"""nameko entrypoints of joint guidance (联合辅导, 003), mixed into the consult service: load → handler
→ dump, nothing else."""
from platform_kit.rpc import rpc

from consult import guidance_answers as answers
from consult import guidance_handlers as handlers
from consult import guidance_ledger as ledger
from platform_kit.calendar import today_in_shanghai
from platform_kit.calendar_store import current_calendar
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import APPLICANT, CLERK, DEPT_ADMIN, OFFICER, SUPERVISOR
from platform_kit.validation import load
from platform_kit.wire import guidance as wire

READERS = (APPLICANT, CLERK, OFFICER, SUPERVISOR)


class GuidanceEntrypoints:
    """Requires the service's `db`, `auth` and `config` dependencies."""

    def _yellow_days(self):
        return int(self.config.get("LIGHT_YELLOW_DAYS", 2))

    def _session(self, handler, *args, roles=(OFFICER,)):
        identity = self.auth.identity(*roles)
        with self.db.unit_of_work() as uow:
            result = handler(*args, identity, uow, today_in_shanghai())
        return wire.GuidanceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def request_guidance(self, data):
        return self._session(handlers.request_guidance, load(wire.RequestGuidance(), data), roles=(APPLICANT, CLERK))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def sign_guidance(self, guidance_id, data=None):
        return self._session(handlers.sign, guidance_id, load(wire.StepNote(), data or {}))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def schedule_guidance(self, guidance_id, data):
        return self._session(handlers.schedule, guidance_id, load(wire.ScheduleGuidance(), data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_guidance_arrival(self, guidance_id, data):
        return self._session(handlers.record_arrival, guidance_id, load(wire.RecordArrival(), data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def ask_guidance_question(self, guidance_id, data):
        identity = self.auth.identity(APPLICANT, CLERK, OFFICER)
        cmd = load(wire.AskQuestion(), data)
        with self.db.unit_of_work() as uow:
            result = answers.ask(guidance_id, cmd, identity, uow, current_calendar(uow.session), today_in_shanghai(),
                                 self._yellow_days())
        return wire.GuidanceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def answer_guidance_question(self, guidance_id, question_id, data):
        return self._session(answers.answer, guidance_id, question_id, load(wire.AnswerQuestion(), data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_guidance_finding(self, guidance_id, data):
        return self._session(answers.record_finding, guidance_id, load(wire.RecordFinding(), data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def issue_guidance_list(self, guidance_id, data):
        return self._session(answers.issue_list, guidance_id, load(wire.IssueList(), data))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def close_guidance(self, guidance_id, data=None):
        return self._session(answers.close, guidance_id, load(wire.StepNote(), data or {}), roles=(APPLICANT, OFFICER))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_guidance(self, guidance_id):
        identity = self.auth.identity(*READERS)
        with self.db.reading() as uow:
            result = ledger.get_session(guidance_id, identity, uow, today_in_shanghai())
        return wire.GuidanceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_guidance(self, filters=None):
        identity = self.auth.identity(*READERS)
        cmd = load(wire.GuidanceFilters(), filters or {})
        with self.db.reading() as uow:
            result = ledger.list_sessions(cmd, identity, uow, today_in_shanghai())
        return wire.GuidancePageOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project_guidance(self, project_code):
        identity = self.auth.identity(*READERS)
        with self.db.reading() as uow:
            result = ledger.project_guidance(project_code, identity, uow, today_in_shanghai())
        return wire.ProjectGuidanceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_guidance_list(self, list_id):
        identity = self.auth.identity(*READERS)
        with self.db.reading() as uow:
            return wire.ListOut().dump(answers.get_list(list_id, identity, uow))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_guidance_list_pdf(self, list_id):
        identity = self.auth.identity(*READERS)
        with self.db.reading() as uow:
            return answers.list_pdf(list_id, identity, uow)

    # ------------------------------------------------------------------------ staff directory (003 §8)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def add_guidance_staff(self, data):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN)
        cmd = load(wire.AddStaff(), data)
        with self.db.unit_of_work() as uow:
            return wire.StaffOut().dump(handlers.add_staff(cmd, identity, uow, today_in_shanghai()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def retire_guidance_staff(self, staff_id, data=None):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN)
        load(wire.StepNote(), data or {})
        with self.db.unit_of_work() as uow:
            return wire.StaffOut().dump(handlers.retire_staff(staff_id, identity, uow, today_in_shanghai()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_guidance_staff(self, filters=None):
        self.auth.identity(CLERK, OFFICER, DEPT_ADMIN, SUPERVISOR)
        cmd = load(wire.StaffFilters(), filters or {})
        with self.db.reading() as uow:
            return wire.StaffPageOut().dump(handlers.list_staff(cmd, uow))

    # ------------------------------------------------------------------------ next stage, analysis, guide
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_next_stage_lists(self, filters=None):
        identity = self.auth.identity(*READERS)
        cmd = load(wire.NextStageFilters(), filters or {})
        with self.db.reading() as uow:
            return wire.NextStagePageOut().dump(ledger.list_next_stages(cmd, identity, uow))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def send_next_stage_list(self, next_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(wire.SendNextStage(), data)
        with self.db.unit_of_work() as uow:
            return wire.NextStageOut().dump(ledger.send_next_stage(next_id, cmd, identity, uow, today_in_shanghai()))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def guidance_analysis(self, filters=None):
        identity = self.auth.identity(OFFICER, SUPERVISOR)
        cmd = load(wire.AnalysisFilters(), filters or {})
        with self.db.reading() as uow:
            return wire.AnalysisOut().dump(ledger.analysis(cmd, identity, uow))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def publish_guide_entry(self, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(wire.PublishEntry(), data)
        with self.db.unit_of_work() as uow:
            return wire.GuideEntryOut().dump(ledger.publish_entry(cmd, identity, uow, today_in_shanghai()))
