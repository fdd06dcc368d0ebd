"""nameko entrypoints of the certificate service: load → handler → dump, nothing else."""
from platform_kit.rpc import rpc
from nameko.timer import timer
from sqlalchemy import text

from certificate import handlers, lifecycle, seals, terms, verification, views
from certificate.adapters.orm import metadata
from certificate.keys import Sealing, SigningKeys
from certificate.schemas import (ChangeLicence, CheckLicence, LicenceCheckOut, LicenceListOut, LicenceOut,
                                 LicencePdfOut, PaperLicence, RecordHandover, RevokeLicence, RotateSeal, SealOut,
                                 SealsOut, SigningKeysOut, VerdictOut, VerifyLicence, VerifyPdf)
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import CLERK, OFFICER, OPERATOR, Auth
from platform_kit.metrics import Metrics
from platform_kit.sweeper import Sweeper
from platform_kit.validation import load
from platform_kit.wire import PageFilters


class CertificateService:
    name = "certificate"

    db = Database(metadata)
    keys = SigningKeys()
    sealing = Sealing()
    sweeper = Sweeper(seconds=60, batch=200)
    auth = Auth()
    metrics = Metrics()

    @event_handler("stage", "case.approved")
    def on_case_approved(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.issue_licence(envelope, uow, self.sealing, today_in_shanghai())

    @event_handler("stage", "case.concluded")
    def on_case_concluded(self, envelope):
        with self.db.unit_of_work() as uow:
            lifecycle.record_conclusion(envelope, uow)

    @event_handler("intake", "catalog.loaded")
    def on_catalog_loaded(self, envelope):
        with self.db.unit_of_work() as uow:
            lifecycle.record_catalog(envelope, uow)

    @event_handler("intake", "declaration.submitted")
    def on_declaration_submitted(self, envelope):
        with self.db.unit_of_work() as uow:
            terms.record_declaration(envelope, uow)

    @event_handler("stage", "stage.opened")
    def on_stage_opened(self, envelope):
        with self.db.unit_of_work() as uow:
            terms.record_stage_opening(envelope, uow)

    @timer(interval=1)
    def sweep_expiries(self):
        def sweep(batch):
            with self.db.unit_of_work() as uow:
                return lifecycle.record_expiries(uow, today_in_shanghai(), batch)
        self.sweeper.when_due(sweep)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_licence(self, licence_id):
        self.auth.identity()
        with self.db.read() as session:
            result = views.get_licence(session, licence_id, today_in_shanghai())
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_licence_pdf(self, licence_id):
        self.auth.identity()
        with self.db.read() as session:
            result = views.licence_pdf(session, licence_id)
        return LicencePdfOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_licences(self, project_code, filters=None):
        self.auth.identity()
        page = load(PageFilters(), filters or {}, detail="分页参数不正确")
        with self.db.read() as session:
            result = views.list_licences(session, project_code, page, today_in_shanghai())
        return LicenceListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def revoke_licence(self, licence_id, data):
        identity = self.auth.identity(OFFICER, OPERATOR)
        cmd = load(RevokeLicence(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.revoke_licence(licence_id, cmd, identity, uow, today_in_shanghai())
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def change_licence(self, licence_id, data):
        identity = self.auth.identity(OFFICER, OPERATOR)
        cmd = load(ChangeLicence(), data)
        with self.db.unit_of_work() as uow:
            result = lifecycle.change_licence(licence_id, cmd, identity, uow, self.sealing, today_in_shanghai())
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def register_paper_licence(self, case_id, data):
        identity = self.auth.identity(OFFICER)
        cmd = load(PaperLicence(), data)
        with self.db.unit_of_work() as uow:
            result = lifecycle.register_paper_licence(case_id, cmd, identity, uow, self.sealing, today_in_shanghai())
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def record_handover(self, licence_id, data):
        identity = self.auth.identity(CLERK, OPERATOR)
        cmd = load(RecordHandover(), data)
        with self.db.unit_of_work() as uow:
            result = lifecycle.record_handover(licence_id, cmd, identity, uow, today_in_shanghai())
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def verify_licence(self, data):
        # Public on purpose: anyone holding a licence may check it without an account (002 §18).
        cmd = load(VerifyLicence(), data, detail="待验证的证照数据不完整")
        with self.db.read() as session:
            result = verification.verify_licence(session, cmd, today_in_shanghai())
        return VerdictOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_licence(self, data):
        # Public: the licence number and the check code printed on it are the key (002 §18, 003 §6).
        cmd = load(CheckLicence(), data, detail="请填写证照编号和核验码")
        with self.db.read() as session:
            result = verification.check_licence(session, cmd, today_in_shanghai(), self.sealing.trust_roots_pem)
        return LicenceCheckOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def verify_licence_pdf(self, data):
        # Public: whoever holds the PDF may check its seal and what the licence is today.
        cmd = load(VerifyPdf(), data, detail="请上传待核验的证照 PDF")
        with self.db.read() as session:
            result = verification.verify_pdf(session, cmd, today_in_shanghai(), self.sealing.trust_roots_pem)
        return LicenceCheckOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_seals(self):
        # Public: the seal certificates and the root they chain to, for anyone verifying a licence.
        with self.db.read() as session:
            items = seals.list_seals(session)
        return SealsOut().dump({"items": items, "trust_root_pem": self.sealing.trust_roots_pem})

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def rotate_seal(self, data):
        identity = self.auth.identity(OPERATOR)
        cmd = load(RotateSeal(), data)
        with self.db.unit_of_work() as uow:
            result = seals.rotate_seal(uow.session, self.sealing.authority, cmd, identity, uow)
        return SealOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_signing_keys(self):
        self.keys.current(self.db)  # so the list is never empty once the service runs
        with self.db.read() as session:
            result = {"items": handlers.list_signing_keys(session)}
        return SigningKeysOut().dump(result)

    @rpc
    def health(self):
        with self.db.read() as session:
            session.execute(text("SELECT 1"))
        return {"service": self.name, "status": "ok"}
