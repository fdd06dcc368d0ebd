"""The queue consumer of the reliable event handlers: a message it cannot decode is not lost.

kombu decodes a message's body before nameko sees it (``kombu.Consumer._receive_callback`` calls
``message.decode()``); without an ``on_decode_error`` callback a body that is not valid JSON or
UTF-8, or whose content type is refused, never reaches the handler. This consumer gives kombu that
callback and hands such a message, undecoded, to its handler (``handle_undecodable``), which
dead-letters it with the reason. It is a separate shared extension from nameko's own
``QueueConsumer``, so the event handlers of a service share one consumer connection of their own
(RPC has one of its own too).

Both settle messages through :class:`SettlingQueueConsumer`: acknowledging or requeueing a message
whose connection the broker just dropped raises a socket error (``ConnectionResetError``), which
nameko's own consumer lets through to the worker and so kills the whole container. The message is
already back with the broker then (it redelivers every unacknowledged message of a lost
connection, and handlers are idempotent), so the error is logged and nothing else is done.
"""
import logging
from functools import partial

from nameko.messaging import QueueConsumer

log = logging.getLogger(__name__)


class SettlingQueueConsumer(QueueConsumer):
    """A queue consumer whose acks and requeues survive a connection lost under them."""

    def ack_message(self, message):
        self._settle(message, super().ack_message, "acknowledged")

    def requeue_message(self, message):
        self._settle(message, super().requeue_message, "requeued")

    @staticmethod
    def _settle(message, settle, done):
        try:
            settle(message)
        except Exception as exc:  # the connection died: the broker redelivers the message itself
            log.warning("message %s not %s, its connection is gone (%r); the broker delivers it again",
                        (message.properties or {}).get("message_id") or message.delivery_tag, done, exc)


class DeadLetteringQueueConsumer(SettlingQueueConsumer):

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(self.handle_undecodable, provider)
        return consumers

    def handle_undecodable(self, provider, message, exc):
        # called on the consumer's thread, like handle_message: the provider's work runs on its own
        self.container.spawn_managed_thread(
            partial(provider.handle_undecodable, message, exc),
            identifier=f"{type(provider).__name__}.handle_undecodable")
