"""The licence's QR code opens the public verification page with its number and check code filled in:
read back from the drawn page (error correction level M), for short and long verification addresses."""
import io
from datetime import date

import pytest
import zxingcpp
from pypdf import PdfReader

from certificate.domain.licence import build_document
from certificate.render import licence_pdf, verification_url


def document(n):
    return build_document(
        licence_id="8e0c1c1e-0000-4000-8000-000000000001", licence_no=f"410800-NRP-2026-{n:06d}",
        project_code="2026-410800-48-01-000001", case_id="case-1", item_code="NRP-001", item_name="建设用地规划许可证",
        department="NRP", region="410800", holder="焦作市第一人民医院", project_name="门诊楼建设项目",
        stage="land_use_planning", approved_on=date(2026, 11, 24), issued_on=date(2026, 11, 25), key_id="01",
        department_name="焦作市自然资源和规划局")


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/web/verify",
                                  "https://gcxm.jiaozuo.gov.cn/approval-platform/public/licences/web/verify"])
def test_the_qr_code_carries_the_verification_link(base):
    doc = document(371)
    pdf = licence_pdf(doc, "AB3KQ7ZP", base, "焦作市自然资源和规划局")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    found = [code for image in page.images for code in zxingcpp.read_barcodes(image.image)]
    assert [code.text for code in found] == [verification_url(base, doc["licence_no"], "AB3KQ7ZP")]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode and found[0].ec_level == "M"
