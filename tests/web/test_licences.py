"""Sealed licences in a browser: the development department approves its case with the licence on
paper, uploads the scan on the case page and the platform seals it as a true copy, and uploads its
approval document to the case; the planning
department's electronic licence is handed over at the window; the applicant downloads the sealed PDF;
anyone verifies it on the portal by number and check code (the QR link) and by the PDF itself."""
import io
import re

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from conftest import axe_violations, eventually, login, screenshot, settled
from launcher import http_json

STAGE_1_FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 1500.0,
                "investment_10k_yuan": 2600, "contact_name": "王建国", "contact_phone": "13903910000"}


def seed(platform):
    """Stage 1 declared; NRP approves and concludes (an electronic licence), DRC accepts and reviews."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市图书馆新馆建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []}, token)
    assert status == 201, declared
    cases = {}
    for account, steps in (("nrp-officer", ("accept", "review", "approve", "conclude")),
                           ("drc-officer", ("accept", "review"))):
        officer = platform.login(account)
        case = eventually(lambda: (lambda s, p: p["items"][0] if s == 200 and p["items"] else None)(
            *http_json("GET", f"{platform.url}/cases?project_code={code}", None, officer)))
        for action in steps:
            status, body = http_json("POST", f"{platform.url}/cases/{case['case_id']}/actions",
                                     {"action": action, "opinion": "同意"}, officer)
            assert status == 200, body
        cases[case["department"]] = case
    licence = eventually(lambda: (lambda s, p: p["items"][0] if s == 200 and p["items"] else None)(
        *http_json("GET", f"{platform.url}/projects/{code}/licences", None, token)))
    return code, cases, licence


def scan(path):
    image = Image.new("RGB", (600, 850), "white")
    ImageDraw.Draw(image).rectangle((30, 30, 570, 820), outline="black", width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_paper_scan_hand_over_download_and_verification(context_for, web_platform, tmp_path):
    code, cases, licence = seed(web_platform)
    page = context_for(bypass_csp=True).new_page()

    # the development department approves with its licence on paper and uploads the scan
    login(page, "drc-officer", web_platform)
    page.goto(f"/web/work/cases/{cases['DRC']['case_id']}")
    page.get_by_role("region", name="办理", exact=True).get_by_role("button", name="批准", exact=True).click()
    dialog = page.get_by_role("dialog", name="办理：批准")
    dialog.get_by_label("办理意见").fill("同意，证照为纸质")
    dialog.get_by_text("本部门证照为纸质证照").click()
    expect(dialog.get_by_label("本部门证照为纸质证照")).to_be_checked()
    dialog.get_by_role("button", name="提交").click()
    page.get_by_role("button", name="确认提交").click()
    licences = page.get_by_role("region", name="证照", exact=True)
    expect(licences.get_by_role("heading", name="上传纸质证照扫描件")).to_be_visible()
    licences.get_by_label("纸质证照编号").fill("焦发改审批〔2026〕66号")
    licences.get_by_label("发证日期").fill("2026-11-27")
    licences.get_by_label("发证日期").press("Enter")
    licences.get_by_label("扫描件", exact=True).set_input_files(str(scan(tmp_path / "scan.png")))
    licences.get_by_role("button", name="上传并加盖电子印章").click()
    expect(page.get_by_role("alert").filter(has_text="扫描件已加盖电子印章")).to_be_visible()
    expect(licences.get_by_role("cell", name="纸质证照电子副本")).to_be_visible()
    settled(page)
    screenshot(page, "licence-paper-scan")
    assert axe_violations(page) == []

    # the officer uploads the department's approval document to the case: a material version, first
    # entered by the department
    materials = page.get_by_role("region", name="申报材料")
    materials.get_by_label("文书名称").fill("可行性研究报告批复（扫描件）")
    materials.get_by_label("文书文件").set_input_files(str(tmp_path / "scan.png"))
    materials.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="文书已上传")).to_be_visible()
    expect(materials).to_contain_text("已核验（DRC")

    # the window hands the planning department's licence over against the acceptance notice
    clerk = context_for().new_page()
    login(clerk, "clerk", web_platform)
    clerk.goto(f"/web/work/cases/{cases['NRP']['case_id']}")
    region = clerk.get_by_role("region", name="证照", exact=True)
    region.get_by_role("button", name="发放").click()
    handover = clerk.get_by_role("dialog", name=re.compile("发放证照"))
    handover.get_by_label("受理通知书编号").fill("410800受〔2026〕000001号")
    handover.get_by_label("领取人").fill("王建国")
    handover.get_by_role("button", name="提交").click()
    expect(clerk.get_by_role("alert").filter(has_text="已记录发放")).to_be_visible()
    expect(region).to_contain_text("王建国 领取")
    settled(clerk)
    screenshot(clerk, "licence-handover")

    # the applicant downloads the sealed PDF
    applicant = context_for().new_page()
    login(applicant, "applicant", web_platform)
    applicant.goto(f"/web/my/projects/{code}")
    applicant.get_by_role("tab", name="文书与证照").click()
    with applicant.expect_download() as download:
        applicant.get_by_role("button", name=f"下载 PDF {licence['licence_no']}").click()
    pdf = tmp_path / "licence.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    settled(applicant)
    screenshot(applicant, "licence-applicant")

    # anyone verifies it: by the QR link (number and check code), then by the PDF itself
    public = context_for(bypass_csp=True).new_page()
    public.goto(f"/web/verify?licence_no={licence['licence_no']}&check_code={licence['check_code']}")
    verdict = public.get_by_role("region", name=re.compile("核验结果"))
    expect(verdict).to_contain_text("核验结果：有效")
    expect(verdict).to_contain_text("焦作市自然资源和规划局")
    expect(verdict).to_contain_text("签章有效")
    settled(public)
    screenshot(public, "licence-verify")
    assert axe_violations(public) == []
    public.get_by_role("tab", name="按证照 PDF").click()
    public.get_by_label("选择证照 PDF 文件").set_input_files(str(pdf))
    expect(public.get_by_role("region", name=re.compile("核验结果"))).to_contain_text("核验结果：有效")
