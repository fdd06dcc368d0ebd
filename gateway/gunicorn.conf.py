"""gunicorn settings of the gateway: ``gunicorn -c gateway/gunicorn.conf.py 'gateway.app:get_app()'``.

GATEWAY_BIND (host:port, e.g. 0.0.0.0:8000 in containers) or 127.0.0.1:GATEWAY_PORT (default 8000);
GATEWAY_WORKERS sync workers (default 2). Each worker builds its own app and its own RPC client
(one broker connection and reply queue per worker, opened on its first call).
"""
import os

bind = os.environ.get("GATEWAY_BIND") or f"127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
workers = int(os.environ.get("GATEWAY_WORKERS", "2"))
worker_class = "sync"
preload_app = False
# a request may wait GATEWAY_RPC_TIMEOUT for a service, and a material upload takes as long as the
# client needs to send it: the worker must outlive both (a reverse proxy that buffers bodies helps)
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
