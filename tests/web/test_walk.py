"""The whole stage-1 walk through the pages, one person after another, each in their own browser:
an applicant registers a project, uploads two materials (watching the progress bar), fills the
stage-1 form and declares it; each department officer accepts, reviews, approves and concludes
their case in the workbench; the applicant sees the stage concluded and downloads the licence and
the completion notice; a supervisor sees the clocks; a member of the public verifies the licence
from its link, and by typing its number and check code."""
import json
import re

from playwright.sync_api import expect

from conftest import choose, login

PROJECT_NAME = "焦作市山阳区文化馆新馆建设项目"
MATERIALS = ("建设用地规划许可申请表", "项目批准、核准或备案文件")
FORM = {"建设地点": "焦作市山阳区焦东路与新华街交叉口东北角", "总建筑面积（平方米）": "8600",
        "用地面积（平方米）": "5200", "总投资（万元）": "12800", "联系人": "王建国", "联系电话": "13903910001"}
OFFICERS = {"nrp-officer": "建设用地规划许可证", "drc-officer": None}   # DRC's stage-1 item, name read off the page


def pdf(path, size):
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * (size // 256) + b"\n%%EOF\n")
    return path


def register_and_declare(page, web_platform, tmp_path):
    login(page, "applicant", web_platform)
    expect(page).to_have_url(re.compile("/web/my/projects$"))
    page.get_by_role("link", name="登记新项目").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("项目登记")
    page.get_by_label("项目名称", exact=True).fill(PROJECT_NAME)
    choose(page, "项目类别", "政府投资房屋建筑类")
    page.get_by_role("button", name="登记项目").click()
    expect(page.get_by_text("项目已登记")).to_be_visible()
    code = page.get_by_test_id("project-code").inner_text().strip()
    assert re.fullmatch(r"\d{4}-410800-48-01-\d{6}", code)
    assert re.fullmatch(r"[2-9A-Z]{10}", page.get_by_test_id("query-code").inner_text().strip())
    page.get_by_role("button", name="进入项目").click()
    expect(page).to_have_url(re.compile(f"/web/my/projects/{code}$"))

    page.get_by_role("tab", name="材料").click()
    for index, name in enumerate(MATERIALS):
        page.get_by_label("材料名称").fill(name)
        page.get_by_label("选择文件").set_input_files(str(pdf(tmp_path / f"m{index}.pdf", 3 * 1024 * 1024)))
        page.get_by_role("button", name="上传", exact=True).click()
        bar = page.get_by_role("progressbar", name="上传进度")
        expect(bar).to_be_visible()
        expect(bar).to_have_attribute("aria-valuenow", "100")
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()

    page.get_by_role("tab", name="申报").click()
    page.get_by_role("link", name="申报本阶段").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("立项用地规划许可阶段申报")
    expect(page.get_by_role("button", name="提交申报")).to_be_visible()   # the form is shown once loaded
    for label, value in FORM.items():
        page.get_by_label(label, exact=True).fill(value)
    choose(page, "资金来源", "财政资金")
    for name in MATERIALS:
        expect(page.get_by_role("checkbox", name=re.compile(name))).to_be_checked()
    page.get_by_role("button", name="提交申报").click()
    page.get_by_role("dialog").get_by_role("button", name="确认提交").click()
    expect(page.locator("#main").get_by_text("申报已提交")).to_be_visible()
    return code


def act(page, button, opinion):
    page.get_by_role("button", name=button, exact=True).click()
    dialog = page.get_by_role("dialog", name=f"办理：{button}")
    dialog.get_by_label("办理意见").fill(opinion)
    dialog.get_by_role("button", name="提交").click()
    page.get_by_role("dialog", name="确认办理").get_by_role("button", name="确认提交").click()
    expect(page.get_by_role("alert").filter(has_text=f"已{button}")).to_be_visible()


def officer_concludes(context_for, web_platform, account, code):
    page = context_for().new_page()
    login(page, account, web_platform)
    expect(page).to_have_url(re.compile("/web/work$"))
    page.get_by_label("项目代码").fill(code)
    page.get_by_role("button", name="查询").click()
    link = page.get_by_role("link", name=re.compile(f"^办理 {code}"))
    expect(link).to_have_count(1)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for button, opinion in (("受理", "材料齐全，符合法定形式，予以受理。"), ("审核通过", "经审查符合规划条件。"),
                            ("批准", "同意核发。"), ("办结", "已办结，证照已签发。")):
        act(page, button, opinion)
    expect(page.get_by_text("办件已结束，无可办理的操作。")).to_be_visible()
    history = page.get_by_role("region", name="办理记录")
    for opinion in ("予以受理", "符合规划条件", "同意核发", "证照已签发"):
        expect(history.get_by_text(re.compile(opinion)).first).to_be_visible()
    page.close()


def test_stage_one_from_registration_to_a_verified_licence(context_for, web_platform, tmp_path):
    applicant = context_for().new_page()
    code = register_and_declare(applicant, web_platform, tmp_path)

    for account in OFFICERS:
        officer_concludes(context_for, web_platform, account, code)

    # the applicant sees the stage concluded and takes the licence and the completion notice
    applicant.goto(f"/web/my/projects/{code}")
    expect(applicant.get_by_text("已办结").first).to_be_visible(timeout=30_000)
    applicant.get_by_role("tab", name="文书与证照").click()
    licence_row = applicant.get_by_role("row", name=re.compile("建设用地规划许可证"))
    expect(licence_row).to_be_visible(timeout=30_000)
    with applicant.expect_download() as licence_download:
        licence_row.get_by_role("button", name="下载证照数据").click()
    licence = json.loads(open(licence_download.value.path(), encoding="utf-8").read())
    assert licence["document"]["project_code"] == code and licence["signature"]
    with applicant.expect_download() as pdf_download:   # the sealed licence (PAdES) to keep or print
        licence_row.get_by_role("button", name=f"下载 PDF {licence['document']['licence_no']}").click()
    sealed = open(pdf_download.value.path(), "rb").read()
    assert sealed.startswith(b"%PDF-") and b"/ByteRange" in sealed
    notice_row = applicant.get_by_role("row", name=re.compile("办结通知书")).first
    expect(notice_row).to_be_visible(timeout=30_000)
    with applicant.expect_download() as notice_download:
        notice_row.get_by_role("button", name="下载 PDF").click()
    assert open(notice_download.value.path(), "rb").read(5) == b"%PDF-"
    verify_href = licence_row.get_by_role("link", name="核验链接").get_attribute("href")
    check_code = re.search(r"核验码 (\w+)", licence_row.inner_text()).group(1)

    # a supervisor sees the project's clocks
    supervisor = context_for().new_page()
    login(supervisor, "supervisor", web_platform)
    supervisor.goto("/web/work/supervision")
    supervisor.get_by_label("项目代码").fill(code)
    supervisor.get_by_role("button", name="查询").click()
    expect(supervisor.get_by_role("row", name=re.compile(code)).first).to_be_visible()

    # the public verifies the licence from its link, and by number and check code
    public = context_for().new_page()
    public.goto(verify_href)
    expect(public.get_by_role("heading", name="核验结果：有效")).to_be_visible()
    expect(public.get_by_text(licence["document"]["licence_no"]).first).to_be_visible()
    public.goto("/web/verify")
    public.get_by_label("证照编号", exact=True).fill(licence["document"]["licence_no"])
    public.get_by_label("核验码", exact=True).fill(check_code.lower())
    public.get_by_role("button", name="核验", exact=True).click()
    expect(public.get_by_role("heading", name="核验结果：有效")).to_be_visible()
    expect(public.get_by_text(PROJECT_NAME).first).to_be_visible()
