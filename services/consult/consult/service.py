"""nameko entrypoints of the consult service: load → handler → dump, nothing else."""
from nameko.dependency_providers import Config
from platform_kit.rpc import rpc
from nameko.timer import timer
from sqlalchemy import text

from consult import guidance_answers, guidance_facts, guidance_service, handlers, joint_review_handlers
from consult.adapters.orm import metadata
from consult.schemas import (AnswerJointReview, ConsultationFilters, ConsultationOut, ConveneJointReview, Countersign,
                             JointReviewFilters, JointReviewMinutes, JointReviewOut, OpenConsultation,
                             ReplyToConsultation)
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.calendar_store import current_calendar
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import OFFICER, SUPERVISOR, Auth
from platform_kit.metrics import Metrics
from platform_kit.sweeper import Sweeper
from platform_kit.validation import load


DEFAULT_YELLOW_DAYS = 2


class ConsultService(guidance_service.GuidanceEntrypoints):   # joint guidance (联合辅导, 003)
    name = "consult"

    db = Database(metadata)
    auth = Auth()
    metrics = Metrics()
    sweeper = Sweeper(seconds=30, batch=200)
    config = Config()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def open_consultation(self, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(OpenConsultation(), data)
        # LIGHT_YELLOW_DAYS: the platform's one yellow threshold, as the stage service's clocks use it
        yellow_days = int(self.config.get("LIGHT_YELLOW_DAYS", DEFAULT_YELLOW_DAYS))
        with self.db.unit_of_work() as uow:
            result = handlers.open_consultation(cmd, identity, uow, current_calendar(uow.session),
                                                today_in_shanghai(), yellow_days)
        return ConsultationOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def reply_to_consultation(self, consultation_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(ReplyToConsultation(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.reply(consultation_id, cmd, identity, uow, today_in_shanghai())
        return ConsultationOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def countersign_consultation(self, consultation_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(Countersign(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.countersign(consultation_id, cmd, identity, uow, today_in_shanghai())
        return ConsultationOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_consultation(self, consultation_id):
        identity = self.auth.identity(OFFICER, SUPERVISOR)
        with self.db.reading() as uow:
            result = handlers.get(consultation_id, identity, uow, today_in_shanghai())
        return ConsultationOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_consultations(self, filters=None):
        identity = self.auth.identity(OFFICER, SUPERVISOR)
        cmd = load(ConsultationFilters(), filters or {})
        with self.db.reading() as uow:
            result = handlers.list_consultations(cmd, identity, uow, today_in_shanghai())
        return {**result, "items": ConsultationOut(many=True).dump(result["items"])}

    # ---------------------------------------------------------------------------- joint review (会审)
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def convene_joint_review(self, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(ConveneJointReview(), data)
        yellow_days = int(self.config.get("LIGHT_YELLOW_DAYS", DEFAULT_YELLOW_DAYS))
        with self.db.unit_of_work() as uow:
            result = joint_review_handlers.convene(cmd, identity, uow, current_calendar(uow.session),
                                                   today_in_shanghai(), yellow_days)
        return JointReviewOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def answer_joint_review(self, joint_review_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(AnswerJointReview(), data)
        with self.db.unit_of_work() as uow:
            result = joint_review_handlers.answer(joint_review_id, cmd, identity, uow, today_in_shanghai())
        return JointReviewOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_joint_review_minutes(self, joint_review_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(JointReviewMinutes(), data)
        with self.db.unit_of_work() as uow:
            result = joint_review_handlers.record_minutes(joint_review_id, cmd, identity, uow, today_in_shanghai())
        return JointReviewOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_joint_review(self, joint_review_id):
        identity = self.auth.identity(OFFICER, SUPERVISOR)
        with self.db.reading() as uow:
            result = joint_review_handlers.get(joint_review_id, identity, uow, today_in_shanghai())
        return JointReviewOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_joint_reviews(self, filters=None):
        identity = self.auth.identity(OFFICER, SUPERVISOR)
        cmd = load(JointReviewFilters(), filters or {})
        with self.db.reading() as uow:
            result = joint_review_handlers.list_joint_reviews(cmd, identity, uow, today_in_shanghai())
        return {**result, "items": JointReviewOut(many=True).dump(result["items"])}

    # ---------------------------------------------------------------------------- events
    @event_handler("intake", "catalog.loaded")
    def on_catalog_loaded(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.catalog_loaded(envelope, uow)

    @event_handler("stage", "stage.opened")
    def on_stage_opened(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.stage_opened(envelope, uow)

    @event_handler("stage", "stage.opened")
    def on_stage_opened_for_joint_review(self, envelope):
        # who leads the stage and until when: joint reviews are convened by the lead, within that time
        with self.db.unit_of_work() as uow:
            joint_review_handlers.stage_opened(envelope, uow, current_calendar(uow.session))

    @event_handler("stage", "stage.extended")
    def on_stage_extended(self, envelope):
        with self.db.unit_of_work() as uow:
            joint_review_handlers.stage_extended(envelope, uow)

    @event_handler("stage", "calendar.year_loaded")
    def on_calendar_year_loaded(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.calendar_year_loaded(envelope, uow)

    # joint guidance (003): the catalog's leads and stages, projects, and the cases of each stage
    # with their approvals (the last one approved asks for the next stage's list, 003 §13)
    @event_handler("intake", "catalog.loaded")
    def on_catalog_loaded_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.catalog_loaded(envelope, uow)

    @event_handler("intake", "project.registered")
    def on_project_registered_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.project_registered(envelope, uow)

    @event_handler("stage", "stage.opened")
    def on_stage_opened_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.stage_opened(envelope, uow)

    @event_handler("stage", "case.approved")
    def on_case_approved_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.case_approved(envelope, uow)

    # the other ends of a case: not required, withdrawn, disapproved or refused (003 §13, interfaces.md)
    @event_handler("stage", "case.not_required")
    def on_case_not_required_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.case_ended(envelope, uow, "not_required")

    @event_handler("stage", "case.withdrawn")
    def on_case_withdrawn_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.case_ended(envelope, uow, "withdrawn")

    @event_handler("stage", "case.disapproved")
    def on_case_disapproved_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.case_ended(envelope, uow, "disapproved")

    @event_handler("stage", "case.refused")
    def on_case_refused_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.case_ended(envelope, uow, "refused")

    @event_handler("stage", "case.recalled")
    def on_case_recalled_for_guidance(self, envelope):
        with self.db.unit_of_work() as uow:
            guidance_facts.case_recalled(envelope, uow)

    # 004 §14: silence by the deadline is recorded as no opinion by the platform itself; a joint
    # review's silent invitee is also recorded as failing to answer
    @timer(interval=1)
    def sweep_deadlines(self):
        self.sweeper.when_due(sweep_every_deadline, self.db.unit_of_work, today_in_shanghai())

    @rpc
    def health(self):
        with self.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}


def sweep_every_deadline(unit_of_work, today, batch):
    """The consultations' deadlines, then the joint reviews', then the guidance answer clocks (each
    claims its rows with SKIP LOCKED)."""
    return handlers.sweep_all(unit_of_work, today, batch=batch) + \
        joint_review_handlers.sweep_all(unit_of_work, today, batch=batch) + \
        guidance_answers.sweep_all(unit_of_work, today, batch=batch)
