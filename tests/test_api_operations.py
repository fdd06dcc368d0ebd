"""Every operation of the gateway's OpenAPI document, called with a valid request through the real
gateway (every service a separate process on real RabbitMQ and PostgreSQL), and every documented
success answer checked against the document.

The data the operations need comes from projects walked through the platform as people would:
register, upload, declare, accept, ask for and receive a supplement, extend, review, approve (once
under special handling), conclude; a second project is declared from a saved draft, a third pushed
by the investment platform.

Each operation test is marked with ``@covers(method, path)`` and must hand an answer of that
operation to :func:`expect`; the test at the end of the first part fails for every operation of
``/openapi.json`` without a passing test of this kind, so a route added without one is noticed.
The second part validates every recorded answer against the document's schema for its status
(``$ref`` resolved against the document, ``date`` and
``date-time`` formats checked); PDF, SVG and material files are checked for their media type and
magic bytes instead.
"""
import base64
import functools
import hashlib
import json
import re
import struct
import uuid
import zlib
from collections import defaultdict

import pyotp
import pytest
import requests
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from launcher import ROOT
from test_end_to_end import PASSWORD, PDF, Client, eventually, login

from gateway import openapi
from gateway.routes import GATEWAY_OPERATIONS, OPERATIONS
from platform_kit.calendar import today_in_shanghai
from platform_kit.identity import verify_token
from platform_kit.pki import pem, serial_hex, sign_challenge

PROJECT_CODE = re.compile(r"^\d{4}-410800-48-01-\d{6}$")
APPLICANT_ORG = "91410800MA47Q0R12X"
ATTRIBUTES = {"floor_area_m2": 1500.0}    # < 2000 m²: stage 1 has NRP-001 and DRC-001
STAGE = "land_use_planning"
STAGE_1_FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 1500.0,
                "investment_10k_yuan": 2600, "contact_name": "王建国", "contact_phone": "13903910000"}
SVG_NS = b"http://www.w3.org/2000/svg"


def png_bytes():
    """A real 1×1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff")) + chunk(b"IEND", b""))


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
MAGIC = {"application/pdf": (b"%PDF-",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
         "text/csv": (b"\xef\xbb\xbf",),   # UTF-8 with its byte-order mark
         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",)}


# ------------------------------------------------------------------------------ the registry
COVERING = defaultdict(list)   # (METHOD, path template) -> names of the tests declaring it
PASSED = set()                 # operations whose valid-request test passed
ANSWERS = defaultdict(list)    # (METHOD, path template, status) -> real answers seen by those tests
_checked = []                  # operations expect() saw during the running test


def local_document():
    return openapi.build(OPERATIONS + GATEWAY_OPERATIONS)


def _template_pattern(path):
    return re.compile("^" + re.sub(r"\\{\w+\\}", "[^/]+", re.escape(path)) + "$")


TEMPLATES = sorted(((path, _template_pattern(path)) for path in local_document()["paths"]),
                   key=lambda pair: (pair[0].count("{"), pair[0]))   # literal segments win


def template_of(url_path):
    return next((path for path, pattern in TEMPLATES if pattern.match(url_path)), None)


def covers(method, path):
    """Marks a test as the valid-request test of one documented operation."""
    key = (method, path)

    def decorate(test):
        @functools.wraps(test)
        def run(*args, **kwargs):
            _checked.clear()
            test(*args, **kwargs)
            assert key in _checked, f"the test never checked an answer of {method} {path}"
            PASSED.add(key)
        COVERING[key].append(test.__name__)
        return run
    return decorate


def expect(response, method, path, status):
    """The answer of `method path` succeeded with `status`; returns its JSON (or the response)."""
    request_path = requests.utils.urlparse(response.request.url).path
    assert (response.request.method, template_of(request_path)) == (method, path), \
        f"{response.request.method} {request_path} is not an answer of {method} {path}"
    ANSWERS[(method, path, response.status_code)].append(response)
    assert response.status_code == status, (f"{method} {request_path} answered {response.status_code} "
                                            f"instead of {status}: {response.text[:2000]}")
    _checked.append((method, path))
    if response.headers.get("Content-Type", "").startswith("application/json"):
        return response.json()
    return response


def page_of(body, at_least=1):
    """A list answer: {items, total, limit, offset}."""
    assert set(body) >= {"items", "total", "limit", "offset"}, body
    assert isinstance(body["items"], list) and isinstance(body["total"], int), body
    assert (body["limit"], body["offset"]) == (50, 0), body
    assert body["total"] >= len(body["items"]) >= at_least, body
    return body["items"]


def check_paging(client, path, url, first, params=None):
    """The same list with limit=1&offset=1: the second item alone, the same total."""
    body = expect(client.get(url, params={**(params or {}), "limit": 1, "offset": 1}), "GET", path, 200)
    assert (body["limit"], body["offset"], body["total"]) == (1, 1, first["total"]), body
    assert body["items"] == first["items"][1:2]


def ok(response, status=200):
    """A setup step the walk needs."""
    assert response.status_code == status, f"{response.request.method} {response.request.url}: " \
                                           f"{response.status_code} {response.text[:2000]}"
    return response.json() if response.content else None


# ------------------------------------------------------------------------------ the walk
@pytest.fixture(scope="module")
def people(platform):
    platform.seed_catalog()
    actors = {name: login(platform, name) for name in ("operator", "applicant", "clerk", "nrp-officer",
                                                        "drc-officer", "hcd-officer", "supervisor")}
    admin = f"nrp-admin-{uuid.uuid4().hex[:6]}"
    ok(actors["operator"].post("/accounts", json={
        "account": admin, "password": "Init#2026x", "role": "dept_admin", "name": "自然资源和规划局 管理员",
        "department": "NRP", "region": "410800"}), 201)
    ok(requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": admin, "current_password": "Init#2026x", "new_password": PASSWORD}), 204)
    actors["nrp-admin"] = login(platform, admin)
    actors["public"] = Client(platform.url)
    return actors


def upload(client, code, name, filename, content, content_type):
    return client.post(f"/projects/{code}/materials", data={"name": name},
                       files={"file": (filename, content, content_type)})


def register(client, name):
    return client.post("/projects", json={"name": name, "category": "gov_building", "region": "410800",
                                          "attributes": ATTRIBUTES})


@pytest.fixture(scope="module")
def project(people):
    """Project A: registered, three materials uploaded, stage 1 declared, both cases opened."""
    applicant = people["applicant"]
    registered = register(applicant, "焦作市疾病预防控制中心业务用房建设项目")
    code = ok(registered, 201)["project_code"]
    uploads = {
        "site": upload(applicant, code, "建设项目用地预审与选址意见书", "site.pdf", PDF, "application/pdf"),
        "statement": upload(people["clerk"], code, "受理通知书遗失声明", "statement.png", png_bytes(), "image/png"),
        "identity": upload(people["clerk"], code, "身份证明复印件", "identity.jpg", JPEG, "image/jpeg"),
    }
    materials = {key: ok(response, 201) for key, response in uploads.items()}
    declared = applicant.post(f"/projects/{code}/declarations", json={
        "stage": STAGE, "form": STAGE_1_FORM, "material_ids": [materials["site"]["material_id"]]})
    declaration = ok(declared, 201)
    cases = {}
    for department in ("NRP", "DRC"):
        officer = people[f"{department.lower()}-officer"]
        cases[department] = eventually(lambda officer=officer: (lambda items: items[0] if items else None)(
            officer.get("/cases", params={"project_code": code}).json()["items"]))
    return {"code": code, "registered": registered, "uploads": uploads, "materials": materials,
            "declared": declared, "declaration": declaration, "cases": cases,
            "case_ids": {d: c["case_id"] for d, c in cases.items()}, "stage_id": cases["NRP"]["stage_id"]}


@pytest.fixture(scope="module")
def decided(people, project):
    """Both cases of project A decided and concluded; every answer kept for the tests."""
    nrp, drc, applicant = people["nrp-officer"], people["drc-officer"], people["applicant"]
    code, ids = project["code"], project["case_ids"]
    steps = {}

    def act(officer, department, action, opinion=None):
        response = officer.post(f"/cases/{ids[department]}/actions",
                                json={"action": action, "opinion": opinion or f"{action}：同意"})
        steps[(department, action)] = response
        return ok(response)

    act(nrp, "NRP", "accept")
    act(drc, "DRC", "accept")
    # the lead department (NRP) extends the DRC case and the stage (002 §14)
    steps["case_extension"] = nrp.post(f"/cases/{ids['DRC']}/extensions",
                                       json={"days": 2, "reason": "需组织现场踏勘，延长办理时限"})
    steps["stage_extension"] = nrp.post(f"/stages/{project['stage_id']}/extensions",
                                        json={"days": 3, "reason": "并联审批事项需协调，延长阶段时限"})
    steps["verification"] = nrp.post(
        f"/materials/{project['materials']['site']['material_id']}/versions/1/verification",
        json={"case_id": ids["NRP"]})
    act(nrp, "NRP", "review")
    act(nrp, "NRP", "approve")
    act(nrp, "NRP", "conclude")

    act(drc, "DRC", "request_supplement", "节能报告：缺少能耗计算书，请补正")
    supplement_material = ok(upload(applicant, code, "节能报告", "energy.pdf", PDF, "application/pdf"), 201)

    def hand_in():   # intake learns of the supplement notice from the stage service's event
        response = applicant.post(f"/projects/{code}/supplements", json={
            "case_id": ids["DRC"], "material_ids": [supplement_material["material_id"]], "note": "补充能耗计算书"})
        return response if response.status_code != 409 else None
    steps["supplement"] = eventually(hand_in)
    act(drc, "DRC", "accept_supplement", "补正材料齐全")
    # 002 §7(二): the notice is one-time; a second one only by the lead department (NRP), with its reason
    again = {"action": "request_supplement", "opinion": "节能报告：能耗计算书缺少计算依据"}
    steps["second_supplement_refused"] = drc.post(f"/cases/{ids['DRC']}/actions", json=again)
    steps["second_supplement"] = nrp.post(f"/cases/{ids['DRC']}/actions", json={
        **again, "second_supplement_reason": "补正的能耗计算书暴露出计算依据缺失，首次告知时无从发现"})
    ok(steps["second_supplement"])
    act(drc, "DRC", "accept_supplement", "补正材料齐全")
    act(drc, "DRC", "review")
    steps["special"] = drc.post(f"/cases/{ids['DRC']}/special-handling", json={
        "action": "approve", "opinion": "同意", "reason": "审批人员出差，经分管领导同意特殊办理",
        "attachment_ref": "NRP-SP-2026-001"})
    ok(steps["special"])
    act(drc, "DRC", "conclude")
    steps["supplement_material"] = supplement_material
    return steps


@pytest.fixture(scope="module")
def licences(people, project, decided):
    items = eventually(lambda: (lambda items: items if len(items) == 2 else None)(
        people["applicant"].get(f"/projects/{project['code']}/licences").json()["items"]))
    return {l["document"]["item_code"]: l for l in items}


@pytest.fixture(scope="module")
def drafted(people):
    """Project B: stage 1 saved as a draft (a required field still missing), completed, submitted."""
    applicant = people["applicant"]
    code = ok(register(applicant, "焦作市第二中学教学楼建设项目"), 201)["project_code"]
    partial = {k: v for k, v in STAGE_1_FORM.items() if k != "contact_phone"}
    saved = applicant.put(f"/projects/{code}/drafts/{STAGE}", json={"form": partial, "material_ids": []})
    completed = applicant.put(f"/projects/{code}/drafts/{STAGE}", json={"form": STAGE_1_FORM, "material_ids": []})
    return {"code": code, "saved": saved, "completed": completed}


@pytest.fixture(scope="module")
def consultation(people, project):
    opened = people["nrp-officer"].post("/consultations", json={
        "project_code": project["code"], "case_id": project["case_ids"]["NRP"], "asked_of": ["DRC"],
        "question": "拟选址是否符合产业政策？请提出意见。", "due_days": 5})
    body = ok(opened, 201)
    inbox = people["drc-officer"].get("/consultations", params={"state": "open"})
    replied = people["drc-officer"].post(f"/consultations/{body['id']}/replies",
                                         json={"kind": "agree", "opinion": "符合产业政策，同意。"})
    countersigned = people["nrp-officer"].post(f"/consultations/{body['id']}/countersign",
                                               json={"summary": "发展改革部门同意，征询办结。"})
    return {"opened": opened, "replied": replied, "inbox": inbox, "countersigned": countersigned, "id": body["id"]}


@pytest.fixture(scope="module")
def joint_review(people, project):
    """NRP, the lead department of project A's stage, convenes an online joint review of DRC; DRC
    answers, NRP records the minutes."""
    def convene():   # consult learns of the stage from stage.opened
        response = people["nrp-officer"].post("/joint-reviews", json={
            "kind": "design_scheme", "stage_id": project["stage_id"], "project_code": project["code"],
            "invitees": ["DRC"], "subject": "业务用房设计方案联合审查", "meeting_on": today_in_shanghai().isoformat(),
            "online": True, "due_days": 3})
        return response if response.status_code != 422 else None
    convened = eventually(convene)
    body = ok(convened, 201)
    inbox = people["drc-officer"].get("/joint-reviews", params={"role": "invited", "state": "open"})
    answered = people["drc-officer"].post(f"/joint-reviews/{body['id']}/answers",
                                          json={"kind": "conditional", "opinion": "原则同意",
                                                "conditions": "补充节能设计专篇"})
    minutes = people["nrp-officer"].post(f"/joint-reviews/{body['id']}/minutes",
                                         json={"minutes": "发展改革部门参加线上会审，审查了设计方案。",
                                               "conclusion": "设计方案联合审查通过，按发展改革部门条件完善"})
    return {"convened": convened, "inbox": inbox, "answered": answered, "minutes": minutes, "id": body["id"]}


@pytest.fixture(scope="module")
def account_walk(platform, people):
    """An account created by the operator, its password changed by the holder, locked by wrong
    passwords and unlocked, reset, deactivated and activated again."""
    operator = people["operator"]
    name = f"api-{uuid.uuid4().hex[:6]}"
    walk = {"name": name}
    walk["created"] = operator.post("/accounts", json={
        "account": name, "password": "Init#2026x", "role": "officer", "name": "气象局 审批人员",
        "department": "MET", "region": "410800", "steps": ["accept", "review"]})
    walk["changed"] = requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": name, "current_password": "Init#2026x", "new_password": PASSWORD})
    walk["holder"] = login(platform, name)
    walk["holder_read"] = walk["holder"].get(f"/accounts/{name}")
    for _ in range(5):
        requests.post(f"{platform.url}/auth/login", json={"account": name, "password": "wrong"}, timeout=10)
    walk["locked"] = operator.get(f"/accounts/{name}").json()
    walk["unlocked"] = operator.post(f"/accounts/{name}/unlock", json={"reason": "本人电话核实身份后解锁"})
    walk["reset"] = operator.post(f"/accounts/{name}/password-reset",
                                  json={"new_password": "Reset#2026y", "reason": "本人遗忘密码，书面申请重置"})
    # the holder's session ends: at once in the worker that reset it, within the session-check bound
    # (GATEWAY_SESSION_CHECK_SECONDS, 2 s on the session platform) in the others
    def refused():
        response = walk["holder"].get(f"/accounts/{name}")
        return response.status_code if response.status_code == 401 else None   # a 401 Response is falsy
    walk["holder_after_reset"] = eventually(refused, timeout=6, interval=0.2)
    walk["deactivated"] = operator.post(f"/accounts/{name}/deactivation", json={"reason": "人员调离"})
    walk["activated"] = operator.post(f"/accounts/{name}/activation", json={"reason": "人员调回"})
    return walk


@pytest.fixture(scope="module")
def admin_walk(platform, people):
    """A department administrator created by the operator binds a second factor at their first login
    (002 §35: two factors for administrators); the operator later resets it, and records a change of
    an officer's details (000 §17)."""
    operator, name = people["operator"], f"adm-{uuid.uuid4().hex[:6]}"
    walk = {"name": name}
    ok(operator.post("/accounts", json={"account": name, "password": "Init#2026x", "role": "dept_admin",
                                        "name": "气象局 管理员", "department": "MET", "region": "410800"}), 201)
    ok(requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": name, "current_password": "Init#2026x", "new_password": PASSWORD}), 204)
    refused = requests.post(f"{platform.url}/auth/login", json={"account": name, "password": PASSWORD}, timeout=10)
    assert refused.status_code == 403 and refused.json()["enrolment_token"], refused.text
    token = refused.json()["enrolment_token"]
    # ten recovery codes hashed with the password hasher (argon2): seconds when the machine is busy
    walk["enrolment"] = requests.post(f"{platform.url}/auth/totp/enrolment", json={"enrolment_token": token},
                                      timeout=60)
    secret = walk["enrolment"].json()["secret"]
    walk["confirmation"] = requests.post(f"{platform.url}/auth/totp/confirmation", timeout=10, json={
        "enrolment_token": token, "totp": pyotp.TOTP(secret).now()})
    walk["reset"] = operator.post(f"/accounts/{name}/totp-reset", json={"reason": "验证器所在手机遗失，本人书面申请"})
    officer = f"chg-{uuid.uuid4().hex[:6]}"
    ok(operator.post("/accounts", json={"account": officer, "password": "Init#2026x", "role": "officer",
                                        "name": "气象局 审批人员", "department": "MET", "region": "410800",
                                        "steps": ["accept"]}), 201)
    walk["officer"] = officer
    walk["changed"] = operator.post(f"/accounts/{officer}/changes", json={
        "reason": "岗位调整：增加审核环节", "steps": ["accept", "review"]})
    walk["changes"] = operator.get(f"/accounts/{officer}/changes")
    return walk


@pytest.fixture(scope="module")
def certificate_walk(platform, people):
    """An officer's CA key (004 §19) bound by the operator, a login with it answering a challenge, and
    the binding revoked after a loss report (004 §20)."""
    operator = people["operator"]
    name = f"cert-{uuid.uuid4().hex[:6]}"
    ok(operator.post("/accounts", json={"account": name, "password": "Init#2026x", "role": "officer",
                                        "name": "自然资源和规划局 审批人员", "department": "NRP", "region": "410800",
                                        "steps": ["accept"]}), 201)
    certificate, key = platform.pki.issue("自然资源和规划局 审批人员", "410802199001011234", elliptic=True)
    walk = {"name": name, "serial": serial_hex(certificate.serial_number)}
    walk["bound"] = operator.post(f"/accounts/{name}/certificates", json={
        "certificate": pem(certificate), "reason": "本人持身份证现场办理 CA 锁绑定"})
    walk["listed"] = operator.get(f"/accounts/{name}/certificates")
    walk["challenge"] = people["public"].post("/auth/certificate/challenge", json={})
    nonce = walk["challenge"].json()["nonce"]
    walk["login"] = people["public"].post("/auth/certificate/login", json={
        "certificate": pem(certificate), "nonce": nonce, "signature": sign_challenge(key, nonce.encode())})
    walk["revoked"] = operator.post(f"/accounts/{name}/certificates/{walk['serial']}/revocation",
                                    json={"reason": "持有人报告 CA 锁遗失（挂失）"})
    return walk


@pytest.fixture(scope="module")
def served(platform):
    response = requests.get(f"{platform.url}/openapi.json", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


# ============================================================================== part 1: operations
# ------------------------------------------------------------------------------ auth
@covers("POST", "/auth/login")
def test_login(platform):
    body = expect(requests.post(f"{platform.url}/auth/login", json={"account": "clerk", "password": PASSWORD},
                                timeout=10), "POST", "/auth/login", 200)
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    assert body["access_token"].count(".") == 2 and body["refresh_token"]


@covers("POST", "/auth/refresh")
def test_refresh(platform):
    first = ok(requests.post(f"{platform.url}/auth/login", json={"account": "clerk", "password": PASSWORD},
                             timeout=10))
    body = expect(requests.post(f"{platform.url}/auth/refresh", json={"refresh_token": first["refresh_token"]},
                                timeout=10), "POST", "/auth/refresh", 200)
    assert body["refresh_token"] != first["refresh_token"] and body["token_type"] == "Bearer"
    assert Client(platform.url, body["access_token"]).get("/cases").status_code == 200


@covers("POST", "/auth/logout")
def test_logout(platform):
    tokens = ok(requests.post(f"{platform.url}/auth/login", json={"account": "clerk", "password": PASSWORD},
                              timeout=10))
    response = expect(requests.post(f"{platform.url}/auth/logout", json={"refresh_token": tokens["refresh_token"]},
                                    timeout=10), "POST", "/auth/logout", 204)
    assert response.content == b""
    again = requests.post(f"{platform.url}/auth/refresh", json={"refresh_token": tokens["refresh_token"]},
                          timeout=10)
    assert again.status_code == 401   # the session's refresh token no longer works


@covers("POST", "/auth/password")
def test_change_password(platform, account_walk):
    response = expect(account_walk["changed"], "POST", "/auth/password", 204)
    assert response.content == b""
    assert account_walk["holder_read"].status_code == 200
    # the reset ended the holder's session
    assert account_walk["holder_after_reset"] == 401


# ------------------------------------------------------------------------------ accounts
@covers("POST", "/accounts")
def test_create_account(account_walk):
    body = expect(account_walk["created"], "POST", "/accounts", 201)
    assert (body["account"], body["role"], body["department"], body["region"], body["steps"]) == \
        (account_walk["name"], "officer", "MET", "410800", ["accept", "review"])
    assert body["must_change_password"] is True and body["active"] is True and body["locked"] is False


@covers("GET", "/accounts")
def test_list_accounts(people):
    body = expect(people["operator"].get("/accounts"), "GET", "/accounts", 200)
    items = page_of(body, at_least=7)
    check_paging(people["operator"], "/accounts", "/accounts", body)
    assert {"operator", "applicant", "clerk", "nrp-officer", "supervisor"} <= {a["account"] for a in items}


@covers("GET", "/accounts/{account}")
def test_get_account(people):
    body = expect(people["applicant"].get("/accounts/applicant"), "GET", "/accounts/{account}", 200)
    assert (body["account"], body["role"], body["org"], body["active"]) == \
        ("applicant", "applicant", APPLICANT_ORG, True)


@covers("GET", "/accounts/{account}/log")
def test_account_log(people, account_walk):
    body = expect(people["operator"].get(f"/accounts/{account_walk['name']}/log"),
                  "GET", "/accounts/{account}/log", 200)
    events = [e["event"] for e in page_of(body)]
    check_paging(people["operator"], "/accounts/{account}/log", f"/accounts/{account_walk['name']}/log", body)
    assert events[0] == "created"
    assert {"password_changed", "logged_in", "login_failed", "locked", "unlocked", "password_reset",
            "deactivated", "activated"} <= set(events)


@covers("POST", "/accounts/{account}/unlock")
def test_unlock_account(account_walk):
    assert account_walk["locked"]["locked"] is True
    body = expect(account_walk["unlocked"], "POST", "/accounts/{account}/unlock", 200)
    assert (body["account"], body["locked"], body["locked_until"]) == (account_walk["name"], False, None)


@covers("POST", "/accounts/{account}/password-reset")
def test_reset_password(account_walk):
    body = expect(account_walk["reset"], "POST", "/accounts/{account}/password-reset", 200)
    assert (body["account"], body["must_change_password"]) == (account_walk["name"], True)


@covers("POST", "/accounts/{account}/deactivation")
def test_deactivate_account(account_walk):
    body = expect(account_walk["deactivated"], "POST", "/accounts/{account}/deactivation", 200)
    assert (body["account"], body["active"]) == (account_walk["name"], False)


@covers("POST", "/accounts/{account}/activation")
def test_activate_account(account_walk):
    body = expect(account_walk["activated"], "POST", "/accounts/{account}/activation", 200)
    assert (body["account"], body["active"]) == (account_walk["name"], True)


@covers("POST", "/auth/totp/enrolment")
def test_second_factor_enrolment(admin_walk):
    body = expect(admin_walk["enrolment"], "POST", "/auth/totp/enrolment", 201)
    assert body["account"] == admin_walk["name"] and len(body["recovery_codes"]) == 10
    assert body["otpauth_uri"].startswith("otpauth://totp/") and body["secret"] in body["otpauth_uri"]


@covers("POST", "/auth/totp/confirmation")
def test_second_factor_confirmation(admin_walk):
    body = expect(admin_walk["confirmation"], "POST", "/auth/totp/confirmation", 200)
    assert body["token_type"] == "Bearer" and body["access_token"].count(".") == 2 and body["refresh_token"]


@covers("POST", "/auth/certificate/challenge")
def test_certificate_challenge(certificate_walk):
    body = expect(certificate_walk["challenge"], "POST", "/auth/certificate/challenge", 201)
    assert len(body["nonce"]) >= 32 and body["expires_at"]


@covers("POST", "/auth/certificate/login")
def test_certificate_login(platform, certificate_walk):
    body = expect(certificate_walk["login"], "POST", "/auth/certificate/login", 200)
    public_key = (platform.keys_dir / "jwt-public.pem").read_text()
    identity = verify_token(body["access_token"], public_key)
    assert (identity.sub, identity.amr, identity.cert) == (certificate_walk["name"], ("cert",),
                                                           certificate_walk["serial"])


@covers("POST", "/accounts/{account}/certificates")
def test_bind_certificate(certificate_walk):
    body = expect(certificate_walk["bound"], "POST", "/accounts/{account}/certificates", 201)
    assert (body["serial"], body["revoked"]) == (certificate_walk["serial"], False)


@covers("GET", "/accounts/{account}/certificates")
def test_list_certificates(certificate_walk):
    body = expect(certificate_walk["listed"], "GET", "/accounts/{account}/certificates", 200)
    assert [c["serial"] for c in body["items"]] == [certificate_walk["serial"]]


@covers("POST", "/accounts/{account}/certificates/{serial}/revocation")
def test_revoke_certificate(certificate_walk):
    body = expect(certificate_walk["revoked"], "POST", "/accounts/{account}/certificates/{serial}/revocation", 200)
    assert (body["serial"], body["revoked"]) == (certificate_walk["serial"], True)


@covers("POST", "/accounts/{account}/totp-reset")
def test_second_factor_reset(admin_walk):
    body = expect(admin_walk["reset"], "POST", "/accounts/{account}/totp-reset", 200)
    assert (body["account"], body["second_factor"]) == (admin_walk["name"], False)


@covers("POST", "/accounts/{account}/changes")
def test_change_account_details(admin_walk):
    body = expect(admin_walk["changed"], "POST", "/accounts/{account}/changes", 201)
    assert (body["account"], body["steps"]) == (admin_walk["officer"], ["accept", "review"])


@covers("GET", "/accounts/{account}/changes")
def test_list_account_changes(admin_walk):
    body = expect(admin_walk["changes"], "GET", "/accounts/{account}/changes", 200)
    (change,) = page_of(body)
    assert (change["reason"], change["requested_by"]) == ("岗位调整：增加审核环节", "operator")
    assert (change["before"]["steps"], change["after"]["steps"]) == (["accept"], ["accept", "review"])


# ------------------------------------------------------------------------------ platform
@covers("GET", "/health")
def test_health(people):
    body = expect(people["public"].get("/health"), "GET", "/health", 200)
    assert body == {"status": "ok", "services": dict.fromkeys(
        ("intake", "stage", "consult", "certificate", "supervision", "stage-http", "intake-http"), "ok")}


@covers("GET", "/openapi.json")
def test_openapi_document(people):
    body = expect(people["public"].get("/openapi.json"), "GET", "/openapi.json", 200)
    assert body["openapi"].startswith("3.1") and body == local_document()


# ------------------------------------------------------------------------------ catalog, guides
@covers("PUT", "/catalog")
def test_load_catalog(platform, people):
    catalog = json.loads((ROOT / "services/intake/intake/demo_catalog.json").read_text())
    body = expect(people["operator"].put("/catalog", json=catalog), "PUT", "/catalog", 200)
    assert body["version"] >= 1 and body["name"] == catalog["name"]
    assert (body["departments"], body["categories"]) == (len(catalog["departments"]), len(catalog["categories"]))
    assert re.fullmatch(r"[0-9a-f]{64}", body["sha256"]) and body["loaded_by"] == "operator"


@covers("GET", "/catalog")
def test_get_catalog(people):
    body = expect(people["public"].get("/catalog"), "GET", "/catalog", 200)   # public: no token (003 §6)
    assert body["version"] >= 1 and {c["code"] for c in body["categories"]} >= {"gov_building", "renovation"}
    item = body["categories"][0]["stages"][0]["items"][0]
    assert item["faq"][0]["question"] and item["faq"][0]["answer"] and item["common_errors"]
    older = expect(people["applicant"].get("/catalog", params={"version": 1}), "GET", "/catalog", 200)
    assert older["version"] == 1


@covers("POST", "/guides/preview")
def test_preview_guide(people):
    body = expect(people["public"].post("/guides/preview", json={
        "category": "gov_building", "attributes": ATTRIBUTES}), "POST", "/guides/preview", 200)
    assert [s["stage"] for s in body["stages"]][0] == STAGE and body["region"] == "410800"
    assert {i["code"] for i in body["stages"][0]["items"]} == {"NRP-001", "DRC-001"}
    assert all(i["faq"] and i["common_errors"] for i in body["stages"][0]["items"])


@covers("GET", "/projects/{code}/guide")
def test_project_guide(people, decided, project):
    body = expect(people["applicant"].get(f"/projects/{project['code']}/guide"), "GET", "/projects/{code}/guide", 200)
    assert body["project_code"] == project["code"]
    assert [i["code"] for i in body["stages"][0]["items"]] == ["NRP-001", "DRC-001"]
    eventually(lambda: people["applicant"].get(f"/projects/{project['code']}/guide").json()["stages"][0]["state"]
               == "concluded")


@covers("GET", "/projects/{code}/guide.svg")
def test_project_guide_svg(people, project):
    response = expect(people["applicant"].get(f"/projects/{project['code']}/guide.svg"),
                      "GET", "/projects/{code}/guide.svg", 200)
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in response.content[:500] and SVG_NS in response.content
    assert project["code"].encode() in response.content


# ------------------------------------------------------------------------------ projects
@covers("POST", "/projects")
def test_register_project(project):
    body = expect(project["registered"], "POST", "/projects", 201)
    assert PROJECT_CODE.match(body["project_code"])
    assert (body["category"], body["region"], body["applicant_org"], body["attributes"]) == \
        ("gov_building", "410800", APPLICANT_ORG, ATTRIBUTES)
    # registered online by the construction unit, under its name; its query code answered this once
    assert (body["source"], body["applicant_name"]) == ("online", "焦作市城市建设投资有限公司")
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", body["query_code"])


@covers("GET", "/projects")
def test_list_projects(platform, people, project, drafted):
    body = expect(people["applicant"].get("/projects"), "GET", "/projects", 200)
    items = page_of(body, at_least=2)
    codes = [p["project_code"] for p in items]
    assert project["code"] in codes and drafted["code"] in codes
    assert codes.index(drafted["code"]) < codes.index(project["code"])     # newest first
    assert all(p["applicant_org"] == APPLICANT_ORG and p["query_code"] is None for p in items)
    check_paging(people["applicant"], "/projects", "/projects", body)
    found = expect(people["applicant"].get("/projects", params={"q": "疾病预防控制中心", "source": "online"}),
                   "GET", "/projects", 200)
    assert [p["project_code"] for p in found["items"]] == [project["code"]]

    # another construction unit registers at the window: its applicant sees only that project, the
    # first applicant does not see it, the window and the region's supervisor do
    other = f"app-{uuid.uuid4().hex[:6]}"
    ok(people["operator"].post("/accounts", json={
        "account": other, "password": "Init#2026x", "role": "applicant", "name": "焦作市第一人民医院",
        "org": "12410800417800000X", "region": "410800"}), 201)
    ok(requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": other, "current_password": "Init#2026x", "new_password": PASSWORD}), 204)
    at_window = ok(people["clerk"].post("/projects", json={
        "name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800",
        "applicant_org": "12410800417800000X", "applicant_name": "焦作市第一人民医院"}), 201)
    assert (at_window["source"], at_window["applicant_name"]) == ("window", "焦作市第一人民医院")
    theirs = expect(login(platform, other).get("/projects"), "GET", "/projects", 200)
    assert [p["project_code"] for p in theirs["items"]] == [at_window["project_code"]]
    mine = people["applicant"].get("/projects", params={"limit": 200}).json()["items"]
    assert at_window["project_code"] not in {p["project_code"] for p in mine}
    for staff in ("clerk", "supervisor", "operator"):
        seen = people[staff].get("/projects", params={"source": "window", "limit": 200}).json()["items"]
        assert at_window["project_code"] in {p["project_code"] for p in seen}, staff
    assert people["public"].get("/projects").status_code == 401


@covers("POST", "/projects/{code}/query-code")
def test_reissue_query_code(people, drafted):
    code = drafted["code"]
    body = expect(people["clerk"].post(f"/projects/{code}/query-code", json={"reason": "申请人遗失查询码，持证明到窗口申请"}),
                  "POST", "/projects/{code}/query-code", 201)
    assert body["project_code"] == code and re.fullmatch(r"[2-9A-HJKMNP-Z]{10}", body["query_code"])
    new = body["query_code"]
    progress = eventually(lambda: (lambda r: r if r.status_code == 200 else None)(
        people["public"].post("/progress", json={"project_code": code, "query_code": new})))
    assert progress.json()["project_code"] == code
    assert people["applicant"].post(f"/projects/{code}/query-code", json={"reason": "x"}).status_code == 403


@covers("GET", "/projects/{code}")
def test_get_project(people, project, decided):
    code = project["code"]
    body = expect(people["clerk"].get(f"/projects/{code}"), "GET", "/projects/{code}", 200)
    assert (body["project_code"], body["name"]) == (code, "焦作市疾病预防控制中心业务用房建设项目")
    eventually(lambda: STAGE in people["clerk"].get(f"/projects/{code}").json()["concluded_stages"])


@covers("PUT", "/projects/{code}")
def test_push_project(people):
    code = f"2026-410800-48-01-{uuid.uuid4().int % 100000 + 800000:06d}"
    pushed = {"name": "焦作市档案馆新馆建设项目", "category": "gov_building", "region": "410800",
              "applicant_org": APPLICANT_ORG, "attributes": ATTRIBUTES}
    first = expect(people["operator"].put(f"/projects/{code}", json=pushed), "PUT", "/projects/{code}", 201)
    assert (first["project_code"], first["outcome"], first["applicant_org"]) == (code, "created", APPLICANT_ORG)
    changed = dict(pushed, name="焦作市档案馆新馆及配套用房建设项目")
    again = expect(people["operator"].put(f"/projects/{code}", json=changed), "PUT", "/projects/{code}", 200)
    assert (again["project_code"], again["outcome"], again["name"]) == (code, "updated", changed["name"])


# ------------------------------------------------------------------------------ materials
@covers("POST", "/projects/{code}/materials")
def test_upload_material(project):
    body = expect(project["uploads"]["site"], "POST", "/projects/{code}/materials", 201)
    assert (body["name"], body["version"], body["size"], body["content_type"]) == \
        ("建设项目用地预审与选址意见书", 1, len(PDF), "application/pdf")
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    for key, kind in (("statement", "image/png"), ("identity", "image/jpeg")):
        assert expect(project["uploads"][key], "POST", "/projects/{code}/materials", 201)["content_type"] == kind


@covers("GET", "/projects/{code}/materials")
def test_list_materials(people, project):
    url = f"/projects/{project['code']}/materials"
    body = expect(people["applicant"].get(url), "GET", "/projects/{code}/materials", 200)
    items = page_of(body, at_least=3)
    check_paging(people["applicant"], "/projects/{code}/materials", url, body)
    site = next(m for m in items if m["material_id"] == project["materials"]["site"]["material_id"])
    assert site["latest_version"] == 1 and site["versions"][0]["sha256"] == project["materials"]["site"]["sha256"]
    assert [d["declaration_id"] for d in site["declared_in"]] == [project["declaration"]["declaration_id"]]


@covers("POST", "/materials/{material_id}/versions/{version}/verification")
def test_verify_material(decided, project):
    body = expect(decided["verification"], "POST", "/materials/{material_id}/versions/{version}/verification", 200)
    assert (body["material_id"], body["version"]) == (project["materials"]["site"]["material_id"], 1)
    assert (body["verification"]["department"], body["verification"]["case_id"], body["first_entry"]) == \
        ("NRP", project["case_ids"]["NRP"], True)


@covers("GET", "/materials/{material_id}/versions/{version}/content")
def test_material_content(people, project):
    material = project["materials"]["site"]
    response = expect(people["applicant"].get(f"/materials/{material['material_id']}/versions/1/content"),
                      "GET", "/materials/{material_id}/versions/{version}/content", 200)
    assert response.headers["Content-Type"].startswith("application/pdf") and response.content == PDF
    assert response.headers["ETag"].strip('"') == material["sha256"]


# ------------------------------------------------------------------------------ declarations, drafts
@covers("POST", "/projects/{code}/declarations")
def test_submit_declaration(project):
    body = expect(project["declared"], "POST", "/projects/{code}/declarations", 201)
    assert (body["project_code"], body["stage"], body["state"], body["lead_department"]) == \
        (project["code"], STAGE, "open", "NRP")
    assert {i["item_code"] for i in body["items"]} == {"NRP-001", "DRC-001"}
    assert [m["material_id"] for m in body["materials"]] == [project["materials"]["site"]["material_id"]]
    assert body["voucher"]["kind"] == "registration_voucher"


@covers("GET", "/declarations/{declaration_id}")
def test_get_declaration(people, project):
    declaration_id = project["declaration"]["declaration_id"]
    body = expect(people["clerk"].get(f"/declarations/{declaration_id}"), "GET", "/declarations/{declaration_id}", 200)
    assert (body["declaration_id"], body["project_code"], body["form"]) == \
        (declaration_id, project["code"], STAGE_1_FORM)


@covers("PUT", "/projects/{code}/drafts/{stage}")
def test_save_draft(drafted):
    saved = expect(drafted["saved"], "PUT", "/projects/{code}/drafts/{stage}", 200)
    assert (saved["project_code"], saved["stage"], saved["revision"]) == (drafted["code"], STAGE, 1)
    assert [e["field"] for e in saved["outstanding"]] == ["form.contact_phone"]
    completed = expect(drafted["completed"], "PUT", "/projects/{code}/drafts/{stage}", 200)
    assert (completed["revision"], completed["outstanding"], completed["declaration_id"]) == (2, [], None)


@covers("GET", "/projects/{code}/drafts/{stage}")
def test_get_draft(people, drafted):
    body = expect(people["applicant"].get(f"/projects/{drafted['code']}/drafts/{STAGE}"),
                  "GET", "/projects/{code}/drafts/{stage}", 200)
    assert (body["form"], body["revision"], body["saved_by"]) == (STAGE_1_FORM, 2, "applicant")


@covers("POST", "/projects/{code}/drafts/{stage}/submission")
def test_submit_draft(people, drafted):
    body = expect(people["applicant"].post(f"/projects/{drafted['code']}/drafts/{STAGE}/submission"),
                  "POST", "/projects/{code}/drafts/{stage}/submission", 201)
    assert (body["project_code"], body["stage"], body["form"]) == (drafted["code"], STAGE, STAGE_1_FORM)
    assert people["applicant"].get(f"/projects/{drafted['code']}/drafts/{STAGE}").json()["declaration_id"] == \
        body["declaration_id"]


@covers("GET", "/projects/{code}/checklists/{stage}")
def test_checklist(people, project):
    body = expect(people["applicant"].get(f"/projects/{project['code']}/checklists/{STAGE}"),
                  "GET", "/projects/{code}/checklists/{stage}", 200)
    assert (body["project_code"], body["stage"]) == (project["code"], STAGE)
    by_name = {m["name"]: m for m in body["materials"]}
    uploaded = by_name["建设项目用地预审与选址意见书"]
    assert uploaded["status"] == "uploaded"
    assert uploaded["material"]["material_id"] == project["materials"]["site"]["material_id"]


@covers("POST", "/projects/{code}/supplements")
def test_submit_supplement(decided, project):
    body = expect(decided["supplement"], "POST", "/projects/{code}/supplements", 201)
    assert (body["project_code"], body["case_id"], body["declaration_id"], body["note"]) == \
        (project["code"], project["case_ids"]["DRC"], project["declaration"]["declaration_id"], "补充能耗计算书")
    assert [m["material_id"] for m in body["materials"]] == [decided["supplement_material"]["material_id"]]
    assert body["voucher"]["kind"] == "registration_voucher" and body["voucher"]["case_id"] == body["case_id"]


# ------------------------------------------------------------------------------ window documents
def documents(people, project):
    return people["clerk"].get(f"/projects/{project['code']}/documents").json()["items"]


@covers("GET", "/projects/{code}/documents")
def test_list_documents(people, project, decided):
    eventually(lambda: {"acceptance_notice", "supplement_notice", "completion_notice"}
               <= {d["kind"] for d in documents(people, project)})
    url = f"/projects/{project['code']}/documents"
    body = expect(people["clerk"].get(url), "GET", "/projects/{code}/documents", 200)
    items = page_of(body, at_least=4)
    check_paging(people["clerk"], "/projects/{code}/documents", url, body)
    assert {d["project_code"] for d in items} == {project["code"]}
    assert [d["declaration_id"] for d in items if d["kind"] == "registration_voucher"][0] == \
        project["declaration"]["declaration_id"]


@covers("GET", "/documents/{document_id}")
def test_get_document(people, project):
    voucher = project["declaration"]["voucher"]
    body = expect(people["clerk"].get(f"/documents/{voucher['document_id']}"), "GET", "/documents/{document_id}", 200)
    assert (body["document_id"], body["kind"], body["document_no"]) == \
        (voucher["document_id"], "registration_voucher", voucher["document_no"])
    assert body["content_type"] == "application/pdf"
    assert base64.b64decode(body["content_base64"]).startswith(b"%PDF-")


@covers("GET", "/documents/{document_id}/content")
def test_document_pdf(people, project):
    voucher = project["declaration"]["voucher"]
    response = expect(people["clerk"].get(f"/documents/{voucher['document_id']}/content"),
                      "GET", "/documents/{document_id}/content", 200)
    assert response.headers["Content-Type"].startswith("application/pdf")
    assert response.content.startswith(b"%PDF-") and response.content.rstrip().endswith(b"%%EOF")


@covers("POST", "/documents/{document_id}/loss-report")
def test_report_lost_notice(people, project, decided):
    notice = eventually(lambda: next((d for d in documents(people, project) if d["kind"] == "acceptance_notice"
                                      and d["case_id"] == project["case_ids"]["NRP"]), None))
    materials = project["materials"]
    body = expect(people["clerk"].post(f"/documents/{notice['document_id']}/loss-report", json={
        "loss_statement_material_id": materials["statement"]["material_id"],
        "identity_copy_material_id": materials["identity"]["material_id"]}),
        "POST", "/documents/{document_id}/loss-report", 201)
    assert (body["document_id"], body["kind"]) == (notice["document_id"], "acceptance_notice")
    assert body["loss"]["loss_statement_material_id"] == materials["statement"]["material_id"]
    assert body["loss"]["identity_copy_material_id"] == materials["identity"]["material_id"]


@covers("GET", "/documents")
def test_list_my_documents(people, project, decided):
    eventually(lambda: "completion_notice" in {d["kind"] for d in documents(people, project)})
    body = expect(people["applicant"].get("/documents"), "GET", "/documents", 200)
    items = page_of(body, at_least=3)
    check_paging(people["applicant"], "/documents", "/documents", body)
    assert [d["issued_on"] for d in items] == sorted((d["issued_on"] for d in items), reverse=True)
    ours = [d for d in items if d["project_code"] == project["code"]]
    assert ours and all(d["project_name"] == "焦作市疾病预防控制中心业务用房建设项目" for d in ours)
    assert people["clerk"].get("/documents").status_code == 403


# ------------------------------------------------------------------------------ inbox
def _notices(client, project_code, **params):
    return client.get("/inbox", params={"project_code": project_code, **params}).json()["items"]


def _every_notice_arrived(people, project, licences):
    """The notices of the walk: every document, each licence and the stage's conclusion (these come
    late), so that counts and pages change by what a test does alone."""
    issued = eventually(lambda: (lambda docs: docs if [d["kind"] for d in docs].count("completion_notice") == 2
                                 else None)(documents(people, project)))
    expected = ({f"document:{d['document_id']}" for d in issued}
                | {f"licence:{l['licence_id']}" for l in licences.values()} | {f"stage:{project['stage_id']}"})
    eventually(lambda: expected <= {n["subject"] for n in _notices(people["applicant"], project["code"], limit=200)})


@covers("GET", "/inbox")
def test_the_applicant_is_told_of_every_document(people, project, decided, licences):
    _every_notice_arrived(people, project, licences)
    body = expect(people["applicant"].get("/inbox", params={"project_code": project["code"]}), "GET", "/inbox", 200)
    items = page_of(body, at_least=3)
    assert {"document", "completion"} <= {n["kind"] for n in items}
    assert all(n["read_at"] is None for n in items)
    assert all("已出具" in n["title"] for n in items if n["subject"].startswith(("document:", "licence:")))
    check_paging(people["applicant"], "/inbox", "/inbox", body, params={"project_code": project["code"]})
    assert people["nrp-officer"].get("/inbox", params={"project_code": project["code"]}).json()["total"] == 0
    assert people["public"].get("/inbox").status_code == 401


@covers("POST", "/inbox/{notification_id}/read")
@covers("GET", "/inbox/counts")
def test_reading_a_notice_is_recorded(people, project, decided, licences):
    _every_notice_arrived(people, project, licences)
    eventually(lambda: _notices(people["applicant"], project["code"], unread="true"))
    before = expect(people["applicant"].get("/inbox/counts"), "GET", "/inbox/counts", 200)
    notice = _notices(people["applicant"], project["code"], unread="true")[0]
    read = expect(people["applicant"].post(f"/inbox/{notice['notification_id']}/read", json={}),
                  "POST", "/inbox/{notification_id}/read", 200)
    assert read["read_at"] and read["notification_id"] == notice["notification_id"]
    after = people["applicant"].get("/inbox/counts").json()
    assert after["unread"] == before["unread"] - 1
    assert people["nrp-officer"].post(f"/inbox/{notice['notification_id']}/read", json={}).status_code == 404


# ------------------------------------------------------------------------------ complaints, accountability
@pytest.fixture(scope="module")
def complaints(people, project):
    """An applicant's complaint about project A and an anonymous report about a department, both
    taken and answered by the supervisor of the region."""
    def file():   # supervision learns of the project from project.registered
        response = people["applicant"].post("/complaints", json={
            "project_code": project["code"], "title": "窗口未一次性告知补正材料",
            "content": "发展改革部门两次要求补正节能报告，未一次性告知需要补正的全部内容。"})
        return response if response.status_code != 404 else None
    filed = eventually(file)
    anonymous = people["public"].post("/complaints/anonymous", json={
        "about": "department", "department": "NRP", "region": "410800", "title": "窗口工作人员推诿",
        "content": "咨询办事指南时窗口工作人员推诿，要求到其他窗口询问。", "contact": "13800000000"})
    ids = {"applicant": ok(filed, 201)["complaint_id"], "public": ok(anonymous, 201)["complaint_id"]}
    supervisor = people["supervisor"]
    listed = supervisor.get("/complaints", params={"state": "filed"})
    one = supervisor.get(f"/complaints/{ids['applicant']}")
    assigned = {k: supervisor.post(f"/complaints/{i}/assignment", json={"note": "本人承办"}) for k, i in ids.items()}
    concluded = {k: supervisor.post(f"/complaints/{i}/outcome", json={
        "finding": "经核实，情况属实", "substantiated": True, "action_taken": "约谈部门负责人，责令整改"})
        for k, i in ids.items()}
    return {"filed": filed, "anonymous": anonymous, "ids": ids, "listed": listed, "one": one,
            "assigned": assigned, "concluded": concluded}


@covers("POST", "/complaints")
def test_file_complaint(people, complaints, project):
    body = expect(complaints["filed"], "POST", "/complaints", 201)
    assert (body["channel"], body["about"], body["project_code"], body["state"]) == \
        ("applicant", "project", project["code"], "filed")
    assert body["due_days"] == 15 and body["steps"][0]["action"] == "filed"
    assert people["nrp-officer"].post("/complaints", json={
        "project_code": project["code"], "title": "审批人员不能投诉", "content": "只有申请人可以登录投诉。"}).status_code == 403


@covers("POST", "/complaints/anonymous")
def test_file_anonymous_complaint(complaints):
    body = expect(complaints["anonymous"], "POST", "/complaints/anonymous", 201)
    assert body["channel"] == "public" and re.fullmatch(r"[2-9A-HJ-NP-Z]{10}", body["query_code"])
    assert body["complaint_no"].startswith("TS") and body["region"] == "410800"


@covers("GET", "/complaints")
def test_list_complaints(people, complaints):
    waiting = expect(complaints["listed"], "GET", "/complaints", 200)
    assert set(complaints["ids"].values()) <= {c["complaint_id"] for c in page_of(waiting, at_least=2)}
    body = expect(people["supervisor"].get("/complaints"), "GET", "/complaints", 200)
    assert {c["state"] for c in page_of(body, at_least=2)} == {"concluded"}
    check_paging(people["supervisor"], "/complaints", "/complaints", body)
    mine = people["applicant"].get("/complaints").json()
    assert {c["channel"] for c in mine["items"]} == {"applicant"}
    assert people["nrp-officer"].get("/complaints").status_code == 403


@covers("GET", "/complaints/{complaint_id}")
def test_get_complaint(people, complaints):
    body = expect(complaints["one"], "GET", "/complaints/{complaint_id}", 200)
    assert body["complaint_id"] == complaints["ids"]["applicant"]
    assert people["public"].get(f"/complaints/{body['complaint_id']}").status_code == 401


@covers("POST", "/complaints/{complaint_id}/assignment")
def test_assign_complaint(complaints):
    for response in complaints["assigned"].values():
        body = expect(response, "POST", "/complaints/{complaint_id}/assignment", 200)
        assert body["state"] == "assigned" and body["assignee"] and body["steps"][-1]["note"] == "本人承办"


@covers("POST", "/complaints/{complaint_id}/outcome")
def test_conclude_complaint(people, complaints):
    for response in complaints["concluded"].values():
        body = expect(response, "POST", "/complaints/{complaint_id}/outcome", 200)
        assert body["state"] == "concluded" and body["outcome"]["substantiated"] is True
    eventually(lambda: [n for n in people["applicant"].get("/inbox", params={"kind": "complaint"}).json()["items"]
                        if n["subject"] == f"complaint:{complaints['ids']['applicant']}"])


@covers("POST", "/complaints/lookup")
def test_lookup_complaint(people, complaints):
    filed = complaints["anonymous"].json()
    body = expect(people["public"].post("/complaints/lookup", json={
        "complaint_no": filed["complaint_no"], "query_code": filed["query_code"]}), "POST", "/complaints/lookup", 200)
    assert (body["state"], body["substantiated"], body["action_taken"]) == ("concluded", True, "约谈部门负责人，责令整改")
    wrong = people["public"].post("/complaints/lookup", json={"complaint_no": filed["complaint_no"],
                                                              "query_code": "ABCDEFGHJK"})
    assert wrong.status_code == 404


@covers("GET", "/accountability")
@covers("POST", "/accountability/{record_id}/decisions")
def test_accountability(people, project, decided):
    """Project A's second supplement notice (002 §7(二)) is on the accountability list (002 §34(二))."""
    supervisor = people["supervisor"]

    def listed():
        response = supervisor.get("/accountability", params={"ground": "34-2", "department": "DRC"})
        ours = [r for r in response.json()["items"] if r["case_id"] == project["case_ids"]["DRC"]] \
            if response.status_code == 200 else []
        return response if ours else None
    body = expect(eventually(listed), "GET", "/accountability", 200)
    record = next(r for r in page_of(body) if r["case_id"] == project["case_ids"]["DRC"])
    assert record["fact"] == "second_supplement" and record["evidence"]["event_ids"]
    missing = supervisor.post(f"/accountability/{record['record_id']}/decisions", json={"decision": "dismiss"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "reason"
    decided_record = expect(supervisor.post(f"/accountability/{record['record_id']}/decisions", json={
        "decision": "dismiss", "reason": "牵头部门已说明再次补正的正当理由"}), "POST",
        "/accountability/{record_id}/decisions", 201)
    assert decided_record["state"] == "dismissed" and len(decided_record["decisions"]) == 1
    assert people["nrp-officer"].get("/accountability").status_code == 403
# ------------------------------------------------------------------------------ notification contacts
@covers("PUT", "/notification-contacts")
def test_an_operator_records_a_contact(people):
    body = expect(people["operator"].put("/notification-contacts", json={
        "audience": {"org": APPLICANT_ORG, "role": "applicant"}, "email": "jianshe@example.cn",
        "phone": "13903910000", "sms": True, "reason": "建设单位登记"}), "PUT", "/notification-contacts", 200)
    assert body["channels"] == ["inbox", "email", "sms"] and body["audience"] == f"org={APPLICANT_ORG}|role=applicant"
    bad = people["operator"].put("/notification-contacts", json={"audience": {"role": "applicant"}, "email": "x"})
    assert bad.status_code == 422 and "email" in {e["field"] for e in bad.json()["errors"]}
    assert people["applicant"].put("/notification-contacts", json={
        "audience": {"org": APPLICANT_ORG, "role": "applicant"}, "email": "a@example.cn"}).status_code == 403


@covers("GET", "/notification-contacts")
def test_the_contact_directory(people):
    for department in ("NRP", "DRC"):
        ok(people["operator"].put("/notification-contacts", json={
            "audience": {"department": department, "region": "410800"}, "email": f"{department.lower()}@example.cn"}))
    body = expect(people["operator"].get("/notification-contacts"), "GET", "/notification-contacts", 200)
    items = page_of(body, at_least=2)
    assert {"nrp@example.cn", "drc@example.cn"} <= {c["email"] for c in items}
    check_paging(people["operator"], "/notification-contacts", "/notification-contacts", body)
    assert people["nrp-officer"].get("/notification-contacts").status_code == 403


@covers("GET", "/notification-deliveries")
def test_the_email_deliveries(people):
    body = expect(people["operator"].get("/notification-deliveries", params={"outcome": "failed"}),
                  "GET", "/notification-deliveries", 200)
    page_of(body, at_least=0)    # this platform has no SMTP server: nothing is sent or tried
    assert people["supervisor"].get("/notification-deliveries").status_code == 403
# ------------------------------------------------------------------------------ urges, coordination, inspection
@pytest.fixture(scope="module")
def acted(people, project):
    """A supervisor urges the DRC case, DRC asks the lead department NRP to coordinate and NRP replies,
    NRP records an inspection note on the DRC case."""
    drc_case = project["case_ids"]["DRC"]

    def urged():
        response = people["supervisor"].post("/urges", json={"target_kind": "case", "target_id": drc_case,
                                                             "urgency": "urgent", "message": "请尽快出具审查意见"})
        return response if response.status_code == 201 else None
    walk = {"urged": eventually(urged)}
    people["supervisor"].post("/urges", json={"target_kind": "case", "target_id": drc_case, "message": "再次催办"})
    walk["filed"] = people["drc-officer"].post("/coordination-requests", json={
        "stage_id": project["stage_id"], "case_id": drc_case, "subject": "用地红线核对",
        "description": "请牵头部门组织核对用地红线", "reply_days": 3})
    walk["replied"] = people["nrp-officer"].post(
        f"/coordination-requests/{walk['filed'].json()['request_id']}/replies", json={"body": "已安排现场核对"})
    people["drc-officer"].post("/coordination-requests", json={
        "stage_id": project["stage_id"], "subject": "会审时间", "description": "请确定会审时间"})
    walk["inspected"] = people["nrp-officer"].post("/inspections", json={
        "target_kind": "case", "case_id": drc_case, "finding": "审查意见未按时录入", "required_action": "补录"})
    people["supervisor"].post("/inspections", json={"target_kind": "department", "department": "DRC",
                                                    "finding": "超期较多", "required_action": "报送整改措施"})
    return walk


@covers("POST", "/urges")
@covers("GET", "/urges")
def test_urges(people, project, acted):
    urge = expect(acted["urged"], "POST", "/urges", 201)
    assert (urge["department"], urge["urgency"], urge["sender_role"]) == ("DRC", "urgent", "supervisor")
    body = expect(people["drc-officer"].get("/urges", params={"case_id": project["case_ids"]["DRC"]}),
                  "GET", "/urges", 200)
    page_of(body, at_least=2)
    check_paging(people["drc-officer"], "/urges", "/urges", body, params={"case_id": project["case_ids"]["DRC"]})
    assert people["applicant"].get("/urges", params={"case_id": project["case_ids"]["DRC"]}).status_code == 403
    assert people["supervisor"].post("/urges", json={"target_kind": "case", "target_id": "x",
                                                     "message": ""}).status_code == 422


@covers("POST", "/coordination-requests")
@covers("GET", "/coordination-requests")
@covers("POST", "/coordination-requests/{request_id}/replies")
def test_coordination_requests(people, acted):
    filed = expect(acted["filed"], "POST", "/coordination-requests", 201)
    assert (filed["lead_department"], filed["state"]) == ("NRP", "open")
    replied = expect(acted["replied"], "POST", "/coordination-requests/{request_id}/replies", 201)
    assert replied["state"] == "answered" and replied["replies"][0]["body"] == "已安排现场核对"
    body = expect(people["nrp-officer"].get("/coordination-requests", params={"role": "received"}),
                  "GET", "/coordination-requests", 200)
    page_of(body, at_least=2)
    check_paging(people["nrp-officer"], "/coordination-requests", "/coordination-requests", body,
                 params={"role": "received"})


@covers("POST", "/inspections")
@covers("GET", "/inspections")
def test_inspections(people, project, acted):
    note = expect(acted["inspected"], "POST", "/inspections", 201)
    assert (note["department"], note["inspector_department"]) == ("DRC", "NRP")
    body = expect(people["supervisor"].get("/inspections", params={"department": "DRC"}), "GET", "/inspections", 200)
    page_of(body, at_least=2)
    check_paging(people["supervisor"], "/inspections", "/inspections", body, params={"department": "DRC"})


# ------------------------------------------------------------------------------ cases, stages
@covers("GET", "/cases")
def test_list_cases(people, project):
    body = expect(people["nrp-officer"].get("/cases", params={"project_code": project["code"]}), "GET", "/cases", 200)
    items = page_of(body)
    assert [(c["case_id"], c["department"], c["item_code"]) for c in items] == \
        [(project["case_ids"]["NRP"], "NRP", "NRP-001")]
    assert "history" not in items[0] and isinstance(items[0]["feedback"], list)
    every = expect(people["clerk"].get("/cases", params={"project_code": project["code"]}), "GET", "/cases", 200)
    assert {c["case_id"] for c in page_of(every, at_least=2)} == set(project["case_ids"].values())
    check_paging(people["clerk"], "/cases", "/cases", every, params={"project_code": project["code"]})
    green = expect(people["nrp-officer"].get("/cases", params={"light": "green", "project_code": project["code"]}),
                   "GET", "/cases", 200)
    assert [c["case_id"] for c in green["items"]] == [project["case_ids"]["NRP"]]
    assert all(c["light"] == "green" for c in green["items"])


@covers("GET", "/cases/counters")
def test_count_cases(people, project):
    body = expect(people["nrp-officer"].get("/cases/counters"), "GET", "/cases/counters", 200)
    assert set(body) == {"todo", "supplementing", "due_soon", "overdue", "done", "as_of"}
    assert all(isinstance(body[k], int) and body[k] >= 0 for k in set(body) - {"as_of"})
    assert body["todo"] + body["supplementing"] + body["done"] >= 1
    assert people["public"].get("/cases/counters").status_code == 401


@covers("GET", "/cases/{case_id}")
def test_get_case(people, project, decided):
    case_id = project["case_ids"]["DRC"]
    body = expect(people["drc-officer"].get(f"/cases/{case_id}"), "GET", "/cases/{case_id}", 200)
    assert (body["case_id"], body["state"], body["item_code"], body["extension_days"]) == \
        (case_id, "concluded", "DRC-001", 2)
    assert [h["action"] for h in body["history"]][:2] == ["accept", "extend"]
    assert [h["action"] for h in body["history"]][-1] == "conclude"


@covers("POST", "/cases/{case_id}/actions")
def test_act_on_case(decided, project):
    expected = {"accept": "accepted", "review": "reviewed", "approve": "approved", "conclude": "concluded"}
    for action, state in expected.items():
        body = expect(decided[("NRP", action)], "POST", "/cases/{case_id}/actions", 200)
        assert (body["case_id"], body["state"]) == (project["case_ids"]["NRP"], state)
    for action in ("accept", "review", "conclude"):
        body = expect(decided[("DRC", action)], "POST", "/cases/{case_id}/actions", 200)
        assert (body["case_id"], body["state"]) == (project["case_ids"]["DRC"], expected[action])
    asked = expect(decided[("DRC", "request_supplement")], "POST", "/cases/{case_id}/actions", 200)
    assert (asked["state"], asked["paused"]) == ("supplementing", True)
    resumed = expect(decided[("DRC", "accept_supplement")], "POST", "/cases/{case_id}/actions", 200)
    assert (resumed["state"], resumed["paused"]) == ("accepted", False)
    assert resumed["supplement_received"] is None or resumed["supplement_received"]["materials"]
    refused = decided["second_supplement_refused"]
    assert refused.status_code == 422 and refused.headers["Content-Type"].startswith("application/problem+json")
    assert "second_supplement_reason" in refused.text
    second = expect(decided["second_supplement"], "POST", "/cases/{case_id}/actions", 200)
    assert (second["state"], second["supplement_notices"]) == ("supplementing", 2)
    assert second["history"][-1]["reason"].startswith("补正的能耗计算书") and second["history"][-1]["department"] == "NRP"


@covers("POST", "/cases/{case_id}/special-handling")
def test_special_handling(decided, project):
    body = expect(decided["special"], "POST", "/cases/{case_id}/special-handling", 200)
    assert (body["case_id"], body["state"]) == (project["case_ids"]["DRC"], "approved")
    special = [f for f in body["feedback"] if f.get("special")]
    assert special and special[-1]["special_reason"] == "审批人员出差，经分管领导同意特殊办理"


@covers("POST", "/cases/{case_id}/extensions")
def test_extend_case(decided, project):
    body = expect(decided["case_extension"], "POST", "/cases/{case_id}/extensions", 201)
    assert (body["case"]["case_id"], body["case"]["extension_days"]) == (project["case_ids"]["DRC"], 2)


@covers("POST", "/stages/{stage_id}/extensions")
def test_extend_stage(decided, project):
    body = expect(decided["stage_extension"], "POST", "/stages/{stage_id}/extensions", 201)
    assert (body["stage"]["stage_id"], body["stage"]["extension_days"]) == (project["stage_id"], 3)


@covers("GET", "/projects/{code}/stages")
def test_list_stages(people, project, decided):
    code = project["code"]
    eventually(lambda: people["clerk"].get(f"/projects/{code}/stages").json()["items"][0]["state"] == "concluded")
    body = expect(people["clerk"].get(f"/projects/{code}/stages"), "GET", "/projects/{code}/stages", 200)
    stage = page_of(body)[0]
    check_paging(people["clerk"], "/projects/{code}/stages", f"/projects/{code}/stages", body)
    assert (stage["stage_id"], stage["stage"], stage["state"]) == (project["stage_id"], STAGE, "concluded")
    assert {c["case_id"] for c in stage["cases"]} == set(project["case_ids"].values())
    assert set(body["overall"]) == {"cap_days", "used_days", "remaining_days", "over_cap"}


@covers("POST", "/step-assignments")
def test_configure_step(people):
    body = expect(people["nrp-admin"].post("/step-assignments", json={
        "item_code": "NRP-003", "step": "review", "officer": "nrp-officer", "granted": True,
        "reason": "指定规划核实审核责任人"}), "POST", "/step-assignments", 201)
    assert {"department": "NRP", "item_code": "NRP-003", "region": "410800", "step": "review",
            "officers": ["nrp-officer"]} in body["current"]
    assert body["history"][-1]["officer"] == "nrp-officer" and body["history"][-1]["granted"] is True


@covers("GET", "/step-assignments")
def test_list_step_assignments(people):
    people["nrp-admin"].post("/step-assignments", json={
        "item_code": "NRP-002", "step": "approve", "officer": "nrp-officer", "granted": True, "reason": "指定批准人"})
    body = expect(people["supervisor"].get("/step-assignments", params={"item_code": "NRP-002"}),
                  "GET", "/step-assignments", 200)
    assert {(c["item_code"], c["step"]) for c in body["current"]} == {("NRP-002", "approve")}
    assert {h["item_code"] for h in body["history"]} == {"NRP-002"}


@covers("POST", "/calendar/years")
def test_load_calendar_year(people):
    body = expect(people["operator"].post("/calendar/years", json={
        "year": 2031, "holidays": ["2031-01-01", "2031-10-01", "2031-10-02", "2031-10-03"],
        "working_weekends": ["2031-09-28"]}), "POST", "/calendar/years", 201)
    assert (body["year"], body["holidays"], body["working_weekends"]) == (2031, 4, 1)
    assert 2031 in body["loaded_years"]


@covers("GET", "/calendar")
def test_get_calendar(people):
    body = expect(people["clerk"].get("/calendar"), "GET", "/calendar", 200)
    assert 2026 in body["loaded_years"] and isinstance(body["operator_loads"], list)


# ------------------------------------------------------------------------------ licences
@covers("GET", "/projects/{code}/licences")
def test_list_licences(people, project, licences):
    url = f"/projects/{project['code']}/licences"
    body = expect(people["applicant"].get(url), "GET", "/projects/{code}/licences", 200)
    items = page_of(body, at_least=2)
    check_paging(people["applicant"], "/projects/{code}/licences", url, body)
    assert {(l["document"]["item_code"], l["document"]["project_code"]) for l in items} == \
        {("NRP-001", project["code"]), ("DRC-001", project["code"])}


@covers("GET", "/licences/{licence_id}")
def test_get_licence(people, licences):
    licence = licences["DRC-001"]
    body = expect(people["applicant"].get(f"/licences/{licence['licence_id']}"), "GET", "/licences/{licence_id}", 200)
    assert (body["licence_id"], body["status"], body["algorithm"]) == (licence["licence_id"], "valid", "ES256")
    assert body["document"]["licence_no"].startswith("410800-DRC-")


@covers("POST", "/licences/verify")
def test_verify_licence(people, licences):
    licence = licences["DRC-001"]
    body = expect(people["public"].post("/licences/verify", json={
        "document": licence["document"], "signature": licence["signature"], "key_id": licence["key_id"]}),
        "POST", "/licences/verify", 200)
    assert body["valid"] is True


@covers("POST", "/licences/check")
def test_check_licence(people, licences):
    licence = licences["DRC-001"]
    body = expect(people["public"].post("/licences/check", json={
        "licence_no": licence["document"]["licence_no"], "check_code": licence["check_code"]}),
        "POST", "/licences/check", 200)
    assert (body["valid"], body["licence_no"]) == (True, licence["document"]["licence_no"])
    expect(people["public"].post("/licences/check", json={
        "licence_no": licence["document"]["licence_no"], "check_code": "WRONGCOD"}), "POST", "/licences/check", 404)


@covers("POST", "/licences/{licence_id}/revocation")
def test_revoke_licence(people, licences):
    licence = licences["NRP-001"]
    body = expect(people["nrp-officer"].post(f"/licences/{licence['licence_id']}/revocation",
                                             json={"reason": "申请人以欺骗手段取得许可，依法撤销"}),
                  "POST", "/licences/{licence_id}/revocation", 200)
    assert (body["licence_id"], body["status"]) == (licence["licence_id"], "revoked")
    assert body["revocation"]["reason"] == "申请人以欺骗手段取得许可，依法撤销"


@covers("GET", "/licences/keys")
def test_signing_keys(people, licences):
    body = expect(people["public"].get("/licences/keys"), "GET", "/licences/keys", 200)
    assert body["items"] and all(k["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----") for k in body["items"])


@covers("GET", "/licences/{licence_id}/pdf")
def test_licence_pdf(people, licences):
    response = expect(people["applicant"].get(f"/licences/{licences['DRC-001']['licence_id']}/pdf"),
                      "GET", "/licences/{licence_id}/pdf", 200)
    assert response.headers["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF-")


@covers("POST", "/licences/pdf-verification")
def test_verify_licence_pdf(people, licences):
    pdf = people["applicant"].get(f"/licences/{licences['DRC-001']['licence_id']}/pdf").content
    body = expect(people["public"].post("/licences/pdf-verification", json={
        "content_base64": base64.b64encode(pdf).decode()}), "POST", "/licences/pdf-verification", 200)
    assert (body["valid"], body["licence_no"]) == (True, licences["DRC-001"]["licence_no"])


@covers("GET", "/seals")
def test_list_seals(people, licences):
    body = expect(people["public"].get("/seals"), "GET", "/seals", 200)
    assert licences["DRC-001"]["key_id"] in {s["serial"] for s in body["items"]}
    assert body["trust_root_pem"].startswith("-----BEGIN CERTIFICATE-----")


@covers("POST", "/seals/rotations")
def test_rotate_seal(people, licences):
    body = expect(people["operator"].post("/seals/rotations", json={
        "department": "DRC", "region": "410800", "reason": "印章证书到期更换"}), "POST", "/seals/rotations", 201)
    assert body["serial"] != licences["DRC-001"]["key_id"] and body["current"] is True


@covers("POST", "/licences/{licence_id}/handovers")
def test_record_handover(people, licences):
    body = expect(people["clerk"].post(f"/licences/{licences['DRC-001']['licence_id']}/handovers", json={
        "form": "electronic", "acceptance_notice_no": "410800受〔2026〕000001号", "received_by": "王建国"}),
        "POST", "/licences/{licence_id}/handovers", 201)
    assert body["handovers"][-1]["received_by"] == "王建国"


@covers("POST", "/licences/{licence_id}/changes")
def test_change_licence(people, licences):
    licence = licences["DRC-001"]
    body = expect(people["drc-officer"].post(f"/licences/{licence['licence_id']}/changes", json={
        "reason": "项目名称变更", "project_name": "焦作市疾病预防控制中心业务综合楼建设项目"}),
        "POST", "/licences/{licence_id}/changes", 201)
    assert (body["supersedes"], body["version"], body["status"]) == (licence["licence_id"], 2, "valid")


@pytest.fixture(scope="module")
def paper_case(people):
    """Project D: stage 1 declared; the development department approves with its licence on paper."""
    applicant, drc = people["applicant"], people["drc-officer"]
    code = ok(register(applicant, "焦作市档案馆新馆建设项目"), 201)["project_code"]
    ok(applicant.post(f"/projects/{code}/declarations", json={"stage": STAGE, "form": STAGE_1_FORM,
                                                              "material_ids": []}), 201)
    case = eventually(lambda: (drc.get("/cases", params={"project_code": code}).json()["items"] or [None])[0])
    for action in ("accept", "review", "approve"):
        ok(drc.post(f"/cases/{case['case_id']}/actions", json={"action": action, "opinion": "同意",
                                                               "paper_licence": action == "approve"}))
    return case


@covers("POST", "/cases/{case_id}/paper-licence")
def test_register_paper_licence(people, paper_case):
    scan = {"licence_no": f"焦发改审批〔2026〕{uuid.uuid4().hex[:6]}号", "issued_on": "2026-11-20",
            "content_type": "image/png", "content_base64": base64.b64encode(png_bytes()).decode()}
    url = f"/cases/{paper_case['case_id']}/paper-licence"
    # the approval reaches the certificate service as an event: until then the case is not known there
    answer = eventually(lambda: (lambda r: r if r.status_code != 404 else None)(people["drc-officer"].post(url, json=scan)))
    body = expect(answer, "POST", "/cases/{case_id}/paper-licence", 201)
    assert (body["form"], body["status"]) == ("paper_copy", "valid")


# ------------------------------------------------------------------------------ supervision
@covers("GET", "/supervision/projects/{code}")
def test_supervision_overview(people, project, decided):
    supervisor = people["supervisor"]

    def concluded():
        response = supervisor.get(f"/supervision/projects/{project['code']}")
        body = response.json() if response.status_code == 200 else {}
        cases = [c for s in body.get("stages", []) for c in s["cases"]]
        return response if len(cases) == 2 and all(c.get("concluded_on") for c in cases) else None
    body = expect(eventually(concluded), "GET", "/supervision/projects/{code}", 200)
    assert body["project_code"] == project["code"] and body["stages"][0]["stage"] == STAGE
    assert {c["case_id"] for c in body["stages"][0]["cases"]} == set(project["case_ids"].values())
    assert "case.special_handled" in {e["type"] for e in body["timeline"]}


@covers("GET", "/supervision/clocks")
def test_supervision_clocks(people, project, decided):
    def listed():
        response = people["supervisor"].get("/supervision/clocks", params={"project_code": project["code"]})
        return response if response.status_code == 200 and len(response.json()["items"]) == 3 else None
    body = expect(eventually(listed), "GET", "/supervision/clocks", 200)
    items = page_of(body, at_least=3)
    check_paging(people["supervisor"], "/supervision/clocks", "/supervision/clocks", body,
                 params={"project_code": project["code"]})
    assert sorted(c["kind"] for c in items) == ["case", "case", "stage"]
    assert {c["project_code"] for c in items} == {project["code"]}
    # the lead department sees its stage's clock and all its cases; a department filter narrows that
    own = expect(people["nrp-officer"].get("/supervision/clocks", params={"project_code": project["code"],
                                                                          "department": "DRC"}),
                 "GET", "/supervision/clocks", 200)
    assert sorted((c["kind"], c["department"]) for c in own["items"]) == [("case", "DRC")]
    everything = people["nrp-officer"].get("/supervision/clocks", params={"project_code": project["code"]}).json()
    assert sorted((c["kind"], c["department"]) for c in everything["items"]) == [
        ("case", "DRC"), ("case", "NRP"), ("stage", "NRP")]
    drc = people["drc-officer"].get("/supervision/clocks", params={"project_code": project["code"]}).json()
    assert [(c["kind"], c["case_id"]) for c in drc["items"]] == [("case", project["case_ids"]["DRC"])]


@covers("POST", "/progress")
def test_public_progress(people, project, decided):
    code, secret = project["code"], project["registered"].json()["query_code"]

    def answered():
        response = people["public"].post("/progress", json={"project_code": code, "query_code": secret})
        return response if response.status_code == 200 and response.json()["stages"] \
            and response.json()["stages"][0]["state"] == "concluded" else None
    body = expect(eventually(answered), "POST", "/progress", 200)
    assert (body["project_code"], body["name"], body["category"]) == (
        code, "焦作市疾病预防控制中心业务用房建设项目", "gov_building")
    [stage] = body["stages"]
    assert stage["stage"] == STAGE and stage["lead_department"] == "NRP"
    assert sorted(c["item_code"] for c in stage["cases"]) == ["DRC-001", "NRP-001"]
    assert APPLICANT_ORG not in json.dumps(body)
    wrong = people["public"].post("/progress", json={"project_code": code, "query_code": "ABCDEFGHJK"})
    unknown = people["public"].post("/progress", json={"project_code": "2026-410800-48-01-999998",
                                                       "query_code": secret})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["detail"] == unknown.json()["detail"] == "未找到该项目，或查询码不正确"


# ------------------------------------------------------------------------------ statistics
@covers("GET", "/statistics")
def test_statistics(people, project, decided):
    month = today_in_shanghai().strftime("%Y-%m")

    def counted():
        response = people["supervisor"].get("/statistics", params={"month": month, "group_by": "department"})
        rows = {r["key"]: r for r in response.json()["items"]} if response.status_code == 200 else {}
        return response if all(rows.get(d, {}).get("concluded") for d in ("NRP", "DRC")) else None
    body = expect(eventually(counted), "GET", "/statistics", 200)
    assert body["period"] == {"from": month, "to": month} and body["group_by"] == "department"
    assert body["totals"]["received"] >= 2 and body["totals"]["special_handled"] >= 1
    assert {r["department"] for r in body["ranking"]} >= {"NRP", "DRC"}
    own = expect(people["nrp-officer"].get("/statistics", params={"month": month, "group_by": "officer",
                                                                  "limit": 5}), "GET", "/statistics", 200)
    assert own["limit"] == 5 and own["totals"]["concluded"] == body["items"][[
        r["key"] for r in body["items"]].index("NRP")]["concluded"]
    assert people["applicant"].get("/statistics").status_code == 403
    assert people["operator"].get("/statistics", params={"month": "2026-13"}).status_code == 422


@covers("GET", "/statistics/export")
def test_statistics_export(people, decided):
    for fmt, magic in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK\x03\x04")):
        response = expect(people["operator"].get("/statistics/export", params={"format": fmt}),
                          "GET", "/statistics/export", 200)
        assert response.content.startswith(magic)
        assert f".{fmt}" in response.headers["Content-Disposition"]
    assert "接件数" in people["operator"].get("/statistics/export", params={"format": "csv"}).content.decode("utf-8-sig")


@covers("GET", "/statistics/chart.svg")
def test_statistics_chart(people, decided):
    for kind in ("ranking", "trend"):
        response = expect(people["supervisor"].get("/statistics/chart.svg", params={"kind": kind}),
                          "GET", "/statistics/chart.svg", 200)
        assert response.headers["Content-Type"].startswith("image/svg+xml") and SVG_NS in response.content
    assert people["applicant"].get("/statistics/chart.svg").status_code == 403


# ------------------------------------------------------------------------------ consultations
@covers("POST", "/consultations")
def test_open_consultation(consultation, project):
    body = expect(consultation["opened"], "POST", "/consultations", 201)
    assert (body["project_code"], body["case_id"], body["asked_of"], body["status"]) == \
        (project["code"], project["case_ids"]["NRP"], ["DRC"], "open")
    assert body["asked_by"] == "NRP" and body["replies"] == []


@covers("POST", "/consultations/{consultation_id}/replies")
def test_reply_to_consultation(consultation):
    body = expect(consultation["replied"], "POST", "/consultations/{consultation_id}/replies", 201)
    assert (body["id"], body["status"]) == (consultation["id"], "answered")
    assert [(r["department"], r["opinion"], r["opinion_kind"]) for r in body["replies"]] == \
        [("DRC", "符合产业政策，同意。", "agree")]


@covers("GET", "/consultations")
def test_list_consultations(people, consultation):
    body = expect(consultation["inbox"], "GET", "/consultations", 200)
    assert consultation["id"] in [c["id"] for c in body["items"]]
    assert all(c["status"] == "open" and "DRC" in c["asked_of"] for c in body["items"])
    assert body["items"][0]["light"] in ("green", "yellow", "red")
    initiated = expect(people["nrp-officer"].get("/consultations", params={"role": "initiated", "limit": 5}),
                       "GET", "/consultations", 200)
    assert consultation["id"] in [c["id"] for c in initiated["items"]] and initiated["limit"] == 5


@covers("POST", "/consultations/{consultation_id}/countersign")
def test_countersign_consultation(consultation):
    body = expect(consultation["countersigned"], "POST", "/consultations/{consultation_id}/countersign", 200)
    assert (body["id"], body["status"], body["summary"]) == (consultation["id"], "closed", "发展改革部门同意，征询办结。")


@covers("GET", "/consultations/{consultation_id}")
def test_get_consultation(people, consultation):
    body = expect(people["supervisor"].get(f"/consultations/{consultation['id']}"),
                  "GET", "/consultations/{consultation_id}", 200)
    assert (body["id"], body["status"], len(body["replies"])) == (consultation["id"], "closed", 1)


# ------------------------------------------------------------------------------ joint reviews
@covers("POST", "/joint-reviews")
def test_convene_joint_review(joint_review, project):
    body = expect(joint_review["convened"], "POST", "/joint-reviews", 201)
    assert (body["stage_id"], body["project_code"], body["convened_by"], body["invitees"], body["status"]) == \
        (project["stage_id"], project["code"], "NRP", ["DRC"], "open")
    assert body["kind_name"] == "方案联审" and body["online"] is True and body["answers"] == []


@covers("GET", "/joint-reviews")
def test_list_joint_reviews(people, joint_review):
    body = expect(joint_review["inbox"], "GET", "/joint-reviews", 200)
    assert joint_review["id"] in [r["id"] for r in body["items"]]
    assert all(r["status"] == "open" and "DRC" in r["invitees"] for r in body["items"])
    convened = expect(people["nrp-officer"].get("/joint-reviews", params={"role": "convened", "limit": 5}),
                      "GET", "/joint-reviews", 200)
    assert joint_review["id"] in [r["id"] for r in convened["items"]] and convened["limit"] == 5


@covers("POST", "/joint-reviews/{joint_review_id}/answers")
def test_answer_joint_review(joint_review):
    body = expect(joint_review["answered"], "POST", "/joint-reviews/{joint_review_id}/answers", 201)
    assert (body["id"], body["status"]) == (joint_review["id"], "answered")
    assert [(a["department"], a["opinion_kind"], a["conditions"], a["on_time"]) for a in body["answers"]] == \
        [("DRC", "conditional", "补充节能设计专篇", True)]


@covers("POST", "/joint-reviews/{joint_review_id}/minutes")
def test_record_joint_review_minutes(joint_review):
    body = expect(joint_review["minutes"], "POST", "/joint-reviews/{joint_review_id}/minutes", 200)
    assert (body["status"], body["conclusion"], body["failed_to_answer"]) == \
        ("closed", "设计方案联合审查通过，按发展改革部门条件完善", [])


@covers("GET", "/joint-reviews/{joint_review_id}")
def test_get_joint_review(people, joint_review):
    body = expect(people["supervisor"].get(f"/joint-reviews/{joint_review['id']}"),
                  "GET", "/joint-reviews/{joint_review_id}", 200)
    assert (body["id"], body["status"], len(body["answers"])) == (joint_review["id"], "closed", 1)


# ------------------------------------------------------------------------------ joint guidance (联合辅导)
@pytest.fixture(scope="module")
def guidance(people, project, decided):
    """Project A asks for guidance on stage 2 (building works: NRP leads); NRP signs, calls DRC out,
    answers on the spot, DRC answers a deferred question, NRP pre-reviews and issues the one-time list;
    the applicant confirms. Stage 1 approved, NRP is asked for stage 2's list and sends it."""
    nrp, drc, applicant, code = people["nrp-officer"], people["drc-officer"], people["applicant"], project["code"]
    seen = {"staff": nrp.post("/guidance/staff", json={"name": "周文", "title": "规划审批科"})}
    drc_staff = ok(drc.post("/guidance/staff", json={"name": "钱进", "expertise": "投资项目审批"}), 201)
    spare = ok(nrp.post("/guidance/staff", json={"name": "吴刚"}), 201)
    seen["retired"] = nrp.post(f"/guidance/staff/{spare['id']}/retirement")

    def request():   # consult learns of the project from project.registered
        response = applicant.post("/guidance", json={"project_code": code, "stage": "engineering_permit",
                                                     "topic": "工程建设许可阶段需要准备哪些材料"})
        return response if response.status_code != 422 else None
    seen["requested"] = eventually(request)
    gid = ok(seen["requested"], 201)["id"]
    seen["signed"] = nrp.post(f"/guidance/{gid}/sign")
    seen["called"] = nrp.post(f"/guidance/{gid}/call-out", json={
        "team": [ok(seen["staff"], 201)["id"], drc_staff["id"]], "supporting": ["DRC"], "place": "咨询辅导室"})
    seen["arrived"] = drc.post(f"/guidance/{gid}/arrivals", json={"online": True})
    seen["asked"] = nrp.post(f"/guidance/{gid}/questions", json={
        "question": "设计方案需要几套？", "tags": ["材料"], "answer": "纸质两套并上传电子版。"})
    deferred = ok(applicant.post(f"/guidance/{gid}/questions", json={
        "question": "是否需要节能审查？", "tags": ["节能"], "department": "DRC"}), 201)["questions"][-1]["id"]
    seen["answered"] = drc.post(f"/guidance/{gid}/questions/{deferred}/answer", json={"answer": "需要，随可研一并审查。"})
    seen["finding"] = nrp.post(f"/guidance/{gid}/findings", json={
        "item_code": "NRP-002", "material": "建设工程设计方案", "result": "error", "note": "缺少总平面图"})
    seen["listed"] = nrp.post(f"/guidance/{gid}/lists", json={"next_steps": "补充总平面图后申报工程建设许可阶段。"})
    seen["list_id"] = ok(seen["listed"], 201)["lists"][0]["list_id"]
    seen["closed"] = applicant.post(f"/guidance/{gid}/close")
    seen["id"] = gid

    def next_stage():   # asked for once stage 1's last case is approved (case.approved)
        items = nrp.get("/guidance/next-stages", params={"project_code": code}).json().get("items")
        return items and items[0]
    seen["next_id"] = eventually(next_stage)["id"]
    return seen


@covers("POST", "/guidance/staff")
def test_add_guidance_staff(guidance):
    assert expect(guidance["staff"], "POST", "/guidance/staff", 201)["department"] == "NRP"


@covers("POST", "/guidance/staff/{staff_id}/retirement")
def test_retire_guidance_staff(guidance):
    body = expect(guidance["retired"], "POST", "/guidance/staff/{staff_id}/retirement", 200)
    assert body["active"] is False and body["retired_on"]


@covers("GET", "/guidance/staff")
def test_list_guidance_staff(people, guidance):
    items = page_of(expect(people["clerk"].get("/guidance/staff"), "GET", "/guidance/staff", 200))
    assert {"NRP", "DRC"} <= {s["department"] for s in items}


@covers("POST", "/guidance")
def test_request_guidance(guidance):
    body = expect(guidance["requested"], "POST", "/guidance", 201)
    assert (body["lead_department"], body["state"], body["session_no"]) == ("NRP", "requested", 1)


@covers("POST", "/guidance/{guidance_id}/sign")
def test_sign_guidance(guidance):
    assert expect(guidance["signed"], "POST", "/guidance/{guidance_id}/sign", 200)["state"] == "handling"


@covers("POST", "/guidance/{guidance_id}/call-out")
def test_schedule_guidance(guidance):
    body = expect(guidance["called"], "POST", "/guidance/{guidance_id}/call-out", 200)
    assert body["state"] == "consulting" and body["callouts"][0]["department"] == "DRC"


@covers("POST", "/guidance/{guidance_id}/arrivals")
def test_record_guidance_arrival(guidance):
    body = expect(guidance["arrived"], "POST", "/guidance/{guidance_id}/arrivals", 200)
    assert body["callouts"][0]["online"] is True and body["callouts"][0]["late"] is False


@covers("POST", "/guidance/{guidance_id}/questions")
def test_ask_guidance_question(guidance):
    body = expect(guidance["asked"], "POST", "/guidance/{guidance_id}/questions", 201)
    assert body["questions"][0]["mode"] == "on_spot"


@covers("POST", "/guidance/{guidance_id}/questions/{question_id}/answer")
def test_answer_guidance_question(guidance):
    body = expect(guidance["answered"], "POST", "/guidance/{guidance_id}/questions/{question_id}/answer", 200)
    assert all(q["answered_on"] for q in body["questions"])


@covers("POST", "/guidance/{guidance_id}/findings")
def test_record_guidance_finding(guidance):
    body = expect(guidance["finding"], "POST", "/guidance/{guidance_id}/findings", 201)
    assert body["findings"][0]["result_name"] == "有误"


@covers("POST", "/guidance/{guidance_id}/lists")
def test_issue_guidance_list(guidance):
    body = expect(guidance["listed"], "POST", "/guidance/{guidance_id}/lists", 201)
    assert body["state"] == "to_confirm" and body["lists"][0]["kind"] == "one_time"


@covers("POST", "/guidance/{guidance_id}/close")
def test_close_guidance(guidance):
    assert expect(guidance["closed"], "POST", "/guidance/{guidance_id}/close", 200)["state"] == "closed"


@covers("GET", "/guidance/{guidance_id}")
def test_get_guidance(people, guidance):
    body = expect(people["supervisor"].get(f"/guidance/{guidance['id']}"), "GET", "/guidance/{guidance_id}", 200)
    assert [s["action"] for s in body["steps"]][:3] == ["request", "sign", "call_out"]


@covers("GET", "/guidance")
def test_list_guidance(people, guidance):
    items = page_of(expect(people["nrp-officer"].get("/guidance"), "GET", "/guidance", 200))
    assert guidance["id"] in {g["id"] for g in items}


@covers("GET", "/projects/{code}/guidance")
def test_get_project_guidance(people, project, guidance):
    body = expect(people["applicant"].get(f"/projects/{project['code']}/guidance"), "GET",
                  "/projects/{code}/guidance", 200)
    assert body["lists"][0]["list_id"] == guidance["list_id"]


@covers("GET", "/guidance/lists/{list_id}")
def test_get_guidance_list(people, guidance):
    body = expect(people["applicant"].get(f"/guidance/lists/{guidance['list_id']}"), "GET",
                  "/guidance/lists/{list_id}", 200)
    assert body["content"]["answers"] and body["kind"] == "one_time"


@covers("GET", "/guidance/lists/{list_id}/pdf")
def test_get_guidance_list_pdf(people, guidance):
    response = expect(people["applicant"].get(f"/guidance/lists/{guidance['list_id']}/pdf"), "GET",
                      "/guidance/lists/{list_id}/pdf", 200)
    assert response.content.startswith(b"%PDF-")


@covers("GET", "/guidance/next-stages")
def test_list_next_stage_lists(people, guidance):
    items = page_of(expect(people["nrp-officer"].get("/guidance/next-stages"), "GET", "/guidance/next-stages", 200))
    assert items[0]["stage"] == "engineering_permit"


@covers("POST", "/guidance/next-stages/{next_id}/send")
def test_send_next_stage_list(people, guidance):
    body = expect(people["nrp-officer"].post(f"/guidance/next-stages/{guidance['next_id']}/send", json={
        "note": "请按清单准备工程建设许可阶段材料。"}), "POST", "/guidance/next-stages/{next_id}/send", 200)
    assert body["state"] == "sent" and body["list_id"]


@covers("GET", "/guidance/analysis")
def test_guidance_analysis(people, guidance):
    body = expect(people["nrp-officer"].get("/guidance/analysis", params={"top": 5}), "GET", "/guidance/analysis", 200)
    assert body["sessions"] >= 1 and body["material_errors"][0]["item_code"] == "NRP-002"


@covers("POST", "/guidance/guide-entries")
def test_publish_guide_entry(people, guidance):
    body = expect(people["nrp-officer"].post("/guidance/guide-entries", json={
        "item_code": "NRP-002", "kind": "common_error", "answer": "建设工程设计方案缺少总平面图"}),
        "POST", "/guidance/guide-entries", 201)
    assert body["kind"] == "common_error"
# ------------------------------------------------------------------------------ the province (001 §10)
BOUNDARY = {"type": "Polygon", "coordinates": [[[113.241, 35.215], [113.245, 35.215], [113.245, 35.218],
                                                [113.241, 35.218], [113.241, 35.215]]]}


@pytest.fixture(scope="module")
def province_walk(platform, people, project):
    """Project A's red line and an intermediary service (recorded, then one withdrawn); a correction by
    the window; a provincial account with a signed link to project A's first material."""
    code = project["code"]
    walk = {"boundary": people["applicant"].put(f"/projects/{code}/boundary", json={
        "name": "用地红线图", "description": "规划条件附图", "geometry": BOUNDARY})}
    service = {"service_name": "环境影响评价报告表编制", "agency_name": "河南绿源环境工程有限公司",
               "agency_code": "91410800MA44ABCD1X", "started_on": "2026-02-01", "finished_on": "2026-02-20"}
    walk["intermediary"] = people["clerk"].post(f"/projects/{code}/intermediary-services", json=service)
    second = ok(people["clerk"].post(f"/projects/{code}/intermediary-services", json=service), 201)
    walk["withdrawn"] = people["clerk"].post(
        f"/projects/{code}/intermediary-services/{second['record_id']}/withdrawal", json={"reason": "重复登记"})
    walk["corrected"] = people["clerk"].post(f"/projects/{code}/corrections", json={
        "attributes": {"planned_start": "2026-03-01", "planned_completion": "2027-06-30"},
        "reason": "补充计划开工与竣工时间"})
    account = f"province-{uuid.uuid4().hex[:6]}"
    ok(people["operator"].post("/accounts", json={"account": account, "password": "Init#2026x", "role": "province",
                                                  "name": "河南省工程建设项目审批管理系统", "region": "410000"}), 201)
    ok(requests.post(f"{platform.url}/auth/password", timeout=10, json={
        "account": account, "current_password": "Init#2026x", "new_password": PASSWORD}), 204)
    walk["province"] = login(platform, account)
    site = project["materials"]["site"]
    walk["link"] = walk["province"].get(f"/province/attachments/{site['material_id']}/versions/{site['version']}/link")
    return walk


@covers("PUT", "/projects/{code}/boundary")
def test_record_boundary(province_walk):
    body = expect(province_walk["boundary"], "PUT", "/projects/{code}/boundary", 200)
    assert body["version"] >= 1 and 50000 < body["area_m2"] < 200000


@covers("GET", "/projects/{code}/boundary")
def test_get_boundary(people, project, province_walk):
    body = expect(people["clerk"].get(f"/projects/{project['code']}/boundary"), "GET", "/projects/{code}/boundary", 200)
    assert body["geometry"]["type"] == "Polygon"


@covers("POST", "/projects/{code}/intermediary-services")
def test_record_intermediary(province_walk):
    body = expect(province_walk["intermediary"], "POST", "/projects/{code}/intermediary-services", 201)
    assert body["client_code"] == APPLICANT_ORG and body["withdrawn"] is False


@covers("GET", "/projects/{code}/intermediary-services")
def test_list_intermediaries(people, project, province_walk):
    body = expect(people["applicant"].get(f"/projects/{project['code']}/intermediary-services"),
                  "GET", "/projects/{code}/intermediary-services", 200)
    assert len(page_of(body, 2)) >= 2


@covers("POST", "/projects/{code}/intermediary-services/{record_id}/withdrawal")
def test_withdraw_intermediary(province_walk):
    body = expect(province_walk["withdrawn"], "POST", "/projects/{code}/intermediary-services/{record_id}/withdrawal",
                  200)
    assert body["withdrawn"] is True and body["withdrawal_reason"] == "重复登记"


@covers("POST", "/projects/{code}/corrections")
def test_correct_project(province_walk):
    body = expect(province_walk["corrected"], "POST", "/projects/{code}/corrections", 200)
    assert body["attributes"]["planned_start"] == "2026-03-01" and body["revision"] >= 2


@covers("GET", "/exchange/status")
def test_exchange_status(people, province_walk):
    body = expect(people["operator"].get("/exchange/status"), "GET", "/exchange/status", 200)
    assert body["mapping_version"] >= 1 and isinstance(body["tables"], list)


@covers("GET", "/exchange/rejections")
def test_exchange_rejections(people):
    body = expect(people["operator"].get("/exchange/rejections"), "GET", "/exchange/rejections", 200)
    page_of(body, 0)


@covers("GET", "/exchange/tasks")
def test_exchange_tasks(people):
    body = expect(people["operator"].get("/exchange/tasks"), "GET", "/exchange/tasks", 200)
    page_of(body, 0)


@covers("POST", "/exchange/tasks/{task_id}/resolution")
def test_resolve_exchange_task(platform, people):
    """A project whose planned completion is before its start: the province rejects it, the rejection
    becomes an operator task, which the operator closes with what was done."""
    registered = people["clerk"].post("/projects", json={
        "name": "焦作市体育中心游泳馆建设项目", "category": "gov_building", "region": "410800",
        "applicant_org": APPLICANT_ORG, "applicant_name": "焦作市城市建设投资有限公司",
        "attributes": {"planned_start": "2026-09-01", "planned_completion": "2026-05-01"}})
    code = ok(registered, 201)["project_code"]
    task = eventually(lambda: next((t for t in people["operator"].get("/exchange/tasks", params={
        "state": "open"}).json()["items"] if t["dfsjzj"] == code), None), timeout=60)
    body = expect(people["operator"].post(f"/exchange/tasks/{task['task_id']}/resolution", json={
        "resolution": "已通知建设单位核实计划工期"}), "POST", "/exchange/tasks/{task_id}/resolution", 200)
    assert body["state"] == "resolved"


@covers("GET", "/province/attachments/{material_id}/versions/{version}/link")
def test_attachment_link(province_walk):
    body = expect(province_walk["link"], "GET", "/province/attachments/{material_id}/versions/{version}/link", 200)
    assert body["url"].startswith("/province/files/")


@covers("GET", "/province/files/{token}")
def test_signed_file(platform, province_walk):
    response = expect(requests.get(platform.url + province_walk["link"].json()["url"], timeout=10),
                      "GET", "/province/files/{token}", 200)
    assert response.content == PDF


# ------------------------------------------------------------------------------ every operation
def operations_of(document):
    return {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}


def test_every_documented_operation_has_a_passing_valid_request_test(served):
    documented = operations_of(served)
    untested = sorted(documented - set(COVERING))
    assert not untested, f"documented operations without a valid-request test: {untested}"
    failing = sorted(documented - PASSED)
    assert not failing, f"documented operations whose valid-request test did not pass: {failing}"
    stale = sorted(set(COVERING) - documented)
    assert not stale, f"tests for operations the document no longer has: {stale}"


def test_a_route_added_without_a_test_is_noticed(served):
    grown = dict(served, paths=dict(served["paths"], **{"/projects/{code}/archive": {"post": {}}}))
    assert operations_of(grown) - set(COVERING) == {("POST", "/projects/{code}/archive")}


# ============================================================================== part 2: answers
def json_schema(node):
    """An OpenAPI 3.1 schema (fragment) as a JSON Schema 2020-12 resource: references point into the
    document resource; `example` (an annotation) is dropped; a 3.0 `nullable`, should one appear,
    becomes a null type."""
    if isinstance(node, list):
        return [json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {key: json_schema(value) for key, value in node.items() if key not in ("nullable", "example")}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#/"):
        out["$ref"] = DOCUMENT_URI + out["$ref"]
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if "$ref" in out:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


DOCUMENT_URI = "urn:gateway-openapi"
FORMATS = FormatChecker()


def validator_for(document, schema):
    converted = json_schema(document)
    registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(converted,
                                                                             default_specification=DRAFT202012))
    return Draft202012Validator(json_schema(schema), registry=registry, format_checker=FORMATS)


def success_answers(document):
    """(METHOD, path, status, media types) of every documented success answer with a body."""
    found = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            for status, answer in operation["responses"].items():
                if status.startswith("2") and answer.get("content"):
                    found.append((method.upper(), path, int(status), tuple(answer["content"])))
    return found


SUCCESS_ANSWERS = success_answers(local_document())


def test_the_format_checker_really_checks_dates():
    schema = {"type": "object", "properties": {"on": {"type": "string", "format": "date"},
                                               "at": {"type": "string", "format": "date-time"}}}
    check = validator_for({"paths": {}}, schema)
    assert check.is_valid({"on": "2026-02-28", "at": "2026-02-28T09:30:00+08:00"})
    for wrong in ({"on": "2026-02-30"}, {"on": "28/02/2026"}, {"on": "2026-02-28T09:30:00"},
                  {"at": "2026-02-28"}, {"at": "2026-02-28 09:30"}, {"at": "yesterday"}):
        assert not check.is_valid(wrong), wrong


def test_every_success_answer_of_the_served_document_is_checked_below(served):
    assert success_answers(served) == SUCCESS_ANSWERS


def media_matches(actual, documented):
    kind = actual.split(";")[0].strip().lower()
    return any(d == kind or d == "*/*" or (d.endswith("/*") and kind.startswith(d[:-1])) for d in documented)


@pytest.mark.parametrize("method,path,status,media", SUCCESS_ANSWERS,
                         ids=[f"{m} {p} {s}" for m, p, s, _ in SUCCESS_ANSWERS])
def test_answer_matches_the_document(served, method, path, status, media):
    answers = ANSWERS.get((method, path, status))
    assert answers, f"no real {status} answer of {method} {path} was recorded: its operation test did not reach it"
    for response in answers:
        content_type = response.headers.get("Content-Type", "")
        where = f"{method} {response.request.url} → {status} {content_type}"
        assert media_matches(content_type, media), f"{where}: media type not documented (documented: {media})"
        if "application/json" in media:
            schema = served["paths"][path][method.lower()]["responses"][str(status)]["content"]["application/json"]
            errors = sorted(validator_for(served, schema["schema"]).iter_errors(response.json()),
                            key=lambda e: list(e.absolute_path))
            assert not errors, f"{where}: the answer does not fit the document:\n" + "\n".join(
                f"  {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:300]}" for e in errors[:20])
        else:
            kind = content_type.split(";")[0].strip()
            if kind == "image/svg+xml":
                assert b"<svg" in response.content[:500], where
            else:
                assert kind in MAGIC, f"{where}: unexpected file type"
                assert response.content.startswith(MAGIC[kind]), f"{where}: the bytes are not {kind}"
