"""The event bus against real RabbitMQ and PostgreSQL: outbox, idempotency, retries, dead letters.

A small probe service emits `consultation.replied` events through the outbox; a tally service
counts them in its own database. Each test gets its own vhost (nameko's rabbit_config) and its
own databases.
"""
import pytest
import requests
from kombu import Connection
from nameko.rpc import rpc
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import Column, Integer, String, Table, create_engine, func, insert, select, text
from sqlalchemy.orm import sessionmaker

from platform_kit.bus import event_handler
from platform_kit.contracts import Actor, new_event
from platform_kit.db import Database, DatabaseAccess, service_metadata

probe_metadata = service_metadata()
tally_metadata = service_metadata()
tallies = Table("tallies", tally_metadata, Column("id", Integer, primary_key=True),
                Column("event_id", String(36)), Column("opinion", String(200)))


def replied(opinion="同意", event_id=None):
    envelope = new_event("consultation.replied", source="probe", project_code="2026-410800-48-01-000001",
                         actor=Actor(id="officer-1", role="officer", department="FIRE"),
                         payload={"consultation_id": "c-1", "department": "FIRE", "opinion": opinion})
    if event_id:
        object.__setattr__(envelope, "event_id", event_id)
    return envelope


class Probe:
    name = "probe"
    db = Database(probe_metadata)

    @rpc
    def emit(self, opinion):
        with self.db.unit_of_work() as uow:
            envelope = replied(opinion)
            uow.emit(envelope)
        return envelope.event_id

    @rpc
    def slow(self, seconds):
        with self.db.read() as session:
            session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
        Probe.finished.append("slow")

    @rpc
    def quick(self):
        with self.db.read() as session:
            session.execute(text("SELECT 1"))
        Probe.finished.append("quick")

    finished = []


class Tally:
    name = "tally"
    db = Database(tally_metadata)
    fail_with = None

    @event_handler("probe", "consultation.replied")
    def on_replied(self, envelope):
        if Tally.fail_with:
            raise Tally.fail_with
        with self.db.unit_of_work() as uow:
            if not uow.first_time(envelope, "tally.on_replied"):
                return
            uow.session.execute(insert(tallies).values(event_id=envelope.event_id,
                                                       opinion=envelope.payload["opinion"]))


def _database(postgres, metadata):
    url = postgres.blank()
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def configs(rabbit_config, postgres):
    base = dict(rabbit_config, max_workers=4, OUTBOX_POLL_SECONDS=0.2, EVENT_RETRY_DELAYS=[0.2, 0.3])
    probe = dict(base, DATABASE_URL=_database(postgres, probe_metadata))
    tally = dict(base, DATABASE_URL=_database(postgres, tally_metadata))
    Tally.fail_with = None
    yield probe, tally
    Tally.fail_with = None


def count(url):
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(tallies)).scalar()
    engine.dispose()
    return n


def outbox_rows(url):
    engine = create_engine(url)
    table = probe_metadata.tables["outbox"]
    with engine.connect() as conn:
        rows = conn.execute(select(table)).mappings().all()
    engine.dispose()
    return rows


def queue_depth(rabbit_config, name):
    """Messages in a queue, read through AMQP (a passive declare reports the count)."""
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        _, count, _ = conn.default_channel.queue_declare(name, passive=True)
    return count


def test_event_is_published_and_consumed_once(container_factory, configs):
    probe_config, tally_config = configs
    tally = container_factory(Tally, tally_config)
    tally.start()
    probe = container_factory(Probe, probe_config)
    probe.start()
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        with ServiceRpcProxy("probe", probe_config, timeout=10) as proxy:
            proxy.emit("同意")
    assert count(tally_config["DATABASE_URL"]) == 1
    rows = outbox_rows(probe_config["DATABASE_URL"])
    assert len(rows) == 1 and rows[0]["published_at"] is not None


def test_duplicate_event_is_handled_once(container_factory, configs):
    _, tally_config = configs
    tally = container_factory(Tally, tally_config)
    tally.start()
    dispatch = event_dispatcher(tally_config)
    envelope = replied("重复投递")
    for _ in range(3):
        with entrypoint_waiter(tally, "on_replied", timeout=10):
            dispatch("probe", "consultation.replied", envelope.to_wire())
    assert count(tally_config["DATABASE_URL"]) == 1


def test_failing_handler_is_retried_then_dead_lettered(container_factory, configs, rabbit_config):
    _, tally_config = configs
    Tally.fail_with = RuntimeError("部门系统暂时不可用")
    tally = container_factory(Tally, tally_config)
    tally.start()
    dispatch = event_dispatcher(tally_config)
    queue = "evt-probe-consultation.replied--tally.on_replied"
    # first try + one per configured delay, then the dead-letter queue
    attempts = 1 + len(tally_config["EVENT_RETRY_DELAYS"])

    def failing(worker_ctx, res, exc_info):
        return exc_info is not None

    for _ in range(attempts):
        with entrypoint_waiter(tally, "on_replied", timeout=10, callback=failing):
            if _ == 0:
                dispatch("probe", "consultation.replied", replied("失败").to_wire())
    tally.stop()
    assert queue_depth(rabbit_config, queue + ".dlq") == 1
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        message = conn.SimpleQueue(queue + ".dlq").get(timeout=5)
        assert message.headers["x-platform-attempt"] == attempts + 1
        assert "部门系统暂时不可用" in message.headers["x-platform-error"]
        assert message.payload["payload"]["opinion"] == "失败"
        message.ack()
    assert count(tally_config["DATABASE_URL"]) == 0


def test_a_recovered_handler_processes_a_retried_event(container_factory, configs):
    _, tally_config = configs
    Tally.fail_with = RuntimeError("一次失败")
    tally = container_factory(Tally, tally_config)
    tally.start()

    def recover(worker_ctx, res, exc_info):
        Tally.fail_with = None
        return exc_info is not None

    with entrypoint_waiter(tally, "on_replied", timeout=10, callback=recover):
        event_dispatcher(tally_config)("probe", "consultation.replied", replied().to_wire())
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        pass
    assert count(tally_config["DATABASE_URL"]) == 1


def test_invalid_event_goes_straight_to_dead_letters(container_factory, configs, rabbit_config):
    _, tally_config = configs
    tally = container_factory(Tally, tally_config)
    tally.start()
    body = replied().to_wire()
    del body["payload"]["opinion"]
    event_dispatcher(tally_config)("probe", "consultation.replied", body)
    queue = "evt-probe-consultation.replied--tally.on_replied.dlq"
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        message = conn.SimpleQueue(queue).get(timeout=10)
        assert "opinion" in message.headers["x-platform-error"]
        message.ack()
    assert count(tally_config["DATABASE_URL"]) == 0


def test_event_survives_crash_between_commit_and_publish(container_factory, configs):
    probe_config, tally_config = configs
    tally = container_factory(Tally, tally_config)
    tally.start()
    # The state change and its event commit; the process dies before any relay pass runs.
    engine = create_engine(probe_config["DATABASE_URL"])
    crashed = DatabaseAccess(sessionmaker(bind=engine), probe_metadata, relay=None)
    with crashed.unit_of_work() as uow:
        uow.emit(replied("崩溃前已提交"))
    engine.dispose()
    assert outbox_rows(probe_config["DATABASE_URL"])[0]["published_at"] is None
    # The restarted service's relay finds the committed event and delivers it.
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        container_factory(Probe, probe_config).start()
    assert count(tally_config["DATABASE_URL"]) == 1
    assert outbox_rows(probe_config["DATABASE_URL"])[0]["published_at"] is not None


def test_unroutable_event_is_kept_and_retried_not_dropped(container_factory, configs):
    probe_config, tally_config = configs
    probe = container_factory(Probe, dict(probe_config, OUTBOX_MAX_BACKOFF_SECONDS=0.5))
    probe.start()
    with ServiceRpcProxy("probe", probe_config, timeout=10) as proxy:
        proxy.emit("无人订阅")
    # no queue is bound yet: the broker returns the event and the row stays unpublished
    import eventlet
    for _ in range(50):
        row = outbox_rows(probe_config["DATABASE_URL"])[0]
        if row["attempts"] >= 1:
            break
        eventlet.sleep(0.1)
    assert row["published_at"] is None and "unroutable" in row["last_error"]
    tally = container_factory(Tally, tally_config)
    with entrypoint_waiter(tally, "on_replied", timeout=15):
        tally.start()
    assert count(tally_config["DATABASE_URL"]) == 1


def test_quorum_queues(container_factory, configs, rabbit_config):
    probe_config, tally_config = configs
    tally = container_factory(Tally, dict(tally_config, EVENT_QUEUE_TYPE="quorum"))
    tally.start()
    probe = container_factory(Probe, probe_config)
    probe.start()
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        with ServiceRpcProxy("probe", probe_config, timeout=10) as proxy:
            proxy.emit("仲裁队列")
    vhost = rabbit_config["vhost"]
    api = rabbit_config["RABBIT_CTL_URI"] if "RABBIT_CTL_URI" in rabbit_config else "http://guest:guest@127.0.0.1:15672"
    info = requests.get(f"{api}/api/queues/{requests.utils.quote(vhost, safe='')}/"
                        "evt-probe-consultation.replied--tally.on_replied", timeout=5).json()
    assert info["type"] == "quorum"
    assert count(tally_config["DATABASE_URL"]) == 1


def test_slow_query_in_one_worker_does_not_stall_another(container_factory, configs):
    probe_config, _ = configs
    Probe.finished = []
    probe = container_factory(Probe, probe_config)
    probe.start()
    with ServiceRpcProxy("probe", probe_config, timeout=20) as slow_proxy, \
            ServiceRpcProxy("probe", probe_config, timeout=20) as quick_proxy:
        slow = slow_proxy.slow.call_async(2)
        import eventlet
        eventlet.sleep(0.3)  # the slow query is now running on the server
        quick_proxy.quick()
        slow.result()
    # psycopg2 under psycogreen yields while waiting, so the quick call finishes first
    assert Probe.finished == ["quick", "slow"]
