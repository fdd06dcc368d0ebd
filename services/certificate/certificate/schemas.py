"""Wire formats of the certificate service's RPC methods."""
from marshmallow import RAISE, Schema, fields, validate


class VerifyLicence(Schema):
    class Meta:
        unknown = RAISE

    document = fields.Dict(required=True)
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200))
    key_id = fields.String(required=True, validate=validate.Length(min=1, max=40))


class RevokeLicence(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class RevocationOut(Schema):
    reason = fields.String()
    revoked_on = fields.Date()
    revoked_by = fields.String()


class LicenceOut(Schema):
    licence_id = fields.String()
    document = fields.Dict()
    signature = fields.String()
    key_id = fields.String()
    algorithm = fields.String()
    status = fields.String()   # valid | revoked
    revocation = fields.Nested(RevocationOut, allow_none=True)


class LicenceListOut(Schema):
    items = fields.List(fields.Nested(LicenceOut))


class VerdictOut(Schema):
    valid = fields.Boolean()
    reason = fields.String()


class SigningKeyOut(Schema):
    key_id = fields.String()
    algorithm = fields.String()
    public_key = fields.String()       # raw 32-byte Ed25519 public key, base64url
    public_key_pem = fields.String()   # the same key as SubjectPublicKeyInfo PEM
    created_at = fields.AwareDateTime()


class SigningKeysOut(Schema):
    items = fields.List(fields.Nested(SigningKeyOut))
