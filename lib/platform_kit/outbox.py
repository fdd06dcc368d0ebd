"""The outbox relay: publishes committed events to RabbitMQ, at least once, never silently lost.

Each service replica runs one relay. It claims unpublished rows with ``FOR UPDATE SKIP LOCKED``
(PostgreSQL), so replicas share the work without publishing a row twice while both are alive;
a crash after publishing and before marking can still repeat an event, which consumers absorb
(they are idempotent by ``event_id``).

Publishing uses publisher confirms and ``mandatory``: an event that no queue is bound to comes
back as undeliverable; the row stays unpublished, is marked with the error and retried with
back-off, and the relay logs it, so nobody's event silently disappears.
"""
import logging
import threading
from datetime import timedelta

from kombu import Connection
from nameko.constants import AMQP_URI_CONFIG_KEY, PERSISTENT
from nameko.standalone.events import get_event_exchange
from sqlalchemy import and_, or_, select, update

from platform_kit.db import utcnow

log = logging.getLogger(__name__)


class OutboxRelay:
    BATCH = 200

    def __init__(self, engine, metadata, config):
        self.engine = engine
        self.table = metadata.tables["outbox"]
        self.config = config
        self.poll_seconds = float(config.get("OUTBOX_POLL_SECONDS", 1.0))
        self.max_backoff = float(config.get("OUTBOX_MAX_BACKOFF_SECONDS", 60.0))
        self.amqp_uri = config[AMQP_URI_CONFIG_KEY]
        self._connection = None
        self._producer = None
        self._declared = set()
        self._returned = set()
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
        if self._producer is None:
            self._connection = Connection(self.amqp_uri, transport_options={"confirm_publish": True},
                                          heartbeat=0)
            self._producer = self._connection.Producer(serializer="json", on_return=self._on_return)
            self._declared = set()
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

    def run(self):
        self._running = True
        while self._running:
            try:
                while self._running and self.publish_pending() == self.BATCH:
                    pass
            except Exception:  # the broker or database is away: keep the rows, try again later
                log.exception("outbox relay pass failed; will retry")
            self._wakeup.wait(self.poll_seconds)
            self._wakeup.clear()

    def publish_pending(self):
        """Publish one batch of due rows; return how many rows were claimed."""
        table = self.table
        now = utcnow()
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(table.c.id, table.c.event_id, table.c.event_type, table.c.source,
                       table.c.body, table.c.attempts)
                .where(and_(table.c.published_at.is_(None),
                            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now)))
                .order_by(table.c.id).limit(self.BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            published = []
            for row in rows:
                failure = self._publish(row)
                if failure is None:
                    published.append(row.id)
                else:
                    conn.execute(update(table).where(table.c.id == row.id).values(**failure))
            if published:
                conn.execute(update(table).where(table.c.id.in_(published))
                             .values(published_at=utcnow(), attempts=table.c.attempts + 1, last_error=None))
        return len(rows)

    def _publish(self, row):
        """Publish one row; None when the broker confirmed it, else the row's failure values."""
        exchange = get_event_exchange(row.source, self.config)
        try:
            producer = self._connect()
            if exchange.name not in self._declared:
                exchange(producer.channel).declare()
                self._declared.add(exchange.name)
            producer.publish(row.body, exchange=exchange, routing_key=row.event_type, mandatory=True,
                             delivery_mode=PERSISTENT, message_id=row.event_id,
                             headers={"event_type": row.event_type})
        except Exception as exc:  # broker away mid-batch: reconnect, this row waits for the next pass
            self._disconnect()
            return self._failed(row, f"publish failed: {exc!r}")
        if row.event_id in self._returned:
            self._returned.discard(row.event_id)
            return self._failed(row, "unroutable: no queue is bound for this event type")
        self.published += 1
        return None

    def _failed(self, row, reason):
        attempts = row.attempts + 1
        delay = min(self.max_backoff, self.poll_seconds * (2 ** min(attempts, 10)))
        log.error("event %s (%s) not published, attempt %d: %s", row.event_id, row.event_type,
                  attempts, reason)
        return {"attempts": attempts, "last_error": reason, "next_attempt_at": utcnow() + timedelta(seconds=delay)}
