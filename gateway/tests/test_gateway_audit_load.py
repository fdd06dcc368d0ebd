"""The audit chain under load: two gateway replicas of two gunicorn workers each, on one database,
answer thousands of concurrent requests; every request is in the chain once and the chain verifies.
The same on SQLite (the local ``--sqlite`` mode), with one replica."""
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from platform_kit.migrate import upgrade

from gateway.audit.__main__ import main as audit_cli
from gateway.audit.trail import AuditTrail
from platform_kit.testing import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def start_replica(database_url, jwt_keys, log_path):
    port = free_port()
    env = dict(os.environ, GATEWAY_DATABASE_URL=database_url, AMQP_URI="pyamqp://guest:guest@127.0.0.1:5672/",
               JWT_PRIVATE_KEY_FILE=jwt_keys["private_file"], JWT_PUBLIC_KEY_FILE=jwt_keys["public_file"],
               GATEWAY_PORT=str(port), GATEWAY_WORKERS="2", PYTHONUNBUFFERED="1")
    env.pop("GATEWAY_BIND", None)
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gateway/gunicorn.conf.py", "gateway.app:get_app()"],
                               cwd=ROOT, env=env, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:  # /openapi.json is not audited
        try:
            if requests.get(f"{url}/openapi.json", timeout=5).status_code == 200:
                return process, url
        except requests.RequestException:   # not listening yet, or too busy starting to answer
            pass
        if time.time() > deadline or process.poll() is not None:
            raise AssertionError(Path(log_path).read_text()[-3000:])
        time.sleep(0.2)


def request(url, n):
    session_headers = {"X-Request-Id": f"load-{n}"}
    if n % 2:
        response = requests.get(f"{url}/materials/m-{n}/versions/1/content", headers=session_headers, timeout=30)
    else:
        response = requests.get(f"{url}/cases", headers=session_headers, timeout=30)
    assert response.status_code == 401 and response.headers["X-Request-Id"] == f"load-{n}"
    return n


def run_load(database_url, jwt_keys, tmp_path, replicas, total, monkeypatch, capsys):
    upgrade("gateway", database_url)
    started = [start_replica(database_url, jwt_keys, tmp_path / f"gateway-{i}.log") for i in range(replicas)]
    try:
        with ThreadPoolExecutor(max_workers=16) as pool:
            done = list(pool.map(lambda n: request(started[n % replicas][1], n), range(total)))
        assert len(done) == total
    finally:
        for process, _ in started:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(20)
    trail = AuditTrail(database_url)
    try:
        stored = list(trail.records())
    finally:
        trail.dispose()
    assert sorted(r["request_id"] for r in stored) == sorted(f"load-{n}" for n in range(total))
    assert [r["seq"] for r in stored] == list(range(1, total + 1))
    assert {r["object_ids"].get("material_id") for r in stored if r["event"] == "download"} == \
        {f"m-{n}" for n in range(1, total, 2)}
    monkeypatch.setenv("GATEWAY_DATABASE_URL", database_url)
    assert audit_cli(["verify"]) == 0
    assert f"{total} records" in capsys.readouterr().out


def test_thousands_of_concurrent_requests_on_two_replicas_make_one_intact_chain(postgres, jwt_keys, tmp_path,
                                                                              monkeypatch, capsys):
    run_load(postgres.fresh("gateway"), jwt_keys, tmp_path, replicas=2, total=2000, monkeypatch=monkeypatch,
             capsys=capsys)


def test_the_chain_holds_on_sqlite_with_several_workers(jwt_keys, tmp_path, monkeypatch, capsys):
    run_load(f"sqlite:///{tmp_path / 'gateway.db'}", jwt_keys, tmp_path, replicas=1, total=400,
             monkeypatch=monkeypatch, capsys=capsys)
