"""Joint review (会审) in a browser: the natural resources officer, lead department of stage 1,
convenes a 联合审图 review of the development and reform commission and the fire department from the
joint review page (the server's field error shown first); the development and reform officer answers
"有条件同意" with a condition; the fire department answers "无意见"; the natural resources officer
records the minutes and the conclusion; the page shows the conclusion and the project's documents
hold the 会审纪要."""
import datetime
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from conftest import axe_violations, choose, eventually, login, screenshot, settled
from launcher import http_json
from test_consultation import seed_case

FIRE_ACCOUNT, FIRE_PASSWORD = "fire-joint-officer", "Fire#Joint2026"
SUBJECT = "综合楼施工图联合审查：建筑、消防与节能专业"
CONDITION = "施工图须补充节能设计专篇，报发展改革部门备案"
MINUTES = "三部门对综合楼施工图进行了联合审查，发展改革部门提出节能条件，消防救援支队无意见。"
CONCLUSION = "施工图联合审查通过，按发展改革部门条件完善节能设计专篇"
DRC_NAME, FIRE_NAME = "焦作市发展和改革委员会", "焦作市消防救援支队"


def fire_officer(platform):
    """The fire department has no demo account: the operator creates one; its holder sets a password."""
    operator = platform.login("operator")
    status, created = http_json("POST", f"{platform.url}/accounts", {
        "account": FIRE_ACCOUNT, "password": "Init#2026x", "role": "officer", "name": "消防救援支队 会审人员",
        "department": "FIRE", "region": "410800", "steps": ["accept", "review", "approve", "conclude"]}, operator)
    assert status == 201, created
    status, changed = http_json("POST", f"{platform.url}/auth/password", {
        "account": FIRE_ACCOUNT, "current_password": "Init#2026x", "new_password": FIRE_PASSWORD})
    assert status == 204, changed


def pick_date(dialog, day):
    field = dialog.get_by_label("会审日期")
    field.fill(day.isoformat())
    field.press("Enter")


def answer(page, kind, opinion, condition=None):
    form = page.get_by_role("region", name="本部门意见")
    expect(form).to_contain_text("意见提交后不可更改")
    form.locator("label.el-radio").filter(has_text=re.compile(f"^{kind}$")).click()
    form.get_by_label("会审意见").fill(opinion)
    if condition:
        form.get_by_label("同意的条件").fill(condition)
    form.get_by_role("button", name="提交意见").click()
    page.get_by_role("button", name="确认提交").click()
    expect(page.get_by_role("alert").filter(has_text="会审意见已提交")).to_be_visible()
    expect(page.get_by_role("region", name="本部门意见")).to_have_count(0)


def test_joint_review_convened_answered_and_concluded(web_platform, context_for):
    code, _case = seed_case(web_platform)
    fire_officer(web_platform)
    today = datetime.datetime.now(ZoneInfo("Asia/Shanghai")).date()

    # the natural resources officer convenes the review from the joint review page
    nrp = context_for().new_page()
    login(nrp, "nrp-officer", web_platform)
    nrp.get_by_role("menuitem", name="联合会审").click()
    expect(nrp.get_by_role("heading", name="联合会审", level=1)).to_be_visible()
    nrp.get_by_role("button", name="发起会审").click()
    dialog = nrp.get_by_role("dialog", name="发起会审")
    dialog.get_by_role("button", name="发起会审").click()
    for message in ("请选择会审类型", "请填写项目代码", "请选择本部门牵头的阶段", "请填写会审事项",
                    "请至少选择一个受邀部门", "请选择会审日期", "请填写会审地点，或选择线上会审"):
        expect(dialog.get_by_text(message)).to_be_visible()
    choose(nrp, "会审类型", "联合审图", within=dialog)
    dialog.get_by_label("项目代码").fill(code)
    dialog.get_by_role("button", name="查找阶段").click()
    expect(dialog.locator(".el-select__wrapper").filter(has=nrp.get_by_label("阶段", exact=True))) \
        .to_contain_text("立项用地规划许可")
    dialog.get_by_label("会审事项").fill(SUBJECT)
    choose(nrp, "受邀部门", f"{DRC_NAME}（DRC）", within=dialog)
    nrp.get_by_role("option", name=f"{FIRE_NAME}（FIRE）", exact=True).click()
    dialog.get_by_label("会审事项").click()   # closes the list
    pick_date(dialog, today + datetime.timedelta(days=120))   # after the answer deadline: the server refuses
    dialog.get_by_label("会审地点").fill("市政务服务中心三楼会议室")
    dialog.get_by_role("button", name="发起会审").click()
    nrp.get_by_role("button", name="确认发起").click()
    meeting_item = dialog.locator(".el-form-item").filter(has=nrp.get_by_label("会审日期"))
    expect(meeting_item.locator(".el-form-item__error")).to_be_visible()
    pick_date(dialog, today)
    expect(meeting_item.locator(".el-form-item__error")).to_have_count(0)
    settled(nrp)
    assert axe_violations(nrp) == []
    dialog.get_by_role("button", name="发起会审").click()
    nrp.get_by_role("button", name="确认发起").click()
    expect(nrp.get_by_role("alert").filter(has_text="会审已发起")).to_be_visible()
    expect(nrp).to_have_url(re.compile(r"/web/work/joint-reviews/[0-9a-f-]+$"))
    review_url = nrp.url
    facts = nrp.locator(".facts")
    expect(facts).to_contain_text("联合审图")
    expect(facts).to_contain_text("立项用地规划许可")
    expect(facts).to_contain_text("待反馈")
    expect(facts.get_by_role("link", name=code)).to_be_visible()
    answers = nrp.get_by_role("region", name="受邀部门意见")
    expect(answers.get_by_role("row").filter(has_text=DRC_NAME)).to_contain_text("待答复")
    expect(answers.get_by_role("row").filter(has_text=FIRE_NAME)).to_contain_text("待答复")
    minutes = nrp.get_by_role("region", name="会审纪要")
    expect(minutes).to_contain_text("尚待反馈")
    expect(minutes.get_by_role("button", name="形成纪要并办结")).to_be_disabled()

    # the development and reform officer finds it among the reviews it is invited to and answers
    drc = context_for().new_page()
    login(drc, "drc-officer", web_platform)
    drc.get_by_role("menuitem", name="联合会审").click()
    row = drc.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("联合审图")
    expect(row).to_contain_text("待反馈")
    expect(row).to_contain_text(FIRE_NAME)
    settled(drc)
    screenshot(drc, "joint-review-list")
    assert axe_violations(drc) == []
    row.get_by_role("link", name=re.compile(f"查看会审 {code}")).click()
    form = drc.get_by_role("region", name="本部门意见")
    form.locator("label.el-radio").filter(has_text="有条件同意").click()
    form.get_by_role("button", name="提交意见").click()
    expect(form.get_by_text("请填写会审意见")).to_be_visible()
    expect(form.get_by_text("有条件同意时必须填写条件")).to_be_visible()
    settled(drc)
    assert axe_violations(drc) == []
    answer(drc, "有条件同意", "原则同意施工图设计", CONDITION)
    answers = drc.get_by_role("region", name="受邀部门意见")
    expect(answers.get_by_role("row").filter(has_text=DRC_NAME)).to_contain_text(f"条件：{CONDITION}")

    # the fire department answers "no opinion"
    fire = context_for().new_page()
    login(fire, FIRE_ACCOUNT, web_platform, password=FIRE_PASSWORD)
    fire.goto(review_url)
    answer(fire, "无意见", "消防设计无意见")

    # the natural resources officer records the minutes and the conclusion
    nrp.reload()
    answers = nrp.get_by_role("region", name="受邀部门意见")
    expect(answers.get_by_role("row").filter(has_text=DRC_NAME)).to_contain_text("有条件同意")
    expect(answers.get_by_role("row").filter(has_text=FIRE_NAME)).to_contain_text("无意见")
    minutes = nrp.get_by_role("region", name="会审纪要")
    expect(minutes).to_contain_text("受邀部门均已反馈")
    minutes.get_by_role("button", name="形成纪要并办结").click()
    expect(minutes.get_by_text("请填写会议纪要")).to_be_visible()
    expect(minutes.get_by_text("请填写会审结论")).to_be_visible()
    minutes.get_by_label("会议纪要").fill(MINUTES)
    minutes.get_by_label("会审结论").fill(CONCLUSION)
    settled(nrp)
    screenshot(nrp, "joint-review-minutes")
    assert axe_violations(nrp) == []
    minutes.get_by_role("button", name="形成纪要并办结").click()
    nrp.get_by_role("button", name="确认办结").click()
    expect(nrp.get_by_role("alert").filter(has_text="会审纪要已形成")).to_be_visible()
    expect(nrp.locator(".facts")).to_contain_text("已办结")
    conclusion = nrp.get_by_role("region", name="会审结论")
    expect(conclusion).to_contain_text(CONCLUSION)
    expect(conclusion).to_contain_text(MINUTES)

    # the 会审纪要 is issued among the project's documents, downloadable from the review page
    officer = web_platform.login("nrp-officer")

    def issued():
        status, page = http_json("GET", f"{web_platform.url}/projects/{code}/documents?limit=50&offset=0",
                                 None, officer)
        return status == 200 and any(d["kind"] == "joint_review_minutes" for d in page["items"])
    assert eventually(issued), "joint review minutes not issued"
    nrp.reload()
    conclusion = nrp.get_by_role("region", name="会审结论")
    download_button = conclusion.get_by_role("button", name=re.compile("^下载"))
    expect(download_button).to_be_visible()
    with nrp.expect_download() as done:
        download_button.click()
    assert done.value.suggested_filename.endswith(".pdf")
    settled(nrp)
    assert axe_violations(nrp) == []
    nrp.goto(f"/web/work/projects/{code}")
    expect(nrp.get_by_role("region", name="窗口文书")).to_contain_text("会审纪要")
