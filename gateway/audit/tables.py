"""The audit table, in the gateway's database (migration ``0004``).

Rows are only inserted: the gateway never updates or deletes one, and its database user can be
denied both (README, "Audit").
"""
from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table

from gateway.accounts.tables import metadata

audit_records = Table(
    "audit_records", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("seq", BigInteger, nullable=False, unique=True),   # 1, 2, 3, ... in chain order
    Column("at", String(32), nullable=False, index=True),     # UTC, 2026-11-30T08:00:00.000000Z
    Column("request_id", String(128), nullable=False),
    Column("event", String(40), nullable=False),
    Column("client", String(64), nullable=False),             # the client's address
    Column("actor", String(64)),                              # account, when known
    Column("actor_source", String(20)),                       # token | issued_token | login_body | refresh_token
    Column("role", String(20)),
    Column("method", String(10), nullable=False),
    Column("route", String(200), nullable=False),             # the route template
    Column("object_ids", JSON, nullable=False),               # the path's fields
    Column("status", Integer, nullable=False),                # the HTTP status answered
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
