"""A project's stages through the gateway from the real stage service's HTTP read port (RabbitMQ,
PostgreSQL, the port): the same answer as by RPC, the service's refusals as the gateway's problems,
a port that does not answer as 503."""
import dataclasses
import time
import uuid

import pytest
from falcon.testing import TestClient
from nameko.standalone.events import event_dispatcher
from nameko.testing.services import entrypoint_waiter

from gateway.app import create_app
from gateway.read_ports import ReadPort
from counting_rpc import CountingRpc
from platform_kit.calendar import today_in_shanghai
from platform_kit.contracts import Actor, new_event
from stage.service import StageService
from platform_kit.testing import free_port

ORG = "91410800MA47Q0R12X"     # the demo applicant's organisation


@pytest.fixture
def stage(container_factory, service_config):
    port = free_port()
    config = service_config("stage", SWEEP_SECONDS=3600, WEB_SERVER_ADDRESS=f"127.0.0.1:{port}")
    container = container_factory(StageService, config)
    container.start()
    code = f"2026-410800-48-01-{uuid.uuid4().int % 1000000:06d}"
    declared = new_event("declaration.submitted", source="intake", project_code=code,
                         actor=Actor(id="applicant", role="applicant"), payload={
                             "declaration_id": str(uuid.uuid4()), "stage": "land_use_planning",
                             "category": "gov_building", "catalog_version": 1, "region": "410800",
                             "applicant_org": ORG, "project_name": "焦作市第一人民医院门诊楼建设项目",
                             "lead_department": "NRP", "stage_limit_days": 20,
                             "submitted_on": today_in_shanghai(), "form": {"a": 1}, "materials": [],
                             "items": [{"item_code": "NRP-001", "item_name": "建设用地规划许可证", "department": "NRP",
                                        "region": "410800", "limit_days": 10}]})
    with entrypoint_waiter(container, "on_declaration_submitted", timeout=15):
        event_dispatcher(config)("intake", "declaration.submitted", declared.to_wire())
    rpc = CountingRpc(config["AMQP_URI"], timeout=15)
    yield {"address": f"127.0.0.1:{port}", "code": code, "rpc": rpc}
    rpc.close()


@pytest.fixture
def gateway(stage, settings, book):
    ports = []

    def make(address=None, by_rpc=False):
        port = None if by_rpc else ReadPort("stage", address or stage["address"], timeout=5)
        if port is not None:
            ports.append(port)
        return TestClient(create_app(dataclasses.replace(settings, rpc_timeout=5), stage["rpc"], book=book,
                                     read_ports={"stage": port} if port else None))
    yield make
    for port in ports:
        port.close()


def test_the_read_port_answers_as_the_rpc_does_without_a_call_through_the_broker(stage, gateway, auth):
    path, headers = f"/projects/{stage['code']}/stages", auth("applicant")
    stage["rpc"].methods.clear()
    by_port = gateway().simulate_get(path, headers=headers)
    assert by_port.status_code == 200, by_port.text
    assert by_port.headers["content-type"] == "application/json"
    assert "list_stages" not in stage["rpc"].methods
    by_rpc = gateway(by_rpc=True).simulate_get(path, headers=headers)
    assert stage["rpc"].methods.count("list_stages") == 1
    assert by_port.json == by_rpc.json
    assert by_port.json["items"][0]["cases"][0]["item_code"] == "NRP-001"
    paged = gateway().simulate_get(path, headers=headers, params={"limit": 1, "offset": 1}).json
    assert (paged["items"], paged["total"], paged["limit"], paged["offset"]) == ([], 1, 1, 1)


def test_refusals_come_back_as_the_gateways_problems(stage, gateway, auth):
    client, path = gateway(), f"/projects/{stage['code']}/stages"
    other = client.simulate_get(path, headers=auth("hcd-officer"))        # no case of HCD in the stage
    assert other.status_code == 403 and other.headers["content-type"] == "application/problem+json"
    assert other.json["status"] == 403 and other.json["detail"]
    assert client.simulate_get(path).status_code == 401                   # refused at the door
    bad = client.simulate_get(path, headers=auth("applicant"), params={"limit": 0})
    assert bad.status_code == 422                                          # the gateway checks the page first
    assert client.simulate_get(path, headers=auth("nrp-officer")).status_code == 200


def test_a_port_that_does_not_answer_is_a_503_at_once(stage, gateway, auth):
    client = gateway(address=f"127.0.0.1:{free_port()}")                   # nothing listens there
    began = time.monotonic()
    response = client.simulate_get(f"/projects/{stage['code']}/stages", headers=auth("applicant"))
    assert response.status_code == 503, response.text
    assert time.monotonic() - began < 5


def test_a_port_that_answers_too_late_is_a_504_after_its_timeout_once(stage, settings, book, auth):
    """A port that takes the request and never answers: the gateway waits its timeout once (the request
    is not sent again) and answers 504."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted = []

    def accept():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(connection)        # read nothing, answer nothing

    threading.Thread(target=accept, daemon=True).start()
    port = ReadPort("stage", f"127.0.0.1:{listener.getsockname()[1]}", timeout=1.0)
    try:
        client = TestClient(create_app(settings, stage["rpc"], book=book, read_ports={"stage": port}))
        began = time.monotonic()
        response = client.simulate_get(f"/projects/{stage['code']}/stages", headers=auth("applicant"))
        took = time.monotonic() - began
    finally:
        port.close()
        listener.close()
        for connection in accepted:
            connection.close()
    assert response.status_code == 504, response.text
    assert len(accepted) == 1 and took < 5


def test_health_asks_the_read_port_beside_the_services(stage, settings, book):
    only_stage = dataclasses.replace(settings, services=("stage",), health_timeout=2)

    def health(address):
        port = ReadPort("stage", address, timeout=5)
        try:
            return TestClient(create_app(only_stage, stage["rpc"], book=book,
                                         read_ports={"stage": port})).simulate_get("/health")
        finally:
            port.close()

    answered = health(stage["address"])
    assert answered.status_code == 200 and answered.json["services"] == {"stage": "ok", "stage-http": "ok"}
    began = time.monotonic()
    silent = health(f"127.0.0.1:{free_port()}")                              # nothing listens there
    assert silent.status_code == 503 and silent.json["services"]["stage"] == "ok"
    assert silent.json["services"]["stage-http"] != "ok" and "stage-http" in silent.json["detail"]
    assert time.monotonic() - began < 4
