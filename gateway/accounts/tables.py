"""The gateway's own database: accounts, refresh tokens, the account log, idempotency records."""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, MetaData,
                        String, Table, Text, false)

from platform_kit.db import NAMING

metadata = MetaData(naming_convention=NAMING)

accounts = Table(
    "accounts", metadata,
    Column("account", String(64), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("department", String(20)),
    Column("region", String(6)),
    Column("org", String(18)),
    Column("steps", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False),
    Column("locked_until", DateTime(timezone=True)),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    # set when an operator sets the password (recovery): only its holder may know the next one
    Column("must_change_password", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# Only a SHA-256 of each refresh token is kept; a token is used once, then replaced by a new one
# of the same family. A family whose used token comes back is revoked whole (RFC 6819 §5.2.2.3).
refresh_tokens = Table(
    "refresh_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("family", String(32), nullable=False, index=True),
    Column("account", String(64), ForeignKey("accounts.account"), nullable=False, index=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
)

# Append-only: who did what to which account, when and why (logins, lockouts, password changes).
account_log = Table(
    "account_log", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("account", String(64), nullable=False, index=True),
    Column("event", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
)

# A creating request's response, kept under the caller's Idempotency-Key so a retry returns it.
idempotency_records = Table(
    "idempotency_records", metadata,
    Column("account", String(64), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("method", String(10), nullable=False),
    Column("path", String(500), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer),            # null while the first request is still being handled
    Column("body", JSON),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
