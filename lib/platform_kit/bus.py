"""Consuming events reliably: validated, retried with back-off, dead-lettered, never dropped.

nameko's own ``event_handler`` acknowledges a message whose handler raised and forgets it. The
``event_handler`` here instead, for a handler queue ``Q``:

- validates the envelope and payload against the contract; an invalid event cannot succeed on a
  retry, so it goes straight to the dead-letter queue ``Q.dlq``;
- on a handler error, republishes the message (publisher confirms) to the delay queue
  ``Q.retry.<n>``, whose TTL dead-letters it back into ``Q`` after the n-th back-off delay;
- after ``len(EVENT_RETRY_DELAYS)`` retries, republishes it to ``Q.dlq`` with the error attached;
- acknowledges the original only once the republish is confirmed (a broker failure then leaves
  the original unacknowledged, so RabbitMQ redelivers it).

Handler queues are durable and may be RabbitMQ quorum queues (``EVENT_QUEUE_TYPE: quorum``).
Handlers receive a validated :class:`platform_kit.contracts.Envelope`.
"""
import logging
import traceback

from kombu import Exchange, Queue
from kombu.common import maybe_declare
from nameko.amqp import get_connection
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY, PERSISTENT
from nameko.events import SERVICE_POOL, EventHandler

from platform_kit.contracts import parse_event
from platform_kit.errors import ValidationFailed
from platform_kit.metrics import event_settled

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1, 5, 30)  # seconds
ATTEMPT_HEADER = "x-platform-attempt"
DIRECT = Exchange("", type="direct")  # the default exchange routes by queue name


class ReliableEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        if config.get("EVENT_QUEUE_TYPE", "classic") == "quorum":
            self.queue.queue_arguments = {"x-queue-type": "quorum"}
        self.delays = tuple(config.get("EVENT_RETRY_DELAYS", DEFAULT_RETRY_DELAYS))
        name = self.queue.name
        self.retry_queues = [
            Queue(f"{name}.retry.{n}", exchange=DIRECT, routing_key=f"{name}.retry.{n}", durable=True,
                  queue_arguments={"x-message-ttl": int(delay * 1000),
                                   "x-dead-letter-exchange": "",
                                   "x-dead-letter-routing-key": name})
            for n, delay in enumerate(self.delays, start=1)
        ]
        self.dead_letter_queue = Queue(f"{name}.dlq", exchange=DIRECT, routing_key=f"{name}.dlq",
                                       durable=True)
        amqp_uri = config[AMQP_URI_CONFIG_KEY]
        with get_connection(amqp_uri) as conn:
            channel = conn.channel()
            for queue in (*self.retry_queues, self.dead_letter_queue):
                maybe_declare(queue, channel)
        self.republisher = Publisher(amqp_uri, use_confirms=True, mandatory=True, serializer="json",
                                     delivery_mode=PERSISTENT)

    def unpack_message_headers(self, message):
        # Broker bookkeeping headers (x-death, attempts) are not call context.
        headers = super().unpack_message_headers(message)
        return {k: v for k, v in headers.items() if not k.startswith("x-")}

    def handle_message(self, body, message):
        try:
            envelope = parse_event(body)
        except ValidationFailed as exc:
            log.error("invalid event on %s: %s %s", self.queue.name, exc.detail, exc.errors)
            self._settle(message, body, self.dead_letter_queue,
                         {"x-platform-error": f"{exc.detail}: {exc.errors}"})
            return
        self._spawn(envelope, body, message)

    def _spawn(self, envelope, body, message):
        context_data = self.unpack_message_headers(message)

        def handle_result(worker_ctx, result=None, exc_info=None):
            self._after(message, body, exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(self, (envelope,), {}, context_data=context_data,
                                        handle_result=handle_result)
        except Exception:  # container being killed: let the broker redeliver it
            self.queue_consumer.requeue_message(message)

    def _after(self, message, body, exc_info):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            event_settled(self.container.service_name, self.queue.name, body, "ok")
            return
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 1))
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        headers = {ATTEMPT_HEADER: attempt + 1, "x-platform-error": error[:2000]}
        if attempt <= len(self.delays):
            log.warning("handler %s failed (attempt %d), retrying in %ss: %s", self.queue.name,
                        attempt, self.delays[attempt - 1], error)
            self._settle(message, body, self.retry_queues[attempt - 1], headers)
        else:
            log.error("handler %s failed %d times, dead-lettered: %s", self.queue.name, attempt, error)
            self._settle(message, body, self.dead_letter_queue, headers)

    def _settle(self, message, body, queue, headers):
        # the call context (the request id) goes along to the retry and the dead-letter queue
        headers = {**{k: v for k, v in (message.headers or {}).items() if k.startswith("nameko.")}, **headers}
        try:
            self.republisher.publish(body, exchange=DIRECT, routing_key=queue.name,
                                     headers=headers,
                                     message_id=(message.properties or {}).get("message_id"))
        except Exception:
            log.exception("could not move message to %s; leaving it with the broker", queue.name)
            self.queue_consumer.requeue_message(message)
            return
        self.queue_consumer.ack_message(message)
        event_settled(self.container.service_name, self.queue.name, body,
                      "dead_lettered" if queue is self.dead_letter_queue else "retried")


event_handler = ReliableEventHandler.decorator
