"""Calls to the nameko services over RabbitMQ, speaking nameko's RPC wire protocol.

nameko's standalone ``ClusterRpcProxy`` fixes its call context when it is built, so sending each
HTTP caller's token would mean one proxy, and one reply queue, per request (nameko #277). This
client keeps one exclusive reply queue per process, read by one thread that hands each answer to
the thread waiting for it, so any number of a worker's threads call at once, and sets the context
headers on every call:

- request: exchange ``nameko-rpc`` (topic), routing key ``<service>.<method>``, body
  ``{"args": [...], "kwargs": {...}}``, headers ``nameko.authorization``, ``nameko.call_id_stack``
  (``nameko.call_key`` too for a write with an Idempotency-Key, see platform_kit.calls)
  and ``x-platform-deadline`` (UNIX time, seconds, after which the caller no longer waits: a service
  must not act on the request after it), properties ``reply_to`` (the reply queue's routing key),
  ``correlation_id``, ``delivery_mode`` 1 (not persistent: a request does not outlive a broker
  restart) and ``expiration`` (the call's timeout: a request nobody took by then leaves the queue);
- reply: ``{"result": ..., "error": {exc_type, exc_path, exc_args, value} | null}``.

Expected errors registered in ``platform_kit.errors`` come back as the same exception; any other
remote error becomes :class:`RemoteFailure`. Before publishing, the client asks the broker whether
the service's queue has a consumer (the answer is kept `presence_ttl` seconds): a service that is not
running fails at once with :class:`ServiceUnavailable`, as does a publish the broker returns as
unroutable. Both mean the request reached no service. Once a request may have been delivered, a
failure is :class:`OutcomeUnknown` (:class:`RpcTimeout` when the time ran out): the request is never
published again, and the caller may leave a callback for the answer that arrives late.
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
from platform_kit.calls import CALL_KEY
from platform_kit.identity import CONTEXT_KEY

log = logging.getLogger(__name__)

RPC_EXCHANGE = "nameko-rpc"
HEADER_PREFIX = "nameko"
DEADLINE_HEADER = "x-platform-deadline"
SERVICE_QUEUE = "rpc-{}"  # nameko's RPC queue of a service


class RpcError(Exception):
    """A call that did not produce a result or an expected error."""


class ServiceUnavailable(RpcError):
    """No running instance of the service, or the broker cannot be reached: the request reached no service."""


class OutcomeUnknown(RpcError):
    """The request may have reached the service, but no answer came back (connection lost).

    `retry_after`, when known, is the moment (an aware datetime) a retry with the same key is answered."""

    def __init__(self, message="", retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after


class RpcTimeout(OutcomeUnknown):
    """The service did not answer within the timeout."""


class RemoteFailure(RpcError):
    """The service raised an unexpected error (a bug or an outage behind it)."""

    def __init__(self, exc_type, value):
        super().__init__(f"{exc_type}: {value}")
        self.exc_type = exc_type
        self.value = value


class _Call:
    """One call waiting for its answer."""

    __slots__ = ("done", "reply", "error")

    def __init__(self):
        self.done = threading.Event()
        self.reply = None
        self.error = None


class RpcClient:
    """One reply queue per process, read by one thread; calls from any thread."""

    def __init__(self, amqp_uri, timeout=30.0, exchange=RPC_EXCHANGE, client_name="gateway", presence_ttl=0.5):
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.presence_ttl = presence_ttl
        self.exchange = kombu.Exchange(exchange, type="topic", durable=True)
        self.client_name = client_name
        self._lock = threading.RLock()     # connecting, publishing (one channel, confirmed in turn)
        self._pid = None
        self._connection = None            # publishing and presence checks
        self._reply_connection = None      # read by the reader thread only
        self._producer = None
        self._probe = None
        self._reader = None
        self.reply_routing_key = None
        self.reply_queue_name = None
        self._calls = {}                   # correlation id -> _Call
        self._late = {}                    # correlation id -> (callback, monotonic time to forget it)
        self._returned = set()
        self._present = {}                 # service -> monotonic time its queue was seen consumed

    # ------------------------------------------------------------------ connection
    def _connect(self):
        self.close()
        self._pid = os.getpid()
        self.reply_routing_key = uuid.uuid4().hex
        self.reply_queue_name = f"rpc.reply-{self.client_name}-{self.reply_routing_key}"
        reply_connection = self._open()
        queue = kombu.Queue(self.reply_queue_name, exchange=self.exchange,
                            routing_key=self.reply_routing_key, exclusive=True, auto_delete=True)
        consumer = kombu.Consumer(reply_connection.channel(), queues=[queue], callbacks=[self._on_reply],
                                  no_ack=True, accept=["json"])
        consumer.consume()
        connection = self._open()
        self._producer = kombu.Producer(connection.channel(), exchange=self.exchange, serializer="json",
                                        on_return=self._on_return)
        self._probe = connection.channel()
        self._connection, self._reply_connection = connection, reply_connection
        self._reader = threading.Thread(target=self._read, args=(reply_connection,), daemon=True,
                                        name="rpc-replies")
        self._reader.start()

    def _open(self):
        connection = kombu.Connection(self.amqp_uri, connect_timeout=5,
                                      transport_options={"confirm_publish": True})
        connection.ensure_connection(max_retries=2, interval_start=0.2, interval_step=0.5)
        return connection

    def _ensure(self):
        # a forked worker must never share its parent's socket
        if self._connection is None or self._pid != os.getpid() or not self._connection.connected:
            self._connection = None
            self._connect()

    def close(self):
        with self._lock:
            connections = (self._connection, self._reply_connection)
            self._connection = self._reply_connection = None
            if self._pid == os.getpid():
                for connection in connections:
                    if connection is not None:
                        try:
                            connection.release()
                        except Exception:  # closing a broken connection: nothing left to do
                            log.debug("closing an RPC connection failed", exc_info=True)
            self._fail_all(OutcomeUnknown("与消息服务的连接已关闭"))
            self._returned.clear()
            self._present.clear()

    def _fail_all(self, error):
        calls, self._calls = self._calls, {}
        for call in calls.values():
            call.error = error
            call.done.set()
        self._late.clear()

    def _connection_errors(self, connection=None):
        errors = (OSError, ConnectionError, kombu.exceptions.OperationalError)
        connection = connection or self._connection
        if connection is not None:
            errors += tuple(connection.connection_errors) + tuple(connection.channel_errors)
        return errors

    # ------------------------------------------------------------------ the reader thread
    def _read(self, connection):
        errors = self._connection_errors(connection)
        while connection is self._reply_connection:
            try:
                connection.drain_events(timeout=1.0)
            except socket.timeout:
                self._forget_late()
            except errors as exc:
                if connection is self._reply_connection:
                    log.warning("the RPC reply connection was lost (%r)", exc)
                    with self._lock:
                        if connection is self._reply_connection:
                            self.close()  # the next call connects again, with a new reply queue
                return
            except Exception:  # a reader that dies would leave every call to time out
                if connection is self._reply_connection:  # else: closed under it, the loop ends
                    log.exception("reading RPC replies failed")

    def _on_reply(self, body, message):
        correlation_id = message.properties.get("correlation_id")
        call = self._calls.pop(correlation_id, None)
        if call is not None:
            call.reply = body
            call.done.set()
            return
        late = self._late.pop(correlation_id, None)
        if late is None:
            log.warning("discarding a late RPC reply %s", correlation_id)
            return
        try:
            outcome = self._result(body)
        except (RpcError, platform_kit.errors.PlatformError) as exc:
            outcome = exc
        try:
            late[0](outcome)
        except Exception:
            log.exception("keeping the late RPC reply %s failed", correlation_id)

    def _on_return(self, exception, exchange, routing_key, message):
        properties = getattr(message, "properties", {}) or {}
        self._returned.add(properties.get("correlation_id"))

    def _forget_late(self):
        now = time.monotonic()
        for correlation_id, (_, until) in list(self._late.items()):
            if until < now:
                self._late.pop(correlation_id, None)

    # ------------------------------------------------------------------ calls
    def call(self, service, method, args=(), kwargs=None, token=None, timeout=None, request_id=None,
             late=None, late_for=0.0, call_key=None):
        """Call ``service.method(*args, **kwargs)`` as the holder of `token`; return its result.

        `request_id` (the HTTP request's X-Request-Id) becomes the call id, so the service's call id
        stack, and its logs, lead back to the HTTP request. When the call ends in
        :class:`OutcomeUnknown` and `late` is given, an answer arriving within `late_for` seconds
        after the timeout is handed to ``late(result or exception)`` (on the reader thread).
        `call_key` (an Idempotency-Key's digest) makes the service act on the call once and keep its
        answer for a repeated call (platform_kit.calls).
        """
        timeout = timeout or self.timeout
        correlation_id, call = self._start(service, method, args, kwargs, token, timeout, request_id, call_key)
        try:
            reply = self._wait(call, service, method, timeout)
        except OutcomeUnknown:
            if late is not None and self._calls.pop(correlation_id, None) is not None:
                self._late[correlation_id] = (late, time.monotonic() + late_for)
            elif call.reply is not None:  # answered just as the time ran out
                return self._result(call.reply)
            raise
        finally:
            self._calls.pop(correlation_id, None)
        return self._result(reply)

    def call_all(self, calls, timeout=None):
        """Several calls at once, e.g. every service's health(): ``{key: result or exception}``.

        ``calls`` maps a key to ``(service, method, args)``; all are published before any answer is
        awaited, so the whole takes at most `timeout`, not the sum of the calls' times.
        """
        timeout = timeout or self.timeout
        outcomes, started = {}, {}
        for key, (service, method, args) in calls.items():
            try:
                started[key] = self._start(service, method, args, None, None, timeout) + (service, method)
            except RpcError as exc:
                outcomes[key] = exc
        deadline = time.monotonic() + timeout
        for key, (correlation_id, call, service, method) in started.items():
            try:
                outcomes[key] = self._result(self._wait(call, service, method, timeout, deadline))
            except (RpcError, platform_kit.errors.PlatformError) as exc:
                outcomes[key] = exc
            finally:
                self._calls.pop(correlation_id, None)
        return outcomes

    def _start(self, service, method, args, kwargs, token, timeout, request_id=None, call_key=None):
        correlation_id = str(uuid.uuid4())
        call_id = f"{self.client_name}.{method}.{request_id or correlation_id}"
        headers = {f"{HEADER_PREFIX}.call_id_stack": [call_id], DEADLINE_HEADER: time.time() + timeout}
        if token:
            headers[f"{HEADER_PREFIX}.{CONTEXT_KEY}"] = token
        if request_id:   # the services' workers log it and pass it on with their events
            headers[f"{HEADER_PREFIX}.request_id"] = request_id
        if call_key:
            headers[f"{HEADER_PREFIX}.{CALL_KEY}"] = call_key
        body = {"args": list(args), "kwargs": dict(kwargs or {})}
        call = _Call()
        self._publish(service, method, body, headers, correlation_id, timeout, call)
        return correlation_id, call

    @staticmethod
    def _result(reply):
        error = reply.get("error")
        if error:
            exc = deserialize(error)
            if isinstance(exc, platform_kit.errors.PlatformError):
                raise exc
            raise RemoteFailure(error.get("exc_type"), error.get("value"))
        return reply.get("result")

    def _publish(self, service, method, body, headers, correlation_id, timeout, call):
        with self._lock:
            for attempt in (1, 2):
                try:
                    self._ensure()
                    self._check_present(service)
                    break
                except self._connection_errors() as exc:
                    # nothing was published yet: connect again and retry once
                    log.warning("the broker did not answer before %s.%s (%r), reconnecting", service, method, exc)
                    self.close()
                    if attempt == 2:
                        raise ServiceUnavailable(f"消息服务不可用: {exc}") from None
            self._calls[correlation_id] = call
            try:
                self._producer.publish(body, routing_key=f"{service}.{method}", mandatory=True,
                                       reply_to=self.reply_routing_key, correlation_id=correlation_id,
                                       headers=headers, expiration=timeout, delivery_mode=1, retry=False)
            except self._connection_errors() as exc:
                # the request may have been routed before the confirm failed: never publish it again
                self._calls.pop(correlation_id, None)
                log.warning("publishing %s.%s failed (%r)", service, method, exc)
                self.close()
                raise OutcomeUnknown(f"发送请求后与消息服务断开: {exc}") from None
            if correlation_id in self._returned:
                self._returned.discard(correlation_id)
                self._calls.pop(correlation_id, None)
                raise ServiceUnavailable(f"服务 {service} 当前没有运行的实例")

    def _check_present(self, service):
        """ServiceUnavailable unless the service's RPC queue has a consumer (seen within presence_ttl)."""
        if time.monotonic() - self._present.get(service, -1e9) < self.presence_ttl:
            return
        try:
            _, _, consumers = self._probe.queue_declare(SERVICE_QUEUE.format(service), passive=True)
        except tuple(self._connection.channel_errors):  # the queue does not exist: never ran
            self._probe = self._connection.channel()
            consumers = 0
        if not consumers:
            self._present.pop(service, None)
            raise ServiceUnavailable(f"服务 {service} 当前没有运行的实例")
        self._present[service] = time.monotonic()

    def _wait(self, call, service, method, timeout, deadline=None):
        deadline = deadline or time.monotonic() + timeout
        if not call.done.wait(max(0.0, deadline - time.monotonic())):
            raise RpcTimeout(f"服务 {service}.{method} 在 {timeout:g} 秒内没有响应")
        if call.error is not None:
            raise type(call.error)(f"等待 {service} 响应时{call.error}")
        return call.reply
