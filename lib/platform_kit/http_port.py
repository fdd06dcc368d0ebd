"""A service's own HTTP port (nameko's ``http`` entrypoint), for what the broker carries badly: intake's
material files (hundreds of megabytes, streamed) and the stage service's hot reads (answered without
the round trip through RabbitMQ).

The gateway is the only caller: it forwards the client's access token in ``Authorization``
(``Bearer <jwt>``), verified here with the same public key and rules as the RPC call context, and the
request id in ``X-Request-Id`` (:class:`platform_kit.metrics.Metrics` binds it to the log lines).
Errors are ``application/problem+json`` like the gateway's, so the gateway can pass them on.
"""
import json

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.wrappers import Response

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


class ProblemHttpRequestHandler(HttpRequestHandler):
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


__all__ = ["http", "HeaderAuth", "RequestAuth", "ProblemHttpRequestHandler", "problem", "json_response"]
