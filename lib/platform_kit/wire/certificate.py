"""Wire formats of the certificate service (电子证照)."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body, PageAnswer

LICENCE_STATUSES = ("valid", "revoked")
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
    check_code = fields.String(metadata={"description": "核验码：与证照编号一起在门户核验证照"})


class LicenceListOut(PageAnswer):
    items = fields.List(fields.Nested(LicenceOut))


class VerdictOut(Answer):
    valid = fields.Boolean()
    reason = fields.String()


class LicenceCheckOut(Answer):
    """What the public learns by number and check code: whether the licence stands, and what it says."""

    valid = fields.Boolean()
    status = fields.String(metadata={"enum": list(LICENCE_STATUSES)})
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


class SigningKeyOut(Answer):
    key_id = fields.String()
    algorithm = fields.String()
    public_key = fields.String(metadata={"description": "Ed25519 公钥（32 字节，base64url）"})
    public_key_pem = fields.String(metadata={"description": "同一公钥（SubjectPublicKeyInfo PEM）"})
    created_at = fields.AwareDateTime()


class SigningKeysOut(Answer):
    items = fields.List(fields.Nested(SigningKeyOut))
