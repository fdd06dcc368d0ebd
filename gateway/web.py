"""The built web front end (``web/dist``), served under ``/web/`` beside the API.

Every path under ``/web/`` that is not a file is answered with ``index.html`` so that the front end's
own routes survive a reload. Hashed assets are cached for a year; ``index.html`` is revalidated on
each visit, so a new build is picked up at once. The pages get a content security policy that allows
nothing from outside this origin (fonts and scripts are bundled).
"""
from pathlib import Path

import falcon

PREFIX = "/web"
DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "web" / "dist"
POLICY = ("default-src 'self'; img-src 'self' data: blob:; frame-src 'self' blob:; object-src 'none'; "
          "style-src 'self' 'unsafe-inline'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
TEXTUAL = ("application/javascript", "application/json", "image/svg+xml")


class Home:
    """``/`` takes a person to the portal."""

    public_methods = ("GET",)

    def on_get(self, req, resp):
        raise falcon.HTTPFound(f"{PREFIX}/")


class WebHeaders:
    """Caching and security headers on the front end's files."""

    def process_response(self, req, resp, resource, req_succeeded):
        if not req.path.startswith(PREFIX):
            return
        kind = resp.content_type or ""
        if (kind.startswith("text/") or kind in TEXTUAL) and "charset" not in kind:
            resp.content_type = f"{kind}; charset=utf-8"
        resp.set_header("Content-Security-Policy", POLICY)
        resp.set_header("X-Content-Type-Options", "nosniff")
        resp.set_header("Referrer-Policy", "same-origin")
        if req.path.startswith(f"{PREFIX}/assets/") and resp.status == falcon.HTTP_200:
            resp.set_header("Cache-Control", "public, max-age=31536000, immutable")
        else:
            resp.set_header("Cache-Control", "no-cache")


def root_from(environ):
    """The folder of the built files: ``GATEWAY_WEB_ROOT``, else the checkout's ``web/dist``."""
    configured = environ.get("GATEWAY_WEB_ROOT")
    return Path(configured) if configured else DEFAULT_ROOT


def install(app, root):
    """Serves `root` under /web/ when it holds a build; answers nothing extra otherwise."""
    root = Path(root)
    if not (root / "index.html").is_file():
        return False
    app.add_middleware(WebHeaders())
    app.add_route("/", Home())
    app.add_static_route(PREFIX, str(root), fallback_filename="index.html")
    return True
