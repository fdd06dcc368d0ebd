"""Consuming events reliably: validated, retried with back-off, dead-lettered, never dropped.

nameko's own ``event_handler`` acknowledges a message whose handler raised and forgets it. The
``event_handler`` here instead, for a handler queue ``Q``:

- dead-letters a message it cannot decode (not JSON, not UTF-8, a content type other than
  ``application/json``) to ``Q.dlq``, its bytes untouched and the reason in its headers
  (``platform_kit.bus_consumer`` hands kombu's decoding failures to it);
- validates the envelope and payload against the contract; an invalid event cannot succeed on a
  retry, so it goes straight to ``Q.dlq``;
- on a handler error, republishes the message (publisher confirms) to a delay queue whose TTL
  dead-letters it back into ``Q`` after the back-off delay: ``Q.retry.<n>`` after the n-th delay of
  ``EVENT_RETRY_DELAYS`` for bad data or a bug, ``Q.retry.infra.<seconds>s`` after each delay of
  ``EVENT_INFRA_RETRY_DELAYS`` in turn when the database or the broker was away (see
  :mod:`platform_kit.bus_failures`); once a budget is spent, republishes it to ``Q.dlq`` with the
  error attached;
- acknowledges the original only once the republish is confirmed (a broker failure then leaves
  the original unacknowledged, so RabbitMQ redelivers it).

``python -m platform_kit.replay`` moves dead-lettered messages back. Handler queues are durable and
may be RabbitMQ quorum queues (``EVENT_QUEUE_TYPE: quorum``). Handlers receive a validated
:class:`platform_kit.contracts.Envelope`.
"""
import logging
import traceback

from kombu import Exchange, Queue
from kombu.common import maybe_declare
from nameko.amqp import get_connection
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY, PERSISTENT
from nameko.events import SERVICE_POOL, EventHandler

from platform_kit import bus_failures as bf
from platform_kit.bus_consumer import DeadLetteringQueueConsumer
from platform_kit.contracts import parse_event
from platform_kit.errors import ValidationFailed
from platform_kit.metrics import event_settled
from platform_kit.times import utcnow

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = bf.DEFAULT_RETRY_DELAYS
ATTEMPT_HEADER = bf.ATTEMPT_HEADER
DIRECT = Exchange("", type="direct")  # the default exchange routes by queue name
JSON = "application/json"


def delay_queue(target, name, delay):
    """A durable queue holding messages for `delay` seconds, then dead-lettering them to `target`."""
    return Queue(name, exchange=DIRECT, routing_key=name, durable=True,
                 queue_arguments={"x-message-ttl": int(delay * 1000), "x-dead-letter-exchange": "",
                                  "x-dead-letter-routing-key": target})


class ReliableEventHandler(EventHandler):
    queue_consumer = DeadLetteringQueueConsumer()

    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    # --- topology

    def setup(self):
        super().setup()
        config = self.container.config
        if config.get("EVENT_QUEUE_TYPE", "classic") == "quorum":
            self.queue.queue_arguments = {"x-queue-type": "quorum"}
        self.delays = bf.delays(config, "EVENT_RETRY_DELAYS", bf.DEFAULT_RETRY_DELAYS)
        self.infra_delays = bf.delays(config, "EVENT_INFRA_RETRY_DELAYS", bf.DEFAULT_INFRA_RETRY_DELAYS)
        name = self.queue.name
        self.retry_queues = [delay_queue(name, f"{name}.retry.{n}", delay)
                             for n, delay in enumerate(self.delays, start=1)]
        # named by their delay: a changed budget declares new queues instead of clashing with the old
        self.infra_retry_queues = [delay_queue(name, f"{name}.retry.infra.{delay:g}s", delay)
                                   for delay in self.infra_delays]
        self.dead_letter_queue = Queue(f"{name}.dlq", exchange=DIRECT, routing_key=f"{name}.dlq",
                                       durable=True)
        amqp_uri = config[AMQP_URI_CONFIG_KEY]
        with get_connection(amqp_uri) as conn:
            channel = conn.channel()
            for queue in (*self.retry_queues, *self.infra_retry_queues, self.dead_letter_queue):
                maybe_declare(queue, channel)
        self.republisher = Publisher(amqp_uri, use_confirms=True, mandatory=True,
                                     delivery_mode=PERSISTENT)

    def unpack_message_headers(self, message):
        # Broker bookkeeping headers (x-death, attempts) are not call context.
        headers = super().unpack_message_headers(message)
        return {k: v for k, v in headers.items() if not k.startswith("x-")}

    # --- receiving

    def handle_undecodable(self, message, exc):
        """kombu could not decode the body (bad JSON, invalid UTF-8, refused content type)."""
        reason = f"undecodable {message.content_type or 'message'}: {exc!r}"
        log.error("dead-lettering an undecodable message on %s: %s", self.queue.name, reason)
        self._dead_letter(message, bf.UNDECODABLE, reason)

    def handle_message(self, body, message):
        if (message.content_type or "").split(";")[0].strip().lower() != JSON:
            # kombu passes text/plain and application/data through as they are: not our contract
            reason = f"content type {message.content_type!r} is not {JSON}"
            log.error("dead-lettering a message on %s: %s", self.queue.name, reason)
            self._dead_letter(message, bf.UNDECODABLE, reason)
            return
        try:
            envelope = parse_event(body)
        except ValidationFailed as exc:
            log.error("invalid event on %s: %s %s", self.queue.name, exc.detail, exc.errors)
            self._dead_letter(message, bf.INVALID, f"{exc.detail}: {exc.errors}")
            return
        except Exception as exc:   # a body that is JSON but not an object, and the like
            log.error("invalid event on %s: %r", self.queue.name, exc)
            self._dead_letter(message, bf.INVALID, f"not an event envelope: {exc!r}")
            return
        self._spawn(envelope, message)

    def _spawn(self, envelope, message):
        context_data = self.unpack_message_headers(message)

        def handle_result(worker_ctx, result=None, exc_info=None):
            self._after(message, exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                        handle_result=handle_result)
        except Exception:  # container being killed: let the broker redeliver it
            self.queue_consumer.requeue_message(message)

    # --- after the handler

    def _after(self, message, exc_info):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            event_settled(self.container.service_name, self.queue.name, _decoded(message), "ok")
            return
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()[:2000]
        headers = message.headers or {}
        if bf.is_infrastructure_failure(exc_info[1]):
            header, delays, queues, kind = (bf.INFRA_ATTEMPT_HEADER, self.infra_delays,
                                            self.infra_retry_queues, bf.INFRASTRUCTURE)
        else:
            header, delays, queues, kind = bf.ATTEMPT_HEADER, self.delays, self.retry_queues, bf.HANDLER
        attempt = int(headers.get(header, 1))
        moved = {header: attempt + 1, bf.ERROR_HEADER: error, bf.FAILURE_HEADER: kind}
        if attempt <= len(delays):
            log.warning("handler %s failed (%s, attempt %d), retrying in %ss: %s", self.queue.name,
                        kind, attempt, delays[attempt - 1], error)
            self._move(message, queues[attempt - 1], moved)
        else:
            log.error("handler %s failed %d times (%s), dead-lettered: %s", self.queue.name, attempt,
                      kind, error)
            self._dead_letter(message, kind, error, moved)

    def _dead_letter(self, message, kind, reason, headers=None):
        self._move(message, self.dead_letter_queue, {
            **(headers or {}), bf.FAILURE_HEADER: kind, bf.ERROR_HEADER: str(reason)[:2000],
            bf.QUEUE_HEADER: self.queue.name, bf.DEAD_LETTERED_AT_HEADER: utcnow().isoformat()})

    def _move(self, message, queue, headers):
        """Republish the message's own bytes to `queue` (confirmed), then acknowledge the original."""
        properties = message.properties or {}
        try:
            self.republisher.publish(
                message.body, exchange=DIRECT, routing_key=queue.name,
                headers={**bf.carried_headers(message.headers), **headers},
                content_type=message.content_type or "application/data",
                content_encoding=message.content_encoding or "binary",
                message_id=properties.get("message_id"))
        except Exception:
            log.exception("could not move message to %s; leaving it with the broker", queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)
        event_settled(self.container.service_name, self.queue.name, _decoded(message),
                      "dead_lettered" if queue is self.dead_letter_queue else "retried")


def _decoded(message):
    """The message's body as kombu decoded it (kept after the first decode), None when it cannot be."""
    try:
        return message.payload
    except Exception:
        return None


event_handler = ReliableEventHandler.decorator
