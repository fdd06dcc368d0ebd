"""Material files: uploads read from the multipart request in chunks, then handed to intake;
downloads streamed from intake.

The file part is copied chunk by chunk into a spooled temporary file (in memory up to 1 MiB, on disk
beyond), hashed and size-checked on the way. Only then is intake contacted, so an oversized file
never reaches it, an Idempotency-Key retry is compared on the file's SHA-256, and the order of the
form fields does not matter.

Intake takes the file in one of two ways (docs/interfaces.md, intake):
- streamed, when ``INTAKE_HTTP_ADDRESS`` is configured: ``POST /projects/<code>/materials?name=..``
  on intake's own HTTP port, body = the file bytes, sent from the spool in chunks;
- otherwise base64 inside the ``upload_material`` RPC message (the whole file in that message).
"""
import hashlib
import tempfile
from urllib.parse import quote

import falcon
import requests

from gateway.read_ports import raise_refusal, request_id_header
from gateway.rpc import RpcTimeout, ServiceUnavailable
from platform_kit.errors import ValidationFailed
from platform_kit.calls import CALL_KEY_HEADER

CHUNK = 64 * 1024
IN_MEMORY = 1024 * 1024


class SpooledMaterial:
    """The material of a multipart/form-data request: fields `name`, optional `material_id`, `file`."""

    # form fields besides the file; channel and paper counts: 002 §5 (a paper original scanned by the window)
    TEXT_FIELDS = ("name", "material_id", "channel")
    NUMBER_FIELDS = ("paper_copies", "paper_pages")

    def __init__(self, fields, filename, content_type, file, size, sha256):
        self.fields, self.filename = fields, filename
        self.name, self.material_id = fields["name"], fields.get("material_id")
        self.content_type, self.file, self.size, self.sha256 = content_type, file, size, sha256

    @classmethod
    def read(cls, req, max_bytes):
        if not (req.content_type or "").startswith("multipart/form-data"):
            raise falcon.HTTPUnsupportedMediaType(
                description="材料须以 multipart/form-data 上传（字段 name 与 file）")
        fields, spool, filename, content_type, size, digest = {}, None, None, None, 0, hashlib.sha256()
        try:
            for part in req.get_media():
                if part.name == "file" and spool is None:
                    filename = part.secure_filename if part.filename else None
                    content_type = part.content_type
                    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY)
                    while chunk := part.stream.read(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise falcon.HTTPContentTooLarge(
                                description=f"材料文件不得超过 {max_bytes // (1024 * 1024)} MB")
                        digest.update(chunk)
                        spool.write(chunk)
                elif part.name in cls.TEXT_FIELDS + cls.NUMBER_FIELDS:
                    fields[part.name] = part.get_text().strip()
                else:
                    part.stream.read()  # parts must be consumed in order; unknown ones are ignored
        except BaseException:
            if spool is not None:
                spool.close()
            raise
        errors = []
        if not fields.get("name"):
            errors.append({"field": "name", "message": "缺少材料名称"})
        if spool is None:
            errors.append({"field": "file", "message": "缺少材料文件"})
        elif size == 0:
            errors.append({"field": "file", "message": "材料文件为空"})
        for name in cls.NUMBER_FIELDS:
            if fields.get(name) and not fields[name].isdigit():
                errors.append({"field": name, "message": "须为整数"})
        if errors:
            if spool is not None:
                spool.close()
            raise ValidationFailed("输入数据不符合要求", errors)
        spool.seek(0)
        given = {name: value for name, value in fields.items() if value}
        for name in cls.NUMBER_FIELDS:
            if name in given:
                given[name] = int(given[name])
        return cls(given, filename, (content_type or "application/octet-stream").split(";")[0].strip(), spool,
                   size, digest.hexdigest())

    def fingerprint(self):
        return dict(self.fields, content_type=self.content_type, sha256=self.sha256, size=self.size)

    def rpc_data(self):
        """The ``upload_material`` argument: the whole file, base64, inside the RPC message."""
        import base64
        self.file.seek(0)
        return dict(self.fields, content_type=self.content_type,
                    content_base64=base64.b64encode(self.file.read()).decode("ascii"))

    def body(self):
        """The file as a request body: read block by block, with its length known up front."""
        self.file.seek(0)
        return _Body(self.file, self.size)

    def close(self):
        self.file.close()


class IntakeHttp:
    """Intake's own HTTP port for material files, used as the caller (their token): uploads and
    downloads stream through in blocks instead of travelling base64 inside RPC messages."""

    def __init__(self, address, timeout=30.0, session=None):
        self.base = address if "://" in address else f"http://{address}"
        self.timeout = timeout
        self.session = session or requests.Session()

    def ping(self, timeout):
        """True when the port answers its ``GET /health`` within `timeout` seconds; else the reason."""
        try:
            response = self.session.get(f"{self.base}/health", timeout=timeout)
        except requests.RequestException as exc:
            return f"{type(exc).__name__}: {exc}"
        return True if response.status_code == 200 else f"HTTP {response.status_code}"

    def upload(self, project_code, material, token, call_key=None):
        """`call_key`: a keyed request's digest (platform_kit.calls): an upload sent again after its answer
        was lost is answered with the first version, not stored as a second one."""
        # intake's query names for the same fields
        query_names = {"paper_copies": "copies", "paper_pages": "pages"}
        params = {query_names.get(name, name): value for name, value in material.fields.items()}
        headers = {"Content-Type": material.content_type, **request_id_header()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if call_key:
            headers[CALL_KEY_HEADER] = call_key
        url = f"{self.base}/projects/{quote(project_code, safe='')}/materials"
        try:
            response = self.session.post(url, params=params, data=material.body(), headers=headers,
                                         timeout=(5, self.timeout))
        except requests.ConnectTimeout:
            raise ServiceUnavailable("材料上传服务连接超时") from None
        except requests.Timeout:
            raise RpcTimeout(f"材料上传服务在 {self.timeout:g} 秒内没有响应") from None
        except requests.ConnectionError as exc:
            raise ServiceUnavailable(f"材料上传服务不可用: {type(exc).__name__}") from None
        return self._answer(response)

    def download(self, material_id, version, token):
        """The stored version as an open response: headers to pass on and `raw` to stream."""
        url = f"{self.base}/materials/{quote(material_id, safe='')}/versions/{int(version)}/content"
        headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **request_id_header()}
        try:
            response = self.session.get(url, headers=headers, stream=True, timeout=(5, self.timeout))
        except requests.ConnectTimeout:
            raise ServiceUnavailable("材料下载服务连接超时") from None
        except requests.Timeout:
            raise RpcTimeout(f"材料下载服务在 {self.timeout:g} 秒内没有响应") from None
        except requests.ConnectionError as exc:
            raise ServiceUnavailable(f"材料下载服务不可用: {type(exc).__name__}") from None
        if response.status_code != 200:
            try:
                self._answer(response)
            finally:
                response.close()
        response.raw.decode_content = True
        return response

    @staticmethod
    def _answer(response):
        if response.status_code == 201:
            return response.json()
        try:
            body = response.json()
        except ValueError:
            body = None
        raise_refusal(response.status_code, body, response.text)


class _Body:
    """Lets requests send Content-Length and http.client read the spool in blocks."""

    def __init__(self, file, size):
        self._file = file
        self._size = size

    def __len__(self):
        return self._size

    def read(self, size=-1):
        return self._file.read(size)
