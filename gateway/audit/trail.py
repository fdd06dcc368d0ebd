"""The audit chain in the gateway's database: append one record, read them back in order.

Appends are serialised across every worker and replica sharing the database, so that each record
follows the one before it: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by taking
the database's write lock when the transaction begins (``BEGIN IMMEDIATE``). The sequence number and
the predecessor's hash are read under that lock.
"""
from datetime import UTC, datetime

from sqlalchemy import create_engine, event, insert, select, text

from gateway.audit.chain import CONTENT_FIELDS, GENESIS, link
from gateway.audit.tables import audit_records

LOCK_KEY = 0x61756469740001  # pg_advisory_xact_lock key of the chain ("audit", 1)


def utc_stamp(moment=None):
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def audit_engine(url):
    """An engine whose transactions can append to the chain (SQLite: each one takes the write lock)."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself, below

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class AuditTrail:
    def __init__(self, url=None, engine=None, clock=None):
        self.engine = engine or audit_engine(url)
        self.postgres = self.engine.dialect.name == "postgresql"
        self.clock = clock or (lambda: datetime.now(UTC))

    def append(self, content):
        """Store one record (`content`: the fields of :data:`CONTENT_FIELDS` but ``seq`` and, optionally,
        ``at``) at the head of the chain; returns it as stored."""
        with self.engine.begin() as conn:
            if self.postgres:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            head = conn.execute(select(audit_records.c.seq, audit_records.c.hash)
                                .order_by(audit_records.c.seq.desc()).limit(1)).first()
            seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS)
            record = {name: content.get(name) for name in CONTENT_FIELDS}
            record.update(seq=seq, at=content.get("at") or utc_stamp(self.clock()),
                          object_ids=dict(content.get("object_ids") or {}))
            record["prev_hash"] = prev_hash
            record["hash"] = link(prev_hash, record)
            record["id"] = conn.execute(insert(audit_records).values(**record)
                                        .returning(audit_records.c.id)).scalar_one()
        return record

    def records(self, since=None, until=None, batch=1000):
        """Every record (at or after `since`, before `until`: ISO texts), in stored order."""
        query = select(audit_records).order_by(audit_records.c.id)
        if since:
            query = query.where(audit_records.c.at >= utc_stamp(parse_time(since)))
        if until:
            query = query.where(audit_records.c.at < utc_stamp(parse_time(until)))
        last_id = None
        with self.engine.connect() as conn:
            while True:
                page = query if last_id is None else query.where(audit_records.c.id > last_id)
                rows = conn.execute(page.limit(batch)).mappings().all()
                for row in rows:
                    yield as_record(row)
                if len(rows) < batch:
                    return
                last_id = rows[-1]["id"]

    def dispose(self):
        self.engine.dispose()


def as_record(row):
    record = {"id": row["id"]}
    record.update({name: row[name] for name in CONTENT_FIELDS})
    record.update(prev_hash=row["prev_hash"], hash=row["hash"])
    return record


def parse_time(value):
    """An ISO date or date-time (naive means UTC)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
