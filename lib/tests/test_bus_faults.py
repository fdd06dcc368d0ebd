"""Nothing dropped by the bus, against real RabbitMQ and PostgreSQL: undecodable messages and events
of the wrong content type are dead-lettered with their reason, a database away is retried on the
longer infrastructure budget, the replay command brings dead letters back (dry run, filters, once),
and the services' RPC entrypoint neither runs a request past its caller's deadline nor dies when a
reply cannot be published at once."""
import json
import time

import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy.exc import OperationalError

from platform_kit import replay
from platform_kit.rpc import DEADLINE_HEADER, OneTryPublisher, rpc

from .test_bus import Tally, _database, count, queue_depth, replied, tally_metadata

QUEUE = "evt-probe-consultation.replied--tally.on_replied"


@pytest.fixture
def configs(rabbit_config, postgres):
    tally = dict(rabbit_config, max_workers=4, EVENT_RETRY_DELAYS=[0.2, 0.3],
                 DATABASE_URL=_database(postgres, tally_metadata))
    Tally.fail_with = None
    yield None, tally
    Tally.fail_with = None


def publish_raw(rabbit_config, body, content_type, routing_key=QUEUE):
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.Producer().publish(body, exchange="", routing_key=routing_key, content_type=content_type,
                                content_encoding="utf-8", headers={"event_type": "consultation.replied"})


def dead_letters(rabbit_config, queue=QUEUE, expect=1, timeout=10):
    """The messages of queue.dlq (acknowledged), once `expect` of them are there."""
    deadline = time.time() + timeout
    while queue_depth(rabbit_config, queue + ".dlq") < expect and time.time() < deadline:
        time.sleep(0.1)
    found = []
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        channel = conn.default_channel
        while (message := channel.basic_get(queue + ".dlq")) is not None:   # raw: no decoding
            message = channel.message_to_python(message)
            body = message.body.encode(message.content_encoding) if isinstance(message.body, str) else message.body
            found.append((body, message.headers, message.content_type))
            message.ack()
    return found


@pytest.mark.parametrize("body, content_type, reason", [
    (b'{"event_id": "not json', "application/json", "undecodable application/json"),
    (b'{"event_id": "\xff\xfe"}', "application/json", "undecodable application/json"),
    (None, "text/plain", "text/plain"),
    (b"[1, 2, 3]", "application/json", "请求体须为 JSON 对象"),
])
def test_a_message_the_consumer_cannot_decode_is_dead_lettered(container_factory, configs, rabbit_config,
                                                               body, content_type, reason):
    _, tally_config = configs
    tally = container_factory(Tally, tally_config)
    tally.start()
    if body is None:   # a valid event, sent as text
        body = json.dumps(replied().to_wire()).encode()
    publish_raw(rabbit_config, body, content_type)
    [(dead_body, headers, dead_type)] = dead_letters(rabbit_config)
    assert dead_body == body and dead_type == content_type     # the bytes as they came
    assert reason in headers["x-platform-error"]
    assert headers["x-platform-queue"] == QUEUE and headers["x-platform-dead-lettered-at"]
    assert count(tally_config["DATABASE_URL"]) == 0
    # the consumer is still there: a good event after the bad one is handled
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        event_dispatcher(tally_config)("probe", "consultation.replied", replied().to_wire())
    assert count(tally_config["DATABASE_URL"]) == 1


def test_database_away_is_retried_on_the_infrastructure_budget(container_factory, configs, rabbit_config):
    _, tally_config = configs
    # two retries for bad data, five for a database that is away: four failures must not dead-letter
    tally_config = dict(tally_config, EVENT_INFRA_RETRY_DELAYS=[0.2] * 5)
    Tally.fail_with = OperationalError("SELECT 1", {}, ConnectionRefusedError("数据库重启中"))
    failures = []
    tally = container_factory(Tally, tally_config)
    tally.start()

    def fail_four_times(worker_ctx, res, exc_info):
        if exc_info is not None:
            failures.append(exc_info)
            if len(failures) == 4:
                Tally.fail_with = None
        return exc_info is None

    with entrypoint_waiter(tally, "on_replied", timeout=20, callback=fail_four_times):
        event_dispatcher(tally_config)("probe", "consultation.replied", replied().to_wire())
    assert len(failures) == 4 and count(tally_config["DATABASE_URL"]) == 1
    assert queue_depth(rabbit_config, QUEUE + ".dlq") == 0


def test_infrastructure_budget_spent_dead_letters_with_its_kind(container_factory, configs, rabbit_config):
    _, tally_config = configs
    tally_config = dict(tally_config, EVENT_INFRA_RETRY_DELAYS=[0.1])
    Tally.fail_with = OperationalError("SELECT 1", {}, ConnectionRefusedError("数据库不可用"))
    tally = container_factory(Tally, tally_config)
    tally.start()
    event_dispatcher(tally_config)("probe", "consultation.replied", replied().to_wire())
    [(_, headers, _)] = dead_letters(rabbit_config)
    assert headers["x-platform-failure"] == "infrastructure"
    assert headers["x-platform-infra-attempt"] == 3 and "数据库不可用" in headers["x-platform-error"]


def test_replay_brings_dead_letters_back_once(container_factory, configs, rabbit_config, capsys):
    _, tally_config = configs
    Tally.fail_with = RuntimeError("部门系统暂时不可用")
    tally = container_factory(Tally, tally_config)
    tally.start()
    dispatch = event_dispatcher(tally_config)
    events = [replied(f"意见{n}") for n in range(3)]
    for envelope in events:
        dispatch("probe", "consultation.replied", envelope.to_wire())
    deadline = time.time() + 15
    while queue_depth(rabbit_config, QUEUE + ".dlq") < 3 and time.time() < deadline:
        time.sleep(0.1)
    assert queue_depth(rabbit_config, QUEUE + ".dlq") == 3
    uri = rabbit_config["AMQP_URI"]
    # a dry run lists and moves nothing; filters that match nothing move nothing
    replay.main(["--amqp-uri", uri, "--queue", QUEUE + ".dlq", "--dry-run"])
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(item["event_id"] for item in listed) == sorted(e.event_id for e in events)
    assert all(item["action"] == "would move" and "部门系统" in item["error"] for item in listed)
    replay.main(["--amqp-uri", uri, "--queue", QUEUE, "--type", "case.accepted"])
    replay.main(["--amqp-uri", uri, "--queue", QUEUE, "--error", "数据库"])
    assert queue_depth(rabbit_config, QUEUE + ".dlq") == 3
    Tally.fail_with = None
    # one by --limit, then the rest; a copy replayed twice (an interrupted run) is applied once
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        replay.main(["--amqp-uri", uri, "--queue", QUEUE, "--limit", "1", "--error", "部门系统"])
    assert queue_depth(rabbit_config, QUEUE + ".dlq") == 2 and count(tally_config["DATABASE_URL"]) == 1
    dispatch("probe", "consultation.replied", events[0].to_wire())
    replay.main(["--amqp-uri", uri, "--queue", QUEUE, "--type", "consultation.replied"])
    deadline = time.time() + 10
    while count(tally_config["DATABASE_URL"]) < 3 and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert count(tally_config["DATABASE_URL"]) == 3
    assert queue_depth(rabbit_config, QUEUE + ".dlq") == 0 and queue_depth(rabbit_config, QUEUE) == 0


class Echo:
    name = "echo"
    calls = []

    @rpc
    def echo(self, value):
        Echo.calls.append(value)
        return value


def test_a_request_past_its_callers_deadline_is_not_executed(container_factory, rabbit_config):
    Echo.calls = []
    container = container_factory(Echo, rabbit_config)
    container.start()
    with ServiceRpcProxy("echo", rabbit_config, timeout=5) as proxy:
        assert proxy.echo("准时") == "准时"
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        conn.Producer().publish({"args": ["迟到"], "kwargs": {}}, exchange="nameko-rpc", routing_key="echo.echo",
                                serializer="json", reply_to="nobody", correlation_id="late-1",
                                headers={DEADLINE_HEADER: time.time() - 1})
    time.sleep(1)
    assert Echo.calls == ["准时"] and queue_depth(rabbit_config, "rpc-echo") == 0


def test_a_reply_the_broker_refuses_at_first_is_retried_not_fatal(container_factory, rabbit_config, monkeypatch):
    Echo.calls = []
    real_publish = OneTryPublisher.publish
    refusals = []

    def flaky(self, payload, **kwargs):
        if len(refusals) < 3:
            refusals.append(1)
            raise ConnectionRefusedError("broker away")
        return real_publish(self, payload, **kwargs)

    monkeypatch.setattr(OneTryPublisher, "publish", flaky)
    container = container_factory(Echo, rabbit_config)
    container.start()
    with ServiceRpcProxy("echo", rabbit_config, timeout=20) as proxy:
        assert proxy.echo("重试") == "重试"
        assert proxy.echo("之后") == "之后"
    assert len(refusals) == 3 and Echo.calls == ["重试", "之后"]
