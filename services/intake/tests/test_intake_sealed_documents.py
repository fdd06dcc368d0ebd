"""The window's PDF documents embed every font they use and carry the window's seal: a PAdES signature
that validates against the city root, which a changed byte breaks."""
import io

import pytest
from pypdf import PdfReader

from intake.render import documents, sealing
from platform_kit.seal import validate_pdf

COMMON = {"project_code": "2026-410800-48-01-000001", "project_name": "焦作市第一人民医院门诊楼建设项目",
          "applicant": "焦作市城市建设投资有限公司"}


@pytest.fixture
def sealed(tmp_path):
    sealing.configure(tmp_path / "pki")
    yield tmp_path / "pki"
    sealing._authority.clear()


def embedded_fonts(pdf):
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    return fonts


def test_every_window_document_embeds_its_fonts_and_is_sealed(sealed):
    root = (sealed / "root.pem").read_text()
    pdfs = [documents.acceptance_notice(document_no="410800受〔2026〕000002号", stage="land_use_planning",
                                        accepted_on="2026-11-25", resumed=False,
                                        items=[{"item_name": "建设用地规划许可证", "department": "自然资源和规划局",
                                                "limit_days": 10, "due_on": "2026-12-09"}], **COMMON),
            documents.refusal_decision(document_no="410800不受〔2026〕000001号", item_name="建设用地规划许可证",
                                       department="自然资源和规划局", reasons="不属于本部门职权范围",
                                       authority="县自然资源局", issued_on="2026-11-25", **COMMON)]
    for pdf in pdfs:
        fonts = embedded_fonts(pdf)
        assert fonts and all(fonts.values()), fonts
        assert all("WenQuanYi" in name for name in fonts)
        verdict = validate_pdf(pdf, root)
        assert verdict.valid and verdict.trusted, verdict
        changed = bytearray(pdf)
        changed[len(changed) // 3] ^= 0x01
        assert not validate_pdf(bytes(changed), root).valid
    assert len(pdfs[0]) < 120_000   # the font is subset: a page stays small
