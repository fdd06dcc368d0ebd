"""A reply lost after the service acted: the gateway's retry is answered with the first answer, through the
real intake service (RabbitMQ, PostgreSQL), not refused as a second declaration or doubled as a second project."""
import dataclasses
import json
import time
from pathlib import Path

import pytest
from falcon.testing import TestClient

from gateway.app import create_app
from gateway.rpc import OutcomeUnknown, RpcClient
from intake.service import IntakeService

CATALOG = json.loads((Path(__file__).resolve().parents[2] / "services/intake/intake/demo_catalog.json").read_text())
FORM = {"construction_site": "焦作市解放区人民路北侧", "floor_area_m2": 12500.5, "investment_10k_yuan": 8600,
        "contact_name": "王建国", "contact_phone": "13903910000"}
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


@pytest.fixture
def gateway(container_factory, service_config, settings, book, make_token):
    config = service_config("intake")
    container_factory(IntakeService, config).start()
    rpc = LosingRpc(config["AMQP_URI"], timeout=15)
    rpc.call("intake", "load_catalog", [CATALOG], token=make_token("operator"))
    # a call may run 4 s; its key is leased 4.2 s; a retry does not wait for a pending key
    quick = dataclasses.replace(settings, rpc_timeout=4, idempotency_grace=0.2, idempotency_wait=0)
    yield TestClient(create_app(quick, rpc, book=book)), rpc
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
