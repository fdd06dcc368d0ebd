"""The approval flowchart as SVG: well-formed, Chinese labels, one column per stage, boxes by state."""
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from intake.render.flowchart import STATES, flowchart_svg, wrap

NS = {"svg": "http://www.w3.org/2000/svg"}
ROOT = Path(__file__).resolve().parents[3]


def guide(states=("not_started", "in_progress"), total=27, cap=59):
    nrp = {"code": "NRP", "name": "焦作市自然资源和规划局"}
    drc = {"code": "DRC", "name": "焦作市发展和改革委员会"}
    hcd = {"code": "HCD", "name": "焦作市住房和城乡建设局"}
    return {
        "category": {"code": "gov_building", "name": "政府投资房屋建筑类"}, "catalog_version": 3,
        "overall_limit_days": cap, "total_limit_days": total, "project_code": "2026-410800-48-01-000001",
        "stages": [
            {"stage": "land_use_planning", "name": "立项用地规划许可", "lead_department": nrp, "limit_days": 15,
             "items": [
                 {"code": "NRP-001", "name": "建设用地规划许可证", "department": nrp, "limit_days": 10,
                  "materials": ["建设用地规划许可申请表", "项目批准文件"], "state": states[0],
                  "notification_commitment": True, "accept_with_deficiencies": True},
                 {"code": "DRC-001", "name": "项目建议书/可行性研究报告审批", "department": drc, "limit_days": 12,
                  "materials": ["可行性研究报告"], "state": states[1]}]},
            {"stage": "construction_permit", "name": "施工许可", "lead_department": hcd, "limit_days": 12,
             "items": [{"code": "HCD-001", "name": "建筑工程施工许可证核发" * 3, "department": hcd,
                        "limit_days": 7, "materials": [], "state": "not_started"}]},
        ],
    }


def texts(root):
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_svg_is_well_formed_with_chinese_labels_and_columns():
    svg = flowchart_svg(guide())
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Noto Sans CJK SC" in root.get("font-family") and "sans-serif" in root.get("font-family")
    labels = texts(root)
    assert "政府投资房屋建筑类审批流程图" in labels
    assert any("立项用地规划许可" in t and "第一阶段" in t for t in labels)
    assert any("施工许可" in t and "第二阶段" in t for t in labels)
    assert "牵头部门：焦作市自然资源和规划局" in labels
    assert "建设用地规划许可证" in labels and "时限 10 个工作日" in labels
    assert "合计 27 个工作日 / 全流程上限 59 个工作日" in labels
    assert any("2026-410800-48-01-000001" in t for t in labels)
    stages = root.findall(".//svg:g[@class='stage']", NS)
    assert [g.get("data-stage") for g in stages] == ["land_use_planning", "construction_permit"]
    # stages are columns: the second stage's boxes sit to the right of the first's
    first_x = {float(r.get("x")) for r in stages[0].iter("{http://www.w3.org/2000/svg}rect")}
    second_x = {float(r.get("x")) for r in stages[1].iter("{http://www.w3.org/2000/svg}rect")}
    assert min(second_x) > max(first_x)


def test_items_are_coloured_by_state():
    root = ET.fromstring(flowchart_svg(guide(states=("concluded", "disapproved"))).encode("utf-8"))
    items = {g.get("data-item-code"): g for g in root.findall(".//svg:g[@class='item']", NS)}
    assert set(items) == {"NRP-001", "DRC-001", "HCD-001"}
    for code, state in (("NRP-001", "concluded"), ("DRC-001", "disapproved"), ("HCD-001", "not_started")):
        label, fill, _ = STATES[state]
        assert items[code].get("data-state") == state
        assert items[code].find("svg:rect", NS).get("fill") == fill
        assert label in texts(items[code])
    assert STATES["concluded"][1] != STATES["disapproved"][1] != STATES["not_started"][1]
    assert "告知承诺·容缺受理" in texts(items["NRP-001"]) and not items["DRC-001"].findall(".//svg:text[@class='item-badges']", NS)


def test_long_names_wrap_and_text_is_escaped():
    g = guide()
    g["stages"][0]["items"][0]["name"] = "A&B <特殊> 事项"
    svg = flowchart_svg(g)
    root = ET.fromstring(svg.encode("utf-8"))  # would fail on unescaped & or <
    assert "A&B <特殊> 事项" in texts(root)
    lines = wrap("建筑工程施工许可证核发" * 3, 14, 232)
    assert 2 <= len(lines) <= 3 and all(len(line) <= 17 for line in lines)


def test_total_over_the_cap_is_flagged():
    root = ET.fromstring(flowchart_svg(guide(total=64, cap=59)).encode("utf-8"))
    total = root.find(".//svg:text[@class='total']", NS)
    assert "超出上限" in total.text and total.get("fill") == "#b91c1c"


def test_renders_in_headless_chromium(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian package `chromium`); the browser check needs it")
    out = tmp_path / "flowchart"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshot_flowchart.py"), "--out", str(out),
                    "--chromium", chromium], check=True, timeout=180, capture_output=True)
    png = (out.with_suffix(".png")).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    root = ET.fromstring(out.with_suffix(".svg").read_bytes())
    assert (width, height) == (int(root.get("width")), int(root.get("height")))
    assert len(png) > 20000  # a picture with text and colours, not an empty page
