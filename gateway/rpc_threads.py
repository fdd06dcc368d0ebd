"""Many service calls in flight at once from one gateway process (a threaded gunicorn worker).

:class:`ConcurrentRpcClient` speaks the same wire protocol as :class:`gateway.rpc.RpcClient` and
keeps its publishing (mandatory, confirmed, expiring) as it is, but a call no longer holds the
process for its whole round trip:

- requests go out on one connection, one publish at a time (a channel is not shared between
  threads while it publishes and awaits the confirm);
- replies come in on a second connection, where a thread of their own consumes the process's
  exclusive reply queue and hands each reply to the call waiting for its ``correlation_id``;
- a call waits on its own event, so a worker with N threads has up to N calls in flight over the
  same two connections and one reply queue.

When the broker connection drops, every call in flight fails at once with
:class:`~gateway.rpc.ServiceUnavailable` (its reply queue went with the connection), and the next
call connects again.
"""
import contextlib
import logging
import os
import threading
import time

import kombu

from gateway.rpc import RpcClient, RpcTimeout, ServiceUnavailable

log = logging.getLogger(__name__)


class ConcurrentRpcClient(RpcClient):
    """An :class:`~gateway.rpc.RpcClient` whose calls from several threads overlap."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # RpcClient.call/call_all hold self._lock for a whole call; here a call holds only the
        # publishing lock while its request goes out (see _publish)
        self._lock = contextlib.nullcontext()
        self._publishing = threading.RLock()
        self._reply_connection = None
        self._generation = 0        # counts connections; a call published on an older one has no reply to wait for
        self._events = {}           # correlation_id -> threading.Event, set when its reply (or a disconnect) comes
        self._published_on = {}     # correlation_id -> generation it was published on

    # ------------------------------------------------------------------ connection
    def _connect(self):
        self.close()
        self._pid = os.getpid()
        self.reply_routing_key = os.urandom(16).hex()
        self.reply_queue_name = f"rpc.reply-{self.client_name}-{self.reply_routing_key}"
        replies = kombu.Connection(self.amqp_uri, connect_timeout=5)
        replies.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5)
        queue = kombu.Queue(self.reply_queue_name, exchange=self.exchange, routing_key=self.reply_routing_key,
                            exclusive=True, auto_delete=True)
        consumer = kombu.Consumer(replies.channel(), queues=[queue], callbacks=[self._on_reply], no_ack=True,
                                  accept=["json"])
        consumer.consume()
        publishing = kombu.Connection(self.amqp_uri, connect_timeout=5, transport_options={"confirm_publish": True})
        try:
            publishing.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5)
        except BaseException:
            replies.release()
            raise
        self._producer = kombu.Producer(publishing.channel(), exchange=self.exchange, serializer="json",
                                        on_return=self._on_return)
        self._generation += 1
        self._reply_connection = replies
        self._connection = publishing
        threading.Thread(target=self._receive, args=(replies,), name="rpc-replies", daemon=True).start()

    def _receive(self, connection):
        """The reply thread: consume replies until this connection is closed or breaks."""
        raw = connection.connection   # the socket's own connection: kombu's would silently open a new one
        while self._reply_connection is connection:
            try:
                raw.drain_events(timeout=1.0)
            except TimeoutError:
                continue
            except Exception as exc:  # noqa: BLE001  (any failure of the connection ends it)
                if self._reply_connection is connection:
                    log.warning("the RPC reply connection failed (%r); calls in flight fail", exc)
                    with self._publishing:
                        if self._reply_connection is connection:
                            self.close()
                return

    def close(self):
        replies, self._reply_connection = self._reply_connection, None
        super().close()
        if replies is not None and self._pid == os.getpid():
            try:
                replies.release()
            except Exception:  # closing a broken connection: nothing left to do
                log.debug("closing the RPC reply connection failed", exc_info=True)
        self._generation += 1
        events, self._events = self._events, {}
        for event in events.values():   # their replies cannot come any more: wake them to fail now
            event.set()

    # ------------------------------------------------------------------ calls
    def _on_reply(self, body, message):
        correlation_id = message.properties.get("correlation_id")
        if correlation_id in self._waiting:
            self._replies[correlation_id] = body
            event = self._events.get(correlation_id)
            if event is not None:
                event.set()
        else:  # the answer to a call that already timed out
            log.warning("discarding a late RPC reply %s", correlation_id)

    def _publish(self, service, method, body, headers, correlation_id, timeout):
        with self._publishing:
            super()._publish(service, method, body, headers, correlation_id, timeout)
            self._published_on[correlation_id] = self._generation
            self._events.setdefault(correlation_id, threading.Event())

    def _wait(self, correlation_id, service, method, timeout, deadline=None):
        deadline = deadline or time.monotonic() + timeout
        event = self._events.get(correlation_id) or threading.Event()
        while correlation_id not in self._replies:
            if correlation_id in self._returned:
                raise ServiceUnavailable(f"服务 {service} 当前没有运行的实例")
            if self._published_on.get(correlation_id) != self._generation:
                raise ServiceUnavailable(f"等待 {service} 响应时与消息服务断开")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RpcTimeout(f"服务 {service}.{method} 在 {timeout:g} 秒内没有响应")
            event.wait(min(remaining, 1.0))
        return self._replies.pop(correlation_id)

    def _forget(self, correlation_id):
        super()._forget(correlation_id)
        self._events.pop(correlation_id, None)
        self._published_on.pop(correlation_id, None)
