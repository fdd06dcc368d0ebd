"""Streamed material upload over intake's HTTP entrypoint (real server, RabbitMQ and PostgreSQL)."""
import base64
import hashlib
import json
import socket
import time
from pathlib import Path

import pytest
import requests
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import create_engine, text

from intake.service import IntakeService
from platform_kit.identity import Identity, issue_token
from platform_kit.testing import ed25519_pem_pair
from platform_kit.testing import free_port

CATALOG = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
ORG = "91410800MA47Q0R12X"
LIMIT = 1 << 20
BIG_PDF = b"%PDF-1.7\n" + bytes(range(256)) * 2000 + b"\n%%EOF\n"   # ~0.5 MB


@pytest.fixture
def intake(container_factory, service_config, tmp_path, make_token):
    port = free_port()
    config = service_config("intake", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                            MATERIAL_STORAGE_DIR=str(tmp_path / "materials"), MATERIAL_MAX_BYTES=LIMIT)
    container_factory(IntakeService, config).start()
    tokens = {"operator": make_token("operator"), "applicant": make_token("applicant", sub="applicant-1", org=ORG),
              "other": make_token("applicant", sub="applicant-2", org="91410800MA00000001")}
    with ServiceRpcProxy("intake", config, context_data={"authorization": tokens["operator"]}, timeout=15) as proxy:
        proxy.load_catalog(CATALOG)
    with ServiceRpcProxy("intake", config, context_data={"authorization": tokens["applicant"]}, timeout=15) as proxy:
        code = proxy.register_project({"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                       "region": "410800", "attributes": {}})["project_code"]
    return {"config": config, "url": f"http://127.0.0.1:{port}", "port": port, "code": code, "tokens": tokens,
            "storage": tmp_path / "materials"}


def post(intake, body, token="applicant", content_type="application/pdf", code=None, **params):
    headers = {"Content-Type": content_type}
    if token:
        headers["Authorization"] = f"Bearer {intake['tokens'].get(token, token)}"
    return requests.post(f"{intake['url']}/projects/{code or intake['code']}/materials",
                         params={"name": "施工图设计文件", **params}, data=body, headers=headers, timeout=20)


def stored_files(intake):
    root = intake["storage"]
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def rows(intake, table):
    engine = create_engine(intake["config"]["DATABASE_URL"])
    with engine.connect() as conn:
        value = conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    engine.dispose()
    return value


def test_streamed_upload_with_length_and_chunked(intake):
    response = post(intake, BIG_PDF)
    assert response.status_code == 201, response.text
    body = response.json()
    digest = hashlib.sha256(BIG_PDF).hexdigest()
    assert (body["version"], body["sha256"], body["size"], body["name"]) == (1, digest, len(BIG_PDF), "施工图设计文件")
    assert (intake["storage"] / digest[:2] / digest).read_bytes() == BIG_PDF

    newer = BIG_PDF.replace(b"1.7", b"2.0", 1)

    def pieces():   # no Content-Length: chunked transfer encoding
        for start in range(0, len(newer), 50_000):
            yield newer[start:start + 50_000]
    chunked = post(intake, pieces(), material_id=body["material_id"])
    assert chunked.status_code == 201, chunked.text
    assert (chunked.json()["material_id"], chunked.json()["version"]) == (body["material_id"], 2)
    assert chunked.json()["sha256"] == hashlib.sha256(newer).hexdigest()
    assert len(stored_files(intake)) == 2


def test_refusals_are_problems_and_leave_nothing(intake):
    cases = [
        (dict(body=BIG_PDF, content_type="image/png"), 422),
        (dict(body=b"%PDF-" + b"0" * (LIMIT + 10)), 422),
        (dict(body=b""), 422),
        (dict(body=BIG_PDF, content_type="text/plain"), 422),
        (dict(body=BIG_PDF, token=None), 401),
        (dict(body=BIG_PDF, token=issue_token(ed25519_pem_pair()[0], Identity(sub="x", role="applicant", name="x",
                                                                             org=ORG))), 401),
        (dict(body=BIG_PDF, token="other"), 403),
        (dict(body=BIG_PDF, code="2026-410800-48-01-999999"), 404),
        (dict(body=BIG_PDF, code="not-a-code"), 422),
    ]
    for kwargs, status in cases:
        response = post(intake, **kwargs)
        assert response.status_code == status, (kwargs.get("content_type"), response.text)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.json()["status"] == status and response.json()["title"]
    assert stored_files(intake) == []
    assert rows(intake, "material_versions") == 0


def test_an_upload_cut_off_midway_stores_nothing(intake):
    token = intake["tokens"]["applicant"]
    with socket.create_connection(("127.0.0.1", intake["port"])) as sock:
        sock.sendall((f"POST /projects/{intake['code']}/materials?name=x HTTP/1.1\r\nHost: intake\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: application/pdf\r\n"
                      f"Content-Length: {len(BIG_PDF)}\r\n\r\n").encode() + BIG_PDF[:200_000])
        time.sleep(0.5)
    with socket.create_connection(("127.0.0.1", intake["port"])) as sock:   # chunked, never terminated
        sock.sendall((f"POST /projects/{intake['code']}/materials?name=x HTTP/1.1\r\nHost: intake\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: application/pdf\r\n"
                      f"Transfer-Encoding: chunked\r\n\r\n").encode()
                     + b"%x\r\n" % 100_000 + BIG_PDF[:100_000] + b"\r\n" + b"%x\r\n" % 50_000 + BIG_PDF[:1000])
        time.sleep(0.5)
    deadline = time.time() + 5
    while stored_files(intake) and time.time() < deadline:
        time.sleep(0.1)
    assert stored_files(intake) == []
    assert rows(intake, "material_versions") == 0
    assert post(intake, BIG_PDF).status_code == 201   # the server is fine afterwards


def test_materials_are_read_back_whole_or_streamed(intake):
    uploaded = post(intake, BIG_PDF).json()
    config, tokens = intake["config"], intake["tokens"]
    url = f"{intake['url']}/materials/{uploaded['material_id']}/versions/1/content"
    response = requests.get(url, headers={"Authorization": f"Bearer {tokens['applicant']}"}, stream=True, timeout=20)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert response.headers["ETag"] == f'"{uploaded["sha256"]}"'
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert b"".join(response.iter_content(65536)) == BIG_PDF
    assert requests.get(url, headers={"Authorization": f"Bearer {tokens['other']}"}, timeout=20).status_code == 403
    assert requests.get(url.replace("/versions/1/", "/versions/9/"),
                        headers={"Authorization": f"Bearer {tokens['applicant']}"}, timeout=20).status_code == 404

    with ServiceRpcProxy("intake", config, context_data={"authorization": tokens["applicant"]}, timeout=15) as proxy:
        whole = proxy.get_material_content(uploaded["material_id"], 1)
        assert base64.b64decode(whole["content_base64"]) == BIG_PDF and whole["sha256"] == uploaded["sha256"]
        digest = uploaded["sha256"]
        (intake["storage"] / digest[:2] / digest).write_bytes(BIG_PDF[:-1] + b"?")   # damaged on disk
        with pytest.raises(Exception) as err:
            proxy.get_material_content(uploaded["material_id"], 1)
        assert "does not match its SHA-256" in str(err.value)   # never served as if it were the original
