"""The CA key end to end (004 §19–§20), over HTTP on real RabbitMQ and PostgreSQL: an officer whose
certificate the operator bound logs in by signing the gateway's challenge with the key, accepts a
case, and the decision records the certificate's serial; the certification authority then puts the
certificate on its CRL: a new login fails at once and the open session is refused within the
documented bound (``GATEWAY_SESSION_CHECK_SECONDS``)."""
import time
import uuid

import pytest

from platform_kit.pki import pem, serial_hex, sign_challenge
from test_end_to_end import STAGE_1_FORM, Client, eventually, login

BOUND_SECONDS = 2


def certificate_login(platform, certificate, key):
    public = Client(platform.url)
    nonce = public.post("/auth/certificate/challenge", json={}).json()["nonce"]
    return public.post("/auth/certificate/login", json={
        "certificate": pem(certificate), "nonce": nonce, "signature": sign_challenge(key, nonce.encode())})


@pytest.fixture(scope="module")
def run(platform):
    """On the session platform (tests/conftest.py), whose GATEWAY_SESSION_CHECK_SECONDS is BOUND_SECONDS;
    everything here is its own: a new account, certificate and project."""
    assert platform.env()["GATEWAY_SESSION_CHECK_SECONDS"] == str(BOUND_SECONDS)
    platform.seed_catalog()     # stage 1's items (idempotent: the demo catalog)
    operator, applicant, clerk = (login(platform, name) for name in ("operator", "applicant", "clerk"))
    account = f"nrp-ca-{uuid.uuid4().hex[:6]}"
    created = operator.post("/accounts", json={
        "account": account, "password": "Init#2026x", "role": "officer", "name": "自然资源和规划局 审批人员（CA）",
        "department": "NRP", "region": "410800", "steps": ["accept", "review", "approve", "conclude"]})
    assert created.status_code == 201, created.text
    certificate, key = platform.pki.issue("自然资源和规划局 审批人员（CA）", "410802198805061234", elliptic=True)
    bound = operator.post(f"/accounts/{account}/certificates", json={
        "certificate": pem(certificate), "reason": "本人持身份证现场办理 CA 锁绑定"})
    assert bound.status_code == 201, bound.text

    code = applicant.post("/projects", json={"name": "焦作市图书馆新馆建设项目", "category": "gov_building",
                                             "region": "410800", "attributes": {"floor_area_m2": 1500.0}})
    assert code.status_code == 201, code.text
    code = code.json()["project_code"]
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": "land_use_planning", "form": STAGE_1_FORM, "material_ids": []})
    assert declared.status_code == 201, declared.text
    case_id = eventually(lambda: next((c["case_id"] for c in clerk.get("/cases", params={"project_code": code})
                                       .json()["items"] if c["department"] == "NRP"), None))

    logged_in = certificate_login(platform, certificate, key)
    assert logged_in.status_code == 200, logged_in.text
    officer = Client(platform.url, logged_in.json()["access_token"])
    accepted = officer.post(f"/cases/{case_id}/actions", json={"action": "accept", "opinion": "材料齐全，予以受理"})
    assert accepted.status_code == 200, accepted.text

    # the certification authority revokes the certificate (the key was reported lost)
    platform.pki.revoke(certificate.serial_number)
    revoked_at = time.monotonic()
    refused_login = certificate_login(platform, certificate, key)
    # every gunicorn worker checks on its own: the session has ended once 20 requests in a row,
    # spread over the workers, are refused; it was last served at `last_served`
    last_served, refused_in_a_row, answers = 0.0, 0, set()
    while refused_in_a_row < 20:
        status = officer.get(f"/cases/{case_id}").status_code
        answers.add(status)
        if status == 200:
            last_served, refused_in_a_row = time.monotonic() - revoked_at, 0
        else:
            refused_in_a_row += 1
        assert time.monotonic() - revoked_at < BOUND_SECONDS + 10, "the session outlived the bound"
        time.sleep(0.05)
    return {"account": account, "serial": serial_hex(certificate.serial_number), "accepted": accepted.json(),
            "tokens": logged_in.json(), "refused_login": refused_login, "last_served": last_served,
            "answers": answers}


def test_a_decision_taken_with_a_ca_key_records_its_serial(run):
    (decision,) = [d for d in run["accepted"]["history"] if d["action"] == "accept"]
    assert (decision["who"], decision["details"]["certificate_serial"]) == (run["account"], run["serial"])


def test_a_revoked_certificate_logs_in_no_more_and_its_session_ends_within_the_bound(run):
    assert run["refused_login"].status_code == 401
    assert run["answers"] <= {200, 401}
    assert run["last_served"] <= BOUND_SECONDS + 1.0, run["last_served"]

