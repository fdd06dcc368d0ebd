"""A request body must arrive in bounded time, so that a client that announces a body and trickles it
holds one of a worker's threads for seconds, not for as long as it likes.

gunicorn's threaded worker (gateway/gunicorn.conf.py) reads the request line and headers with its own
bound and hands the body to the application, which reads it through ``wsgi.input``. :class:`BodyDeadline`
wraps that stream: the whole body must arrive within ``GATEWAY_BODY_TIMEOUT`` seconds plus the time its
announced length takes at ``GATEWAY_BODY_MIN_RATE`` bytes a second. One watchdog thread per process
cuts a read off at its deadline (a read is one call that waits on many small arrivals, so a socket
timeout cannot bound it); the answer is then 408 and the connection is closed. A buffering reverse
proxy in front does the same for every client (see the README).
"""
import logging
import os
import socket
import threading
import time

import falcon

log = logging.getLogger(__name__)


class _Watchdog:
    """One thread per process: cuts off (shuts the reading side of) the socket of a body read past its
    deadline. A read of the body is one call that may wait on many small arrivals, so the bound cannot be
    a socket timeout."""

    def __init__(self, period=0.25):
        self.period = period
        self._reading = {}  # stream -> deadline
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None

    def watch(self, stream):
        with self._lock:
            self._reading[stream] = stream.deadline
            if self._thread is None or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, daemon=True, name="body-deadlines")
                self._thread.start()

    def unwatch(self, stream):
        with self._lock:
            self._reading.pop(stream, None)

    def _run(self):
        while True:
            time.sleep(self.period)
            now = time.monotonic()
            with self._lock:
                late = [stream for stream, deadline in self._reading.items() if deadline <= now]
                for stream in late:
                    self._reading.pop(stream, None)
            for stream in late:
                stream.cut_off()


_watchdog = _Watchdog()


class _DeadlineStream:
    def __init__(self, stream, sock, deadline):
        self._stream, self._sock, self.deadline = stream, sock, deadline
        self.timed_out = False

    def cut_off(self):
        self.timed_out = True
        log.warning("a request body did not arrive in time: closing the connection")
        try:
            self._sock.shutdown(socket.SHUT_RD)  # the read waiting on it ends; nothing more is read
        except OSError:
            pass

    def _bounded(self, read, *args):
        if not self.timed_out and time.monotonic() >= self.deadline:
            self.cut_off()
        if self.timed_out:
            raise _too_late()
        _watchdog.watch(self)
        try:
            data = read(*args)
        except Exception:
            if self.timed_out:
                raise _too_late() from None
            raise
        finally:
            _watchdog.unwatch(self)
        if self.timed_out:
            raise _too_late()
        return data

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


def _too_late():
    return falcon.HTTPError(falcon.HTTP_408, title="请求超时", description="请求体未在规定时间内送达")


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
