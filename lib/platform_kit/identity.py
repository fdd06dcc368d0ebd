"""Who is calling: access tokens issued by the gateway, verified again by every service.

Tokens are Ed25519-signed JWTs (algorithm fixed to EdDSA). The gateway holds the private key;
services hold only the public key, so no service can mint an identity. The gateway forwards the
caller's token in the nameko call context (``authorization``); the ``Auth`` dependency verifies it
inside the service before any rule is applied.
"""
import functools
import hashlib
import re
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from nameko.extensions import DependencyProvider

from platform_kit.contracts import Actor
from platform_kit.errors import Forbidden, Unauthenticated

ALGORITHMS = ["EdDSA"]
AUDIENCE = "approval-platform"
ISSUER = "approval-gateway"
CONTEXT_KEY = "authorization"

APPLICANT, CLERK, OFFICER, DEPT_ADMIN, SUPERVISOR, OPERATOR = (
    "applicant", "clerk", "officer", "dept_admin", "supervisor", "operator")
# the provincial platform's account (001 §10): reads any case's details and downloads its attachments
# through expiring signed links, nothing else (the gateway refuses it every other route)
PROVINCE = "province"
ROLES = (APPLICANT, CLERK, OFFICER, DEPT_ADMIN, SUPERVISOR, OPERATOR, PROVINCE)


DIVISION = re.compile(r"\d{6}")


def region_prefix(territory):
    """What the division codes inside `territory` start with (GB/T 2260): a province ``41xxxx`` for
    ``410000``, a city's counties and districts ``4108xx`` for ``410800``, a county only itself. None
    for something that is not a division code."""
    if not territory or not DIVISION.fullmatch(territory):
        return None
    if territory.endswith("0000"):
        return territory[:2]
    if territory.endswith("00"):
        return territory[:4]
    return territory


def within_region(region, territory):
    """True when division `region` lies in `territory` (itself, or a place of the city or province)."""
    prefix = region_prefix(territory)
    return bool(prefix) and bool(region) and DIVISION.fullmatch(region) is not None and region.startswith(prefix)


@dataclass(frozen=True)
class Identity:
    sub: str
    role: str
    name: str
    department: str = None   # officers and department admins
    region: str = None       # administrative division code of the department or applicant
    org: str = None          # applicant's unified social credit code
    steps: tuple = ()        # case steps an officer is named for (000 §15)
    amr: tuple = ()          # how the holder logged in (RFC 8176): ("pwd",), ("pwd", "otp") or ("cert",)
    cert: str = None         # serial (hex) of the certificate a ``cert`` login was made with (004 §19)
    sid: str = None          # the session (refresh-token family) the token belongs to

    def actor(self):
        return Actor(id=self.sub, role=self.role, department=self.department, region=self.region)

    def require(self, *roles):
        if self.role not in roles:
            raise Forbidden(f"角色 {self.role} 无权执行此操作")
        return self

    def claims(self):
        data = asdict(self)
        data["steps"] = list(self.steps)
        data["amr"] = list(self.amr)
        return data


def issue_token(private_key_pem, identity, ttl_seconds=900, now=None):
    now = now or datetime.now(timezone.utc)
    claims = identity.claims()
    claims.update({"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + timedelta(seconds=ttl_seconds)})
    return jwt.encode(claims, private_key_pem, algorithm="EdDSA")


def verify_token(token, public_key_pem):
    """The caller's identity, or Unauthenticated saying in Chinese what is wrong: never the text of
    the JWT or cryptography library (which quotes the bytes it could not read)."""
    if not token:
        raise Unauthenticated("缺少访问令牌")
    try:
        claims = jwt.decode(token, _public_key(public_key_pem), algorithms=ALGORITHMS, audience=AUDIENCE,
                            issuer=ISSUER, options={"require": ["exp", "aud", "iss", "sub"]})
        return Identity(sub=claims["sub"], role=claims["role"], name=claims.get("name", ""),
                        department=claims.get("department"), region=claims.get("region"),
                        org=claims.get("org"), steps=tuple(claims.get("steps") or ()),
                        amr=tuple(claims.get("amr") or ()), cert=claims.get("cert"), sid=claims.get("sid"))
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("访问令牌已过期") from None
    except jwt.ImmatureSignatureError:
        raise Unauthenticated("访问令牌尚未生效") from None
    except jwt.InvalidSignatureError:
        raise Unauthenticated("访问令牌签名无效") from None
    except (jwt.InvalidAudienceError, jwt.InvalidIssuerError):
        raise Unauthenticated("访问令牌不是本平台签发的") from None
    except jwt.MissingRequiredClaimError:
        raise Unauthenticated("访问令牌缺少必需的声明") from None
    except jwt.InvalidAlgorithmError:
        raise Unauthenticated("访问令牌的签名算法不被接受") from None
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError):
        # malformed: not three base64url segments, not UTF-8, not JSON objects, claims of the wrong type
        raise Unauthenticated("访问令牌无效") from None


@functools.lru_cache(maxsize=8)
def _public_key(pem):
    """The PEM text parsed once (PyJWT would parse a PEM string again on every decode); text that
    is no key is given to PyJWT as it is, which refuses it as before."""
    if not isinstance(pem, str):
        return pem
    try:
        return serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        return pem


class VerifiedTokens:
    """Tokens verified recently, by the SHA-256 of their text: ``verify(token)`` answers a token seen
    within `seconds` without checking its signature again, never past the token's own expiry.

    At most `size` tokens are kept (the oldest go first). Only a token that verified is kept, and only
    its identity: whether its session is still live is checked by the caller on every request."""

    def __init__(self, public_key_pem, seconds=60.0, size=10_000, clock=time.time):
        self.public_key_pem = public_key_pem
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._lock = threading.Lock()
        self._kept = {}     # digest -> (identity, until); insertion order is age

    def verify(self, token):
        if not token or self.seconds <= 0 or self.size <= 0:
            return verify_token(token, self.public_key_pem)
        digest = hashlib.sha256(token.encode()).digest()
        now = self.clock()
        kept = self._kept.get(digest)
        if kept is not None and now < kept[1]:
            return kept[0]
        identity = verify_token(token, self.public_key_pem)
        expiry = jwt.decode(token, options={"verify_signature": False})["exp"]
        with self._lock:
            self._kept.pop(digest, None)
            while len(self._kept) >= self.size:
                self._kept.pop(next(iter(self._kept)))
            self._kept[digest] = (identity, min(float(expiry), now + self.seconds))
        return identity


def read_key(config, name):
    """A PEM key from config: ``<name>`` (the PEM text) or ``<name>_FILE`` (a path)."""
    if config.get(name):
        return config[name]
    path = config.get(f"{name}_FILE")
    if not path:
        raise RuntimeError(f"{name} or {name}_FILE must be configured")
    return Path(path).read_text()


class Auth(DependencyProvider):
    """``self.auth.identity()`` verifies the caller's token from the call context."""

    def setup(self):
        self.public_key = read_key(self.container.config, "JWT_PUBLIC_KEY")
        # TOKEN_CACHE_SECONDS (default 60; 0 turns it off): how long a verified token is answered
        # from memory (never past its expiry)
        self.tokens = VerifiedTokens(self.public_key, float(self.container.config.get("TOKEN_CACHE_SECONDS", 60)))

    def get_dependency(self, worker_ctx):
        return CallerAuth(worker_ctx.data.get(CONTEXT_KEY), self.public_key, self.tokens)


class CallerAuth:
    def __init__(self, token, public_key, tokens=None):
        self._token = token
        self._public_key = public_key
        self._tokens = tokens

    def identity(self, *roles):
        if self._tokens is not None:
            identity = self._tokens.verify(self._token)
        else:
            identity = verify_token(self._token, self._public_key)
        if roles:
            identity.require(*roles)
        return identity
