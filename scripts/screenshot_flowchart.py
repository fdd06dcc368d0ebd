"""Render a sample project's approval flowchart (SVG) and photograph it in headless Chromium.

    python scripts/screenshot_flowchart.py [--out var/flowchart] [--chromium /usr/bin/chromium]
    python scripts/screenshot_flowchart.py --platform http://127.0.0.1:8000 [--project CODE]

Writes ``<out>.svg`` and ``<out>.png``. With ``--platform``, the SVG is the running platform's
flowchart of the seeded demo project (``GET /projects/{code}/guide.svg`` as its applicant sees
it); without, a sample guide built from the demo catalog's first category, with items in several
states, so every colour of the legend can be checked by eye.
Chromium and a Chinese font are system packages (Debian: ``chromium``, ``fonts-noto-cjk``).
"""
import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "intake"))

from intake.render.flowchart import flowchart_svg  # noqa: E402

SAMPLE_STATES = ["concluded", "approved", "in_progress", "supplement", "not_started", "disapproved",
                 "returned", "not_started"]


def sample_guide():
    catalog = json.loads((ROOT / "services/intake/intake/demo_catalog.json").read_text())
    departments = {d["code"]: {"code": d["code"], "name": d["name"]} for d in catalog["departments"]}
    category = catalog["categories"][0]
    states = iter(SAMPLE_STATES * 10)
    stages = []
    for stage in category["stages"]:
        stages.append({
            "stage": stage["stage"],
            "name": {"land_use_planning": "立项用地规划许可", "engineering_permit": "工程建设许可",
                     "construction_permit": "施工许可", "completion_acceptance": "竣工验收"}[stage["stage"]],
            "lead_department": departments[stage["lead_department"]],
            "limit_days": stage["limit_days"],
            "items": [{"code": item["code"], "name": item["name"], "department": departments[item["department"]],
                       "limit_days": item["limit_days"], "materials": item.get("materials", []),
                       "state": next(states)} for item in stage["items"]],
        })
    return {"category": {"code": category["code"], "name": category["name"]}, "catalog_version": 1,
            "project_code": "2026-410800-48-01-000001", "project_name": "焦作市第一人民医院门诊楼建设项目",
            "overall_limit_days": catalog.get("overall_limit_days", 59),
            "total_limit_days": sum(s["limit_days"] for s in stages), "stages": stages}


def screenshot(svg_path, png_path, width, height, chromium):
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                        f"--screenshot={png_path}", svg_path.resolve().as_uri()],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)


def platform_svg(base_url, project_code, account="applicant", password="Demo@2026"):
    """The running platform's flowchart of `project_code`, fetched as `account`."""
    import urllib.request
    login = urllib.request.Request(f"{base_url}/auth/login", method="POST",
                                   data=json.dumps({"account": account, "password": password}).encode(),
                                   headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(login, timeout=10) as response:
        token = json.load(response)["access_token"]
    request = urllib.request.Request(f"{base_url}/projects/{project_code}/guide.svg",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode("utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "var" / "flowchart"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--platform", help="base URL of a running platform (scripts/run-platform)")
    parser.add_argument("--project", default="2026-410800-48-01-900001", help="project code (with --platform)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    svg = platform_svg(args.platform, args.project) if args.platform else flowchart_svg(sample_guide())
    svg_path, png_path = out.with_suffix(".svg"), out.with_suffix(".png")
    svg_path.write_text(svg, encoding="utf-8")
    import re
    width, height = (int(float(v)) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', svg).groups())
    screenshot(svg_path, png_path, width, height, args.chromium)
    print(png_path)


if __name__ == "__main__":
    main()
