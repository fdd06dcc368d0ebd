"""A password change is no way around the login lockout; nobody deactivates themselves, and the
platform always keeps an active operator. Over HTTP on a real migrated database."""
import pytest

from platform_kit.errors import Conflict

def change(client, current, new="Better#2027x", account="supervisor"):
    return client.simulate_post("/auth/password", json={"account": account, "current_password": current,
                                                        "new_password": new})


def test_wrong_current_passwords_lock_the_account_and_the_right_one_is_then_refused(
        client, book, clock, assert_problem):
    for attempt in range(1, 4):  # settings: 3 failures lock for 600 s
        assert_problem(change(client, f"guess-{attempt}"), 401)
        assert book.get("supervisor")["locked"] is (attempt == 3)
    assert_problem(change(client, "Demo@2026"), 401)
    # nothing changed: after the lockout the old password still opens the account
    clock.advance(seconds=601)
    assert client.simulate_post("/auth/login", json={"account": "supervisor",
                                                     "password": "Demo@2026"}).status_code == 200
    log = [(e["event"], e["actor"]) for e in book.history("supervisor")]
    assert log.count(("password_change_failed", "supervisor")) == 3 and ("locked", "system") in log
    assert ("password_change_refused", "supervisor") in log and ("password_changed", "supervisor") not in log


def test_login_and_password_change_failures_share_one_counter(client, book, assert_problem):
    for _ in range(2):
        assert_problem(client.simulate_post("/auth/login", json={"account": "clerk", "password": "bad"}), 401)
    assert book.get("clerk")["locked"] is False
    assert_problem(change(client, "bad", account="clerk"), 401)
    assert book.get("clerk")["locked"] is True
    assert_problem(client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"}), 401)


def test_a_right_current_password_clears_the_count(client, book, assert_problem):
    for _ in range(2):
        assert_problem(change(client, "bad"), 401)
    assert change(client, "Demo@2026").status_code == 204
    for _ in range(2):
        assert_problem(change(client, "bad", "Other#2028x"), 401)
    assert book.get("supervisor")["locked"] is False


def test_nobody_deactivates_their_own_account(client, auth, book, assert_problem):
    operator = auth("operator")
    refused = assert_problem(client.simulate_post("/accounts/operator/deactivation", json={"reason": "离职"},
                                                  headers=operator), 403)
    assert refused["detail"] == "不能停用本人账号，请由其他管理员办理"
    assert book.get("operator")["active"] is True
    assert "deactivated" not in [e["event"] for e in book.history("operator")]


def test_the_last_active_operator_cannot_be_deactivated(client, auth, book, totp, assert_problem):
    secret = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"
    book.put({"account": "operator-2", "password": "Demo@2026", "role": "operator", "name": "平台运营二",
              "totp_secret": secret}, actor="test", reason="测试账号")
    second = client.simulate_post("/auth/login", json={"account": "operator-2", "password": "Demo@2026",
                                                       "totp": totp("operator-2", secret)})
    assert second.status_code == 200, second.text
    second = {"Authorization": f"Bearer {second.json['access_token']}"}
    first = auth("operator")
    assert client.simulate_post("/accounts/operator-2/deactivation", json={"reason": "调岗"},
                                headers=first).json["active"] is False
    # operator-2's access token is still within its lifetime, but its session ended with the account
    assert_problem(client.simulate_post("/accounts/operator/deactivation", json={"reason": "调岗"},
                                        headers=second), 401)
    # and the rule holds for any other way in (the operator's command line)
    with pytest.raises(Conflict, match="不能停用最后一个启用的平台运营账号"):
        book.set_active("operator", False, actor="operator-2", reason="调岗")
    assert book.get("operator")["active"] is True
    # nor can the last one be turned into another role
    with pytest.raises(Conflict):
        book.change_details("operator", {"role": "supervisor"}, by=None, reason="调岗")
    assert book.get("operator")["role"] == "operator"
