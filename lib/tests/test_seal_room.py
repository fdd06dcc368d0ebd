"""A seal reserves the room of its signature from what the signature embeds: pyHanko signs once (no
trial signature to measure it), the room is large enough for the signature, and the seal validates."""
import io
from datetime import timedelta

import pytest
from pyhanko.sign import signers
from reportlab.pdfgen import canvas

from platform_kit.errors import SealUnusable
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


def test_a_revoked_or_expired_seal_seals_nothing(tmp_path):
    authority = SealAuthority(tmp_path / "pki")
    seal = authority.issue("焦作市自然资源和规划局", "410800NRP")
    assert validate_pdf(sign_pdf(a_pdf(), seal, reason="测试"), (tmp_path / "pki" / "root.pem").read_text()).valid
    authority.revoke(seal.certificate.serial_number)
    seal.crl_der = authority.crl_der()
    with pytest.raises(SealUnusable) as refused:
        sign_pdf(a_pdf(), seal, reason="测试")
    assert "已吊销" in refused.value.detail and seal.serial in refused.value.detail and refused.value.status == 503
    with pytest.raises(SealUnusable):
        seal.sign_json({"licence_no": "1"})
    # a CRL that is not the issuing CA's lists nothing
    stranger = SealAuthority(tmp_path / "other-pki")
    stranger.revoke(stranger.issue("别处印章", "").certificate.serial_number)
    seal.crl_der = stranger.crl_der()
    assert not seal.revoked()
    # outside its validity
    fresh = authority.issue("焦作市住房和城乡建设局", "410800HUD")
    with pytest.raises(SealUnusable) as expired:
        fresh.check_usable(fresh.certificate.not_valid_after_utc + timedelta(seconds=1))
    assert "不在有效期内" in expired.value.detail
    fresh.check_usable()


def test_a_revoked_standing_seal_is_replaced_by_a_new_one(tmp_path):
    authority = SealAuthority(tmp_path / "pki")
    first = authority.standing_seal("window")
    authority.revoke(first.certificate.serial_number)
    replaced = authority.standing_seal("window")
    assert replaced.serial != first.serial and not replaced.revoked()
    assert validate_pdf(sign_pdf(a_pdf(), replaced, reason="测试"), (tmp_path / "pki" / "root.pem").read_text()).valid
    # another process sharing the directory reads the replacement, not the revoked one
    assert SealAuthority(tmp_path / "pki").standing_seal("window").serial == replaced.serial
