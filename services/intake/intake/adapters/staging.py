"""Staging an upload, whatever the storage behind it.

The bytes go to a temporary file in `spool_dir` while they are inspected (type, size, SHA-256),
so no upload is ever held in memory. The storage's `make(temp_path, facts)` wraps the inspected
file in its staged object (``publish()`` puts it in place before the transaction commits,
``discard(failed)`` cleans up). Whatever happens inside the block, the temporary file is gone
afterwards, and on an error the content the upload put in place is removed through its guard.
"""
import contextlib
import os
import tempfile

from intake.domain.material import Inspection


@contextlib.contextmanager
def staged_upload(chunks, content_type, max_bytes, spool_dir, make):
    if spool_dir:
        os.makedirs(spool_dir, exist_ok=True)
    inspection = Inspection(content_type, max_bytes)
    fd, temp_path = tempfile.mkstemp(dir=spool_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                inspection.feed(chunk)
                fh.write(chunk)
        staged = make(temp_path, inspection.finish(lambda: open(temp_path, "rb")))
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_path)
        raise
    failed = True
    try:
        yield staged
        failed = False
    finally:
        staged.discard(failed)
