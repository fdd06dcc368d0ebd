"""The ``exchange`` nameko service: a process of its own (``nameko run --config
services/supervision/exchange.yml supervision.exchange.service``) on the supervision database.

It hears the events the province needs (its own queues, so it can be stopped, restarted and run as
several replicas without touching supervision), keeps the flows, stages and items of the published
catalog in step (on first connection and on every ``catalog.loaded``), pushes staged rows every
``EXCHANGE_PUSH_SECONDS`` and polls rejections every ``EXCHANGE_POLL_SECONDS`` (at most 300).
"""
import logging
import time

import eventlet

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from nameko.rpc import RpcProxy
from nameko.timer import timer
from sqlalchemy import text

from platform_kit.asyncapi import PUBLISHERS
from platform_kit.bus import event_handler
from platform_kit.db import Database, utcnow
from platform_kit.errors import EXPECTED_ERRORS
from platform_kit.identity import OPERATOR, SUPERVISOR, Auth
from platform_kit.metrics import Metrics
from platform_kit.rpc import rpc
from platform_kit.validation import load
from platform_kit.wire.exchange import (ExchangeStatusOut, RejectionFilters, RejectionsOut, TaskFilters, TaskOut,
                                        TaskResolutionIn, TasksOut)
from supervision.exchange import facts, handlers, store
from supervision.exchange.front import FrontDatabase
from supervision.exchange.mapping import Mapping
from supervision.exchange.tables import metadata

log = logging.getLogger(__name__)
MAX_POLL_SECONDS = 300
RPC_SECONDS = 20


class Exchange(DependencyProvider):
    """The front database, the mapping and the pace of push and poll (config ``EXCHANGE_*``)."""

    def setup(self):
        config = self.container.config
        self.mapping = Mapping.load()
        self.front = FrontDatabase(config["EXCHANGE_FRONT_URL"], self.mapping)
        self.push_seconds = float(config.get("EXCHANGE_PUSH_SECONDS", 1))
        self.batch = int(config.get("EXCHANGE_PUSH_BATCH", 2000))
        self.settle = float(config.get("EXCHANGE_SETTLE_SECONDS", 1))
        self.orphan = float(config.get("EXCHANGE_ORPHAN_SECONDS", 300))
        self.poll_seconds = min(int(config.get("EXCHANGE_POLL_SECONDS", 60)), MAX_POLL_SECONDS)
        self.started_at = utcnow()
        self.last = {"push": 0.0, "poll": 0.0, "catalog": 0.0}
        self.catalog_synced = False

    def due(self, kind, seconds):
        now = time.monotonic()
        if now - self.last[kind] < seconds:
            return False
        self.last[kind] = now
        return True

    def stop(self):
        self.front.dispose()

    def get_dependency(self, worker_ctx):
        return self


class ExchangeService:
    name = "exchange"

    db = Database(metadata)
    auth = Auth()
    metrics = Metrics(collect=handlers.observed)   # platform_exchange_*
    config = Config()
    exchange = Exchange()
    intake = RpcProxy("intake")

    def _stage(self, envelope):
        with self.db.unit_of_work() as uow:
            handlers.record_event(uow, envelope, self.exchange.mapping)

    # ---------------------------------------------------------------------------- catalog
    @event_handler("intake", "catalog.loaded")
    def on_catalog_loaded(self, envelope):
        self._sync_catalog(envelope.payload["version"])

    def _sync_catalog(self, version=None):
        with eventlet.Timeout(RPC_SECONDS):
            catalog = self.intake.get_catalog.call_async(version).result()
        with self.db.unit_of_work() as uow:
            if store.claim(uow.session, "catalog"):
                handlers.sync_catalog(uow, self.exchange.mapping, catalog)
                store.ran(uow.session, "catalog", 1)
        self.exchange.catalog_synced = True

    # ---------------------------------------------------------------------------- timers
    @timer(interval=5)
    def first_connection(self):
        """Until it has synced once: the catalog in force, if intake has one yet."""
        if not self.exchange.catalog_synced:
            try:
                self._sync_catalog()
            except (Exception, eventlet.Timeout) as exc:       # intake away or no catalog yet: tried again
                log.info("catalog not synced yet: %r", exc)

    @timer(interval=0.1)
    def tick(self):
        ex = self.exchange
        if ex.due("push", ex.push_seconds):
            while handlers.push(self.db, ex.front, ex.batch, ex.settle, ex.orphan) == ex.batch:
                pass
        if ex.due("poll", ex.poll_seconds):
            handlers.poll(self.db, ex.front)

    # ---------------------------------------------------------------------------- reading
    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def status(self):
        self.auth.identity(OPERATOR, SUPERVISOR)
        counts = self.exchange.front.counts()
        with self.db.reading() as uow:
            return ExchangeStatusOut().dump(handlers.status(uow, self.exchange.poll_seconds, counts))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_rejections(self, filters=None):
        self.auth.identity(OPERATOR, SUPERVISOR)
        cmd = load(RejectionFilters(), filters or {}, detail="查询条件不正确")
        with self.db.reading() as uow:
            return RejectionsOut().dump(handlers.list_rejections(uow, cmd))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def list_tasks(self, filters=None):
        self.auth.identity(OPERATOR, SUPERVISOR)
        cmd = load(TaskFilters(), filters or {}, detail="查询条件不正确")
        with self.db.reading() as uow:
            return TasksOut().dump(handlers.list_tasks(uow, cmd))

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def resolve_task(self, task_id, data):
        identity = self.auth.identity(OPERATOR)
        cmd = load(TaskResolutionIn(), data)
        with self.db.unit_of_work() as uow:
            return TaskOut().dump(handlers.resolve_task(uow, task_id, cmd["resolution"], identity))

    @rpc
    def health(self):
        """``ok``, or ``poll_overdue`` when no poll has run for 5 minutes (the health check fails)."""
        with self.db.reading() as uow:
            uow.session.execute(text("SELECT 1"))
            overdue = handlers.poll_overdue(uow, self.exchange.started_at)
        return {"service": self.name, "status": "poll_overdue" if overdue else "ok"}


def _subscribe(cls):
    for event_type in facts.EVENTS:
        name = "on_" + event_type.replace(".", "_")

        def handle(self, envelope):
            self._stage(envelope)

        handle.__name__ = handle.__qualname__ = name
        setattr(cls, name, event_handler(PUBLISHERS[event_type], event_type)(handle))
    return cls


_subscribe(ExchangeService)
