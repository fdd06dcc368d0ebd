"""The exchange with the province in a browser: a project whose planned completion is before its start
is rejected by the province's checker; the operator opens 省级数据交换, sees the tables' backlog, the
rejection counted by its reason and the operator task with the responsible department, and records
what was done."""
import re

from playwright.sync_api import expect

from conftest import axe_violations, eventually, login, screenshot, settled
from launcher import http_json


def test_operator_sees_backlog_rejections_and_closes_a_task(web_platform, context_for):
    clerk = web_platform.login("clerk")
    status, body = http_json("POST", f"{web_platform.url}/projects", {
        "name": "焦作市体育中心游泳馆建设项目", "category": "gov_building", "region": "410800",
        "applicant_org": "91410800MA47Q0R12X", "applicant_name": "焦作市城市建设投资有限公司",
        "attributes": {"planned_start": "2026-09-01", "planned_completion": "2026-05-01"}}, clerk)
    assert status == 201, body
    code = body["project_code"]
    operator = web_platform.login("operator")

    def task():
        status, tasks = http_json("GET", f"{web_platform.url}/exchange/tasks?state=open", None, operator)
        return status == 200 and any(t["dfsjzj"] == code for t in tasks["items"])
    assert eventually(task, timeout=60), "the rejection became an operator task"

    page = context_for(width=1440, height=1000).new_page()
    login(page, "operator", web_platform)
    page.goto("/web/work/exchange")
    expect(page.get_by_role("heading", name="省级平台数据交换", level=1)).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="SPGL_DFXMSPLCXXB").first).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="计划竣工时间早于计划开工时间").first).to_be_visible()
    row = page.get_by_role("row").filter(has_text=code).first
    expect(row).to_contain_text("DSB")
    settled(page)
    screenshot(page, "operator-exchange")
    assert axe_violations(page) == []
    row.get_by_role("button", name="记录处理").click()
    page.get_by_role("textbox").last.fill("已通知建设单位核实计划工期")
    page.get_by_role("button", name=re.compile("OK|确定")).click()
    expect(page.get_by_role("row").filter(has_text=code).first).to_contain_text("已处理")
