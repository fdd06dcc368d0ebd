"""Joint guidance (联合辅导) in a browser: the applicant asks for guidance on stage 1 of a project from its
guidance page; the natural resources officer, the lead department, signs for it, picks the team from
the directory, calls the development and reform commission out and records its arrival, answers a
question on the spot, records a pre-review finding and issues the one-time notification list; the
applicant downloads the list's PDF and confirms it; the officer reads the analysis and publishes a
FAQ entry that the item's public guide then shows."""
from playwright.sync_api import expect

from conftest import axe_violations, choose, eventually, login, screenshot, settled
from launcher import http_json

QUESTION = "划拨用地需要提交哪些权属材料？"
ANSWER = "提交划拨决定书，无需土地出让合同。"
FAQ = "划拨用地申请建设用地规划许可需提交什么？"


def seed(platform):
    """A registered project and one member of the directory for NRP and for DRC (through the API)."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市第二污水处理厂配套管网工程", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1800.0}}, token)
    assert status == 201, project
    for account, name in (("nrp-officer", "周文"), ("drc-officer", "钱进")):
        status, member = http_json("POST", f"{platform.url}/guidance/staff", {"name": name, "title": "审批骨干"},
                                   platform.login(account))
        assert status == 201, member
    return project["project_code"]


def test_guidance_requested_held_listed_and_published(web_platform, context_for):
    code = seed(web_platform)

    # the applicant asks for guidance on stage 1 from the project's guidance page
    applicant = context_for().new_page()
    login(applicant, "applicant", web_platform)
    applicant.goto(f"/web/my/projects/{code}/guidance")
    expect(applicant.get_by_role("heading", name="联合辅导", level=1)).to_be_visible()
    choose(applicant, "审批阶段", "立项用地规划许可")
    applicant.get_by_label("咨询事项").fill("立项用地规划许可阶段需要准备哪些材料")

    def requested():   # the consult service learns of the project from project.registered
        applicant.get_by_role("button", name="提交辅导申请").click()
        return applicant.get_by_text("辅导申请已提交").count() > 0 or \
            (applicant.get_by_role("alert").filter(has_text="项目").count() == 0 and None)
    eventually(requested)
    card = applicant.get_by_label("第1次辅导")
    expect(card).to_contain_text("待牵头部门签收")
    expect(card).to_contain_text("NRP")

    # the lead department holds the session from its workbench
    nrp = context_for().new_page()
    login(nrp, "nrp-officer", web_platform)
    nrp.get_by_role("menuitem", name="联合辅导").click()
    nrp.get_by_role("link", name=f"查看辅导 {code} 第1次").click()
    nrp.get_by_role("button", name="签收").click()
    expect(nrp.get_by_role("heading", level=1)).to_contain_text("牵头部门办理中")
    choose(nrp, "辅导人员", "周文（NRP）")
    nrp.get_by_role("option", name="钱进（DRC）", exact=True).click()
    # the supporting departments come from the catalog, by name, without the lead department itself
    nrp.locator(".el-select__wrapper").filter(has=nrp.get_by_label("配合部门", exact=True)).click()
    expect(nrp.get_by_role("option", name="焦作市交通运输局（TRB）", exact=True)).to_be_visible()
    expect(nrp.get_by_role("option", name="焦作市自然资源和规划局（NRP）", exact=True)).to_have_count(0)
    nrp.get_by_role("option", name="焦作市发展和改革委员会（DRC）", exact=True).click()
    nrp.get_by_label("地点").click()
    nrp.get_by_label("地点").fill("政务服务中心咨询辅导室")
    nrp.get_by_role("button", name="通知配合部门（15分钟内到场）").click()
    expect(nrp.get_by_role("heading", level=1)).to_contain_text("联合辅导中")
    nrp.get_by_role("button", name="登记DRC到场").click()
    expect(nrp.get_by_text("到场，用时 0 分钟")).to_be_visible()
    nrp.get_by_label("问题", exact=True).fill(QUESTION)
    nrp.get_by_label("标签").fill("权属材料、划拨")
    nrp.get_by_label("当场答复").fill(ANSWER)
    nrp.get_by_role("button", name="登记问题").click()
    expect(nrp.get_by_role("cell", name=f"{ANSWER}", exact=False)).to_be_visible()
    choose(nrp, "事项", "NRP-001 建设用地规划许可证")
    choose(nrp, "材料", "土地出让合同或划拨决定书")
    nrp.get_by_label("说明").fill("划拨决定书复印件不清晰")
    nrp.get_by_role("button", name="登记预审意见").click()
    expect(nrp.get_by_role("cell", name="划拨决定书复印件不清晰")).to_be_visible()
    nrp.get_by_label("下一步").fill("补充清晰的划拨决定书后网上申报立项用地规划许可阶段。")
    nrp.get_by_role("button", name="出具一次告知清单").click()
    expect(nrp.get_by_role("heading", level=1)).to_contain_text("待申请人确认清单")
    settled(nrp)
    assert axe_violations(nrp) == []
    screenshot(nrp, "guidance-session")

    # the applicant downloads the list and confirms it
    applicant.reload()
    with applicant.expect_download() as download:
        applicant.get_by_role("button", name="下载一次告知清单 PDF", exact=False).first.click()
    assert download.value.suggested_filename.startswith("一次告知清单")
    applicant.get_by_role("button", name="确认一次告知清单").click()
    expect(applicant.get_by_label("第1次辅导")).to_contain_text("已办结")
    settled(applicant)
    screenshot(applicant, "guidance-applicant")

    # the analysis ranks the question; a FAQ entry joins the item's public guide
    nrp.get_by_role("menuitem", name="辅导分析").click()
    expect(nrp.get_by_role("region", name="高频问题")).to_contain_text(QUESTION)
    expect(nrp.get_by_role("region", name="常见材料错误")).to_contain_text("土地出让合同或划拨决定书")
    nrp.get_by_label("事项代码").fill("NRP-001")
    nrp.get_by_label("问题", exact=True).fill(FAQ)
    nrp.get_by_label("解答").fill(ANSWER)
    nrp.get_by_role("button", name="发布").click()
    expect(nrp.get_by_text("已发布到事项办事指南")).to_be_visible()
    settled(nrp)
    screenshot(nrp, "guidance-analysis")

    public = context_for().new_page()

    def guide_shows_faq():   # intake adds the entry to the guide on guidance.published
        public.goto("/web/guides/gov_building/items/NRP-001")
        expect(public.get_by_role("heading", name="常见问题")).to_be_visible()
        return public.get_by_role("button", name=FAQ).count() > 0
    assert eventually(guide_shows_faq)
    settled(public)
    screenshot(public, "guidance-item-guide-faq")


INTENTION = "在焦作市新区建设区级便民服务中心（意向，尚未登记）"


def test_the_window_requests_guidance_on_site_for_a_project_and_for_an_intention(web_platform, context_for):
    code = seed(web_platform)
    clerk = context_for().new_page()
    login(clerk, "clerk", web_platform)
    clerk.get_by_role("menuitem", name="现场辅导申请").click()
    expect(clerk.get_by_role("heading", name="现场辅导申请", level=1)).to_be_visible()

    # a registered project, on site
    clerk.get_by_label("项目代码").fill(code)
    clerk.get_by_label("咨询事项").fill("到窗口咨询立项用地规划许可阶段的材料")

    def requested():   # the consult service learns of the project from project.registered
        clerk.get_by_role("button", name="提交现场辅导申请").click()
        return clerk.get_by_role("link", name=f"查看辅导 {code}").count() > 0 or None
    eventually(requested)
    # the first request's message closes by itself before the second request is made, so that the
    # message looked for below is the second one's
    expect(clerk.get_by_text("现场辅导申请已提交")).to_have_count(0, timeout=10_000)

    # an intention with no project code yet: category and region instead
    clerk.get_by_text("项目意向（未登记）").click()
    clerk.get_by_label("项目意向", exact=True).fill(INTENTION)
    choose(clerk, "项目类别", "政府投资房屋建筑类")
    expect(clerk.get_by_label("行政区划")).to_have_value("410800")
    choose(clerk, "审批阶段", "立项用地规划许可")
    clerk.get_by_label("咨询事项").fill("便民服务中心用地需要先办哪些手续")
    clerk.get_by_role("button", name="提交现场辅导申请").click()
    expect(clerk.get_by_text("现场辅导申请已提交")).to_be_visible()
    row = clerk.locator(".el-table__row").filter(has_text=INTENTION)
    expect(row).to_contain_text("NRP")
    expect(row).to_contain_text("待牵头部门签收")
    expect(clerk.locator(".el-table__row").filter(has_text=code)).to_be_visible()
    settled(clerk)
    assert axe_violations(clerk) == []
    screenshot(clerk, "guidance-window")

    # the lead department finds the intention's request on its workbench
    nrp = context_for().new_page()
    login(nrp, "nrp-officer", web_platform)
    nrp.get_by_role("menuitem", name="联合辅导").click()
    nrp.get_by_role("link", name=f"查看辅导 {INTENTION}", exact=False).first.click()
    nrp.get_by_role("button", name="签收").click()
    expect(nrp.get_by_role("heading", level=1)).to_contain_text("牵头部门办理中")
