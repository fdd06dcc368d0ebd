"""Wire formats of the certificate service (电子证照)."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body, PageAnswer

LICENCE_STATUSES = ("valid", "superseded", "revoked", "expired")
LICENCE_KINDS = ("certificate", "approval", "proof", "report", "result")
LICENCE_FORMS = ("electronic", "paper_copy")
HANDOVER_FORMS = ("paper", "electronic")
SCAN_TYPES = ("application/pdf", "image/png", "image/jpeg")
SCAN_MAX_BASE64 = 5_000_000     # about 3.5 MB of scan (the gateway takes JSON bodies up to 5 MB)
PDF_MAX_BASE64 = 5_000_000
REVOCATION_REASON_MAX = 2000


class VerifyLicence(Body):
    document = fields.Dict(required=True)
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200))
    key_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class CheckLicence(Body):
    licence_no = fields.String(required=True, validate=validate.Length(min=1, max=60),
                               metadata={"description": "证照编号，如 410800-NRP-2026-000001"})
    check_code = fields.String(required=True, validate=validate.Length(min=1, max=20),
                               metadata={"description": "证照上印制的 8 位核验码（不区分大小写）"})


class RevokeLicence(Body):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=REVOCATION_REASON_MAX))


class ChangeLicence(Body):
    """A change (变更, 002 §19): a new version with the changed fields supersedes the licence."""

    reason = fields.String(required=True, validate=validate.Length(min=1, max=REVOCATION_REASON_MAX))
    holder = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "持证单位"})
    project_name = fields.String(validate=validate.Length(min=1, max=200), metadata={"description": "项目名称"})
    particulars = fields.String(validate=validate.Length(min=1, max=2000), metadata={"description": "许可内容"})


class PaperLicence(Body):
    """The scan of a paper licence (002 §21), sealed by the platform as a true copy."""

    licence_no = fields.String(required=True, validate=validate.Length(min=1, max=60),
                               metadata={"description": "纸质证照上的编号"})
    issued_on = fields.Date(required=True, metadata={"description": "纸质证照的发证日期"})
    content_type = fields.String(required=True, validate=validate.OneOf(SCAN_TYPES))
    content_base64 = fields.String(required=True, validate=validate.Length(min=4, max=SCAN_MAX_BASE64),
                                   metadata={"description": "扫描件（PDF、PNG 或 JPEG），base64"})
    particulars = fields.String(load_default="", validate=validate.Length(max=2000))


class VerifyPdf(Body):
    content_base64 = fields.String(required=True, validate=validate.Length(min=4, max=PDF_MAX_BASE64),
                                   metadata={"description": "待核验的证照 PDF，base64"})


class RecordHandover(Body):
    form = fields.String(required=True, validate=validate.OneOf(HANDOVER_FORMS),
                         metadata={"description": "paper 纸质 / electronic 电子"})
    acceptance_notice_no = fields.String(required=True, validate=validate.Length(min=1, max=60),
                                         metadata={"description": "申请人出示的受理通知书编号"})
    received_by = fields.String(required=True, validate=validate.Length(min=1, max=80),
                                metadata={"description": "领取人"})


class RotateSeal(Body):
    department = fields.String(required=True, validate=validate.Length(min=1, max=40))
    region = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    revoke_previous = fields.Boolean(load_default=False,
                                     metadata={"description": "同时吊销旧印章证书（密钥泄露时）"})


class RevocationOut(Answer):
    reason = fields.String()
    revoked_on = fields.Date()
    revoked_by = fields.String()


class LicenceOut(Answer):
    licence_id = fields.String()
    document = fields.Dict()
    signature = fields.String()
    key_id = fields.String()
    algorithm = fields.String()
    status = fields.String(metadata={"enum": list(LICENCE_STATUSES)})
    revocation = fields.Nested(RevocationOut, allow_none=True)
    check_code = fields.String(metadata={"description": "核验码（用证码）：与证照编号一起在门户核验证照"})
    licence_no = fields.String()
    kind = fields.String(metadata={"enum": list(LICENCE_KINDS)})
    form = fields.String(metadata={"enum": list(LICENCE_FORMS)})
    version = fields.Integer()
    valid_until = fields.Date(allow_none=True)
    supersedes = fields.String(allow_none=True)
    superseded_by = fields.Nested(lambda: SupersessionOut(), allow_none=True)
    expired_on = fields.Date(allow_none=True)
    seal_serial = fields.String(allow_none=True)
    pdf_sha256 = fields.String(allow_none=True)
    signed_at = fields.AwareDateTime(allow_none=True)
    conclusion = fields.Nested(lambda: ConclusionOut(), allow_none=True)
    handovers = fields.List(fields.Nested(lambda: HandoverOut()))


class SupersessionOut(Answer):
    licence_id = fields.String()
    licence_no = fields.String()
    reason = fields.String()
    decided_on = fields.Date()


class ConclusionOut(Answer):
    """办结（签章）: who concluded the case, and the certificate they signed in with (004 §19)."""

    concluded_by = fields.String()
    concluded_by_name = fields.String()
    certificate_serial = fields.String(allow_none=True)
    concluded_on = fields.Date()


class HandoverOut(Answer):
    form = fields.String()
    acceptance_notice_no = fields.String()
    received_by = fields.String()
    recorded_by = fields.String()
    handed_on = fields.Date()


class LicencePdfOut(Answer):
    content_type = fields.String()
    content_base64 = fields.String()
    name = fields.String()
    sha256 = fields.String()


class SealOut(Answer):
    serial = fields.String()
    department = fields.String()
    region = fields.String()
    generation = fields.Integer()
    holder = fields.String()
    certificate_pem = fields.String()
    not_after = fields.AwareDateTime()
    reason = fields.String()
    created_at = fields.AwareDateTime()
    current = fields.Boolean()


class SealsOut(Answer):
    items = fields.List(fields.Nested(SealOut))
    trust_root_pem = fields.String(metadata={"description": "城市 PKI 根证书（核验印章的信任锚）"})


class LicenceListOut(PageAnswer):
    items = fields.List(fields.Nested(LicenceOut))


class VerdictOut(Answer):
    valid = fields.Boolean()
    reason = fields.String()


class LicenceCheckOut(Answer):
    """What the public learns by number and check code: whether the licence stands, and what it says."""

    valid = fields.Boolean()
    status = fields.String(metadata={"enum": list(LICENCE_STATUSES) + ["unknown"]})
    reason = fields.String()
    licence_no = fields.String()
    title = fields.String()
    holder = fields.String()
    project_code = fields.String()
    project_name = fields.String()
    item_name = fields.String()
    department = fields.String()
    issued_on = fields.String(metadata={"format": "date"})
    revoked_on = fields.Date(allow_none=True)
    kind = fields.String()
    form = fields.String()
    version = fields.String()
    valid_until = fields.String(allow_none=True)
    superseded_by = fields.Nested(SupersessionOut, allow_none=True)
    seal = fields.String(metadata={"description": "盖章单位（印章证书持有者）"})
    seal_serial = fields.String(allow_none=True)
    signed_at = fields.AwareDateTime(allow_none=True)
    pdf_signature = fields.String(allow_none=True, metadata={"description": "PDF 电子签章的核验结论"})
    conclusion = fields.Nested(ConclusionOut, allow_none=True)


class SigningKeyOut(Answer):
    key_id = fields.String()
    algorithm = fields.String()
    public_key = fields.String(metadata={"description": "Ed25519 公钥（32 字节，base64url）"})
    public_key_pem = fields.String(metadata={"description": "同一公钥（SubjectPublicKeyInfo PEM）"})
    created_at = fields.AwareDateTime()


class SigningKeysOut(Answer):
    items = fields.List(fields.Nested(SigningKeyOut))
