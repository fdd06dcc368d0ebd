"""Wire formats of the certificate service (电子证照)."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body

LICENCE_STATUSES = ("valid", "revoked")
REVOCATION_REASON_MAX = 2000


class VerifyLicence(Body):
    document = fields.Dict(required=True)
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200))
    key_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


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


class LicenceListOut(Answer):
    items = fields.List(fields.Nested(LicenceOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class VerdictOut(Answer):
    valid = fields.Boolean()
    reason = fields.String()


class SigningKeyOut(Answer):
    key_id = fields.String()
    algorithm = fields.String()
    public_key = fields.String(metadata={"description": "Ed25519 公钥（32 字节，base64url）"})
    public_key_pem = fields.String(metadata={"description": "同一公钥（SubjectPublicKeyInfo PEM）"})
    created_at = fields.AwareDateTime()


class SigningKeysOut(Answer):
    items = fields.List(fields.Nested(SigningKeyOut))
