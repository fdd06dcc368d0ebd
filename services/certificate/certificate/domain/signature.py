"""Electronic signatures of licences (电子证照, 002 §18: digital signature; 000 §14: an electronically
signed document has the same force as the paper one).

What is signed is the canonical JSON of the licence document: UTF-8, keys sorted, no insignificant
whitespace (separators ``,`` and ``:``), non-ASCII characters kept as they are. Anyone holding the
document, the signature and the public key can check it; changing a single byte of the document
makes the signature invalid. The signature is Ed25519, written in unpadded base64url.
"""
import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"


def canonical_json(document):
    """The exact bytes that are signed."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def b64url_encode(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    if not isinstance(text, str) or not text:
        raise ValueError("empty signature")
    padded = text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"not base64url: {exc}") from None


def raw_public_bytes(public_key):
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public_key):
    """A short, stable name for a public key: the first 16 hex digits of SHA-256 of its raw bytes."""
    return hashlib.sha256(raw_public_bytes(public_key)).hexdigest()[:16]


def public_pem(public_key):
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def load_public_pem(pem):
    key = serialization.load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


@dataclass(frozen=True)
class SigningKey:
    """A private key with its key id."""

    key_id: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls):
        private = Ed25519PrivateKey.generate()
        return cls(key_id_of(private.public_key()), private)

    @classmethod
    def from_pem(cls, pem):
        private = serialization.load_pem_private_key(pem.encode("ascii") if isinstance(pem, str) else pem,
                                                     password=None)
        if not isinstance(private, Ed25519PrivateKey):
            raise ValueError("the licence signing key must be an Ed25519 private key")
        return cls(key_id_of(private.public_key()), private)

    def private_pem(self):
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode("ascii")

    def public_pem(self):
        return public_pem(self.private_key.public_key())

    def sign(self, document):
        return b64url_encode(self.private_key.sign(canonical_json(document)))


@dataclass(frozen=True)
class Verdict:
    valid: bool
    reason: str


def verify(document, signature, key_id, public_keys):
    """Check a signed document. `public_keys`: {key_id: Ed25519PublicKey} of every key ever used."""
    public_key = public_keys.get(key_id)
    if public_key is None:
        return Verdict(False, f"未知的签名密钥 {key_id}，无法验证")
    if isinstance(document, dict) and document.get("key_id") not in (None, key_id):
        return Verdict(False, "证照载明的签名密钥与所给密钥不一致")
    try:
        raw = b64url_decode(signature)
    except ValueError:
        return Verdict(False, "签名格式错误（应为 base64url 编码的 Ed25519 签名）")
    try:
        message = canonical_json(document)
    except (TypeError, ValueError):
        return Verdict(False, "证照内容无法规范化为 JSON")
    try:
        public_key.verify(raw, message)
    except InvalidSignature:
        return Verdict(False, "签名无效：证照内容已被改动或签名不属于此证照")
    return Verdict(True, "签名有效，证照内容未被改动")
