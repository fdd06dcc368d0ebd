"""The intake service's one HTTP entrypoint: streamed material uploads.

A scanned drawing set can be hundreds of megabytes; through RPC it would travel base64-encoded in
one message and sit in memory twice. The gateway forwards such uploads here instead, body unchanged,
and intake writes them to storage chunk by chunk while hashing and checking them.

The port itself (errors as ``application/problem+json``, the caller's token from ``Authorization``)
is :mod:`platform_kit.http_port`.
"""
from urllib.parse import quote

from werkzeug.exceptions import ClientDisconnected

CHUNK = 1 << 16


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
