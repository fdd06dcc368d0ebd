"""Material content on local disk, addressed by SHA-256 (``<root>/<aa>/<sha256>``).

An upload is written to a temporary file in ``<root>/.incoming`` while it is inspected, then linked
into place under its content address just before the database transaction commits. If the
transaction fails, the link made for it is removed again (only when this upload created it: content
that was already stored belongs to earlier materials), and the temporary file is always removed, so
a failed upload leaves no orphan file. Identical content is stored once.

With ``MATERIAL_S3_ENDPOINT`` set, content goes to S3-compatible object storage instead, under the
same keys and with the same guarantees (:mod:`intake.adapters.object_storage`).
"""
import contextlib
import os
from pathlib import Path

from nameko.extensions import DependencyProvider

from intake.adapters.object_storage import ObjectStorage
from intake.adapters.staging import staged_upload
from intake.domain.material import remove_content, storage_key

CHUNK = 1 << 16


class StagedContent:
    """An inspected upload waiting in a temporary file for its transaction."""

    def __init__(self, storage, temp_path, facts):
        self.storage = storage
        self.temp_path = temp_path
        self.facts = facts               # {"sha256", "size", "content_type"}
        self.key = storage_key(facts["sha256"])
        self.created = False
        # guard(key, delete): decides, with the database, whether the content of a failed upload may
        # go (no committed version refers to it); None deletes without asking.
        self.guard = None

    def publish(self):
        """Put the content at its address (idempotent for identical content)."""
        final = self.storage.path(self.key)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(self.temp_path, final)
            self.created = True
        except FileExistsError:
            self.created = False
        return self.key

    def discard(self, failed):
        if failed and self.created:
            remove_content(self, lambda: self.storage.delete(self.key))
            self.created = False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp_path)


class LocalStorage:
    def __init__(self, root, max_bytes):
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self.incoming = self.root / ".incoming"

    def path(self, key):
        return self.root / key

    def open(self, key):
        return open(self.path(key), "rb")

    def exists(self, key):
        return self.path(key).is_file()

    def delete(self, key):
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def staged(self, chunks, content_type):
        """Stage an upload (see :mod:`intake.adapters.staging`); yields a :class:`StagedContent`."""
        return staged_upload(chunks, content_type, self.max_bytes, str(self.incoming),
                             lambda temp_path, facts: StagedContent(self, temp_path, facts))


def chunks_of(content, size=CHUNK):
    for start in range(0, len(content), size):
        yield content[start:start + size]


def storage_from_config(config):
    """Local disk by default; S3-compatible object storage when ``MATERIAL_S3_ENDPOINT`` is set
    (uploads are then spooled in ``<MATERIAL_STORAGE_DIR>/.incoming`` while they are inspected)."""
    root = Path(config.get("MATERIAL_STORAGE_DIR") or "var/materials")
    max_bytes = config.get("MATERIAL_MAX_BYTES") or 50 * 1024 * 1024
    if config.get("MATERIAL_S3_ENDPOINT"):
        return ObjectStorage.from_config(config, max_bytes, spool_dir=root / ".incoming")
    return LocalStorage(root, max_bytes)


class MaterialStorage(DependencyProvider):
    """Config: ``MATERIAL_STORAGE_DIR``, ``MATERIAL_MAX_BYTES``, ``MATERIAL_S3_*`` (see
    :func:`storage_from_config`)."""

    def setup(self):
        self.storage = storage_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.storage
