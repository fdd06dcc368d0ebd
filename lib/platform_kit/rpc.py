"""The services' RPC entrypoint: ``from platform_kit.rpc import rpc``.

nameko's ``rpc`` publishes the reply once, with the publisher's short retry policy; when the broker
stays away longer (about 12 s), the publish raises inside the worker and nameko kills the whole
container. This entrypoint instead:

- refuses to run a request whose caller has gone: the gateway sends every request non-persistent,
  with an AMQP ``expiration`` and the header ``x-platform-deadline`` (UNIX time, seconds); a request
  that arrives after its deadline (it waited in the queue or in the prefetch while the service was
  busy, paused or the broker away) is acknowledged and logged, never executed;
- publishes the reply with retries and growing pauses (0.5 s doubling to 5 s) until it is
  confirmed, the caller's deadline has passed, or, for a caller that gave no deadline,
  ``RPC_REPLY_RETRY_SECONDS`` (default 60) have passed; then it logs that the reply was dropped
  and carries on: the container never dies of a broker outage, and its consumer reconnects by
  itself when the broker is back;
- settles a keyed write call (the header ``nameko.call_key``, platform_kit.calls) before replying:
  its answer is kept in the service's database, and a repeated call is answered with the kept answer.
"""
import logging
import time

from nameko.amqp.publish import Publisher
from nameko.constants import (AMQP_SSL_CONFIG_KEY, AMQP_URI_CONFIG_KEY, DEFAULT_SERIALIZER,
                              LOGIN_METHOD_CONFIG_KEY, SERIALIZER_CONFIG_KEY)
from nameko.rpc import Responder, Rpc, RpcConsumer, get_rpc_exchange

from platform_kit.bus_consumer import SettlingQueueConsumer
from platform_kit.calls import CallAnswered
from platform_kit.db import Database

log = logging.getLogger(__name__)

DEADLINE_HEADER = "x-platform-deadline"
DEFAULT_REPLY_RETRY_SECONDS = 60.0
FIRST_PAUSE, LONGEST_PAUSE = 0.5, 5.0


def deadline_of(message):
    """The caller's deadline (UNIX seconds) carried by a request, or None."""
    value = (message.headers or {}).get(DEADLINE_HEADER)
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class OneTryPublisher(Publisher):
    """A reply publisher that gives up quickly: the retrying is done (and bounded) by the caller."""
    retry_policy = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 0.5}
    transport_options = {"max_retries": 1, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 0.5}


class PatientResponder(Responder):
    publisher_cls = OneTryPublisher


class ResilientRpcConsumer(RpcConsumer):
    queue_consumer = SettlingQueueConsumer()   # an ack on a lost connection does not kill the container

    def handle_result(self, message, result, exc_info):
        config = self.container.config
        responder = PatientResponder(
            config[AMQP_URI_CONFIG_KEY], get_rpc_exchange(config),
            config.get(SERIALIZER_CONFIG_KEY, DEFAULT_SERIALIZER), message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY), login_method=config.get(LOGIN_METHOD_CONFIG_KEY))
        give_up = deadline_of(message) or time.time() + float(
            config.get("RPC_REPLY_RETRY_SECONDS", DEFAULT_REPLY_RETRY_SECONDS))
        pause, attempt = FIRST_PAUSE, 1
        while True:
            try:
                result, exc_info = responder.send_response(result, exc_info)
                break
            except Exception as exc:  # broker away: try again while somebody may still wait
                if time.time() + pause > give_up:
                    log.error("reply to %s (%s) dropped after %d attempts: the caller's deadline passed "
                              "while the broker was unreachable (%r)", message.delivery_info.get("routing_key"),
                              (message.properties or {}).get("correlation_id"), attempt, exc)
                    break
                log.warning("reply to %s not published (attempt %d, %r); retrying in %.1fs",
                            message.delivery_info.get("routing_key"), attempt, exc, pause)
                time.sleep(pause)
                pause, attempt = min(LONGEST_PAUSE, pause * 2), attempt + 1
        # a message whose connection died is already back with the broker: acking it is skipped
        self.queue_consumer.ack_message(message)
        return result, exc_info


class ResilientRpc(Rpc):
    rpc_consumer = ResilientRpcConsumer()

    def __init__(self, expected_exceptions=(), **kwargs):
        if not isinstance(expected_exceptions, tuple):
            expected_exceptions = (expected_exceptions,)
        # a repeated call answered with the first one's answer is no error (platform_kit.calls)
        super().__init__(expected_exceptions=expected_exceptions + (CallAnswered,), **kwargs)

    def setup(self):
        super().setup()
        self._databases = [d for d in self.container.dependencies if isinstance(d, Database)]

    def handle_result(self, message, worker_ctx, result, exc_info):
        for database in self._databases:
            result, exc_info = database.settle_call(worker_ctx, result, exc_info)
        return super().handle_result(message, worker_ctx, result, exc_info)

    def handle_message(self, body, message):
        deadline = deadline_of(message)
        if deadline is not None and time.time() > deadline:
            log.warning("request %s (%s) arrived %.1fs after its caller's deadline: not executed",
                        message.delivery_info.get("routing_key"),
                        (message.properties or {}).get("correlation_id"), time.time() - deadline)
            self.rpc_consumer.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)


rpc = ResilientRpc.decorator
