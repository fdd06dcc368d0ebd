"""The provincial platform's account (role ``province``, 001 §10): it reads any case's details and
downloads the case's attachments through expiring signed links, and nothing else.

- :class:`ProvinceReadOnly` (middleware, after authentication) refuses it every route but its own
  reads (403), whatever the method: every write route answers 403.
- ``GET /province/attachments/{material_id}/versions/{version}/link`` answers a link signed with the
  gateway's key (Ed25519, audience ``attachment-link``) that expires after ``GATEWAY_LINK_SECONDS``
  (default 300); ``GET /province/files/{token}`` (no login) streams the file while the link is valid.
  Both are recorded in the audit trail (``download_link``, ``download``) with the account.
"""
import base64
import os
from datetime import datetime, timedelta, timezone

import falcon
import jwt

from platform_kit.errors import Forbidden
from platform_kit.identity import ISSUER, OPERATOR, PROVINCE, Identity, issue_token

LINK_AUDIENCE = "attachment-link"
LINK_PATH = "/province/attachments/{material_id}/versions/{version:int}/link"
FILE_PATH = "/province/files/{token}"
# what the province account may open besides its own login session
PROVINCE_ROUTES = {
    ("GET", "/cases/{case_id}"), ("GET", "/projects/{code}/materials"), ("GET", LINK_PATH), ("GET", FILE_PATH),
    ("POST", "/auth/refresh"), ("POST", "/auth/logout"), ("POST", "/auth/password"),
}


class ProvinceReadOnly:
    def process_resource(self, req, resp, resource, params):
        identity = req.context.get("identity")
        if identity is None or identity.role != PROVINCE or req.method == "OPTIONS":
            return
        if (req.method, req.uri_template) not in PROVINCE_ROUTES:
            raise Forbidden("省级平台账号只能查看办件详情和下载其附件")


def link_seconds():
    return int(os.environ.get("GATEWAY_LINK_SECONDS", "300"))


class AttachmentLink:
    """A signed link to one material version, for the province (or the operator checking the link)."""

    def __init__(self, settings):
        self.settings = settings

    def on_get(self, req, resp, material_id, version):
        identity = req.context.identity
        if identity.role not in (PROVINCE, OPERATOR):
            raise Forbidden("只有省级平台账号可以获取附件下载链接")
        expires = datetime.now(timezone.utc) + timedelta(seconds=link_seconds())
        token = jwt.encode({"sub": identity.sub, "role": identity.role, "name": identity.name,
                            "region": identity.region, "mid": material_id, "ver": version, "iss": ISSUER,
                            "aud": LINK_AUDIENCE, "exp": expires}, self.settings.private_key, algorithm="EdDSA")
        resp.set_header("Cache-Control", "no-store")
        resp.media = {"url": f"/province/files/{token}", "expires_at": expires.isoformat(timespec="seconds")}


class SignedFile:
    public_methods = {"GET"}

    def __init__(self, settings, rpc, uploads=None):
        self.settings, self.rpc, self.uploads = settings, rpc, uploads

    def on_get(self, req, resp, token):
        req.context.audit_params = {}      # the link itself is not kept in the trail
        try:
            claims = jwt.decode(token, self.settings.public_key, algorithms=["EdDSA"], audience=LINK_AUDIENCE,
                                issuer=ISSUER, options={"require": ["exp", "aud", "iss", "sub"]})
        except jwt.ExpiredSignatureError:
            raise Forbidden("下载链接已过期，请重新获取") from None
        except jwt.InvalidTokenError:
            raise Forbidden("下载链接无效") from None
        holder = Identity(sub=claims["sub"], role=claims["role"], name=claims.get("name") or "",
                          region=claims.get("region"))
        req.context.identity = holder       # recorded in the audit trail as the one who downloads
        req.context.audit_params = {"material_id": claims["mid"], "version": claims["ver"]}
        access = issue_token(self.settings.private_key, holder, ttl_seconds=60)
        resp.set_header("Cache-Control", "no-store")
        if self.uploads is not None:
            upstream = self.uploads.download(claims["mid"], claims["ver"], access)
            resp.content_type = upstream.headers.get("Content-Type", "application/octet-stream")
            for name in ("Content-Length", "Content-Disposition"):
                if upstream.headers.get(name):
                    resp.set_header(name, upstream.headers[name])
            resp.stream = upstream.raw
            return
        found = self.rpc.call("intake", "get_material_content", (claims["mid"], claims["ver"]), token=access,
                              request_id=req.context.request_id)
        resp.content_type = found.get("content_type") or "application/octet-stream"
        resp.data = base64.b64decode(found["content_base64"])
        resp.status = falcon.HTTP_200
