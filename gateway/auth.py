"""At the door: a request id for every request, and the Bearer token checked once (the raw token
then travels with every service call)."""
import re
import uuid

from platform_kit.errors import Unauthenticated
from platform_kit.identity import VerifiedTokens


def bearer_token(req):
    header = req.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestId:
    """Keeps the caller's X-Request-Id (when sane) or makes one; answered back and sent to services."""

    def process_request(self, req, resp):
        given = req.get_header("X-Request-Id") or ""
        req.context.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        req.context.token = None
        req.context.identity = None

    def process_response(self, req, resp, resource, req_succeeded):
        resp.set_header("X-Request-Id", req.context.get("request_id") or "")


class Authentication:
    """Verifies the caller's access token (EdDSA only, expiry, audience, issuer) on every route a
    resource does not list in its ``public_methods``, and that its session has not ended
    (`sessions`: a :class:`gateway.accounts.sessions.SessionCheck`). A token's signature is checked
    once per `token_cache_seconds` (:class:`platform_kit.identity.VerifiedTokens`; 0: on every
    request); its session on every request."""

    def __init__(self, public_key, sessions=None, token_cache_seconds=60.0):
        self.public_key = public_key
        self.sessions = sessions
        self.tokens = VerifiedTokens(public_key, token_cache_seconds)

    def process_resource(self, req, resp, resource, params):
        if resource is None:  # unknown route: Falcon answers 404
            return
        token = bearer_token(req)
        if req.method in getattr(resource, "public_methods", ()) or req.method == "OPTIONS":
            return
        if token is None:
            raise Unauthenticated("缺少访问令牌（Authorization: Bearer ...）")
        identity = self.tokens.verify(token)
        if self.sessions is not None:
            self.sessions.check(identity)
        req.context.identity = identity
        req.context.token = token
