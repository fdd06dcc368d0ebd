"""nameko entrypoints of the supervision service: load → handler → dump, nothing else.

Supervision consumes every event of the platform (one handler per event type): it is the one
subscriber bound to all of them, which also guarantees each event type a queue (the outbox relay
publishes with ``mandatory`` and keeps retrying an event nobody is bound to).
"""
import base64

from nameko.rpc import rpc
from sqlalchemy import text

from platform_kit import contracts
from platform_kit.asyncapi import PUBLISHERS
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import CLERK, DEPT_ADMIN, OFFICER, OPERATOR, ROLES, SUPERVISOR, Auth
from platform_kit.validation import load
from supervision import handlers
from supervision.adapters.orm import metadata
from supervision.handlers import notices, notifying, statistics
from supervision.domain import reach
from supervision.schemas import (FileOut, StatisticsChart, StatisticsExport, StatisticsFilters, StatisticsOut)
from supervision.schemas import (ClocksOut, InboxCountsOut, InboxFilters, ListClocks, NoticeOut, NoticesOut,
                                 ProgressOut, ProgressQuery, ProjectOverviewOut)


class SupervisionService:
    name = "supervision"

    db = Database(metadata)
    auth = Auth()

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

    # ---------------------------------------------------------------------------- queries
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project_overview(self, project_code):
        territory = reach.territory(self.auth.identity(SUPERVISOR, OPERATOR, CLERK))
        with self.db.reading() as uow:
            result = handlers.project_overview(uow, project_code, today_in_shanghai(), territory)
        return ProjectOverviewOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_clocks(self, filters=None):
        identity = self.auth.identity(SUPERVISOR, OPERATOR, OFFICER)
        territory = reach.territory(identity)
        cmd = reach.clock_filters(identity, load(ListClocks(), filters or {}))
        with self.db.reading() as uow:
            result = handlers.list_clocks(uow, cmd, today_in_shanghai(), territory)
        return ClocksOut().dump(result)

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
