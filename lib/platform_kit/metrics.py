"""Prometheus metrics of a nameko service, and the request id in its log lines.

A service declares one dependency, ``metrics = Metrics()``; it then

- serves ``GET /metrics`` on ``METRICS_ADDRESS:METRICS_PORT`` (config; ``METRICS_PORT`` 0 serves
  nothing, 9100 in the image);
- times every RPC (``platform_rpc_requests_total{service,method,outcome}`` with outcome ``ok``,
  ``rejected`` for an expected error such as a validation failure or a refusal, ``error`` for
  anything else; ``platform_rpc_duration_seconds{service,method}``) and every event handler
  (``platform_event_handler_duration_seconds{service,queue}``; ``platform_events_handled_total``
  is counted by :mod:`platform_kit.bus` where the message is settled);
- measures at scrape time its outbox (``platform_outbox_backlog{service}``,
  ``platform_outbox_oldest_unpublished_seconds{service}``: one indexed query) and whatever the
  service adds with ``Metrics(collect=fn)``, ``fn(engine, config)`` yielding metric families;
- gives every worker a request id (the caller's, from the ``request_id`` context header the gateway
  and the outbox relay set, else a new one), binds it to the worker's log lines, writes it into the
  events the worker emits (:class:`platform_kit.db.DatabaseAccess`), and logs one line per RPC and
  event handled.

The sweeper's passes are timed by :class:`platform_kit.sweeper.Sweeper`
(``platform_sweeper_pass_seconds``, ``platform_sweeper_last_pass_timestamp_seconds``).
"""
import logging
import time
import uuid

from nameko.events import EventHandler
from nameko.extensions import DependencyProvider
from nameko.rpc import Rpc
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from platform_kit import logs
from platform_kit.db import Database
from platform_kit.times import utcnow

log = logging.getLogger(__name__)

REQUEST_ID = "request_id"    # the call-context key (header ``nameko.request_id``)

# seconds: an RPC read answers in milliseconds, a sealed licence or a sweep may take seconds
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

RPC_REQUESTS = Counter("platform_rpc_requests", "RPC calls handled, by outcome (ok, rejected, error)",
                       ["service", "method", "outcome"])
RPC_DURATION = Histogram("platform_rpc_duration_seconds", "Time to handle an RPC call",
                         ["service", "method"], buckets=BUCKETS)
EVENTS_HANDLED = Counter("platform_events_handled", "Events settled by a handler queue, by outcome "
                         "(ok, retried, dead_lettered)", ["service", "queue", "event_type", "outcome"])
EVENT_DURATION = Histogram("platform_event_handler_duration_seconds", "Time to handle an event",
                           ["service", "queue"], buckets=BUCKETS)
HTTP_REQUESTS = Counter("platform_service_http_requests", "Requests a service's HTTP port answered, by status",
                        ["service", "method", "status"])
HTTP_DURATION = Histogram("platform_service_http_duration_seconds", "Time to answer a request on a service's HTTP port",
                          ["service", "method"], buckets=BUCKETS)
READ_ANSWERS = Counter("platform_read_answers", "Reads answered from an answer kept in memory (hit) or built "
                       "(miss), platform_kit.answers", ["service", "outcome"])
SWEEP_DURATION = Histogram("platform_sweeper_pass_seconds", "Time of a sweeper pass", ["service", "sweeper"],
                           buckets=BUCKETS)
SWEEP_LAST = Gauge("platform_sweeper_last_pass_timestamp_seconds", "When the last sweeper pass ended "
                   "(Unix time)", ["service", "sweeper"])


def event_settled(service, queue, body, outcome):
    """Count an event a handler queue settled: ``ok``, ``retried`` or ``dead_lettered``."""
    event_type = body.get("type") if isinstance(body, dict) else None
    EVENTS_HANDLED.labels(service, queue, str(event_type or "unknown")[:80], outcome).inc()


def sweep_passed(service, sweeper, seconds):
    SWEEP_DURATION.labels(service, sweeper).observe(seconds)
    SWEEP_LAST.labels(service, sweeper).set(time.time())


class ServiceCollector:
    """Gauges read at scrape time: the outbox of the service's database, and the service's own."""

    def __init__(self, service, database, config, extra=None):
        self.service = service
        self.database = database      # the service's platform_kit.db.Database provider (or None)
        self.config = config
        self.extra = extra

    def describe(self):
        # nothing announced at registration: its numbers are read from the database at scrape time only
        return []

    def collect(self):
        engine = getattr(self.database, "engine", None)
        if engine is None:
            return
        try:
            yield from outbox_gauges(engine, self.database.metadata, self.service)
        except Exception:   # the database is away: the scrape still answers with everything else
            log.warning("outbox gauges not measured", exc_info=True)
        if self.extra is not None:
            try:
                yield from list(self.extra(engine, self.config))
            except Exception:
                log.warning("service gauges not measured", exc_info=True)


def outbox_gauges(engine, metadata, service):
    """``platform_outbox_backlog`` and ``platform_outbox_oldest_unpublished_seconds`` in one query
    (the unpublished rows, found through the index on ``published_at``)."""
    outbox = metadata.tables["outbox"]
    with engine.connect() as conn:
        count, oldest = conn.execute(select(func.count(), func.min(outbox.c.created_at))
                                     .where(outbox.c.published_at.is_(None))).one()
    backlog = GaugeMetricFamily("platform_outbox_backlog", "Events committed but not yet published",
                                labels=["service"])
    backlog.add_metric([service], count)
    age = GaugeMetricFamily("platform_outbox_oldest_unpublished_seconds",
                            "Age of the oldest unpublished event (0 when none)", labels=["service"])
    if oldest is not None and oldest.tzinfo is None:   # SQLite keeps no zone; the platform writes UTC
        oldest = oldest.replace(tzinfo=utcnow().tzinfo)
    age.add_metric([service], (utcnow() - oldest).total_seconds() if oldest is not None else 0.0)
    return [backlog, age]


_servers = {}   # port -> (server, thread): one metrics endpoint per process


def serve(port, address="127.0.0.1", registry=REGISTRY):
    """Serve ``/metrics`` of `registry` on `address`:`port` once per process (0: nothing)."""
    port = int(port or 0)
    if port <= 0 or port in _servers:
        return None
    try:
        _servers[port] = start_http_server(port, addr=address, registry=registry)
    except OSError as exc:   # the port is taken: the service still serves, its metrics are not read
        log.error("metrics not served on %s:%d: %s", address, port, exc)
        return None
    log.info("metrics served on http://%s:%d/metrics", address, port)
    return _servers[port]


def stop_serving(port):
    served = _servers.pop(port, None)
    if served is not None:
        served[0].shutdown()
        served[0].server_close()


class Metrics(DependencyProvider):
    """Metrics and log context of a service's workers; see the module's docstring.

    Config: ``METRICS_PORT`` (0: no endpoint), ``METRICS_ADDRESS`` (default 127.0.0.1).
    """

    def __init__(self, collect=None):
        self.collect = collect
        self.collector = None
        self.port = None
        self.started = {}

    def setup(self):
        self.service = self.container.service_name

    def start(self):
        config = self.container.config
        database = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        self.collector = ServiceCollector(self.service, database, config, self.collect)
        REGISTRY.register(self.collector)
        if serve(config.get("METRICS_PORT", 0), config.get("METRICS_ADDRESS") or "127.0.0.1"):
            self.port = int(config["METRICS_PORT"])

    def stop(self):
        if self.collector is not None:
            REGISTRY.unregister(self.collector)
            self.collector = None
        if self.port:
            stop_serving(self.port)
            self.port = None

    def kill(self):
        self.stop()

    def worker_setup(self, worker_ctx):
        request_id = worker_ctx.data.get(REQUEST_ID)
        if not request_id and isinstance(worker_ctx.entrypoint, HttpRequestHandler) and worker_ctx.args:
            # an HTTP entrypoint (intake's material files): the id the gateway sent in X-Request-Id
            request_id = worker_ctx.data[REQUEST_ID] = logs.valid_request_id(
                worker_ctx.args[0].headers.get("X-Request-Id"))
        if not request_id:
            request_id = worker_ctx.data[REQUEST_ID] = uuid.uuid4().hex
        logs.clear()
        logs.bind(request_id=request_id, entrypoint=worker_ctx.entrypoint.method_name)
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        elapsed = time.perf_counter() - started
        entrypoint = worker_ctx.entrypoint
        method = entrypoint.method_name
        if isinstance(entrypoint, Rpc):
            if exc_info is None:
                outcome = "ok"
            elif isinstance(exc_info[1], entrypoint.expected_exceptions):
                outcome = "rejected"
            else:
                outcome = "error"
            RPC_REQUESTS.labels(self.service, method, outcome).inc()
            RPC_DURATION.labels(self.service, method).observe(elapsed)
            log.info("rpc handled", extra={"method": method, "outcome": outcome,
                                           "duration_ms": round(elapsed * 1000, 1)})
        elif isinstance(entrypoint, EventHandler):
            queue = entrypoint.queue.name
            EVENT_DURATION.labels(self.service, queue).observe(elapsed)
            log.info("event handled", extra={
                "queue": queue, "event_type": entrypoint.event_type,
                "event_id": getattr(worker_ctx.args[0], "event_id", None) if worker_ctx.args else None,
                "outcome": "ok" if exc_info is None else "failed", "duration_ms": round(elapsed * 1000, 1)})
        elif isinstance(entrypoint, HttpRequestHandler):
            status = getattr(result, "status_code", None)
            if status is None:   # a refusal is answered from the exception (platform_kit.http_port)
                status = getattr(exc_info[1], "status", 500) if exc_info is not None else 200
            HTTP_REQUESTS.labels(self.service, method, str(status)).inc()
            HTTP_DURATION.labels(self.service, method).observe(elapsed)
            log.info("http handled", extra={"method": method, "status": status,
                                            "duration_ms": round(elapsed * 1000, 1)})

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)
        logs.clear()
