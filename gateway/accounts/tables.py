"""The gateway's own database: accounts, refresh tokens, the account log, idempotency records."""
import hashlib
from datetime import timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, MetaData,
                        String, Table, Text, UniqueConstraint, false)

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
    # the second factor (RFC 6238 TOTP) of operators and department administrators
    Column("totp_secret", String(64)),
    Column("totp_enrolled_at", DateTime(timezone=True)),
    Column("totp_last_counter", BigInteger),      # the last time step accepted: no code is used twice
    Column("recovery_codes", JSON),               # [{"hash": argon2, "used_at": iso or null}]
    # an enrolment under way: the secret and codes shown once, valid when a first code confirms them
    Column("totp_pending_secret", String(64)),
    Column("pending_recovery_codes", JSON),
    Column("enrolment_token_hash", String(64)),   # SHA-256 of the short-lived enrolment token
    Column("enrolment_expires_at", DateTime(timezone=True)),
)

# Append-only: each change of a holder's details (name, department, region, role, steps), who asked
# for it, when, why, and the details before and after it.
account_changes = Table(
    "account_changes", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("account", String(64), ForeignKey("accounts.account"), nullable=False, index=True),
    Column("requested_by", String(64), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("before", JSON, nullable=False),
    Column("after", JSON, nullable=False),
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
    # how the session was opened, carried by every token of the family: ["pwd"], ["pwd", "otp"], ["cert"]
    Column("amr", JSON),
    Column("cert_issuer", Text),        # RFC 4514 issuer and hex serial of the certificate of a cert login
    Column("cert_serial", String(64), index=True),
)

# One-time challenges of a certificate login: only a SHA-256 of the nonce is kept.
certificate_challenges = Table(
    "certificate_challenges", metadata,
    Column("nonce_hash", String(64), primary_key=True),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

# Which certificate (issuer + serial) logs in to which account (004 §19), bound by an operator or the
# account's department administrator. A binding is never changed but once, to record its revocation
# (004 §20); a certificate once bound is never bound again.
certificate_bindings = Table(
    "certificate_bindings", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("account", String(64), ForeignKey("accounts.account"), nullable=False, index=True),
    Column("issuer", Text, nullable=False),
    Column("serial", String(64), nullable=False),
    Column("subject", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),   # SHA-256 of the DER certificate
    Column("not_after", DateTime(timezone=True), nullable=False),
    Column("certificate", Text, nullable=False),          # the PEM, as bound
    Column("bound_by", String(64), nullable=False),
    Column("bound_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(64)),
    Column("revocation_reason", Text),
    UniqueConstraint("issuer", "serial"),
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
    Column("claim_id", String(32)),       # who holds the claim now (a retry may take an expired one over)
    Column("lease_until", DateTime(timezone=True)),  # the holder's call cannot run after this
)


def aware(moment):
    """SQLite hands back naive datetimes; every stored time is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


def token_digest(token):
    return hashlib.sha256(token.encode()).hexdigest()
