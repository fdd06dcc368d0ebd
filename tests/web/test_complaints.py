"""Complaints and the accountability list in a browser: a member of the public reports a department
anonymously, keeps the complaint number and query code shown once and looks the complaint up; the
supervisor of the region takes it and records the outcome, which the public then reads; the
supervisor's accountability list shows a second supplement notice planted on a case, and dismissing
it needs a reason."""
import re

import requests
from playwright.sync_api import expect

from conftest import axe_violations, eventually, login, screenshot, settled
from launcher import http_json

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
FORM = {"construction_site": "焦作市示范区新园路东侧", "floor_area_m2": 1500.0,
        "investment_10k_yuan": 1800, "contact_name": "赵明", "contact_phone": "13903910002"}
TITLE = "窗口工作人员推诿不办"
OUTCOME = "对窗口工作人员批评教育，当日补办"


def plant_second_supplement(platform):
    """A case of a new project gets a supplement notice, the supplement, and a second notice from the
    lead department (NRP) with its reason: a failure of 002 §34(二) for the accountability list."""
    token, nrp = platform.login("applicant"), platform.login("nrp-officer")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市示范区社区服务中心", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": FORM, "material_ids": []}, token)
    assert status == 201, declared

    def nrp_case():
        status, page = http_json("GET", f"{platform.url}/cases?project_code={code}", None, nrp)
        found = [c for c in page["items"] if c["department"] == "NRP"] if status == 200 else []
        return found[0] if found else None
    case = eventually(nrp_case)
    assert case, code

    def act(body):
        status, answer = http_json("POST", f"{platform.url}/cases/{case['case_id']}/actions", body, nrp)
        assert status == 200, answer
    act({"action": "accept", "opinion": "予以受理"})
    act({"action": "request_supplement", "opinion": "缺少建设项目用地预审与选址意见书"})
    uploaded = requests.post(f"{platform.url}/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                             files={"file": ("site.pdf", PDF, "application/pdf")},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert uploaded.status_code == 201, uploaded.text

    def hand_in():
        status, answer = http_json("POST", f"{platform.url}/projects/{code}/supplements", {
            "case_id": case["case_id"], "material_ids": [uploaded.json()["material_id"]], "note": "补交选址意见书"}, token)
        return status == 201
    assert eventually(hand_in)
    act({"action": "accept_supplement", "opinion": "补正材料齐全"})
    act({"action": "request_supplement", "opinion": "选址意见书缺少附图",
         "second_supplement_reason": "补交的选址意见书暴露出附图缺失，首次告知时无从发现"})


def test_an_anonymous_complaint_is_answered_and_the_accountability_list_is_decided(web_platform, context_for):
    # a member of the public reports a department, without signing in
    public = context_for().new_page()
    public.goto("/web/")
    public.get_by_role("navigation", name="主导航").get_by_role("link", name="投诉举报").click()
    expect(public.get_by_role("heading", name="投诉举报", level=1)).to_be_visible()
    public.get_by_label("被投诉部门（代码，如 NRP）").fill("NRP")
    public.get_by_label("部门所在行政区划代码（六位）").fill("410800")
    public.get_by_label("标题").fill(TITLE)
    public.get_by_label("投诉举报内容").fill("太短")
    public.get_by_role("button", name="提交投诉举报").click()
    expect(public.get_by_text("投诉内容须为 10 至 5000 个字").first).to_be_visible()
    public.get_by_label("投诉举报内容").fill("到自然资源和规划局窗口咨询规划许可材料，工作人员让我去别的窗口问，来回跑了三趟。")
    assert axe_violations(public) == []
    public.get_by_role("button", name="提交投诉举报").click()
    expect(public.get_by_role("heading", name="投诉举报已提交")).to_be_visible()
    expect(public.get_by_role("alert")).to_contain_text("查询码只显示这一次")
    number = public.get_by_test_id("complaint-no").inner_text().strip()
    secret = public.get_by_test_id("query-code").inner_text().strip()
    assert re.fullmatch(r"TS\d{8}\w{6}", number) and re.fullmatch(r"[2-9A-Z]{10}", secret)
    assert axe_violations(public) == []
    screenshot(public, "complaint-filed")

    # looked up with the number and the query code: waiting for the supervisor
    public.get_by_role("button", name="查询办理情况").click()
    expect(public.get_by_role("heading", name="投诉举报查询", level=1)).to_be_visible()
    expect(public.get_by_label("投诉编号")).to_have_value(number)
    public.get_by_label("查询码").fill("ABCDEFGHJK")
    public.get_by_role("button", name="查询").click()
    expect(public.get_by_text("投诉编号或查询码不正确")).to_be_visible()
    public.get_by_label("查询码").fill(secret)
    public.get_by_role("button", name="查询").click()
    expect(public.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(public.get_by_text("待受理")).to_be_visible()
    assert axe_violations(public) == []

    # the supervisor of the region takes it and records the outcome
    supervisor = context_for().new_page()
    login(supervisor, "supervisor", web_platform)
    supervisor.goto("/web/work/supervision")
    supervisor.get_by_role("menuitem", name="投诉举报").click()
    expect(supervisor.get_by_role("heading", name="投诉举报", level=1)).to_be_visible()
    row = supervisor.get_by_role("row").filter(has_text=number)
    expect(row).to_contain_text("待受理")
    expect(row).to_contain_text("匿名")
    settled(supervisor)
    assert axe_violations(supervisor) == []
    row.get_by_role("button", name="受理（本人承办）").click()
    expect(supervisor.get_by_role("alert").filter(has_text=f"已受理 {number}")).to_be_visible()
    expect(row).to_contain_text("办理中")
    row.get_by_role("button", name="记录结果").click()
    dialog = supervisor.get_by_role("dialog", name=f"记录办理结果：{number}")
    dialog.get_by_label("调查核实情况").fill("经调取窗口录像核实，工作人员未一次性告知，情况属实")
    dialog.locator("label.el-radio").filter(has_text=re.compile("^属实$")).click()
    dialog.get_by_label("处理措施").fill(OUTCOME)
    settled(supervisor)
    screenshot(supervisor, "supervisor-complaints")
    dialog.get_by_role("button", name="办结并告知投诉人").click()
    supervisor.get_by_role("button", name="确认办结").click()
    expect(supervisor.get_by_role("alert").filter(has_text="已办结，结果已告知投诉人")).to_be_visible()
    expect(row).to_contain_text("已办结")

    # the public reads the outcome
    public.get_by_role("button", name="查询").click()
    expect(public.get_by_text(OUTCOME)).to_be_visible()
    expect(public.get_by_text("已办结")).to_be_visible()

    # the accountability list of the month shows the planted second supplement notice
    plant_second_supplement(web_platform)
    supervisor.get_by_role("menuitem", name="问责清单").click()
    expect(supervisor.get_by_role("heading", name="问责清单", level=1)).to_be_visible()

    def listed():
        supervisor.get_by_role("button", name="查询").click()
        settled(supervisor)
        return supervisor.get_by_role("row").filter(has_text="再次补正").count() > 0
    assert eventually(listed)
    record = supervisor.get_by_role("row").filter(has_text="再次补正").first
    expect(record).to_contain_text("002 §34（二）")
    expect(record).to_contain_text("NRP")
    expect(record).to_contain_text("待决定")
    assert axe_violations(supervisor) == []
    screenshot(supervisor, "accountability-list")
    record.get_by_role("button", name="作出决定").click()
    decision = supervisor.get_by_role("dialog", name="对问责记录作出决定：NRP")
    decision.locator("label.el-radio").filter(has_text="不予问责").click()
    decision.get_by_role("button", name="确定").click()
    supervisor.get_by_role("button", name="确认", exact=True).click()
    expect(decision.get_by_text("不予问责或移送须说明理由").first).to_be_visible()
    decision.get_by_label("理由").fill("牵头部门已说明再次补正的正当理由")
    decision.get_by_role("button", name="确定").click()
    supervisor.get_by_role("button", name="确认", exact=True).click()
    expect(supervisor.get_by_role("alert").filter(has_text="决定已记录")).to_be_visible()
    expect(supervisor.get_by_role("row").filter(has_text="再次补正").filter(has_text="不予问责").first).to_be_visible()


def test_the_applicant_complains_from_its_project_page_and_reads_the_answer(web_platform, context_for):
    token = web_platform.login("applicant")
    status, project = http_json("POST", f"{web_platform.url}/projects", {
        "name": "焦作市示范区文化活动中心", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1500.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    supervisor_token = web_platform.login("supervisor")
    assert eventually(lambda: http_json("GET", f"{web_platform.url}/supervision/projects/{code}", None,
                                        supervisor_token)[0] == 200)

    applicant = context_for().new_page()
    login(applicant, "applicant", web_platform)
    applicant.goto(f"/web/my/projects/{code}")
    applicant.get_by_role("button", name="投诉举报").click()
    dialog = applicant.get_by_role("dialog", name="投诉举报")
    dialog.get_by_label("标题").fill("规划许可咨询无人答复")
    dialog.get_by_label("投诉举报内容").fill("在线咨询规划许可所需材料，五个工作日无人答复。")
    assert axe_violations(applicant) == []
    dialog.get_by_role("button", name="提交投诉举报").click()
    expect(applicant.get_by_role("alert").filter(has_text="投诉举报已提交")).to_be_visible()

    # the supervisor answers it; the applicant finds the answer among its messages (API: the inbox)
    status, page = http_json("GET", f"{web_platform.url}/complaints?state=filed", None, supervisor_token)
    (filed,) = [c for c in page["items"] if c["project_code"] == code]
    assert http_json("POST", f"{web_platform.url}/complaints/{filed['complaint_id']}/assignment", {},
                     supervisor_token)[0] == 200
    status, done = http_json("POST", f"{web_platform.url}/complaints/{filed['complaint_id']}/outcome", {
        "finding": "咨询系统转办延误", "substantiated": True, "action_taken": "已督促规划部门当日答复"}, supervisor_token)
    assert status == 200, done
    notices = eventually(lambda: [n for n in http_json("GET", f"{web_platform.url}/inbox?kind=complaint", None,
                                                       token)[1]["items"] if n["project_code"] == code])
    assert notices and "已办结：属实" in notices[0]["title"]
