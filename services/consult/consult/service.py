"""nameko entrypoints of the consult service: load → handler → dump, nothing else."""
from nameko.rpc import rpc
from nameko.timer import timer
from sqlalchemy import text

from consult import handlers
from consult.adapters.orm import metadata
from consult.schemas import ConsultationOut, OpenConsultation, ReplyToConsultation
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.calendar_store import current_calendar
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import OFFICER, SUPERVISOR, Auth
from platform_kit.sweeper import Sweeper
from platform_kit.validation import load


class ConsultService:
    name = "consult"

    db = Database(metadata)
    auth = Auth()
    sweeper = Sweeper(seconds=30, batch=200)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_consultation(self, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(OpenConsultation(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.open_consultation(cmd, identity, uow, current_calendar(uow.session),
                                                today_in_shanghai())
        return ConsultationOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reply_to_consultation(self, consultation_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(ReplyToConsultation(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.reply(consultation_id, cmd, identity, uow, today_in_shanghai())
        return ConsultationOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_consultation(self, consultation_id):
        self.auth.identity(OFFICER, SUPERVISOR)
        with self.db.reading() as uow:
            result = handlers.get(consultation_id, uow)
        return ConsultationOut().dump(result)

    # ---------------------------------------------------------------------------- events
    @event_handler("stage", "calendar.year_loaded")
    def on_calendar_year_loaded(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.calendar_year_loaded(envelope, uow)

    # 004 §14: silence by the deadline is recorded as no opinion by the platform itself
    @timer(interval=1)
    def sweep_deadlines(self):
        self.sweeper.when_due(handlers.sweep_all, self.db.unit_of_work, today_in_shanghai())

    @rpc
    def health(self):
        with self.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
