"""Urging (催办) and coordination requests (协调申请) in a browser: a supervisor urges a case from the
clocks page; the case's officer sees the urge counted and listed on the case page; the officer
files a coordination request to the stage's lead department, whose officer answers it."""

from playwright.sync_api import expect

from conftest import axe_violations, choose, eventually, login, screenshot, settled
from launcher import http_json

FORM = {"construction_site": "焦作市中站区府城街道", "floor_area_m2": 1600.0,
        "investment_10k_yuan": 2100, "contact_name": "赵明", "contact_phone": "13903910002"}
MESSAGE = "请于本周五前出具审查意见"
SUBJECT = "用地红线与核准范围不一致"


def seed_case(platform):
    """An applicant declares stage 1 (lead department NRP); the DRC officer accepts the DRC case."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市中站区便民服务中心建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1600.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": FORM, "material_ids": []}, token)
    assert status == 201, declared
    officer = platform.login("drc-officer")

    def drc_case():
        status, page = http_json("GET", f"{platform.url}/cases?project_code={code}", None, officer)
        found = [c for c in page["items"] if c["department"] == "DRC"] if status == 200 else []
        return found[0] if found else None
    case = eventually(drc_case)
    assert case, code
    status, accepted = http_json("POST", f"{platform.url}/cases/{case['case_id']}/actions",
                                 {"action": "accept", "opinion": "予以受理"}, officer)
    assert status == 200, accepted
    supervisor = platform.login("supervisor")
    assert eventually(lambda: http_json("GET", f"{platform.url}/supervision/clocks?project_code={code}&kind=case",
                                        None, supervisor)[1]["total"] >= 1)
    return code, case


def test_a_supervisor_urges_and_a_department_asks_the_lead_to_coordinate(web_platform, context_for):
    code, case = seed_case(web_platform)
    item = case["item_name"]

    supervisor = context_for().new_page()
    login(supervisor, "supervisor", web_platform)
    supervisor.goto("/web/work/supervision")
    supervisor.get_by_label("项目代码").fill(code)
    supervisor.get_by_role("button", name="查询").click()
    settled(supervisor)
    supervisor.get_by_role("button", name=f"催办 {item}").click()
    dialog = supervisor.get_by_role("dialog")
    dialog.get_by_role("button", name="发送催办").click()
    expect(dialog.get_by_text("请填写催办内容")).to_be_visible()
    dialog.locator(".el-select__wrapper").click()
    supervisor.get_by_role("option", name="紧急", exact=True).click()
    dialog.get_by_label("催办内容").fill(MESSAGE)
    dialog.get_by_role("button", name="发送催办").click()
    expect(supervisor.get_by_text("已发送催办")).to_be_visible()
    settled(supervisor)
    row = supervisor.get_by_role("row").filter(has=supervisor.get_by_role("link", name=item))
    expect(row).to_contain_text("1")
    assert axe_violations(supervisor) == []

    officer = context_for().new_page()
    login(officer, "drc-officer", web_platform)
    officer.goto(f"/web/work/cases/{case['case_id']}")
    urges = officer.locator("section[aria-labelledby=urges-title]")
    expect(urges.get_by_role("heading", name="催办记录（1 次）")).to_be_visible()
    expect(urges.get_by_text(MESSAGE)).to_be_visible()
    expect(urges.get_by_text("紧急", exact=True)).to_be_visible()
    settled(officer)
    urges.scroll_into_view_if_needed()
    screenshot(officer, "case-urges")
    assert axe_violations(officer) == []

    officer.goto("/web/work/coordination")
    settled(officer)
    choose(officer, "所涉办件", f"{code} {item}")
    officer.get_by_label("事由").fill(SUBJECT)
    officer.get_by_label("情况说明").fill("请牵头部门组织核对用地红线")
    officer.get_by_role("button", name="提交协调申请").click()
    expect(officer.get_by_text("协调申请已提交，牵头部门已收到")).to_be_visible()
    expect(officer.get_by_role("cell", name=SUBJECT)).to_be_visible()
    settled(officer)
    assert axe_violations(officer) == []

    lead = context_for().new_page()
    login(lead, "nrp-officer", web_platform)
    lead.goto("/web/work/coordination")
    settled(lead)
    lead.get_by_role("button", name=f"答复 {SUBJECT}").click()
    answer = lead.get_by_role("dialog")
    answer.get_by_label("答复内容").fill("定于周五组织现场核对")
    answer.get_by_role("button", name="提交答复").click()
    lead.get_by_role("button", name="确定").click()
    expect(lead.get_by_text("已答复", exact=True).first).to_be_visible()
    settled(lead)
    screenshot(lead, "coordination-requests")
    assert axe_violations(lead) == []

    officer.reload()
    settled(officer)
    row = officer.get_by_role("row").filter(has=officer.get_by_role("cell", name=SUBJECT))
    expect(row).to_contain_text("已答复")
