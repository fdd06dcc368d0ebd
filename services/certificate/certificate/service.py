"""nameko entrypoints of the certificate service: load → handler → dump, nothing else."""
from nameko.rpc import rpc
from sqlalchemy import text

from certificate import handlers
from certificate.adapters.orm import metadata
from certificate.keys import SigningKeys
from certificate.schemas import (CheckLicence, LicenceCheckOut, LicenceListOut, LicenceOut, RevokeLicence,
                                 SigningKeysOut, VerdictOut, VerifyLicence)
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.db import Database
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import OFFICER, OPERATOR, Auth
from platform_kit.validation import load
from platform_kit.wire import PageFilters


class CertificateService:
    name = "certificate"

    db = Database(metadata)
    keys = SigningKeys()
    auth = Auth()

    @event_handler("stage", "case.approved")
    def on_case_approved(self, envelope):
        signing_key = self.keys.current(self.db)
        with self.db.unit_of_work() as uow:
            handlers.issue_licence(envelope, uow, signing_key, today_in_shanghai())

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_licence(self, licence_id):
        self.auth.identity()
        with self.db.read() as session:
            result = handlers.get_licence(session, licence_id)
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_licences(self, project_code, filters=None):
        self.auth.identity()
        page = load(PageFilters(), filters or {}, detail="分页参数不正确")
        with self.db.read() as session:
            result = handlers.list_licences(session, project_code, page)
        return LicenceListOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def revoke_licence(self, licence_id, data):
        identity = self.auth.identity(OFFICER, OPERATOR)
        cmd = load(RevokeLicence(), data)
        with self.db.unit_of_work() as uow:
            result = handlers.revoke_licence(licence_id, cmd, identity, uow, today_in_shanghai())
        return LicenceOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def verify_licence(self, data):
        # Public on purpose: anyone holding a licence may check it without an account (002 §18).
        cmd = load(VerifyLicence(), data, detail="待验证的证照数据不完整")
        with self.db.read() as session:
            result = handlers.verify_licence(session, cmd)
        return VerdictOut().dump(result)

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def check_licence(self, data):
        # Public: the licence number and the check code printed on it are the key (002 §18, 003 §6).
        cmd = load(CheckLicence(), data, detail="请填写证照编号和核验码")
        with self.db.read() as session:
            result = handlers.check_licence(session, cmd)
        return LicenceCheckOut().dump(result)

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
