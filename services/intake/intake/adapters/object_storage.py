"""Material content in S3-compatible object storage (MinIO in docker-compose), addressed by SHA-256.

Same contract as :class:`intake.adapters.storage.LocalStorage`, with the object key ``<aa>/<sha256>``
in one bucket. An upload is spooled to a temporary file while it is inspected (type, size, hash), so
no more than one chunk of it is held in memory; just before the database transaction commits it is
put under its content address: one streamed PUT for small content, a multipart upload of
``PART_SIZE`` parts otherwise (never more than one part in memory). The put is skipped when the
object already exists (identical content is stored once), and it is conditional (``If-None-Match:
*``) so that of two identical uploads racing, only the one whose put created the object counts as
its creator. If the transaction fails, the object is deleted again only when this upload created
it (content that was already stored belongs to earlier materials), an unfinished multipart upload
is aborted, and the temporary file is always removed: a failed upload leaves no orphan.

Reading back streams as well: :meth:`ObjectStorage.open` returns a reader of the response body.
"""
import contextlib
import io
import logging
import os
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from intake.adapters.staging import staged_upload
from intake.domain.material import remove_content, storage_key

log = logging.getLogger(__name__)

# S3 requires at least 5 MiB for every part but the last; 8 MiB keeps a 50 MiB material to 7 parts.
PART_SIZE = 8 * 1024 * 1024
DEFAULT_REGION = "us-east-1"
NOT_FOUND = {"404", "NoSuchKey", "NotFound"}
# If-None-Match: * refused because the key exists (412), or a concurrent put of the key won (409).
ALREADY_STORED = {"412", "PreconditionFailed"}
CONCURRENT_PUT = {"409", "ConditionalRequestConflict"}


class ObjectStorageConfigError(ValueError):
    """The MATERIAL_S3_* settings are incomplete or malformed (raised when the service starts)."""


def error_code(error):
    return str(error.response.get("Error", {}).get("Code", ""))


def make_client(endpoint, access_key, secret_key, region=None, timeout=30):
    """An S3 client for an explicit endpoint with explicit keys: nothing is looked up elsewhere."""
    parts = urlsplit(endpoint or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ObjectStorageConfigError(
            f"MATERIAL_S3_ENDPOINT must be an http:// or https:// URL, got {endpoint!r}")
    if not access_key or not secret_key:
        # Without both keys boto3 would go searching for credentials (environment, instance
        # metadata); the platform only ever uses the keys it was configured with.
        raise ObjectStorageConfigError("MATERIAL_S3_ACCESS_KEY and MATERIAL_S3_SECRET_KEY are required "
                                       "when MATERIAL_S3_ENDPOINT is set")
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},               # MinIO and most S3-compatible servers
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=min(timeout, 5), read_timeout=timeout,
        # Checksums only where the protocol demands them: not every S3-compatible server
        # understands the newer flexible-checksum headers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    session = boto3.session.Session()
    return session.client("s3", endpoint_url=endpoint, aws_access_key_id=access_key,
                          aws_secret_access_key=secret_key, region_name=region or DEFAULT_REGION,
                          config=config)


class ObjectReader(io.RawIOBase):
    """The body of a stored object, read as it arrives from the store (never all at once unless
    asked); a file-like context manager like the one :meth:`LocalStorage.open` returns."""

    def __init__(self, body):
        self._body = body            # botocore StreamingBody: checks the length it was promised

    def readable(self):
        return True

    def read(self, size=-1):
        return self._body.read(None if size is None or size < 0 else size)

    def readinto(self, buffer):
        data = self._body.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self):
        if not self.closed:
            self._body.close()
        super().close()


class StagedObject:
    """An inspected upload waiting in a temporary file for its transaction."""

    def __init__(self, storage, temp_path, facts):
        self.storage = storage
        self.temp_path = temp_path
        self.facts = facts               # {"sha256", "size", "content_type"}
        self.key = storage_key(facts["sha256"])
        self.created = False
        self.guard = None                # see intake.adapters.storage.StagedContent

    def publish(self):
        """Put the content at its address unless it is there already; returns the key."""
        if self.storage.exists(self.key):
            self.created = False
            return self.key
        try:
            self.storage.put_file(self.key, self.temp_path, self.facts)
        except ClientError as error:
            code = error_code(error)
            if code in ALREADY_STORED:
                self.created = False             # an identical upload put it first
            elif code in CONCURRENT_PUT and self.storage.exists(self.key):
                self.created = False
            else:
                raise
        else:
            self.created = True
        return self.key

    def discard(self, failed):
        if failed and self.created:
            try:
                remove_content(self, lambda: self.storage.delete(self.key))
            except Exception:  # noqa: BLE001 - the transaction's own error must reach the caller
                log.exception("material object %s of a failed upload could not be deleted", self.key)
            self.created = False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temp_path)


class ObjectStorage:
    def __init__(self, client, bucket, max_bytes, spool_dir=None, part_size=PART_SIZE):
        if not bucket:
            raise ObjectStorageConfigError("MATERIAL_S3_BUCKET is required when MATERIAL_S3_ENDPOINT is set")
        self.client = client
        self.bucket = bucket
        self.max_bytes = int(max_bytes)
        self.spool_dir = str(spool_dir) if spool_dir else None
        self.part_size = int(part_size)

    @classmethod
    def from_config(cls, config, max_bytes, spool_dir=None):
        """From the service config: ``MATERIAL_S3_ENDPOINT``, ``MATERIAL_S3_BUCKET``,
        ``MATERIAL_S3_ACCESS_KEY``, ``MATERIAL_S3_SECRET_KEY``, ``MATERIAL_S3_REGION``."""
        client = make_client(config.get("MATERIAL_S3_ENDPOINT"), config.get("MATERIAL_S3_ACCESS_KEY"),
                             config.get("MATERIAL_S3_SECRET_KEY"), config.get("MATERIAL_S3_REGION"))
        return cls(client, config.get("MATERIAL_S3_BUCKET"), max_bytes, spool_dir)

    # ------------------------------------------------------------------ reading
    def open(self, key):
        """A streaming, closeable binary reader of the content (:class:`ObjectReader`)."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                raise FileNotFoundError(f"material object {key} not found") from None
            raise
        return ObjectReader(response["Body"])

    def exists(self, key):
        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error_code(error) in NOT_FOUND:
                return False
            raise
        return True

    # ------------------------------------------------------------------ writing
    def put_file(self, key, path, facts):
        """Stream the file at `path` to `key`, only if no object is there yet (412 otherwise)."""
        extra = {"ContentType": facts["content_type"], "Metadata": {"sha256": facts["sha256"]}}
        with open(path, "rb") as fh:
            if facts["size"] <= self.part_size:
                self.client.put_object(Bucket=self.bucket, Key=key, Body=fh, ContentLength=facts["size"],
                                       IfNoneMatch="*", **extra)
                return
            upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)["UploadId"]
            try:
                parts = []
                while True:
                    data = fh.read(self.part_size)
                    if not data:
                        break
                    number = len(parts) + 1
                    response = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                       PartNumber=number, Body=data)
                    parts.append({"PartNumber": number, "ETag": response["ETag"]})
                self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                      MultipartUpload={"Parts": parts}, IfNoneMatch="*")
            except BaseException:
                # Parts of an unfinished upload are stored (and billed) until aborted.
                try:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                except Exception:  # noqa: BLE001 - the put's own error must reach the caller
                    log.exception("multipart upload %s of material object %s could not be aborted",
                                  upload_id, key)
                raise

    def delete(self, key):
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def ensure_bucket(self):
        """Create the bucket unless it exists; True when it was created. Replicas starting together
        may all call this: the loser of the race finds the bucket already owned."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
            return False
        except ClientError as error:
            if error_code(error) not in NOT_FOUND | {"NoSuchBucket"}:
                raise
        region = self.client.meta.region_name
        location = {} if region == DEFAULT_REGION else {
            "CreateBucketConfiguration": {"LocationConstraint": region}}
        try:
            self.client.create_bucket(Bucket=self.bucket, **location)
        except ClientError as error:
            if error_code(error) in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                return False
            raise
        return True

    def staged(self, chunks, content_type):
        """Stage an upload (see :mod:`intake.adapters.staging`); yields a :class:`StagedObject`."""
        return staged_upload(chunks, content_type, self.max_bytes, self.spool_dir,
                             lambda temp_path, facts: StagedObject(self, temp_path, facts))


def main(argv=None):
    """``python -m intake.adapters.object_storage ensure-bucket``: prepares the configured bucket
    before the service starts, as ``platform-migrate intake`` prepares the database."""
    import argparse

    from platform_kit.config import load_service_config

    parser = argparse.ArgumentParser(prog="python -m intake.adapters.object_storage")
    parser.add_argument("command", choices=["ensure-bucket"])
    parser.parse_args(argv)
    config = load_service_config("intake")
    if not config.get("MATERIAL_S3_ENDPOINT"):
        print("MATERIAL_S3_ENDPOINT is not set: materials are stored on local disk, no bucket needed")
        return 0
    storage = ObjectStorage.from_config(config, config.get("MATERIAL_MAX_BYTES") or 0)
    created = storage.ensure_bucket()
    print(f"bucket {storage.bucket} {'created' if created else 'exists'} at {config['MATERIAL_S3_ENDPOINT']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
