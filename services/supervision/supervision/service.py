"""nameko entrypoints of the supervision service: load → handler → dump, nothing else.

Supervision consumes every event of the platform (one handler per event type): it is the one
subscriber bound to all of them, which also guarantees each event type a queue (the outbox relay
publishes with ``mandatory`` and keeps retrying an event nobody is bound to).
"""
import base64

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from platform_kit.rpc import rpc
from nameko.timer import timer
from sqlalchemy import text

from platform_kit import contracts
from platform_kit.asyncapi import PUBLISHERS
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import APPLICANT, CLERK, DEPT_ADMIN, OFFICER, OPERATOR, ROLES, SUPERVISOR, Auth
from platform_kit.metrics import Metrics
from platform_kit.sweeper import Sweeper
from platform_kit.validation import load
from supervision import handlers
from supervision.adapters.mail import Mailer
from supervision.adapters.orm import metadata
from supervision.domain import complaints as complaint_rules
from supervision.domain import reach
from supervision.domain.escalation import Rules
from supervision.handlers import (accountability, complaints, coordinating, escalating, notices, notifying, outbound,
                                  statistics, urging)
from supervision.schemas import (AccountabilityDecisionIn, AccountabilityFilters, AccountabilityListOut,
                                 AccountabilityRecordOut, AssignComplaint, ClocksOut, ComplaintFiledOut,
                                 ComplaintFilters, ComplaintLookup, ComplaintLookupOut, ComplaintOut, ComplaintOutcome,
                                 ComplaintsOut, ContactFilters, ContactIn, ContactOut, ContactsOut,
                                 CoordinationFilters, CoordinationReplyIn, CoordinationRequestOut,
                                 CoordinationRequestsOut, DeliveriesOut, DeliveryFilters, FileAnonymousComplaint,
                                 FileComplaint, FileCoordinationRequest, InboxCountsOut, InboxFilters,
                                 InspectionFilters, InspectionOut, InspectionsOut, ListClocks, NoticeOut, NoticesOut,
                                 ProgressOut, ProgressQuery, ProjectOverviewOut, RecordInspection, SendUrge,
                                 StatisticsChart, StatisticsExport, StatisticsFilters, StatisticsOut, UrgeFilters,
                                 UrgeOut, UrgesOut)
from supervision.schemas import FileOut

CLOCKS_OUT = ClocksOut()   # built once with its nested schemas; dumping keeps no state between calls

class EscalationRules(DependencyProvider):
    """The escalation rules of the service's config (``ESCALATION_*``, domain.escalation.Rules)."""

    def setup(self):
        self.rules = Rules.from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.rules


class SupervisionService:
    name = "supervision"

    db = Database(metadata)
    auth = Auth()
    metrics = Metrics(collect=handlers.clocks_by_light)   # platform_clocks_open{light}
    config = Config()
    mailer = Mailer()
    sweeper = Sweeper(seconds=20, batch=2000)
    rules = EscalationRules()

    def _record(self, envelope):
        with self.db.unit_of_work() as uow:
            if handlers.record_event(envelope, uow, f"{self.name}.{envelope.type}"):
                notifying.follow_up(uow, envelope)
                statistics.count(uow, envelope)

    # ---------------------------------------------------------------------------- events
    @event_handler("intake", "project.registered")
    def on_project_registered(self, envelope):
        self._record(envelope)

    @event_handler("intake", "material.uploaded")
    def on_material_uploaded(self, envelope):
        self._record(envelope)

    @event_handler("intake", "declaration.submitted")
    def on_declaration_submitted(self, envelope):
        self._record(envelope)

    @event_handler("stage", "stage.opened")
    def on_stage_opened(self, envelope):
        self._record(envelope)

    @event_handler("stage", "case.accepted")
    def on_case_accepted(self, envelope):
        self._record(envelope)

    @event_handler("stage", "case.reviewed")
    def on_case_reviewed(self, envelope):
        self._record(envelope)

    @event_handler("stage", "case.approved")
    def on_case_approved(self, envelope):
        self._record(envelope)

    @event_handler("stage", "case.disapproved")
    def on_case_disapproved(self, envelope):
        self._record(envelope)

    @event_handler("stage", "case.concluded")
    def on_case_concluded(self, envelope):
        self._record(envelope)

    @event_handler("stage", "stage.concluded")
    def on_stage_concluded(self, envelope):
        self._record(envelope)

    @event_handler("certificate", "licence.issued")
    def on_licence_issued(self, envelope):
        self._record(envelope)

    @event_handler("consult", "consultation.opened")
    def on_consultation_opened(self, envelope):
        self._record(envelope)

    @event_handler("consult", "consultation.replied")
    def on_consultation_replied(self, envelope):
        self._record(envelope)

    # ---------------------------------------------------------------------------- escalation
    @timer(interval=1)
    def escalate_clocks(self):
        self.sweeper.when_due(escalating.escalation_pass, self.db.unit_of_work, today_in_shanghai(), self.rules)

    # ---------------------------------------------------------------------------- queries
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project_overview(self, project_code):
        identity = self.auth.identity(SUPERVISOR, OPERATOR, CLERK, OFFICER, DEPT_ADMIN)
        territory, department = reach.territory(identity), reach.own_department(identity)
        with self.db.reading() as uow:
            result = handlers.project_overview(uow, project_code, today_in_shanghai(), territory, department)
        return ProjectOverviewOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_clocks(self, filters=None):
        identity = self.auth.identity(SUPERVISOR, OPERATOR, OFFICER, DEPT_ADMIN)
        territory = reach.territory(identity)
        cmd = reach.clock_filters(identity, load(ListClocks(), filters or {}))
        with self.db.reading() as uow:
            result = handlers.list_clocks(uow, cmd, today_in_shanghai(), territory)
        return CLOCKS_OUT.dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def public_progress(self, data):
        # public: the project's code and query code are the credential (002 §22)
        cmd = load(ProgressQuery(), data)
        with self.db.reading() as uow:
            result = handlers.public_progress(uow, cmd, today_in_shanghai())
        return ProgressOut().dump(result)

    # ---------------------------------------------------------------------------- inbox
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_inbox(self, filters=None):
        identity = self.auth.identity(*ROLES)
        cmd = load(InboxFilters(), filters or {})
        with self.db.reading() as uow:
            result = notices.list_inbox(uow, identity, cmd)
        return NoticesOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def inbox_counts(self):
        identity = self.auth.identity(*ROLES)
        with self.db.reading() as uow:
            result = notices.inbox_counts(uow, identity)
        return InboxCountsOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def read_notice(self, notification_id):
        identity = self.auth.identity(*ROLES)
        with self.db.unit_of_work() as uow:
            result = notices.read_notice(uow, identity, notification_id)
        return NoticeOut().dump(result)

    # ---------------------------------------------------------------------------- complaints (002 §33)
    def _due_days(self):
        return int(self.config.get("COMPLAINT_DUE_WORKING_DAYS") or complaint_rules.DEFAULT_DUE_DAYS)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def file_complaint(self, data):
        identity = self.auth.identity(APPLICANT)
        cmd = load(FileComplaint(), data)
        with self.db.unit_of_work() as uow:
            result = complaints.file_complaint(uow, identity, cmd, today_in_shanghai(), self._due_days())
        return ComplaintOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def file_anonymous_complaint(self, data, client=None):
        # public: no sign-in; a few per hour from one client address (COMPLAINTS_PER_HOUR)
        cmd = load(FileAnonymousComplaint(), data)
        per_hour = int(self.config.get("COMPLAINTS_PER_HOUR") or complaint_rules.DEFAULT_PER_HOUR)
        with self.db.unit_of_work() as uow:
            result = complaints.file_anonymous(uow, cmd, client, today_in_shanghai(), self._due_days(), per_hour)
        return ComplaintFiledOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_complaints(self, filters=None):
        identity = self.auth.identity(APPLICANT, SUPERVISOR, OPERATOR)
        cmd = load(ComplaintFilters(), filters or {})
        with self.db.reading() as uow:
            result = complaints.list_complaints(uow, identity, cmd, today_in_shanghai())
        return ComplaintsOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_complaint(self, complaint_id):
        identity = self.auth.identity(APPLICANT, SUPERVISOR, OPERATOR)
        with self.db.reading() as uow:
            result = complaints.get_complaint(uow, identity, complaint_id, today_in_shanghai())
        return ComplaintOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def assign_complaint(self, complaint_id, data=None):
        identity = self.auth.identity(SUPERVISOR)
        cmd = load(AssignComplaint(), data or {})
        with self.db.unit_of_work() as uow:
            result = complaints.assign(uow, identity, complaint_id, cmd, today_in_shanghai())
        return ComplaintOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def conclude_complaint(self, complaint_id, data):
        identity = self.auth.identity(SUPERVISOR)
        cmd = load(ComplaintOutcome(), data)
        with self.db.unit_of_work() as uow:
            result = complaints.conclude(uow, identity, complaint_id, cmd, today_in_shanghai())
        return ComplaintOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def lookup_complaint(self, data):
        # public: the complaint's number and query code are the credential
        cmd = load(ComplaintLookup(), data)
        with self.db.reading() as uow:
            result = complaints.lookup(uow, cmd, today_in_shanghai())
        return ComplaintLookupOut().dump(result)

    # ---------------------------------------------------------------------------- accountability (002 §34)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_accountability(self, filters=None):
        identity = self.auth.identity(SUPERVISOR, OPERATOR)
        cmd = load(AccountabilityFilters(), filters or {})
        with self.db.reading() as uow:
            result = accountability.list_records(uow, identity, cmd)
        return AccountabilityListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def decide_accountability(self, record_id, data):
        identity = self.auth.identity(SUPERVISOR)
        cmd = load(AccountabilityDecisionIn(), data)
        with self.db.unit_of_work() as uow:
            result = accountability.decide(uow, identity, record_id, cmd)
        return AccountabilityRecordOut().dump(result)
    # ---------------------------------------------------------------------------- outbound notices
    @event_handler("supervision", "notification.requested")
    def on_notification_requested(self, envelope):
        # not a step of any project: no timeline entry; the delivery rows make it idempotent
        with self.db.unit_of_work() as uow:
            result = outbound.send_email(uow, envelope, self.mailer)
        if result is not None and result["outcome"] == "failed":
            raise outbound.DeliveryFailed(result["reason"])   # recorded; the event comes back to retry

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def set_notification_contact(self, data):
        identity = self.auth.identity(OPERATOR)
        cmd = load(ContactIn(), data)
        with self.db.unit_of_work() as uow:
            result = outbound.set_contact(uow, identity, cmd)
        return ContactOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_notification_contacts(self, filters=None):
        self.auth.identity(OPERATOR)
        cmd = load(ContactFilters(), filters or {})
        with self.db.reading() as uow:
            result = outbound.list_contacts(uow, cmd)
        return ContactsOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_notification_deliveries(self, filters=None):
        self.auth.identity(OPERATOR)
        cmd = load(DeliveryFilters(), filters or {})
        with self.db.reading() as uow:
            result = outbound.list_deliveries(uow, cmd)
        return DeliveriesOut().dump(result)
    # ---------------------------------------------------------------------------- urges (催办)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def send_urge(self, data):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN, SUPERVISOR)
        cmd = load(SendUrge(), data)
        with self.db.unit_of_work() as uow:
            result = urging.send_urge(uow, identity, cmd, today_in_shanghai())
        return UrgeOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_urges(self, filters=None):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN, SUPERVISOR, OPERATOR)
        cmd = load(UrgeFilters(), filters or {})
        with self.db.reading() as uow:
            result = urging.list_urges(uow, identity, cmd)
        return UrgesOut().dump(result)

    # ---------------------------------------------------------------------------- coordination (协调申请)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def file_coordination_request(self, data):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN)
        cmd = load(FileCoordinationRequest(), data)
        with self.db.unit_of_work() as uow:
            result = coordinating.file_request(uow, identity, cmd, today_in_shanghai())
        return CoordinationRequestOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reply_to_coordination_request(self, request_id, data):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN)
        cmd = load(CoordinationReplyIn(), data)
        with self.db.unit_of_work() as uow:
            result = coordinating.reply(uow, identity, request_id, cmd, today_in_shanghai())
        return CoordinationRequestOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_coordination_requests(self, filters=None):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN, SUPERVISOR, OPERATOR)
        cmd = load(CoordinationFilters(), filters or {})
        with self.db.reading() as uow:
            result = coordinating.list_requests(uow, identity, cmd, today_in_shanghai())
        return CoordinationRequestsOut().dump(result)

    # ---------------------------------------------------------------------------- inspection notes (督查)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_inspection(self, data):
        identity = self.auth.identity(OFFICER, SUPERVISOR)
        cmd = load(RecordInspection(), data)
        with self.db.unit_of_work() as uow:
            result = coordinating.record_inspection(uow, identity, cmd)
        return InspectionOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_inspections(self, filters=None):
        identity = self.auth.identity(OFFICER, DEPT_ADMIN, SUPERVISOR, OPERATOR)
        cmd = load(InspectionFilters(), filters or {})
        with self.db.reading() as uow:
            result = coordinating.list_inspections(uow, identity, cmd)
        return InspectionsOut().dump(result)

    # ---------------------------------------------------------------------------- statistics
    STATISTICS_ROLES = (SUPERVISOR, OPERATOR, OFFICER, DEPT_ADMIN)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_statistics(self, filters=None):
        identity = self.auth.identity(*self.STATISTICS_ROLES)
        cmd = load(StatisticsFilters(), filters or {})
        with self.db.reading() as uow:
            result = statistics.read(uow, identity, cmd, today_in_shanghai())
        return StatisticsOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def export_statistics(self, filters=None):
        identity = self.auth.identity(*self.STATISTICS_ROLES)
        cmd = load(StatisticsExport(), filters or {})
        with self.db.reading() as uow:
            file = statistics.export(uow, identity, cmd, today_in_shanghai())
        return FileOut().dump(dict(file, content_base64=base64.b64encode(file["content"]).decode("ascii")))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def statistics_chart(self, filters=None):
        identity = self.auth.identity(*self.STATISTICS_ROLES)
        cmd = load(StatisticsChart(), filters or {})
        with self.db.reading() as uow:
            return statistics.chart(uow, identity, cmd, today_in_shanghai())

    @rpc
    def health(self):
        with self.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}


def handler_name(event_type):
    return "on_" + event_type.replace(".", "_")


def _subscribe_to_every_event(cls):
    """Event types added to the contract later get a timeline-only handler, so none is left unbound."""
    for event_type in contracts.EVENTS:
        name = handler_name(event_type)
        source = PUBLISHERS.get(event_type)
        if hasattr(cls, name) or source is None:
            continue

        def handle(self, envelope):
            self._record(envelope)

        handle.__name__ = handle.__qualname__ = name
        setattr(cls, name, event_handler(source, event_type)(handle))
    return cls


_subscribe_to_every_event(SupervisionService)
