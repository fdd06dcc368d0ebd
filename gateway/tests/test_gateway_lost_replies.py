"""A reply lost after the service acted: the gateway's retry is answered with the first answer, through the
real intake service (RabbitMQ, PostgreSQL), not refused as a second declaration or doubled as a second project."""
import dataclasses
import hashlib
import json
import time
from pathlib import Path

import pytest
from falcon.testing import TestClient
from urllib3 import encode_multipart_formdata

from gateway.app import create_app
from gateway.rpc import OutcomeUnknown, RpcClient, RpcTimeout
from gateway.uploads import IntakeHttp
from intake.service import IntakeService
from platform_kit.testing import free_port

CATALOG = json.loads((Path(__file__).resolve().parents[2] / "services/intake/intake/demo_catalog.json").read_text())
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 64 + b"\n%%EOF\n"
PROJECT = {"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800", "attributes": {}}


class LosingRpc(RpcClient):
    """The real client, except that the reply of the next `lose` calls is lost after the service acted (as
    when the broker goes away between the service's commit and its reply)."""
    lose = 0

    def call(self, service, method, *args, **kwargs):
        result = super().call(service, method, *args, **kwargs)
        if self.lose and method != "load_catalog":
            self.lose -= 1
            raise OutcomeUnknown("发送请求后与消息服务断开")
        return result


class LosingUploads(IntakeHttp):
    """intake's HTTP port, except that the response to the next `lose` uploads is lost after intake stored them."""
    lose = 0

    def upload(self, *args, **kwargs):
        stored = super().upload(*args, **kwargs)
        if self.lose:
            self.lose -= 1
            raise RpcTimeout("材料上传服务在 4 秒内没有响应")
        return stored


@pytest.fixture
def gateway(container_factory, service_config, settings, book, make_token, tmp_path):
    port = free_port()
    config = service_config("intake", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                            MATERIAL_STORAGE_DIR=str(tmp_path / "materials"))
    container_factory(IntakeService, config).start()
    rpc = LosingRpc(config["AMQP_URI"], timeout=15)
    rpc.call("intake", "load_catalog", [CATALOG], token=make_token("operator"))
    # a call may run 4 s; its key is leased 4.2 s; a retry does not wait for a pending key
    quick = dataclasses.replace(settings, rpc_timeout=4, idempotency_grace=0.2, idempotency_wait=0)
    uploads = LosingUploads(f"127.0.0.1:{port}", timeout=4)
    client = TestClient(create_app(quick, rpc, book=book, uploads=uploads))
    client.uploads = uploads
    yield client, rpc
    rpc.close()


def retried_after_the_lease(client, path, body, headers):
    """The first answer is lost; retries are refused while the key is leased; the one after is answered."""
    assert client.simulate_post(path, json=body, headers=headers).status_code in (502, 503, 504)
    assert client.simulate_post(path, json=body, headers=headers).status_code == 503   # still leased
    time.sleep(4.4)
    return client.simulate_post(path, json=body, headers=headers)


def test_a_registration_whose_reply_was_lost_is_answered_with_the_same_project(gateway, auth):
    client, rpc = gateway
    headers = dict(auth("applicant"), **{"Idempotency-Key": "register-lost"})
    rpc.lose = 1
    answered = retried_after_the_lease(client, "/projects", PROJECT, headers)
    assert answered.status_code == 201, answered.text
    listed = client.simulate_get("/projects", headers=auth("applicant")).json
    assert [p["project_code"] for p in listed["items"]] == [answered.json["project_code"]]
    # the same key for another request is still refused, and a new key registers a new project
    assert client.simulate_post("/projects", json=dict(PROJECT, name="另一个项目"), headers=headers).status_code == 422
    other = client.simulate_post("/projects", json=PROJECT, headers=dict(headers, **{"Idempotency-Key": "register-2"}))
    assert other.status_code == 201 and other.json["project_code"] != answered.json["project_code"]


def test_a_declaration_whose_reply_was_lost_is_not_refused_as_a_second_one(gateway, auth):
    client, rpc = gateway
    headers = auth("applicant")
    code = client.simulate_post("/projects", json=PROJECT, headers=dict(
        headers, **{"Idempotency-Key": "register-3"})).json["project_code"]
    declaration = {"stage": "land_use_planning", "form": FORM, "material_ids": []}
    rpc.lose = 1
    answered = retried_after_the_lease(client, f"/projects/{code}/declarations", declaration,
                                       dict(headers, **{"Idempotency-Key": "declare-lost"}))
    assert answered.status_code == 201, answered.text
    again = client.simulate_post(f"/projects/{code}/declarations", json=declaration,
                                 headers=dict(headers, **{"Idempotency-Key": "declare-new"}))
    assert again.status_code == 409 and "不能重复申报" in again.json["detail"]   # a new request is the domain's to refuse


def test_an_upload_whose_response_was_lost_is_answered_with_the_same_version(gateway, auth):
    client, _ = gateway
    headers = auth("applicant")
    code = client.simulate_post("/projects", json=PROJECT, headers=dict(
        headers, **{"Idempotency-Key": "register-4"})).json["project_code"]
    body, multipart_type = encode_multipart_formdata({"name": "建设项目用地预审与选址意见书",
                                                      "file": ("site.pdf", PDF, "application/pdf")})
    keyed = dict(headers, **{"Content-Type": multipart_type, "Idempotency-Key": "upload-lost"})
    client.uploads.lose = 1
    assert client.simulate_post(f"/projects/{code}/materials", body=body, headers=keyed).status_code == 504
    time.sleep(4.4)
    answered = client.simulate_post(f"/projects/{code}/materials", body=body, headers=keyed)
    assert answered.status_code == 201, answered.text
    assert answered.json["version"] == 1 and answered.json["sha256"] == hashlib.sha256(PDF).hexdigest()
    listed = client.simulate_get(f"/projects/{code}/materials", headers=headers).json["items"]
    assert [(m["material_id"], m["latest_version"]) for m in listed] == [(answered.json["material_id"], 1)]
