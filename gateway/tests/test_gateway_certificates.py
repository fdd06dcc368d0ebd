"""Certificate login (004 §19–§20) over HTTP on a real migrated database, with certificates of the
test PKI: the challenge, the signature, the chain, dates, key usage, the CRL, bindings and their
revocation, and the logins each role may use."""
import dataclasses
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.accounts.certificates import login_methods
from platform_kit.pki import sign_challenge
from gateway.accounts.tables import certificate_challenges
from platform_kit.identity import verify_token
from platform_kit.pki import TestPki, pem, serial_hex, utcnow

CHALLENGE, LOGIN = "/auth/certificate/challenge", "/auth/certificate/login"
OFFICER = "nrp-officer"
BOUND_SECONDS = 1.0


@pytest.fixture
def pki(tmp_path):
    return TestPki(tmp_path / "pki").init()


@pytest.fixture
def settings(settings, pki):
    return dataclasses.replace(settings, ca_bundle=str(pki.bundle_path), crl_file=str(pki.crl_path),
                               session_check_seconds=BOUND_SECONDS)


def pem_of(certificate):
    return pem(certificate)


def bind(client, auth, account, certificate, by="operator"):
    return client.simulate_post(f"/accounts/{account}/certificates", headers=auth(by),
                                json={"certificate": pem_of(certificate), "reason": "本人持身份证现场办理 CA 锁绑定"})


def cert_login(client, certificate, key, nonce=None, signature=None):
    if nonce is None:
        challenge = client.simulate_post(CHALLENGE)
        assert challenge.status_code == 201, challenge.text
        nonce = challenge.json["nonce"]
    return client.simulate_post(LOGIN, json={"certificate": pem_of(certificate), "nonce": nonce,
                                             "signature": signature or sign_challenge(key, nonce.encode())})


@pytest.fixture
def officer_cert(client, auth, pki):
    certificate, key = pki.issue("自然资源和规划局 审批人员", "410802199001011234")
    assert bind(client, auth, OFFICER, certificate).status_code == 201
    return certificate, key


@pytest.mark.parametrize("elliptic", [False, True], ids=["rsa-2048", "ecdsa-p256"])
def test_a_bound_certificate_logs_in_with_a_signed_challenge(client, auth, book, pki, jwt_keys, elliptic):
    certificate, key = pki.issue("自然资源和规划局 审批人员", "410802199001011234", elliptic=elliptic)
    bound = bind(client, auth, OFFICER, certificate)
    assert bound.status_code == 201, bound.text
    serial = serial_hex(certificate.serial_number)
    assert bound.json["serial"] == serial and bound.json["revoked"] is False
    response = cert_login(client, certificate, key)
    assert response.status_code == 200, response.text
    identity = verify_token(response.json["access_token"], jwt_keys["public"])
    assert (identity.sub, identity.amr, identity.cert) == (OFFICER, ("cert",), serial) and identity.sid
    # the refreshed token carries the same method, certificate and session
    again = client.simulate_post("/auth/refresh", json={"refresh_token": response.json["refresh_token"]})
    renewed = verify_token(again.json["access_token"], jwt_keys["public"])
    assert (renewed.amr, renewed.cert, renewed.sid) == (("cert",), serial, identity.sid)
    # a password login says so too
    password = verify_token(auth("supervisor")["Authorization"].split()[1], jwt_keys["public"])
    assert password.amr == ("pwd",) and password.cert is None
    operator = verify_token(auth("operator")["Authorization"].split()[1], jwt_keys["public"])
    assert operator.amr == ("pwd", "otp")
    events = [e["event"] for e in book.history(OFFICER)]
    assert "certificate_bound" in events and events[-1] == "logged_in"


def test_the_challenge_is_stored_hashed_used_once_and_expires(client, book, officer_cert, clock, assert_problem):
    certificate, key = officer_cert
    nonce = client.simulate_post(CHALLENGE, json={}).json["nonce"]
    with book.engine.connect() as conn:
        stored = conn.execute(select(certificate_challenges.c.nonce_hash)).scalars().all()
    assert nonce not in stored and len(stored) == 1
    assert cert_login(client, certificate, key, nonce=nonce).status_code == 200
    replay = assert_problem(cert_login(client, certificate, key, nonce=nonce), 401)
    assert "挑战码无效或已使用" in replay["detail"]
    late = client.simulate_post(CHALLENGE).json["nonce"]
    clock.advance(seconds=121)
    assert "挑战码已过期" in assert_problem(cert_login(client, certificate, key, nonce=late), 401)["detail"]
    assert "挑战码无效" in assert_problem(cert_login(client, certificate, key, nonce="made-up"), 401)["detail"]


def test_what_is_refused_and_why(client, auth, pki, tmp_path, officer_cert, assert_problem):
    certificate, key = officer_cert
    other_key = pki.issue("他人", "410802199303033456")[1]
    refusals = {
        "签名与证书不符": cert_login(client, certificate, other_key),
        "base64": cert_login(client, certificate, key, signature="不是base64!"),
    }
    stranger = TestPki(tmp_path / "stranger").init()
    foreign, foreign_key = stranger.issue("自然资源和规划局 审批人员", "410802199001011234")
    refusals["不是受信任的 CA 签发的"] = cert_login(client, foreign, foreign_key)
    unbound, unbound_key = pki.issue("未绑定", "410802199404044567")
    refusals["未绑定平台账号"] = cert_login(client, unbound, unbound_key)
    expired, expired_key = pki.issue("过期", "410802199505055678", not_before=utcnow() - timedelta(days=2), days=1)
    refusals["证书已过期"] = cert_login(client, expired, expired_key)
    no_usage, no_usage_key = pki.issue("无用途", "410802199606066789", key_usage=False)
    refusals["密钥用法不含数字签名"] = cert_login(client, no_usage, no_usage_key)
    seal, seal_key = pki.seal("焦作市自然资源和规划局", "11410800MB1234567X")
    refusals["扩展密钥用法不含客户端身份认证"] = cert_login(client, seal, seal_key)
    refusals["PEM"] = client.simulate_post(LOGIN, json={"certificate": "-----BEGIN CERTIFICATE-----\nAA==\n",
                                                        "nonce": "x", "signature": "AA=="})
    for why, response in refusals.items():
        assert why in assert_problem(response, 401)["detail"], why
    # neither the seal nor a certificate without digital signature may even be bound
    assert assert_problem(bind(client, auth, "hcd-officer", seal), 422)["errors"][0]["field"] == "certificate"


def test_failed_certificate_logins_count_into_the_lockout(client, book, officer_cert, clock, assert_problem):
    certificate, key = officer_cert
    wrong = sign_challenge(key, b"another nonce")
    for attempt in range(3):  # settings: 3 failures lock
        assert_problem(cert_login(client, certificate, key, signature=wrong), 401)
    assert book.get(OFFICER)["locked"] is True
    assert "账号不可用" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    clock.advance(seconds=601)
    assert cert_login(client, certificate, key).status_code == 200


def test_a_binding_is_recorded_never_bound_twice_and_revoked_through_the_platform(
        client, auth, book, officer_cert, assert_problem):
    certificate, key = officer_cert
    serial = serial_hex(certificate.serial_number)
    opened = cert_login(client, certificate, key).json
    headers = {"Authorization": f"Bearer {opened['access_token']}"}
    assert client.simulate_get(f"/accounts/{OFFICER}", headers=headers).status_code == 200
    assert_problem(bind(client, auth, "drc-officer", certificate), 409)
    # only an operator or the account's department administrator revokes a binding
    assert_problem(client.simulate_post(f"/accounts/{OFFICER}/certificates/{serial}/revocation",
                                        headers=auth("supervisor"), json={"reason": "挂失"}), 403)
    revoked = client.simulate_post(f"/accounts/{OFFICER}/certificates/{serial}/revocation",
                                   headers=auth("operator"), json={"reason": "持有人报告 CA 锁遗失（挂失）"})
    assert revoked.status_code == 200, revoked.text
    assert revoked.json["revoked"] is True and revoked.json["revocation_reason"] == "持有人报告 CA 锁遗失（挂失）"
    # at once: the open session is refused and the certificate no longer logs in
    assert "会话已结束" in assert_problem(client.simulate_get(f"/accounts/{OFFICER}", headers=headers), 401)["detail"]
    assert "已挂失吊销" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    assert_problem(client.simulate_post(f"/accounts/{OFFICER}/certificates/{serial}/revocation",
                                        headers=auth("operator"), json={"reason": "再次"}), 409)
    listed = client.simulate_get(f"/accounts/{OFFICER}/certificates", headers=auth("operator")).json["items"]
    assert [(c["serial"], c["revoked"], c["reason"]) for c in listed] == [
        (serial, True, "本人持身份证现场办理 CA 锁绑定")]
    events = [e["event"] for e in book.history(OFFICER)]
    assert events.count("certificate_bound") == 1 and "certificate_revoked" in events


def test_each_role_logs_in_only_the_ways_its_setting_allows(settings, client, book, officer_cert, assert_problem):
    certificate, key = officer_cert
    book.settings = dataclasses.replace(settings, login_methods=login_methods("officer=cert,operator=password"))
    refused = assert_problem(client.simulate_post("/auth/login", json={"account": OFFICER, "password": "Demo@2026"}),
                             401)
    assert "须以数字证书" in refused["detail"]
    assert cert_login(client, certificate, key).status_code == 200
    book.settings = dataclasses.replace(settings, login_methods=login_methods("officer=password"))
    assert "不允许以数字证书登录" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    with pytest.raises(ValueError):
        login_methods("officer=fingerprint")
    assert login_methods("") == {}


def test_logout_ends_the_session_at_once(client, login, assert_problem):
    tokens = login("supervisor")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.simulate_get("/accounts/supervisor", headers=headers).status_code == 200
    assert client.simulate_post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    assert_problem(client.simulate_get("/accounts/supervisor", headers=headers), 401)


def test_a_certificate_put_on_the_crl_ends_its_session_within_the_bound(client, rpc, pki, officer_cert,
                                                                       jwt_keys, book, assert_problem):
    certificate, key = officer_cert
    opened = cert_login(client, certificate, key)
    assert opened.status_code == 200
    headers = {"Authorization": f"Bearer {opened.json['access_token']}"}
    acted = client.simulate_post("/cases/c-1/actions", headers=headers, json={"action": "accept", "opinion": "受理"})
    assert acted.status_code in (200, 201), acted.text
    forwarded = verify_token(rpc.calls[-1]["token"], jwt_keys["public"])
    assert forwarded.cert == serial_hex(certificate.serial_number)

    pki.revoke(certificate.serial_number)
    revoked_at = time.monotonic()
    assert "已被 CA 吊销" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    refused_after = None
    while time.monotonic() - revoked_at < BOUND_SECONDS + 2:
        response = client.simulate_post("/cases/c-1/actions", headers=headers,
                                        json={"action": "review", "opinion": "审查"})
        if response.status_code == 401:
            refused_after = time.monotonic() - revoked_at
            break
        time.sleep(0.05)
    assert refused_after is not None, "the session was never refused"
    print(f"session refused {refused_after:.3f} s after the CRL changed (bound {BOUND_SECONDS} s)")
    assert refused_after <= BOUND_SECONDS + 0.25
    assert any(e["event"] == "sessions_ended" for e in book.history(OFFICER))


def test_a_crl_that_cannot_be_trusted_refuses_every_certificate(client, book, pki, tmp_path, officer_cert,
                                                                assert_problem):
    certificate, key = officer_cert
    assert cert_login(client, certificate, key).status_code == 200
    stranger = TestPki(tmp_path / "stranger").init()
    pki.crl_path.write_bytes(stranger.crl_path.read_bytes())        # signed by another CA
    assert "不是证书的签发 CA 签署的" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    pki.crl_path.write_bytes(b"not a CRL")
    assert "未能读取证书吊销列表" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    pki.crl_path.unlink()
    assert "未能读取证书吊销列表" in assert_problem(cert_login(client, certificate, key), 401)["detail"]
    # the platform's fault, not the holder's: no lockout
    assert book.get(OFFICER)["locked"] is False
    (tmp_path / "pki" / "crl.der").replace(pki.crl_path)              # DER is read as well
    assert cert_login(client, certificate, key).status_code == 200


def test_a_second_factor_reset_and_a_deactivation_end_sessions_at_once(client, auth, login, book, totp,
                                                                       assert_problem):
    book.put({"account": "operator-2", "password": "Demo@2026", "role": "operator", "name": "平台运营二",
              "totp_secret": "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"}, actor="test", reason="测试账号")
    second = client.simulate_post("/auth/login", json={"account": "operator-2", "password": "Demo@2026",
                                                       "totp": totp("operator-2", "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U")})
    headers = {"Authorization": f"Bearer {second.json['access_token']}"}
    assert client.simulate_get("/accounts/operator-2", headers=headers).status_code == 200
    assert client.simulate_post("/accounts/operator-2/totp-reset", headers=auth("operator"),
                                json={"reason": "手机遗失"}).status_code == 200
    assert_problem(client.simulate_get("/accounts/operator-2", headers=headers), 401)
    officer = {"Authorization": f"Bearer {login('hcd-officer')['access_token']}"}
    assert client.simulate_get("/accounts/hcd-officer", headers=officer).status_code == 200
    assert client.simulate_post("/accounts/hcd-officer/deactivation", headers=auth("operator"),
                                json={"reason": "人员调离"}).status_code == 200
    assert_problem(client.simulate_get("/accounts/hcd-officer", headers=officer), 401)
