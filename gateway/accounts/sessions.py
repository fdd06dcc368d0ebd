"""Sessions that end at once: an access token names its session (``sid``, the refresh-token family);
the gateway refuses a token whose session has ended (logout, deactivation, a password or second
factor reset, a change of the holder's details, a certificate revoked through the platform or put on
the CA's CRL).

A session is live while one of its refresh tokens is not revoked. What the database said is kept for
at most ``GATEWAY_SESSION_CHECK_SECONDS`` (default 5): that is the longest a token of an ended session
is still accepted. An ended session never comes back, so that answer is kept for good."""
import threading
import time

from sqlalchemy import select

from gateway.accounts.tables import refresh_tokens
from platform_kit.errors import Unauthenticated

ENDED = "登录会话已结束（已退出、账号停用、密码或双因素认证重置、证书吊销等），请重新登录"
MAX_ENTRIES = 100_000


class SessionCheck:
    """``check(identity)``: Unauthenticated when the token's session has ended.

    `book` (the account book) gives the engine and ``end_sessions_on_crl()``, called at most once per
    bound so that a changed CRL ends its sessions before they are looked up."""

    def __init__(self, book, seconds=5.0, monotonic=time.monotonic):
        self.book = book
        self.seconds = seconds
        self.monotonic = monotonic
        self._lock = threading.Lock()
        self._live = {}          # sid -> when it was last seen live
        self._ended = set()
        self._crl_checked = None
        book.session_listeners.append(self.forget_live)

    def forget_live(self):
        """Sessions ended in this process: look each one up again (other processes within the bound)."""
        with self._lock:
            self._live.clear()

    def check(self, identity):
        sid = identity.sid
        if not sid:
            return identity      # a token of no session (not issued by a login)
        now = self.monotonic()
        with self._lock:
            if sid in self._ended:
                raise Unauthenticated(ENDED)
            seen = self._live.get(sid)
            if seen is not None and now - seen < self.seconds:
                return identity
            crl_due = self._crl_checked is None or now - self._crl_checked >= self.seconds
            if crl_due:
                self._crl_checked = now
        if crl_due:
            self.book.end_sessions_on_crl()
        live = self.live(sid)
        with self._lock:
            if live:
                if len(self._live) >= MAX_ENTRIES:
                    self._live.clear()
                self._live[sid] = now
            else:
                self._live.pop(sid, None)
                if len(self._ended) >= MAX_ENTRIES:
                    self._ended.clear()
                self._ended.add(sid)
        if not live:
            raise Unauthenticated(ENDED)
        return identity

    def live(self, sid):
        with self.book.engine.connect() as conn:
            return conn.execute(select(refresh_tokens.c.token_hash).where(
                refresh_tokens.c.family == sid, refresh_tokens.c.revoked_at.is_(None)).limit(1)).first() is not None
