"""The second factor of administrators (RFC 6238 TOTP), over HTTP on a real migrated database."""
import pyotp
from sqlalchemy import select

from gateway.accounts import second_factor
from gateway.accounts.tables import accounts
from gateway.tests.conftest import TOTP_SECRETS

LOGIN = "/auth/login"


def operator_login(client, **extra):
    return client.simulate_post(LOGIN, json={"account": "operator", "password": "Demo@2026", **extra})


def events(book, account):
    return [(e["event"], e["reason"]) for e in book.history(account)]


def test_an_operator_needs_a_fresh_code_besides_the_password(client, book, totp, clock, assert_problem):
    missing = assert_problem(operator_login(client), 401)
    assert_problem(operator_login(client, totp="000000" if totp("operator") != "000000" else "111111"), 401)
    code = totp("operator")
    # the code is the one any RFC 6238 authenticator shows for the seeded secret
    assert pyotp.TOTP(TOTP_SECRETS["operator"]).verify(code, for_time=clock(), valid_window=1)
    assert operator_login(client, totp=code).status_code == 200
    replay = assert_problem(operator_login(client, totp=code), 401)
    wrong_password = assert_problem(client.simulate_post(LOGIN, json={"account": "operator", "password": "bad",
                                                                      "totp": totp("operator")}), 401)
    # neither a missing code nor a replayed one says anything about the password
    assert missing["detail"] == replay["detail"] == wrong_password["detail"]
    assert [r for e, r in events(book, "operator") if e == "login_failed"] == [
        "缺少动态验证码", "动态验证码错误或已使用", "动态验证码错误或已使用", "密码错误"]


def test_missing_and_wrong_codes_count_into_the_lockout(client, book, totp, clock, assert_problem):
    assert_problem(operator_login(client), 401)
    assert_problem(operator_login(client, totp="12345"), 401)
    assert book.get("operator")["locked"] is False
    assert_problem(operator_login(client, totp="abcdef"), 401)  # third failure (settings: 3) locks
    assert book.get("operator")["locked"] is True
    assert_problem(operator_login(client, totp=totp("operator")), 401)
    clock.advance(seconds=601)
    assert operator_login(client, totp=totp("operator")).status_code == 200


def test_an_administrator_without_a_second_factor_enrols_with_the_token_the_login_gives(
        client, auth, book, totp, clock, jwt_keys, assert_problem):
    from platform_kit.identity import verify_token
    operator = auth("operator")
    created = client.simulate_post("/accounts", headers=operator, json={
        "account": "nrp-admin", "password": "Init#2026x", "role": "dept_admin", "name": "自然资源和规划局 管理员",
        "department": "NRP", "region": "410800"})
    assert created.status_code == 201 and created.json["second_factor"] is False
    assert client.simulate_post("/auth/password", json={"account": "nrp-admin", "current_password": "Init#2026x",
                                                        "new_password": "Mine#Admin2026"}).status_code == 204
    password_only = {"account": "nrp-admin", "password": "Mine#Admin2026"}
    refused = assert_problem(client.simulate_post(LOGIN, json=password_only), 403)
    assert refused["type"].endswith("second-factor-enrolment-required") and "绑定" in refused["title"]
    token = refused["enrolment_token"]
    assert "access_token" not in refused
    # the enrolment token opens nothing else
    assert_problem(client.simulate_get("/accounts/nrp-admin", headers={"Authorization": f"Bearer {token}"}), 401)
    assert_problem(client.simulate_post("/auth/totp/confirmation", json={"enrolment_token": token,
                                                                         "totp": "123456"}), 409)
    enrolled = client.simulate_post("/auth/totp/enrolment", json={"enrolment_token": token})
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.headers["Cache-Control"] == "no-store"
    body = enrolled.json
    assert body["otpauth_uri"].startswith("otpauth://totp/") and f"secret={body['secret']}" in body["otpauth_uri"]
    codes = body["recovery_codes"]
    assert len(codes) == 10 == len(set(codes))
    assert_problem(client.simulate_post("/auth/totp/enrolment", json={"enrolment_token": "made-up"}), 401)
    # a wrong first code binds nothing (and counts as a failure)
    assert_problem(client.simulate_post("/auth/totp/confirmation", json={
        "enrolment_token": token, "totp": "000000" if totp("x", body["secret"]) != "000000" else "111111"}), 401)
    confirmed = client.simulate_post("/auth/totp/confirmation", json={
        "enrolment_token": token, "totp": totp("nrp-admin", body["secret"])})
    assert confirmed.status_code == 200, confirmed.text
    assert verify_token(confirmed.json["access_token"], jwt_keys["public"]).role == "dept_admin"
    assert_problem(client.simulate_post("/auth/totp/enrolment", json={"enrolment_token": token}), 401)  # used up
    assert book.get("nrp-admin")["second_factor"] is True
    # recovery codes: stored hashed, each good once instead of a code
    with book.engine.connect() as conn:
        stored = conn.execute(select(accounts.c.recovery_codes, accounts.c.totp_pending_secret)
                              .where(accounts.c.account == "nrp-admin")).one()
    assert stored.totp_pending_secret is None
    assert all(e["hash"].startswith("$argon2") for e in stored.recovery_codes)
    assert not set(codes) & {e["hash"] for e in stored.recovery_codes}
    assert client.simulate_post(LOGIN, json=dict(password_only, totp=codes[3].upper())).status_code == 200
    assert_problem(client.simulate_post(LOGIN, json=dict(password_only, totp=codes[3])), 401)
    assert book.get("nrp-admin")["recovery_codes_left"] == 9
    assert client.simulate_post(LOGIN, json=dict(password_only, totp=totp("nrp-admin", body["secret"]))
                                ).status_code == 200
    assert [e for e, _ in events(book, "nrp-admin")].count("totp_enrolled") == 1


def test_an_enrolment_token_is_short_lived(client, auth, book, clock, assert_problem):
    book.put({"account": "drc-admin", "password": "Demo@2026", "role": "dept_admin", "name": "发改委 管理员",
              "department": "DRC", "region": "410800"}, actor="test", reason="测试账号")
    token = assert_problem(client.simulate_post(LOGIN, json={"account": "drc-admin", "password": "Demo@2026"}),
                           403)["enrolment_token"]
    clock.advance(seconds=second_factor.ENROLMENT_SECONDS + 1)
    assert_problem(client.simulate_post("/auth/totp/enrolment", json={"enrolment_token": token}), 401)


def test_an_operator_resets_another_accounts_second_factor_on_the_record(client, auth, book, totp, assert_problem):
    secret = "KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF"
    book.put({"account": "nrp-admin", "password": "Demo@2026", "role": "dept_admin", "name": "自规局 管理员",
              "department": "NRP", "region": "410800", "totp_secret": secret}, actor="test", reason="测试账号")
    session = client.simulate_post(LOGIN, json={"account": "nrp-admin", "password": "Demo@2026",
                                                "totp": totp("nrp-admin", secret)}).json
    admin = {"Authorization": f"Bearer {session['access_token']}"}
    operator = auth("operator")
    reason = {"reason": "本人手机遗失，持工作证到窗口申请"}
    assert_problem(client.simulate_post("/accounts/nrp-admin/totp-reset", json=reason, headers=admin), 403)
    assert_problem(client.simulate_post("/accounts/operator/totp-reset", json=reason, headers=operator), 403)
    assert_problem(client.simulate_post("/accounts/nrp-admin/totp-reset", json={}, headers=operator), 422)
    done = client.simulate_post("/accounts/nrp-admin/totp-reset", json=reason, headers=operator)
    assert done.status_code == 200 and done.json["second_factor"] is False
    reset = [e for e in book.history("nrp-admin") if e["event"] == "totp_reset"]
    assert [(e["actor"], e["reason"]) for e in reset] == [("operator", reason["reason"])]
    # the sessions end; the next login asks for a new enrolment
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401)
    again = assert_problem(client.simulate_post(LOGIN, json={"account": "nrp-admin", "password": "Demo@2026",
                                                             "totp": totp("nrp-admin", secret)}), 403)
    assert again["enrolment_token"]


def test_other_roles_log_in_with_the_password_alone(client, book):
    assert client.simulate_post(LOGIN, json={"account": "clerk", "password": "Demo@2026"}).status_code == 200
    assert book.get("clerk")["second_factor"] is False
