"""A service outlives a broker outage longer than nameko's publishing retries (about 12 s).

On a RabbitMQ node of the test's own (tests/own_infra.py), a service built like the platform's (the
platform's ``rpc``, ``event_handler``, outbox and a timer) is answering an RPC when the node is
killed (SIGKILL) and kept away 20 s. The reply cannot be published: it is retried, then dropped and
logged, and the container lives on; its timer keeps running through the outage; once the node is
back, its RPC consumer and event consumer reconnect by themselves, and an event committed to its
outbox afterwards is published by the relay and handled.
"""
import logging
import time

import eventlet
import pytest
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.timer import timer
from sqlalchemy import create_engine

import own_infra
from platform_kit.bus import event_handler
from platform_kit.contracts import Actor, new_event
from platform_kit.db import Database, service_metadata
from platform_kit.rpc import rpc

pytestmark = pytest.mark.skipif(not own_infra.available(), reason="needs the rabbitmq-server binaries")

metadata = service_metadata()
AWAY = 20   # seconds: longer than the ~12 s after which nameko's own reply publishing gave up


class Sturdy:
    name = "sturdy"
    db = Database(metadata)
    ticks, seen, naps = [], [], []

    @rpc
    def nap(self, seconds):
        Sturdy.naps.append(seconds)
        eventlet.sleep(seconds)
        return "醒了"

    @rpc
    def emit(self, opinion):
        with self.db.unit_of_work() as uow:
            envelope = new_event("consultation.replied", source="probe", project_code="2026-410800-48-01-000001",
                                 actor=Actor(id="officer-1", role="officer", department="FIRE"),
                                 payload={"consultation_id": "c-1", "department": "FIRE", "opinion": opinion})
            uow.emit(envelope)
        return envelope.event_id

    @event_handler("probe", "consultation.replied")
    def on_replied(self, envelope):
        Sturdy.seen.append(envelope.event_id)

    @timer(interval=0.5)
    def tick(self):
        Sturdy.ticks.append(time.time())


def eventually(probe, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            found = probe()
            if found:
                return found
        except Exception:   # the broker is still coming back
            pass
        eventlet.sleep(0.3)
    raise AssertionError(f"not within {timeout}s")


@pytest.mark.timeout(240)
def test_a_service_outlives_a_long_broker_outage_mid_reply(container_factory, postgres, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="platform_kit.rpc")
    Sturdy.ticks, Sturdy.seen, Sturdy.naps = [], [], []
    broker = own_infra.RabbitNode(tmp_path / "rabbit").start()
    try:
        url = postgres.blank("sturdy")
        engine = create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        config = {"AMQP_URI": broker.amqp_uri, "DATABASE_URL": url, "max_workers": 4, "DB_POOL_IDLE": 1,
                  "OUTBOX_POLL_SECONDS": 0.2, "RPC_REPLY_RETRY_SECONDS": 5}
        container = container_factory(Sturdy, config)
        container.start()
        with ServiceRpcProxy("sturdy", config, timeout=10) as proxy:
            before = proxy.emit("断电前")
        eventually(lambda: before in Sturdy.seen, 10)

        def call_nap():
            try:
                with ServiceRpcProxy("sturdy", config, timeout=60) as proxy:
                    proxy.nap(2)
            except Exception:   # the caller loses its broker too; what matters is the service
                pass
        caller = eventlet.spawn(call_nap)
        eventually(lambda: Sturdy.naps, 10)
        broker.kill()                       # mid-request: the reply will have nowhere to go
        eventlet.sleep(AWAY)
        assert not container._died.ready(), "the container died while the broker was away"
        ticks_during = [t for t in Sturdy.ticks if time.time() - AWAY + 2 < t]
        assert len(ticks_during) > AWAY // 2, "the timer stopped while the broker was away"
        assert any("dropped" in r.getMessage() for r in caplog.records), "the reply was not retried and dropped"

        broker.start()
        # the RPC consumer reconnects by itself; the outbox relay and the event consumer too
        after = eventually(lambda: ServiceRpcProxy("sturdy", config, timeout=5).start().emit("恢复后"), 60)
        eventually(lambda: after in Sturdy.seen, 30)
        assert not container._died.ready()
        caller.kill()
    finally:
        broker.kill()
