"""gunicorn settings of the gateway: ``gunicorn -c gateway/gunicorn.conf.py 'gateway.app:get_app()'``.

GATEWAY_BIND (host:port, e.g. 0.0.0.0:8000 in containers) or 127.0.0.1:GATEWAY_PORT (default 8000);
Workers: GATEWAY_WORKERS processes (default 2, one per core), each building its own app and its own RPC
client (one reply queue per worker, read by one thread, opened on its first call), shared by its
threads. GATEWAY_WORKER_CLASS (default ``gthread``) serves GATEWAY_THREADS requests at once per worker
(default 32) over keep-alive connections: a slow service, a slow client or a waiting retry holds one
thread, not the worker, so /health keeps answering (``sync``: one request at a time per worker). A
request body must arrive within GATEWAY_BODY_TIMEOUT (gateway.slow_clients); the request line and
headers within gunicorn's own bound. Logs are JSON lines (platform_kit.logs; LOG_FORMAT=console for
reading); with METRICS_PORT the master serves the workers' metrics on that port
(gateway.observability), never on the gateway's own.
"""
import os

from gateway import observability
from platform_kit.logs import dict_config

bind = os.environ.get("GATEWAY_BIND") or f"127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
# --- worker model (see the docstring; README "Performance of reads") ---
worker_class = os.environ.get("GATEWAY_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GATEWAY_THREADS", "32"))
worker_connections = int(os.environ.get("GATEWAY_WORKER_CONNECTIONS", "1000"))
# --- end of the worker model ---
preload_app = False
# the threaded worker's main loop beats while its threads wait, so this bounds a stuck worker, not a
# request; a request is bounded by GATEWAY_RPC_TIMEOUT and GATEWAY_BODY_TIMEOUT
timeout = int(os.environ.get("GATEWAY_WORKER_TIMEOUT") or max(120, int(float(os.environ.get(
    "GATEWAY_RPC_TIMEOUT", "30"))) + 30))
graceful_timeout = 20
# an idle keep-alive connection is closed after this: longer than a proxy's or client's own idle
# timeout (60 s is common), so a client seldom sends on a connection the gateway is just closing
keepalive = int(os.environ.get("GATEWAY_KEEPALIVE", "65"))
# the gateway's middleware writes one line per request, with its request id and route template;
# gunicorn writes none (its logger without the access log)
accesslog = None
logger_class = "gateway.observability.GatewayLogger"
errorlog = "-"
loglevel = os.environ.get("GATEWAY_LOG_LEVEL", "info")
logconfig_dict = dict_config("gateway", loglevel.upper())
observability.prepare_workers()
proc_name = "approval-gateway"


def when_ready(server):
    observability.serve_metrics()


def child_exit(server, worker):
    observability.worker_exited(worker.pid)


def on_exit(server):
    observability.cleanup()


def worker_exit(server, worker):
    from gateway.app import close_clients
    close_clients()
