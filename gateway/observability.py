"""What an operator sees of the gateway: a request id on every request, a JSON log line per request,
and Prometheus metrics.

- **Request id**: the caller's ``X-Request-Id`` when it is 1–128 printable ASCII characters without spaces, else a
  new one; answered back in ``X-Request-Id``, bound to every log line written while the request is
  handled, and sent to the services in the RPC call context (``nameko.request_id``), from where it
  reaches the events they publish and the log lines of those events' handlers.
- **Metrics**: ``platform_http_requests_total{method,route,status}`` and
  ``platform_http_request_duration_seconds{method,route}``, labelled by the route template
  (``/projects/{code}/stages``), never the raw path.
- **Where they are read**: not on the gateway's port. With ``METRICS_PORT`` set (9100 in the
  image), gunicorn's master serves ``GET /metrics`` on ``METRICS_ADDRESS:METRICS_PORT``, summing
  its workers' numbers (prometheus_client's multiprocess mode: each worker writes its own files in
  ``PROMETHEUS_MULTIPROC_DIR``, a fresh temporary folder unless one is given). The ingress exposes
  only the gateway's port, so the metrics are reachable inside the cluster only.
"""
import logging
import os
import shutil
import tempfile
import time
import uuid

from gunicorn.glogging import Logger as GunicornLogger

from platform_kit import logs

log = logging.getLogger(__name__)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"
_made_dir = []   # the temporary folder this master made for its workers' metrics


def request_id_of(req):
    """The caller's X-Request-Id when it is sane, else a new one (32 hex digits)."""
    return logs.valid_request_id(req.get_header("X-Request-Id")) or uuid.uuid4().hex


def route_of(req):
    """The route template the request matched; ``/web/{path}`` for the front end's files."""
    template = req.uri_template
    if template:
        return template
    return "/web/{path}" if req.path == "/web" or req.path.startswith("/web/") else "(unmatched)"


class _HttpMetrics:
    """The two HTTP metrics, made on first use: in a gunicorn worker that is after the master set
    ``PROMETHEUS_MULTIPROC_DIR``, which prometheus_client reads when a metric is made."""

    def __init__(self):
        from prometheus_client import Counter, Histogram
        self.requests = Counter("platform_http_requests", "HTTP requests answered by the gateway",
                                ["method", "route", "status"])
        self.duration = Histogram("platform_http_request_duration_seconds", "Time to answer an HTTP request",
                                  ["method", "route"], buckets=BUCKETS)


_metrics = []


def http_metrics():
    if not _metrics:
        _metrics.append(_HttpMetrics())
    return _metrics[0]


class Observability:
    """Falcon middleware, first in the list: request id, log context, access line and metrics."""

    def __init__(self):
        self.metrics = http_metrics()

    def process_request(self, req, resp):
        req.context.request_id = request_id_of(req)
        req.context.token = None
        req.context.identity = None
        req.context.started = time.perf_counter()
        logs.clear()
        logs.bind(request_id=req.context.request_id)

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.get("request_id") or "")
        started = req.context.get("started")
        if started is None:
            return
        elapsed = time.perf_counter() - started
        route, status = route_of(req), str(resp.status_code)
        self.metrics.requests.labels(req.method, route, status).inc()
        self.metrics.duration.labels(req.method, route).observe(elapsed)
        identity = req.context.get("identity")
        log.info("http request", extra={"method": req.method, "route": route, "status": int(status),
                                        "duration_ms": round(elapsed * 1000, 1),
                                        "account": getattr(identity, "sub", None)})
        logs.clear()


# ---------------------------------------------------------------------------- gunicorn's master
class GatewayLogger(GunicornLogger):
    """gunicorn's logger without its access log (``logger_class`` in gateway/gunicorn.conf.py): the
    gateway writes its own line per request (``http request`` above, with the route template), and
    gunicorn's would repeat it with the raw request line, query string included, which may carry a
    signed link. Its error log (``gunicorn.error``) is kept."""
    access_log_enabled = False   # gunicorn's ``access()`` then returns before building the line


def metrics_port(environ=None):
    return int((environ or os.environ).get("METRICS_PORT") or 0)


def prepare_workers(environ=None):
    """In gunicorn's configuration, before any worker starts: a clean folder for the workers'
    metrics (``PROMETHEUS_MULTIPROC_DIR``, made when not given) when metrics are served."""
    environ = os.environ if environ is None else environ
    if not metrics_port(environ):
        return None
    folder = environ.get(MULTIPROC)
    if not folder:
        folder = tempfile.mkdtemp(prefix="gateway-metrics-")
        _made_dir.append(folder)
        environ[MULTIPROC] = folder
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):        # numbers of an earlier run are not this run's
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))
    return folder


def serve_metrics(environ=None):
    """gunicorn's ``when_ready``: serve the sum of every worker's metrics on METRICS_PORT."""
    environ = os.environ if environ is None else environ
    port = metrics_port(environ)
    if not port or not environ.get(MULTIPROC):
        return None
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    address = environ.get("METRICS_ADDRESS") or "127.0.0.1"
    try:
        served = start_http_server(port, addr=address, registry=registry)
    except OSError as exc:   # the port is taken: the gateway still serves, its metrics are not read
        log.error("gateway metrics not served on %s:%d: %s", address, port, exc)
        return None
    log.info("gateway metrics served on http://%s:%d/metrics", address, port)
    return served


def worker_exited(pid):
    """gunicorn's ``child_exit``: a dead worker's live gauges leave the sum."""
    if os.environ.get(MULTIPROC):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(pid)


def cleanup():
    """gunicorn's ``on_exit``: the temporary folder made by :func:`prepare_workers` goes."""
    while _made_dir:
        shutil.rmtree(_made_dir.pop(), ignore_errors=True)
