"""A write call acted on once and answered alike, even when its first answer was lost on the way back.

The gateway gives every write that carries an ``Idempotency-Key`` a *call key*: a digest of the
account, the key and the request, sent as the context header ``nameko.call_key``. In the service:

- the call's first unit of work records the key in ``answered_calls``, in the same transaction as
  the call's changes (:func:`take`);
- the RPC entrypoint stores the call's answer beside the key before it replies (:meth:`AnsweredCalls.store`);
- a second call with the same key (the client retried because the reply was lost: the broker or the
  gateway restarted, the call timed out) finds the key when its unit of work begins, changes nothing
  and is answered with the stored answer (:class:`CallAnswered`).

The gateway's own record of the key answers most retries; this one answers those whose reply never
reached the gateway. A call that fails leaves no key behind (its transaction rolls back, or the key is
forgotten), so a retry acts anew. Keys are kept :data:`KEEP_FOR`, as long as the gateway keeps its own.
"""
import logging
import time
from datetime import timedelta

from kombu.serialization import dumps, loads
from sqlalchemy import delete, insert, select, text

from platform_kit.errors import CallAnswerLost
from platform_kit.times import utcnow

log = logging.getLogger(__name__)

CALL_KEY = "call_key"                 # context key: the header ``nameko.call_key``
CALL_KEY_HEADER = "X-Call-Key"        # the same on a service's HTTP port (platform_kit.http_port)
MAX_CALL_KEY = 64
KEEP_FOR = timedelta(hours=24)        # the gateway lets a key be used again after 24 hours
WAIT_FOR_ANSWER = 5.0                 # seconds a repeated call waits for the first one's answer


class CallAnswered(Exception):
    """Raised in a worker whose call was answered before: the entrypoint replies with `answer`."""

    def __init__(self, answer):
        super().__init__("answered before")
        self.answer = answer


class CallState:
    """One worker's call key, and whether a unit of work of it committed the key."""

    __slots__ = ("key", "operation", "taken", "recorded")

    def __init__(self, key, operation):
        self.key, self.operation = key, operation
        self.taken = self.recorded = False


def call_state(worker_ctx):
    """The call key a worker was sent (taken out of its context data, so that calls and events it
    makes do not carry it on), or None."""
    key = worker_ctx.data.pop(CALL_KEY, None)
    if not isinstance(key, str) or not 0 < len(key) <= MAX_CALL_KEY:
        return None
    return CallState(key, f"{worker_ctx.service_name}.{worker_ctx.entrypoint.method_name}")


def take(session, table, state, insert_new, wait=None):
    """Record `state`'s key in the unit of work of `session`; raise :class:`CallAnswered` with the
    stored answer when the call was acted on before. `insert_new(session, table, row)` inserts a row
    unless its key is there and answers with the result (``platform_kit.db.insert_ignoring_conflict``).

    Two calls with one key at once: the second's insert waits for the first's transaction; when that
    commits, the second finds its key and waits (up to `wait` seconds) for its answer."""
    state.taken = True
    key = table.c.call_key == state.key
    give_up = time.monotonic() + (WAIT_FOR_ANSWER if wait is None else wait)
    while True:
        now = utcnow()
        if insert_new(session, table, {"call_key": state.key, "operation": state.operation,
                                       "created_at": now}).rowcount:
            return
        row = session.execute(select(table.c.created_at, table.c.answer).where(key)).first()
        if row is None:
            continue            # forgotten meanwhile: the other call failed
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=now.tzinfo)
        if created + KEEP_FOR < now:   # the key's time is over: it names a new request now
            session.execute(delete(table).where(key))
            continue
        if row.answer is not None:
            log.info("call %s (%s) was answered before: replaying its answer", state.key[:16], state.operation)
            raise CallAnswered(_decode(row.answer))
        if time.monotonic() >= give_up:
            raise CallAnswerLost("同一请求（Idempotency-Key）已办理，但其答复未能保存；请查看办理结果，不要再次提交")
        time.sleep(0.1)


class AnsweredCalls:
    """The ``answered_calls`` table of a service's database, outside a unit of work. `statements`: an
    engine whose connections commit each statement on its own (``Database.statements``), so keeping an
    answer is one round trip."""

    def __init__(self, engine, table, statements=None):
        self.engine, self.table = engine, table
        self.statements = statements or engine
        self._keep = text(f"UPDATE {table.name} SET answer = :answer, answered_at = :at WHERE call_key = :key")

    def store(self, state, result):
        """Keep the answer of a call that succeeded (before it is sent)."""
        answer = _encode(result)
        now = utcnow()
        with self.statements.begin() as conn:
            stored = conn.execute(self._keep, {"answer": answer, "at": now, "key": state.key}).rowcount
        if not stored:   # the call wrote nothing in a unit of work of its own: its answer is kept all the same
            with self.engine.begin() as conn:
                conn.execute(insert(self.table).values(call_key=state.key, operation=state.operation,
                                                       created_at=now, answered_at=now, answer=answer))

    def forget(self, state):
        """A call that failed after a unit of work of it committed its key: a retry acts anew."""
        with self.engine.begin() as conn:
            conn.execute(delete(self.table).where(self.table.c.call_key == state.key,
                                                  self.table.c.answer.is_(None)))

    def prune(self, now=None):
        """Remove the keys whose time is over; the number removed."""
        before = (now or utcnow()) - KEEP_FOR - timedelta(hours=1)
        with self.engine.begin() as conn:
            return conn.execute(delete(self.table).where(self.table.c.created_at < before)).rowcount


def _encode(result):
    """The answer as the reply carries it (kombu's json, which keeps dates and decimals)."""
    return dumps(result, serializer="json")[2]


def _decode(text):
    return loads(text, "application/json", "utf-8")
