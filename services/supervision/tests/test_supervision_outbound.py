"""Notices outside the inbox: the contact directory, the notification.requested event every new
notice emits, and the e-mail sent for it through a real SMTP server (aiosmtpd in its own process),
against a real RabbitMQ vhost and PostgreSQL database."""
import time
from datetime import date

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, text

from platform_kit.asyncapi import PUBLISHERS
from platform_kit.contracts import Actor, new_event, parse_event
from platform_kit.errors import Forbidden, ValidationFailed
from platform_kit.testing import LocalSmtpServer
from supervision.domain import outbound
from supervision.domain.notices import Audience, Notice
from supervision.service import SupervisionService, handler_name

ORG = "91410800MA47Q0R12X"
PROJECT = "2026-410800-48-01-000031"
MAILBOX = "jianshe@example.cn"


def test_channels_and_the_email_of_a_notice():
    assert outbound.channels(None) == ["inbox"]
    assert outbound.channels(outbound.Contact(email="a@b.cn", phone="13900000000")) == ["inbox", "email"]
    assert outbound.channels(outbound.Contact(phone="13900000000", sms=True)) == ["inbox", "sms"]
    notice = Notice(audience=Audience.officers("NRP", "410800"), kind="urge", urgency="very_urgent",
                    title="请尽快办理「建设用地规划许可证」", body="办件已超期 2 个工作日。", dedupe="d",
                    project_code=PROJECT)
    name, parameters = outbound.template(notice, "n-1")
    assert name == "notice.urge" and parameters["kind_name"] == "催办" and parameters["urgency_name"] == "特急"
    subject, body = outbound.render_email(name, parameters)
    assert subject == "工程建设项目审批管理系统：【特急】【催办】请尽快办理「建设用地规划许可证」"
    assert body.startswith("办件已超期 2 个工作日。") and f"项目代码：{PROJECT}" in body and "n-1" in body


def _document_issued(kind="supplement_notice", title="补正通知书"):
    return new_event("document.issued", source=PUBLISHERS["document.issued"], project_code=PROJECT,
                     actor=Actor.SYSTEM, payload={
                         "document_id": f"doc-{kind}", "kind": kind, "title": title,
                         "document_no": "焦审补〔2026〕1号", "applicant_org": ORG, "region": "410800",
                         "issued_on": date(2026, 11, 3), "case_id": "case-1"})


def _consultation_opened():
    return new_event("consultation.opened", source=PUBLISHERS["consultation.opened"], project_code=PROJECT,
                     actor=Actor(id="officer-nrp", role="officer", department="NRP", region="410800"), payload={
                         "consultation_id": "cons-1", "case_id": "case-1", "region": "410800", "asked_by": "NRP",
                         "asked_of": ["FIRE", "HCD"], "question": "消防车道是否满足要求？", "due_on": date(2026, 11, 6)})


def eventually(probe, timeout=30):
    deadline = time.time() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)


@pytest.fixture
def smtp(tmp_path):
    server = LocalSmtpServer(tmp_path / "mail")   # its port is known; it starts when the test says
    yield server
    server.stop()


@pytest.fixture
def running(container_factory, service_config, smtp):
    config = service_config("supervision", SMTP_HOST=smtp.host, SMTP_PORT=smtp.port,
                            SMTP_FROM="noreply@approval.example.cn", EVENT_RETRY_DELAYS=[1, 2, 3, 4, 5])
    container = container_factory(SupervisionService, config)
    container.start()
    engine = create_engine(config["DATABASE_URL"])
    yield config, container, engine
    engine.dispose()


def requested(engine):
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT body FROM outbox WHERE event_type = 'notification.requested' "
                                 "ORDER BY id")).scalars().all()
    return [parse_event(body) for body in rows]


def test_contacts_are_kept_by_operators_and_appended(running, make_token):
    config, _, engine = running
    operator = make_token("operator", sub="operator-1")
    with ServiceRpcProxy("supervision", config, context_data={"authorization": operator}, timeout=10) as proxy:
        first = proxy.set_notification_contact({"audience": {"org": ORG, "role": "applicant"},
                                                "email": "old@example.cn", "reason": "建设单位登记邮箱"})
        assert first["channels"] == ["inbox", "email"] and first["versions"] == 1
        second = proxy.set_notification_contact({"audience": {"org": ORG, "role": "applicant"}, "email": MAILBOX,
                                                 "phone": "13903910000", "sms": True})
        assert (second["versions"], second["recorded_by"], second["channels"]) == (2, "operator-1",
                                                                                   ["inbox", "email", "sms"])
        proxy.set_notification_contact({"audience": {"department": "NRP", "region": "410800"},
                                        "email": "nrp@example.cn"})
        listed = proxy.list_notification_contacts({})
        assert listed["total"] == 2 and {c["email"] for c in listed["items"]} == {MAILBOX, "nrp@example.cn"}
        assert proxy.list_notification_contacts({"department": "NRP"})["items"][0]["audience"] == \
            "department=NRP|region=410800"
        with pytest.raises(ValidationFailed) as err:
            proxy.set_notification_contact({"audience": {}, "email": "不是邮箱", "phone": "12a"})
        assert {e["field"] for e in err.value.errors} >= {"audience._schema", "email", "phone"}
        with pytest.raises(ValidationFailed) as err:
            proxy.set_notification_contact({"audience": {"account": "x"}, "sms": True})
        assert [e["field"] for e in err.value.errors] == ["phone"]
    with engine.connect() as conn:   # nothing replaced: every recording is a row
        assert conn.execute(text("SELECT count(*) FROM notification_contacts")).scalar() == 3
    officer = make_token("officer", department="NRP")
    with ServiceRpcProxy("supervision", config, context_data={"authorization": officer}, timeout=10) as proxy:
        with pytest.raises(Forbidden):
            proxy.list_notification_contacts({})
        with pytest.raises(Forbidden):
            proxy.set_notification_contact({"audience": {"account": "x"}, "email": "a@b.cn"})


def test_every_new_notice_requests_its_delivery_once(running, make_token):
    config, container, engine = running
    dispatch = event_dispatcher(config)
    with ServiceRpcProxy("supervision", config, context_data={"authorization": make_token("operator")},
                         timeout=10) as proxy:
        proxy.set_notification_contact({"audience": {"department": "FIRE", "region": "410800"},
                                        "phone": "13903910001", "sms": True})
    opened = _consultation_opened()
    for _ in range(2):   # a redelivered event tells nobody twice
        with entrypoint_waiter(container, handler_name(opened.type), timeout=10):
            dispatch(opened.source, opened.type, opened.to_wire())
    events = requested(engine)
    assert len(events) == 2
    by_office = {e.payload["recipient"]["department"]: e for e in events}
    fire, hcd = by_office["FIRE"], by_office["HCD"]
    assert fire.source == "supervision" and fire.project_code == PROJECT
    assert (fire.payload["channels"], fire.payload["phone"], fire.payload["email"]) == \
        (["inbox", "sms"], "13903910001", None)
    assert hcd.payload["channels"] == ["inbox"] and hcd.payload["recipient"]["key"] == "department=HCD|region=410800"
    template = fire.payload["template"]
    assert template["name"] == "notice.consultation" and "消防车道" in template["parameters"]["body"]
    assert template["parameters"]["notification_id"] == fire.payload["notification_id"]


def test_an_email_reaches_the_smtp_server_once_retried_after_a_failure(running, make_token, smtp):
    config, container, engine = running
    operator = make_token("operator")
    with ServiceRpcProxy("supervision", config, context_data={"authorization": operator}, timeout=10) as proxy:
        proxy.set_notification_contact({"audience": {"org": ORG, "role": "applicant"}, "email": MAILBOX})
        issued = _document_issued()
        with entrypoint_waiter(container, handler_name(issued.type), timeout=10):
            event_dispatcher(config)(issued.source, issued.type, issued.to_wire())

        # the server is down: the attempt is recorded as failed, with the reason
        failed = eventually(lambda: proxy.list_notification_deliveries({})["items"])
        (delivery,) = failed
        assert (delivery["address"], delivery["outcome"], delivery["channel"]) == (MAILBOX, "failed", "email")
        assert "无法连接邮件服务器" in delivery["attempts"][0]["reason"]

        smtp.start()   # the handler's retry brings the event back and the e-mail goes out
        sent = eventually(lambda: (lambda d: d if d["outcome"] == "sent" else None)(
            proxy.list_notification_deliveries({})["items"][0]))
        assert [a["outcome"] for a in sent["attempts"]][-1] == "sent"
        assert proxy.list_notification_deliveries({"outcome": "failed"})["total"] == 0
    (mail,) = eventually(smtp.messages)
    assert mail["To"] == MAILBOX
    assert mail["Subject"] == "工程建设项目审批管理系统：【补正通知】补正通知书已出具"
    assert "noreply@approval.example.cn" in mail["From"]
    body = mail.get_content()
    assert f"项目 {PROJECT} 的《补正通知书》（焦审补〔2026〕1号）已于 2026年11月03日 出具" in body
    assert mail.get_content_charset() == "utf-8"

    # the same notification.requested again (a redelivery): nothing is sent twice
    (event,) = requested(engine)
    with entrypoint_waiter(container, "on_notification_requested", timeout=10):
        event_dispatcher(config)(event.source, event.type, event.to_wire())
    time.sleep(0.5)
    assert len(smtp.messages()) == 1
    with engine.connect() as conn:
        outcomes = conn.execute(text("SELECT outcome FROM notification_attempts ORDER BY id")).scalars().all()
    assert outcomes.count("sent") == 1 and set(outcomes) <= {"sent", "failed"}


def test_without_smtp_nothing_is_sent_and_nothing_fails(container_factory, service_config, make_token):
    config = service_config("supervision")
    container = container_factory(SupervisionService, config)
    container.start()
    with ServiceRpcProxy("supervision", config, context_data={"authorization": make_token("operator")},
                         timeout=10) as proxy:
        proxy.set_notification_contact({"audience": {"org": ORG, "role": "applicant"}, "email": MAILBOX})
        issued = _document_issued("completion_notice", "办结通知")
        with entrypoint_waiter(container, "on_notification_requested", timeout=10):
            event_dispatcher(config)(issued.source, issued.type, issued.to_wire())
        assert proxy.list_notification_deliveries({})["total"] == 0


def test_the_inbox_lists_the_unread_first_when_asked(service_config):
    from sqlalchemy.orm import sessionmaker

    from platform_kit.db import UnitOfWork, make_engine
    from platform_kit.identity import Identity
    from supervision.adapters.orm import metadata
    from supervision.handlers import notices

    engine = make_engine(service_config("supervision")["DATABASE_URL"])
    uow = UnitOfWork(sessionmaker(bind=engine, expire_on_commit=False)(), metadata)
    ids = [notices.deliver(uow, Notice(audience=Audience.applicant(ORG), kind="document", title=f"文书 {n}", body="",
                                       dedupe=f"fact-{n}"))[0].notification_id for n in range(3)]
    uow.session.commit()
    reader = Identity(sub="applicant-1", role="applicant", name="建设单位", region="410800", org=ORG)
    notices.read_notice(uow, reader, ids[2])     # the newest is read
    uow.session.commit()
    page = {"limit": 50, "offset": 0}
    newest_first = [i["notification_id"] for i in notices.list_inbox(uow, reader, page)["items"]]
    unread_first = [i["notification_id"]
                    for i in notices.list_inbox(uow, reader, {**page, "unread_first": True})["items"]]
    assert set(newest_first) == set(ids) and unread_first[-1] == ids[2] and newest_first[0] == ids[2]
    assert len(requested_in(uow)) == 3        # each new notice asked for its delivery, in its transaction
    uow.session.close()
    engine.dispose()


def requested_in(uow):
    return uow.session.execute(text("SELECT event_id FROM outbox WHERE event_type = 'notification.requested'")).all()


def test_results_without_a_window_document_reach_the_applicant_and_invitations_the_offices(running, make_token):
    config, container, engine = running
    dispatch = event_dispatcher(config)

    def send(envelope):
        with entrypoint_waiter(container, handler_name(envelope.type), timeout=10):
            dispatch(envelope.source, envelope.type, envelope.to_wire())

    def event(event_type, payload, actor=Actor.SYSTEM):
        return new_event(event_type, source=PUBLISHERS[event_type], project_code=PROJECT, actor=actor, payload=payload)

    send(event("project.registered", {"project_code": PROJECT, "name": "焦作市档案馆新馆建设项目",
                                      "category": "gov_building", "region": "410800", "applicant_org": ORG}))
    send(event("licence.revoked", {"licence_id": "lic-1", "licence_no": "410800-NRP-2026-000009", "case_id": "case-1",
                                   "item_code": "NRP-001", "department": "NRP", "reason": "建设单位申请注销",
                                   "revoked_on": date(2026, 11, 20)}))
    send(event("stage.concluded", {"stage_id": "stage-1", "stage": "land_use_planning", "declaration_id": "decl-1",
                                   "received_on": date(2026, 10, 26), "concluded_on": date(2026, 11, 20),
                                   "due_on": date(2026, 11, 23), "on_time": True, "state": "concluded"}))
    send(event("joint_review.convened", {
        "joint_review_id": "jr-1", "kind": "design_scheme", "stage_id": "stage-1", "stage": "land_use_planning",
        "region": "410800", "convened_by": "NRP", "invitees": ["HCD", "FIRE"], "subject": "综合楼设计方案联审",
        "meeting_on": date(2026, 11, 10), "place": "市民之家三楼会议室", "online": False, "opened_on": date(2026, 11, 5),
        "due_on": date(2026, 11, 12)}, Actor(id="officer-nrp", role="officer", department="NRP", region="410800")))

    applicant = make_token("applicant", sub="applicant-1", org=ORG)
    with ServiceRpcProxy("supervision", config, context_data={"authorization": applicant}, timeout=10) as proxy:
        told = {n["title"]: n for n in proxy.list_inbox({"project_code": PROJECT})["items"]}
    assert set(told) == {"电子证照 410800-NRP-2026-000009 已废止", "立项用地规划许可阶段已办结"}
    assert told["立项用地规划许可阶段已办结"]["kind"] == "completion"
    assert "建设单位申请注销" in told["电子证照 410800-NRP-2026-000009 已废止"]["body"]
    hcd = make_token("officer", sub="officer-hcd", department="HCD", region="410800")
    with ServiceRpcProxy("supervision", config, context_data={"authorization": hcd}, timeout=10) as proxy:
        (invitation,) = proxy.list_inbox({})["items"]
        assert proxy.inbox_counts()["by_kind"] == {"consultation": 1}
    assert invitation["title"] == "NRP 召集方案联审，请于 2026年11月12日 前反馈"
    assert "市民之家三楼会议室" in invitation["body"] and invitation["subject"] == "joint_review:jr-1"
    assert len(requested(engine)) == 4      # two to the applicant, one to each invited office
