"""The queue consumer of the reliable event handlers: a message it cannot decode is not lost.

kombu decodes a message's body before nameko sees it (``kombu.Consumer._receive_callback`` calls
``message.decode()``); without an ``on_decode_error`` callback a body that is not valid JSON or
UTF-8, or whose content type is refused, never reaches the handler. This consumer gives kombu that
callback and hands such a message, undecoded, to its handler (``handle_undecodable``), which
dead-letters it with the reason. It is a separate shared extension from nameko's own
``QueueConsumer``, so the event handlers of a service share one consumer connection of their own
(RPC keeps nameko's).
"""
from functools import partial

from nameko.messaging import QueueConsumer


class DeadLetteringQueueConsumer(QueueConsumer):

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
