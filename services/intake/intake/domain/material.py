"""Materials (申报材料): documents stored once per project, versioned, reusable (000 §7).

A material is named by the applicant ("建设项目用地预审与选址意见书"); each upload of it is a new
version that never overwrites an earlier one, because cases keep pointing at the version they were
decided on. Content is addressed by its SHA-256. Accepted types are PDF, OFD (GB/T 33190, a ZIP
package with ``OFD.xml``), JPEG and PNG; the bytes must be what the claimed type says (magic
numbers), and the size must be within the configured limit.

``Inspection`` checks a file chunk by chunk while it is being written, so a large upload is never
held in memory; the first violation stops the upload.
"""
import hashlib
import io
import re
import zipfile

from platform_kit.errors import Forbidden, ValidationFailed

CONTENT_TYPES = {
    "application/pdf": "PDF",
    "application/ofd": "OFD",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
}
MAGIC = {
    "application/pdf": (b"%PDF-",),
    "application/ofd": (b"PK\x03\x04",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
HEAD_BYTES = 8
# 002 §5: the window registers what it received, paper (scanned and uploaded by the window clerk)
# or electronic (uploaded online by the applicant).
ELECTRONIC, PAPER = "electronic", "paper"
CHANNELS = (ELECTRONIC, PAPER)
FORM_LABELS = {ELECTRONIC: "电子", PAPER: "纸质（已扫描）"}
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


def _refuse(field, message, detail="材料不符合要求"):
    raise ValidationFailed(detail, [{"field": field, "message": message}])


def check_content_type(content_type):
    if content_type not in CONTENT_TYPES:
        _refuse("content_type", f"不支持的文件类型 {content_type}，仅接受 PDF、OFD、JPEG、PNG",
                "材料类型不受支持")
    return content_type


class Inspection:
    """Hash, size and type check of one upload, fed in chunks."""

    def __init__(self, content_type, max_bytes):
        self.content_type = check_content_type(content_type)
        self.max_bytes = max_bytes
        self.size = 0
        self._hash = hashlib.sha256()
        self._head = b""
        self._head_checked = False

    def feed(self, chunk):
        if not chunk:
            return
        self.size += len(chunk)
        if self.size > self.max_bytes:
            _refuse("content", f"文件超过大小上限 {self.max_bytes} 字节", "材料文件过大")
        if not self._head_checked:
            self._head += chunk[:HEAD_BYTES - len(self._head)]
            if len(self._head) >= HEAD_BYTES:
                self._check_head()
        self._hash.update(chunk)

    def _check_head(self):
        self._head_checked = True
        if not any(self._head.startswith(magic) for magic in MAGIC[self.content_type]):
            _refuse("content", f"文件内容不是声明的 {CONTENT_TYPES[self.content_type]} 格式",
                    "材料内容与声明的类型不符")

    def finish(self, opener=None):
        """Final checks once every byte was fed. `opener()` returns a seekable binary file of the
        content, needed only to look inside an OFD package."""
        if self.size == 0:
            _refuse("content", "文件为空", "材料文件为空")
        if not self._head_checked:
            self._check_head()
        if self.content_type == "application/ofd" and opener is not None:
            with opener() as fh:
                check_ofd_package(fh)
        return {"sha256": self._hash.hexdigest(), "size": self.size, "content_type": self.content_type}


def check_ofd_package(fh):
    try:
        with zipfile.ZipFile(fh) as package:
            names = {name.lstrip("/") for name in package.namelist()}
    except zipfile.BadZipFile:
        _refuse("content", "OFD 文件包已损坏", "材料内容与声明的类型不符")
    if "OFD.xml" not in names:
        _refuse("content", "OFD 文件包中缺少 OFD.xml", "材料内容与声明的类型不符")


def inspect_bytes(content, content_type, max_bytes):
    """Inspection of content held in memory (uploads through RPC, which arrive base64-encoded)."""
    inspection = Inspection(content_type, max_bytes)
    for start in range(0, len(content), 1 << 16):
        inspection.feed(content[start:start + (1 << 16)])
    return inspection.finish(lambda: io.BytesIO(content))


def check_digest(content, sha256):
    """Stored content must still be what it is addressed by; anything else is damage, never served."""
    if hashlib.sha256(content).hexdigest() != sha256:
        raise RuntimeError(f"stored content does not match its SHA-256 {sha256}")


def check_channel(role, channel, copies, pages):
    """How one version reached the window (002 §5). Only the window clerk scans a paper original and
    registers what was received (copies, pages); an electronic upload carries no paper counts.
    Returns (channel, copies, pages) as recorded."""
    channel = channel or ELECTRONIC
    if channel == PAPER:
        if role != "clerk":
            raise Forbidden("纸质材料须由综合窗口扫描上传并登记")
        return PAPER, copies or 1, pages
    if copies is not None or pages is not None:
        _refuse("paper_copies" if copies is not None else "paper_pages", "电子材料不登记纸质份数和页数",
                "材料登记信息不正确")
    return ELECTRONIC, None, None


def form_label(channel):
    return FORM_LABELS.get(channel or ELECTRONIC, FORM_LABELS[ELECTRONIC])


def storage_key(sha256):
    """Where content lives: fanned out by the first two hex digits of its SHA-256."""
    if not SHA256_PATTERN.fullmatch(sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256}"


def may_verify(department, material_id, version, declarations):
    """000 §11 (谁办理谁审核): the department checking a material against its paper original must be one
    that handles an item of a declaration that carried this very version. `declarations` is a list of
    {"materials": [{material_id, version}], "items": [{department}]}."""
    for declaration in declarations:
        carried = any(m["material_id"] == material_id and m["version"] == version
                      for m in declaration["materials"])
        if carried and any(item["department"] == department for item in declaration["items"]):
            return True
    return False


def remove_content(staged, delete):
    """Remove the content a failed upload created, through its guard when it has one.

    Identical content is stored once, so a second upload of the same bytes may have committed a
    reference to it meanwhile; the guard checks for that under a lock and keeps it then."""
    if staged.guard is None:
        delete()
    else:
        staged.guard(staged.key, delete)
