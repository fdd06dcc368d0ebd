"""Metrics and request ids of a service, against real RabbitMQ and PostgreSQL.

A probe service emits events through the outbox; a tally service handles them. Both declare
``metrics = Metrics()``; the probe serves ``/metrics`` on a free port. The request id given to the
probe's RPC travels in the outbox row, the message headers and the tally's worker.
"""
import io
import json
import logging
import re
import time

import eventlet
import pytest
import requests
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, select
from structlog.contextvars import get_contextvars

from platform_kit import logs
from platform_kit.bus import event_handler
from platform_kit.contracts import Actor, new_event
from platform_kit.db import Database, service_metadata
from platform_kit.errors import EXPECTED_ERRORS, NotFound
from platform_kit.metrics import Metrics
from platform_kit.sweeper import SweepPace
from platform_kit.testing import free_port

probe_metadata = service_metadata()
tally_metadata = service_metadata()


def replied():
    return new_event("consultation.replied", source="obsprobe", project_code="2026-410800-48-01-000001",
                     actor=Actor(id="officer-1", role="officer", department="FIRE"),
                     payload={"consultation_id": "c-1", "department": "FIRE", "opinion": "同意"})


class ObsProbe:
    name = "obsprobe"
    db = Database(probe_metadata)
    metrics = Metrics()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def emit(self):
        with self.db.unit_of_work() as uow:
            uow.emit(replied())
        return get_contextvars().get("request_id")

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def missing(self):
        raise NotFound("没有")


class ObsTally:
    name = "obstally"
    db = Database(tally_metadata, relay=False)
    metrics = Metrics()
    seen = []
    fail = False

    @event_handler("obsprobe", "consultation.replied")
    def on_replied(self, envelope):
        ObsTally.seen.append(get_contextvars().get("request_id"))
        if ObsTally.fail:
            raise RuntimeError("handler broke")


def sample(text, name, **labels):
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    total = 0.0
    for line in text.splitlines():
        match = re.fullmatch(r"([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(match.group(3))
    return total


def database(postgres, metadata):
    url = postgres.blank()
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def running(container_factory, rabbit_config, postgres):
    port = free_port()
    base = dict(rabbit_config, max_workers=4, OUTBOX_POLL_SECONDS=0.2, EVENT_RETRY_DELAYS=[0.2])
    probe_config = dict(base, DATABASE_URL=database(postgres, probe_metadata), METRICS_PORT=port)
    tally = container_factory(ObsTally, dict(base, DATABASE_URL=database(postgres, tally_metadata)))
    tally.start()
    probe = container_factory(ObsProbe, probe_config)
    probe.start()
    ObsTally.seen, ObsTally.fail = [], False
    yield probe, tally, probe_config, f"http://127.0.0.1:{port}/metrics"
    ObsTally.fail = False


def test_a_request_id_travels_from_the_call_through_the_outbox_to_the_handler(running):
    probe, tally, config, _ = running
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        with ServiceRpcProxy("obsprobe", config, timeout=10, context_data={"request_id": "req-7f3a"}) as proxy:
            assert proxy.emit() == "req-7f3a"       # bound to the worker's log lines
    engine = create_engine(config["DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(select(probe_metadata.tables["outbox"].c.headers)).scalars().all()
    engine.dispose()
    assert rows == [{"request_id": "req-7f3a"}]
    assert ObsTally.seen == ["req-7f3a"]


def test_a_call_without_a_request_id_gets_one(running):
    probe, tally, config, _ = running
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        with ServiceRpcProxy("obsprobe", config, timeout=10) as proxy:
            made = proxy.emit()
    assert re.fullmatch(r"[0-9a-f]{32}", made) and ObsTally.seen == [made]


def test_metrics_move_with_calls_and_events(running):
    probe, tally, config, url = running
    before = requests.get(url, timeout=5).text
    with entrypoint_waiter(tally, "on_replied", timeout=10):
        with ServiceRpcProxy("obsprobe", config, timeout=10) as proxy:
            proxy.emit()
            with pytest.raises(NotFound):
                proxy.missing()
    after = requests.get(url, timeout=5).text
    moved = lambda name, **labels: sample(after, name, **labels) - sample(before, name, **labels)  # noqa: E731
    assert moved("platform_rpc_requests_total", service="obsprobe", method="emit", outcome="ok") == 1
    assert moved("platform_rpc_requests_total", service="obsprobe", method="missing", outcome="rejected") == 1
    assert moved("platform_rpc_duration_seconds_count", service="obsprobe", method="emit") == 1
    queue = "evt-obsprobe-consultation.replied--obstally.on_replied"
    deadline = time.time() + 5
    while time.time() < deadline and moved("platform_events_handled_total", service="obstally", queue=queue,
                                           event_type="consultation.replied", outcome="ok") != 1:
        eventlet.sleep(0.1)
        after = requests.get(url, timeout=5).text
    assert moved("platform_events_handled_total", service="obstally", queue=queue,
                 event_type="consultation.replied", outcome="ok") == 1
    assert moved("platform_event_handler_duration_seconds_count", service="obstally", queue=queue) == 1
    # the relay published the event: nothing waits in the probe's outbox
    assert sample(after, "platform_outbox_backlog", service="obsprobe") == 0
    assert sample(after, "platform_outbox_oldest_unpublished_seconds", service="obsprobe") == 0


def test_a_failing_handler_is_counted_retried_then_dead_lettered(running):
    probe, tally, config, url = running
    ObsTally.fail = True
    queue = "evt-obsprobe-consultation.replied--obstally.on_replied"
    labels = dict(service="obstally", queue=queue, event_type="consultation.replied")
    before = requests.get(url, timeout=5).text
    with ServiceRpcProxy("obsprobe", config, timeout=10) as proxy:
        proxy.emit()
    deadline = time.time() + 10
    while time.time() < deadline:
        after = requests.get(url, timeout=5).text
        if sample(after, "platform_events_handled_total", outcome="dead_lettered", **labels) - sample(
                before, "platform_events_handled_total", outcome="dead_lettered", **labels) == 1:
            break
        eventlet.sleep(0.1)
    moved = lambda outcome: (sample(after, "platform_events_handled_total", outcome=outcome, **labels)  # noqa: E731
                             - sample(before, "platform_events_handled_total", outcome=outcome, **labels))
    assert (moved("retried"), moved("dead_lettered"), moved("ok")) == (1, 1, 0)
    assert len(set(ObsTally.seen)) == 1 and len(ObsTally.seen) == 2   # the retry keeps the request id


def test_a_sweep_pass_is_timed_and_stamped():
    from prometheus_client import REGISTRY
    pace = SweepPace(0, 10, [0.0], "obsprobe", "sweep_deadlines")
    before = REGISTRY.get_sample_value("platform_sweeper_pass_seconds_count",
                                       {"service": "obsprobe", "sweeper": "sweep_deadlines"}) or 0
    assert pace.when_due(lambda batch: batch * 2) == 20
    labels = {"service": "obsprobe", "sweeper": "sweep_deadlines"}
    assert REGISTRY.get_sample_value("platform_sweeper_pass_seconds_count", labels) == before + 1
    assert abs(REGISTRY.get_sample_value("platform_sweeper_last_pass_timestamp_seconds", labels) - time.time()) < 5


def test_log_lines_are_json_with_the_bound_request_id_and_extras():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.Formatter(service="stage", output="json"))
    logger = logging.getLogger("obs.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logs.bind(request_id="req-1", entrypoint="list_stages")
        logger.info("处理 %s", "完成", extra={"outcome": "ok"})
        logs.clear()
        logger.warning("no context")
    finally:
        logger.removeHandler(handler)
        logs.clear()
    first, second = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert first["event"] == "处理 完成" and first["request_id"] == "req-1" and first["service"] == "stage"
    assert first["entrypoint"] == "list_stages" and first["outcome"] == "ok" and first["level"] == "info"
    assert first["logger"] == "obs.test" and first["timestamp"].endswith("Z")
    assert "request_id" not in second and second["level"] == "warning"


def test_each_green_thread_logs_its_own_request_id():
    seen = {}

    def work(request_id):
        logs.clear()
        logs.bind(request_id=request_id)
        eventlet.sleep(0.01)           # the other worker runs meanwhile
        seen[request_id] = get_contextvars().get("request_id")

    pool = eventlet.GreenPool()
    for request_id in ("a", "b", "c"):
        pool.spawn(work, request_id)
    pool.waitall()
    assert seen == {"a": "a", "b": "b", "c": "c"}


@pytest.mark.parametrize("given, kept", [
    ("5f0c7a4e-8d7b-4a52-9a61-2f3b7e1c9d10", "5f0c7a4e-8d7b-4a52-9a61-2f3b7e1c9d10"),
    ("  trace-42  ", "trace-42"), ("trace 42", None), ("x" * 128, "x" * 128), ("x" * 129, None), ("", None), (None, None),
    ("追踪", None), ("a\nb", None), ("a\x00b", None),
])
def test_a_request_id_is_1_to_128_printable_ascii_characters_without_spaces(given, kept):
    assert logs.valid_request_id(given) == kept
