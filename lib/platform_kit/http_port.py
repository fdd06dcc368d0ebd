"""A service's own HTTP port (nameko's ``http`` entrypoint), for what the broker carries badly: intake's
material files (hundreds of megabytes, streamed) and the stage service's hot reads (answered without
the round trip through RabbitMQ).

The gateway is the only caller: it forwards the client's access token in ``Authorization``
(``Bearer <jwt>``), verified here with the same public key and rules as the RPC call context, the
request id in ``X-Request-Id`` (:class:`platform_kit.metrics.Metrics` binds it to the log lines) and,
for a write with an Idempotency-Key, its call key in ``X-Call-Key`` (platform_kit.calls: the write is
acted on once and a repeat of it gets the first response, as over RPC).
Errors are ``application/problem+json`` like the gateway's, so the gateway can pass them on.
"""
import json

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.wrappers import Response

from platform_kit.calls import CALL_KEY, CALL_KEY_HEADER, CallAnswered
from platform_kit.db import Database
from platform_kit.errors import PlatformError
from platform_kit.identity import VerifiedTokens, read_key


def problem(status, title, detail="", errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


def json_response(body, status=200):
    """`body`: already encoded JSON (bytes), or anything ``json.dumps`` takes."""
    if not isinstance(body, bytes):
        body = json.dumps(body, ensure_ascii=False).encode()
    return Response(body, status=status, mimetype="application/json")


class CallKeyWebServer(WebServer):
    """nameko's web server, giving a request's worker the call key it was sent (``X-Call-Key``)."""

    def context_data_from_headers(self, request):
        key = request.headers.get(CALL_KEY_HEADER)
        return {CALL_KEY: key} if key else {}


def response_answer(response):
    """A buffered response as the answer kept for a repeated call."""
    return {"status": response.status_code, "mimetype": response.mimetype, "body": response.get_data(as_text=True)}


def answer_response(answer):
    return Response(answer["body"], status=answer["status"], mimetype=answer["mimetype"])


class ProblemHttpRequestHandler(HttpRequestHandler):
    server = CallKeyWebServer()

    def __init__(self, method, url, expected_exceptions=(), **kwargs):
        if not isinstance(expected_exceptions, tuple):
            expected_exceptions = (expected_exceptions,)
        # a repeated write answered with the first one's response is no error (platform_kit.calls)
        super().__init__(method, url, expected_exceptions=expected_exceptions + (CallAnswered,), **kwargs)

    def setup(self):
        super().setup()
        self._databases = [d for d in self.container.dependencies if isinstance(d, Database)]

    def handle_result(self, event, worker_ctx, result, exc_info):
        """A keyed write's response is kept, and a repeated one answered with it (platform_kit.calls)."""
        for database in self._databases:
            result, exc_info = database.settle_call(worker_ctx, result, exc_info, response_answer, answer_response)
        return super().handle_result(event, worker_ctx, result, exc_info)

    def response_from_exception(self, exc):
        if isinstance(exc, PlatformError):
            return problem(exc.status, exc.title, exc.detail, exc.errors)
        if isinstance(exc, ClientDisconnected):
            return problem(400, "上传中断", "上传在完成前中断，未保存任何内容")
        if isinstance(exc, HTTPException):
            return problem(exc.code, exc.name, exc.description or "")
        return problem(500, "服务器内部错误", "请稍后重试")


http = ProblemHttpRequestHandler.decorator


class HeaderAuth(DependencyProvider):
    """``self.http_auth.identity(request, *roles)``: the caller of an HTTP request. A verified token
    is answered from memory for ``TOKEN_CACHE_SECONDS`` (default 60, never past its expiry), as
    :class:`platform_kit.identity.Auth` does for RPC calls."""

    def setup(self):
        public_key = read_key(self.container.config, "JWT_PUBLIC_KEY")
        self.tokens = VerifiedTokens(public_key, float(self.container.config.get("TOKEN_CACHE_SECONDS", 60)))

    def get_dependency(self, worker_ctx):
        return RequestAuth(self.tokens)


class RequestAuth:
    def __init__(self, tokens):
        self._tokens = tokens

    def identity(self, request, *roles):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        identity = self._tokens.verify(token.strip() if scheme.lower() == "bearer" else header.strip())
        if roles:
            identity.require(*roles)
        return identity


class HttpPortHealth:
    """Mixed into a service with an HTTP port: ``GET /health`` on the port answers that it is served (the
    gateway's ``/health`` asks it beside the service's RPC ``health``). Name it through the module
    (``http_port.HttpPortHealth``): ``nameko run`` would take a class with entrypoints imported into the
    service's module for a service of its own."""

    @http("GET", "/health")
    def http_health(self, request):
        return json_response({"service": self.name, "status": "ok"})


__all__ = ["http", "HeaderAuth", "RequestAuth", "ProblemHttpRequestHandler", "problem", "json_response"]
