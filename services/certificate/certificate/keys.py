"""The licence signing key as a nameko dependency: loaded or generated once, then kept in memory."""
import logging
from pathlib import Path

from nameko.extensions import DependencyProvider
from sqlalchemy.orm import Session

from certificate import handlers
from platform_kit.db import make_engine

log = logging.getLogger(__name__)


class SigningKeys(DependencyProvider):
    """``self.keys.current(db)`` is the key that signs new licences.

    Config: ``LICENCE_SIGNING_KEY_FILE`` (optional Ed25519 PKCS#8 PEM). The key is made durable in the
    database when the service starts (or, if the database was not reachable then, on first use).
    """

    def __init__(self):
        self.configured_pem = None
        self.key = None

    def setup(self):
        path = self.container.config.get("LICENCE_SIGNING_KEY_FILE")
        self.configured_pem = Path(path).read_text() if path else None

    def start(self):
        engine = make_engine(self.container.config["DATABASE_URL"], pool_size=1)
        try:
            with Session(engine) as session, session.begin():
                self.key = handlers.ensure_signing_key(session, self.configured_pem)
            log.info("licences are signed with key %s", self.key.key_id)
        except Exception:  # the database may come up later; the first licence will retry
            log.exception("could not prepare the licence signing key at start")
        finally:
            engine.dispose()

    def get_dependency(self, worker_ctx):
        return KeyAccess(self)


class KeyAccess:
    def __init__(self, provider):
        self._provider = provider

    def current(self, db):
        if self._provider.key is None:
            with db.unit_of_work() as uow:
                key = handlers.ensure_signing_key(uow.session, self._provider.configured_pem)
            self._provider.key = key
        return self._provider.key


class Sealing(DependencyProvider):
    """What sealing needs: the city PKI (``SEAL_PKI_DIR``), the public verification page the QR code
    opens (``LICENCE_VERIFY_URL``) and the validity period per licence kind (``LICENCE_VALIDITY_DAYS``)."""

    def setup(self):
        from certificate.domain.licence import validity_days
        from platform_kit.seal import SealAuthority, cjk_font
        config = self.container.config
        self.authority = SealAuthority(config.get("SEAL_PKI_DIR") or "var/pki")
        self.verify_url = config.get("LICENCE_VERIFY_URL") or "http://127.0.0.1:8000/web/verify"
        self.validity = validity_days(config.get("LICENCE_VALIDITY_DAYS"))
        self.trust_roots_pem = (self.authority.pki.dir / "root.pem").read_text()
        cjk_font()   # a missing font stops the service at start, not at its first licence

    def get_dependency(self, worker_ctx):
        return self
