"""Calls to the services over RabbitMQ, speaking nameko's RPC wire protocol.

nameko's standalone ``ClusterRpcProxy`` fixes its call context when it is built, so sending each
HTTP caller's token would mean one proxy, and one reply queue, per request (nameko #277). This
client keeps one connection and one exclusive reply queue per process and sets the context
headers on every call:

- request: exchange ``nameko-rpc`` (topic), routing key ``<service>.<method>``, body
  ``{"args": [...], "kwargs": {...}}``, headers ``nameko.authorization`` and
  ``nameko.call_id_stack``, properties ``reply_to`` (the reply queue's routing key) and
  ``correlation_id``;
- reply: ``{"result": ..., "error": {exc_type, exc_path, exc_args, value} | null}``.

Expected errors registered in ``platform_kit.errors`` come back as the same exception; any other
remote error becomes :class:`RemoteFailure`. Publishing is mandatory and confirmed, so a call to a
service with no running consumer fails at once instead of waiting for the timeout.

A gunicorn sync worker handles one request at a time; the lock only guards against accidental
sharing between threads.
"""
import logging
import os
import socket
import threading
import time
import uuid

import kombu
import kombu.exceptions
from nameko.exceptions import deserialize

import platform_kit.errors  # noqa: F401  (registers the expected errors with nameko's deserializer)
from platform_kit.identity import CONTEXT_KEY

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
HEADER_PREFIX = "nameko"


class RpcError(Exception):
    """A call that did not produce a result or an expected error."""


class RpcTimeout(RpcError):
    """The service did not answer within the timeout."""


class ServiceUnavailable(RpcError):
    """No running instance of the service, or the broker cannot be reached."""


class RemoteFailure(RpcError):
    """The service raised an unexpected error (a bug or an outage behind it)."""

    def __init__(self, exc_type, value):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type
        self.value = value


class RpcClient:
    """One connection and one reply queue per process, reused by every call."""

    def __init__(self, amqp_uri, timeout=30.0, exchange=RPC_EXCHANGE, client_name="gateway"):
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.exchange = kombu.Exchange(exchange, type="topic", durable=True)
        self.client_name = client_name
        self._lock = threading.RLock()
        self._pid = None
        self._connection = None
        self._producer = None
        self._consumer = None
        self.reply_routing_key = None
        self.reply_queue_name = None
        self._waiting = set()
        self._replies = {}
        self._returned = set()

    # ------------------------------------------------------------------ connection
    def _connect(self):
        self.close()
        self._pid = os.getpid()
        self.reply_routing_key = uuid.uuid4().hex
        self.reply_queue_name = f"rpc.reply-{self.client_name}-{self.reply_routing_key}"
        connection = kombu.Connection(self.amqp_uri, connect_timeout=5,
                                      transport_options={"confirm_publish": True})
        connection.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5)
        channel = connection.channel()
        queue = kombu.Queue(self.reply_queue_name, exchange=self.exchange,
                            routing_key=self.reply_routing_key, exclusive=True, auto_delete=True)
        self._consumer = kombu.Consumer(channel, queues=[queue], callbacks=[self._on_reply],
                                        no_ack=True, accept=["json"])
        self._consumer.consume()
        self._producer = kombu.Producer(channel, exchange=self.exchange, serializer="json",
                                        on_return=self._on_return)
        self._connection = connection

    def _ensure(self):
        # a forked worker must never share its parent's socket
        if self._connection is None or self._pid != os.getpid():
            self._connection = None
            self._connect()

    def close(self):
        connection, self._connection = self._connection, None
        if connection is not None and self._pid == os.getpid():
            try:
                connection.release()
            except Exception:  # closing a broken connection: nothing left to do
                log.debug("closing the RPC connection failed", exc_info=True)
        self._waiting.clear()
        self._replies.clear()
        self._returned.clear()

    def _connection_errors(self):
        errors = (OSError, ConnectionError, kombu.exceptions.OperationalError)
        if self._connection is not None:
            errors += tuple(self._connection.connection_errors) + tuple(self._connection.channel_errors)
        return errors

    # ------------------------------------------------------------------ callbacks
    def _on_reply(self, body, message):
        correlation_id = message.properties.get("correlation_id")
        if correlation_id in self._waiting:
            self._replies[correlation_id] = body
        else:  # the answer to a call that already timed out
            log.warning("discarding a late RPC reply %s", correlation_id)

    def _on_return(self, exception, exchange, routing_key, message):
        properties = getattr(message, "properties", {}) or {}
        self._returned.add(properties.get("correlation_id"))

    # ------------------------------------------------------------------ calls
    def call(self, service, method, args=(), kwargs=None, token=None, timeout=None, request_id=None):
        """Call ``service.method(*args, **kwargs)`` as the holder of `token`; return its result.

        `request_id` (the HTTP request's X-Request-Id) becomes the call id, so the service's call id
        stack, and its logs, lead back to the HTTP request.
        """
        timeout = timeout or self.timeout
        with self._lock:
            correlation_id = self._start(service, method, args, kwargs, token, timeout, request_id)
            try:
                reply = self._wait(correlation_id, service, method, timeout)
            finally:
                self._forget(correlation_id)
        return self._result(reply)

    def call_all(self, calls, timeout=None):
        """Several calls at once, e.g. every service's health(): ``{key: result or exception}``.

        ``calls`` maps a key to ``(service, method, args)``; all are published before any answer is
        awaited, so the whole takes at most `timeout`, not the sum of the calls' times.
        """
        timeout = timeout or self.timeout
        outcomes, started = {}, {}
        with self._lock:
            for key, (service, method, args) in calls.items():
                try:
                    started[key] = (self._start(service, method, args, None, None, timeout), service, method)
                except RpcError as exc:
                    outcomes[key] = exc
            deadline = time.monotonic() + timeout
            for key, (correlation_id, service, method) in started.items():
                try:
                    reply = self._wait(correlation_id, service, method, timeout, deadline)
                    outcomes[key] = self._result(reply)
                except (RpcError, platform_kit.errors.PlatformError) as exc:
                    outcomes[key] = exc
                finally:
                    self._forget(correlation_id)
        return outcomes

    def _start(self, service, method, args, kwargs, token, timeout, request_id=None):
        correlation_id = str(uuid.uuid4())
        call_id = f"{self.client_name}.{method}.{request_id or correlation_id}"
        headers = {f"{HEADER_PREFIX}.call_id_stack": [call_id]}
        if token:
            headers[f"{HEADER_PREFIX}.{CONTEXT_KEY}"] = token
        if request_id:   # the services' workers log it and pass it on with their events
            headers[f"{HEADER_PREFIX}.request_id"] = request_id
        body = {"args": list(args), "kwargs": dict(kwargs or {})}
        self._publish(service, method, body, headers, correlation_id, timeout)
        return correlation_id

    def _forget(self, correlation_id):
        self._waiting.discard(correlation_id)
        self._returned.discard(correlation_id)
        self._replies.pop(correlation_id, None)

    @staticmethod
    def _result(reply):
        error = reply.get("error")
        if error:
            exc = deserialize(error)
            if isinstance(exc, platform_kit.errors.PlatformError):
                raise exc
            raise RemoteFailure(error.get("exc_type"), error.get("value"))
        return reply.get("result")

    def _publish(self, service, method, body, headers, correlation_id, timeout):
        for attempt in (1, 2):
            try:
                self._ensure()
                self._waiting.add(correlation_id)
                # a request nobody took within the caller's timeout expires in the queue: a service
                # that comes back later must not act on a call already answered with 504
                self._producer.publish(body, routing_key=f"{service}.{method}", mandatory=True,
                                       reply_to=self.reply_routing_key, correlation_id=correlation_id,
                                       headers=headers, expiration=timeout, retry=False)
                break
            except self._connection_errors() as exc:
                # nothing was delivered: reconnect once and publish again
                log.warning("publishing %s.%s failed (%r), reconnecting", service, method, exc)
                self.close()
                if attempt == 2:
                    raise ServiceUnavailable(f"消息服务不可用: {exc}") from None
        if correlation_id in self._returned:
            self._forget(correlation_id)
            raise ServiceUnavailable(f"服务 {service} 当前没有运行的实例")

    def _wait(self, correlation_id, service, method, timeout, deadline=None):
        deadline = deadline or time.monotonic() + timeout
        while correlation_id not in self._replies:
            if correlation_id in self._returned:
                raise ServiceUnavailable(f"服务 {service} 当前没有运行的实例")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RpcTimeout(f"服务 {service}.{method} 在 {timeout:g} 秒内没有响应")
            try:
                self._connection.drain_events(timeout=min(remaining, 1.0))
            except socket.timeout:
                continue
            except self._connection_errors() as exc:
                self.close()
                raise ServiceUnavailable(f"等待 {service} 响应时与消息服务断开: {exc}") from None
        return self._replies.pop(correlation_id)
