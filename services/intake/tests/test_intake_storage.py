"""Local content-addressed storage: nothing is left behind when an upload or its transaction fails."""
import hashlib

import pytest

from intake.adapters.storage import LocalStorage, chunks_of
from platform_kit.errors import ValidationFailed

PDF = b"%PDF-1.7\n" + b"x" * 1000


def files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_published_content_survives_a_successful_transaction(tmp_path):
    storage = LocalStorage(tmp_path, 1 << 20)
    with storage.staged(chunks_of(PDF, 7), "application/pdf") as staged:
        key = staged.publish()
    digest = hashlib.sha256(PDF).hexdigest()
    assert key == f"{digest[:2]}/{digest}"
    assert files(tmp_path) == [key]
    assert storage.open(key).read() == PDF


def test_a_failed_transaction_removes_what_it_published(tmp_path):
    storage = LocalStorage(tmp_path, 1 << 20)
    with pytest.raises(RuntimeError):
        with storage.staged(chunks_of(PDF), "application/pdf") as staged:
            staged.publish()
            raise RuntimeError("commit failed")
    assert files(tmp_path) == []


def test_a_failed_transaction_keeps_content_stored_earlier(tmp_path):
    storage = LocalStorage(tmp_path, 1 << 20)
    with storage.staged(chunks_of(PDF), "application/pdf") as staged:
        key = staged.publish()
    with pytest.raises(RuntimeError):
        with storage.staged(chunks_of(PDF), "application/pdf") as staged:
            staged.publish()
            raise RuntimeError("commit failed")
    assert files(tmp_path) == [key]


def test_an_upload_refused_midway_leaves_no_temporary_file(tmp_path):
    storage = LocalStorage(tmp_path, 100)
    with pytest.raises(ValidationFailed):
        with storage.staged(chunks_of(PDF, 10), "application/pdf"):
            pytest.fail("an oversized upload must not reach the transaction")

    def broken_stream():
        yield PDF[:50]
        raise ConnectionResetError("client went away")
    with pytest.raises(ConnectionResetError):
        with storage.staged(broken_stream(), "application/pdf"):
            pass
    assert files(tmp_path) == []
