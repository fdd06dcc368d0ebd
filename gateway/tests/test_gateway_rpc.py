"""The gateway's RPC client against a real RabbitMQ vhost and a real nameko service."""
import dataclasses
import time

import eventlet
import kombu
import pytest
from falcon.testing import TestClient
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from gateway.app import create_app
from gateway.rpc import RpcClient, RpcTimeout, ServiceUnavailable
from platform_kit.errors import EXPECTED_ERRORS, NotFound
from platform_kit.identity import CONTEXT_KEY, Auth


class RawContext(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return dict(worker_ctx.data, call_id_stack=worker_ctx.call_id_stack)


class FakeIntake:
    """Stands where the intake service will be: same name, same method, trivial behaviour."""

    name = "intake"
    auth = Auth()
    context = RawContext()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project(self, project_code):
        identity = self.auth.identity()
        if project_code == "missing":
            raise NotFound(f"项目 {project_code} 不存在")
        if project_code == "broken":
            raise ZeroDivisionError("internal detail")
        if project_code == "slow":
            eventlet.sleep(2)
        return {"project_code": project_code, "seen_by": identity.sub,
                "token": self.context.get(CONTEXT_KEY), "call_id_stack": self.context.get("call_id_stack")}

    @rpc
    def health(self):
        return {"service": self.name, "status": "ok"}


@pytest.fixture
def intake(container_factory, rabbit_config, jwt_keys):
    config = dict(rabbit_config, JWT_PUBLIC_KEY=jwt_keys["public"], max_workers=4)
    container = container_factory(FakeIntake, config)
    container.start()
    return container


@pytest.fixture
def rpc_client(rabbit_config):
    client = RpcClient(rabbit_config["AMQP_URI"], timeout=5)
    yield client
    client.close()


@pytest.fixture
def gateway(settings, rpc_client, book, intake):
    return TestClient(create_app(dataclasses.replace(settings, health_timeout=2), rpc_client, book=book))


def reply_queues(rabbit_manager, rabbit_config):
    return [q["name"] for q in rabbit_manager.get_queues(rabbit_config["vhost"])
            if q["name"].startswith("rpc.reply-gateway")]


def test_the_callers_token_travels_in_the_call_context(gateway, auth):
    headers = auth("applicant")
    response = gateway.simulate_get("/projects/2026-410800-48-01-000001",
                                    headers=dict(headers, **{"X-Request-Id": "req-0001"}))
    assert response.status_code == 200, response.text
    body = response.json
    assert body["seen_by"] == "applicant"  # the service verified the token itself
    assert body["token"] == headers["Authorization"].split()[1]
    assert body["call_id_stack"][0] == "gateway.get_project.req-0001"
    # another caller over the same connection: the context is per call, not per proxy
    other = gateway.simulate_get("/projects/P2", headers=auth("clerk")).json
    assert other["seen_by"] == "clerk"


def test_remote_expected_and_unexpected_errors_become_problems(gateway, auth, assert_problem):
    headers = auth("applicant")
    body = assert_problem(gateway.simulate_get("/projects/missing", headers=headers), 404)
    assert body["detail"] == "项目 missing 不存在" and body["type"].endswith("not-found")
    body = assert_problem(gateway.simulate_get("/projects/broken", headers=headers), 502)
    assert "internal detail" not in body["detail"] and "ZeroDivision" not in body["detail"]


def test_a_service_with_no_instance_fails_fast(gateway, auth, assert_problem):
    started = time.monotonic()
    assert_problem(gateway.simulate_get("/cases/C1", headers=auth("clerk")), 503)
    assert time.monotonic() - started < 3  # not the 5 s timeout: the broker returned the message
    body = assert_problem(gateway.simulate_get("/health"), 503)
    assert body["services"]["intake"] == "ok"
    assert {name for name, state in body["services"].items() if state != "ok"} == {
        "stage", "consult", "certificate", "supervision"}


def test_many_requests_share_one_reply_queue(gateway, auth, rpc_client, rabbit_manager, rabbit_config):
    headers = auth("applicant")
    for number in range(25):
        assert gateway.simulate_get(f"/projects/P{number}", headers=headers).json["project_code"] == f"P{number}"
    queues = reply_queues(rabbit_manager, rabbit_config)
    assert queues == [rpc_client.reply_queue_name]


def test_timeout_then_the_late_answer_is_not_mistaken_for_the_next(rpc_client, intake, make_token):
    token = make_token("clerk")
    with pytest.raises(RpcTimeout):
        rpc_client.call("intake", "get_project", ["slow"], token=token, timeout=0.5)
    eventlet.sleep(2)  # the slow answer arrives on the shared reply queue meanwhile
    assert rpc_client.call("intake", "get_project", ["P9"], token=token)["project_code"] == "P9"
    with pytest.raises(ServiceUnavailable):
        rpc_client.call("nowhere", "health")


def test_a_timeout_is_a_504_problem(settings, rabbit_config, book, intake, auth, assert_problem):
    impatient = RpcClient(rabbit_config["AMQP_URI"], timeout=0.5)
    try:
        client = TestClient(create_app(settings, impatient, book=book))
        body = assert_problem(client.simulate_get("/projects/slow", headers=auth("clerk")), 504)
        assert "intake.get_project" in body["detail"]
    finally:
        impatient.close()


def test_the_client_reconnects_after_losing_its_connection(rpc_client, intake, make_token):
    token = make_token("clerk")
    assert rpc_client.call("intake", "get_project", ["P1"], token=token)["project_code"] == "P1"
    first_queue = rpc_client.reply_queue_name
    rpc_client._connection.collect()  # the socket goes away under the client, as after a broker restart
    assert rpc_client.call("intake", "get_project", ["P2"], token=token)["project_code"] == "P2"
    assert rpc_client.reply_queue_name != first_queue


def test_a_service_that_ran_once_and_stopped_is_503_at_once(gateway, auth, rabbit_config, assert_problem):
    # stage and consult ran once (their durable queues remain) but are down now: nobody consumes
    exchange = kombu.Exchange("nameko-rpc", type="topic", durable=True)
    with kombu.Connection(rabbit_config["AMQP_URI"]) as connection:
        for name in ("stage", "consult"):
            kombu.Queue(f"rpc-{name}", exchange, routing_key=f"{name}.*", durable=True)(connection.channel()).declare()
        started = time.monotonic()
        body = assert_problem(gateway.simulate_get("/health"), 503)
        assert time.monotonic() - started < 1
        assert all(body["services"][name].startswith("ServiceUnavailable")
                   for name in ("stage", "consult", "certificate", "supervision"))
        assert body["services"]["intake"] == "ok"
        started = time.monotonic()
        action = gateway.simulate_post("/cases/C1/actions", json={"action": "accept"},
                                       headers=dict(auth("nrp-officer"), **{"Idempotency-Key": "k1"}))
        assert assert_problem(action, 503)["type"].endswith("/service-unavailable")
        assert time.monotonic() - started < 1


def test_requests_are_transient_carry_their_deadline_and_expire_unread(rpc_client, rabbit_config):
    """A consumer that takes one request and never answers: the request it holds shows the properties;
    the next one, left in the queue, is gone once its caller's timeout passed."""
    exchange = kombu.Exchange("nameko-rpc", type="topic", durable=True)
    seen = []
    with kombu.Connection(rabbit_config["AMQP_URI"]) as connection:
        channel = connection.channel()
        queue = kombu.Queue("rpc-probe", exchange, routing_key="probe.*", durable=True)(channel)
        queue.declare()
        channel.basic_qos(0, 1, False)  # holds one unacknowledged request, the next waits in the queue
        consumer = kombu.Consumer(channel, [queue], callbacks=[lambda body, message: seen.append(message)])
        consumer.consume()
        for _ in range(2):
            before = time.time()
            with pytest.raises(RpcTimeout):
                rpc_client.call("probe", "work", [1], timeout=0.5)
            connection.drain_events(timeout=0.2) if not seen else None
        message = seen[0]
        assert message.properties["delivery_mode"] == 1 and message.properties["expiration"] == "500"
        deadline = message.headers["x-platform-deadline"]
        assert isinstance(deadline, float) and before - 1 < deadline < time.time() + 1
        eventlet.sleep(0.6)
        assert queue.queue_declare(passive=True).message_count == 0  # expired, never delivered


def test_an_unreachable_broker_is_a_503(settings, book, auth, assert_problem):
    nowhere = RpcClient("pyamqp://guest:guest@127.0.0.1:9/", timeout=2)
    client = TestClient(create_app(settings, nowhere, book=book))
    body = assert_problem(client.simulate_get("/projects/P1", headers=auth("clerk")), 503)
    assert "消息服务不可用" in body["detail"]
    assert_problem(client.simulate_get("/health"), 503)
