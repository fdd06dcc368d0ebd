"""The province sees our projects (001 §10–§11), end to end over HTTP with the provincial front
database on MariaDB: a project through stage 1 (立项用地规划许可) with a material, both cases concluded and
licensed, a red-line boundary and an intermediary service; the exchange process pushes every row kind
in dependency order, each exactly once per version; the province's checker (scripts/province_checker.py)
takes them in. A window correction is sent as a new row version. A planted bad project (planned completion
before start) is rejected, recorded within one poll, becomes an operator task and an accountability fact,
and is taken in once the window corrects it; its unit row, rejected for the missing parent, is sent
again by the platform itself.
"""
import re
import time

import pytest
import requests
from sqlalchemy import create_engine, text

import platforms
from gateway.routes import GATEWAY_OPERATIONS, OPERATIONS
from exchange_front import Front
from test_end_to_end import PDF, STAGE_1_FORM, eventually, login

BOUNDARY = {"type": "Polygon", "coordinates": [[[113.241, 35.215], [113.245, 35.215], [113.245, 35.218],
                                                [113.241, 35.218], [113.241, 35.215]]]}
ATTRIBUTES = {"floor_area_m2": 12500.5, "investment_10k_yuan": 8600, "construction_site": "焦作市解放区人民路北侧",
              "planned_start": "2026-03-01", "planned_completion": "2027-06-30"}


@pytest.fixture(scope="module")
def province(postgres, tmp_path_factory):
    with platforms.front_database("flow") as front_url:
        with platforms.running_platform(postgres, tmp_path_factory.mktemp("exchange"), "exchange", catalog=True,
                                        front_url=front_url, extra_env={
                                            "OUTBOX_POLL_SECONDS": "0.5", "EXCHANGE_POLL_SECONDS": "2", "GATEWAY_LINK_SECONDS": "3",
                                            "CHECKER_SECONDS": "0.5"}) as running:
            front = Front(front_url)
            yield running, front
            front.close()


@pytest.fixture(scope="module")
def flow(province):
    platform, front = province
    applicant, clerk = login(platform, "applicant"), login(platform, "clerk")
    registered = applicant.post("/projects", json={"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                                   "region": "410800", "attributes": ATTRIBUTES})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    upload = applicant.post(f"/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                            files={"file": ("site.pdf", PDF, "application/pdf")})
    assert upload.status_code == 201, upload.text
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [upload.json()["material_id"]]})
    assert declared.status_code == 201, declared.text
    officers = {"NRP": login(platform, "nrp-officer"), "DRC": login(platform, "drc-officer")}
    cases = {}
    for department, officer in officers.items():
        cases[department] = eventually(lambda officer=officer: (officer.get(
            "/cases", params={"project_code": code}).json()["items"] or [None])[0])["case_id"]
        for action in ("accept", "review", "approve", "conclude"):
            acted = officer.post(f"/cases/{cases[department]}/actions", json={"action": action, "opinion": "同意"})
            assert acted.status_code == 200, acted.text
    boundary = applicant.put(f"/projects/{code}/boundary", json={"name": "用地红线图", "geometry": BOUNDARY})
    assert boundary.status_code == 200, boundary.text
    service = clerk.post(f"/projects/{code}/intermediary-services", json={
        "service_name": "环境影响评价报告表编制", "agency_name": "河南绿源环境工程有限公司",
        "agency_code": "91410800MA44ABCD1X", "started_on": "2026-02-01", "finished_on": "2026-02-20"})
    assert service.status_code == 201, service.text
    return {"code": code, "cases": cases, "applicant": applicant, "clerk": clerk,
            "material": upload.json(), "intermediary": service.json()}


def test_every_row_kind_reaches_the_province_once_in_dependency_order(province, flow):
    platform, front = province
    code = flow["code"]

    def complete():
        kinds = ("flow", "stage", "item", "project", "unit", "case", "step", "document", "attachment",
                 "redline", "intermediary")
        counts = {kind: front.count(kind) for kind in kinds}
        steps = {int(r["BLZT"]) for r in front.rows("step")}
        seen.update(counts=counts, steps=steps)
        return all(counts.values()) and len(front.rows("document")) == 2 and {1, 3, 8, 11} <= steps and counts
    seen = {}
    try:
        counts = eventually(complete, timeout=120, interval=1)
    except AssertionError:
        raise AssertionError(f"the front database holds {seen}") from None
    assert front.duplicates() == {}
    assert counts["flow"] == 7        # one flow per project category of the demo catalog
    project = front.rows("project", "XMDM = :c", c=code)
    assert project[0]["XMMC"] == "焦作市第一人民医院门诊楼建设项目" and project[0]["SPLCBM"] == "gov_building"
    assert project[0]["NKGSJ"] == "2026-03-01" and project[0]["XZQHDM"] == "410800"
    units = front.rows("unit", "XMDM = :c", c=code)
    assert {(u["DWLX"], u["DWTYSHXYDM"]) for u in units} >= {("1", "91410800MA47Q0R12X")}
    cases = front.rows("case", "GCDM = :c", c=code)
    assert {c["SPSXSLBM"] for c in cases} == set(flow["cases"].values())
    assert {c["SLFS"] for c in cases} == {"4"}            # declared online
    for case_id in flow["cases"].values():
        latest = {r["DFSJZJ"]: r for r in front.rows("step", "SPSXSLBM = :c", c=case_id)}   # by version
        states = [int(r["BLZT"]) for r in sorted(latest.values(), key=lambda r: (r["BLSJ"], int(r["BLZT"])))]
        assert states == [1, 3, 8, 11], states         # received, accepted, handled, concluded approved
    assert len(front.rows("attachment")) == 2           # the material, once per case
    redline = front.rows("redline", "XMDM = :c", c=code)
    assert '"Polygon"' in redline[0]["JZWJFJ"]
    services = front.rows("intermediary", "XMDM = :c", c=code)
    assert services[0]["ZJJGDM"] == "91410800MA44ABCD1X"
    # dependency order: each row uploaded no earlier than its parent (a row the province saw before its
    # parent comes back with 上级数据不存在 and is sent again: its latest version is taken in)
    first = {kind: min(r["SCSJ"] for r in front.rows(kind)) for kind in ("flow", "stage", "item")}
    assert first["flow"] <= first["stage"] <= first["item"]
    # the province takes a row in only once its parent row was taken in: every latest version is
    def latest_taken_in():
        for kind in ("project", "unit", "case", "step", "document", "attachment", "redline", "intermediary"):
            latest = {}
            for r in front.rows(kind):
                latest[r["DFSJZJ"]] = r
            if any(r["SJSCZT"] != 1 for r in latest.values()):
                return False
        return True
    eventually(latest_taken_in, timeout=40)


def test_an_edit_is_sent_again_as_a_new_row_version(province, flow):
    platform, front = province
    code = flow["code"]
    before = eventually(lambda: front.rows("project", "XMDM = :c", c=code), timeout=60)
    corrected = flow["clerk"].post(f"/projects/{code}/corrections", json={
        "attributes": {"construction_site": "焦作市解放区人民路北侧 12 号"}, "reason": "建设地点门牌号补充"})
    assert corrected.status_code == 200, corrected.text
    versions = eventually(lambda: (lambda rows: rows if rows[-1]["JSDD"].endswith("12 号") else None)(
        front.rows("project", "XMDM = :c", c=code)), timeout=30)
    assert [r["SJBB"] for r in versions] == list(range(1, len(before) + 2))
    assert versions[-2]["JSDD"] == "焦作市解放区人民路北侧"
    assert front.duplicates() == {}


def test_a_withdrawn_intermediary_service_is_sent_as_invalid(province, flow):
    platform, front = province
    record_id = flow["intermediary"]["record_id"]
    withdrawn = flow["clerk"].post(f"/projects/{flow['code']}/intermediary-services/{record_id}/withdrawal",
                                   json={"reason": "中介机构登记错误"})
    assert withdrawn.status_code == 200, withdrawn.text
    rows = eventually(lambda: (lambda r: r if len(r) == 2 else None)(
        front.rows("intermediary", "DFSJZJ = :k", k=record_id)), timeout=30)
    assert (rows[1]["SJYXBS"], rows[1]["SJWXYY"]) == (0, "中介机构登记错误")


def test_a_rejection_is_recorded_becomes_a_task_and_is_accepted_once_corrected(province):
    platform, front = province
    clerk, operator = login(platform, "clerk"), login(platform, "operator")
    registered = clerk.post("/projects", json={
        "name": "焦作市体育中心游泳馆建设项目", "category": "gov_building", "region": "410800",
        "applicant_org": "91410800MA47Q0R12X", "applicant_name": "焦作市城市建设投资有限公司",
        "attributes": {**ATTRIBUTES, "planned_start": "2026-09-01", "planned_completion": "2026-05-01"}})
    assert registered.status_code == 201, registered.text
    code = registered.json()["project_code"]
    rejected = eventually(lambda: [r for r in front.rows("project", "XMDM = :c", c=code) if r["SJSCZT"] == 2],
                          timeout=30)
    assert rejected[0]["SBYY"].startswith("计划竣工时间早于计划开工时间")

    def task():
        tasks = operator.get("/exchange/tasks", params={"state": "open"}).json()["items"]
        return next((t for t in tasks if t["dfsjzj"] == code), None)
    found = eventually(task, timeout=15)      # within one poll (EXCHANGE_POLL_SECONDS=2)
    assert found["department"] == "DSB" and found["accountability_record_id"]
    status = operator.get("/exchange/status").json()
    assert any(r["reason"] == "计划竣工时间早于计划开工时间" for r in status["rejections_by_reason"])
    assert status["last_poll_at"] and status["open_tasks"] >= 1
    records = operator.get("/accountability", params={"ground": "34-4"}).json()["items"]
    assert any(r["record_id"] == found["accountability_record_id"] for r in records)
    # the unit row of the rejected project waits for its parent
    eventually(lambda: any(r["outcome"] == "waiting" and r["dfsjzj"].startswith(code) for r in operator.get(
        "/exchange/rejections").json()["items"]), timeout=20)

    corrected = clerk.post(f"/projects/{code}/corrections", json={
        "attributes": {"planned_completion": "2027-05-01"}, "reason": "计划竣工时间录入错误，按批复更正"})
    assert corrected.status_code == 200, corrected.text
    eventually(lambda: [r for r in front.rows("project", "XMDM = :c", c=code) if r["SJBB"] == 2 and r["SJSCZT"] == 1],
               timeout=30)
    eventually(lambda: [r for r in front.rows("unit", "XMDM = :c", c=code) if r["SJSCZT"] == 1], timeout=30)
    eventually(lambda: not task(), timeout=20)       # closed once the corrected row was taken in
    assert front.duplicates() == {}


def test_the_province_reads_a_case_and_downloads_an_attachment_through_an_expiring_link(province, flow):
    platform, front = province
    operator = login(platform, "operator")
    created = operator.post("/accounts", json={"account": "henan-province", "password": "Init#2026x",
                                               "role": "province", "name": "河南省工程建设项目审批管理系统",
                                               "region": "410000"})
    assert created.status_code == 201, created.text
    changed = requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": "henan-province", "current_password": "Init#2026x", "new_password": "Demo@2026"})
    assert changed.status_code == 204, changed.text
    province_account = login(platform, "henan-province")
    case_id = flow["cases"]["NRP"]
    case = province_account.get(f"/cases/{case_id}")
    assert case.status_code == 200, case.text
    assert case.json()["case_id"] == case_id
    material = flow["material"]
    link = province_account.get(f"/province/attachments/{material['material_id']}/versions/{material['version']}/link")
    assert link.status_code == 200, link.text
    downloaded = requests.get(platform.url + link.json()["url"], timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == PDF
    time.sleep(4)       # GATEWAY_LINK_SECONDS=3
    expired = requests.get(platform.url + link.json()["url"], timeout=10)
    assert expired.status_code == 403 and "过期" in expired.json()["detail"]
    # every write route, and every read that is not the province's, answers 403
    for op in OPERATIONS + GATEWAY_OPERATIONS:
        if op.method == "GET" or op.path.startswith("/auth/") or op.public:
            continue
        path = op.path.replace("{code}", flow["code"]).replace("{version:int}", "1").replace("{case_id}", case_id)
        path = re.sub(r"{[a-z_]+(:int)?}", "1", path)
        answer = getattr(province_account, op.method.lower())(path, json={})
        assert answer.status_code == 403, (op.method, op.path, answer.status_code, answer.text)
    assert province_account.get("/projects").status_code == 403
    assert province_account.get("/exchange/status").status_code == 403
    # the link and both downloads are in the audit trail, with the account
    engine = create_engine(platform.database_urls["gateway"])
    with engine.connect() as conn:
        events = conn.execute(text("SELECT event, actor, status FROM audit_records WHERE actor = 'henan-province' "
                                   "AND event IN ('download', 'download_link') ORDER BY seq")).all()
    engine.dispose()
    assert {("download_link", "henan-province", 200), ("download", "henan-province", 200)} <= {tuple(e) for e in events}
