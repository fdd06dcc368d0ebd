"""Every table of the gateway's own database (accounts, tokens, idempotency keys, the audit trail),
in one metadata: what its migrations create."""
from gateway.accounts.tables import metadata
import gateway.audit.tables  # noqa: F401,E402  (adds the audit table to the same metadata)

__all__ = ["metadata"]
