"""The audit trail over HTTP, on a real migrated PostgreSQL database: what is recorded, with what,
and that `python -m gateway.audit verify` finds any altered, deleted or reordered record."""
import json
import uuid

import pytest
from falcon.testing import TestClient
from sqlalchemy import create_engine, delete, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from gateway.app import create_app
from gateway.audit.__main__ import main as audit_cli
from gateway.audit.chain import GENESIS, canonical, first_break, link
from gateway.audit.middleware import client_address, event_of, trusted_networks
from gateway.audit.tables import audit_records
from gateway.audit.trail import AuditTrail


@pytest.fixture
def trail(settings):
    trail = AuditTrail(settings.database_url)
    yield trail
    trail.dispose()


def records(trail):
    return list(trail.records())


def test_logins_success_and_failure_are_recorded_without_the_password(client, trail):
    ok = client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"},
                              headers={"X-Request-Id": "req-login-1"})
    assert ok.status_code == 200 and ok.headers["X-Request-Id"] == "req-login-1"
    bad = client.simulate_post("/auth/login", json={"account": "clerk", "password": "Wrong#pass1"},
                               headers={"X-Request-Id": "bad id with spaces"})
    assert bad.status_code == 401
    generated = bad.headers["X-Request-Id"]
    assert generated != "bad id with spaces" and len(generated) == 32
    first, second = records(trail)
    assert (first["event"], first["actor"], first["role"], first["actor_source"], first["status"]) == \
        ("login", "clerk", "clerk", "issued_token", 200)
    assert (second["event"], second["actor"], second["role"], second["actor_source"], second["status"]) == \
        ("login", "clerk", None, "login_body", 401)
    assert first["request_id"] == "req-login-1" and second["request_id"] == generated
    assert first["method"] == "POST" and first["route"] == "/auth/login" and first["client"] == "127.0.0.1"
    stored = json.dumps(records(trail), ensure_ascii=False)
    assert "Demo@2026" not in stored and "Wrong#pass1" not in stored and ok.json["access_token"] not in stored
    assert second["prev_hash"] == first["hash"] and first["prev_hash"] == GENESIS


def test_a_request_id_of_the_longest_accepted_length_is_recorded_whole(client, trail):
    long_id = "req-" + "a1b2c3d4" * 15 + "end4"        # 128 characters, the longest the gateway accepts
    assert len(long_id) == 128
    response = client.simulate_post("/auth/login", json={"account": "clerk", "password": "Demo@2026"},
                                    headers={"X-Request-Id": long_id})
    assert response.status_code == 200 and response.headers["X-Request-Id"] == long_id
    (record,) = records(trail)
    assert record["request_id"] == long_id


def test_refresh_logout_and_password_change_name_their_account(client, login, trail):
    tokens = login("applicant")
    refreshed = client.simulate_post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert client.simulate_post("/auth/logout", json={"refresh_token": refreshed.json["refresh_token"]}
                                ).status_code == 204
    assert client.simulate_post("/auth/refresh", json={"refresh_token": "forged"}).status_code == 401
    changed = client.simulate_post("/auth/password", json={
        "account": "applicant", "current_password": "Demo@2026", "new_password": "Another#Pass2026"})
    assert changed.status_code == 204, changed.text
    got = [(r["event"], r["actor"], r["actor_source"], r["status"]) for r in records(trail)]
    assert got == [("login", "applicant", "issued_token", 200),
                   ("token_refresh", "applicant", "issued_token", 200),
                   ("logout", "applicant", "refresh_token", 204),
                   ("token_refresh", None, None, 401),
                   ("password_change", "applicant", "login_body", 204)]
    stored = json.dumps(records(trail), ensure_ascii=False)
    for secret in (tokens["refresh_token"], refreshed.json["refresh_token"], "Another#Pass2026", "forged"):
        assert secret not in stored


def test_decisions_downloads_account_changes_and_refusals_are_recorded(client, auth, rpc, trail):
    rpc.answers["stage.act_on_case"] = {"case_id": "c-1"}
    rpc.answers["intake.get_material_content"] = {"content_type": "application/pdf", "content_base64": "JVBERg=="}
    officer = auth("nrp-officer")
    operator = auth("operator")
    before = len(records(trail))  # the two logins
    assert client.simulate_post("/cases/c-1/actions", json={"action": "accept", "opinion": "同意"},
                                headers=officer).status_code == 200
    assert client.simulate_get("/materials/m-9/versions/2/content", headers=officer).status_code == 200
    assert client.simulate_get("/cases/c-1", headers=officer).status_code == 200       # a read: not recorded
    assert client.simulate_post("/accounts/clerk/unlock", json={"reason": "电话核实"},
                                headers=operator).status_code == 200
    assert client.simulate_post("/accounts/clerk/unlock", json={"reason": "电话核实"},
                                headers=officer).status_code == 403
    assert client.simulate_get("/cases").status_code == 401                              # no token
    assert client.simulate_get("/cases", headers={"Authorization": "Bearer forged"}).status_code == 401
    got = [(r["event"], r["actor"], r["role"], r["method"], r["route"], r["object_ids"], r["status"])
           for r in records(trail)[before:]]
    assert got == [
        ("case_action", "nrp-officer", "officer", "POST", "/cases/{case_id}/actions", {"case_id": "c-1"}, 200),
        ("download", "nrp-officer", "officer", "GET", "/materials/{material_id}/versions/{version:int}/content",
         {"material_id": "m-9", "version": 2}, 200),
        ("account_change", "operator", "operator", "POST", "/accounts/{account}/unlock", {"account": "clerk"}, 200),
        ("account_change", "nrp-officer", "officer", "POST", "/accounts/{account}/unlock", {"account": "clerk"},
         403),
        ("access_denied", None, None, "GET", "/cases", {}, 401),
        ("access_denied", None, None, "GET", "/cases", {}, 401),
    ]


def test_every_listed_action_has_its_event():
    assert event_of("POST", "/cases/{case_id}/special-handling", 200) == "case_special_handling"
    assert event_of("POST", "/cases/{case_id}/extensions", 201) == "case_extension"
    assert event_of("POST", "/stages/{stage_id}/extensions", 201) == "stage_extension"
    assert event_of("POST", "/licences/{licence_id}/revocation", 200) == "licence_revocation"
    assert event_of("POST", "/calendar/years", 201) == "calendar_load"
    assert event_of("PUT", "/catalog", 200) == "catalog_load"
    assert event_of("GET", "/documents/{document_id}/content", 200) == "download"
    assert event_of("POST", "/accounts", 201) == "account_change"
    assert event_of("GET", "/catalog", 200) is None and event_of("GET", "/catalog", 403) == "access_denied"


def test_forwarded_for_counts_only_from_a_trusted_proxy(settings, rpc, book, trail):
    trusted = trusted_networks("10.0.0.0/8, ::1")
    assert client_address("203.0.113.5", "1.2.3.4", trusted) == "203.0.113.5"          # not a proxy: ignored
    assert client_address("10.0.0.2", "198.51.100.7, 10.0.0.9", trusted) == "198.51.100.7"
    assert client_address("10.0.0.2", "spoofed, 198.51.100.7", trusted) == "198.51.100.7"
    assert client_address("10.0.0.2", "", trusted) == "10.0.0.2"
    app = TestClient(create_app(settings, rpc, book=book, audit=trail, trusted_proxies=trusted))
    app.simulate_get("/cases", headers={"X-Forwarded-For": "198.51.100.7"}, remote_addr="10.1.2.3")
    app.simulate_get("/cases", headers={"X-Forwarded-For": "198.51.100.7"}, remote_addr="192.0.2.1")
    assert [r["client"] for r in records(trail)] == ["198.51.100.7", "192.0.2.1"]


def test_the_chain_rule_names_the_first_broken_link():
    chain, prev = [], GENESIS
    for seq in range(1, 6):
        content = {"seq": seq, "at": f"2026-11-30T08:00:0{seq}.000000Z", "request_id": f"r{seq}", "event": "login",
                   "client": "127.0.0.1", "actor": "clerk", "actor_source": "token", "role": "clerk",
                   "method": "POST", "route": "/auth/login", "object_ids": {}, "status": 200}
        record = dict(content, id=seq * 10, prev_hash=prev, hash=link(prev, content))
        chain.append(record)
        prev = record["hash"]
    assert first_break(chain)[0] is None and first_break(chain)[1] == 5
    assert canonical(chain[0]) == canonical(dict(reversed(list(chain[0].items()))))
    altered = [dict(r) for r in chain]
    altered[2]["actor"] = "someone-else"
    broken = first_break(altered)[0]
    assert (broken.id, broken.seq) == (30, 3) and "altered" in broken.problem
    assert first_break(chain[:1] + chain[2:])[0].seq == 3                 # the second one deleted
    assert first_break(chain[2:], anchor=None, start_seq=None)[0] is None  # an archive from seq 3 on


def run_verify(capsys, *args):
    code = audit_cli(["verify", *args])
    return code, capsys.readouterr().out


def test_verify_and_export_commands_find_tampering(client, trail, settings, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GATEWAY_DATABASE_URL", settings.database_url)
    for n in range(8):
        client.simulate_get("/cases", headers={"X-Request-Id": f"r-{n}"})
    rows = records(trail)
    code, out = run_verify(capsys)
    assert code == 0 and "8 records" in out and rows[-1]["hash"] in out

    archive = tmp_path / "audit.jsonl"
    assert audit_cli(["export", "--since", rows[3]["at"]]) == 0
    archive.write_text(capsys.readouterr().out)
    assert [json.loads(line)["seq"] for line in archive.read_text().splitlines()] == [4, 5, 6, 7, 8]
    assert run_verify(capsys, "--file", str(archive))[0] == 0
    assert run_verify(capsys, "--file", str(archive), "--anchor", rows[2]["hash"])[0] == 0
    code, out = run_verify(capsys, "--file", str(archive), "--anchor", rows[1]["hash"])
    assert code == 1 and f"id={rows[3]['id']} seq=4" in out
    lines = archive.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["status"] = 200
    archive.write_text("\n".join(lines[:2] + [json.dumps(edited)] + lines[3:]) + "\n")
    code, out = run_verify(capsys, "--file", str(archive))
    assert code == 1 and f"id={rows[5]['id']} seq=6" in out and "altered" in out

    engine = create_engine(settings.database_url)
    try:
        with engine.begin() as conn:  # one row's content altered
            conn.execute(update(audit_records).where(audit_records.c.id == rows[4]["id"]).values(actor="intruder"))
        code, out = run_verify(capsys)
        assert code == 1 and f"id={rows[4]['id']} seq=5" in out and "altered" in out
        with engine.begin() as conn:  # put back, then delete another row
            conn.execute(update(audit_records).where(audit_records.c.id == rows[4]["id"]).values(actor=None))
        assert run_verify(capsys)[0] == 0
        with engine.begin() as conn:
            conn.execute(delete(audit_records).where(audit_records.c.id == rows[2]["id"]))
        code, out = run_verify(capsys)
        assert code == 1 and f"id={rows[3]['id']} seq=4" in out and "seq is 4, expected 3" in out
        with engine.begin() as conn:  # restore it, then swap two records' places
            conn.execute(audit_records.insert().values(**{k: v for k, v in rows[2].items()}))
        assert run_verify(capsys)[0] == 0
        with engine.begin() as conn:
            conn.execute(update(audit_records).where(audit_records.c.id == rows[6]["id"]).values(seq=-1))
            conn.execute(update(audit_records).where(audit_records.c.id == rows[5]["id"]).values(seq=7))
            conn.execute(update(audit_records).where(audit_records.c.id == rows[6]["id"]).values(seq=6))
        code, out = run_verify(capsys)
        assert code == 1 and f"id={rows[5]['id']} seq=7" in out and "expected 6" in out
    finally:
        engine.dispose()


def test_the_gateway_needs_only_select_and_insert_on_the_audit_table(settings):
    """The GRANTs the README gives for production: a user that may not update or delete still appends."""
    role = f"audit_app_{uuid.uuid4().hex[:8]}"
    admin = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'audit-app'"))
        conn.execute(text(f"GRANT SELECT, INSERT ON audit_records TO {role}"))
        conn.execute(text(f"GRANT USAGE ON SEQUENCE audit_records_id_seq TO {role}"))
    limited = AuditTrail(make_url(settings.database_url).set(username=role, password="audit-app")
                         .render_as_string(hide_password=False))
    try:
        for n in range(3):
            limited.append({"request_id": f"r{n}", "event": "login", "client": "127.0.0.1", "actor": "clerk",
                            "actor_source": "login_body", "method": "POST", "route": "/auth/login", "status": 401})
        for statement in (update(audit_records).values(actor="intruder"), delete(audit_records)):
            with pytest.raises(ProgrammingError, match="permission denied"), limited.engine.begin() as conn:
                conn.execute(statement)
        stored = list(limited.records())
        assert [r["seq"] for r in stored] == [1, 2, 3] and first_break(stored)[0] is None
    finally:
        limited.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP OWNED BY {role}"))
            conn.execute(text(f"DROP ROLE {role}"))
        admin.dispose()
