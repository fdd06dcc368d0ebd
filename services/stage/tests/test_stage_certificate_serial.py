"""A decision records the serial of the certificate the officer logged in with (004 §19), read from
the token's ``cert`` claim by the stage service; against real RabbitMQ and PostgreSQL."""
from datetime import date

import pytest
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from platform_kit.contracts import Actor, new_event
from platform_kit.errors import Conflict
from platform_kit.identity import Identity, issue_token
from test_stage_service import ALL_STEPS, declaration, project_code, rpc, stage, submit  # noqa: F401

SERIAL = "5f1e2d3c4b5a69788796a5b4c3d2e1f0"


def token(jwt_keys, sub, cert=None):
    amr = ("cert",) if cert else ("pwd",)
    return issue_token(jwt_keys["private"], Identity(sub=sub, role="officer", name="审批人员", department="NRP",
                                                     region="410800", steps=tuple(ALL_STEPS), amr=amr, cert=cert,
                                                     sid="0" * 32))


def test_a_decision_made_after_a_certificate_login_records_the_certificate_serial(stage, jwt_keys):  # noqa: F811
    container, config = stage
    code = project_code()
    submit(container, config, declaration(code))
    with rpc(config, token(jwt_keys, "nrp-cert", cert=SERIAL)) as proxy:
        case = proxy.list_cases({"project_code": code})["items"][0]
        proxy.act_on_case(case["case_id"], {"action": "accept", "opinion": "受理"})
    with rpc(config, token(jwt_keys, "nrp-pwd")) as proxy:
        proxy.act_on_case(case["case_id"], {"action": "review", "opinion": "审查通过"})
        history = proxy.get_case(case["case_id"])["history"]
    assert [(h["action"], h["who"], h["details"].get("certificate_serial")) for h in history] == [
        ("accept", "nrp-cert", SERIAL), ("review", "nrp-pwd", None)]


def test_approval_with_a_paper_licence_and_a_conclusion_signed_with_a_certificate_travel_in_the_events(  # noqa: F811
        stage, jwt_keys):
    """case.approved says the licence is on paper (002 §21); case.concluded carries the serial of the
    concluding officer's certificate (办结（签章）, 004 §10), which verification shows."""
    from sqlalchemy import create_engine, text
    container, config = stage
    code = project_code()
    submit(container, config, declaration(code))
    with rpc(config, token(jwt_keys, "nrp-cert", cert=SERIAL)) as proxy:
        case = proxy.list_cases({"project_code": code})["items"][0]
        for action in ("accept", "review", "approve"):
            proxy.act_on_case(case["case_id"], {"action": action, "opinion": "同意",
                                                "paper_licence": action == "approve"})
        with pytest.raises(Conflict):   # 002 §21: not before the paper licence's scan is sealed
            proxy.act_on_case(case["case_id"], {"action": "conclude", "opinion": "办结"})
    licensed = new_event("licence.issued", source="certificate", project_code=code, actor=Actor.SYSTEM, payload={
        "licence_id": "l-1", "licence_no": "焦自然资规〔2026〕9号", "case_id": case["case_id"], "item_code": "NRP-001",
        "item_name": case["item_name"], "department": "NRP", "holder": "x", "issued_on": date(2026, 12, 1),
        "key_id": "ab", "form": "paper_copy"})
    with entrypoint_waiter(container, "on_licence_issued", timeout=15):
        event_dispatcher(config)("certificate", "licence.issued", licensed.to_wire())
    with rpc(config, token(jwt_keys, "nrp-cert", cert=SERIAL)) as proxy:
        proxy.act_on_case(case["case_id"], {"action": "conclude", "opinion": "办结"})
        history = proxy.get_case(case["case_id"])["history"]
    assert [h["details"].get("paper_licence") for h in history if h["action"] == "approve"] == [True]
    engine = create_engine(config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            bodies = {row.event_type: row.body for row in conn.execute(text(
                "SELECT event_type, body FROM outbox WHERE event_type IN ('case.approved', 'case.concluded')"))}
    finally:
        engine.dispose()
    assert bodies["case.approved"]["payload"]["paper_licence"] is True
    assert bodies["case.concluded"]["payload"]["certificate_serial"] == SERIAL
