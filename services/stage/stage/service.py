"""nameko entrypoints of the stage service: load → handler → dump, nothing else."""
from platform_kit.rpc import rpc
from nameko.timer import timer
from sqlalchemy import text

from platform_kit.answers import Answers
from platform_kit.bus import event_handler
from platform_kit import http_port
from platform_kit.http_port import HeaderAuth, http, json_response
from platform_kit.calendar import today_in_shanghai
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.sweeper import Sweeper
from platform_kit.identity import APPLICANT, CLERK, DEPT_ADMIN, OFFICER, OPERATOR, PROVINCE, SUPERVISOR, Auth
from platform_kit.metrics import Metrics
from platform_kit.validation import load
from platform_kit.wire import PageFilters
from stage import handlers
from stage.adapters.orm import metadata
from stage.adapters.repositories import project_stamp, repositories
from stage.domain.visibility import Visibility
from stage.schemas import (ActOnCase, AssignmentFilters, CaseCountersOut, CaseFilters, CaseListOut, CaseOut, ConfigureStep,
                           ExtendLimit, ExtensionOut, LoadCalendarYear, SpecialHandle, StageListOut)
from stage.settings import Settings

READERS = (APPLICANT, CLERK, OFFICER, SUPERVISOR, OPERATOR)
# the lists' answer schemas, built once: a schema's nested schemas are built with it, and dumping
# keeps no state between calls (a worker does not yield while it dumps)
CASE_LIST_OUT, STAGE_LIST_OUT, CASE_OUT = CaseListOut(), StageListOut(), CaseOut()
# and the schemas of the frequent commands: loading keeps no state between calls either
ACT_ON_CASE, CASE_FILTERS, PAGE_FILTERS = ActOnCase(), CaseFilters(), PageFilters()


class StageService(http_port.HttpPortHealth):
    name = "stage"

    db = Database(metadata, repositories=repositories)
    auth = Auth()
    metrics = Metrics()
    sweeper = Sweeper(seconds=20, batch=500)
    settings = Settings()
    http_auth = HeaderAuth()
    answers = Answers()

    # ------------------------------------------------------------------ events
    @event_handler("intake", "declaration.submitted")
    def on_declaration_submitted(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.open_stage(envelope, uow, self.settings.yellow_days)

    @event_handler("certificate", "licence.issued")
    def on_licence_issued(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.attach_licence(envelope, uow)

    @event_handler("consult", "joint_review.concluded")
    def on_joint_review_concluded(self, envelope):
        # 002 §14–§17: the stage's open cases record the joint review's conclusion
        with self.db.unit_of_work() as uow:
            handlers.record_joint_review_conclusion(envelope, uow)

    @event_handler("intake", "supplement.submitted")
    def on_supplement_submitted(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_supplement_received(envelope, uow)

    # 001 二: a case is decided on the combined opinion of the departments its department consults
    @event_handler("consult", "consultation.opened")
    def on_consultation_opened(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_consultation_opened(envelope, uow)

    @event_handler("consult", "consultation.replied")
    def on_consultation_replied(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_consultation_replied(envelope, uow)

    @event_handler("consult", "consultation.lapsed")
    def on_consultation_lapsed(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_consultation_lapsed(envelope, uow)

    @event_handler("consult", "consultation.closed")
    def on_consultation_closed(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_consultation_closed(envelope, uow)

    # ------------------------------------------------------------------ reading
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_cases(self, filters=None):
        identity = self.auth.identity(*READERS)
        cmd = load(CASE_FILTERS, filters or {})
        with self.db.reading() as uow:
            result = handlers.list_cases(cmd, identity, uow, today_in_shanghai(), self.settings.yellow_days)
        return CASE_LIST_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def count_cases(self):
        identity = self.auth.identity(*READERS)
        with self.db.reading() as uow:
            result = handlers.count_cases(identity, uow, today_in_shanghai(), self.settings.yellow_days)
        return CaseCountersOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_case(self, case_id):
        identity = self.auth.identity(*READERS, PROVINCE)   # the province reads any case (001 §10)
        with self.db.reading() as uow:
            result = handlers.get_case(case_id, identity, uow, today_in_shanghai(), self.settings.yellow_days)
        return CASE_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_stages(self, project_code, filters=None):
        identity = self.auth.identity(*READERS)
        page = load(PAGE_FILTERS, filters or {}, detail="分页参数不正确")
        return self._stages(project_code, page, identity).data

    @http("GET", "/projects/<string:project_code>/stages", expected_exceptions=EXPECTED_ERRORS)
    def read_stages(self, request, project_code):
        """``list_stages`` on the service's HTTP port (``STAGE_HTTP_ADDRESS``): the same answer, which
        the gateway passes on as it comes, without the round trip through the broker."""
        identity = self.http_auth.identity(request, *READERS)
        page = load(PAGE_FILTERS, request.args.to_dict(), detail="分页参数不正确")
        return json_response(self._stages(project_code, page, identity).encoded)

    def _stages(self, project_code, page, identity):
        """The answer kept for what decides it (platform_kit.answers): the project's stamp, what the
        caller may see, the page and the day; built from the rows when none is kept."""
        today = today_in_shanghai()
        with self.db.single_statements() as connection:
            stamp = project_stamp(connection, project_code)
        key = (stamp, project_code, Visibility.of(identity), page.get("limit", 50), page.get("offset", 0), today)

        def build():   # read after the stamp: never older than it (a newer answer under it is harmless)
            with self.db.reading() as uow:
                return STAGE_LIST_OUT.dump(handlers.list_stages(project_code, page, identity, uow, today,
                                                                self.settings.yellow_days,
                                                                self.settings.overall_cap_days))
        return self.answers.answer(key, build)

    # ------------------------------------------------------------------ deciding
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def act_on_case(self, case_id, data):
        identity = self.auth.identity(OFFICER, APPLICANT, CLERK)
        cmd = load(ACT_ON_CASE, data)
        with self.db.unit_of_work() as uow:
            result = handlers.act_on_case(case_id, cmd, identity, uow, today_in_shanghai(), self.settings.yellow_days)
        return CASE_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def special_handle(self, case_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(SpecialHandle(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.special_handle(case_id, cmd, identity, uow, today_in_shanghai(),
                                             self.settings.yellow_days)
        return CASE_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def extend_limit(self, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(ExtendLimit(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.extend_limit(cmd, identity, uow, today_in_shanghai(), self.settings.yellow_days)
        return ExtensionOut().dump(result)

    # ------------------------------------------------------------------ responsible persons (000 §15)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def configure_step(self, data):
        identity = self.auth.identity(DEPT_ADMIN)
        cmd = load(ConfigureStep(), data)
        with self.db.unit_of_work() as uow:
            return handlers.configure_step(cmd, identity, uow)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_step_assignments(self, filters=None):
        identity = self.auth.identity(DEPT_ADMIN, SUPERVISOR, OPERATOR)
        cmd = load(AssignmentFilters(), filters or {})
        with self.db.reading() as uow:
            return handlers.list_step_assignments(cmd, identity, uow)

    # ------------------------------------------------------------------ calendar (operator)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def load_calendar_year(self, data):
        identity = self.auth.identity(OPERATOR)
        cmd = load(LoadCalendarYear(), data)
        with self.db.unit_of_work() as uow:
            return handlers.load_calendar_year(cmd, identity, uow, today_in_shanghai(),
                                               self.settings.yellow_days)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_calendar(self):
        self.auth.identity()
        with self.db.reading() as uow:
            return handlers.list_calendar_years(uow)

    # ------------------------------------------------------------------ deadlines
    @timer(interval=1)
    def sweep_deadlines(self):
        self.sweeper.when_due(handlers.sweep_all, self.db.unit_of_work, today_in_shanghai(),
                              self.settings.yellow_days)

    @rpc
    def health(self):
        with self.db.reading() as uow:
            uow.session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
