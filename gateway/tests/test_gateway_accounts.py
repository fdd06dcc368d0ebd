"""Accounts and tokens over HTTP, on a real migrated PostgreSQL database."""
import json

import pytest
from sqlalchemy import select

from gateway.accounts.__main__ import main as accounts_cli
from gateway.accounts.tables import account_log, refresh_tokens
from platform_kit.errors import Unauthenticated
from platform_kit.identity import verify_token


def test_login_issues_a_short_lived_token_with_the_accounts_identity(client, jwt_keys, settings):
    response = client.simulate_post("/auth/login", json={"account": "nrp-officer", "password": "Demo@2026"})
    assert response.status_code == 200, response.text
    body = response.json
    assert body["token_type"] == "Bearer" and body["expires_in"] == settings.access_ttl
    assert response.headers["Cache-Control"] == "no-store"
    identity = verify_token(body["access_token"], jwt_keys["public"])
    assert (identity.sub, identity.role, identity.department, identity.region) == \
        ("nrp-officer", "officer", "NRP", "410800")
    assert identity.steps == ("accept", "review", "approve", "conclude")
    applicant = verify_token(client.simulate_post("/auth/login", json={
        "account": "applicant", "password": "Demo@2026"}).json["access_token"], jwt_keys["public"])
    assert applicant.org == "91410800MA47Q0R12X" and applicant.name == "焦作市城市建设投资有限公司"


def test_wrong_password_and_unknown_account_look_the_same(client, assert_problem):
    wrong = assert_problem(client.simulate_post("/auth/login", json={"account": "clerk", "password": "x"}), 401)
    unknown = assert_problem(client.simulate_post("/auth/login", json={"account": "nobody", "password": "x"}), 401)
    assert wrong["detail"] == unknown["detail"] and wrong["title"] == unknown["title"]
    assert "access_token" not in wrong


def test_lockout_after_repeated_failures_then_operator_unlocks(client, auth, book, clock, assert_problem):
    for _ in range(3):  # settings: 3 failures lock for 600 s
        assert_problem(client.simulate_post("/auth/login", json={"account": "clerk", "password": "bad"}), 401)
    # the right password no longer opens the account
    assert_problem(client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"}), 401)
    assert book.get("clerk")["locked"] is True
    operator = auth("operator")
    assert_problem(client.simulate_post("/accounts/clerk/unlock", json={"reason": "本人电话核实"},
                                        headers=auth("supervisor")), 403)
    assert_problem(client.simulate_post("/accounts/clerk/unlock", json={}, headers=operator), 422)
    unlocked = client.simulate_post("/accounts/clerk/unlock", json={"reason": "本人电话核实"}, headers=operator)
    assert unlocked.status_code == 200 and unlocked.json["locked"] is False
    assert client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"}).status_code == 200
    events = [e["event"] for e in book.history("clerk")]
    assert events.count("login_failed") == 3 and "locked" in events and "unlocked" in events
    assert events[-1] == "logged_in"
    log = client.simulate_get("/accounts/clerk/log", params={"limit": 200}, headers=operator).json
    assert [e["event"] for e in log["items"]] == events and log["total"] == len(events)
    unlocked = next(e for e in log["items"] if e["event"] == "unlocked")
    assert unlocked["actor"] == "operator" and unlocked["reason"] == "本人电话核实"
    assert client.simulate_get("/accounts/clerk/log", headers=auth("clerk")).status_code == 200
    assert_problem(client.simulate_get("/accounts/clerk/log", headers=auth("supervisor")), 403)


def test_lockout_ends_by_itself(client, clock, assert_problem):
    for _ in range(3):
        client.simulate_post("/auth/login", json={"account": "clerk", "password": "bad"})
    assert_problem(client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"}), 401)
    clock.advance(seconds=601)
    assert client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"}).status_code == 200


def test_a_success_resets_the_failure_count(client, book):
    for _ in range(2):
        client.simulate_post("/auth/login", json={"account": "clerk", "password": "bad"})
    assert client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"}).status_code == 200
    for _ in range(2):
        client.simulate_post("/auth/login", json={"account": "clerk", "password": "bad"})
    assert book.get("clerk")["locked"] is False


def test_refresh_tokens_rotate_and_a_reused_one_ends_the_login(client, login, book, jwt_keys, assert_problem):
    first = login("applicant")
    second = client.simulate_post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    assert second.json["refresh_token"] != first["refresh_token"]
    assert verify_token(second.json["access_token"], jwt_keys["public"]).sub == "applicant"
    # the first refresh token was used once: presenting it again revokes the whole family
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": first["refresh_token"]}), 401)
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": second.json["refresh_token"]}), 401)
    with book.engine.connect() as conn:
        stored = conn.execute(select(refresh_tokens.c.token_hash)).scalars().all()
        assert first["refresh_token"] not in stored and all(len(h) == 64 for h in stored)
        assert "refresh_reused" in conn.execute(select(account_log.c.event)).scalars().all()
    # another login of the same account is unaffected
    other = login("applicant")
    assert client.simulate_post("/auth/refresh", json={"refresh_token": other["refresh_token"]}).status_code == 200


def test_refresh_token_expires_and_logout_revokes(client, login, clock, settings, assert_problem):
    tokens = login("clerk")
    clock.advance(seconds=settings.refresh_ttl + 1)
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    tokens = login("clerk")
    assert client.simulate_post("/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code == 204
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401)
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": "made-up"}), 401)


def test_password_change_policy_and_expiry(client, login, clock, settings, assert_problem):
    change = lambda current, new: client.simulate_post("/auth/password", json={  # noqa: E731
        "account": "supervisor", "current_password": current, "new_password": new})
    weak = assert_problem(change("Demo@2026", "short"), 422)
    assert {e["field"] for e in weak["errors"]} == {"new_password"}
    assert_problem(change("wrong", "Better#2027x"), 401)
    assert_problem(change("Demo@2026", "Demo@2026"), 422)
    old_session = login("supervisor")
    assert change("Demo@2026", "Better#2027x").status_code == 204
    assert_problem(client.simulate_post("/auth/login", json={"account": "supervisor", "password": "Demo@2026"}), 401)
    # a new password ends sessions opened with the old one
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": old_session["refresh_token"]}), 401)
    assert login("supervisor", "Better#2027x")["access_token"]
    # after the maximum age the password must be changed before logging in
    clock.advance(days=settings.password_max_age_days + 1)
    expired = assert_problem(client.simulate_post("/auth/login", json={
        "account": "supervisor", "password": "Better#2027x"}), 403)
    assert expired["type"].endswith("password-expired")
    assert change("Better#2027x", "Fresh!Pass2028").status_code == 204
    assert login("supervisor", "Fresh!Pass2028")["access_token"]


def test_operator_creates_and_lists_accounts(client, auth, assert_problem):
    operator = auth("operator")
    new = {"account": "eeb-officer", "password": "Eeb#Pass2026", "role": "officer", "name": "生态环境局 审批人员",
           "department": "EEB", "region": "410800", "steps": ["accept", "review"]}
    assert_problem(client.simulate_post("/accounts", json=new, headers=auth("clerk")), 403)
    created = client.simulate_post("/accounts", json=new, headers=operator)
    assert created.status_code == 201, created.text
    assert created.json["steps"] == ["accept", "review"] and "password_hash" not in created.json
    assert_problem(client.simulate_post("/accounts", json=new, headers=operator), 409)
    bad = assert_problem(client.simulate_post("/accounts", json=dict(new, account="x2", role="king", region="4108"),
                                              headers=operator), 422)
    assert {e["field"] for e in bad["errors"]} == {"role", "region"}
    page = client.simulate_get("/accounts", params={"limit": 3, "offset": 1}, headers=operator).json
    assert page["total"] == 8 and page["limit"] == 3 and len(page["items"]) == 3
    # the operator chose the first password: its holder changes it before working
    assert_problem(client.simulate_post("/auth/login", json={"account": "eeb-officer", "password": "Eeb#Pass2026"}),
                   403)
    assert client.simulate_post("/auth/password", json={"account": "eeb-officer", "current_password": "Eeb#Pass2026",
                                                        "new_password": "Eeb#Mine2026"}).status_code == 204
    assert client.simulate_post("/auth/login", json={"account": "eeb-officer",
                                                     "password": "Eeb#Mine2026"}).status_code == 200
    # everyone may read their own account, only the operator others'
    assert client.simulate_get("/accounts/clerk", headers=auth("clerk")).json["role"] == "clerk"
    assert_problem(client.simulate_get("/accounts/operator", headers=auth("clerk")), 403)
    assert_problem(client.simulate_get("/accounts/ghost", headers=operator), 404)


def test_seed_demo_is_idempotent_and_resets_the_demo_password(settings, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("DEMO_TOTP_FILE", str(tmp_path / "demo-totp.json"))
    assert accounts_cli(["seed-demo"]) == 0
    first_secret = json.loads((tmp_path / "demo-totp.json").read_text())["operator"]
    assert accounts_cli(["seed-demo"]) == 0
    secrets_written = json.loads((tmp_path / "demo-totp.json").read_text())
    assert set(secrets_written) == {"operator"} and secrets_written["operator"] != first_secret
    assert (tmp_path / "demo-totp.json").stat().st_mode & 0o077 == 0
    capsys.readouterr()
    assert accounts_cli(["totp-code", "operator"]) == 0
    code = capsys.readouterr().out.strip()
    from gateway.accounts.book import AccountBook
    book = AccountBook(settings)
    try:
        listed, total = book.list(50, 0)
        assert total == 7
        assert {a["account"]: a["role"] for a in listed} == {
            "operator": "operator", "applicant": "applicant", "clerk": "clerk", "nrp-officer": "officer",
            "drc-officer": "officer", "hcd-officer": "officer", "supervisor": "supervisor"}
        assert book.login("hcd-officer", "Demo@2026").access_token
        # the demo operator logs in with the code printed from the seeded secret (and not without it)
        with pytest.raises(Unauthenticated):
            book.login("operator", "Demo@2026")
        assert book.login("operator", "Demo@2026", code).access_token
        assert accounts_cli(["create", "window-2", "--role", "clerk", "--name", "二号窗口",
                             "--region", "410800", "--password", "Window#2026"]) == 0
        assert accounts_cli(["create", "window-3", "--role", "clerk", "--name", "三号窗口",
                             "--password", "weak"]) == 1
        assert book.get("window-2")["region"] == "410800"
    finally:
        book.engine.dispose()


def test_operator_resets_a_forgotten_password_which_must_then_be_changed(client, auth, login, book, assert_problem):
    operator = auth("operator")
    old_session = login("clerk")
    reset = {"new_password": "Temp#Pass2026", "reason": "本人持身份证到窗口申请"}
    assert_problem(client.simulate_post("/accounts/clerk/password-reset", json=reset, headers=auth("supervisor")), 403)
    weak = assert_problem(client.simulate_post("/accounts/clerk/password-reset", json=dict(reset, new_password="1"),
                                               headers=operator), 422)
    assert weak["errors"][0]["field"] == "new_password"
    done = client.simulate_post("/accounts/clerk/password-reset", json=reset, headers=operator)
    assert done.status_code == 200 and done.json["must_change_password"] is True
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": old_session["refresh_token"]}), 401)
    refused = assert_problem(client.simulate_post("/auth/login", json={"account": "clerk",
                                                                       "password": "Temp#Pass2026"}), 403)
    assert refused["type"].endswith("password-change-required")
    assert client.simulate_post("/auth/password", json={"account": "clerk", "current_password": "Temp#Pass2026",
                                                        "new_password": "Mine#Own2026"}).status_code == 204
    assert login("clerk", "Mine#Own2026")["access_token"]
    assert [e["event"] for e in book.history("clerk")][-3:] == ["login_refused", "password_changed", "logged_in"]
    assert_problem(client.simulate_post("/accounts/ghost/password-reset", json=reset, headers=operator), 404)


def test_a_deactivated_account_can_neither_log_in_nor_refresh(client, auth, login, assert_problem):
    operator = auth("operator")
    session = login("hcd-officer")
    assert_problem(client.simulate_post("/accounts/hcd-officer/deactivation", json={}, headers=operator), 422)
    off = client.simulate_post("/accounts/hcd-officer/deactivation", json={"reason": "调离"}, headers=operator)
    assert off.status_code == 200 and off.json["active"] is False
    assert_problem(client.simulate_post("/auth/login", json={"account": "hcd-officer", "password": "Demo@2026"}), 401)
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401)
    on = client.simulate_post("/accounts/hcd-officer/activation", json={"reason": "返岗"}, headers=operator)
    assert on.status_code == 200 and on.json["active"] is True
    assert login("hcd-officer")["access_token"]
