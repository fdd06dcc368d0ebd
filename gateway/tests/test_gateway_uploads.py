"""Material uploads through the gateway into the real intake service (RabbitMQ, PostgreSQL, its HTTP port).

With intake's streaming endpoint configured the file goes to it as an HTTP body read block by block
from the gateway's spool; without it, base64 inside the upload_material RPC message.
"""
import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from falcon.testing import TestClient
from urllib3 import encode_multipart_formdata

from gateway.app import create_app
from counting_rpc import CountingRpc
from gateway.uploads import IntakeHttp
from intake.service import IntakeService
from platform_kit.testing import free_port

CATALOG = json.loads((Path(__file__).resolve().parents[2] / "services/intake/intake/demo_catalog.json").read_text())
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 8000 + b"\n%%EOF\n"  # ~2 MB: more than the spool keeps in memory


@pytest.fixture
def intake(container_factory, service_config, tmp_path, make_token):
    port = free_port()
    config = service_config("intake", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                            MATERIAL_STORAGE_DIR=str(tmp_path / "materials"), MATERIAL_MAX_BYTES=4 << 20)
    container_factory(IntakeService, config).start()
    rpc = CountingRpc(config["AMQP_URI"], timeout=15)
    rpc.call("intake", "load_catalog", [CATALOG], token=make_token("operator"))
    yield {"config": config, "address": f"127.0.0.1:{port}", "rpc": rpc}
    rpc.close()


@pytest.fixture
def project(intake, settings, book, auth):
    """gateway(streaming) -> TestClient; registers the applicant's project through it."""
    def gateway(streaming=True, address=None):
        uploads = IntakeHttp(address or intake["address"], timeout=15) if streaming else None
        return TestClient(create_app(dataclasses.replace(settings, material_max_bytes=4 << 20), intake["rpc"],
                                     book=book, uploads=uploads))

    headers = auth("applicant")
    registered = gateway().simulate_post("/projects", headers=headers, json={
        "name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building", "region": "410800", "attributes": {}})
    assert registered.status_code == 201, registered.text
    return {"gateway": gateway, "code": registered.json["project_code"], "headers": headers}


def upload(client, code, headers, content=PDF, content_type="application/pdf", name="建设项目用地预审与选址意见书",
           form=None, **extra):
    body, multipart_type = encode_multipart_formdata(dict(form or {}, name=name,
                                                          file=("site.pdf", content, content_type)))
    return client.simulate_post(f"/projects/{code}/materials", body=body,
                                headers=dict(headers, **{"Content-Type": multipart_type}, **extra))


def test_a_material_streams_to_intakes_http_endpoint(intake, project):
    client = project["gateway"](streaming=True)
    intake["rpc"].methods.clear()
    response = upload(client, project["code"], project["headers"])
    assert response.status_code == 201, response.text
    assert response.json["sha256"] == hashlib.sha256(PDF).hexdigest() and response.json["size"] == len(PDF)
    assert response.json["uploaded_by"] == "applicant"
    assert "upload_material" not in intake["rpc"].methods  # the file did not travel in an RPC message
    listed = client.simulate_get(f"/projects/{project['code']}/materials", headers=project["headers"]).json
    assert [m["material_id"] for m in listed["items"]] == [response.json["material_id"]]


def test_a_material_downloads_as_a_stream_or_over_rpc(intake, project, auth, assert_problem):
    streaming = project["gateway"](streaming=True)
    stored = upload(streaming, project["code"], project["headers"]).json
    path = f"/materials/{stored['material_id']}/versions/1/content"
    intake["rpc"].methods.clear()
    response = streaming.simulate_get(path, headers=project["headers"])
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert int(response.headers["Content-Length"]) == len(PDF)
    assert intake["rpc"].methods == []  # the file came over intake's HTTP port
    over_rpc = project["gateway"](streaming=False).simulate_get(path, headers=project["headers"])
    assert over_rpc.status_code == 200 and over_rpc.content == PDF
    assert intake["rpc"].methods == ["get_material_content"]
    assert_problem(streaming.simulate_get(path.replace("/1/", "/9/"), headers=project["headers"]), 404)
    other = auth("applicant")  # same org: allowed; an unknown caller is not
    assert streaming.simulate_get(path, headers=other).status_code == 200
    assert_problem(streaming.simulate_get(path), 401)


def test_without_the_endpoint_the_material_travels_base64_over_rpc(intake, project):
    client = project["gateway"](streaming=False)
    small = b"%PDF-1.4\n%%EOF\n"
    response = upload(client, project["code"], project["headers"], content=small)
    assert response.status_code == 201, response.text
    assert response.json["sha256"] == hashlib.sha256(small).hexdigest()
    assert intake["rpc"].methods[-1] == "upload_material"


def test_intakes_refusals_come_back_as_problems(intake, project, auth, assert_problem):
    client = project["gateway"](streaming=True)
    body = assert_problem(upload(client, project["code"], project["headers"], content=b"plain text",
                                 content_type="text/plain"), 422)
    assert body["errors"]
    assert_problem(upload(client, "2026-410800-48-01-999999", project["headers"]), 404)
    assert_problem(upload(client, project["code"], auth("nrp-officer")), 403)


def test_an_unreachable_endpoint_is_a_503(intake, project, assert_problem):
    client = project["gateway"](streaming=True, address=f"127.0.0.1:{free_port()}")
    assert_problem(upload(client, project["code"], project["headers"]), 503)


def test_a_retried_upload_with_its_idempotency_key_is_stored_once(intake, project, assert_problem):
    client = project["gateway"](streaming=True)
    headers = dict(project["headers"], **{"Idempotency-Key": "upload-site-pdf"})
    first = upload(client, project["code"], headers)
    again = upload(client, project["code"], headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert_problem(upload(client, project["code"], headers, content=PDF + b"changed"), 422)
    listed = client.simulate_get(f"/projects/{project['code']}/materials", headers=project["headers"]).json
    assert listed["total"] == 1 and listed["items"][0]["latest_version"] == 1


def test_a_paper_original_scanned_at_the_window_streams_with_its_counts(intake, project, auth, assert_problem):
    client = project["gateway"](streaming=True)
    paper = {"channel": "paper", "paper_copies": "2", "paper_pages": "12"}
    stored = upload(client, project["code"], auth("clerk"), form=paper)
    assert stored.status_code == 201, stored.text
    assert (stored.json["channel"], stored.json["paper_copies"], stored.json["paper_pages"]) == ("paper", 2, 12)
    assert_problem(upload(client, project["code"], project["headers"], form=paper), 403)  # window clerks only
