"""A request body must arrive in bounded time, so that a client that announces a body and trickles it
holds one of a worker's threads for seconds, not for as long as it likes.

gunicorn's threaded worker (gateway/gunicorn.conf.py) reads the request line and headers with its own
bound and hands the body to the application, which reads it through ``wsgi.input``. :class:`BodyDeadline`
wraps that stream: the whole body must arrive within ``GATEWAY_BODY_TIMEOUT`` seconds plus the time its
announced length takes at ``GATEWAY_BODY_MIN_RATE`` bytes a second. Each read waits on the socket only as
long as is left; past the deadline the answer is 408 and the connection is closed (a buffering reverse
proxy in front does the same for every client, see the README).
"""
import logging
import socket
import time

import falcon

log = logging.getLogger(__name__)


class _DeadlineStream:
    def __init__(self, stream, sock, deadline):
        self._stream, self._sock, self._deadline = stream, sock, deadline

    def _bounded(self, read, *args):
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            self._give_up()
        self._sock.settimeout(remaining)
        try:
            return read(*args)
        except (socket.timeout, TimeoutError):
            self._give_up()
        finally:
            try:
                self._sock.settimeout(None)
            except OSError:
                pass

    def _give_up(self):
        log.warning("a request body did not arrive in time: closing the connection")
        try:
            self._sock.shutdown(socket.SHUT_RD)  # nothing more is read from this client
        except OSError:
            pass
        raise falcon.HTTPError(falcon.HTTP_408, title="请求超时", description="请求体未在规定时间内送达")

    def read(self, size=-1):
        return self._bounded(self._stream.read, size)

    def readline(self, size=-1):
        return self._bounded(self._stream.readline, size)

    def readlines(self, hint=-1):
        return self._bounded(self._stream.readlines, hint)

    def __iter__(self):
        while True:
            line = self.readline()
            if not line:
                return
            yield line


class BodyDeadline:
    """WSGI wrapper: the body of each request read against its deadline (gunicorn's socket only)."""

    def __init__(self, app, seconds=10.0, min_rate=64 * 1024):
        self.app, self.seconds, self.min_rate = app, seconds, min_rate

    def __call__(self, environ, start_response):
        sock = environ.get("gunicorn.socket")
        if sock is not None and "wsgi.input" in environ:
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            deadline = time.monotonic() + self.seconds + length / self.min_rate
            environ["wsgi.input"] = _DeadlineStream(environ["wsgi.input"], sock, deadline)
        return self.app(environ, start_response)
