"""What the province needs of a project, in a browser (001 §10): the applicant records the red-line
boundary (a bad polygon is refused with the server's Chinese reason, a GeoJSON file is taken in with its
area and version) and an intermediary service, then withdraws it with a reason; the window sees both on
its project view and records another; the provincial account lands on its own page, opens the case and
downloads an attachment through the signed link."""
import json
import re

import requests
from playwright.sync_api import expect

from conftest import axe_violations, eventually, login, screenshot, settled
from launcher import DEMO_PASSWORD, http_json

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 1500.0, "investment_10k_yuan": 2600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
BOUNDARY = {"type": "Polygon", "coordinates": [[[113.241, 35.215], [113.245, 35.215], [113.245, 35.218],
                                                [113.241, 35.218], [113.241, 35.215]]]}
CROSSED = {"type": "Polygon", "coordinates": [[[113.241, 35.215], [113.245, 35.218], [113.245, 35.215],
                                               [113.241, 35.218], [113.241, 35.215]]]}


def seed(platform):
    """A project declared for stage 1 with one material; the case the declaration opened."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市科技馆新馆建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    upload = requests.post(f"{platform.url}/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                           files={"file": ("site.pdf", PDF, "application/pdf")},
                           headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert upload.status_code == 201, upload.text
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": FORM, "material_ids": [upload.json()["material_id"]]}, token)
    assert status == 201, declared
    officer = platform.login("nrp-officer")
    case = eventually(lambda: (lambda s, p: p["items"][0] if s == 200 and p["items"] else None)(
        *http_json("GET", f"{platform.url}/cases?project_code={code}", None, officer)))
    return code, case["case_id"]


def province_account(platform):
    operator = platform.login("operator")
    status, body = http_json("POST", f"{platform.url}/accounts", {
        "account": "henan-province-web", "password": "Init#2026x", "role": "province",
        "name": "河南省工程建设项目审批管理系统", "region": "410000"}, operator)
    assert status == 201, body
    changed = requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": "henan-province-web", "current_password": "Init#2026x", "new_password": DEMO_PASSWORD})
    assert changed.status_code == 204, changed.text
    return "henan-province-web"


def test_red_line_intermediaries_and_the_province_case_page(context_for, web_platform, tmp_path):
    code, case_id = seed(web_platform)

    # the applicant: a crossed polygon is refused with the reason, a GeoJSON file is recorded
    page = context_for(width=1440, height=1000).new_page()
    login(page, "applicant", web_platform)
    page.goto(f"/web/my/projects/{code}?tab=province")
    red_line = page.get_by_role("region", name="用地红线")
    expect(red_line.get_by_text("尚未登记用地红线")).to_be_visible()
    red_line.get_by_label("或粘贴 GeoJSON（经纬度，面）").fill(json.dumps(CROSSED))
    red_line.get_by_role("button", name="登记红线").click()
    expect(red_line.get_by_role("alert")).to_contain_text("自相交")
    geojson = tmp_path / "红线.geojson"
    geojson.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": BOUNDARY}), encoding="utf-8")
    red_line.get_by_label("上传 GeoJSON 文件").set_input_files(str(geojson))
    red_line.get_by_label("红线文件名称").fill("用地红线图（规划条件附图）")
    red_line.get_by_role("button", name="登记红线").click()
    expect(red_line.get_by_text("第 1 版")).to_be_visible()
    expect(red_line.get_by_text(re.compile(r"平方米"))).to_be_visible()

    # an intermediary service, recorded and withdrawn with a reason
    services = page.get_by_role("region", name="中介服务")
    services.get_by_label("服务事项").fill("环境影响评价报告表编制")
    services.get_by_label("中介机构名称").fill("河南绿源环境工程有限公司")
    services.get_by_label("中介机构统一社会信用代码").fill("91410800MA44ABCD1X")
    services.get_by_label("开始日期").fill("2026-02-01")
    services.get_by_label("开始日期").press("Enter")
    services.get_by_role("button", name="登记", exact=True).click()
    row = services.get_by_role("row").filter(has_text="环境影响评价报告表编制")
    expect(row).to_contain_text("有效")
    settled(page)
    screenshot(page, "applicant-red-line-intermediaries")
    assert axe_violations(page) == []
    row.get_by_role("button", name="撤回").click()
    page.get_by_role("dialog").get_by_role("textbox").fill("机构登记有误，重新登记")
    page.get_by_role("button", name=re.compile("OK|确定")).click()
    expect(row).to_contain_text("已撤回：机构登记有误，重新登记")

    # the window sees both on its project view and records another service
    window = context_for(width=1440, height=1000).new_page()
    login(window, "clerk", web_platform)
    window.goto(f"/web/work/projects/{code}")
    expect(window.get_by_role("region", name="用地红线").get_by_text("第 1 版")).to_be_visible()
    window_services = window.get_by_role("region", name="中介服务")
    expect(window_services.get_by_role("row").filter(has_text="已撤回")).to_be_visible()
    window_services.get_by_label("服务事项").fill("水土保持方案编制")
    window_services.get_by_label("中介机构名称").fill("焦作市水利勘测设计有限公司")
    window_services.get_by_label("中介机构统一社会信用代码").fill("91410800MA44ABCD1X")
    window_services.get_by_label("开始日期").fill("2026-03-01")
    window_services.get_by_label("开始日期").press("Enter")
    window_services.get_by_role("button", name="登记", exact=True).click()
    expect(window_services.get_by_role("row").filter(has_text="水土保持方案编制")).to_contain_text("有效")
    window_services.scroll_into_view_if_needed()
    settled(window)
    screenshot(window, "window-red-line-intermediaries")

    # the province: the login lands on its page; the case, a signed link, the download
    account = province_account(web_platform)
    province = context_for(width=1440, height=1000).new_page()
    login(province, account, web_platform)
    expect(province).to_have_url(re.compile(r"/web/work/province$"))
    province.get_by_label("办件编号").fill(case_id)
    province.get_by_role("button", name="查看").click()
    expect(province.get_by_text(code)).to_be_visible()
    attachment = province.get_by_role("row").filter(has_text="建设项目用地预审与选址意见书")
    attachment.get_by_role("button", name=re.compile("获取.*下载链接")).click()
    expect(attachment.get_by_role("button", name="下载", exact=True)).to_be_visible()
    with province.expect_download() as download:
        attachment.get_by_role("button", name="下载", exact=True).click()
    assert open(download.value.path(), "rb").read() == PDF
    settled(province)
    screenshot(province, "province-case")
    assert axe_violations(province) == []
