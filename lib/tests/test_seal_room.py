"""A seal reserves the room of its signature from what the signature embeds: pyHanko signs once (no
trial signature to measure it), the room is large enough for the signature, and the seal validates."""
import io

from pyhanko.sign import signers
from reportlab.pdfgen import canvas

from platform_kit.seal import SealAuthority, sign_pdf, validate_pdf


def a_pdf():
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "seal room")
    page.save()
    return out.getvalue()


def test_a_seal_signs_once_in_the_room_it_reserved(tmp_path, monkeypatch):
    authority = SealAuthority(tmp_path / "pki")
    seal = authority.standing_seal("window")
    calls = []
    real = signers.sign_pdf

    def counted(*args, **kwargs):
        calls.append(kwargs.get("bytes_reserved"))
        return real(*args, **kwargs)

    monkeypatch.setattr(signers, "sign_pdf", counted)
    sealed = sign_pdf(a_pdf(), seal, reason="测试")
    assert len(calls) == 1 and calls[0] and calls[0] % 2 == 0
    assert validate_pdf(sealed, (tmp_path / "pki" / "root.pem").read_text()).valid


def test_a_standing_seal_embeds_the_crl_published_when_it_signs(tmp_path):
    """A process that keeps its window seal for weeks embeds the CRL of each day, not the first one."""
    authority = SealAuthority(tmp_path / "pki")
    first = authority.standing_seal("window").crl_der
    other = authority.issue("另一枚印章", "")
    authority.revoke(other.certificate.serial_number)    # publishes a new CRL
    later = authority.standing_seal("window")
    assert later.crl_der != first and later.crl_der == (tmp_path / "pki" / "crl.der").read_bytes()
    assert validate_pdf(sign_pdf(a_pdf(), later, reason="测试"), (tmp_path / "pki" / "root.pem").read_text()).valid
