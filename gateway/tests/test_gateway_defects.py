"""What an attacker tries at the door: bodies nested to blow the stack, tokens that are not tokens,
and the English of the validation library leaking into Chinese answers."""
import base64
import json
import random
import re

import pytest

DEEP = 1000
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def nested_lists(depth):
    return "[" * depth + "]" * depth


def nested_objects(depth):
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("body", [nested_lists(DEEP), nested_objects(DEEP), nested_lists(100_000),
                                  '{"account": ' + nested_lists(DEEP) + ', "password": "x"}'])
def test_a_deeply_nested_login_body_is_refused_before_parsing(client, assert_problem, body):
    response = client.simulate_post("/auth/login", body=body, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 400)
    assert "嵌套" in problem["detail"] and not ENGLISH.search(problem["detail"] + problem["title"])


@pytest.mark.parametrize("body", [nested_lists(DEEP), nested_objects(DEEP)])
def test_a_deeply_nested_project_is_refused_and_never_reaches_intake(client, rpc, auth, assert_problem, body):
    headers = dict(auth("clerk"), **{"Content-Type": "application/json"})
    problem = assert_problem(client.simulate_post("/projects", body=body, headers=headers), 400)
    assert "嵌套" in problem["detail"]
    assert [c for c in rpc.calls if c["method"] == "register_project"] == []


def test_brackets_inside_strings_do_not_count_and_sane_nesting_passes(client, rpc, auth):
    attributes = {"note": "[" * 5000 + "{" * 5000, "a": {"b": {"c": [[[["深"]]]]}}}
    body = {"name": "项目", "category": "general", "region": "410800", "applicant_org": "91410800MA00000000",
            "attributes": attributes}
    response = client.simulate_post("/projects", body=json.dumps(body), headers=dict(
        auth("clerk"), **{"Content-Type": "application/json"}))
    assert response.status_code != 400, response.text
    assert rpc.calls[-1]["method"] == "register_project" and rpc.calls[-1]["args"][0]["attributes"] == attributes


def _b64(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("latin-1")


def _malformed_tokens():
    rnd = random.Random(20261130)
    yield "\xff\xfe\xfd"
    yield "abc"
    yield "a.b.c"
    yield "!!!.@@@.###"
    yield _b64(b"\xff\xfe\xfa") + ".e30.c2ln"                           # header not UTF-8
    yield _b64(b"[1, 2]") + ".e30.c2ln"                                 # header not an object
    yield _b64(b'{"alg": "none", "typ": "JWT"}') + "." + _b64(b'{"sub": "x"}') + "."
    yield _b64(b'{"alg": "EdDSA"}') + "." + _b64(b"\xff\xfe") + "." + _b64(b"x" * 64)
    yield _b64(b'{"alg": "EdDSA"}') + "." + _b64(b'{"sub": "x"}') + "." + _b64(b"short")
    yield _b64(b'{"alg": ["EdDSA"], "kid": 7}') + ".e30.c2ln"
    yield _b64(b'{"alg": "HS256"}') + "." + _b64(b'{"sub": "x"}') + ".c2ln"
    for _ in range(20):
        yield "".join(chr(rnd.randrange(0x21, 0x100)) for _ in range(rnd.randrange(1, 80)))
        yield ".".join(_b64(bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 40)))) for _ in range(3))


def test_a_malformed_bearer_token_is_a_chinese_401_leaking_no_library_text(client, rpc, assert_problem):
    for token in _malformed_tokens():
        response = client.simulate_get("/projects/2026-410800-48-01-000001",
                                       headers={"Authorization": "Bearer " + token})
        problem = assert_problem(response, 401)
        said = problem["title"] + problem["detail"]
        assert not ENGLISH.search(said), (token, said)
        assert "访问令牌" in problem["detail"]
    assert rpc.calls == []


def test_validation_messages_at_the_door_are_chinese_keeping_their_values(client, auth, assert_problem):
    headers = auth("operator")
    problem = assert_problem(client.simulate_post("/accounts", headers=headers, json={
        "account": "", "role": "wizard", "name": 7, "surprise": True}), 422)
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert "wizard" not in messages["role"] and "officer" in messages["role"] and "须为以下之一" in messages["role"]
    assert messages["surprise"] == "未知字段"
    for message in messages.values():
        assert not re.search(r"\b(Must|Length|Not a valid|Missing|Unknown|field)\b", message), messages
    problem = assert_problem(client.simulate_post("/cases/C7/extensions", headers=headers, json={
        "days": 61}), 422)
    messages = {e["field"]: e["message"] for e in problem["errors"]}
    assert messages["reason"] == "必填字段缺失"
    assert "60" in messages["days"] and not ENGLISH.search(messages["days"]), messages


@pytest.mark.parametrize("path, body, field", [
    ("/auth/login", '{"account": "\\ud800", "password": "x"}', "account"),
    ("/auth/login", '{"account": "clerk", "password": "ok\\udfff"}', "password"),
    ("/auth/refresh", '{"refresh_token": "\\udfff"}', "refresh_token"),
    ("/auth/logout", '{"refresh_token": "\\udbff\\u0041"}', "refresh_token"),
])
def test_a_lone_surrogate_in_a_public_body_is_a_422_naming_the_field(client, assert_problem, path, body, field):
    """JSON may escape half a UTF-16 pair; no database, hash or token can take it."""
    response = client.simulate_post(path, body=body, headers={"Content-Type": "application/json"})
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert not ENGLISH.search(problem["errors"][0]["message"])
