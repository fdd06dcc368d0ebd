"""A decision records the serial of the certificate the officer logged in with (004 §19), read from
the token's ``cert`` claim by the stage service; against real RabbitMQ and PostgreSQL."""
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
