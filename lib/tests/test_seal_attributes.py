"""A PAdES seal signs what PAdES baseline asks of the CMS signature: content type, message digest and
signing-certificate-v2 naming the seal's certificate by its SHA-256 and issuer and serial, no
signing-time attribute (the signature dictionary's /M says when); every seal of one certificate does."""
import hashlib
import io

from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen import canvas

from platform_kit.seal import SealAuthority, sign_pdf, validate_pdf


def a_pdf(text):
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def test_each_seal_of_a_certificate_carries_the_pades_signed_attributes(tmp_path):
    authority = SealAuthority(tmp_path / "pki")
    seal = authority.issue("焦作市自然资源和规划局", "410800NRP")
    root = (tmp_path / "pki" / "root.pem").read_text()
    cert_der = seal.certificate.public_bytes(serialization.Encoding.DER)
    for text in ("first", "second"):
        sealed = sign_pdf(a_pdf(text), seal, reason="测试")
        assert validate_pdf(sealed, root).valid
        signature = PdfFileReader(io.BytesIO(sealed)).embedded_signatures[0]
        attrs = {a["type"].native: a["values"][0] for a in signature.signed_data["signer_infos"][0]["signed_attrs"]}
        assert set(attrs) == {"content_type", "message_digest", "signing_certificate_v2"}
        (named,) = attrs["signing_certificate_v2"]["certs"]
        assert named["cert_hash"].native == hashlib.sha256(cert_der).digest()
        assert named["issuer_serial"]["serial_number"].native == seal.certificate.serial_number
        assert named["issuer_serial"]["issuer"][0].chosen.native["common_name"] == "测试签发 CA"
