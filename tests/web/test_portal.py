"""Browser tests of the internet portal: the public pages (guides, flowchart, progress, licence
verification) on a desktop and a phone, their accessibility, and an applicant registering a project,
uploading materials and declaring its first stage."""
import re

from launcher import http_json
from playwright.sync_api import expect

from conftest import axe_violations, choose, login, screenshot

PUBLIC_PAGES = {
    "/web/": "工程建设项目审批服务",
    "/web/guides/gov_building": "政府投资房屋建筑类办事指南",
    "/web/guides/gov_building/items/NRP-001": "建设用地规划许可证",
    "/web/progress": "办理进度查询",
    "/web/verify": "电子证照核验",
    "/web/login": "登录",
}


def pdf_file(path, size=2 * 1024 * 1024):
    """A PDF of about `size` bytes (large enough for the upload progress to be seen)."""
    body = bytes(range(256)) * (size // 256)
    path.write_bytes(b"%PDF-1.7\n" + body + b"\n%%EOF\n")
    return path


def test_home_lists_the_categories_and_the_guide_draws_the_flowchart(page, web_platform):
    page.goto("/web/")
    expect(page.get_by_role("heading", level=1)).to_have_text("工程建设项目审批服务")
    expect(page.get_by_role("link", name="办理进度查询")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("立项用地规划许可"))).to_be_visible()
    page.get_by_role("link", name=re.compile("政府投资房屋建筑类")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("政府投资房屋建筑类办事指南")
    chart = page.get_by_role("figure", name=re.compile("流程图"))
    expect(chart).to_be_visible()
    expect(chart.get_by_role("heading", name="立项用地规划许可")).to_be_visible()
    expect(chart.get_by_role("link", name="建设用地规划许可证")).to_be_visible()
    expect(chart.get_by_role("link", name="使用林地审核审批")).to_have_count(0)   # not without forest land
    screenshot(page, "public-guide")

    chart.get_by_role("link", name="建设用地规划许可证").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("建设用地规划许可证")
    expect(page.get_by_text("建设项目用地预审与选址意见书")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("联系电话"))).to_be_visible()
    page.get_by_role("button", name="划拨用地和出让用地所需材料有何不同？").click()
    expect(page.get_by_text("出让用地提交土地出让合同")).to_be_visible()
    expect(page.get_by_text("申请表建设单位名称与营业执照或统一社会信用代码不一致")).to_be_visible()


def test_refining_the_guide_by_the_project_adds_the_items_it_needs(page, web_platform):
    page.goto("/web/guides/gov_building")
    page.get_by_role("button", name="按项目情况生成流程图（选填）").click()
    page.get_by_text("使用林地", exact=True).click()
    expect(page.get_by_role("switch", name="使用林地")).to_have_attribute("aria-checked", "true")
    page.get_by_role("button", name="生成流程图", exact=True).click()
    expect(page.get_by_role("figure").get_by_role("link", name="使用林地审核审批")).to_be_visible()


def test_public_pages_fit_a_phone(context_for, web_platform):
    page = context_for(390, 844).new_page()
    for path in ("/web/", "/web/guides/gov_building", "/web/guides/gov_building/items/NRP-001",
                 "/web/progress", "/web/verify"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if "guides/gov_building" == path.rsplit("/web/", 1)[-1]:
            expect(page.get_by_role("figure")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path


def test_public_pages_have_no_critical_accessibility_violation(context_for, web_platform):
    page = context_for().new_page()
    for path, title in PUBLIC_PAGES.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        page.wait_for_load_state("networkidle")
        assert axe_violations(page) == [], path


def test_verifying_a_tampered_licence_says_the_signature_is_invalid(page, web_platform):
    page.goto("/web/verify")
    page.get_by_role("tab", name="按电子证照文件").click()
    page.get_by_label("电子证照文件内容（JSON）").fill(
        '{"document": {"licence_no": "410800-NRP-2026-000001", "title": "建设用地规划许可证"},'
        ' "signature": "AAAA", "key_id": "nokey"}')
    page.get_by_role("button", name="核验签名").click()
    expect(page.get_by_role("heading", name="核验结果：签名无效")).to_be_visible()
    expect(page.get_by_text("410800-NRP-2026-000001")).to_be_visible()


def test_a_wrong_check_code_is_answered_as_not_found(page, web_platform):
    page.goto("/web/verify?licence_no=410800-NRP-2026-999999&check_code=ABCD2345")
    expect(page.get_by_label("证照编号", exact=True)).to_have_value("410800-NRP-2026-999999")
    expect(page.get_by_role("alert")).to_be_visible()


def test_wrong_progress_code_shows_the_problem(page, web_platform):
    page.goto("/web/progress")
    page.get_by_label("项目代码").fill("2026-410800-00-00-999999")
    page.get_by_label("查询码").fill("WRONG1")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_be_visible()


def test_progress_is_shown_for_the_project_code_and_its_query_code(page, web_platform):
    token = web_platform.login("applicant")
    status, project = http_json("POST", f"{web_platform.url}/projects", {
        "name": "焦作市体育中心看台改造", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 3000}}, token)
    assert status == 201, project
    page.goto(f"/web/progress?project_code={project['project_code']}")
    expect(page.get_by_label("项目代码")).to_have_value(project["project_code"])
    page.get_by_label("查询码").fill(project["query_code"])
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="焦作市体育中心看台改造")).to_be_visible()
    expect(page.get_by_text("政府投资房屋建筑类")).to_be_visible()
    expect(page.get_by_text("尚未申报任何阶段")).to_be_visible()


def test_applicant_registers_uploads_and_declares(page, web_platform, tmp_path):
    login(page, "applicant", web_platform)
    expect(page.get_by_role("heading", level=1)).to_have_text("我的项目")
    page.get_by_role("link", name="登记新项目").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("项目登记")
    page.get_by_label("项目名称").fill("焦作市第一人民医院门诊楼")
    choose(page, "项目类别", "政府投资房屋建筑类")
    expect(page.get_by_label("行政区划代码")).to_have_value("410800")
    page.get_by_label("总建筑面积（平方米）").fill("12000")
    page.get_by_role("button", name="登记项目").click()
    expect(page.get_by_text("项目已登记")).to_be_visible()
    code = page.get_by_test_id("project-code").inner_text()
    assert re.fullmatch(r"[0-9A-Z-]{10,}", code), code
    page.get_by_role("button", name="进入项目").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("焦作市第一人民医院门诊楼")
    page.get_by_role("tab", name="材料").click()
    for name in ("建设用地规划许可申请表", "项目建议书或可行性研究报告"):
        page.get_by_label("材料名称").fill(name)
        page.get_by_label("选择文件").set_input_files(str(pdf_file(tmp_path / f"{name}.pdf")))
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.get_by_role("progressbar")).to_be_visible()
        expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
        expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="2.0 MB")).to_have_count(2)
    page.wait_for_timeout(800)   # the bar's width animation ends
    screenshot(page, "applicant-project")

    page.get_by_role("tab", name="申报").click()
    page.get_by_role("link", name="申报本阶段").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("立项用地规划许可阶段申报")
    expect(page.get_by_role("checkbox", name=re.compile("建设用地规划许可申请表"))).to_be_checked()
    page.get_by_label("建设地点").fill("焦作市解放区人民路 100 号")
    expect(page.get_by_label("总建筑面积（平方米）")).to_have_value("12000")   # from the registration
    page.get_by_label("总投资（万元）").fill("35000")
    page.get_by_label("联系人").fill("王工")
    page.get_by_role("button", name="暂存").click()
    expect(page.get_by_text("已暂存，以下内容仍待补齐")).to_be_visible()
    page.get_by_label("联系电话").fill("13903910000")
    page.get_by_role("button", name="提交申报").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.locator("#main").get_by_text("申报已提交")).to_be_visible()
    expect(page.get_by_text(re.compile("收件凭单："))).to_be_visible()
    page.get_by_role("button", name="返回项目").click()
    expect(page.get_by_role("heading", name=re.compile("立项用地规划许可"))).to_be_visible()


def test_applicant_pages_fit_a_phone(context_for, web_platform):
    status, _ = http_json("POST", f"{web_platform.url}/projects", {
        "name": "焦作市南水北调配套管网工程", "category": "gov_linear", "region": "410800"}, web_platform.login("applicant"))
    assert status == 201
    page = context_for(390, 844).new_page()
    login(page, "applicant", web_platform)
    expect(page.get_by_role("heading", level=1)).to_have_text("我的项目")
    page.get_by_role("link", name=re.compile(r"^\d{4}-")).first.click()
    expect(page.get_by_role("tab", name="概览")).to_be_visible()
    for tab in ("概览", "材料", "申报", "补正", "文书与证照"):
        page.get_by_role("tab", name=tab).click()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), tab
    for path in ("/web/my/projects/new", "/web/my/inbox"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), path
