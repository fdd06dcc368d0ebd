"""Idempotency-Key on writing requests: a retried request gets the first answer, never a second effect.

The first request with a key claims it: a row without an answer, holding a claim id and a lease that
ends after the call's deadline (the service does not act on a request after its deadline, see
``gateway.rpc``). It calls the service and stores the answer; a retry with the same key and the same
request replays the stored answer. The same key with a different request is refused (422).

A claim is given back only when the request certainly changed nothing: it reached no service (no
running instance, unroutable, broker unreachable before publishing) or the service refused it (an
expected error, or an unexpected one, which rolls its transaction back). When the outcome is unknown
(timeout, broker lost after publishing, the answer could not be stored) the claim stays: an answer
that arrives late is stored by the worker that made the call, and a retry waits (bounded) for it.
A retry still finding the claim unanswered after its lease took over the key and calls again: by
then the first request can no longer be acted on. So a worker that died holding a claim blocks the
key only until its lease ends, not for the record's 24 hours.

The service is sent a digest of the account, the key and the request with the call (:func:`call_key`):
it records it with the call's changes and keeps its answer (platform_kit.calls), so a call made again
after the lease (the first answer was lost on its way back) is answered, not acted on a second time.
"""
import hashlib
import json
import logging
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.accounts.tables import idempotency_records as records
from platform_kit.errors import PlatformError

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 200
# printable characters of a header value (ISO-8859-1 as WSGI decodes it): no controls, no NBSP, no soft hyphen
KEY_PATTERN = r"^[\x20-\x7e\xa1-\xac\xae-\xff]+$"
_KEY = re.compile(KEY_PATTERN)
KEEP_FOR = timedelta(hours=24)  # a key may be reused for a new request after this
OLD_CLAIM_LEASE = timedelta(minutes=5)  # a claim stored without a lease (before leases) ends this long after it began


class IdempotencyKeyReused(PlatformError):
    status = 422
    title = "幂等键已用于其他请求"


class IdempotencyKeyInvalid(PlatformError):
    status = 400
    title = "幂等键无效"


class Claim:
    """The right to call the service for (account, key), until `lease_until`."""

    def __init__(self, account, key, claim_id, lease_until):
        self.account, self.key, self.claim_id, self.lease_until = account, key, claim_id, lease_until


class Pending:
    """Another request holds the key; its lease ends at `lease_until`."""

    def __init__(self, lease_until):
        self.lease_until = lease_until


def request_hash(method, path, body):
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def call_key(claim, digest):
    """What the service knows a keyed call by: the account, the key and the request, in 64 hex digits."""
    return hashlib.sha256("\x00".join((claim.account, claim.key, digest)).encode()).hexdigest()


def check_key(key):
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise IdempotencyKeyInvalid(f"Idempotency-Key 须为 1–{MAX_KEY_LENGTH} 个可打印字符")
    return key


class IdempotencyStore:
    def __init__(self, engine, clock=lambda: datetime.now(timezone.utc), sleep=time.sleep):
        self.engine = engine
        self.clock = clock
        self.sleep = sleep

    def claim(self, account, key, method, path, digest, lease):
        """A :class:`Claim` when this request now holds the key (for `lease` seconds), (status, body) of
        the stored answer, or :class:`Pending` while another request holds it."""
        for _ in range(3):
            now = self.clock()
            claim = Claim(account, key, uuid.uuid4().hex, now + timedelta(seconds=lease))
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(records).values(
                        account=account, key=key, method=method, path=path, request_hash=digest, created_at=now,
                        claim_id=claim.claim_id, lease_until=claim.lease_until))
                return claim
            except IntegrityError:
                pass
            with self.engine.begin() as conn:
                row = self._row(conn, account, key)
                if row is not None and _aware(row.created_at) + KEEP_FOR < now:
                    conn.execute(delete(records).where(*self._where(account, key),
                                                       records.c.created_at == row.created_at))
                    continue  # expired: claim it anew
                if row is None:
                    continue  # given back meanwhile
                if row.request_hash != digest:
                    raise IdempotencyKeyReused(f"Idempotency-Key {key} 已用于另一个请求（{row.method} {row.path}），"
                                               "请为新请求使用新的键")
                if row.status is not None:
                    return row.status, row.body
                lease_until = _lease_until(row)
                if lease_until > now:
                    return Pending(lease_until)
                # the holder's call can no longer run: take the key over
                taken = conn.execute(update(records).where(
                    *self._where(account, key), records.c.status.is_(None),
                    _same(records.c.claim_id, row.claim_id)).values(
                    claim_id=claim.claim_id, lease_until=claim.lease_until)).rowcount
                if taken:
                    return claim
        return Pending(self.clock() + timedelta(seconds=1))

    def wait(self, account, key, method, path, digest, lease, longest, step=0.1):
        """Like :meth:`claim`, waiting up to `longest` seconds while another request holds the key."""
        give_up = time.monotonic() + longest
        while True:
            outcome = self.claim(account, key, method, path, digest, lease)
            if not isinstance(outcome, Pending) or time.monotonic() >= give_up:
                return outcome
            until_lease = (outcome.lease_until - self.clock()).total_seconds()
            self.sleep(max(0.01, min(step, give_up - time.monotonic(), until_lease + 0.01)))
            step = min(step * 1.5, 0.5)

    def complete(self, claim, status, body):
        """Store the answer; False when the claim was no longer held (taken over after its lease)."""
        with self.engine.begin() as conn:
            return bool(conn.execute(update(records).where(
                *self._where(claim.account, claim.key), records.c.claim_id == claim.claim_id,
                records.c.status.is_(None)).values(status=status, body=body)).rowcount)

    def complete_eventually(self, claim, status, body, give_up_after=60.0):
        """Store the answer now, or, when the database cannot be reached (it restarts), keep trying in
        the background for `give_up_after` seconds past the claim's lease: a retry holding the same key
        waits while the claim is leased, and finds the answer once it is stored. True when stored now,
        False when the claim was taken over, None when it is being tried in the background."""
        try:
            return self.complete(claim, status, body)
        except Exception as exc:   # the service acted; its answer must not be lost with the connection
            log.warning("storing the answer of key %s failed (%r); trying again in the background", claim.key, exc)
        stop_at = time.monotonic() + max(0.0, (claim.lease_until - self.clock()).total_seconds()) + give_up_after

        def keep_trying():
            pause = 0.2
            while time.monotonic() < stop_at:
                time.sleep(pause)
                try:
                    if not self.complete(claim, status, body):
                        log.warning("the answer of key %s came after its claim was taken over", claim.key)
                    return
                except Exception:
                    pause = min(pause * 2, 2.0)
            log.error("the answer of key %s could not be stored: a retry will find its claim lapsed", claim.key)

        threading.Thread(target=keep_trying, name=f"idempotency-{claim.key[:16]}", daemon=True).start()
        return None

    def release(self, claim):
        with self.engine.begin() as conn:
            conn.execute(delete(records).where(
                *self._where(claim.account, claim.key), records.c.claim_id == claim.claim_id,
                records.c.status.is_(None)))

    @staticmethod
    def _where(account, key):
        return records.c.account == account, records.c.key == key

    @staticmethod
    def _row(conn, account, key):
        return conn.execute(select(records).where(records.c.account == account, records.c.key == key)).first()


def _lease_until(row):
    if row.lease_until is not None:
        return _aware(row.lease_until)
    return _aware(row.created_at) + OLD_CLAIM_LEASE


def _same(column, value):
    return column.is_(None) if value is None else column == value


def _aware(moment):
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
