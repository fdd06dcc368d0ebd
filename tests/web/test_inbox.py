"""Notices in a browser: the applicant sees the unread badge in the portal's menu, finds the
registration voucher's notice first in 消息与文书 → 消息, opens it, and the badge count drops; an
officer sees the 督办 counter on the workbench and the notice in the workbench's 消息; the operator
records a construction unit's mailbox on the contact directory page."""
import re
import uuid

import requests
from playwright.sync_api import expect
from sqlalchemy.orm import sessionmaker

from conftest import axe_violations, eventually, login, screenshot
from launcher import http_json
from platform_kit.db import UnitOfWork, make_engine
from supervision.adapters.orm import metadata
from supervision.domain.notices import Audience, Notice
from supervision.handlers.notices import deliver

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
FORM = {"construction_site": "焦作市示范区文苑路东侧", "floor_area_m2": 1800.0,
        "investment_10k_yuan": 2900, "contact_name": "赵明", "contact_phone": "13903910002"}


def declare(platform):
    """The applicant registers a project and declares stage 1: the window issues the voucher."""
    token = platform.login("applicant")
    status, project = http_json("POST", f"{platform.url}/projects", {
        "name": "焦作市图书馆分馆建设项目", "category": "gov_building", "region": "410800",
        "attributes": {"floor_area_m2": 1800.0}}, token)
    assert status == 201, project
    code = project["project_code"]
    uploaded = requests.post(f"{platform.url}/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                             files={"file": ("site.pdf", PDF, "application/pdf")},
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert uploaded.status_code == 201, uploaded.text
    status, declared = http_json("POST", f"{platform.url}/projects/{code}/declarations", {
        "stage": "land_use_planning", "form": FORM, "material_ids": [uploaded.json()["material_id"]]}, token)
    assert status == 201, declared

    def voucher_notice():
        status, page = http_json("GET", f"{platform.url}/inbox?project_code={code}", None, token)
        return [n for n in page["items"] if n["title"] == "登记凭单已出具"] if status == 200 else None
    assert eventually(voucher_notice, timeout=45.0), code
    return code


def unread_count(page):
    badge = page.get_by_test_id("unread-badge")
    return int(badge.inner_text()) if badge.count() else 0


def test_the_applicant_opens_the_voucher_notice_and_the_badge_drops(page, web_platform):
    code = declare(web_platform)
    login(page, "applicant", web_platform)
    page.goto("/web/my/inbox")
    expect(page.get_by_role("heading", name="消息与文书")).to_be_visible()
    expect(page.get_by_test_id("unread-badge")).to_be_visible()
    before = unread_count(page)
    assert before >= 1
    notice = page.get_by_role("button", name="登记凭单已出具").first
    expect(notice).to_be_visible()
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    assert axe_violations(page) == []
    screenshot(page, "applicant-inbox")

    notice.click()
    dialog = page.get_by_role("dialog", name="登记凭单已出具")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text(f"项目 {code} 的《登记凭单》")).to_be_visible()
    expect(dialog.get_by_text(re.compile(r"^已于 .* 阅读$"))).to_be_visible()   # the reading is recorded
    dialog.get_by_role("button", name="关闭", exact=True).click()
    if before > 1:
        expect(page.get_by_test_id("unread-badge")).to_have_text(str(before - 1))
    else:
        expect(page.get_by_test_id("unread-badge")).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text="登记凭单已出具").first).to_contain_text("已读")

    # 文书: the window's documents of own projects, as before
    page.get_by_role("tab", name="文书").click()
    expect(page.get_by_role("tabpanel", name="文书").get_by_role("row").filter(has_text="登记凭单").first).to_be_visible()


def test_an_officer_sees_the_supervision_counter(page, web_platform):
    engine = make_engine(web_platform.database_urls["supervision"])
    uow = UnitOfWork(sessionmaker(bind=engine, expire_on_commit=False)(), metadata)
    # a 督办 addressed to the NRP officers of the city, as the escalation rules send one
    deliver(uow, Notice(audience=Audience.officers("NRP", "410800"), kind="supervision", urgency="urgent",
                        title="督办：建设用地规划许可证办件已超期", body="该办件已超过法定时限 3 个工作日，请立即办理并说明原因。",
                        dedupe=f"browser-test:{uuid.uuid4()}", sender="supervisor"))
    uow.session.commit()
    uow.session.close()
    engine.dispose()

    login(page, "nrp-officer", web_platform)
    page.goto("/web/work")
    counter = page.get_by_test_id("supervision-counter")
    expect(counter).to_contain_text("督办")
    expect(counter.locator(".value")).to_have_text(re.compile(r"^[1-9]\d*$"))
    assert axe_violations(page) == []
    counter.click()
    expect(page.get_by_role("heading", name="消息", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="督办：建设用地规划许可证办件已超期")).to_be_visible()
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    assert axe_violations(page) == []


def test_the_operator_records_a_mailbox(page, web_platform):
    login(page, "operator", web_platform)
    page.goto("/web/work/contacts")
    expect(page.get_by_role("heading", name="通知联系方式")).to_be_visible()
    page.get_by_role("button", name="登记联系方式").click()
    dialog = page.get_by_role("dialog", name="登记通知联系方式")
    dialog.get_by_label("建设单位统一社会信用代码").fill("91410800MA47Q0R12X")
    dialog.get_by_label("电子邮箱").fill("不是邮箱")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.get_by_text("电子邮箱地址格式不正确").first).to_be_visible()
    dialog.get_by_label("电子邮箱").fill("jianshe@example.cn")
    dialog.get_by_role("button", name="保存").click()
    expect(page.get_by_text("通知联系方式已登记")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="jianshe@example.cn")
    expect(row).to_contain_text("站内消息、电子邮件")
    expect(page.locator(".el-loading-mask")).to_have_count(0)
    assert axe_violations(page) == []
