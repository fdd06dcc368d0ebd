"""Statistics in a browser: a case concluded over HTTP is counted; a supervisor opens 统计分析, reads
the table with its rates, sees both charts (SVG fetched with the session's token), and downloads the
CSV and the Excel file."""
import csv
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from conftest import axe_violations, choose, login, screenshot
from launcher import http_json
from test_workbench import eventually, seed_declaration, settled


def conclude(platform, case):
    officer = platform.login("nrp-officer")
    for action in ("accept", "review", "approve", "conclude"):
        status, body = http_json("POST", f"{platform.url}/cases/{case['case_id']}/actions",
                                 {"action": action, "opinion": f"{action}：同意"}, officer)
        assert status == 200, body


def test_supervisor_reads_statistics_charts_and_exports(web_platform, context_for):
    _, case = seed_declaration(web_platform)
    conclude(web_platform, case)
    supervisor = web_platform.login("supervisor")

    def counted():
        status, body = http_json("GET", f"{web_platform.url}/statistics?group_by=department", None, supervisor)
        rows = {r["key"]: r for r in body.get("items", [])} if status == 200 else {}
        return rows.get("NRP", {}).get("concluded")
    assert eventually(counted), "the conclusion is counted"

    page = context_for(width=1440, height=1000).new_page()
    login(page, "supervisor", web_platform)
    page.get_by_role("menuitem", name="统计分析").click()
    expect(page).to_have_url(re.compile(r"/web/work/statistics$"))
    expect(page.get_by_role("heading", name="统计分析", level=1)).to_be_visible()
    table = page.get_by_role("table").first
    expect(page.get_by_role("columnheader", name="按时办结率").first).to_be_visible()
    nrp = page.get_by_role("row").filter(has_text="自然资源和规划局").first
    expect(nrp).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="合计").first).to_be_visible()
    expect(table).to_be_visible()
    for name in ("部门按时办结率排名", "按月办件趋势"):
        image = page.get_by_role("img", name=re.compile(name))
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    settled(page)
    screenshot(page, "statistics")
    assert axe_violations(page) == []

    with page.expect_download() as csv_download:
        page.get_by_role("button", name="导出 CSV").click()
    content = open(csv_download.value.path(), "rb").read()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[-1]["名称"] == "合计" and "NRP" in [r["部门"] for r in rows]
    expect(page.get_by_text(re.compile("已导出"))).to_be_visible()
    with page.expect_download() as xlsx_download:
        page.get_by_role("button", name="导出 Excel").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(xlsx_download.value.path(), "rb").read())).active
    assert sheet["A1"].value == "部门" and sheet["C1"].value == "接件数"

    # grouped by month
    choose(page, "分组", "月份")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("columnheader", name="月份").first).to_be_visible()
