"""The intake service's one HTTP entrypoint: streamed material uploads.

A scanned drawing set can be hundreds of megabytes; through RPC it would travel base64-encoded in
one message and sit in memory twice. The gateway forwards such uploads here instead, body unchanged,
and intake writes them to storage chunk by chunk while hashing and checking them.

Errors are ``application/problem+json`` like the gateway's, so the gateway can pass them through.
The caller's access token comes in the ``Authorization`` header (``Bearer <jwt>``) and is verified
with the same public key and rules as the RPC call context.
"""
import json
from urllib.parse import quote

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import ClientDisconnected, HTTPException
from werkzeug.wrappers import Response

from platform_kit.errors import PlatformError
from platform_kit.identity import read_key, verify_token

CHUNK = 1 << 16


def problem(status, title, detail="", errors=None):
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return Response(json.dumps(body, ensure_ascii=False), status=status, mimetype="application/problem+json")


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
    """``self.http_auth.identity(request, *roles)``: the caller of an HTTP request."""

    def setup(self):
        self.public_key = read_key(self.container.config, "JWT_PUBLIC_KEY")

    def get_dependency(self, worker_ctx):
        return RequestAuth(self.public_key)


class RequestAuth:
    def __init__(self, public_key):
        self._public_key = public_key

    def identity(self, request, *roles):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        identity = verify_token(token.strip() if scheme.lower() == "bearer" else header.strip(), self._public_key)
        if roles:
            identity.require(*roles)
        return identity


def content_disposition(view):
    """``attachment`` with the material's Chinese name (RFC 6266 / 5987 filename*)."""
    extension = {"application/pdf": ".pdf", "application/ofd": ".ofd", "image/jpeg": ".jpg",
                 "image/png": ".png"}.get(view["content_type"], "")
    name = quote(f"{view['name']}-v{view['version']}{extension}")
    return f"attachment; filename=\"material{extension}\"; filename*=UTF-8''{name}"


def body_chunks(request, size=CHUNK):
    """The request body in chunks, never whole, with Content-Length or chunked transfer encoding.

    An upload cut off midway raises ClientDisconnected: werkzeug's limited stream does when the body
    ends before its Content-Length; eventlet's chunked reader fails on a chunk that never ends.
    """
    chunked = request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    # eventlet does not set wsgi.input_terminated, so werkzeug would hide a chunked body: read it raw.
    stream = request.environ["wsgi.input"] if chunked else request.stream
    while True:
        try:
            chunk = stream.read(size)
        except (ValueError, OSError) as exc:
            raise ClientDisconnected() from exc
        if not chunk:
            return
        yield chunk
