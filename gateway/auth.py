"""At the door: the Bearer token checked once (the raw token then travels with every service call).
The request id is given by :mod:`gateway.observability`."""
from platform_kit.errors import Unauthenticated
from platform_kit.identity import VerifiedTokens


def bearer_token(req):
    header = req.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


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
