"""The gateway's request ids, log lines and metrics: in-process through Falcon's test client, and as
deployed (gunicorn, two workers, metrics served by the master on METRICS_PORT)."""
import io
import json
import logging
import re
import socket

import pytest
import requests
from prometheus_client import REGISTRY

from gateway.tests import test_gateway_server
from platform_kit import logs

# gunicorn in front of stand-in services, as test_gateway_server starts it
services, server = test_gateway_server.services, test_gateway_server.server


def count(method, route, status):
    return REGISTRY.get_sample_value("platform_http_requests_total",
                                     {"method": method, "route": route, "status": str(status)}) or 0


@pytest.mark.parametrize("given, kept", [
    ("5f0c7a4e-8d7b-4a52-9a61-2f3b7e1c9d10", True),
    ("x" * 128, True),
    ("trace 42/α", False),             # not ASCII
    ("x" * 129, False),                # too long
    ("bad\tid", False),                # a control character
    ("client trace 42", False),        # spaces: not an id a log search can quote
])
def test_a_sane_request_id_is_kept_and_any_other_replaced(client, rpc, auth, given, kept):
    answer = client.simulate_get("/projects/P1", headers=dict(auth("applicant"), **{"X-Request-Id": given}))
    assert answer.status_code == 200
    if kept:
        assert answer.headers["X-Request-Id"] == given and rpc.request_ids[-1] == given
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-Id"])
        assert rpc.request_ids[-1] == answer.headers["X-Request-Id"]


def test_requests_are_counted_by_route_template_and_logged_as_json_with_their_request_id(client, auth):
    headers = auth("applicant")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.Formatter(service="gateway", output="json"))
    logger = logging.getLogger("gateway.observability")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    before = (count("GET", "/projects/{code}", 200), count("GET", "(unmatched)", 404))
    try:
        client.simulate_get("/projects/2026-410800-48-01-000001", headers=dict(headers, **{"X-Request-Id": "r-1"}))
        client.simulate_get("/projects/P2", headers=headers)
        client.simulate_get("/no/such/route", headers=headers)
    finally:
        logger.removeHandler(handler)
    assert (count("GET", "/projects/{code}", 200), count("GET", "(unmatched)", 404)) == (before[0] + 2, before[1] + 1)
    assert REGISTRY.get_sample_value("platform_http_request_duration_seconds_count",
                                     {"method": "GET", "route": "/projects/{code}"}) >= 2
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    first = lines[0]
    assert first["event"] == "http request" and first["request_id"] == "r-1" and first["service"] == "gateway"
    assert (first["method"], first["route"], first["status"], first["account"]) == (
        "GET", "/projects/{code}", 200, "applicant")
    assert "2026-410800-48-01-000001" not in stream.getvalue()     # the route, never the raw path
    assert [line["status"] for line in lines] == [200, 200, 404]


@pytest.fixture(autouse=True)
def metrics_port(monkeypatch):
    """The gunicorn started by the ``server`` fixture serves metrics on a port of its own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("METRICS_PORT", str(port))
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    return port


def test_the_master_serves_the_sum_of_its_workers_metrics_on_its_own_port(server, metrics_port, tmp_path):
    token = requests.post(f"{server}/auth/login", json={"account": "applicant", "password": "Demo@2026"},
                          timeout=10).json()["access_token"]
    metrics = f"http://127.0.0.1:{metrics_port}/metrics"
    before = requests.get(metrics, timeout=10).text
    for number in range(20):   # a new connection each: both workers answer some of them
        answer = requests.get(f"{server}/projects/P{number}", headers={
            "Authorization": f"Bearer {token}", "X-Request-Id": f"gunicorn-{number}"}, timeout=10)
        assert answer.status_code == 200 and answer.headers["X-Request-Id"] == f"gunicorn-{number}"
    after = requests.get(metrics, timeout=10).text
    pattern = r'platform_http_requests_total\{method="GET",route="/projects/\{code\}",status="200"\} (\S+)'
    counted = lambda text: sum(float(v) for v in re.findall(pattern, text))  # noqa: E731
    assert counted(after) - counted(before) == 20
    assert requests.get(f"{server}/metrics", timeout=10).status_code == 404   # not on the gateway's port
    log = (tmp_path / "gunicorn.log").read_text()
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert {line["request_id"] for line in lines if line.get("event") == "http request"
            and line["route"] == "/projects/{code}"} == {f"gunicorn-{n}" for n in range(20)}
    assert all(line["service"] == "gateway" for line in lines)
    assert any("Booting worker" in line["event"] for line in lines)   # gunicorn's own lines are JSON too
    # one line per request, the gateway's: gunicorn's access log (the raw request line) is not written
    assert not any(line["logger"] == "gunicorn.access" for line in lines)
    assert "/projects/P1" not in log
