"""The gateway's settings, read from the environment once per process."""
import os
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from gateway.accounts.certificates import login_methods

SERVICES = ("intake", "stage", "consult", "certificate", "supervision")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/gateway.db"
    amqp_uri: str = "pyamqp://guest:guest@127.0.0.1:5672/"
    private_key: str = ""           # PEM, signs access tokens
    public_key: str = ""            # PEM, verifies them
    rpc_timeout: float = 30.0       # seconds a service call may take before 504
    health_timeout: float = 5.0     # seconds each service gets to answer health()
    access_ttl: int = 900           # access token lifetime, seconds
    refresh_ttl: int = 8 * 3600     # refresh token lifetime, seconds
    max_failed_logins: int = 5      # consecutive failures before the account locks
    lockout_seconds: int = 900
    password_max_age_days: int = 90
    material_max_bytes: int = 50 * 1024 * 1024
    intake_http_address: str = ""   # host:port of intake's streaming upload endpoint, if any
    stage_http_address: str = ""    # host:port of the stage service's read port, if any (else reads by RPC)
    services: tuple = field(default=SERVICES)
    ca_bundle: str = ""             # PEM file of the CAs whose certificates log in (GATEWAY_CA_BUNDLE)
    crl_file: str = ""              # the issuing CA's CRL, PEM or DER, read again when it changes
    login_methods: dict = field(default_factory=dict)  # role -> {"password", "cert"}; absent: both
    session_check_seconds: float = 5.0  # longest a token of an ended session is still accepted
    token_cache_seconds: float = 60.0   # a verified token's signature is checked again after this (0: always)
    idempotency_grace: float = 5.0  # a claim's lease: rpc_timeout + this (a call begun before its deadline ends)
    body_timeout: float = 10.0      # a request body must arrive within this, plus its length at body_min_rate
    body_min_rate: int = 64 * 1024  # bytes a second
    idempotency_wait: float = 10.0  # longest a retry waits for the answer of the request holding its key

    @classmethod
    def from_env(cls, environ=None):
        env = os.environ if environ is None else environ
        private = _read(env.get("JWT_PRIVATE_KEY_FILE"), env.get("JWT_PRIVATE_KEY"), "var/keys/jwt-private.pem")
        public = _read(env.get("JWT_PUBLIC_KEY_FILE"), env.get("JWT_PUBLIC_KEY"), "var/keys/jwt-public.pem",
                       required=False) or public_from_private(private)
        number = lambda name, default, kind=int: kind(env.get(name) or default)  # noqa: E731
        return cls(
            database_url=env.get("GATEWAY_DATABASE_URL") or "sqlite:///var/gateway.db",
            amqp_uri=env.get("AMQP_URI") or cls.amqp_uri,
            private_key=private,
            public_key=public,
            rpc_timeout=number("GATEWAY_RPC_TIMEOUT", 30.0, float),
            health_timeout=number("GATEWAY_HEALTH_TIMEOUT", 5.0, float),
            access_ttl=number("ACCESS_TOKEN_TTL", 900),
            refresh_ttl=number("REFRESH_TOKEN_TTL", 8 * 3600),
            max_failed_logins=number("MAX_FAILED_LOGINS", 5),
            lockout_seconds=number("LOCKOUT_SECONDS", 900),
            password_max_age_days=number("PASSWORD_MAX_AGE_DAYS", 90),
            material_max_bytes=number("MATERIAL_MAX_BYTES", 50 * 1024 * 1024),
            intake_http_address=env.get("INTAKE_HTTP_ADDRESS") or "",
            stage_http_address=env.get("STAGE_HTTP_ADDRESS") or "",
            ca_bundle=env.get("GATEWAY_CA_BUNDLE") or "",
            crl_file=env.get("GATEWAY_CRL_FILE") or "",
            login_methods=login_methods(env.get("GATEWAY_LOGIN_METHODS")),
            session_check_seconds=number("GATEWAY_SESSION_CHECK_SECONDS", 5.0, float),
            token_cache_seconds=number("GATEWAY_TOKEN_CACHE_SECONDS", 60.0, float),
            idempotency_grace=number("GATEWAY_IDEMPOTENCY_GRACE", 5.0, float),
            body_timeout=number("GATEWAY_BODY_TIMEOUT", 10.0, float),
            body_min_rate=number("GATEWAY_BODY_MIN_RATE", 64 * 1024),
            idempotency_wait=number("GATEWAY_IDEMPOTENCY_WAIT", 10.0, float),
        )


def _read(path, text, default_path, required=True):
    if text:
        return text
    candidate = Path(path or default_path)
    if candidate.exists():
        return candidate.read_text()
    if required:
        raise RuntimeError(f"token key not found: {candidate} (set JWT_PRIVATE_KEY_FILE)")
    return ""


def public_from_private(private_pem):
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()
