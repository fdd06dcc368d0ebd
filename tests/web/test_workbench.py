"""The staff workbench in a browser: an applicant's declaration (seeded over HTTP) reaches the natural
resources department's officer, who finds it on the workbench, opens the case, views a material,
verifies it, and accepts, reviews, approves and concludes it with opinions; a supervisor then sees the
project's clocks."""
import re

import requests
from playwright.sync_api import expect

from conftest import axe_violations, eventually, login, screenshot, settled
from launcher import http_json

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
MATERIAL = "建设项目用地预审与选址意见书"
STAGE_1_FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 1500.0,
                "investment_10k_yuan": 2600, "contact_name": "王建国", "contact_phone": "13903910000"}
# the officer's steps on the case page: the button, the state it leads to, the success message
STEPS = [("受理", "已受理"), ("审核通过", "已审核"), ("批准", "已批准"), ("办结", "已办结")]


def seed_declaration(platform):
    """An applicant registers a project, uploads a PDF and declares stage 1; the NRP case opens."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市第二中学综合楼建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    uploaded = requests.post(f"{platform.url}/projects/{code}/materials", data={"name": MATERIAL},
                             files={"file": ("site.pdf", PDF, "application/pdf")},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert uploaded.status_code == 201, uploaded.text
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": STAGE_1_FORM,
        "material_ids": [uploaded.json()["material_id"]]}, token)
    assert status == 201, declared
    officer = platform.login("nrp-officer")

    def nrp_case():
        status, page = http_json("GET", f"{platform.url}/cases?project_code={code}", None, officer)
        return page["items"][0] if status == 200 and page["items"] else None
    case = eventually(nrp_case)
    assert case and case["department"] == "NRP", case
    return code, case


def test_officer_handles_a_case_and_supervisor_sees_its_clocks(web_platform, context_for):
    code, case = seed_declaration(web_platform)
    # axe-core is injected as an inline script, which the gateway's Content-Security-Policy forbids
    page = context_for().new_page()

    login(page, "nrp-officer", web_platform)
    expect(page).to_have_url(re.compile(r"/web/work$"))
    expect(page.get_by_role("heading", name="工作台", level=1)).to_be_visible()
    counters = page.get_by_role("group", name=re.compile("办件统计"))
    todo = counters.get_by_role("button", name=re.compile("待办"))
    expect(todo).to_contain_text(re.compile(r"[1-9]\d*"))
    for name in ("已办", "临期", "逾期", "补正中"):
        expect(counters.get_by_role("button", name=re.compile(name))).to_be_visible()
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text(case["item_name"])
    settled(page)
    screenshot(page, "officer-workbench")
    assert axe_violations(page) == []

    # the 待办 counter filters the list; 已办 does not list the open case
    todo.click()
    expect(todo).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("row").filter(has_text=code)).to_be_visible()
    counters.get_by_role("button", name=re.compile("已办")).click()
    expect(page.get_by_role("row").filter(has_text=code)).to_have_count(0)
    page.get_by_role("button", name="重置").click()

    page.get_by_role("link", name=f"办理 {code} {case['item_name']}").click()
    expect(page).to_have_url(re.compile(rf"/web/work/cases/{case['case_id']}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(case["item_name"])
    expect(page.get_by_text("王建国")).to_be_visible()            # the declaration's form values
    expect(page.get_by_text("总建筑面积（平方米）")).to_be_visible()  # under the catalog's labels

    # view the PDF material in its viewer (a blob URL in an iframe), then verify it against the paper original
    page.get_by_role("button", name=f"查看 {MATERIAL} 第 1 版").click()
    viewer = page.get_by_role("dialog", name=re.compile("查看"))
    expect(viewer.locator("iframe")).to_have_attribute("src", re.compile(r"^blob:"))
    viewer.get_by_role("button", name="关闭", exact=True).click()
    page.get_by_role("button", name=f"核验 {MATERIAL} 第 1 版").click()
    page.get_by_role("button", name="确认核验").click()
    expect(page.get_by_text(re.compile(r"已核验（NRP"))).to_be_visible()

    actions = page.get_by_role("region", name="办理", exact=True)
    for button, state in STEPS:
        actions.get_by_role("button", name=button, exact=True).click()
        dialog = page.get_by_role("dialog", name=f"办理：{button}")
        dialog.get_by_label("办理意见").fill(f"{button}：材料齐全，符合要求")
        dialog.get_by_role("button", name="提交").click()
        page.get_by_role("button", name="确认提交").click()
        expect(page.get_by_role("alert").filter(has_text=f"已{button}")).to_be_visible()
        expect(page.locator(".summary").first).to_contain_text(state)
    expect(page.get_by_text("办件已结束，无可办理的操作。")).to_be_visible()
    history = page.get_by_role("region", name="办理记录")
    for button, _ in STEPS:
        expect(history).to_contain_text(f"{button}：材料齐全，符合要求")
    assert axe_violations(page) == []

    # the lead department (NRP leads stage 1) sees the stage's clock and may extend it
    page.get_by_role("menuitem", name="牵头阶段").click()
    stage_row = page.get_by_role("row").filter(has_text=code).first
    expect(stage_row).to_contain_text("立项用地规划许可")
    stage_row.get_by_role("button", name=f"延长阶段时限 {code}").click()
    extension = page.get_by_role("dialog", name=re.compile("延长阶段时限"))
    extension.get_by_role("button", name="确认延长").click()
    expect(extension.get_by_text("请填写延长理由")).to_be_visible()
    extension.get_by_label("延长理由").fill("需组织专家论证，延长审查时间")
    extension.get_by_role("button", name="确认延长").click()
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_role("alert").filter(has_text="时限已延长")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text=code).first).to_contain_text("延 5")
    # the stage's cases: the other department's case may be extended, not specially handled
    page.get_by_role("row").filter(has_text=code).first.locator(".el-table__expand-icon").click()
    expect(page.get_by_role("button", name=re.compile("延长办件时限"))).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile("特殊办理"))).to_have_count(0)
    assert axe_violations(page) == []

    supervisor = context_for().new_page()
    login(supervisor, "supervisor", web_platform)
    expect(supervisor).to_have_url(re.compile(r"/web/work/supervision$"))
    supervisor.get_by_label("项目代码").fill(code)

    def listed():
        supervisor.get_by_role("button", name="查询").click()
        supervisor.wait_for_load_state("networkidle")
        return supervisor.get_by_role("row").filter(has_text=code).count() >= 2
    assert eventually(listed), "the project's stage and case clocks are listed"
    supervisor.get_by_label("项目代码").fill("")
    supervisor.get_by_role("button", name="查询").click()
    expect(supervisor.get_by_role("row").filter(has_text=code).first).to_be_visible()
    settled(supervisor)
    screenshot(supervisor, "supervisor-clocks")
    assert axe_violations(supervisor) == []

    supervisor.get_by_role("link", name=code).first.click()
    expect(supervisor).to_have_url(re.compile(rf"/web/work/projects/{code}$"))
    expect(supervisor.get_by_role("heading", name="审批阶段与办件")).to_be_visible()
    expect(supervisor.get_by_role("heading", name="监督时间线")).to_be_visible()

    supervisor.get_by_role("menuitem", name="项目查询").click()
    supervisor.get_by_label("关键词").fill(code)
    supervisor.get_by_role("button", name="查询").click()
    expect(supervisor.get_by_role("row").filter(has_text=code)).to_contain_text("焦作市第二中学综合楼建设项目")
    assert axe_violations(supervisor) == []
