"""Which requests the gateway records, and what it records of each.

Recorded: logins (success and failure), token refreshes, logouts, password changes, every POST/PUT
under ``/accounts``, decisions on cases and stages, licence revocations, calendar and catalog loads,
every download (``GET .../content``) and every 401/403 answer. Each record holds the request id,
the client's address, the actor (account and role from the verified token, or the account a login
names), the method, the route template, the path's object ids, the status answered and the time;
never a body's password, token or code.
"""
import ipaddress
import logging

from platform_kit.identity import verify_token
from sqlalchemy import select

from gateway.accounts.book import token_digest
from gateway.accounts.tables import refresh_tokens

log = logging.getLogger(__name__)

EVENTS = {
    ("POST", "/auth/login"): "login",
    ("POST", "/auth/refresh"): "token_refresh",
    ("POST", "/auth/logout"): "logout",
    ("POST", "/auth/password"): "password_change",
    ("POST", "/cases/{case_id}/actions"): "case_action",
    ("POST", "/cases/{case_id}/special-handling"): "case_special_handling",
    ("POST", "/cases/{case_id}/extensions"): "case_extension",
    ("POST", "/stages/{stage_id}/extensions"): "stage_extension",
    ("POST", "/licences/{licence_id}/revocation"): "licence_revocation",
    ("POST", "/calendar/years"): "calendar_load",
    ("PUT", "/catalog"): "catalog_load",
    ("POST", "/complaints/{complaint_id}/assignment"): "complaint_assignment",
    ("POST", "/complaints/{complaint_id}/outcome"): "complaint_outcome",
    ("POST", "/accountability/{record_id}/decisions"): "accountability_decision",
    ("GET", "/province/attachments/{material_id}/versions/{version:int}/link"): "download_link",
    ("GET", "/province/files/{token}"): "download",
}
ACCOUNT_IN_BODY = ("/auth/login", "/auth/password")
ACCOUNT_BY_REFRESH_TOKEN = ("/auth/refresh", "/auth/logout")


def event_of(method, route, status):
    """The event name a request is recorded under, or None when it is not recorded."""
    if (method, route) in EVENTS:
        return EVENTS[(method, route)]
    if method in ("POST", "PUT") and (route == "/accounts" or route.startswith("/accounts/")):
        return "account_change"
    if method == "GET" and route.endswith("/content"):
        return "download"
    if status in (401, 403):
        return "access_denied"
    return None


def trusted_networks(text):
    """``GATEWAY_TRUSTED_PROXIES``: comma-separated addresses or networks (10.0.0.0/8, ::1)."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in (text or "").split(",")
                 if part.strip())


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer, forwarded_for, trusted):
    """The socket's peer; when that peer is a trusted proxy, the nearest X-Forwarded-For hop that is not."""
    peer = peer or ""
    if not trusted or not forwarded_for:
        return peer
    address = _address(peer)
    if address is None or not any(address in network for network in trusted):
        return peer
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:  # a malformed hop: trust nothing further left
            break
        client = str(address)
        if not any(address in network for network in trusted):
            break
    return client


class AuditMiddleware:
    """Falcon middleware; put it after RequestId and before Authentication."""

    def __init__(self, trail, public_key, trusted_proxies=(), token_engine=None):
        self.trail = trail
        self.public_key = public_key
        self.trusted = tuple(trusted_proxies)
        self.token_engine = token_engine or trail.engine  # where refresh tokens are (the same database)

    def process_resource(self, req, resp, resource, params):
        req.context.audit_params = dict(params or {})
        # the client as recorded, also what a per-client rate limit counts (anonymous complaints)
        req.context.client = client_address(req.remote_addr, req.get_header("X-Forwarded-For"), self.trusted)

    def process_response(self, req, resp, resource, req_succeeded):
        route = req.uri_template or ""
        status = resp.status_code
        event = event_of(req.method, route, status) if route else None
        if event is None:
            return
        try:
            actor, role, source = self._actor(req, resp, route, status)
            self.trail.append({
                "request_id": req.context.get("request_id") or "", "event": event,
                "client": client_address(req.remote_addr, req.get_header("X-Forwarded-For"), self.trusted)[:64],
                "actor": actor, "actor_source": source, "role": role, "method": req.method, "route": route[:200],
                "object_ids": {k: v for k, v in (req.context.get("audit_params") or {}).items()},
                "status": status})
        except Exception:  # the answer is already decided; the failure must be seen by operators
            log.exception("AUDIT RECORD NOT WRITTEN: %s %s -> %s (request %s)", req.method, route, status,
                          req.context.get("request_id"))

    def _actor(self, req, resp, route, status):
        identity = req.context.get("identity")
        if identity is not None:
            return identity.sub, identity.role, "token"
        if route in ("/auth/login", "/auth/refresh") and status == 200 and isinstance(resp.media, dict):
            try:  # the identity the gateway has just issued a token for
                issued = verify_token(resp.media.get("access_token"), self.public_key)
                return issued.sub, issued.role, "issued_token"
            except Exception:
                pass
        if route in ACCOUNT_IN_BODY:
            account = self._body_account(req)
            return (account, None, "login_body") if account else (None, None, None)
        if route in ACCOUNT_BY_REFRESH_TOKEN:
            account = self._refresh_token_account(req)
            return (account, None, "refresh_token") if account else (None, None, None)
        return None, None, None

    def _body_account(self, req):
        try:
            body = req.get_media(default_when_empty=None)
        except Exception:
            return None
        account = body.get("account") if isinstance(body, dict) else None
        return account[:64] if isinstance(account, str) and account else None

    def _refresh_token_account(self, req):
        try:
            body = req.get_media(default_when_empty=None)
            token = body.get("refresh_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                return None
            with self.token_engine.connect() as conn:
                return conn.execute(select(refresh_tokens.c.account)
                                    .where(refresh_tokens.c.token_hash == token_digest(token))).scalar()
        except Exception:
            return None
