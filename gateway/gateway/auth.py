"""Bearer tokens checked once at the door; the raw token then travels with every service call."""
from platform_kit.errors import Unauthenticated
from platform_kit.identity import verify_token


def bearer_token(req):
    header = req.get_header("Authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class Authentication:
    """Verifies the caller's access token (EdDSA only, expiry, audience, issuer) on every route a
    resource does not list in its ``public_methods``."""

    def __init__(self, public_key):
        self.public_key = public_key

    def process_resource(self, req, resp, resource, params):
        req.context.token = None
        req.context.identity = None
        if resource is None:  # unknown route: Falcon answers 404
            return
        token = bearer_token(req)
        if req.method in getattr(resource, "public_methods", ()) or req.method == "OPTIONS":
            return
        if token is None:
            raise Unauthenticated("缺少访问令牌（Authorization: Bearer ...）")
        req.context.identity = verify_token(token, self.public_key)
        req.context.token = token
