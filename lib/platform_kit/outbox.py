"""The outbox relay: publishes committed events to RabbitMQ, at least once, never silently lost.

Each service replica runs one relay. It claims unpublished rows with ``FOR UPDATE SKIP LOCKED``
(PostgreSQL), so replicas share the work without publishing a row twice while both are alive;
a crash after publishing and before marking can still repeat an event, which consumers absorb
(they are idempotent by ``event_id``).

Publishing uses publisher confirms (a batch is published, then its confirms are awaited) and ``mandatory``: an event that no queue is bound to comes
back as undeliverable; the row stays unpublished, is marked with the error and retried with
back-off, and the relay logs it, so nobody's event silently disappears.
"""
import logging
import socket
import threading
import time
from datetime import timedelta

from kombu import Connection, Producer
from nameko.constants import AMQP_URI_CONFIG_KEY, PERSISTENT
from nameko.standalone.events import get_event_exchange
from sqlalchemy import and_, or_, select, update

from platform_kit.times import utcnow

log = logging.getLogger(__name__)


def _headers(row):
    """The message's headers: its type, and the call context of the work that emitted it as nameko
    context headers (``nameko.request_id``), which the consumers' workers take as their own."""
    headers = {"event_type": row.event_type}
    for key, value in (row.headers or {}).items():
        headers[f"nameko.{key}"] = value
    return headers


class OutboxRelay:
    BATCH = 200
    CONFIRM_TIMEOUT = 30.0  # seconds to wait for the broker to confirm a batch

    def __init__(self, engine, metadata, config):
        self.engine = engine
        self.table = metadata.tables["outbox"]
        self.config = config
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.max_backoff = float(config.get("OUTBOX_MAX_BACKOFF_SECONDS", 60.0))
        self.amqp_uri = config[AMQP_URI_CONFIG_KEY]
        self._connection = None
        self._producer = None
        self._declared = {}      # source service -> its declared events exchange
        self._returned = set()
        self._tags = {}          # delivery tag -> event id, for messages awaiting the broker's confirm
        self._next_tag = 1
        self._outcome = {}       # event id -> True (confirmed) / False (nacked)
        self._wakeup = threading.Event()
        self._running = False
        self.published = 0

    def wake(self):
        self._wakeup.set()

    def stop(self):
        self._running = False
        self._wakeup.set()
        self._disconnect()

    def _connect(self):
        """One connection and one channel in confirm mode; confirms are collected per batch.

        Publishing a batch and then waiting once for the broker's acks (instead of a round trip
        per message) keeps every guarantee of per-message confirms: a row is marked published
        only after the broker acknowledged that very message, and a message that came back as
        unroutable (``basic.return`` arrives before its ack) stays unpublished.
        """
        if self._producer is None:
            self._connection = Connection(self.amqp_uri, heartbeat=0)
            channel = self._connection.channel()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._producer = Producer(channel, serializer="json", on_return=self._on_return)
            self._declared = {}
            self._tags, self._next_tag, self._outcome = {}, 1, {}
        return self._producer

    def _disconnect(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:  # already broken; nothing more to release
                pass
        self._connection = self._producer = None

    def _on_return(self, exc, exchange, routing_key, message):
        # basic.return arrives before the confirm of the same message (mandatory + confirms)
        self._returned.add(message.properties.get("message_id"))

    def _settle_tags(self, delivery_tag, multiple, ok):
        tags = [t for t in self._tags if t <= delivery_tag] if multiple else [delivery_tag]
        for tag in tags:
            event_id = self._tags.pop(tag, None)
            if event_id is not None:
                self._outcome[event_id] = ok

    def _on_ack(self, delivery_tag, multiple):
        self._settle_tags(delivery_tag, multiple, True)

    def _on_nack(self, delivery_tag, multiple, *args):
        self._settle_tags(delivery_tag, multiple, False)

    def run(self):
        self._running = True
        while self._running:
            try:
                while self._running and self.publish_pending() == self.BATCH:
                    pass
            except Exception:  # the broker or database is away: keep the rows, try again later
                log.exception("outbox relay pass failed; will retry")
                self._disconnect()
            self._wakeup.wait(self.poll_seconds)
            self._wakeup.clear()

    def publish_pending(self):
        """Publish one batch of due rows; return how many rows were claimed.

        One statement claims the batch and marks it published (``UPDATE … WHERE id IN (SELECT … FOR
        UPDATE SKIP LOCKED) RETURNING``); the transaction commits only after the broker confirmed
        the batch, and the rows it did not confirm are put back (unpublished, with the error and
        the next attempt's time) before that. A crash in between rolls the mark back.
        """
        table = self.table
        now = utcnow()
        due = (select(table.c.id)
               .where(and_(table.c.published_at.is_(None),
                           or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now)))
               .order_by(table.c.id).limit(self.BATCH)
               .with_for_update(skip_locked=True))
        with self.engine.begin() as conn:
            rows = sorted(conn.execute(
                update(table).where(table.c.id.in_(due))
                .values(published_at=now, attempts=table.c.attempts + 1, last_error=None)
                .returning(table.c.id, table.c.event_id, table.c.event_type, table.c.source, table.c.body,
                           table.c.attempts, table.c.headers)
            ).all(), key=lambda row: row.id)
            if not rows:
                return 0
            failures = self._publish_batch(rows)
            for row in rows:
                if row.event_id in failures:
                    conn.execute(update(table).where(table.c.id == row.id)
                                 .values(published_at=None, **self._failed(row, failures[row.event_id])))
        return len(rows)

    def _publish_batch(self, rows):
        """Publish `rows`, wait for the broker's confirms; return {event_id: reason} of failures."""
        failures = {}
        sent = []
        try:
            producer = self._connect()
            for row in rows:
                exchange = self._declared.get(row.source)
                if exchange is None:
                    exchange = get_event_exchange(row.source, self.config)
                    exchange(producer.channel).declare()
                    self._declared[row.source] = exchange
                producer.publish(row.body, exchange=exchange, routing_key=row.event_type, mandatory=True,
                                 delivery_mode=PERSISTENT, message_id=row.event_id,
                                 headers=_headers(row))
                self._tags[self._next_tag] = row.event_id
                self._next_tag += 1
                sent.append(row.event_id)
            deadline = time.monotonic() + self.CONFIRM_TIMEOUT
            while self._tags:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError("the broker did not confirm the batch in time")
                try:
                    self._connection.drain_events(timeout=remaining)
                except socket.timeout:
                    pass
        except Exception as exc:  # broker away mid-batch: unconfirmed rows wait for the next pass
            self._disconnect()
            for row in rows:
                if self._outcome.get(row.event_id) is not True:
                    failures[row.event_id] = f"publish failed: {exc!r}"
            self._outcome = {}
            return failures
        for event_id in sent:
            if event_id in self._returned:
                self._returned.discard(event_id)
                failures[event_id] = "unroutable: no queue is bound for this event type"
            elif self._outcome.pop(event_id, None) is not True:
                failures[event_id] = "rejected by the broker (basic.nack)"
            else:
                self.published += 1
        return failures

    def _failed(self, row, reason):
        attempts = row.attempts   # counted when the row was claimed
        delay = min(self.max_backoff, self.poll_seconds * (2 ** min(attempts, 10)))
        log.error("event %s (%s) not published, attempt %d: %s", row.event_id, row.event_type,
                  attempts, reason)
        return {"attempts": attempts, "last_error": reason, "next_attempt_at": utcnow() + timedelta(seconds=delay)}
