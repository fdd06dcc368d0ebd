"""Department administrators manage the officers of their own department and region (002 §31); a
holder's details change only through a recorded request (000 §17). Over HTTP on a real database."""
import pytest
from sqlalchemy import select

from gateway.accounts.tables import account_changes

ADMIN_SECRET = "ONSWG4TFOQQGC3TEEBZWK3DSMV2HG4TP"
OFFICER = {"account": "nrp-officer-2", "password": "Init#2026x", "role": "officer", "name": "自然资源和规划局 审批人员二",
           "department": "NRP", "region": "410800", "steps": ["accept", "review"]}


@pytest.fixture
def admin(client, book, totp):
    """Headers of nrp-admin: NRP's administrator in 焦作市 (410800), second factor bound."""
    book.put({"account": "nrp-admin", "password": "Demo@2026", "role": "dept_admin", "name": "自然资源和规划局 管理员",
              "department": "NRP", "region": "410800", "totp_secret": ADMIN_SECRET}, actor="test", reason="测试账号")
    response = client.simulate_post("/auth/login", json={"account": "nrp-admin", "password": "Demo@2026",
                                                         "totp": totp("nrp-admin", ADMIN_SECRET)})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json['access_token']}"}


def test_an_admin_creates_officers_of_their_own_department_and_region_only(client, admin, book, assert_problem):
    created = client.simulate_post("/accounts", json=OFFICER, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json["must_change_password"] is True
    assert book.history("nrp-officer-2")[0] == {**book.history("nrp-officer-2")[0], "event": "created",
                                                 "actor": "nrp-admin"}
    for other, why in (({"department": "DRC"}, "本部门"), ({"region": "410900"}, "本部门"),
                       ({"role": "clerk"}, "审批人员"), ({"role": "dept_admin"}, "审批人员"),
                       ({"role": "operator", "department": None, "region": None}, "审批人员")):
        refused = assert_problem(client.simulate_post("/accounts", json=dict(OFFICER, account="x-" + str(len(why)),
                                                                             **other), headers=admin), 403)
        assert why in refused["detail"], other
    assert book.list(50, 0)[1] == 9  # the seven demo accounts, nrp-admin and the one officer


def test_an_admin_lists_and_reads_only_their_own_officers(client, admin, assert_problem):
    listed = client.simulate_get("/accounts", headers=admin).json
    assert [a["account"] for a in listed["items"]] == ["nrp-officer"] and listed["total"] == 1
    assert client.simulate_get("/accounts/nrp-officer", headers=admin).status_code == 200
    assert client.simulate_get("/accounts/nrp-officer/log", headers=admin).status_code == 200
    assert_problem(client.simulate_get("/accounts/drc-officer", headers=admin), 403)
    assert_problem(client.simulate_get("/accounts/clerk/log", headers=admin), 403)
    assert client.simulate_get("/accounts/nrp-admin", headers=admin).json["role"] == "dept_admin"


def test_an_admin_maintains_their_officers_and_no_one_else(client, admin, auth, book, assert_problem):
    reason = {"reason": "本人申请"}
    for path, body in (("deactivation", reason), ("activation", reason), ("unlock", reason),
                       ("password-reset", dict(reason, new_password="Temp#Pass2026"))):
        done = client.simulate_post(f"/accounts/nrp-officer/{path}", json=body, headers=admin)
        assert done.status_code == 200, (path, done.text)
        for other in ("drc-officer", "clerk", "operator", "supervisor"):
            assert_problem(client.simulate_post(f"/accounts/{other}/{path}", json=body, headers=admin), 403)
    assert book.get("nrp-officer")["must_change_password"] is True
    actors = {(e["event"], e["actor"]) for e in book.history("nrp-officer")}
    assert {("deactivated", "nrp-admin"), ("activated", "nrp-admin"), ("unlocked", "nrp-admin"),
            ("password_reset", "nrp-admin")} <= actors
    refused = assert_problem(client.simulate_post("/accounts/nrp-admin/deactivation", json=reason, headers=admin),
                             403)
    assert refused["detail"] == "不能停用本人账号，请由其他管理员办理"
    assert_problem(client.simulate_post("/accounts/nrp-officer/totp-reset", json=reason, headers=admin), 403)
    # an officer manages nobody
    assert_problem(client.simulate_post("/accounts", json=OFFICER, headers=auth("drc-officer")), 403)
    assert_problem(client.simulate_post("/accounts/nrp-officer/unlock", json=reason, headers=auth("hcd-officer")),
                   403)


def test_details_change_through_a_recorded_request_within_the_admins_reach(client, admin, book, assert_problem):
    change = lambda account, **body: client.simulate_post(  # noqa: E731
        f"/accounts/{account}/changes", json=body, headers=admin)
    done = change("nrp-officer", reason="姓名更正（身份证复印件已存档）", name="自然资源和规划局 张三",
                  steps=["accept"])
    assert done.status_code == 201, done.text
    assert done.json["name"] == "自然资源和规划局 张三" and done.json["steps"] == ["accept"]
    # never above the admin's reach, never outside their department, never their own details
    for body, status in (({"role": "dept_admin"}, 403), ({"role": "supervisor"}, 403), ({"department": "DRC"}, 403),
                         ({"region": "410900"}, 403)):
        assert_problem(change("nrp-officer", reason="调整", **body), status)
    assert_problem(change("drc-officer", reason="调整", name="别人"), 403)
    assert_problem(change("nrp-admin", reason="调整", name="自己"), 403)
    assert_problem(change("nrp-officer", name="无理由"), 422)
    assert_problem(change("nrp-officer", reason="无内容"), 422)
    assert_problem(change("nrp-officer", reason="调整", steps=["sign"]), 422)
    assert book.get("nrp-officer")["role"] == "officer" and book.get("nrp-officer")["department"] == "NRP"
    second = change("nrp-officer", reason="恢复全部环节", steps=["accept", "review", "approve", "conclude"])
    assert second.status_code == 201
    history = client.simulate_get("/accounts/nrp-officer/changes", headers=admin).json
    assert history["total"] == 2
    first, last = history["items"]
    assert first["requested_by"] == "nrp-admin" and first["reason"] == "姓名更正（身份证复印件已存档）"
    assert first["before"]["name"] == "自然资源和规划局 审批人员" and first["after"]["name"] == "自然资源和规划局 张三"
    assert first["after"] == last["before"] and last["after"]["steps"] == ["accept", "review", "approve", "conclude"]
    with book.engine.connect() as conn:
        assert conn.execute(select(account_changes.c.id)).scalars().all() == [first["id"], last["id"]]
    logged = [e for e in book.history("nrp-officer") if e["event"] == "details_changed"]
    assert [e["actor"] for e in logged] == ["nrp-admin", "nrp-admin"] and "name" in logged[0]["reason"]


def test_a_changed_officer_must_log_in_again_to_carry_the_new_details(client, admin, login, jwt_keys,
                                                                       assert_problem):
    from platform_kit.identity import verify_token
    session = login("nrp-officer")
    assert client.simulate_post("/accounts/nrp-officer/changes", json={"reason": "调整环节", "steps": ["review"]},
                                headers=admin).status_code == 201
    assert_problem(client.simulate_post("/auth/refresh", json={"refresh_token": session["refresh_token"]}), 401)
    assert verify_token(login("nrp-officer")["access_token"], jwt_keys["public"]).steps == ("review",)


def test_the_operator_changes_any_account(client, auth, book):
    operator = auth("operator")
    moved = client.simulate_post("/accounts/drc-officer/changes", headers=operator, json={
        "reason": "调入自然资源和规划局（调令 2026-118 号）", "department": "NRP"})
    assert moved.status_code == 201 and moved.json["department"] == "NRP"
    raised = client.simulate_post("/accounts/clerk/changes", headers=operator, json={
        "reason": "任命为部门管理员", "role": "dept_admin", "department": "HCD"})
    assert raised.status_code == 201 and raised.json["role"] == "dept_admin"
    assert client.simulate_get("/accounts/clerk/changes", headers=auth("supervisor")).status_code == 403


def test_every_change_an_admin_makes_is_in_the_audit_chain(client, admin, settings):
    """002 §35: an administrator's account changes, allowed or refused, are audit records of the
    one hash chain, which still verifies."""
    from gateway.audit.chain import first_break
    from gateway.audit.trail import AuditTrail

    trail = AuditTrail(settings.database_url)
    try:
        before = len(list(trail.records()))
        reason = {"reason": "本人申请"}
        assert client.simulate_post("/accounts", json=OFFICER, headers=admin).status_code == 201
        assert client.simulate_post("/accounts/nrp-officer/deactivation", json=reason,
                                    headers=admin).status_code == 200
        assert client.simulate_post("/accounts/nrp-officer-2/changes", json=dict(reason, steps=["accept"]),
                                    headers=admin).status_code == 201
        for other in ("drc-officer", "nrp-admin"):   # another department's; their own
            assert client.simulate_post(f"/accounts/{other}/deactivation", json=reason,
                                        headers=admin).status_code == 403
        chain = list(trail.records())
        got = [(r["event"], r["actor"], r["route"], r["object_ids"].get("account"), r["status"])
               for r in chain[before:]]
        assert got == [
            ("account_change", "nrp-admin", "/accounts", None, 201),
            ("account_change", "nrp-admin", "/accounts/{account}/deactivation", "nrp-officer", 200),
            ("account_change", "nrp-admin", "/accounts/{account}/changes", "nrp-officer-2", 201),
            ("account_change", "nrp-admin", "/accounts/{account}/deactivation", "drc-officer", 403),
            ("account_change", "nrp-admin", "/accounts/{account}/deactivation", "nrp-admin", 403),
        ]
        broken, checked, _ = first_break(chain)
        assert (broken, checked) == (None, len(chain))
    finally:
        trail.dispose()
