"""Digital certificates (the "CA key", 004 §19–§20) in plain Python: read one, verify its chain to the
trust anchors, its dates, key usage and revocation on the CRL, and a signature made with its key.

Every refusal is a :class:`CertificateRefused` whose text (Chinese) says what is wrong; nothing here
knows of accounts, HTTP or SQL.
"""
import base64
import binascii
import hashlib
import os
import threading

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from platform_kit.pki import serial_hex

MAX_CHAIN = 5
PASSWORD, CERTIFICATE = "password", "cert"
METHODS = (PASSWORD, CERTIFICATE)


class CertificateRefused(Exception):
    """Why a certificate or its signature is not accepted (Chinese)."""


class NotConfigured(CertificateRefused):
    """The platform cannot judge any certificate now (no trust anchors, no usable CRL): no fault of
    the holder's, so it does not count into their lockout."""


def load_certificate(text):
    try:
        return x509.load_pem_x509_certificate((text or "").encode())
    except (ValueError, TypeError):
        raise CertificateRefused("证书不是有效的 PEM 格式 X.509 证书") from None


def describe(certificate):
    """What the platform keeps of a certificate: issuer, serial, subject, holder's ID, fingerprint."""
    holder = certificate.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    name = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {"issuer": certificate.issuer.rfc4514_string(), "serial": serial_hex(certificate.serial_number),
            "subject": certificate.subject.rfc4514_string(), "holder_name": name[0].value if name else None,
            "holder_id": holder[0].value if holder else None,
            "fingerprint": hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest(),
            "not_before": certificate.not_valid_before_utc, "not_after": certificate.not_valid_after_utc}


def verify_signature(certificate, data, signature_b64):
    """The signature (base64) over `data` made with the certificate's key: RSA PKCS#1 v1.5 with
    SHA-256, or ECDSA with SHA-256."""
    try:
        signature = base64.b64decode(signature_b64 or "", validate=True)
    except (binascii.Error, ValueError):
        raise CertificateRefused("签名不是有效的 base64 编码") from None
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise CertificateRefused("证书的密钥算法不被接受（仅接受 RSA 与 ECDSA P-256）")
    except InvalidSignature:
        raise CertificateRefused("签名与证书不符") from None


def _extension(certificate, kind):
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def check_usage(certificate):
    """A login credential: an end-entity certificate for digital signatures and client
    authentication (a department's seal certificate signs documents and does not log in)."""
    constraints = _extension(certificate, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        raise CertificateRefused("CA 证书不能用于登录")
    usage = _extension(certificate, x509.KeyUsage)
    if usage is None or not usage.digital_signature:
        raise CertificateRefused("证书的密钥用法不含数字签名，不能用于登录")
    extended = _extension(certificate, x509.ExtendedKeyUsage)
    if extended is None or ExtendedKeyUsageOID.CLIENT_AUTH not in extended:
        raise CertificateRefused("证书的扩展密钥用法不含客户端身份认证，不能用于登录")


def _within_dates(certificate, now, what):
    if now < certificate.not_valid_before_utc:
        raise CertificateRefused(f"{what}尚未生效")
    if now > certificate.not_valid_after_utc:
        raise CertificateRefused(f"{what}已过期")


def verify_chain(certificate, anchors, now):
    """The chain from `certificate` up to a self-signed anchor, each link's signature, dates and CA
    constraints checked; the chain, leaf first."""
    _within_dates(certificate, now, "证书")
    chain = [certificate]
    current = certificate
    for _ in range(MAX_CHAIN):
        issuers = [a for a in anchors if a.subject == current.issuer]
        issuer = None
        for candidate in issuers:
            try:
                current.verify_directly_issued_by(candidate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            issuer = candidate
            break
        if issuer is None:
            raise CertificateRefused("证书不是受信任的 CA 签发的")
        constraints = _extension(issuer, x509.BasicConstraints)
        usage = _extension(issuer, x509.KeyUsage)
        if constraints is None or not constraints.ca or (usage is not None and not usage.key_cert_sign):
            raise CertificateRefused("证书的签发者不是 CA")
        if constraints.path_length is not None and len(chain) - 1 > constraints.path_length:
            raise CertificateRefused("证书链超过签发 CA 允许的长度")
        _within_dates(issuer, now, "签发 CA 证书")
        chain.append(issuer)
        if issuer.subject == issuer.issuer:
            return chain
        current = issuer
    raise CertificateRefused("证书链过长")


def load_anchors(path):
    try:
        return x509.load_pem_x509_certificates(open(path, "rb").read())
    except (OSError, ValueError):
        raise NotConfigured("平台未能读取受信任的 CA 证书，暂不能以证书登录") from None


class CrlFile:
    """The CRL published by the issuing CA (PEM or DER), read again whenever the file changes (its
    modification time, size or inode). ``revoked(certificate, anchors)`` says whether the certificate
    is on it; a CRL that cannot be read, is not signed by the certificate's issuer or is past its next
    update refuses every certificate (fail closed)."""

    def __init__(self, path):
        self.path = path
        self._lock = threading.Lock()
        self._stamp = None
        self._crl = None
        self.generation = 0

    def _stat(self):
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        return (info.st_mtime_ns, info.st_size, info.st_ino)

    def current(self):
        """The CRL as the file now has it (None when it cannot be read); ``generation`` counts the
        times it was read again."""
        stamp = self._stat()
        with self._lock:
            if stamp == self._stamp:
                return self._crl
            self._stamp = stamp
            self._crl = None
            self.generation += 1
            if stamp is not None:
                data = open(self.path, "rb").read()
                try:
                    self._crl = (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
                                 else x509.load_der_x509_crl(data))
                except ValueError:
                    self._crl = None
            return self._crl

    def serials(self):
        """(issuer RFC 4514, hex serials) of the certificates the CRL lists; None without a CRL."""
        crl = self.current()
        if crl is None:
            return None
        return crl.issuer.rfc4514_string(), {serial_hex(r.serial_number) for r in crl}

    def check(self, certificate, issuer, now):
        crl = self.current()
        if crl is None:
            raise NotConfigured("平台未能读取证书吊销列表（CRL），暂不能以证书登录")
        if crl.issuer != certificate.issuer or not crl.is_signature_valid(issuer.public_key()):
            raise NotConfigured("证书吊销列表（CRL）不是证书的签发 CA 签署的，暂不能以证书登录")
        if crl.next_update_utc is not None and crl.next_update_utc < now:
            raise NotConfigured("证书吊销列表（CRL）已过期，暂不能以证书登录")
        if crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is not None:
            raise CertificateRefused("证书已被 CA 吊销")


def login_methods(text):
    """``GATEWAY_LOGIN_METHODS`` (``officer=cert+password,operator=password``) as {role: methods};
    a role not named may use both."""
    allowed = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        role, _, methods = part.partition("=")
        chosen = frozenset(m.strip() for m in methods.split("+") if m.strip())
        unknown = chosen - set(METHODS)
        if not role.strip() or not chosen or unknown:
            raise ValueError(f"GATEWAY_LOGIN_METHODS: {part!r} (methods: {', '.join(METHODS)})")
        allowed[role.strip()] = chosen
    return allowed


def method_allowed(allowed, role, method):
    return method in allowed.get(role, METHODS)
