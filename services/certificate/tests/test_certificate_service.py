"""The certificate service against a real RabbitMQ vhost and a real PostgreSQL database."""
import copy
import time
import uuid
from datetime import date

import eventlet
import pytest
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ServiceRpcProxy
from nameko.testing.services import entrypoint_waiter
from sqlalchemy import create_engine, func, select

from certificate.adapters.orm import LicenceRow, SigningKeyRow, metadata
from certificate.domain.signature import SigningKey
from certificate.service import CertificateService
from platform_kit.bus import event_handler
from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed

PROJECT = "2026-410800-48-01-000001"


class Listener:
    name = "licence_listener"
    issued = []

    @event_handler("certificate", "licence.issued")
    def on_issued(self, envelope):
        self.issued.append(envelope)


def approved(case_id=None, department="NRP", item_code="NRP-001", item_name="建设用地规划许可证"):
    return new_event("case.approved", source="stage", project_code=PROJECT,
                     actor=Actor(id="officer-nrp", role="officer", department=department, region="410800"),
                     payload={"case_id": case_id or str(uuid.uuid4()), "stage_id": "stage-1",
                              "stage": "land_use_planning", "item_code": item_code, "item_name": item_name,
                              "department": department, "region": "410800", "on": date(2026, 11, 24),
                              "opinion": "同意", "applicant_org": "91410800MA47Q0R12X",
                              "project_name": "焦作市第一人民医院门诊楼建设项目"})


def rpc(config, token=None):
    return ServiceRpcProxy("certificate", config, context_data={"authorization": token}, timeout=10)


def rows(config, model, *where):
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()
    finally:
        engine.dispose()


def eventually(probe, timeout=15):
    deadline = time.time() + timeout
    while not probe():
        if time.time() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


@pytest.fixture
def certificate(container_factory, service_config):
    config = service_config("certificate")
    container = container_factory(CertificateService, config)
    container.start()
    Listener.issued = []
    listener = container_factory(Listener, config)
    listener.start()
    config["_container"] = container
    return config


def test_approved_case_gets_a_signed_verifiable_licence(certificate, make_token):
    event = approved()
    with entrypoint_waiter(certificate["_container"], "on_case_approved", timeout=10):
        event_dispatcher(certificate)("stage", "case.approved", event.to_wire())
    eventually(lambda: Listener.issued)
    issued = Listener.issued[0]
    assert issued.payload["case_id"] == event.payload["case_id"]
    assert issued.payload["licence_no"] == f"410800-NRP-{today_in_shanghai().year}-000001"

    token = make_token("applicant", org="91410800MA47Q0R12X")
    with rpc(certificate, token) as proxy:
        licence = proxy.get_licence(issued.payload["licence_id"])
        listed = proxy.list_licences(PROJECT)["items"]
        with pytest.raises(NotFound):
            proxy.get_licence(str(uuid.uuid4()))
    assert [l["licence_id"] for l in listed] == [licence["licence_id"]]
    document = licence["document"]
    assert licence["algorithm"] == "ES256" and licence["key_id"] == document["key_id"]
    assert document["title"] == "建设用地规划许可证" and document["holder"] == "91410800MA47Q0R12X"
    assert document["project_code"] == PROJECT and document["item_code"] == "NRP-001"

    claim = {"document": document, "signature": licence["signature"], "key_id": licence["key_id"]}
    with rpc(certificate) as public:  # no token: verification is public
        assert public.verify_licence(claim) == {"valid": True, "reason": "签名有效，证照内容未被改动"}
        tampered = copy.deepcopy(claim)
        tampered["document"]["holder"] = tampered["document"]["holder"][:-1] + "Y"
        assert public.verify_licence(tampered)["valid"] is False
        unknown = dict(claim, key_id="0000000000000000")
        verdict = public.verify_licence(unknown)
        assert verdict["valid"] is False and "未知" in verdict["reason"]
        with pytest.raises(ValidationFailed) as err:
            public.verify_licence({"document": "not a dict", "signature": ""})
        assert {"document", "signature", "key_id"} <= {e["field"] for e in err.value.errors}
        seals = public.list_seals()["items"]
        assert [(s["serial"], s["department"], s["current"]) for s in seals] == [(licence["key_id"], "NRP", True)]
        assert len(public.get_signing_keys()["items"]) == 1   # the platform's own key, not the seal
        with pytest.raises(Unauthenticated):
            public.get_licence(licence["licence_id"])


def test_redelivery_and_second_approval_issue_one_licence(certificate):
    event = approved()
    again_other_event = approved(case_id=event.payload["case_id"])
    dispatch = event_dispatcher(certificate)
    for body in (event.to_wire(), event.to_wire(), again_other_event.to_wire()):
        with entrypoint_waiter(certificate["_container"], "on_case_approved", timeout=10):
            dispatch("stage", "case.approved", body)
    time.sleep(1.0)  # give a second licence.issued, if one were wrongly emitted, time to arrive
    assert rows(certificate, LicenceRow, LicenceRow.case_id == event.payload["case_id"]) == 1
    assert [e.payload["case_id"] for e in Listener.issued] == [event.payload["case_id"]]


def test_two_replicas_share_one_key_and_issue_once(container_factory, service_config):
    config = service_config("certificate")
    replicas = [container_factory(CertificateService, config) for _ in range(2)]
    for starting in [eventlet.spawn(container.start) for container in replicas]:  # both at once
        starting.wait()
    case_id = str(uuid.uuid4())
    events = [approved(case_id=case_id) for _ in range(4)] + [approved(department="DRC", item_code="DRC-001",
                                                                      item_name="企业投资项目备案")]
    dispatch = event_dispatcher(config)
    for event in events:
        dispatch("stage", "case.approved", event.to_wire())

    engine = create_engine(config["DATABASE_URL"])
    try:
        def all_handled():
            with engine.connect() as conn:
                processed = metadata.tables["processed_events"]
                return conn.execute(select(func.count()).select_from(processed)).scalar_one() == len(events)
        eventually(all_handled, timeout=30)
    finally:
        engine.dispose()
    assert rows(config, SigningKeyRow) == 1
    assert rows(config, LicenceRow, LicenceRow.case_id == case_id) == 1
    assert rows(config, LicenceRow) == 2


def test_a_configured_platform_key_file_is_recorded_without_its_private_half(container_factory, service_config, tmp_path):
    key = SigningKey.generate()
    path = tmp_path / "licence-key.pem"
    path.write_text(key.private_pem())
    config = service_config("certificate", LICENCE_SIGNING_KEY_FILE=str(path))
    container = container_factory(CertificateService, config)
    container.start()
    with entrypoint_waiter(container, "on_case_approved", timeout=10):
        event_dispatcher(config)("stage", "case.approved", approved().to_wire())
    with rpc(config) as public:
        keys = public.get_signing_keys()["items"]
    assert [k["key_id"] for k in keys] == [key.key_id]
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            stored = conn.execute(select(SigningKeyRow.private_key_pem, SigningKeyRow.origin)).one()
    finally:
        engine.dispose()
    assert stored == (None, "file")  # the private half stays in its file (platform-level signatures)


class RevocationListener:
    name = "revocation_listener"
    revoked = []

    @event_handler("certificate", "licence.revoked")
    def on_revoked(self, envelope):
        self.revoked.append(envelope)


def test_issuing_department_revokes_and_verification_reports_it(certificate, container_factory, make_token):
    RevocationListener.revoked = []
    listener = container_factory(RevocationListener, certificate)
    listener.start()
    with entrypoint_waiter(certificate["_container"], "on_case_approved", timeout=10):
        event_dispatcher(certificate)("stage", "case.approved", approved().to_wire())
    eventually(lambda: Listener.issued)
    licence_id = Listener.issued[0].payload["licence_id"]
    with rpc(certificate, make_token("applicant", org="91410800MA47Q0R12X")) as proxy:
        licence = proxy.get_licence(licence_id)
        assert licence["status"] == "valid" and licence["revocation"] is None
        with pytest.raises(Forbidden):
            proxy.revoke_licence(licence_id, {"reason": "申请人自行废止"})
    claim = {"document": licence["document"], "signature": licence["signature"], "key_id": licence["key_id"]}

    other_department = make_token("officer", sub="officer-drc", department="DRC")
    other_region = make_token("officer", sub="officer-nrp-county", department="NRP", region="410821")
    issuer = make_token("officer", sub="officer-nrp", department="NRP", region="410800")
    for token in (other_department, other_region):
        with rpc(certificate, token) as proxy, pytest.raises(Forbidden):
            proxy.revoke_licence(licence_id, {"reason": "越权废止"})
    with rpc(certificate, issuer) as proxy:
        with pytest.raises(ValidationFailed):
            proxy.revoke_licence(licence_id, {"reason": ""})
        with pytest.raises(NotFound):
            proxy.revoke_licence(str(uuid.uuid4()), {"reason": "不存在"})
        revoked = proxy.revoke_licence(licence_id, {"reason": "建设工程规划许可已依法撤销"})
        with pytest.raises(Conflict):
            proxy.revoke_licence(licence_id, {"reason": "再次废止"})
    assert revoked["status"] == "revoked" and revoked["revocation"]["revoked_by"] == "officer-nrp"
    assert revoked["document"] == licence["document"] and revoked["signature"] == licence["signature"]

    eventually(lambda: RevocationListener.revoked)
    event = RevocationListener.revoked[0]
    assert event.payload["licence_id"] == licence_id and event.actor.id == "officer-nrp"
    with rpc(certificate) as public:
        verdict = public.verify_licence(claim)
    assert verdict["valid"] is False and "废止" in verdict["reason"] and "依法撤销" in verdict["reason"]


def test_anyone_checks_a_licence_by_its_number_and_check_code(certificate, make_token):
    with entrypoint_waiter(certificate["_container"], "on_case_approved", timeout=10):
        event_dispatcher(certificate)("stage", "case.approved", approved().to_wire())
    eventually(lambda: Listener.issued)
    licence_id = Listener.issued[-1].payload["licence_id"]
    with rpc(certificate, make_token("applicant", org="91410800MA47Q0R12X")) as proxy:
        licence = proxy.get_licence(licence_id)
    number, code = licence["document"]["licence_no"], licence["check_code"]
    assert len(code) == 8 and code.isalnum() and code.isupper()
    with rpc(certificate) as public:
        answer = public.check_licence({"licence_no": number, "check_code": f" {code[:4].lower()}-{code[4:]} "})
        assert answer["valid"] is True and answer["status"] == "valid" and answer["revoked_on"] is None
        assert answer["licence_no"] == number and answer["holder"] == licence["document"]["holder"]
        assert answer["title"] == "建设用地规划许可证" and answer["department"] == "NRP"
        assert answer["seal_serial"] == licence["key_id"] and "签章有效" in answer["pdf_signature"]
        wrong_code = "A" * 8 if code != "A" * 8 else "B" * 8
        for claim in ({"licence_no": number, "check_code": wrong_code},
                      {"licence_no": "410800-NRP-1999-000001", "check_code": code}):
            with pytest.raises(NotFound) as refused:
                public.check_licence(claim)
            assert "核验码" in str(refused.value)
        with pytest.raises(ValidationFailed):
            public.check_licence({"licence_no": number})
    with rpc(certificate, make_token("officer", sub="officer-nrp", department="NRP", region="410800")) as proxy:
        proxy.revoke_licence(licence_id, {"reason": "规划条件已变更"})
    with rpc(certificate) as public:
        answer = public.check_licence({"licence_no": number, "check_code": code})
    assert answer["valid"] is False and answer["status"] == "revoked" and "规划条件已变更" in answer["reason"]
