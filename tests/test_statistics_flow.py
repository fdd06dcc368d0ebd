"""Statistics over a month of real work, over HTTP only, on real RabbitMQ and PostgreSQL: the figures
the supervision service counted from events equal the counts made here straight from the stage
service's database; the CSV and XLSX files read back to the same figures; the SVG chart renders in
Chromium (its screenshot goes to docs/screenshots/statistics-chart.png).

March 2026 on a dated platform. Mon 03-02: three projects declare their land-use stage (NRP-001 and
DRC-001 each). Project A: NRP accepts, asks for a supplement, accepts it and concludes; DRC refuses.
Project B: NRP accepts, reviews, approves under special handling and concludes; DRC accepts and falls
silent. Project C: NRP accepts, reviews, approves and concludes; DRC accepts and falls silent. Wed 03-25: both silent
DRC cases lapsed (no opinion, 004 §14) and were recalled to NRP, which concludes them, late.
"""
import csv
import io
import shutil
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

import platforms
from test_end_to_end import eventually, login
from test_four_stage_flow import FORMS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
STAGE, MONTH = "land_use_planning", "2026-03"
COUNTED = ("received", "accepted", "refused", "concluded", "on_time", "overdue", "supplements", "lapses",
           "special_handled")


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory):
    with platforms.dated_platform(postgres, tmp_path_factory.mktemp("statistics-platform"), "2026-03-02",
                                  label="statistics") as running:
        yield running


def declare(applicant, clerk, name):
    registered = applicant.post("/projects", json={"name": name, "category": "gov_building", "region": "410800",
                                                   "attributes": {"floor_area_m2": 1500.0}})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations",
                              json={"stage": STAGE, "form": FORMS[STAGE], "material_ids": []})
    assert declared.status_code == 201, declared.text

    def opened():
        response = clerk.get(f"/projects/{code}/stages")
        stages = response.json()["items"] if response.status_code == 200 else []
        return stages[0] if stages and len(stages[0]["cases"]) == 2 else None
    return {c["item_code"][:3]: c["case_id"] for c in eventually(opened)["cases"]}


def stage_counts(platform):
    """The month's figures by department and by officer, counted straight from the stage database:
    cases received, accepted and lapsed by their dates; decisions by their action and day."""
    engine = create_engine(platform.database_urls["stage"])
    by = {"department": defaultdict(Counter), "officer": defaultdict(Counter)}

    def add(indicator, department, officer=""):
        by["department"][department][indicator] += 1
        by["officer"][officer][indicator] += 1
    try:
        with engine.connect() as conn:
            cases = conn.execute(text("SELECT id, department, received_on, accepted_on, lapsed_on, due_on "
                                      "FROM cases")).mappings().all()
            decisions = conn.execute(text(
                "SELECT d.case_id, d.action, d.on, d.actor_id, d.actor_role, d.special FROM case_decisions d "
                "WHERE d.case_id IS NOT NULL ORDER BY d.id")).mappings().all()
    finally:
        engine.dispose()
    case = {c["id"]: c for c in cases}
    in_month = lambda day: day is not None and day.strftime("%Y-%m") == MONTH  # noqa: E731
    for c in cases:
        if in_month(c["received_on"]):
            add("received", c["department"])
        if in_month(c["lapsed_on"]):
            add("lapses", c["department"])
            add("overdue", c["department"])
    for d in decisions:
        c = case[d["case_id"]]
        officer = d["actor_id"] if d["actor_role"] == "officer" else ""
        if not in_month(d["on"]):
            continue
        if d["action"] in ("accept", "deemed_accept"):
            add("accepted", c["department"], officer)
        elif d["action"] == "refuse":
            add("refused", c["department"], officer)
        elif d["action"] == "request_supplement":
            add("supplements", c["department"], officer)
        elif d["action"] == "conclude":
            add("concluded", c["department"], officer)
            late = c["lapsed_on"] is not None or d["on"] > c["due_on"]
            if not late:
                add("on_time", c["department"], officer)
            elif c["lapsed_on"] is None:
                add("overdue", c["department"], officer)
        if d["special"]:
            add("special_handled", c["department"], officer)
    return {key: {group: {n: counts[n] for n in COUNTED} for group, counts in groups.items()}
            for key, groups in by.items()}


@pytest.fixture(scope="module")
def run(platform):
    applicant, clerk = login(platform, "applicant"), login(platform, "clerk")
    nrp, drc, supervisor = login(platform, "nrp-officer"), login(platform, "drc-officer"), login(platform, "supervisor")
    cases = {name: declare(applicant, clerk, f"焦作市统计示范项目{name}") for name in "ABC"}

    def act(who, project, department, action, opinion=None, **extra):
        response = who.post(f"/cases/{cases[project][department]}/actions",
                            json={"action": action, "opinion": opinion or f"{action}：同意", **extra})
        assert response.status_code == 200, response.text

    for action in ("accept", "request_supplement", "accept_supplement", "review", "approve", "conclude"):
        act(nrp, "A", "NRP", action)
    act(drc, "A", "DRC", "refuse", "不属于本部门受理范围")
    act(nrp, "B", "NRP", "accept")
    act(nrp, "B", "NRP", "review")
    special = nrp.post(f"/cases/{cases['B']['NRP']}/special-handling", json={
        "action": "approve", "opinion": "同意", "reason": "审批人员出差，经分管领导同意特殊办理",
        "attachment_ref": "NRP-SP-2026-031"})
    assert special.status_code == 200, special.text
    act(nrp, "B", "NRP", "conclude")
    for action in ("accept", "review", "approve", "conclude"):
        act(nrp, "C", "NRP", action)
    for project in "BC":
        act(drc, project, "DRC", "accept")

    platforms.set_today(platform, "2026-03-25")   # DRC's 12 working days ran out on 03-18

    eventually(lambda: all(clerk.get(f"/cases/{cases[p]['DRC']}").json().get("recalled_to") for p in "BC"),
               timeout=60)
    for project in "BC":
        for action in ("review", "approve", "conclude"):
            act(nrp, project, "DRC", action, f"牵头部门{action}：同意")
    want = stage_counts(platform)

    def counted(group_by):
        def probe():
            response = supervisor.get("/statistics", params={"month": MONTH, "group_by": group_by, "limit": 200})
            if response.status_code != 200:
                return None
            got = {r["key"]: {n: r[n] for n in COUNTED} for r in response.json()["items"]}
            return response.json() if got == want[group_by] else None
        return probe
    seen = {"want": want}
    try:
        seen["department"] = eventually(counted("department"), timeout=60)
        seen["officer"] = eventually(counted("officer"), timeout=30)
    except AssertionError:
        got = supervisor.get("/statistics", params={"month": MONTH, "group_by": "department"}).json()
        raise AssertionError(f"stage database: {want['department']}\nstatistics: "
                             f"{ {r['key']: {n: r[n] for n in COUNTED} for r in got['items']} }") from None
    seen["csv"] = supervisor.get("/statistics/export", params={"month": MONTH, "format": "csv"})
    seen["xlsx"] = supervisor.get("/statistics/export", params={"month": MONTH, "format": "xlsx"})
    seen["ranking"] = supervisor.get("/statistics/chart.svg", params={"month": MONTH, "kind": "ranking"})
    seen["trend"] = supervisor.get("/statistics/chart.svg", params={"month": MONTH, "kind": "trend"})
    seen["applicant"] = applicant.get("/statistics", params={"month": MONTH})
    return seen


def test_the_month_counted_from_events_equals_the_stage_database(run):
    want = run["want"]["department"]
    assert set(want) == {"NRP", "DRC"}
    assert want["DRC"]["lapses"] == 2 and want["DRC"]["refused"] == 1 and want["NRP"]["special_handled"] == 1
    rows = {r["key"]: r for r in run["department"]["items"]}
    assert {k: {n: r[n] for n in COUNTED} for k, r in rows.items()} == want
    assert rows["DRC"]["overdue_rate"] == 1.0 and rows["NRP"]["on_time_rate"] == 1.0
    assert [r["department"] for r in run["department"]["ranking"]] == ["NRP", "DRC"]
    officers = {r["key"]: {n: r[n] for n in COUNTED} for r in run["officer"]["items"]}
    assert officers == run["want"]["officer"] and officers["nrp-officer"]["concluded"] == 5
    assert run["applicant"].status_code == 403


def test_csv_and_xlsx_read_back(run):
    rows = {r["key"]: r for r in run["department"]["items"]}
    response = run["csv"]
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["部门"]: int(r["办结数"]) for r in table if r["部门"]} == {k: r["concluded"] for k, r in rows.items()}
    assert table[-1]["名称"] == "合计" and int(table[-1]["接件数"]) == run["department"]["totals"]["received"]
    sheet = load_workbook(io.BytesIO(run["xlsx"].content)).active
    header = [cell.value for cell in sheet[1]]
    values = [dict(zip(header, (cell.value for cell in row))) for row in sheet.iter_rows(min_row=2)]
    assert {v["部门"]: v["逾期数"] for v in values if v["部门"]} == {k: r["overdue"] for k, r in rows.items()}
    assert values[-1]["名称"] == "合计" and values[-1]["受理数"] == run["department"]["totals"]["accepted"]


def test_the_chart_renders_in_chromium(run, tmp_path):
    for kind in ("ranking", "trend"):
        assert run[kind].status_code == 200 and run[kind].headers["Content-Type"].startswith("image/svg+xml")
        ET.fromstring(run[kind].content)    # well-formed XML
    assert "部门按时办结率排名" in run["ranking"].text
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package `chromium`)")
    from screenshot_flowchart import screenshot
    svg = tmp_path / "statistics-chart.svg"
    svg.write_bytes(run["ranking"].content)
    root = ET.fromstring(run["ranking"].content)
    png = ROOT / "docs" / "screenshots" / "statistics-chart.png"
    screenshot(svg, png, int(root.get("width")), int(root.get("height")), chromium)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10000
