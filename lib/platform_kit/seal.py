"""Electronic seals (电子印章, 000 §14, 004 §16): a department's or the window's seal is a certificate
issued by the city PKI with its private key; documents it seals are PDF files with a PAdES signature
(pyHanko) and, for machine-readable twins, JSON signed with ECDSA P-256 (ES256).

- :func:`cjk_font` registers the embedded CJK font every sealed PDF is set in (WenQuanYi Micro Hei, a
  TrueType collection from the Debian package ``fonts-wqy-microhei``; reportlab embeds only the glyphs
  used, so a page stays small). ``PDF_CJK_FONT`` names another TrueType file.
- :func:`draw_seal` draws the visible red seal; :func:`sign_pdf` adds the PAdES signature with the
  certificate chain and the CRL current at signing time embedded (long-term validation material, in
  the document security store of the revision the signature covers: PAdES B-LT in one incremental
  update); :func:`validate_pdf` checks a sealed PDF against trust anchors, as of a moment if asked.
- :class:`SealAuthority` asks the city PKI (:mod:`platform_kit.pki`, a directory) for seal
  certificates and for its current CRL.
"""
import base64
import functools
import hashlib
import io
import json
import math
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from platform_kit.errors import SealUnusable

FONT_NAME = "WenQuanYiMicroHei"
FONT_CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
SEAL_RED = (0.83, 0.08, 0.10)
JSON_ALGORITHM = "ES256"
# pyHanko runs each call in asyncio.run(); under eventlet two green threads must not do so at once
_PYHANKO = threading.Lock()


# ------------------------------------------------------------------------------------ fonts
def cjk_font():
    """The name of the registered embedded CJK font (registered once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    configured = os.environ.get("PDF_CJK_FONT")
    path = next((p for p in ((configured,) if configured else FONT_CANDIDATES) if p and Path(p).exists()), None)
    if path is None:
        raise RuntimeError("找不到可嵌入的中文字体：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei），"
                           "或以 PDF_CJK_FONT 指定 TrueType 字体文件")
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=0))
    return FONT_NAME


def draw_seal(canvas, cx, cy, radius, name, caption="电子印章"):
    """The visible seal: a red ring, a five-pointed star, the holder's name along the upper arc and
    the caption under the star (vector drawing, the same on screen and in print)."""
    font = cjk_font()
    canvas.saveState()
    canvas.setStrokeColorRGB(*SEAL_RED)
    canvas.setFillColorRGB(*SEAL_RED)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(cx, cy, radius, stroke=1, fill=0)
    star = canvas.beginPath()
    outer, inner = radius * 0.26, radius * 0.10
    for i in range(10):
        r = outer if i % 2 == 0 else inner
        angle = math.pi / 2 + i * math.pi / 5
        point = (cx + r * math.cos(angle), cy + r * math.sin(angle))
        star.moveTo(*point) if i == 0 else star.lineTo(*point)
    star.close()
    canvas.drawPath(star, stroke=0, fill=1)
    size = radius * 0.22
    canvas.setFont(font, size)
    span = math.radians(220)
    count = max(len(name), 1)
    for i, char in enumerate(name):
        angle = math.pi / 2 + span / 2 - (span * (i + 0.5) / count)
        x, y = cx + radius * 0.74 * math.cos(angle), cy + radius * 0.74 * math.sin(angle)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.rotate(math.degrees(angle) - 90)
        canvas.drawCentredString(0, -size / 3, char)
        canvas.restoreState()
    canvas.setFont(font, radius * 0.16)
    canvas.drawCentredString(cx, cy - radius * 0.52, caption)
    canvas.restoreState()


# ------------------------------------------------------------------------------------ the seal
@dataclass
class Seal:
    """A seal certificate with its private key, the CA chain above it and the CRL to embed."""

    certificate: x509.Certificate
    key: object
    chain: list = field(default_factory=list)   # issuing CA, then root
    crl_der: bytes = None

    @property
    def serial(self):
        return format(self.certificate.serial_number, "x")

    @property
    def holder(self):
        return self.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value

    def cert_pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def key_pem(self):
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()).decode()

    def chain_pem(self):
        return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in self.chain)

    @classmethod
    def from_pems(cls, cert_pem, key_pem, chain_pem, crl_der=None):
        chain = x509.load_pem_x509_certificates(chain_pem.encode()) if chain_pem else []
        return cls(x509.load_pem_x509_certificate(cert_pem.encode()),
                   serialization.load_pem_private_key(key_pem.encode(), password=None), chain, crl_der)

    def revoked(self):
        """True when the CRL this seal carries (verified against the issuing CA) lists its certificate."""
        return self.certificate.serial_number in _revoked_serials(self.crl_der, self._issuer_der())

    def check_usable(self, now=None):
        """Refuse (:class:`SealUnusable`) a seal whose certificate is revoked or not valid at `now`."""
        now = now or datetime.now(timezone.utc)
        if self.revoked():
            raise SealUnusable(f"{self.holder}的印章证书（序列号 {self.serial}）已吊销，不能用于签章；"
                               "请更换印章证书后重新办理")
        if not self.certificate.not_valid_before_utc <= now <= self.certificate.not_valid_after_utc:
            raise SealUnusable(f"{self.holder}的印章证书（序列号 {self.serial}）不在有效期内"
                               f"（{self.certificate.not_valid_before_utc:%Y-%m-%d}至"
                               f"{self.certificate.not_valid_after_utc:%Y-%m-%d}），不能用于签章")

    def _issuer_der(self):
        issuer = next((c for c in self.chain if c.subject == self.certificate.issuer), None)
        return issuer.public_bytes(serialization.Encoding.DER) if issuer is not None else None

    def sign_json(self, document):
        """ES256 (ECDSA P-256, SHA-256) over the canonical JSON; DER signature in unpadded base64url.
        A revoked or expired seal refuses (:meth:`check_usable`)."""
        self.check_usable()
        raw = self.key.sign(canonical_json(document), ec.ECDSA(hashes.SHA256()))
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=64)
def _revoked_serials(crl_der, issuer_der):
    """The serial numbers a CRL lists, once its signature by the issuer is verified (a CRL that is not the
    issuer's, or no CRL, lists nothing: the seal's chain check in pyHanko still applies)."""
    if not crl_der or not issuer_der:
        return frozenset()
    crl = x509.load_der_x509_crl(crl_der)
    issuer = x509.load_der_x509_certificate(issuer_der)
    if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
        return frozenset()
    return frozenset(entry.serial_number for entry in crl)


def canonical_json(document):
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def verify_json(document, signature, cert_pem):
    """True when `signature` (ES256, base64url) over the canonical JSON was made by the certificate's key."""
    try:
        public = x509.load_pem_x509_certificate(cert_pem.encode()).public_key()
        raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
        public.verify(raw, canonical_json(document), ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


def fingerprint(cert_pem):
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


class SealAuthority:
    """The city PKI as seen by a service that seals: issues seal certificates, publishes its CRL."""

    def __init__(self, pki_dir):
        from platform_kit.pki import TestPki
        self.pki = TestPki(pki_dir)
        self._standing = {}
        if not self.pki.bundle_path.exists():
            self.pki.init()

    def chain(self):
        return [self.pki.issuing, self.pki.root]

    def crl_der(self):
        path = self.pki.dir / "crl.der"
        return path.read_bytes() if path.exists() else None

    def issue(self, name, code):
        certificate, key = self.pki.seal(name, code)
        return Seal(certificate, key, self.chain(), self.crl_der())

    def revoke(self, serial):
        self.pki.revoke(serial)

    def standing_seal(self, name):
        """The seal of `name` (e.g. a window), issued once and kept beside the PKI (``seals/``); replicas
        sharing the directory race on a hard link, the loser reads the winner's. A standing seal found
        revoked (the PKI's operator revoked it) is replaced by a new one, kept the same way."""
        seal = self._standing.get(name)
        if seal is not None:
            seal.crl_der = self.crl_der()   # the CRL published now (a revocation, a re-issue): a small file
            if not seal.revoked():
                return seal
        folder = self.pki.dir / "seals"
        folder.mkdir(exist_ok=True)
        path = folder / f"{hashlib.sha256(name.encode()).hexdigest()[:24]}.pem"
        seal = self._read_standing(path) if path.exists() else None
        if seal is None or seal.revoked():
            self._keep_standing(path, self.issue(name, ""), replace=seal is not None)
            seal = self._read_standing(path)
        self._standing[name] = seal
        return seal

    def _read_standing(self, path):
        text = path.read_text()
        marker = "-----BEGIN PRIVATE KEY-----"
        seal = Seal.from_pems(text[:text.index(marker)], text[text.index(marker):], "")
        seal.chain, seal.crl_der = self.chain(), self.crl_der()
        return seal

    @staticmethod
    def _keep_standing(path, seal, replace):
        """Write a new standing seal: the first of racing replicas wins (a hard link), or, replacing a revoked
        one, the last (a rename); either way every replica then reads one file."""
        staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        staged.write_text(seal.cert_pem() + seal.key_pem())
        try:
            if replace:
                os.replace(staged, path)
            else:
                os.link(staged, path)
        except FileExistsError:
            pass
        finally:
            staged.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------ PAdES
def sign_pdf(pdf, seal, *, reason, location="", field_name="Seal"):
    """`pdf` (bytes) sealed: a PAdES baseline signature by the seal's key, the chain and the CRL
    current at signing time embedded so the seal can be validated later without asking anyone.
    The signer's chain is validated as of now, against the seal's CRL, before every signature, and a seal
    that CRL lists as revoked, or one outside its validity, refuses (:class:`SealUnusable`): pyHanko's own
    check signs with a revoked certificate all the same."""
    seal.check_usable()
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko_certvalidator import ValidationContext
    der = serialization.Encoding.DER
    signer, chain, crls, reserved = _signer(
        seal.certificate.public_bytes(der),
        seal.key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        tuple(c.public_bytes(der) for c in seal.chain), seal.crl_der)
    # a context per seal: it fixes its moment when made, and keeps what it validated
    context = ValidationContext(trust_roots=chain[-1:], other_certs=chain[:-1], crls=crls, allow_fetching=False)
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason, location=location, name=seal.holder,
                                        subfilter=SigSeedSubFilter.PADES, embed_validation_info=True,
                                        validation_context=context, use_pades_lta=False,
                                        dss_settings=_dss_settings())
    with _PYHANKO:
        try:
            out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer,
                                   bytes_reserved=reserved)
        except Exception:   # the room guessed was too small: let pyHanko measure a trial signature
            out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=signer)
    return out.getvalue()


@functools.cache
def _dss_settings():
    """The chain and the CRL go to the document security store in the revision the signature covers
    (PAdES B-LT in one revision), not in a second revision after it: the signed file is not read and
    written once more. Without the VRI dictionary, which that needs: current PAdES (ETSI EN 319 142-1)
    makes it optional, and validation (:func:`validate_pdf`) reads the store's certificates and CRLs."""
    from pyhanko.sign.signers.pdf_signer import DSSContentSettings, SigDSSPlacementPreference
    return DSSContentSettings(placement=SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE, include_vri=False)


@functools.lru_cache(maxsize=256)   # seals of every department of every region a service seals for
def _signer(cert_der, key_der, chain_der, crl_der):
    """pyHanko's signer of one seal (its certificate, key, chain and CRL, in DER), with the chain and
    the CRL in asn1crypto's form, made once per seal: asn1crypto keeps what it parsed and normalised
    (names, extensions) inside these objects, which pyHanko reads again at every signature."""
    from asn1crypto import crl as asn1_crl, keys as asn1_keys, x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    cert = asn1_x509.Certificate.load(cert_der)
    chain = [asn1_x509.Certificate.load(c) for c in chain_der]
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
                                  cert_registry=SimpleCertificateStore.from_certs(chain))
    signer.signed_attr_prov_spec = _pades_attributes(cert)
    return signer, chain, [asn1_crl.CertificateList.load(crl_der)] if crl_der else [], _reserved(cert, chain)


def _pades_attributes(cert):
    """The signed attributes pyHanko gives a PAdES signature (content type and message digest
    besides), the signing-certificate-v2 one (RFC 5035) made as pyHanko makes it but once per seal,
    and read back from its DER: asn1crypto serialises a value assembled in Python again at every
    level it is nested in, which made this small attribute half the cost of a seal."""
    from asn1crypto import tsp
    from pyhanko.sign import attributes
    from pyhanko.sign.general import as_signing_certificate_v2
    value = tsp.SigningCertificateV2.load(as_signing_certificate_v2(cert).dump())

    class SigningCertificate(attributes.SigningCertificateV2Provider):
        async def build_attr_value(self, dry_run=False):
            return value

    class PadesAttributes(attributes.SignedAttributeProviderSpec):
        # as pyHanko's CAdESSignedAttributeProviderSpec for PAdES: no signing-time attribute (the
        # signature dictionary's /M says when), no CAdES attributes asked for
        def signed_attr_providers(self, data_digest, digest_algorithm):
            yield SigningCertificate(cert)
    return PadesAttributes()


def _reserved(cert, chain):
    """Room for the signature in the PDF, from what it embeds (the certificates; the CRL goes to the
    document security store, not the signature), so pyHanko need not make a trial signature first
    (a third of the cost of sealing). Hex digits: two per byte, half again as a margin like pyHanko's."""
    size = len(cert.dump()) + sum(len(c.dump()) for c in chain) + 2048   # + signed attributes, signature
    return 2 * (3 * size // 2)   # pyHanko wants an even number


@dataclass(frozen=True)
class PdfVerdict:
    valid: bool
    intact: bool
    trusted: bool
    signer: str
    signer_serial: str
    signed_at: datetime
    reason: str


def validate_pdf(pdf, trust_roots_pem, moment=None):
    """The seal of a PDF checked against the trust anchors (PEM), with the revocation material the
    PDF embeds; `moment`: validate as of that time (e.g. the signing time, after a rotation)."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore
    from pyhanko_certvalidator import ValidationContext
    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
             for c in x509.load_pem_x509_certificates(trust_roots_pem.encode())]
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # not a PDF, or a broken one
        return PdfVerdict(False, False, False, "", "", None, f"无法读取 PDF：{exc}")
    if not signatures:
        return PdfVerdict(False, False, False, "", "", None, "该 PDF 没有电子签章")
    signature = signatures[0]
    # the chain and the CRL come from the PDF itself (its DSS): nothing is fetched from anywhere
    options = {"trust_roots": roots, "allow_fetching": False,
               "revocation_mode": "hard-fail" if moment is not None else "soft-fail"}
    if moment is not None:
        options["moment"] = moment
    try:
        try:
            context = DocumentSecurityStore.read_dss(reader).as_validation_context(options)
        except Exception:  # no DSS: only what the signature carries
            context = ValidationContext(**options)
        with _PYHANKO:
            status = validate_pdf_signature(signature, context)
    except Exception as exc:  # a signature that cannot even be parsed is not valid
        return PdfVerdict(False, False, False, "", "", None, f"签章无法验证：{exc}")
    cert = status.signing_cert
    signer = cert.subject.native.get("common_name", "") if cert is not None else ""
    serial = format(cert.serial_number, "x") if cert is not None else ""
    valid = bool(status.bottom_line)
    covers_all = status.coverage is not None and status.coverage.name in ("ENTIRE_FILE", "ENTIRE_REVISION")
    if valid:
        reason = "签章有效：文件自盖章后未被改动，印章证书由受信任的根证书签发"
    elif not status.intact or not status.valid:
        reason = "签章无效：文件在盖章后已被改动"
    else:
        reason = "签章完整，但印章证书不能链接到受信任的根证书或已被吊销"
    return PdfVerdict(valid and covers_all, bool(status.intact and status.valid), bool(status.trusted), signer,
                      serial, status.signer_reported_dt, reason)
