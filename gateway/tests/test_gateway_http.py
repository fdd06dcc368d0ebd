"""HTTP behaviour of the gateway: tokens at the door, problem+json, forwarding, pages, idempotency.

The services are replaced by a recording caller (conftest.RecordingRpc); accounts live in a real
PostgreSQL database. The real broker path is covered in test_gateway_rpc.py.
"""
import base64
import hashlib
import re
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from urllib3 import encode_multipart_formdata

from gateway.rpc import RemoteFailure, RpcTimeout, ServiceUnavailable
from platform_kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from platform_kit.identity import Identity, issue_token
from platform_kit.keys import ed25519_pem_pair

PROJECT = {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800",
           "attributes": {"floor_area_m2": 12500.5}}
CATALOG = {"overall_limit_days": 59,
           "departments": [{"code": "NRP", "name": "自然资源和规划局", "level": "city", "region": "410800"}],
           "categories": [{"code": "gov_building", "name": "政府投资房屋建筑类", "stages": [{
               "stage": "land_use_planning", "lead_department": "NRP", "limit_days": 20,
               "items": [{"code": "LAND", "name": "用地规划许可", "department": "NRP", "limit_days": 10}]}]}]}


def multipart(headers, data=None, files=None):
    """simulate_post keyword arguments for a multipart/form-data body, as a browser would send it."""
    fields = dict(data or {})
    fields.update(files or {})
    body, content_type = encode_multipart_formdata(fields)
    return {"body": body, "headers": dict(headers, **{"Content-Type": content_type})}


# ------------------------------------------------------------------------------------ tokens
def claims(**overrides):
    now = datetime.now(timezone.utc)
    data = {"sub": "applicant", "role": "applicant", "name": "x", "iss": "approval-gateway",
            "aud": "approval-platform", "iat": now, "exp": now + timedelta(minutes=5)}
    data.update(overrides)
    return data


def test_missing_expired_forged_and_wrong_algorithm_tokens_are_refused(client, rpc, jwt_keys, assert_problem):
    get = lambda token: client.simulate_get("/projects/P1", headers={"Authorization": f"Bearer {token}"})  # noqa
    assert_problem(client.simulate_get("/projects/P1"), 401)
    assert_problem(client.simulate_get("/projects/P1", headers={"Authorization": "Basic YTpi"}), 401)
    expired = issue_token(jwt_keys["private"], Identity(sub="applicant", role="applicant", name="x"), ttl_seconds=-30)
    body = assert_problem(get(expired), 401)
    assert "过期" in body["detail"]
    other_key, _ = ed25519_pem_pair()
    assert_problem(get(issue_token(other_key, Identity(sub="operator", role="operator", name="x"))), 401)
    # HS256 signed with the public key as a shared secret (algorithm confusion)
    assert_problem(get(jwt.encode(claims(), jwt_keys["public"].encode()[:64], algorithm="HS256")), 401)
    assert_problem(get(jwt.encode(claims(), None, algorithm="none")), 401)
    assert_problem(get(jwt.encode(claims(aud="someone-else"), jwt_keys["private"], algorithm="EdDSA")), 401)
    assert_problem(get(jwt.encode(claims(iss="someone-else"), jwt_keys["private"], algorithm="EdDSA")), 401)
    assert_problem(get("not.a.token"), 401)
    assert rpc.calls == []  # nothing reached a service
    good = get(jwt.encode(claims(), jwt_keys["private"], algorithm="EdDSA"))
    assert good.status_code == 200 and rpc.calls[-1]["method"] == "get_project"
    assert good.headers.get("WWW-Authenticate") is None


def test_a_401_invites_bearer_authentication(client, assert_problem):
    response = client.simulate_get("/cases")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_routes_need_no_token_and_forward_none(client, rpc):
    rpc.answers["certificate.verify_licence"] = {"valid": True, "reason": None}
    claim = {"document": {"holder": "甲"}, "signature": "c2ln", "key_id": "k1"}
    response = client.simulate_post("/licences/verify", json=claim)
    assert response.status_code == 200 and response.json == {"valid": True, "reason": None}
    assert rpc.calls[-1] == {"service": "certificate", "method": "verify_licence", "args": [claim], "token": None}
    assert client.simulate_get("/licences/keys").status_code == 200
    assert client.simulate_get("/openapi.json").status_code == 200
    # the published guide and a project's progress by its query code (003 §6, 002 §22)
    assert client.simulate_get("/catalog?version=3").status_code == 200
    assert rpc.calls[-1] == {"service": "intake", "method": "get_catalog", "args": [3], "token": None}
    preview = {"category": "gov_building", "attributes": {}}
    assert client.simulate_post("/guides/preview", json=preview).status_code == 200
    assert rpc.calls[-1] == {"service": "intake", "method": "preview_guide", "args": [preview], "token": None}
    progress = {"project_code": "2026-410800-48-01-000001", "query_code": "ABCDEFGHJK"}
    assert client.simulate_post("/progress", json=progress).status_code == 200
    assert rpc.calls[-1] == {"service": "supervision", "method": "public_progress", "args": [progress],
                             "token": None}
    assert client.simulate_put("/catalog", json={}).status_code == 401   # loading it is not public


# ------------------------------------------------------------------------------------ forwarding
def test_each_route_calls_its_service_method_with_the_callers_token(client, rpc, auth):
    headers = auth("applicant")
    token = headers["Authorization"].split()[1]
    expected = [
        ("PUT", "/catalog", CATALOG, "intake", "load_catalog", 200),
        ("GET", "/projects?q=医院&source=online", None, "intake", "list_projects", 200),
        ("POST", "/projects", PROJECT, "intake", "register_project", 201),
        ("GET", "/projects/2026-410800-48-01-000001", None, "intake", "get_project", 200),
        ("POST", "/projects/P1/declarations", {"stage": "land_use_planning", "form": {"a": 1}, "material_ids": ["m1"]},
         "intake", "submit_declaration", 201),
        ("GET", "/declarations/D1", None, "intake", "get_declaration", 200),
        ("POST", "/projects/P1/supplements", {"case_id": "C1", "material_ids": ["m2"], "note": "补齐"}, "intake",
         "submit_supplement", 201),
        ("GET", "/cases/C1", None, "stage", "get_case", 200),
        ("POST", "/cases/C1/actions", {"action": "accept", "opinion": "受理"}, "stage", "act_on_case", 200),
        ("GET", "/licences/L1", None, "certificate", "get_licence", 200),
        ("POST", "/licences/L1/revocation", {"reason": "以欺骗手段取得"}, "certificate", "revoke_licence", 200),
        ("GET", "/supervision/projects/P1", None, "supervision", "get_project_overview", 200),
        ("POST", "/consultations", {"project_code": "P1", "asked_of": ["FIRE"], "question": "?", "due_days": 3},
         "consult", "open_consultation", 201),
        ("POST", "/consultations/K1/replies", {"kind": "agree", "opinion": "同意"}, "consult", "reply_to_consultation", 201),
        ("GET", "/consultations/K1", None, "consult", "get_consultation", 200),
    ]
    for method, path, body, service, rpc_method, status in expected:
        response = client.simulate_request(method, path, json=body, headers=headers)
        assert response.status_code == status, (path, response.text)
        call = rpc.calls[-1]
        assert (call["service"], call["method"], call["token"]) == (service, rpc_method, token)
    assert rpc.calls[1]["args"] == [{"q": "医院", "source": "online", "limit": 50, "offset": 0}]
    assert rpc.calls[3]["args"] == ["2026-410800-48-01-000001"]
    assert rpc.calls[4]["args"] == ["P1", {"stage": "land_use_planning", "form": {"a": 1}, "material_ids": ["m1"]}]
    assert rpc.calls[6]["args"] == ["P1", {"case_id": "C1", "material_ids": ["m2"], "note": "补齐"}]
    assert rpc.calls[8]["args"] == ["C1", {"action": "accept", "opinion": "受理"}]
    assert rpc.calls[10]["args"] == ["L1", {"reason": "以欺骗手段取得"}]
    assert rpc.calls[13]["args"] == ["K1", {"kind": "agree", "opinion": "同意"}]


def test_list_routes_pass_the_page_to_the_service_and_answer_its_page(client, rpc, auth, assert_problem):
    headers = auth("nrp-officer")
    page = lambda *args: {"items": [{"n": args[-1]["offset"]}], "total": 9, **args[-1]}  # noqa: E731
    rpc.answers["stage.list_cases"] = lambda filters: {"items": [{"case_id": f"C{filters['offset']}"}], "total": 7,
                                                       "limit": filters["limit"], "offset": filters["offset"]}
    response = client.simulate_get("/cases", params={"project_code": "P1", "state": "accepted", "limit": 3,
                                                     "offset": 3}, headers=headers)
    assert response.json == {"items": [{"case_id": "C3"}], "total": 7, "limit": 3, "offset": 3}
    assert rpc.calls[-1]["args"] == [{"project_code": "P1", "state": "accepted", "limit": 3, "offset": 3}]
    client.simulate_get("/cases", headers=headers)
    assert rpc.calls[-1]["args"] == [{"limit": 50, "offset": 0}]
    rpc.answers["supervision.list_clocks"] = {"items": [], "total": 0, "limit": 10, "offset": 0}
    assert client.simulate_get("/supervision/clocks", params={"department": "NRP", "light": "red", "limit": 10},
                               headers=headers).json["total"] == 0
    assert rpc.calls[-1]["args"] == [{"department": "NRP", "light": "red", "limit": 10, "offset": 0}]
    # a project's lists: the project code, then the page; the service's answer is the answer, other keys kept
    for path, service, method in (("/projects/P1/stages", "stage", "list_stages"),
                                  ("/projects/P1/materials", "intake", "list_materials"),
                                  ("/projects/P1/documents", "intake", "list_documents"),
                                  ("/projects/P1/licences", "certificate", "list_licences")):
        rpc.answers[f"{service}.{method}"] = lambda code, filters: dict(page(code, filters), overall={"cap": 59})
        answer = client.simulate_get(path, params={"limit": 2, "offset": 4}, headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        assert rpc.calls[-1]["method"] == method and rpc.calls[-1]["args"] == ["P1", {"limit": 2, "offset": 4}]
        assert answer.json == {"items": [{"n": 4}], "total": 9, "limit": 2, "offset": 4, "overall": {"cap": 59}}
    bad = assert_problem(client.simulate_get("/cases", params={"limit": "many", "offset": -1}, headers=headers), 422)
    assert bad["errors"][0]["field"] == "limit"
    assert_problem(client.simulate_get("/cases", params={"limit": 0}, headers=headers), 422)
    assert_problem(client.simulate_get("/cases", params={"limit": 201}, headers=headers), 422)
    assert_problem(client.simulate_get("/projects/P1/materials", params={"offset": -1}, headers=headers), 422)


def test_path_fields_the_service_expects_in_the_body(client, rpc, auth, assert_problem):
    headers = auth("nrp-officer")
    assert client.simulate_post("/cases/C7/extensions", json={"days": 5, "reason": "需现场踏勘"},
                                headers=headers).status_code == 201
    assert rpc.calls[-1]["args"] == [{"case_id": "C7", "days": 5, "reason": "需现场踏勘"}]
    client.simulate_post("/stages/S3/extensions", json={"days": 5, "reason": "专家论证"}, headers=headers)
    assert rpc.calls[-1]["method"] == "extend_limit" and rpc.calls[-1]["args"][0]["stage_id"] == "S3"
    # the material version is a number in the path and in the call
    client.simulate_post("/materials/M1/versions/2/verification", json={"case_id": "C7"}, headers=headers)
    assert rpc.calls[-1]["args"] == ["M1", 2, {"case_id": "C7"}]
    assert_problem(client.simulate_post("/materials/M1/versions/two/verification", json={"case_id": "C7"},
                                        headers=headers), 404)


def test_push_project_is_created_once_then_updated(client, rpc, auth):
    headers = auth("operator")
    project = {"name": "焦作市体育中心改造项目", "category": "gov_building", "region": "410800",
               "applicant_org": "91410800MA47Q0R12X", "attributes": {}}
    rpc.answers["intake.push_project"] = lambda data: dict(data, outcome="created", revision=1)
    first = client.simulate_put("/projects/2026-410800-48-01-000123", json=project, headers=headers)
    assert first.status_code == 201 and rpc.calls[-1]["args"][0]["project_code"] == "2026-410800-48-01-000123"
    rpc.answers["intake.push_project"] = lambda data: dict(data, outcome="unchanged", revision=1)
    assert client.simulate_put("/projects/2026-410800-48-01-000123", json=project, headers=headers).status_code == 200


def test_the_guide_drawing_is_served_as_svg(client, rpc, auth):
    rpc.answers["intake.get_guide_svg"] = '<svg xmlns="http://www.w3.org/2000/svg"><text>立项用地规划许可</text></svg>'
    response = client.simulate_get("/projects/P1/guide.svg", headers=auth("applicant"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("image/svg+xml")
    assert "立项用地规划许可" in response.text
    rpc.answers["intake.get_guide"] = {"project_code": "P1", "stages": []}
    assert client.simulate_get("/projects/P1/guide", headers=auth("applicant")).json["project_code"] == "P1"


def test_material_upload_is_read_in_full_and_sent_base64(client, rpc, auth, assert_problem):
    headers = auth("applicant")
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 40
    rpc.answers["intake.upload_material"] = lambda code, data: {"material_id": "M1", "version": 1,
                                                                "size": len(base64.b64decode(data["content_base64"]))}
    response = client.simulate_post("/projects/P1/materials", **multipart(
        headers, {"name": "建设项目用地预审与选址意见书"}, {"file": ("site.pdf", pdf, "application/pdf")}))
    assert response.status_code == 201, response.text
    assert response.json == {"material_id": "M1", "version": 1, "size": len(pdf)}
    code, data = rpc.calls[-1]["args"]
    assert code == "P1" and data["name"] == "建设项目用地预审与选址意见书" and data["content_type"] == "application/pdf"
    assert base64.b64decode(data["content_base64"]) == pdf
    paper = client.simulate_post("/projects/P1/materials", **multipart(
        headers, {"name": "营业执照", "channel": "paper", "paper_copies": "2", "paper_pages": "3",
                  "material_id": "M0"}, {"file": ("scan.pdf", pdf, "application/pdf")}))
    assert paper.status_code == 201
    code, data = rpc.calls[-1]["args"]
    assert {k: v for k, v in data.items() if k != "content_base64"} == {
        "name": "营业执照", "channel": "paper", "paper_copies": 2, "paper_pages": 3, "material_id": "M0",
        "content_type": "application/pdf"}
    bad_count = assert_problem(client.simulate_post("/projects/P1/materials", **multipart(
        headers, {"name": "营业执照", "paper_copies": "two"}, {"file": ("scan.pdf", pdf, "application/pdf")})), 422)
    assert [e["field"] for e in bad_count["errors"]] == ["paper_copies"]
    missing = assert_problem(client.simulate_post("/projects/P1/materials", **multipart(
        headers, files={"other": ("x.txt", b"x", "text/plain")})), 422)
    assert {e["field"] for e in missing["errors"]} == {"name", "file"}
    assert_problem(client.simulate_post("/projects/P1/materials", headers=headers, json={"name": "x"}), 415)
    too_big = b"0" * (64 * 1024 + 1)  # settings: 64 KiB
    assert_problem(client.simulate_post("/projects/P1/materials", **multipart(
        headers, {"name": "大文件"}, {"file": ("big.bin", too_big, "application/octet-stream")})), 413)


# ------------------------------------------------------------------------------------ problems
def test_malformed_json_unknown_route_and_wrong_method(client, auth, assert_problem):
    headers = auth("applicant")
    assert_problem(client.simulate_post("/projects", body="{not json", headers=dict(headers, **{
        "Content-Type": "application/json"})), 400)
    assert_problem(client.simulate_get("/no/such/route", headers=headers), 404)
    assert_problem(client.simulate_get("/no/such/route"), 404)
    response = client.simulate_delete("/projects", headers=headers)
    assert_problem(response, 405)
    assert "POST" in response.headers["Allow"]
    assert_problem(client.simulate_post("/projects", body="a=b", headers=dict(headers, **{
        "Content-Type": "text/plain"})), 415)


def test_body_schema_failures_list_every_field(client, rpc, auth, assert_problem):
    headers = auth("applicant")
    body = assert_problem(client.simulate_post("/projects", json={"category": "gov_building", "colour": "red"},
                                               headers=headers), 422)
    assert {e["field"] for e in body["errors"]} == {"name", "region", "colour"}
    assert all(e["message"] for e in body["errors"])
    body = assert_problem(client.simulate_post("/cases/C1/actions", json={"opinion": 5}, headers=headers), 422)
    assert {e["field"]: e["message"] for e in body["errors"]} == {"action": "必填字段缺失", "opinion": "须为字符串"}
    body = assert_problem(client.simulate_post("/projects", json=["not", "an", "object"], headers=headers), 422)
    assert body["errors"][0]["field"] == "_schema"
    assert_problem(client.simulate_post("/projects", headers=headers), 422)  # empty body
    assert rpc.calls == []


@pytest.mark.parametrize("raised, status", [
    (ValidationFailed("表单不完整", [{"field": "form.contact_phone", "message": "必填"}]), 422),
    (NotFound("项目不存在"), 404), (Forbidden("无权查看"), 403), (Conflict("状态不允许"), 409),
    (RpcTimeout("intake.get_project 超时"), 504), (ServiceUnavailable("没有运行的实例"), 503),
    (RemoteFailure("ZeroDivisionError", "division by zero"), 502), (RuntimeError("secret internals"), 500),
])
def test_service_errors_become_problems(client, rpc, auth, assert_problem, raised, status):
    rpc.answers["intake.get_project"] = raised
    body = assert_problem(client.simulate_get("/projects/P1", headers=auth("applicant")), status)
    if isinstance(raised, ValidationFailed):
        assert body["errors"] == [{"field": "form.contact_phone", "message": "必填"}]
    if status in (500, 502):
        assert "division" not in body["detail"] and "secret" not in body["detail"]
        assert re.fullmatch(r"[0-9a-f]{32}", body["reference"])
    if status < 500:
        assert body["detail"] == raised.detail and body["type"] != "about:blank"


# ------------------------------------------------------------------------------------ health
def test_health_is_public_and_names_what_failed(client, rpc, assert_problem):
    response = client.simulate_get("/health")
    assert response.status_code == 200
    assert set(response.json["services"]) == {"intake", "stage", "consult", "certificate", "supervision"}
    assert {c["method"] for c in rpc.calls} == {"health"}
    rpc.answers["stage.health"] = ServiceUnavailable("服务 stage 当前没有运行的实例")
    body = assert_problem(client.simulate_get("/health"), 503)
    assert body["services"]["stage"].startswith("ServiceUnavailable") and body["services"]["intake"] == "ok"
    assert "stage" in body["detail"]


# ------------------------------------------------------------------------------------ idempotency
def test_idempotency_key_replays_the_first_answer(client, rpc, auth, assert_problem):
    headers = dict(auth("applicant"), **{"Idempotency-Key": "register-hospital-1"})
    counter = iter(range(1, 100))
    rpc.answers["intake.register_project"] = lambda data: {"project_code": f"2026-410800-48-01-{next(counter):06d}"}
    first = client.simulate_post("/projects", json=PROJECT, headers=headers)
    again = client.simulate_post("/projects", json=PROJECT, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json and again.headers["Idempotent-Replayed"] == "true"
    assert len([c for c in rpc.calls if c["method"] == "register_project"]) == 1
    reused = assert_problem(client.simulate_post("/projects", json=dict(PROJECT, name="另一个项目"), headers=headers), 422)
    assert "Idempotency-Key" in reused["detail"]
    # keys belong to their account: another applicant's same key is a different request
    other = client.simulate_post("/projects", json=PROJECT, headers=dict(auth("clerk"), **{
        "Idempotency-Key": "register-hospital-1"}))
    assert other.status_code == 201 and other.json != first.json
    # without a key, every request is new
    assert client.simulate_post("/projects", json=PROJECT, headers=auth("applicant")).json != first.json


def test_material_upload_idempotency_compares_the_file(client, rpc, auth, assert_problem):
    headers = dict(auth("applicant"), **{"Idempotency-Key": "upload-1"})
    rpc.answers["intake.upload_material"] = lambda code, data: {
        "material_id": "M1", "sha256": hashlib.sha256(base64.b64decode(data["content_base64"])).hexdigest()}
    upload = lambda content: client.simulate_post("/projects/P1/materials", **multipart(  # noqa: E731
        headers, {"name": "图纸"}, {"file": ("a.pdf", content, "application/pdf")}))
    assert upload(b"%PDF-1 first").status_code == 201
    assert upload(b"%PDF-1 first").headers["Idempotent-Replayed"] == "true"
    assert_problem(upload(b"%PDF-1 second"), 422)


def test_an_oversized_json_body_is_refused(client, rpc, auth, assert_problem):
    huge = {"overall_limit_days": 1, "departments": [], "categories": [{"pad": "x" * (5 * 1024 * 1024)}]}
    assert_problem(client.simulate_put("/catalog", json=huge, headers=auth("operator")), 413)
    assert rpc.calls == []


def test_every_answer_carries_a_request_id_which_reaches_the_service(client, rpc, auth):
    headers = auth("applicant")
    mine = client.simulate_get("/projects/P1", headers=dict(headers, **{"X-Request-Id": "trace-42"}))
    assert mine.headers["X-Request-Id"] == "trace-42" and rpc.request_ids[-1] == "trace-42"
    made = client.simulate_get("/projects/P1", headers=dict(headers, **{"X-Request-Id": "bad id\n" * 20}))
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"]) and rpc.request_ids[-1] == made.headers[
        "X-Request-Id"]
    assert client.simulate_get("/nowhere").headers["X-Request-Id"]


def test_files_from_services_are_sent_as_files(client, rpc, auth):
    headers = auth("applicant")
    pdf = b"%PDF-1.4 acceptance notice"
    rpc.answers["intake.get_document"] = {"document_id": "D1", "title": "受理通知书", "content_type": "application/pdf",
                                          "content_base64": base64.b64encode(pdf).decode()}
    response = client.simulate_get("/documents/D1/content", headers=headers)
    assert response.status_code == 200 and response.content == pdf
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert client.simulate_get("/documents/D1", headers=headers).json["title"] == "受理通知书"
    rpc.answers["intake.get_material_content"] = {"name": "图纸", "content_type": "image/png", "sha256": "ab12",
                                                  "content_base64": base64.b64encode(b"\x89PNG").decode()}
    material = client.simulate_get("/materials/M1/versions/3/content", headers=headers)
    assert material.content == b"\x89PNG" and material.headers["ETag"] == '"ab12"'
    assert rpc.calls[-1]["args"] == ["M1", 3]


def test_drafts_documents_and_step_assignments_reach_their_methods(client, rpc, auth):
    applicant = auth("applicant")
    client.simulate_put("/projects/P1/drafts/land_use_planning", json={"form": {"contact_name": "王建国"}},
                        headers=applicant)
    assert rpc.calls[-1]["method"] == "save_draft"
    assert rpc.calls[-1]["args"] == ["P1", {"form": {"contact_name": "王建国"}, "stage": "land_use_planning"}]
    client.simulate_get("/projects/P1/drafts/land_use_planning", headers=applicant)
    assert rpc.calls[-1]["args"] == ["P1", "land_use_planning"]
    client.simulate_get("/projects/P1/checklists/land_use_planning", headers=applicant)
    assert rpc.calls[-1]["method"] == "get_checklist" and rpc.calls[-1]["args"] == ["P1", "land_use_planning"]
    assert client.simulate_post("/projects/P1/drafts/land_use_planning/submission",
                                headers=applicant).status_code == 201
    assert rpc.calls[-1]["method"] == "submit_draft"
    rpc.answers["intake.list_documents"] = lambda code, page: dict(page, items=[{"document_id": "D1"}], total=2)
    assert client.simulate_get("/projects/P1/documents", headers=applicant).json["total"] == 2
    assert rpc.calls[-1]["args"] == ["P1", {"limit": 50, "offset": 0}]
    loss = {"loss_statement_material_id": "M7", "identity_copy_material_id": "M8"}
    assert client.simulate_post("/documents/D1/loss-report", json=loss, headers=auth("clerk")).status_code == 201
    assert rpc.calls[-1]["args"] == ["D1", loss]
    grant = {"item_code": "NRP-001", "step": "approve", "officer": "nrp-officer", "granted": True, "reason": "分管"}
    assert client.simulate_post("/step-assignments", json=grant, headers=auth("operator")).status_code == 201
    assert rpc.calls[-1] == {"service": "stage", "method": "configure_step", "args": [grant],
                             "token": rpc.calls[-1]["token"]}
    client.simulate_get("/step-assignments", params={"item_code": "NRP-001"}, headers=auth("supervisor"))
    assert rpc.calls[-1]["args"] == [{"item_code": "NRP-001"}]
