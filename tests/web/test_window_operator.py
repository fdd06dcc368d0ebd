"""The window clerk's and the platform operator's pages, driven as the people who use them."""
import json
import re
from pathlib import Path

from launcher import http_json
from playwright.sync_api import expect

from conftest import axe_violations, choose, eventually, login, screenshot

ROOT = Path(__file__).resolve().parents[2]
DEMO_CATALOG = ROOT / "services" / "intake" / "intake" / "demo_catalog.json"


def scanned_pdf(path, size=3 * 1024 * 1024):
    """A scanned paper material: a PDF large enough for the upload to take its time."""
    body = b"%PDF-1.4\n%" + b"0" * size + b"\n%%EOF\n"
    path.write_bytes(body)
    return path


def fits_the_width(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def checked_page(context_for):
    """A 1366×768 page whose content security policy lets axe-core be injected for the accessibility check."""
    return context_for(bypass_csp=True).new_page()


def test_clerk_registers_a_project_receives_paper_materials_and_opens_the_voucher(context_for, web_platform, tmp_path):
    """综合窗口为建设单位登记项目，收取纸质材料并申报，出具并下载登记凭单。"""
    page = checked_page(context_for)
    login(page, "clerk", web_platform)
    expect(page).to_have_url(re.compile(r"/web/work/window$"))
    expect(page.get_by_role("heading", name="综合窗口", level=1)).to_be_visible()

    page.get_by_label("项目名称").fill("焦作市第二中学教学楼建设项目")
    choose(page, "项目类别", "政府投资房屋建筑类")
    page.get_by_label("建设单位名称").fill("焦作市教育投资有限公司")
    page.get_by_label("建设单位统一社会信用代码").fill("91410800MA9X")
    page.get_by_label("项目名称").click()
    expect(page.get_by_text("应为18位统一社会信用代码")).to_be_visible()
    page.get_by_label("建设单位统一社会信用代码").fill("91410800MA47B2C3XK")
    page.get_by_label("行政区划代码").fill("410800")
    page.get_by_label("总建筑面积（平方米）").fill("9000")
    expect(page.get_by_text("应为18位统一社会信用代码")).to_be_hidden()
    page.wait_for_timeout(400)  # the field's error colour fades out
    screenshot(page, "window-register")
    page.get_by_role("button", name="登记项目").click()

    expect(page.get_by_role("heading", name="项目已登记")).to_be_visible()
    code = page.get_by_test_id("project-code").inner_text().strip()
    assert re.fullmatch(r"\d{4}-410800-48-01-\d{6}", code), code
    expect(page.get_by_text("查询码：")).to_be_visible()

    page.get_by_role("button", name="收取纸质材料并申报").click()
    expect(page.get_by_role("heading", name="纸质材料收件")).to_be_visible()
    assert fits_the_width(page)
    page.get_by_label("材料名称").fill("建设用地规划许可申请表")
    page.get_by_label("纸质份数").fill("2")
    page.get_by_label("纸质页数").fill("12")
    page.get_by_label("扫描件（PDF、OFD、JPEG 或 PNG）").set_input_files(str(scanned_pdf(tmp_path / "申请表.pdf")))
    page.get_by_role("button", name="上传纸质材料").click()
    progress = page.get_by_role("progressbar").first
    expect(progress).to_be_visible()
    expect(page.get_by_role("table").get_by_text("建设用地规划许可申请表")).to_be_visible()
    expect(progress).to_have_attribute("aria-valuenow", "100")

    choose(page, "申报阶段", "立项用地规划许可")
    page.get_by_label("建设地点").fill("焦作市山阳区人民路 88 号")
    page.get_by_label("总建筑面积（平方米）").fill("9000")
    page.get_by_label("总投资（万元）").fill("5600")
    page.get_by_label("联系人").fill("王敏")
    page.get_by_label("联系电话").fill("13903910000")
    page.locator("label.el-checkbox", has_text="建设用地规划许可申请表").click()
    page.get_by_role("button", name="提交阶段申报并出具登记凭单").click()

    viewer = page.get_by_role("dialog")
    expect(viewer).to_contain_text("登记凭单")
    expect(viewer.locator("iframe")).to_be_attached()
    with page.expect_download() as download:
        viewer.get_by_role("button", name="下载 PDF").click()
    saved = download.value.path()
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(saved).read_bytes().startswith(b"%PDF")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    page.get_by_role("tab", name="文书打印与交付").click()
    documents = page.locator('[aria-label="项目文书"]').last
    expect(documents.get_by_text("项目登记凭单")).to_be_visible()
    assert fits_the_width(page)
    assert axe_violations(page) == []

    page.get_by_role("button", name="重新生成查询码").last.click()
    reissue = page.get_by_role("dialog", name="重新生成查询码")
    reissue.get_by_label("理由").fill("申请人遗失查询码")
    reissue.get_by_role("button", name="生成").click()
    expect(page.get_by_text("新查询码：")).to_be_visible()


def test_operator_loads_a_changed_catalog_a_calendar_year_and_an_officer_account(context_for, web_platform, tmp_path):
    """平台运营载入修改后的事项目录并看到差异，载入 2031 年日历，新建审批人员账号。"""
    page = checked_page(context_for)
    login(page, "operator", web_platform)
    expect(page).to_have_url(re.compile(r"/web/work/catalog$"))
    expect(page.get_by_role("heading", name="事项目录", level=1)).to_be_visible()
    expect(page.get_by_text("无需另行启用")).to_be_visible()
    page.get_by_role("button", name=re.compile("政府投资房屋建筑类")).first.click()
    expect(page.get_by_text("建设用地规划许可证").first).to_be_visible()
    page.wait_for_timeout(400)  # the category finishes unfolding
    screenshot(page, "operator-catalog")
    assert axe_violations(page) == []

    catalog = json.loads(DEMO_CATALOG.read_text(encoding="utf-8"))
    renovation = next(c for c in catalog["categories"] if c["code"] == "renovation")
    item = renovation["stages"][0]["items"][0]
    before = item["limit_days"]
    item["limit_days"] = before + 2
    changed = tmp_path / "catalog.json"
    changed.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")

    page.get_by_role("tab", name="载入新版本").click()
    page.get_by_label("事项目录 JSON 文件").set_input_files(str(changed))
    page.get_by_role("button", name="载入为新版本").click()
    page.get_by_role("dialog").get_by_role("button", name="载入").click()
    diff = page.locator('[aria-label="版本差异"]')
    expect(diff).to_be_visible()
    expect(diff).to_contain_text(f"{item['name']}（{item['code']}）")
    expect(diff).to_contain_text(f"办理时限（工作日）：{before} → {before + 2}")
    expect(page.get_by_text("修改 1 项")).to_be_visible()
    assert fits_the_width(page)

    page.get_by_role("menuitem", name="工作日历").click()
    expect(page.get_by_role("heading", name="工作日历", level=1)).to_be_visible()
    page.get_by_text("粘贴或导入 JSON").click()
    page.get_by_label("JSON 内容").fill(json.dumps({"year": 2031, "holidays": ["2031-01-01", "2031-10-01"],
                                                    "working_weekends": []}))
    page.get_by_role("button", name="填入表单").click()
    expect(page.get_by_label("法定节假日 2", exact=True)).to_have_value("2031-10-01")
    page.get_by_role("button", name="载入 2031 年日历").click()
    expect(page.get_by_text("已载入 2031 年工作日历").first).to_be_visible()
    expect(page.get_by_test_id("loaded-years")).to_contain_text("2031 年")
    expect(page.locator('[aria-label="载入记录"]')).to_contain_text("2031-10-01")
    assert fits_the_width(page)

    page.get_by_role("menuitem", name="账号管理").click()
    expect(page.get_by_role("heading", name="账号管理", level=1)).to_be_visible()
    page.get_by_role("button", name="新建账号").click()
    dialog = page.get_by_role("dialog", name="新建账号")
    dialog.get_by_label("账号", exact=True).fill("nrp-reviewer")
    dialog.get_by_label("姓名").fill("李审核")
    dialog.get_by_label("部门代码").fill("NRP")
    dialog.get_by_label("行政区划代码").fill("410800")
    dialog.get_by_label("初始密码").fill("Review#2031x")
    dialog.get_by_role("group", name="可办理的环节").get_by_text("审核", exact=True).click()
    dialog.get_by_role("button", name="新建").click()
    expect(dialog).to_be_hidden()
    expect(page.locator('[aria-label="账号列表"]')).to_contain_text("nrp-reviewer")
    expect(page.locator('[aria-label="账号列表"]')).to_contain_text("李审核")

    page.locator(".el-table__row", has_text="nrp-reviewer").get_by_role("button", name="管理").click()
    drawer = page.get_by_role("dialog", name="账号 nrp-reviewer")
    expect(drawer.locator('[aria-label="账号记录"]')).to_contain_text("新建账号")
    assert fits_the_width(page)
    assert axe_violations(page) == []


def declared_project(platform):
    """A project registered and declared at the window, its DRC case asked for a supplement and its
    NRP case accepted (so it has a supplement notice and an acceptance notice)."""
    clerk = platform.login("clerk")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市城南污水处理厂提标改造项目", "category": "gov_building", "region": "410800",
        "applicant_org": "91410800MA47B2C3XK", "applicant_name": "焦作市水务投资有限公司", "attributes": {}}, clerk)
    assert status == 201, project
    code = project["project_code"]
    status, answer = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": {
            "construction_site": "焦作市解放区南环路", "floor_area_m2": 3000, "investment_10k_yuan": 8000,
            "contact_name": "赵强", "contact_phone": "13903910001", "funding_source": "财政资金"}}, clerk)
    assert status == 201, answer
    officers = {"NRP": platform.login("nrp-officer"), "DRC": platform.login("drc-officer")}

    def cases():
        status, page = http_json("GET", f"{platform.url}/cases?project_code={code}", None, clerk)
        found = {c["department"]: c["case_id"] for c in page.get("items", [])} if status == 200 else {}
        return found if {"NRP", "DRC"} <= set(found) else None

    ids = eventually(cases, timeout=20.0, interval=0.3)
    assert ids, "the declaration's cases were not opened"
    for department, actions in (("NRP", [("accept", "材料齐全，予以受理")]),
                                ("DRC", [("accept", "予以受理"), ("request_supplement", "节能报告：缺少能耗计算书，请补正")])):
        for action, opinion in actions:
            status, answer = http_json("POST", f"{platform.url}/cases/{ids[department]}/actions",
                                       {"action": action, "opinion": opinion}, officers[department])
            assert status == 200, answer

    def notices():
        status, page = http_json("GET", f"{platform.url}/projects/{code}/documents?limit=50&offset=0", None, clerk)
        kinds = {d["kind"] for d in page.get("items", [])} if status == 200 else set()
        return {"supplement_notice", "acceptance_notice"} <= kinds

    assert eventually(notices, timeout=20.0, interval=0.3), "the notices were not issued"
    return code


def upload_paper(page, tmp_path, name):
    page.get_by_label("材料名称").fill(name)
    page.get_by_label("扫描件（PDF、OFD、JPEG 或 PNG）").set_input_files(
        str(scanned_pdf(tmp_path / f"{name}.pdf", size=20_000)))
    page.get_by_role("button", name="上传纸质材料").click()
    expect(page.locator('[aria-label="项目材料"]')).to_contain_text(name)


def test_clerk_hands_in_a_supplement_and_records_a_lost_acceptance_notice(context_for, web_platform, tmp_path):
    """窗口按补正通知书收取补正材料；申请人遗失受理通知书，窗口凭遗失声明和身份证复印件登记。"""
    code = declared_project(web_platform)
    page = context_for().new_page()
    login(page, "clerk", web_platform)
    page.get_by_role("tab", name="收件（纸质材料）").click()
    page.get_by_label("项目代码").first.fill(code)
    page.get_by_role("button", name="查找项目").first.click()
    expect(page.get_by_text("按最近一次补正材料通知书")).to_be_visible()

    for name in ("节能报告（补正）", "遗失声明", "领取人身份证复印件"):
        upload_paper(page, tmp_path, name)
    page.get_by_role("group", name="补正提交的材料").locator("label.el-checkbox", has_text="节能报告（补正）").click()
    page.get_by_label("补正说明").fill("补充能耗计算书")
    page.get_by_role("button", name="提交补正材料").click()
    page.get_by_role("dialog").get_by_role("button", name="提交").click()
    viewer = page.get_by_role("dialog").filter(has=page.locator("iframe"))
    expect(viewer).to_contain_text("登记凭单")
    page.keyboard.press("Escape")

    page.get_by_role("tab", name="文书打印与交付").click()
    documents = page.locator('[aria-label="项目文书"]').last
    documents.locator(".el-table__row", has_text="受理通知书").first.get_by_role("button", name="登记遗失").click()
    dialog = page.get_by_role("dialog", name="登记受理通知书遗失")
    choose(page, "遗失声明（建设单位盖章）", "遗失声明")
    choose(page, "领取人身份证复印件", "领取人身份证复印件")
    dialog.get_by_role("button", name="登记遗失").click()
    page.get_by_role("dialog", name="登记遗失").get_by_role("button", name="登记").click()
    expect(documents).to_contain_text("已登记")
    expect(documents.get_by_role("button", name="登记遗失")).to_have_count(1)
