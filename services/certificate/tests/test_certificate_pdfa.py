"""Licence PDFs are PDF/A-2b before they are sealed, and stay so (and valid) after the PAdES seal."""
import io
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from certificate.domain.licence import build_document
from certificate.render import licence_pdf, true_copy_pdf
from platform_kit.pdfa import embedded_fonts, pdfa_findings
from platform_kit.seal import SealAuthority, sign_pdf, validate_pdf

ISSUER = "焦作市自然资源和规划局"


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    return SealAuthority(str(tmp_path_factory.mktemp("pki")))


def document():
    return build_document(
        licence_id="8e0c1c1e-0000-4000-8000-000000000001", licence_no="410800-NRP-2026-000001",
        project_code="2026-410800-48-01-000001", case_id="case-1", item_code="NRP-001", item_name="建设用地规划许可证",
        department="NRP", region="410800", holder="焦作市第一人民医院", project_name="门诊楼建设项目",
        stage="land_use_planning", approved_on=date(2026, 11, 24), issued_on=date(2026, 11, 25), key_id="01",
        department_name=ISSUER)


def assert_pdfa(pdf, title):
    reader = PdfReader(io.BytesIO(pdf))
    xmp = reader.xmp_metadata
    ns = "http://www.aiim.org/pdfa/ns/id/"
    assert (xmp._get_single_value(ns, "part"), xmp._get_single_value(ns, "conformance")) == ("2", "B")
    assert xmp.dc_title["x-default"] == reader.metadata.title == title
    intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"] == "sRGB IEC61966-2.1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"   # an ICC profile's signature
    fonts = embedded_fonts(reader)
    assert fonts and all(fonts.values()), fonts
    assert pdfa_findings(pdf) == []


def test_the_licence_is_pdfa_2b_before_and_after_its_seal(authority):
    doc = document()
    drawn = licence_pdf(doc, "ABCDEFGH", "https://example.org/web/verify", ISSUER)
    assert_pdfa(drawn, f"建设用地规划许可证 {doc['licence_no']}")
    sealed = sign_pdf(drawn, authority.issue(ISSUER, "NRP"), reason="建设用地规划许可证")
    assert sealed.startswith(drawn)   # the seal is an incremental update of the PDF/A document
    assert_pdfa(sealed, f"建设用地规划许可证 {doc['licence_no']}")
    verdict = validate_pdf(sealed, (authority.pki.dir / "root.pem").read_text())
    assert verdict.valid and verdict.signer == ISSUER


def test_a_true_copy_of_an_image_scan_is_pdfa_and_a_pdf_scan_without_its_fonts_is_not_claimed_so(authority):
    doc = dict(document(), statement="本件为纸质证照的电子副本。")
    image = io.BytesIO()
    Image.new("RGB", (400, 560), "white").save(image, format="PNG")
    copy = true_copy_pdf(doc, "ABCDEFGH", "https://example.org/web/verify", ISSUER, image.getvalue(), "image/png")
    assert_pdfa(copy, f"建设用地规划许可证 {doc['licence_no']}")
    from reportlab.pdfgen import canvas
    scan = io.BytesIO()
    page = canvas.Canvas(scan)
    page.drawString(100, 700, "Helvetica, not embedded")
    page.showPage()
    page.save()
    copy = true_copy_pdf(doc, "ABCDEFGH", "https://example.org/web/verify", ISSUER, scan.getvalue(), "application/pdf")
    findings = pdfa_findings(copy)
    assert "font not embedded: /Helvetica" in findings and any("XMP identification" in f for f in findings)


def test_a_true_copy_of_a_pdf_scan_with_its_fonts_embedded_is_pdfa(authority):
    doc = dict(document(), statement="本件为纸质证照的电子副本。")
    scan = licence_pdf(document(), "ABCDEFGH", "https://example.org/web/verify", ISSUER)
    copy = true_copy_pdf(doc, "ABCDEFGH", "https://example.org/web/verify", ISSUER, scan, "application/pdf")
    assert len(PdfReader(io.BytesIO(copy)).pages) == 2
    assert_pdfa(copy, f"建设用地规划许可证 {doc['licence_no']}")


def test_the_information_dictionary_holds_only_what_the_xmp_repeats_and_the_xmp_is_not_compressed():
    from pypdf import PdfWriter
    from pypdf.generic import NameObject
    drawn = licence_pdf(document(), "ABCDEFGH", "https://example.org/web/verify", ISSUER)
    reader = PdfReader(io.BytesIO(drawn))
    assert set(reader.metadata) == {"/Title", "/Author", "/Subject", "/Creator", "/Producer", "/CreationDate",
                                    "/ModDate"}
    assert "/Filter" not in reader.trailer["/Root"]["/Metadata"].get_object()
    changed = PdfWriter(clone_from=PdfReader(io.BytesIO(drawn)))
    changed.add_metadata({"/Keywords": "许可证"})
    compressed = changed.root_object["/Metadata"].get_object().flate_encode()
    changed.root_object[NameObject("/Metadata")] = changed._add_object(compressed)
    out = io.BytesIO()
    changed.write(out)
    findings = pdfa_findings(out.getvalue())
    assert "the XMP metadata stream is filtered" in findings
    assert "/Keywords differs between the information dictionary and the XMP" in findings
