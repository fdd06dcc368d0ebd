"""The gateway's Falcon application.

``create_app(settings, rpc, ...)`` takes its collaborators (the service caller, the account book)
so tests can build it around what they need; ``get_app()`` is what gunicorn runs
(``gunicorn -c gateway/gunicorn.conf.py 'gateway.app:get_app()'``): settings from the environment,
one :class:`~gateway.rpc.RpcClient` per worker process (its threads' calls overlap), connected on
first use.
"""
import logging
import os

import falcon

from gateway import openapi, problems, resources, web
from gateway.bodies import JsonHandler
from gateway.accounts import http as accounts_http
from gateway.accounts import province
from gateway.accounts.book import AccountBook
from gateway.accounts.sessions import SessionCheck
from gateway.audit.middleware import AuditMiddleware, trusted_networks
from gateway.audit.trail import AuditTrail
from gateway.auth import Authentication
from gateway.idempotency import IdempotencyStore
from gateway.observability import Observability
from gateway.read_ports import read_ports
from gateway.routes import OPERATIONS
from gateway.rpc import RpcClient
from gateway.settings import Settings
from gateway.slow_clients import BodyDeadline
from gateway.uploads import IntakeHttp
from platform_kit.logs import configure as configure_logs

log = logging.getLogger(__name__)

_clients = []  # RPC clients and read ports made by get_app() in this process, closed when the worker exits


def create_app(settings, rpc, book=None, uploads=None, audit=None, trusted_proxies=(), web_root=None,
               read_ports=None):
    """The application around `rpc` (anything with ``call(service, method, args, token=, timeout=)``).

    `uploads` (a :class:`gateway.uploads.IntakeHttp`) streams material files to and from intake's HTTP
    port; without it they travel base64 inside RPC messages. `audit` (a
    :class:`gateway.audit.trail.AuditTrail`, default: on the gateway's database) keeps the audit
    trail; `trusted_proxies` are the networks whose X-Forwarded-For names the client. `web_root`, when
    it holds a build of the front end, is served under /web/. `read_ports` ({service:
    :class:`gateway.read_ports.ReadPort`}) answer the operations marked ``http_read`` of their service;
    without one such a read goes by RPC.
    """
    book = book or AccountBook(settings)
    json_handler = JsonHandler()
    audit = audit or AuditTrail(settings.database_url)
    app = falcon.App(middleware=[Observability(), AuditMiddleware(audit, settings.public_key, trusted_proxies,
                                                              token_engine=book.engine),
                                 Authentication(settings.public_key,
                                                SessionCheck(book, settings.session_check_seconds),
                                                settings.token_cache_seconds),
                                 province.ProvinceReadOnly()],
                    cors_enable=False)
    app.req_options.media_handlers.update({falcon.MEDIA_JSON: json_handler})
    app.resp_options.media_handlers.update({falcon.MEDIA_JSON: json_handler})
    app.req_options.strip_url_path_trailing_slash = True
    problems.install(app)

    idempotency = IdempotencyStore(book.engine)
    by_path = {}
    for op in OPERATIONS:
        by_path.setdefault(op.path, []).append(op)
    for path, operations in by_path.items():
        app.add_route(path, resources.forward_resource(operations, rpc, settings, idempotency, uploads, read_ports))

    app.add_route("/auth/login", accounts_http.Login(book))
    app.add_route("/auth/refresh", accounts_http.Refresh(book))
    app.add_route("/auth/logout", accounts_http.Logout(book))
    app.add_route("/auth/password", accounts_http.Password(book))
    app.add_route("/auth/totp/enrolment", accounts_http.TotpEnrolment(book))
    app.add_route("/auth/totp/confirmation", accounts_http.TotpConfirmation(book))
    app.add_route("/auth/certificate/challenge", accounts_http.CertificateChallenge(book))
    app.add_route("/auth/certificate/login", accounts_http.CertificateLogin(book))
    app.add_route("/accounts", accounts_http.Accounts(book))
    account = accounts_http.Account(book)
    app.add_route("/accounts/{account}", account)
    app.add_route("/accounts/{account}/log", account, suffix="log")
    app.add_route("/accounts/{account}/unlock", account, suffix="unlock")
    app.add_route("/accounts/{account}/password-reset", account, suffix="password_reset")
    app.add_route("/accounts/{account}/deactivation", account, suffix="deactivation")
    app.add_route("/accounts/{account}/activation", account, suffix="activation")
    app.add_route("/accounts/{account}/changes", account, suffix="changes")
    app.add_route("/accounts/{account}/totp-reset", account, suffix="totp_reset")
    certificates = accounts_http.Certificates(book)
    app.add_route("/accounts/{account}/certificates", certificates)
    app.add_route("/accounts/{account}/certificates/{serial}/revocation", certificates, suffix="revocation")
    app.add_route(province.LINK_PATH, province.AttachmentLink(settings))
    app.add_route(province.FILE_PATH, province.SignedFile(settings, rpc, uploads))
    ports = {f"{service}-http": port for service, port in (read_ports or {}).items()}
    if uploads is not None:
        ports["intake-http"] = uploads
    app.add_route("/health", resources.Health(rpc, settings, ports))
    app.add_route("/openapi.json", resources.OpenApi(openapi.served()))
    if web_root is not None:
        web.install(app, web_root)
    return app


def get_app():
    configure_logs("gateway")   # JSON lines, as every service writes them
    settings = Settings.from_env()
    rpc = RpcClient(settings.amqp_uri, timeout=settings.rpc_timeout)
    _clients.append(rpc)
    uploads = None
    if settings.intake_http_address:
        uploads = IntakeHttp(settings.intake_http_address, timeout=settings.rpc_timeout)
    ports = read_ports(settings)
    _clients.extend(ports.values())
    app = create_app(settings, rpc, uploads=uploads,
                     trusted_proxies=trusted_networks(os.environ.get("GATEWAY_TRUSTED_PROXIES")),
                     web_root=web.root_from(os.environ), read_ports=ports)
    return BodyDeadline(app, settings.body_timeout, settings.body_min_rate)


def close_clients():
    while _clients:
        _clients.pop().close()
