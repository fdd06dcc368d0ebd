"""Database access for services: engine, unit of work, the platform tables every service has.

A unit of work is one transaction. Events emitted in it are written to the outbox table in the
same transaction (so a state change and its events commit or vanish together), and an event it
consumes is recorded in ``processed_events`` in the same transaction (so a redelivered event is
recognised and skipped). A call sent with a call key records it in ``answered_calls`` in its first
unit of work (so a retried call is answered, not acted on again: platform_kit.calls).
"""
import contextlib
import logging
import time

from nameko.extensions import DependencyProvider
from sqlalchemy import (JSON, BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text, bindparam,
                        create_engine, event, insert, select, text)
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.orm import sessionmaker

from platform_kit import calls
from platform_kit.errors import ValidationFailed
from platform_kit.outbox import OutboxRelay
from platform_kit.times import utcnow

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata():
    """A MetaData for one service's database, with the outbox, processed-event and answered-call tables in it."""
    metadata = MetaData(naming_convention=NAMING)
    Table(
        "outbox", metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(80), nullable=False),
        Column("source", String(40), nullable=False),
        Column("body", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, default=utcnow),
        Column("published_at", DateTime(timezone=True), index=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", DateTime(timezone=True)),
        Column("last_error", Text),
        # call context published with the event as ``nameko.<key>`` headers: {"request_id": ...}
        Column("headers", JSON(none_as_null=True)),
    )
    Table(
        "processed_events", metadata,
        Column("consumer", String(120), primary_key=True),
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(80), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, default=utcnow),
    )
    Table(
        "answered_calls", metadata,
        Column("call_key", String(calls.MAX_CALL_KEY), primary_key=True),
        Column("operation", String(120), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, index=True),
        Column("answered_at", DateTime(timezone=True)),
        Column("answer", Text),   # as the reply carried it (kombu's json)
    )
    return metadata


def make_engine(url, pool_size=10, idle=None, autocommit=False):
    """An engine tuned for the URL's backend: PostgreSQL (pooled, bounded connect time) or SQLite.

    At most `pool_size` connections are open at once; `idle` of them (all when None) stay open between
    uses, the others are closed when given back, so a quiet process does not hold a busy hour's
    connections against the server's ``max_connections``. With `autocommit` (PostgreSQL) every
    statement commits on its own and a connection is given back with nothing to roll back."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    kept = pool_size if idle is None else max(1, min(int(idle), pool_size))
    engine = create_engine(
        url, pool_size=kept, max_overflow=pool_size - kept, pool_timeout=30,
        connect_args={"connect_timeout": 5}, **({"isolation_level": "AUTOCOMMIT"} if autocommit else {}),
    )
    event.listen(engine, "before_cursor_execute", _refuse_nul)
    event.listen(engine, "connect", _given_back)
    event.listen(engine, "checkin", _given_back)
    event.listen(engine, "checkout", _ping_if_rested)
    return engine


# A connection given back less than this long ago is handed out without a ping: under load that
# saves a round trip per transaction, and a server gone in that second is noticed by the statement
# itself (the pool then drops every connection it holds, as after a failed ping).
PING_AFTER_SECONDS = 1.0
STORE_ATTEMPTS = 3   # tries to keep a keyed call's answer before replying (1 + 0.5 + 1 s at most)


def _given_back(dbapi_connection, record):
    record.info["given_back"] = time.monotonic()


def _ping_if_rested(dbapi_connection, record, proxy):
    """Pre-ping a connection that rested in the pool (the server may have gone or restarted since)."""
    given_back = record.info.get("given_back")
    if given_back is not None and time.monotonic() - given_back < PING_AFTER_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as exc:   # the pool replaces it with a new connection and tries again
        raise DisconnectionError(f"database connection lost: {exc}") from exc


def _refuse_nul(conn, cursor, statement, parameters, context, executemany):
    """PostgreSQL text cannot hold NUL: a value carrying one (an id in a URL, say) is the caller's
    mistake, so it becomes a 422, not a driver error. Schemas refuse it in bodies already
    (platform_kit.validation); this catches what arrives as a bare RPC argument."""
    if "\\x00" not in repr(parameters):   # a NUL shows as \x00 in the repr (one C call for every row)
        return
    rows = parameters if executemany else (parameters,)
    for row in rows:
        values = row.values() if isinstance(row, dict) else (row or ())
        if any("\x00" in v for v in values if v.__class__ is str):
            raise ValidationFailed("输入含有空字符（NUL），无法处理",
                                   [{"field": "_schema", "message": "不得包含空字符（NUL）"}])


def green_postgres():
    """Make psycopg2 yield to other greenlets while it waits on the server (only under eventlet).

    A full ``eventlet.monkey_patch()`` (what ``nameko run`` does) already installs a wait callback;
    a partial patch does not, and then psycogreen's is installed. Without either, one slow query
    blocks every worker of the process (lib/tests/test_bus.py shows the difference).
    """
    import eventlet.patcher
    import psycopg2.extensions
    if eventlet.patcher.is_monkey_patched("socket") and psycopg2.extensions.get_wait_callback() is None:
        import psycogreen.eventlet
        psycogreen.eventlet.patch_psycopg()


# ``INSERT ... ON CONFLICT DO NOTHING`` as SQLAlchemy's dialects write it (``postgresql.insert(t)
# .on_conflict_do_nothing()``) is compiled again on every execution: those constructs have no cache
# key. The same statement as text, built once per table, columns and dialect, is compiled once.
IGNORING_DIALECTS = ("postgresql", "sqlite")
_ignoring_statements = {}
_python_defaults = {}


def insert_ignoring_conflict(session, table, values, returning=()):
    """Insert one row of `table` unless a unique key of it is taken (PostgreSQL, SQLite); the result's
    ``rowcount`` is 1 when it inserted. Columns left out get their Python-side default, as an
    ``insert()`` gives them; `returning`: names of columns the inserted row answers with."""
    row = dict(values)
    defaults = _python_defaults.get(table)
    if defaults is None:
        defaults = _python_defaults[table] = [
            (column.key, column.default) for column in table.columns
            if column.default is not None and (column.default.is_scalar or column.default.is_callable)]
    for key, default in defaults:
        if key not in row:
            row[key] = default.arg if default.is_scalar else default.arg(None)
    dialect = session.get_bind().dialect
    cache_key = (dialect.name, table, tuple(row), tuple(returning))
    statement = _ignoring_statements.get(cache_key)
    if statement is None:
        quote = dialect.identifier_preparer
        columns = [table.c[key] for key in row]
        sql = (f"INSERT INTO {quote.format_table(table)} ({', '.join(quote.format_column(c) for c in columns)}) "
               f"VALUES ({', '.join(':' + c.key for c in columns)}) ON CONFLICT DO NOTHING")
        if returning:
            sql += f" RETURNING {', '.join(quote.format_column(table.c[name]) for name in returning)}"
        statement = text(sql).bindparams(*(bindparam(c.key, type_=c.type) for c in columns))
        if returning:
            statement = statement.columns(*(table.c[name] for name in returning))
        _ignoring_statements[cache_key] = statement
    return session.execute(statement, row)


@contextlib.contextmanager
def transaction(sessions, metadata, repositories=None, headers=None, call=None):
    """A :class:`UnitOfWork` on a new session of `sessions` (a sessionmaker): committed when the block
    ends, rolled back on any error. ``Database.unit_of_work()`` in a service; command-line tools,
    benchmarks and tests call it with a sessionmaker of their own. `call`: the
    :class:`platform_kit.calls.CallState` of a keyed call whose key this transaction records first."""
    session = sessions()
    uow = UnitOfWork(session, metadata, repositories, headers)
    try:
        if call is not None:
            calls.take(session, metadata.tables["answered_calls"], call, insert_ignoring_conflict)
        yield uow
        session.commit()
        if call is not None:
            call.recorded = True
    except BaseException:
        session.rollback()
        raise
    finally:
        event.remove(session, "before_commit", uow.write_outbox)
        session.close()


class UnitOfWork:
    """One transaction of one service. Use through ``Database.unit_of_work()``.

    A service names its repositories once (``Database(metadata, repositories=...)``: a callable
    taking the session and returning ``{name: repository}``); each becomes an attribute of every
    unit of work (``uow.cases.get_locked(case_id)``), so use cases read as domain calls and never
    touch the session themselves.
    """

    read_only = False

    def __init__(self, session, metadata, repositories=None, headers=None):
        self.session = session
        self.headers = headers or None   # the call context its events carry (the request id)
        for name, repository in (repositories(session) if repositories else {}).items():
            setattr(self, name, repository)
        self._outbox = metadata.tables["outbox"]
        self._processed = metadata.tables["processed_events"]
        self.emitted = []
        self._unwritten = []
        # Outbox rows are written in one multi-row insert just before the transaction commits,
        # inside it: a unit of work that emits thousands of events (a deadline sweep) pays one
        # round trip, and the events still commit or vanish with the state change.
        if not self.read_only:
            event.listen(session, "before_commit", self.write_outbox)

    def emit(self, envelope):
        """Record an event to be published once this unit of work commits."""
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot emit events")
        self._unwritten.append({
            "event_id": envelope.event_id, "event_type": envelope.type, "source": envelope.source,
            "body": envelope.to_wire(), "created_at": utcnow(), "attempts": 0, "headers": self.headers,
        })
        self.emitted.append(envelope)

    def write_outbox(self, session=None):
        """Write the events emitted so far to the outbox table (called before commit)."""
        if self._unwritten:
            rows, self._unwritten = self._unwritten, []
            self.session.execute(insert(self._outbox), rows)

    def first_time(self, envelope, consumer):
        """True the first time `consumer` handles this event; False on any redelivery.

        One round trip: the marker is inserted unless it is there (``ON CONFLICT DO NOTHING``) and
        commits with the handler's own changes. Two replicas racing on one event: the second insert
        waits for the first transaction; when that commits, the second finds the marker and skips
        the event, when it rolls back, the second inserts the marker and handles the event.
        """
        if self.session.get_bind().dialect.name not in IGNORING_DIALECTS:
            # any other backend: look first, then insert (its primary key guards the race)
            return self._first_time_checked(envelope, consumer)
        self.session.flush()
        inserted = insert_ignoring_conflict(self.session, self._processed, {
            "consumer": consumer, "event_id": envelope.event_id, "event_type": envelope.type,
            "processed_at": utcnow()}).rowcount
        if not inserted:
            log.info("skipping already processed event %s for %s", envelope.event_id, consumer)
        return inserted == 1

    def _first_time_checked(self, envelope, consumer):
        seen = self.session.execute(select(self._processed.c.event_id).where(
            self._processed.c.consumer == consumer,
            self._processed.c.event_id == envelope.event_id)).first()
        if seen:
            log.info("skipping already processed event %s for %s", envelope.event_id, consumer)
            return False
        self.session.execute(insert(self._processed).values(
            consumer=consumer, event_id=envelope.event_id, event_type=envelope.type,
            processed_at=utcnow()))
        self.session.flush()
        return True


class ReadOnlyUnitOfWork(UnitOfWork):
    """The repositories of a service over a transaction that is always rolled back."""

    read_only = True


class Database(DependencyProvider):
    """Gives each worker ``unit_of_work()`` and ``reading()``; runs the outbox relay for the service.

    Config: ``DATABASE_URL``; ``max_workers`` sizes the pool (two more for the relay and a reading
    beside a unit of work), ``DB_POOL_IDLE`` of them stay open between uses; ``OUTBOX_POLL_SECONDS``.
    A second pool of the same size serves :meth:`DatabaseAccess.single_statements`.
    """

    def __init__(self, metadata, relay=True, repositories=None):
        self.metadata = metadata
        self.relay_enabled = relay
        self.repositories = repositories
        self.engine = None
        self.sessions = None
        self.statements = None
        self.relay = None
        self.answered = None
        self._calls = {}   # worker context -> CallState of a keyed call
        self._pruning = None

    def setup(self):
        config = self.container.config
        url = config["DATABASE_URL"]
        if url.startswith("postgresql"):
            green_postgres()
        pool = int(config.get("max_workers", 10)) + 2
        self.engine = make_engine(url, pool_size=pool, idle=config.get("DB_POOL_IDLE", 4))
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        # connections on which each statement commits on its own (DatabaseAccess.single_statements):
        # the quick reads of a hot path (a stamp on every request); opened only as many as are used
        # at once, and all of those kept
        self.statements = make_engine(url, pool_size=pool, autocommit=True) \
            if url.startswith("postgresql") else self.engine
        if self.relay_enabled:
            self.relay = OutboxRelay(self.engine, self.metadata, config)
        self.answered = calls.AnsweredCalls(self.engine, self.metadata.tables["answered_calls"], self.statements)

    def start(self):
        if self.relay:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")
            self._pruning = self.container.spawn_managed_thread(self._prune_answered_calls,
                                                                identifier="answered-calls-pruning")

    def _prune_answered_calls(self, every=3600.0):
        """Remove call keys whose time is over, once an hour (any replica; removing twice is harmless)."""
        while True:
            try:
                removed = self.answered.prune()
                if removed:
                    log.info("removed %d answered calls older than their keys' time", removed)
            except Exception as exc:   # the database is away: next hour
                log.warning("pruning answered calls failed: %r", exc)
            time.sleep(every)

    def stop(self):
        if self.relay:
            self.relay.stop()
        if self._pruning is not None:
            self._pruning.kill()
            self._pruning = None

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        call = calls.call_state(worker_ctx)
        if call is not None:
            self._calls[worker_ctx] = call
        return DatabaseAccess(self.sessions, self.metadata, self.relay, self.repositories, worker_ctx,
                              self.statements, call)

    def settle_call(self, worker_ctx, result, exc_info, to_answer=None, from_answer=None):
        """Called by the RPC or HTTP entrypoint before it replies: a keyed call's answer is kept (a
        repeated call's stored answer becomes its result); a failed call's recorded key is forgotten.
        `to_answer` / `from_answer` turn a result that is not JSON (an HTTP response) into the kept
        answer and back."""
        call = self._calls.pop(worker_ctx, None)
        if call is None:
            return result, exc_info
        if exc_info is not None and isinstance(exc_info[1], calls.CallAnswered):
            answer = exc_info[1].answer
            return (from_answer(answer) if from_answer else answer), None
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                if exc_info is None:
                    self.answered.store(call, to_answer(result) if to_answer else result)
                elif call.recorded:
                    self.answered.forget(call)
                break
            except Exception:   # the database restarts: try briefly; the reply goes back all the same
                if attempt == STORE_ATTEMPTS:
                    log.exception("the answer of call %s (%s) could not be kept: a repeat of it will be "
                                  "refused as answered before", call.key[:16], call.operation)
                else:
                    time.sleep(0.5 * attempt)
        return result, exc_info

    def worker_teardown(self, worker_ctx):
        self._calls.pop(worker_ctx, None)


class DatabaseAccess:
    def __init__(self, sessions, metadata, relay, repositories=None, worker_ctx=None, statements=None, call=None):
        self._call = call   # a keyed call's state: its first unit of work records the key
        self._sessions = sessions
        self._statements = statements
        self._metadata = metadata
        self._relay = relay
        self._repositories = repositories
        self._worker_ctx = worker_ctx

    def _headers(self):
        """The call context the worker's events carry: its request id (read when the unit of work
        starts, after the workers' setup gave it one)."""
        request_id = self._worker_ctx.data.get("request_id") if self._worker_ctx is not None else None
        return {"request_id": request_id} if request_id else None

    @contextlib.contextmanager
    def unit_of_work(self):
        call = self._call if self._call is not None and not self._call.taken else None
        with transaction(self._sessions, self._metadata, self._repositories, self._headers(), call) as uow:
            yield uow
        if uow.emitted and self._relay:
            self._relay.wake()

    @contextlib.contextmanager
    def reading(self):
        """The service's repositories for reading: nothing is written, whatever happens."""
        session = self._sessions()
        try:
            yield ReadOnlyUnitOfWork(session, self._metadata, self._repositories)
        finally:
            session.rollback()
            session.close()

    @contextlib.contextmanager
    def single_statements(self):
        """A connection on which every statement is a transaction of its own: one quick read (a
        stamp, a count) with no transaction to begin and roll back around it."""
        with self._statements.connect() as connection:
            yield connection

    @contextlib.contextmanager
    def read(self):
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


__all__ = ["Database", "UnitOfWork", "insert_ignoring_conflict", "ReadOnlyUnitOfWork", "service_metadata", "make_engine", "IntegrityError", "utcnow"]
