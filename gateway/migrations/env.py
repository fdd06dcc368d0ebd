from gateway.accounts.tables import metadata
import gateway.audit.tables  # noqa: F401  (adds the audit table to the same metadata)
from platform_kit.migrate import run_env

run_env(metadata)
