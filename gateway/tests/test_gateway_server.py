"""The gateway as deployed: gunicorn with gateway/gunicorn.conf.py and get_app(), configured by the
environment, in front of nameko services on a real RabbitMQ vhost, accounts in PostgreSQL."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import threading

import eventlet
import pytest
import requests
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from platform_kit.errors import EXPECTED_ERRORS, NotFound
from platform_kit.identity import CONTEXT_KEY, Auth
from platform_kit.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Token(DependencyProvider):
    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get(CONTEXT_KEY)


class Healthy:
    @rpc
    def health(self):
        return {"service": self.name, "status": "ok"}


class Intake(Healthy):
    name = "intake"
    auth = Auth()
    token = Token()

    @rpc(expected_exceptions=EXPECTED_ERRORS)
    def get_project(self, project_code):
        identity = self.auth.identity()
        if project_code == "missing":
            raise NotFound("项目不存在")
        if project_code == "slow":
            eventlet.sleep(3)
        return {"project_code": project_code, "seen_by": identity.sub, "token": self.token}


@pytest.fixture
def services(container_factory, rabbit_config, jwt_keys):
    config = dict(rabbit_config, JWT_PUBLIC_KEY=jwt_keys["public"], max_workers=4)
    for cls in (Intake,) + tuple(type(name.title(), (Healthy,), {"name": name})
                                 for name in ("stage", "consult", "certificate", "supervision")):
        container_factory(cls, config).start()
    return config


@pytest.fixture
def server(services, postgres, jwt_keys, tmp_path):
    port = free_port()
    env = dict(os.environ, AMQP_URI=services["AMQP_URI"], GATEWAY_DATABASE_URL=postgres.fresh("gateway"),
               JWT_PRIVATE_KEY_FILE=jwt_keys["private_file"], JWT_PUBLIC_KEY_FILE=jwt_keys["public_file"],
               GATEWAY_PORT=str(port), GATEWAY_WORKERS="2", GATEWAY_BODY_TIMEOUT="2", PYTHONUNBUFFERED="1")
    env.pop("GATEWAY_BIND", None)
    subprocess.run([sys.executable, "-m", "gateway.accounts", "seed-demo"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    log = open(tmp_path / "gunicorn.log", "wb")
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py", "gateway.app:get_app()"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                if requests.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except requests.RequestException:   # not listening yet, or too busy starting to answer
                pass
            assert process.poll() is None and time.time() < deadline, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(20)
        log.close()


def test_gunicorn_serves_the_platform_with_one_reply_queue_per_worker(server, rabbit_manager, rabbit_config):
    health = requests.get(f"{server}/health", timeout=10).json()
    assert health == {"status": "ok", "services": {name: "ok" for name in
                                                  ("intake", "stage", "consult", "certificate", "supervision")}}
    login = requests.post(f"{server}/auth/login", json={"account": "applicant", "password": "Demo@2026"}, timeout=10)
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for number in range(30):
        response = session.get(f"{server}/projects/P{number}", timeout=10)
        assert response.status_code == 200 and response.json() == {
            "project_code": f"P{number}", "seen_by": "applicant", "token": token}
    missing = session.get(f"{server}/projects/missing", timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"].startswith("application/problem+json")
    assert requests.get(f"{server}/projects/P1", timeout=10).status_code == 401
    replies = [q["name"] for q in rabbit_manager.get_queues(rabbit_config["vhost"])
               if q["name"].startswith("rpc.reply-gateway")]
    assert 1 <= len(replies) <= 2  # one per worker that has served, however many requests
    assert requests.get(f"{server}/openapi.json", timeout=10).json()["openapi"].startswith("3.1")


def trickle(url, stop, answers):
    """A client that announces a 1000-byte body and sends one byte of it every 0.2 s."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"POST /auth/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{")
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                answer = sock.recv(4096)
            except socket.timeout:
                try:
                    sock.sendall(b" ")
                except OSError:
                    break
                continue
            answers.append(answer)
            break


def test_trickling_clients_and_a_slow_service_do_not_block_health(server):
    stop, answers = threading.Event(), []
    clients = [threading.Thread(target=trickle, args=(server, stop, answers)) for _ in range(6)]
    token = requests.post(f"{server}/auth/login", json={"account": "applicant", "password": "Demo@2026"},
                          timeout=10).json()["access_token"]
    slow = [threading.Thread(target=requests.get, args=(f"{server}/projects/slow",),
                             kwargs={"headers": {"Authorization": f"Bearer {token}"}, "timeout": 10}) for _ in range(2)]
    try:
        for thread in clients + slow:
            thread.start()
        eventlet.sleep(0.5)
        for _ in range(5):  # six clients trickle bodies and two wait for a slow service meanwhile
            started = time.monotonic()
            assert requests.get(f"{server}/health", timeout=5).status_code == 200
            assert time.monotonic() - started < 1
            eventlet.sleep(0.2)
        for thread in clients:  # each is told 408 once its body's time (2 s here) is over, and cut off
            thread.join(10)
        assert len(answers) == 6 and all(answer.startswith(b"HTTP/1.1 408") for answer in answers), answers
    finally:
        stop.set()
        for thread in clients + slow:
            thread.join(10)


def test_a_service_that_ran_once_and_is_not_running_is_503_within_a_second(server, services):
    import kombu
    with kombu.Connection(services["AMQP_URI"]) as connection:  # its durable queue remains, unconsumed
        kombu.Queue("rpc-exchange", kombu.Exchange("nameko-rpc", type="topic", durable=True), routing_key="exchange.*",
                    durable=True)(connection.channel()).declare()
    token = requests.post(f"{server}/auth/login", json={"account": "operator", "password": "Demo@2026"},
                          timeout=10).json().get("access_token") or requests.post(
        f"{server}/auth/login", json={"account": "applicant", "password": "Demo@2026"}, timeout=10).json()["access_token"]
    for _ in range(3):
        started = time.monotonic()
        response = requests.get(f"{server}/exchange/status", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 503 and response.headers["Retry-After"]
        assert response.json()["type"].endswith("/service-unavailable")
        assert time.monotonic() - started < 1
