"""gunicorn settings of the gateway: ``gunicorn -c gateway/gunicorn.conf.py 'gateway.app:get_app()'``.

GATEWAY_BIND (host:port, e.g. 0.0.0.0:8000 in containers) or 127.0.0.1:GATEWAY_PORT (default 8000);
GATEWAY_WORKERS threaded workers (default 2) of GATEWAY_THREADS threads each (default 32). Each worker
builds its own app and its own RPC client (one reply queue per worker, read by one thread, opened on
its first call), shared by its threads: a slow service, a slow client or a waiting retry holds one
thread, not the worker, so /health keeps answering. A request body must arrive within
GATEWAY_BODY_TIMEOUT (gateway.slow_clients); the request line and headers within gunicorn's own bound.
"""
import os

bind = os.environ.get("GATEWAY_BIND") or f"127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GATEWAY_THREADS", "32"))
preload_app = False
# the threaded worker's main loop beats while its threads wait, so this bounds a stuck worker, not a
# request; a request is bounded by GATEWAY_RPC_TIMEOUT and GATEWAY_BODY_TIMEOUT
timeout = int(os.environ.get("GATEWAY_WORKER_TIMEOUT") or max(120, int(float(os.environ.get(
    "GATEWAY_RPC_TIMEOUT", "30"))) + 30))
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GATEWAY_LOG_LEVEL", "info")
proc_name = "approval-gateway"


def worker_exit(server, worker):
    from gateway.app import close_clients
    close_clients()
