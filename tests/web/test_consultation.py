"""Department consultation (征询) in a browser: the natural resources officer starts a consultation
from the case page asking the fire department; the fire department's officer finds it in the
department inbox and replies "有条件同意" with a condition (final); the natural resources officer reads
the reply and countersigns with a summary; the countersign record (会签意见书) reaches the project's
documents."""
import re

import requests
from playwright.sync_api import expect

from conftest import axe_violations, choose, eventually, login, screenshot, settled
from launcher import http_json

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
MATERIAL = "建设项目用地预审与选址意见书"
FORM = {"construction_site": "焦作市山阳区丰收路南侧", "floor_area_m2": 2400.0,
        "investment_10k_yuan": 3100, "contact_name": "李文华", "contact_phone": "13903910001"}
FIRE_ACCOUNT, FIRE_PASSWORD = "fire-consult-officer", "Fire#Consult2026"
QUESTION = "请就综合楼消防车道与登高操作场地布置提出意见"
CONDITION = "消防车道宽度不小于4米，施工图审查时提交消防设计专篇"
SUMMARY = "消防救援支队有条件同意，其条件纳入规划许可审查意见"


def seed_case(platform):
    """An applicant declares stage 1 of a new project; the NRP officer accepts the NRP case."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市消防综合楼建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 2400.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    uploaded = requests.post(f"{platform.url}/projects/{code}/materials", data={"name": MATERIAL},
                             files={"file": ("site.pdf", PDF, "application/pdf")},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert uploaded.status_code == 201, uploaded.text
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": FORM, "material_ids": [uploaded.json()["material_id"]]}, token)
    assert status == 201, declared
    officer = platform.login("nrp-officer")

    def nrp_case():
        status, page = http_json("GET", f"{platform.url}/cases?project_code={code}", None, officer)
        found = [c for c in page["items"] if c["department"] == "NRP"] if status == 200 else []
        return found[0] if found else None
    case = eventually(nrp_case)
    assert case, code
    status, accepted = http_json("POST", f"{platform.url}/cases/{case['case_id']}/actions",
                                 {"action": "accept", "opinion": "材料齐全，予以受理"}, officer)
    assert status == 200, accepted
    return code, case


def fire_officer(platform):
    """The fire department has no demo account: the operator creates one; its holder sets a password."""
    operator = platform.login("operator")
    status, created = http_json("POST", f"{platform.url}/accounts", {
        "account": FIRE_ACCOUNT, "password": "Init#2026x", "role": "officer", "name": "消防救援支队 审批人员",
        "department": "FIRE", "region": "410800", "steps": ["accept", "review", "approve", "conclude"]}, operator)
    assert status == 201, created
    status, changed = http_json("POST", f"{platform.url}/auth/password", {
        "account": FIRE_ACCOUNT, "current_password": "Init#2026x", "new_password": FIRE_PASSWORD})
    assert status == 204, changed


def test_consultation_from_case_to_countersign(web_platform, context_for):
    code, case = seed_case(web_platform)
    fire_officer(web_platform)

    # the natural resources officer starts a consultation on the case (no catalog rule: explicit days)
    nrp = context_for().new_page()
    login(nrp, "nrp-officer", web_platform)
    nrp.goto(f"/web/work/cases/{case['case_id']}")
    consults = nrp.get_by_role("region", name="部门征询")
    expect(consults.get_by_text("本办件尚未发起部门征询")).to_be_visible()
    consults.get_by_role("button", name="发起征询").click()
    dialog = nrp.get_by_role("dialog", name="发起部门征询")
    expect(dialog).to_contain_text("本事项目录未规定征询部门和期限")
    dialog.get_by_role("button", name="发起征询").click()
    expect(dialog.get_by_text("请填写征询事项")).to_be_visible()
    expect(dialog.get_by_text("请至少选择一个征询部门")).to_be_visible()
    dialog.get_by_label("征询事项").fill(QUESTION)
    choose(nrp, "征询部门", "焦作市消防救援支队（FIRE）", within=dialog)
    dialog.get_by_label("征询事项").click()   # closes the list
    expect(dialog.get_by_label("答复期限（工作日）")).to_have_value("5")
    dialog.get_by_role("button", name="发起征询").click()
    nrp.get_by_role("button", name="确认发起").click()
    expect(nrp.get_by_role("alert").filter(has_text="征询已发起")).to_be_visible()
    link = consults.get_by_role("link", name=f"查看征询：{QUESTION}")
    expect(link).to_be_visible()
    expect(consults.get_by_role("row").filter(has_text=QUESTION)).to_contain_text("待答复")
    expect(consults).to_contain_text("焦作市消防救援支队")

    # the fire officer finds it in the department inbox and replies, with a condition
    fire = context_for().new_page()
    login(fire, FIRE_ACCOUNT, web_platform, password=FIRE_PASSWORD)
    fire.get_by_role("menuitem", name="部门征询").click()
    expect(fire.get_by_role("heading", name="部门征询", level=1)).to_be_visible()
    row = fire.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("待答复")
    expect(row).to_contain_text("焦作市自然资源和规划局")
    expect(row).to_contain_text("正常")
    settled(fire)
    screenshot(fire, "consultation-inbox")
    assert axe_violations(fire) == []
    row.get_by_role("link", name=re.compile(f"查看征询 {code}")).click()
    expect(fire).to_have_url(re.compile(r"/web/work/consultations/[0-9a-f-]+$"))
    expect(fire.get_by_text(QUESTION)).to_be_visible()
    reply = fire.get_by_role("region", name="本部门答复")
    expect(reply).to_contain_text("答复提交后不可更改")
    reply.locator("label.el-radio").filter(has_text="有条件同意").click()
    reply.get_by_role("button", name="提交答复").click()
    expect(reply.get_by_text("请填写答复意见")).to_be_visible()
    expect(reply.get_by_text("有条件同意时必须填写条件")).to_be_visible()
    reply.get_by_label("答复意见").fill("原则同意总平面布置")
    reply.get_by_label("同意的条件").fill(CONDITION)
    settled(fire)
    assert axe_violations(fire) == []
    reply.get_by_role("button", name="提交答复").click()
    fire.get_by_role("button", name="确认答复").click()
    expect(fire.get_by_role("alert").filter(has_text="答复已提交")).to_be_visible()
    expect(fire.get_by_role("region", name="本部门答复")).to_have_count(0)
    replies = fire.get_by_role("region", name="各部门答复")
    expect(replies).to_contain_text("有条件同意")
    expect(replies).to_contain_text(f"条件：{CONDITION}")

    # the natural resources officer reads the reply and countersigns
    nrp.get_by_role("menuitem", name="部门征询").click()
    choose(nrp, "类别", "本部门发起的征询")
    row = nrp.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("待会签")
    row.get_by_role("link", name=re.compile(f"查看征询 {code}")).click()
    replies = nrp.get_by_role("region", name="各部门答复")
    expect(replies).to_contain_text("有条件同意")
    expect(replies).to_contain_text(CONDITION)
    countersign = nrp.get_by_role("region", name="办结会签")
    countersign.get_by_role("button", name="办结会签").click()
    expect(countersign.get_by_text("请填写会签汇总意见")).to_be_visible()
    countersign.get_by_label("会签汇总意见").fill(SUMMARY)
    settled(nrp)
    screenshot(nrp, "consultation-countersign")
    assert axe_violations(nrp) == []
    countersign.get_by_role("button", name="办结会签").click()
    nrp.get_by_role("button", name="确认办结").click()
    expect(nrp.get_by_role("alert").filter(has_text="已办结会签")).to_be_visible()
    expect(nrp.locator(".facts")).to_contain_text("已办结")
    expect(nrp.get_by_text(SUMMARY)).to_be_visible()

    # the countersign record is among the project's documents
    officer = web_platform.login("nrp-officer")

    def record():
        status, page = http_json("GET", f"{web_platform.url}/projects/{code}/documents?limit=50&offset=0",
                                 None, officer)
        return status == 200 and any(d["kind"] == "countersign_record" for d in page["items"])
    assert eventually(record), "countersign record not issued"
    nrp.goto(f"/web/work/projects/{code}")
    expect(nrp.get_by_role("region", name="窗口文书")).to_contain_text("会签意见书")

    # one-time supplement: once a notice was issued, a second one asks the lead department's reason
    for action, opinion in (("request_supplement", "缺少土地出让合同"), ("accept_supplement", "补正材料已收")):
        status, body = http_json("POST", f"{web_platform.url}/cases/{case['case_id']}/actions",
                                 {"action": action, "opinion": opinion}, officer)
        assert status == 200, body
    nrp.goto(f"/web/work/cases/{case['case_id']}")
    actions = nrp.get_by_role("region", name="办理", exact=True)
    actions.get_by_role("button", name="一次性告知补正", exact=True).click()
    dialog = nrp.get_by_role("dialog", name="办理：一次性告知补正")
    expect(dialog).to_contain_text("本办件已出具过 1 次补正通知")
    dialog.get_by_label("办理意见").fill("缺少规划条件核实意见")
    dialog.get_by_role("button", name="提交").click()
    expect(dialog.get_by_text("请填写再次补正的理由")).to_be_visible()
    dialog.get_by_label("再次补正理由").fill("出让合同所附规划条件与申报不一致，需补充核实意见")
    dialog.get_by_role("button", name="提交").click()
    nrp.get_by_role("button", name="确认提交").click()
    expect(nrp.get_by_role("alert").filter(has_text="已一次性告知补正")).to_be_visible()
    expect(nrp.get_by_role("region", name="办理记录")).to_contain_text("出让合同所附规划条件与申报不一致")
    # the case page lists the closed consultation with its link
    expect(nrp.get_by_role("region", name="部门征询").get_by_role("row").filter(has_text=QUESTION)).to_contain_text("已办结")
    assert axe_violations(nrp) == []
