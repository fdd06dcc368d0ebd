"""The services' HTTP read ports: reads answered by a service's own HTTP port instead of an RPC
through the broker (an :class:`~gateway.operation.Operation` with ``http_read``; the stage service's
``STAGE_HTTP_ADDRESS``).

The gateway calls the port as the caller (their token in ``Authorization``, the request id in
``X-Request-Id``) on keep-alive connections it keeps per worker process, and passes the answer's
bytes on as they come: the service built, checked and encoded them. A refusal comes back as
``application/problem+json`` and is raised as the same error an RPC would have raised. A port
that does not answer is a 503, one that answers too late a 504, as for an RPC.
"""
import json
import os
from urllib.parse import quote, urlencode

import urllib3

from gateway.rpc import RemoteFailure, RpcTimeout, ServiceUnavailable
from platform_kit.errors import (Conflict, Forbidden, NotFound, PlatformError, Unauthenticated,
                                 ValidationFailed)
from platform_kit.logs import current_request_id

PROBLEM_CLASSES = {401: Unauthenticated, 403: Forbidden, 404: NotFound, 409: Conflict, 422: ValidationFailed}
SERVICE_NAMES = {"stage": "审批阶段服务", "intake": "受理服务"}


def raise_refusal(status, body, text=""):
    """The error a service's problem answer `body` (its decoded JSON, or None) stands for."""
    if status < 500 and isinstance(body, dict):
        cls = PROBLEM_CLASSES.get(status, PlatformError)
        error = cls(body.get("detail") or "", body.get("errors"))
        if cls is PlatformError:
            error.status = status
        raise error
    raise RemoteFailure(f"HTTP {status}", text[:500])


def request_id_header():
    """The HTTP request's id, for the service's log lines (gateway.observability binds it)."""
    request_id = current_request_id()
    return {"X-Request-Id": request_id} if request_id else {}


class ReadPort:
    """One service's read port at `address` (host:port). Thread-safe: the gthread workers' threads
    share its connections (at most `connections` kept open)."""

    def __init__(self, service, address, timeout=30.0, connections=32):
        host, _, port = address.rpartition(":")
        self.service = service
        self.label = SERVICE_NAMES.get(service, service)
        self.timeout = timeout
        # a connection refused is tried once more (a replica restarting behind the Service); a kept
        # connection the service has closed is seen as dropped and replaced before it is used; a
        # request that was sent is never sent again, so an answer never takes more than `timeout`
        self.pool = urllib3.HTTPConnectionPool(
            host, int(port), maxsize=connections, block=False,
            timeout=urllib3.Timeout(connect=5.0, read=timeout),
            retries=urllib3.Retry(total=1, connect=1, read=0, status=0, redirect=0, raise_on_status=False))

    def get(self, path, params, query, token):
        """The answer's bytes to GET `path` (a Falcon template) with `params` and the `query`."""
        url = path.format(**{name: quote(str(value), safe="") for name, value in params.items()})
        if query:
            url += "?" + urlencode(query)
        headers = {"Accept": "application/json", **request_id_header()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.pool.request("GET", url, headers=headers, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            cause = exc.reason if isinstance(exc, urllib3.exceptions.MaxRetryError) else exc
            if isinstance(cause, urllib3.exceptions.ReadTimeoutError):
                raise RpcTimeout(f"{self.label}在 {self.timeout:g} 秒内没有响应") from None
            raise ServiceUnavailable(f"{self.label}不可用: {type(cause).__name__}") from None
        if response.status == 200:
            return response.data
        try:
            body = json.loads(response.data)
        except ValueError:
            body = None
        raise_refusal(response.status, body, response.data.decode("utf-8", "replace"))

    def ping(self, timeout):
        """True when the port answers its ``GET /health`` within `timeout` seconds; else the reason."""
        return ping(self.pool, "/health", timeout)

    def close(self):
        self.pool.close()


def ping(pool, path, timeout):
    try:
        response = pool.request("GET", path, timeout=urllib3.Timeout(connect=timeout, read=timeout),
                                retries=False, preload_content=True)
    except urllib3.exceptions.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    return True if response.status == 200 else f"HTTP {response.status}"


def read_ports(settings):
    """The read ports configured in `settings`: {service: ReadPort}."""
    ports = {}
    # as many kept connections as a worker has threads (gateway/gunicorn.conf.py)
    connections = int(os.environ.get("GATEWAY_THREADS") or 32)
    if settings.stage_http_address:
        ports["stage"] = ReadPort("stage", settings.stage_http_address, settings.rpc_timeout, connections)
    return ports
