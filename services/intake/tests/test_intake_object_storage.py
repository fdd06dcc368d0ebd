"""Material content in S3-compatible object storage: the same guarantees as on local disk.

The round trips run against a REAL MinIO server: the one named by ``MATERIAL_S3_TEST_ENDPOINT``
(with ``MATERIAL_S3_TEST_ACCESS_KEY``, ``MATERIAL_S3_TEST_SECRET_KEY``, ``MATERIAL_S3_TEST_REGION``),
or else a ``minio`` binary on PATH, started on a free port with a temporary data directory. Without
either they are skipped and say why (``pytest -rs``). The choice of backend and the failure paths
that need no server always run.
"""
import base64
import hashlib
import json
import logging
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError, EndpointConnectionError
from nameko.standalone.rpc import ServiceRpcProxy

from intake.adapters.object_storage import ALREADY_STORED, ObjectStorage, ObjectStorageConfigError, main, make_client
from intake.adapters.storage import LocalStorage, chunks_of, storage_from_config
from intake.service import IntakeService
from platform_kit.config import load_service_config
from platform_kit.errors import ValidationFailed
from platform_kit.testing import free_port

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
LIMIT = 1 << 20
MiB = 1 << 20
S3_SETTINGS = {"MATERIAL_S3_ENDPOINT": "http://127.0.0.1:9000", "MATERIAL_S3_BUCKET": "materials",
               "MATERIAL_S3_ACCESS_KEY": "approval", "MATERIAL_S3_SECRET_KEY": "approval-secret",
               "MATERIAL_S3_REGION": "cn-north-1"}


def big_pdf(size, seed=b""):
    head, tail = b"%PDF-1.7\n", b"\n%%EOF\n"
    block = hashlib.sha256(seed).digest() * 2048    # 64 KiB, different for each seed
    body = (block * (size // len(block) + 1))[:size - len(head) - len(tail)]
    return head + body + tail


def spooled(path):
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


# ---------------------------------------------------------------------------------------- a real MinIO
def _started_minio(binary, tmp_path_factory):
    port, console = free_port(), free_port()
    data = tmp_path_factory.mktemp("minio-data")
    log_path = data.parent / "minio.log"
    credentials = {"access_key": "intake-test", "secret_key": "intake-test-secret"}
    env = {**os.environ, "MINIO_ROOT_USER": credentials["access_key"],
           "MINIO_ROOT_PASSWORD": credentials["secret_key"], "MINIO_BROWSER": "off"}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([binary, "server", str(data), "--address", f"127.0.0.1:{port}",
                                    "--console-address", f"127.0.0.1:{console}"],
                                   stdout=log_file, stderr=subprocess.STDOUT, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(f"{endpoint}/minio/health/live", timeout=1).status_code == 200:
                return process, {"endpoint": endpoint, "region": "us-east-1", **credentials}
        except requests.RequestException:
            pass
        time.sleep(0.2)
    process.kill()
    process.wait()
    pytest.fail(f"minio at {binary} did not become healthy: {log_path.read_text(errors='replace')[-2000:]}")


@pytest.fixture(scope="session")
def minio(tmp_path_factory):
    endpoint = os.environ.get("MATERIAL_S3_TEST_ENDPOINT")
    if endpoint:
        yield {"endpoint": endpoint, "access_key": os.environ.get("MATERIAL_S3_TEST_ACCESS_KEY", ""),
               "secret_key": os.environ.get("MATERIAL_S3_TEST_SECRET_KEY", ""),
               "region": os.environ.get("MATERIAL_S3_TEST_REGION") or "us-east-1"}
        return
    binary = shutil.which("minio")
    if not binary:
        pytest.skip("no MinIO server to test against: set MATERIAL_S3_TEST_ENDPOINT (and "
                    "MATERIAL_S3_TEST_ACCESS_KEY / MATERIAL_S3_TEST_SECRET_KEY) or put a `minio` server "
                    "binary on PATH; none of the package registries this machine reaches ships one")
    process, server = _started_minio(binary, tmp_path_factory)
    yield server
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _empty_and_remove(storage):
    client, bucket = storage.client, storage.bucket
    for upload in client.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    for key in objects(storage):
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)


@pytest.fixture
def bucket_settings(minio):
    """Settings naming a fresh bucket of the real server (removed again afterwards)."""
    settings = {"MATERIAL_S3_ENDPOINT": minio["endpoint"], "MATERIAL_S3_BUCKET": f"intake-test-{uuid.uuid4().hex[:12]}",
                "MATERIAL_S3_ACCESS_KEY": minio["access_key"], "MATERIAL_S3_SECRET_KEY": minio["secret_key"],
                "MATERIAL_S3_REGION": minio["region"]}
    yield settings
    storage = ObjectStorage.from_config(settings, LIMIT)
    try:
        storage.client.head_bucket(Bucket=storage.bucket)
    except ClientError:
        return                                   # the test never created it
    _empty_and_remove(storage)


@pytest.fixture
def s3(bucket_settings, tmp_path):
    storage = ObjectStorage.from_config(bucket_settings, LIMIT, spool_dir=tmp_path / "spool")
    assert storage.ensure_bucket() is True
    assert storage.ensure_bucket() is False       # a second replica starting finds it there
    return storage


def objects(storage):
    pages = storage.client.get_paginator("list_objects_v2").paginate(Bucket=storage.bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def pending_uploads(storage):
    return storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads", [])


def read_back(storage, key):
    """Read in 64 KiB pieces, as the HTTP download does."""
    pieces = []
    with storage.open(key) as body:
        while piece := body.read(1 << 16):
            assert len(piece) <= 1 << 16
            pieces.append(piece)
    assert body.closed
    return b"".join(pieces)


def test_published_content_is_stored_under_its_address_and_read_back_streaming(s3, tmp_path):
    with s3.staged(chunks_of(PDF, 7), "application/pdf") as staged:
        key = staged.publish()
        assert staged.created
    digest = hashlib.sha256(PDF).hexdigest()
    assert key == f"{digest[:2]}/{digest}"
    assert objects(s3) == [key]
    assert s3.exists(key)
    assert read_back(s3, key) == PDF
    head = s3.client.head_object(Bucket=s3.bucket, Key=key)
    assert (head["ContentType"], head["ContentLength"], head["Metadata"]) == (
        "application/pdf", len(PDF), {"sha256": digest})
    assert spooled(tmp_path / "spool") == []


def test_a_failed_transaction_removes_the_object_it_created(s3, tmp_path):
    with pytest.raises(RuntimeError):
        with s3.staged(chunks_of(PDF), "application/pdf") as staged:
            staged.publish()
            raise RuntimeError("commit failed")
    assert objects(s3) == []
    assert spooled(tmp_path / "spool") == []


def test_identical_content_is_stored_once_and_kept_when_a_later_transaction_fails(s3):
    with s3.staged(chunks_of(PDF), "application/pdf") as first:
        key = first.publish()
    with pytest.raises(RuntimeError):
        with s3.staged(chunks_of(PDF, 100), "application/pdf") as second:
            assert second.publish() == key
            assert not second.created             # the put was skipped
            raise RuntimeError("commit failed")
    assert objects(s3) == [key]
    assert read_back(s3, key) == PDF


def test_of_two_racing_identical_uploads_only_the_creator_may_delete(s3, monkeypatch, tmp_path):
    """Both looked before either put: the conditional put lets only one count as creator, so the
    other's failed transaction cannot take away content the first one committed."""
    with s3.staged(chunks_of(PDF), "application/pdf") as first:
        key = first.publish()
    other = tmp_path / "other.pdf"
    other.write_bytes(PDF.replace(b"1.7", b"2.0"))
    with pytest.raises(ClientError) as refused:    # not even different bytes replace an object
        s3.put_file(key, str(other), {"content_type": "application/pdf", "sha256": "0" * 64, "size": len(PDF)})
    assert str(refused.value.response["Error"]["Code"]) in ALREADY_STORED
    monkeypatch.setattr(s3, "exists", lambda key: False)    # the second upload looked too early
    with pytest.raises(RuntimeError):
        with s3.staged(chunks_of(PDF), "application/pdf") as second:
            second.publish()
            assert not second.created
            raise RuntimeError("commit failed")
    assert objects(s3) == [key]
    assert read_back(s3, key) == PDF


def test_large_content_goes_up_in_parts_and_a_failed_transaction_leaves_nothing(bucket_settings, tmp_path):
    storage = ObjectStorage.from_config(bucket_settings, 64 * MiB, spool_dir=tmp_path / "spool")
    storage.part_size = 5 * MiB
    storage.ensure_bucket()
    content = big_pdf(12 * MiB + 123, b"kept")
    with storage.staged(chunks_of(content, 1 << 16), "application/pdf") as staged:
        key = staged.publish()
    assert storage.client.head_object(Bucket=storage.bucket, Key=key)["ETag"].strip('"').endswith("-3")
    assert hashlib.sha256(read_back(storage, key)).hexdigest() == hashlib.sha256(content).hexdigest()

    with pytest.raises(RuntimeError):
        with storage.staged(chunks_of(big_pdf(11 * MiB, b"dropped"), 1 << 16), "application/pdf") as staged:
            staged.publish()
            raise RuntimeError("commit failed")
    assert objects(storage) == [key]
    assert pending_uploads(storage) == []
    assert spooled(tmp_path / "spool") == []


class FailingOnSecondPart:
    """The real client, with the connection lost while the second part is sent."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)

    def upload_part(self, **kwargs):
        if kwargs["PartNumber"] == 2:
            raise ConnectionResetError("connection to the object store lost")
        return self._client.upload_part(**kwargs)


def test_a_put_interrupted_midway_aborts_its_multipart_upload(bucket_settings, tmp_path):
    storage = ObjectStorage.from_config(bucket_settings, 64 * MiB, spool_dir=tmp_path / "spool")
    storage.part_size = 5 * MiB
    storage.ensure_bucket()
    storage.client = FailingOnSecondPart(storage.client)
    with pytest.raises(ConnectionResetError):
        with storage.staged(chunks_of(big_pdf(11 * MiB), 1 << 16), "application/pdf") as staged:
            staged.publish()
    assert objects(storage) == []
    assert pending_uploads(storage) == []
    assert spooled(tmp_path / "spool") == []


def test_refused_uploads_never_reach_the_bucket(s3, tmp_path):
    with pytest.raises(ValidationFailed):
        with s3.staged(chunks_of(PDF + b"x" * LIMIT), "application/pdf"):
            pytest.fail("an oversized upload must not reach the transaction")
    with pytest.raises(ValidationFailed):
        with s3.staged(chunks_of(b"\x89PNG\r\n\x1a\n" + b"x" * 100), "application/pdf"):
            pytest.fail("a PNG claimed to be a PDF must not reach the transaction")
    assert objects(s3) == []
    assert spooled(tmp_path / "spool") == []


def test_missing_content_is_reported_as_missing(s3):
    key = f"ab/{'ab' * 32}"
    assert not s3.exists(key)
    with pytest.raises(FileNotFoundError):
        s3.open(key)


def test_the_service_stores_uploads_in_the_bucket_and_reads_them_back(container_factory, service_config, make_token,
                                                                     bucket_settings, tmp_path):
    catalog = json.loads((Path(__file__).resolve().parents[1] / "intake" / "demo_catalog.json").read_text())
    port = free_port()
    config = service_config("intake", WEB_SERVER_ADDRESS=f"127.0.0.1:{port}",
                            MATERIAL_STORAGE_DIR=str(tmp_path / "materials"), MATERIAL_MAX_BYTES=LIMIT,
                            **bucket_settings)
    storage = storage_from_config(config)
    assert isinstance(storage, ObjectStorage)
    storage.ensure_bucket()
    container_factory(IntakeService, config).start()
    operator, applicant = make_token("operator"), make_token("applicant", sub="applicant-1", org="91410800MA47Q0R12X")
    with ServiceRpcProxy("intake", config, context_data={"authorization": operator}, timeout=15) as proxy:
        proxy.load_catalog(catalog)
    with ServiceRpcProxy("intake", config, context_data={"authorization": applicant}, timeout=15) as proxy:
        code = proxy.register_project({"name": "焦作市第一人民医院门诊楼建设项目", "category": "gov_building",
                                       "region": "410800", "attributes": {}})["project_code"]
        uploaded = proxy.upload_material(code, {"name": "建设项目用地预审与选址意见书", "content_type": "application/pdf",
                                                "content_base64": base64.b64encode(PDF).decode()})
        with pytest.raises(ValidationFailed):
            proxy.upload_material(code, {"name": "施工图设计文件", "content_type": "application/pdf",
                                         "content_base64": base64.b64encode(b"GIF89a" + b"x" * 50).decode()})
        whole = proxy.get_material_content(uploaded["material_id"], 1)
    assert base64.b64decode(whole["content_base64"]) == PDF

    drawing = big_pdf(600 * 1024, b"drawing")
    headers = {"Authorization": f"Bearer {applicant}"}
    streamed = requests.post(f"http://127.0.0.1:{port}/projects/{code}/materials", params={"name": "施工图设计文件"},
                             data=chunks_of(drawing, 50_000), headers={**headers, "Content-Type": "application/pdf"},
                             timeout=20)
    assert streamed.status_code == 201, streamed.text
    download = requests.get(f"http://127.0.0.1:{port}/materials/{streamed.json()['material_id']}/versions/1/content",
                            headers=headers, stream=True, timeout=20)
    assert download.status_code == 200
    assert b"".join(download.iter_content(65536)) == drawing

    digests = [hashlib.sha256(PDF).hexdigest(), hashlib.sha256(drawing).hexdigest()]
    assert [uploaded["sha256"], streamed.json()["sha256"]] == digests
    assert objects(storage) == sorted(f"{d[:2]}/{d}" for d in digests)
    assert not any(p.is_file() for p in (tmp_path / "materials").rglob("*"))   # nothing kept on local disk


# ---------------------------------------------------------------------------------------- no server needed
def test_local_disk_is_the_default(tmp_path):
    storage = storage_from_config({"MATERIAL_STORAGE_DIR": str(tmp_path), "MATERIAL_MAX_BYTES": 1234,
                                   **{key: "" for key in S3_SETTINGS}})
    assert isinstance(storage, LocalStorage)
    assert (storage.root, storage.max_bytes) == (tmp_path, 1234)


def test_object_storage_is_chosen_when_an_endpoint_is_set(tmp_path):
    storage = storage_from_config({"MATERIAL_STORAGE_DIR": str(tmp_path), "MATERIAL_MAX_BYTES": 1234, **S3_SETTINGS})
    assert isinstance(storage, ObjectStorage)
    assert (storage.bucket, storage.max_bytes, storage.spool_dir) == ("materials", 1234, str(tmp_path / ".incoming"))
    meta = storage.client.meta
    assert (meta.endpoint_url, meta.region_name) == ("http://127.0.0.1:9000", "cn-north-1")
    assert meta.config.s3["addressing_style"] == "path"
    default_region = storage_from_config({**S3_SETTINGS, "MATERIAL_S3_REGION": ""})
    assert default_region.client.meta.region_name == "us-east-1"


def test_config_yml_takes_the_settings_from_the_environment(monkeypatch):
    for key in S3_SETTINGS:
        monkeypatch.delenv(key, raising=False)
    assert isinstance(storage_from_config(load_service_config("intake")), LocalStorage)
    for key, value in {**S3_SETTINGS, "MATERIAL_S3_SECRET_KEY": "12345678"}.items():
        monkeypatch.setenv(key, value)
    config = load_service_config("intake")
    assert config["MATERIAL_S3_SECRET_KEY"] == "12345678"          # stays text, not a number
    assert isinstance(storage_from_config(config), ObjectStorage)


@pytest.mark.parametrize("change, complaint", [
    ({"MATERIAL_S3_BUCKET": ""}, "MATERIAL_S3_BUCKET"),
    ({"MATERIAL_S3_ACCESS_KEY": ""}, "MATERIAL_S3_ACCESS_KEY"),
    ({"MATERIAL_S3_SECRET_KEY": None}, "MATERIAL_S3_SECRET_KEY"),
    ({"MATERIAL_S3_ENDPOINT": "minio:9000"}, "http:// or https://"),
    ({"MATERIAL_S3_ENDPOINT": "ftp://minio:9000"}, "http:// or https://"),
])
def test_incomplete_settings_are_refused_when_the_service_starts(change, complaint):
    with pytest.raises(ObjectStorageConfigError, match=complaint):
        storage_from_config({**S3_SETTINGS, **change})


@pytest.fixture
def unreachable(tmp_path):
    """Object storage whose server is not there: any request it made would fail."""
    client = make_client(f"http://127.0.0.1:{free_port()}", "approval", "approval-secret", timeout=2)
    return ObjectStorage(client, "materials", 100 * 1024, spool_dir=tmp_path / "spool")


def test_uploads_refused_while_staging_make_no_request_and_leave_no_temporary_file(unreachable, tmp_path):
    with pytest.raises(ValidationFailed):
        with unreachable.staged(chunks_of(PDF * 100, 10), "application/pdf"):
            pytest.fail("an oversized upload must not reach the transaction")
    with pytest.raises(ValidationFailed):
        with unreachable.staged(chunks_of(PDF), "image/gif"):
            pass

    def broken_stream():
        yield PDF[:50]
        raise ConnectionResetError("client went away")
    with pytest.raises(ConnectionResetError):
        with unreachable.staged(broken_stream(), "application/pdf"):
            pass
    assert spooled(tmp_path / "spool") == []


def test_an_unreachable_store_fails_the_upload_before_commit_and_leaves_nothing(unreachable, tmp_path):
    committed = []
    with pytest.raises(EndpointConnectionError):
        with unreachable.staged(chunks_of(PDF), "application/pdf") as staged:
            staged.publish()
            committed.append(staged.key)        # the transaction is never reached
    assert committed == []
    assert spooled(tmp_path / "spool") == []


def test_a_failed_cleanup_is_logged_without_hiding_the_transaction_error(unreachable, tmp_path, caplog):
    with pytest.raises(RuntimeError, match="commit failed"):
        with unreachable.staged(chunks_of(PDF), "application/pdf") as staged:
            staged.created = True              # as if its put had succeeded before the store went away
            raise RuntimeError("commit failed")
    assert any(record.levelno == logging.ERROR and staged.key in record.getMessage() for record in caplog.records)
    assert spooled(tmp_path / "spool") == []


def test_ensure_bucket_command_needs_no_server_for_local_disk(monkeypatch, capsys):
    monkeypatch.delenv("MATERIAL_S3_ENDPOINT", raising=False)
    assert main(["ensure-bucket"]) == 0
    assert "local disk" in capsys.readouterr().out
