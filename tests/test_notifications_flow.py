"""Notices reach the applicant, end to end over HTTP, with every service a process of its own on real
RabbitMQ and PostgreSQL and a real SMTP server (aiosmtpd) for the e-mail.

An operator records the construction unit's mailbox; the applicant registers a project and declares
stage 1; NRP accepts; DRC asks for a supplement, which the applicant hands in; both cases are
approved and concluded. The applicant's inbox then lists the registration voucher, the supplement
notice and the completion notices of the project (002 §22, 000 §13), the licences and the stage's
conclusion; reading one lowers the unread count; every notice to the construction unit reached its
mailbox as an e-mail, once.
"""
import pytest

import platforms
from platform_kit.testing import LocalSmtpServer
from test_end_to_end import PDF, STAGE_1_FORM, eventually, login

ORG = "91410800MA47Q0R12X"          # the demo applicant's construction unit
MAILBOX = "jianshe@example.cn"


@pytest.fixture(scope="module")
def smtp(tmp_path_factory):
    with LocalSmtpServer(tmp_path_factory.mktemp("mail") / "maildir") as server:
        yield server


@pytest.fixture(scope="module")
def platform(postgres, tmp_path_factory, smtp):
    with platforms.running_platform(postgres, tmp_path_factory.mktemp("notify"), label="notify", catalog=True,
                                    extra_env={"OUTBOX_POLL_SECONDS": "0.5", "SMTP_HOST": smtp.host,
                                               "SMTP_PORT": str(smtp.port),
                                               "SMTP_FROM": "noreply@approval.example.cn"}) as running:
        yield running


def ok(response, status=200):
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else None


@pytest.fixture(scope="module")
def flow(platform):
    operator, applicant = login(platform, "operator"), login(platform, "applicant")
    officers = {"NRP": login(platform, "nrp-officer"), "DRC": login(platform, "drc-officer")}
    ok(operator.put("/notification-contacts", json={"audience": {"org": ORG, "role": "applicant"},
                                                    "email": MAILBOX, "reason": "建设单位登记的通知邮箱"}))
    code = ok(applicant.post("/projects", json={"name": "焦作市妇幼保健院综合楼建设项目", "category": "gov_building",
                                                "region": "410800", "attributes": {"floor_area_m2": 12500.5}}),
              201)["project_code"]
    material = ok(applicant.post(f"/projects/{code}/materials", data={"name": "建设项目用地预审与选址意见书"},
                                 files={"file": ("site.pdf", PDF, "application/pdf")}), 201)
    ok(applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": [material["material_id"]]}), 201)
    cases = {d: eventually(lambda o=o: (lambda items: items[0] if items else None)(
        o.get("/cases", params={"project_code": code}).json()["items"])) for d, o in officers.items()}

    def act(department, action, opinion="同意"):
        return ok(officers[department].post(f"/cases/{cases[department]['case_id']}/actions",
                                            json={"action": action, "opinion": opinion}))

    act("NRP", "accept")
    act("DRC", "request_supplement", "节能报告：缺少能耗计算书，请补正")
    supplement = ok(applicant.post(f"/projects/{code}/materials", data={"name": "节能报告"},
                                   files={"file": ("energy.pdf", PDF, "application/pdf")}), 201)

    def hand_in():   # intake learns of the supplement notice from the stage service's event
        response = applicant.post(f"/projects/{code}/supplements", json={
            "case_id": cases["DRC"]["case_id"], "material_ids": [supplement["material_id"]], "note": "补充能耗计算书"})
        return response if response.status_code != 409 else None
    ok(eventually(hand_in), 201)
    act("DRC", "accept_supplement", "补正材料齐全")
    for department in ("NRP", "DRC"):
        for action in ("review", "approve", "conclude"):
            act(department, action)
    return {"code": code, "applicant": applicant, "operator": operator, "cases": cases}


def notices(flow):
    return flow["applicant"].get("/inbox", params={"project_code": flow["code"], "limit": 200}).json()["items"]


def test_the_applicant_inbox_lists_the_voucher_the_supplement_and_the_completion_notices(flow):
    def complete():
        items = notices(flow)
        titles = [n["title"] for n in items]
        return items if ("登记凭单已出具" in titles and "补正通知书已出具" in titles
                         and titles.count("办结通知已出具") == 2 and "立项用地规划许可阶段已办结" in titles
                         and sum("电子证照已出具" in t for t in titles) == 2) else None
    items = eventually(complete, timeout=90)
    kinds = {n["title"]: n["kind"] for n in items}
    assert (kinds["登记凭单已出具"], kinds["补正通知书已出具"], kinds["办结通知已出具"]) == \
        ("document", "supplement", "completion")
    assert kinds["立项用地规划许可阶段已办结"] == "completion"
    assert all(n["project_code"] == flow["code"] and n["read_at"] is None for n in items)
    assert len({n["subject"] for n in items}) == len(items)        # each fact told once
    voucher = next(n for n in items if n["title"] == "登记凭单已出具")
    assert flow["code"] in voucher["body"] and "我的文书" in voucher["body"]

    # unread first; reading one is recorded and lowers the count
    before = flow["applicant"].get("/inbox/counts").json()
    assert before["unread"] >= len(items) and before["by_kind"]["completion"] >= 3
    read = ok(flow["applicant"].post(f"/inbox/{voucher['notification_id']}/read", json={}))
    assert read["read_at"]
    assert flow["applicant"].get("/inbox/counts").json()["unread"] == before["unread"] - 1
    ordered = flow["applicant"].get("/inbox", params={"project_code": flow["code"], "unread_first": "true",
                                                      "limit": 200}).json()["items"]
    assert ordered[-1]["notification_id"] == voucher["notification_id"]


def test_every_notice_reached_the_mailbox_once(flow, smtp):
    eventually(lambda: len(notices(flow)) >= 7, timeout=90)

    def mailed():
        messages = [m for m in smtp.messages() if flow["code"] in m.get_content()]
        told = notices(flow)
        return (messages, told) if len(messages) == len(told) else None
    messages, items = eventually(mailed, timeout=90)
    assert {m["To"] for m in messages} == {MAILBOX}
    subjects = sorted(m["Subject"] for m in messages)
    assert subjects == sorted(f"工程建设项目审批管理系统：【{_kind_name(n['kind'])}】{n['title']}" for n in items)
    supplement = next(m for m in messages if "补正通知书已出具" in m["Subject"])
    assert f"项目 {flow['code']} 的《补正通知书》" in supplement.get_content()
    deliveries = flow["operator"].get("/notification-deliveries", params={"limit": 200}).json()
    ours = [d for d in deliveries["items"] if d["notification_id"] in {n["notification_id"] for n in items}]
    assert len(ours) == len(items) and all(d["outcome"] == "sent" and len(d["attempts"]) == 1 for d in ours)


def _kind_name(kind):
    from platform_kit.notices import KIND_NAMES
    return KIND_NAMES[kind]
