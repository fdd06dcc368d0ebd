"""Sealed licences end to end, over HTTP only, on the real RabbitMQ and PostgreSQL.

Stage 1 of a project is declared; the planning department approves its case and an electronic licence
is issued as a PDF sealed by the department's seal certificate from the city PKI: its PAdES signature
validates with pyHanko (the library and its command-line tool) against the city root, a byte changed
fails it, the seal is drawn and the QR code decodes to the verification URL with the 用证码. The seal
is rotated (the old certificate revoked): the licence sealed before still verifies as of its signing
time, and the change that follows is sealed with the new certificate and supersedes it; the new
version is revoked. The development department's licence is on paper: its officer uploads the scan,
the platform seals it as a true copy and the case concludes; its validity runs out and it verifies as
expired.
"""
import base64
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

import platforms
from platform_kit.pdfa import pdfa_findings
from platform_kit.seal import validate_pdf
from test_end_to_end import STAGE_1_FORM, Client, eventually, login

pytestmark = pytest.mark.timeout(600)
BIN = Path(sys.executable).parent
DEMO_CATALOG = Path(__file__).resolve().parents[1] / "services" / "intake" / "intake" / "demo_catalog.json"


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("licences"), "2026-12-01", label="licences",
                                  extra_env={"OUTBOX_POLL_SECONDS": "0.3", "CERTIFICATE_SWEEP_SECONDS": "1"}) as running:
        # the licence of each item is catalog data: this catalog gives the development department's
        # approval (a paper licence here) 30 days of validity
        catalog = json.loads(DEMO_CATALOG.read_text())
        for category in catalog["categories"]:
            for stage in category["stages"]:
                for item in stage["items"]:
                    if item["code"] == "DRC-001":
                        item["licence"]["validity_days"] = 30
        loaded = login(running, "operator").put("/catalog", json=catalog)
        assert loaded.status_code in (200, 201), loaded.text
        yield running


@pytest.fixture(scope="module")
def flow(platform):
    applicant = login(platform, "applicant")
    project = applicant.post("/projects", json={"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                "region": "410800", "attributes": {"floor_area_m2": 12500.5}})
    assert project.status_code == 201, project.text
    code = project.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []})
    assert declared.status_code == 201, declared.text
    officers = {"NRP": login(platform, "nrp-officer"), "DRC": login(platform, "drc-officer")}
    cases = {d: eventually(lambda o=o: (o.get("/cases", params={"project_code": code}).json()["items"] or [None])[0])
             for d, o in officers.items()}
    nrp_case = cases["NRP"]["case_id"]
    for action in ("accept", "review", "approve", "conclude"):
        acted = officers["NRP"].post(f"/cases/{nrp_case}/actions", json={"action": action, "opinion": "同意"})
        assert acted.status_code == 200, acted.text
    drc_case = cases["DRC"]["case_id"]
    for action in ("accept", "review", "approve"):
        acted = officers["DRC"].post(f"/cases/{drc_case}/actions", json={
            "action": action, "opinion": "同意", "paper_licence": action == "approve"})
        assert acted.status_code == 200, acted.text
    licence = eventually(lambda: next((l for l in applicant.get(f"/projects/{code}/licences").json()["items"]
                                       if l["document"]["item_code"] == "NRP-001"), None))
    pdf = applicant.get(f"/licences/{licence['licence_id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    return {"code": code, "applicant": applicant, "officers": officers, "cases": cases, "licence": licence,
            "pdf": pdf.content, "public": Client(platform.url)}


def root_pem(platform):
    return (platform.pki_dir / "root.pem").read_text()


def pyhanko_cli(platform, pdf, tmp_path):
    path = tmp_path / "licence.pdf"
    path.write_bytes(pdf)
    return subprocess.run([str(BIN / "pyhanko"), "sign", "validate", "--trust", str(platform.pki_dir / "root.pem"),
                           "--trust-replace", "--executive-summary", str(path)], capture_output=True, text=True,
                          timeout=120)


def test_the_licence_pdf_validates_against_the_city_root_and_a_changed_byte_fails(platform, flow, tmp_path):
    verdict = validate_pdf(flow["pdf"], root_pem(platform))
    assert verdict.valid and verdict.trusted, verdict
    assert verdict.signer == "焦作市自然资源和规划局"
    assert verdict.signer_serial == flow["licence"]["key_id"]
    done = pyhanko_cli(platform, flow["pdf"], tmp_path)
    assert done.returncode == 0 and ":VALID" in done.stdout, done.stdout + done.stderr
    changed = bytearray(flow["pdf"])
    changed[len(changed) // 3] ^= 0x01
    assert not validate_pdf(bytes(changed), root_pem(platform)).valid
    done = pyhanko_cli(platform, bytes(changed), tmp_path)
    assert done.returncode != 0 and ":VALID" not in done.stdout
    public = flow["public"]
    answer = public.post("/licences/pdf-verification", json={"content_base64": base64.b64encode(flow["pdf"]).decode()})
    assert answer.status_code == 200, answer.text
    assert answer.json()["valid"] is True and answer.json()["seal"] == "焦作市自然资源和规划局"
    forged = public.post("/licences/pdf-verification", json={"content_base64": base64.b64encode(changed).decode()})
    assert forged.status_code == 200 and forged.json()["valid"] is False


def test_the_licence_shows_the_seal_a_qr_code_to_the_verification_url_and_embeds_its_fonts(platform, flow):
    reader = PdfReader(io.BytesIO(flow["pdf"]))
    page = reader.pages[0]
    text = page.extract_text()
    assert "建设用地规划许可证" in text and "电子证照专用章" in text and flow["licence"]["check_code"] in text
    # the catalog's layout of 建设用地规划许可证 prints the site and the floor area the declaration gave
    document = flow["licence"]["document"]
    assert document["kind"] == "certificate" and document["valid_until"] is None
    assert document["form_fields"] == [{"label": "建设地点", "value": STAGE_1_FORM["construction_site"]},
                                       {"label": "总建筑面积（平方米）", "value": "12500.5"}]
    flat = text.replace(" ", "").replace("\n", "")
    assert "建设地点" in flat and STAGE_1_FORM["construction_site"] in flat and "12500.5" in flat
    decoded = [r.text for image in page.images for r in zxingcpp.read_barcodes(image.image)]
    assert len(decoded) == 1
    url = urlparse(decoded[0])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{platform.url}/web/verify"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query == {"licence_no": flow["licence"]["licence_no"], "check_code": flow["licence"]["check_code"]}
    checked = flow["public"].post("/licences/check", json=query).json()
    assert checked["valid"] is True and checked["status"] == "valid"
    assert_fonts_embedded(reader)
    assert pdfa_findings(flow["pdf"]) == []   # PDF/A-2b: XMP identification, sRGB output intent, fonts


def assert_fonts_embedded(reader):
    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or (
                font["/DescendantFonts"][0].get_object().get("/FontDescriptor") if "/DescendantFonts" in font else None)
            descriptor = descriptor.get_object() if descriptor is not None else {}
            fonts[font["/BaseFont"]] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    return fonts


def test_after_a_seal_rotation_the_older_licence_verifies_and_a_change_uses_the_new_seal(platform, flow):
    operator = login(platform, "operator")
    old_serial = flow["licence"]["key_id"]
    rotated = operator.post("/seals/rotations", json={"department": "NRP", "region": "410800",
                                                      "reason": "印章证书更换（旧密钥停用）", "revoke_previous": True})
    assert rotated.status_code == 201, rotated.text
    new_serial = rotated.json()["serial"]
    assert new_serial != old_serial and rotated.json()["generation"] == 2
    seals = flow["public"].get("/seals").json()
    assert {s["serial"]: s["current"] for s in seals["items"] if s["department"] == "NRP"} == {
        old_serial: False, new_serial: True}
    licence, public = flow["licence"], flow["public"]
    before = public.post("/licences/check", json={"licence_no": licence["licence_no"],
                                                   "check_code": licence["check_code"]}).json()
    assert before["valid"] is True and before["seal_serial"] == old_serial, before

    nrp = flow["officers"]["NRP"]
    changed = nrp.post(f"/licences/{licence['licence_id']}/changes", json={
        "reason": "建设单位名称变更", "holder": "焦作市城市建设投资集团有限公司"})
    assert changed.status_code == 201, changed.text
    newer = changed.json()
    assert newer["key_id"] == new_serial and newer["version"] == 2 and newer["supersedes"] == licence["licence_id"]
    assert newer["document"]["holder"] == "焦作市城市建设投资集团有限公司"
    pdf = flow["applicant"].get(f"/licences/{newer['licence_id']}/pdf").content
    assert validate_pdf(pdf, root_pem(platform)).signer_serial == new_serial

    old = public.post("/licences/check", json={"licence_no": licence["licence_no"],
                                                "check_code": licence["check_code"]}).json()
    assert old["status"] == "superseded" and old["valid"] is False
    assert old["superseded_by"]["licence_no"] == newer["licence_no"]
    assert old["superseded_by"]["licence_id"] == newer["licence_id"]
    new = public.post("/licences/check", json={"licence_no": newer["licence_no"],
                                                "check_code": newer["check_code"]}).json()
    assert new["valid"] is True and new["status"] == "valid"

    revoked = nrp.post(f"/licences/{newer['licence_id']}/revocation", json={"reason": "项目终止"})
    assert revoked.status_code == 200, revoked.text
    gone = public.post("/licences/check", json={"licence_no": newer["licence_no"],
                                                 "check_code": newer["check_code"]}).json()
    assert gone["status"] == "revoked" and gone["valid"] is False and "项目终止" in gone["reason"]


def nrp_licence(platform, name):
    """A project of its own whose planning department approves and concludes: its licence, as the applicant sees it."""
    applicant, nrp = login(platform, "applicant"), login(platform, "nrp-officer")
    project = applicant.post("/projects", json={"name": name, "category": "gov_building", "region": "410800",
                                                "attributes": {}})
    assert project.status_code == 201, project.text
    code = project.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []})
    assert declared.status_code == 201, declared.text
    case_id = eventually(lambda: (nrp.get("/cases", params={"project_code": code}).json()["items"] or [None])[0])["case_id"]
    for action in ("accept", "review", "approve", "conclude"):
        acted = nrp.post(f"/cases/{case_id}/actions", json={"action": action, "opinion": "同意"})
        assert acted.status_code == 200, acted.text
    return eventually(lambda: next((l for l in applicant.get(f"/projects/{code}/licences").json()["items"]
                                    if l["document"]["item_code"] == "NRP-001"), None)), nrp


def test_a_seal_revoked_out_of_band_seals_nothing_until_the_operator_rotates_it(platform, flow):
    licence, nrp = nrp_licence(platform, "焦作市印章吊销演练项目")
    serial, public = licence["key_id"], flow["public"]
    # the PKI's operator revokes the department's current seal certificate, outside the platform
    revoked = subprocess.run([str(BIN / "platform-pki"), "revoke", str(platform.pki_dir), serial],
                             capture_output=True, text=True)
    assert revoked.returncode == 0, revoked.stderr
    refused = nrp.post(f"/licences/{licence['licence_id']}/changes", json={
        "reason": "建设单位名称变更", "holder": "焦作市印章吊销演练有限公司"})
    assert refused.status_code == 503, refused.text
    assert refused.json()["title"] == "印章证书不可用" and serial in refused.json()["detail"]
    assert "已吊销" in refused.json()["detail"]
    unchanged = public.post("/licences/check", json={"licence_no": licence["licence_no"],
                                                      "check_code": licence["check_code"]}).json()
    assert unchanged["status"] == "valid" and not unchanged.get("superseded_by")   # nothing was issued
    rotated = login(platform, "operator").post("/seals/rotations", json={
        "department": "NRP", "region": "410800", "reason": "印章证书被吊销，重新签发"})
    assert rotated.status_code == 201, rotated.text
    changed = nrp.post(f"/licences/{licence['licence_id']}/changes", json={
        "reason": "建设单位名称变更", "holder": "焦作市印章吊销演练有限公司"})
    assert changed.status_code == 201, changed.text
    assert changed.json()["key_id"] == rotated.json()["serial"] != serial


def scan_png():
    image = Image.new("RGB", (900, 1270), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 860, 1230), outline="black", width=6)
    draw.text((120, 200), "PAPER LICENCE SCAN 2026-88", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_paper_licence_scan_is_sealed_as_a_true_copy_and_the_case_concludes(platform, flow):
    drc, case_id = flow["officers"]["DRC"], flow["cases"]["DRC"]["case_id"]
    early = drc.post(f"/cases/{case_id}/actions", json={"action": "conclude", "opinion": "办结"})
    assert early.status_code == 409 and "纸质证照" in early.json()["detail"], early.text
    bad = drc.post(f"/cases/{case_id}/paper-licence", json={
        "licence_no": "焦发改审批〔2026〕88号", "issued_on": "2026-12-01", "content_type": "application/pdf",
        "content_base64": base64.b64encode(scan_png()).decode()})
    assert bad.status_code == 422 and "content_type" in {e["field"] for e in bad.json()["errors"]}
    uploaded = drc.post(f"/cases/{case_id}/paper-licence", json={
        "licence_no": "焦发改审批〔2026〕88号", "issued_on": "2026-11-28", "content_type": "image/png",
        "content_base64": base64.b64encode(scan_png()).decode(), "particulars": "同意项目可行性研究报告"})
    assert uploaded.status_code == 201, uploaded.text
    copy = uploaded.json()
    assert copy["form"] == "paper_copy" and copy["licence_no"] == "焦发改审批〔2026〕88号"
    # the sealed copy's number reaches the case with licence.issued; then the case concludes
    concluded = eventually(lambda: (lambda r: r if r.status_code != 409 else None)(
        drc.post(f"/cases/{case_id}/actions", json={"action": "conclude", "opinion": "办结"})))
    assert concluded.status_code == 200 and concluded.json()["state"] == "concluded", concluded.text
    pdf = flow["applicant"].get(f"/licences/{copy['licence_id']}/pdf").content
    verdict = validate_pdf(pdf, root_pem(platform))
    assert verdict.valid and verdict.signer == "工程建设项目审批管理平台"
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2 and "电子副本" in reader.pages[0].extract_text()
    assert_fonts_embedded(reader)
    checked = flow["public"].post("/licences/check", json={"licence_no": copy["licence_no"],
                                                            "check_code": copy["check_code"]}).json()
    assert checked["valid"] is True and checked["form"] == "paper_copy", checked
    assert checked["conclusion"]["concluded_by"] == "drc-officer"


def test_the_window_hands_the_licence_over_and_an_expired_licence_verifies_as_expired(platform, flow):
    copy = next(l for l in flow["applicant"].get(f"/projects/{flow['code']}/licences").json()["items"]
                if l["form"] == "paper_copy")
    clerk = login(platform, "clerk")
    handed = clerk.post(f"/licences/{copy['licence_id']}/handovers", json={
        "form": "paper", "acceptance_notice_no": "受〔2026〕000001号", "received_by": "王建国"})
    assert handed.status_code == 201, handed.text
    assert handed.json()["handovers"][0]["received_by"] == "王建国"
    assert copy["valid_until"] == "2026-12-31"
    platforms.set_today(platform, "2027-01-05")
    expired = eventually(lambda: (lambda l: l if l["expired_on"] else None)(
        flow["applicant"].get(f"/licences/{copy['licence_id']}").json()))
    assert expired["status"] == "expired" and expired["expired_on"] == "2027-01-05"
    checked = flow["public"].post("/licences/check", json={"licence_no": copy["licence_no"],
                                                            "check_code": copy["check_code"]}).json()
    assert checked["status"] == "expired" and checked["valid"] is False and "2026-12-31" in checked["reason"]


def test_window_documents_embed_every_font_and_carry_a_valid_seal(platform, flow):
    applicant = flow["applicant"]
    documents = eventually(lambda: (lambda items: items if {"acceptance_notice", "registration_voucher"} <= {
        d["kind"] for d in items} else None)(applicant.get(f"/projects/{flow['code']}/documents").json()["items"]))
    for document in documents:
        pdf = applicant.get(f"/documents/{document['document_id']}/content")
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        fonts = assert_fonts_embedded(PdfReader(io.BytesIO(pdf.content)))
        assert all("WenQuanYi" in name for name in fonts), fonts
        verdict = validate_pdf(pdf.content, root_pem(platform))
        assert verdict.valid and verdict.trusted, (document["kind"], verdict)


def test_an_officer_uploads_a_document_to_the_case_first_entered_by_the_department(platform, flow):
    nrp = flow["officers"]["NRP"]
    pdf = flow["pdf"]
    uploaded = nrp.post(f"/projects/{flow['code']}/materials", data={"name": "建设用地规划许可审批意见"},
                        files={"file": ("opinion.pdf", pdf, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    version = uploaded.json()
    assert version["sha256"] == hashlib.sha256(pdf).hexdigest() and version["uploaded_by"] == "nrp-officer"
    listed = flow["applicant"].get(f"/projects/{flow['code']}/materials").json()["items"]
    mine = next(m for m in listed if m["material_id"] == version["material_id"])
    first = mine["versions"][0]["verification"]
    assert (first["department"], first["case_id"]) == ("NRP", flow["cases"]["NRP"]["case_id"])
    hcd = login(platform, "hcd-officer")   # no case of this project
    refused = hcd.post(f"/projects/{flow['code']}/materials", data={"name": "无关文书"},
                       files={"file": ("x.pdf", pdf, "application/pdf")})
    assert refused.status_code == 403, refused.text
