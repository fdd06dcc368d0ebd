"""Idempotency-Key on creating requests: a retried request gets the first answer, not a duplicate.

The first request with a key claims it (a row without a response), calls the service and stores
the answer; a retry with the same key and the same request replays the stored answer. The same
key with a different request is refused (422), and while the first is still running a retry is
told to wait (409). A request that fails releases its claim so that it can be retried.
"""
import hashlib
import json
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from gateway.accounts.tables import idempotency_records
from platform_kit.errors import Conflict, PlatformError

MAX_KEY_LENGTH = 200
# printable characters of a header value (ISO-8859-1 as WSGI decodes it): no controls, no NBSP, no soft hyphen
KEY_PATTERN = r"^[\x20-\x7e\xa1-\xac\xae-\xff]+$"
_KEY = re.compile(KEY_PATTERN)
KEEP_FOR = timedelta(hours=24)  # a key may be reused for a new request after this


class IdempotencyKeyReused(PlatformError):
    status = 422
    title = "幂等键已用于其他请求"


class IdempotencyKeyInvalid(PlatformError):
    status = 400
    title = "幂等键无效"


class RequestInProgress(Conflict):
    title = "相同请求正在处理"


def request_hash(method, path, body):
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key):
    if not key or len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
        raise IdempotencyKeyInvalid(f"Idempotency-Key 须为 1–{MAX_KEY_LENGTH} 个可打印字符")
    return key


class IdempotencyStore:
    def __init__(self, engine, clock=lambda: datetime.now(timezone.utc)):
        self.engine = engine
        self.clock = clock

    def claim(self, account, key, method, path, digest, attempts=3):
        """None when this request now owns the key; (status, body) of the first answer otherwise."""
        now = self.clock()
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(idempotency_records).values(
                    account=account, key=key, method=method, path=path, request_hash=digest, created_at=now))
            return None
        except IntegrityError:
            pass
        with self.engine.begin() as conn:
            row = conn.execute(select(idempotency_records).where(
                idempotency_records.c.account == account, idempotency_records.c.key == key)).first()
            expired = row is not None and _aware(row.created_at) + KEEP_FOR < now
            if expired:
                conn.execute(delete(idempotency_records).where(
                    idempotency_records.c.account == account, idempotency_records.c.key == key,
                    idempotency_records.c.created_at == row.created_at))
        if (row is None or expired) and attempts > 1:  # released or expired meanwhile: claim again
            return self.claim(account, key, method, path, digest, attempts - 1)
        if row is None or expired:
            raise RequestInProgress("使用该 Idempotency-Key 的请求仍在处理，请稍后重试")
        if row.request_hash != digest:
            raise IdempotencyKeyReused(f"Idempotency-Key {key} 已用于另一个请求（{row.method} {row.path}），"
                                       "请为新请求使用新的键")
        if row.status is None:
            raise RequestInProgress("使用该 Idempotency-Key 的请求仍在处理，请稍后重试")
        return row.status, row.body

    def complete(self, account, key, status, body):
        with self.engine.begin() as conn:
            conn.execute(update(idempotency_records).where(
                idempotency_records.c.account == account, idempotency_records.c.key == key)
                .values(status=status, body=body))

    def release(self, account, key):
        with self.engine.begin() as conn:
            conn.execute(delete(idempotency_records).where(
                idempotency_records.c.account == account, idempotency_records.c.key == key,
                idempotency_records.c.status.is_(None)))


def _aware(moment):
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
