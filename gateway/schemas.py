"""The gateway's own wire formats: accounts and tokens, the material upload form, problems, health.

Every body a service takes and every answer a service gives is defined once in
:mod:`platform_kit.wire` (the service loads and dumps with the same schemas); the route table
(:mod:`gateway.routes`) names them there.
"""
from marshmallow import Schema, fields, validate

from gateway.accounts import policy
from platform_kit.wire import Body
from platform_kit.wire.intake import MaterialChannel

ROLES = ("applicant", "clerk", "officer", "dept_admin", "supervisor", "operator", "province")
STEPS = ("accept", "review", "approve", "conclude")
NEW_PASSWORD = (
    validate.Length(min=policy.PASSWORD_MIN_LENGTH, max=policy.PASSWORD_MAX_LENGTH,
                    error=f"密码长度须在 {policy.PASSWORD_MIN_LENGTH} 到 {policy.PASSWORD_MAX_LENGTH} 之间"),
    validate.Regexp(policy.PASSWORD_PATTERN, error="密码须包含大写字母、小写字母、数字、符号中的至少三类"),
)
NEW_PASSWORD_DOC = {"description": f"至少 {policy.PASSWORD_MIN_LENGTH} 位，包含大写字母、小写字母、数字、符号中的"
                                   "至少三类，且不得包含账号"}


# ---------------------------------------------------------------------------------- auth
TOTP_DOC = {"description": "动态验证码（验证器按 RFC 6238 生成的 6 位数字）或一个未用过的恢复码；"
                           "平台运营与部门管理员登录时必填"}


class LoginIn(Body):
    account = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=policy.PASSWORD_MAX_LENGTH))
    totp = fields.String(load_default=None, validate=validate.Length(min=1, max=32), metadata=TOTP_DOC)


class TotpEnrolmentIn(Body):
    enrolment_token = fields.String(required=True, validate=validate.Length(min=1, max=200),
                                    metadata={"description": "登录时随“须绑定双因素认证”一并返回的绑定令牌（10 分钟内有效）"})


class TotpConfirmationIn(TotpEnrolmentIn):
    totp = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="动态验证码须为 6 位数字"),
                         metadata={"description": "验证器以新密钥生成的动态验证码"})


class TotpEnrolmentOut(Schema):
    account = fields.String(required=True)
    secret = fields.String(required=True, metadata={"description": "TOTP 密钥（Base32），仅此一次显示"})
    otpauth_uri = fields.String(required=True, metadata={"description": "otpauth:// 地址，可生成二维码供验证器扫描"})
    recovery_codes = fields.List(fields.String(), required=True,
                                 metadata={"description": "十个一次性恢复码，仅此一次显示，每个可代替动态验证码使用一次"})
    expires_at = fields.DateTime(required=True, metadata={"description": "绑定令牌的失效时间"})


class RefreshIn(Body):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ChangePasswordIn(Body):
    account = fields.String(required=True, validate=validate.Length(min=1, max=64))
    current_password = fields.String(required=True,
                                     validate=validate.Length(min=1, max=policy.PASSWORD_MAX_LENGTH))
    new_password = fields.String(required=True, validate=NEW_PASSWORD, metadata=NEW_PASSWORD_DOC)


class TokensOut(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "访问令牌有效秒数"})


# ---------------------------------------------------------------------------------- accounts
class AccountIn(Body):
    account = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9._-]{1,63}$"))
    password = fields.String(required=True, validate=NEW_PASSWORD, metadata=NEW_PASSWORD_DOC)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6}$"))
    org = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=18))
    steps = fields.List(fields.String(validate=validate.OneOf(STEPS)), load_default=list)


class ReasonIn(Body):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class AccountChangeIn(ReasonIn):
    """A change of the holder's details (000 §17): at least one of the fields, with the reason."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    department = fields.String(allow_none=True, validate=validate.Length(max=20))
    region = fields.String(allow_none=True, validate=validate.Regexp(r"^\d{6}$"))
    role = fields.String(validate=validate.OneOf(ROLES))
    steps = fields.List(fields.String(validate=validate.OneOf(STEPS)))


class AccountDetails(Schema):
    name = fields.String()
    department = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    role = fields.String()
    steps = fields.List(fields.String())


class AccountChangeOut(Schema):
    id = fields.Integer()
    requested_by = fields.String()
    requested_at = fields.DateTime()
    reason = fields.String()
    before = fields.Nested(AccountDetails)
    after = fields.Nested(AccountDetails)


class PasswordResetIn(ReasonIn):
    new_password = fields.String(required=True, validate=NEW_PASSWORD, metadata=NEW_PASSWORD_DOC)


class AccountEventOut(Schema):
    event = fields.String(metadata={"enum": ["logged_in", "login_failed", "login_refused", "locked", "unlocked",
                                             "password_changed", "password_reset", "created", "reset",
                                             "activated", "deactivated", "logged_out", "refresh_reused",
                                             "password_change_failed", "password_change_refused",
                                             "totp_enrolment_started", "totp_enrolment_failed", "totp_enrolled",
                                             "totp_reset", "recovery_code_used", "details_changed"]})
    actor = fields.String()
    at = fields.DateTime()
    reason = fields.String(allow_none=True)


class AccountOut(Schema):
    account = fields.String()
    role = fields.String(metadata={"enum": list(ROLES)})
    name = fields.String()
    department = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    org = fields.String(allow_none=True)
    steps = fields.List(fields.String())
    active = fields.Boolean()
    locked = fields.Boolean()
    locked_until = fields.DateTime(allow_none=True)
    password_changed_at = fields.DateTime()
    must_change_password = fields.Boolean()
    second_factor = fields.Boolean(metadata={"description": "已绑定双因素认证（TOTP）"})
    recovery_codes_left = fields.Integer(metadata={"description": "尚未使用的恢复码个数"})


# ---------------------------------------------------------------------------------- certificates
CERTIFICATE_PEM = validate.Length(min=1, max=20000)


class CertificateChallengeIn(Body):
    """An empty object (the body may also be left out)."""


class CertificateChallengeOut(Schema):
    nonce = fields.String(required=True, metadata={"description": "一次性挑战码：以证书私钥对其 UTF-8 字节签名"})
    expires_at = fields.DateTime(required=True, metadata={"description": "两分钟后失效"})


class CertificateLoginIn(Body):
    certificate = fields.String(required=True, validate=CERTIFICATE_PEM, metadata={"description": "PEM 格式证书"})
    nonce = fields.String(required=True, validate=validate.Length(min=1, max=200))
    signature = fields.String(required=True, validate=validate.Length(min=1, max=2000), metadata={
        "description": "对挑战码的签名（base64）：RSA PKCS#1 v1.5 SHA-256 或 ECDSA SHA-256"})


class CertificateBindingIn(ReasonIn):
    certificate = fields.String(required=True, validate=CERTIFICATE_PEM, metadata={"description": "PEM 格式证书"})


class CertificateOut(Schema):
    serial = fields.String(metadata={"description": "证书序列号（十六进制小写）"})
    issuer = fields.String()
    subject = fields.String()
    fingerprint = fields.String(metadata={"description": "证书 DER 编码的 SHA-256"})
    not_after = fields.DateTime()
    bound_by = fields.String()
    bound_at = fields.DateTime()
    reason = fields.String()
    revoked = fields.Boolean()
    revoked_at = fields.DateTime(allow_none=True)
    revoked_by = fields.String(allow_none=True)
    revocation_reason = fields.String(allow_none=True)


class CertificateListOut(Schema):
    items = fields.List(fields.Nested(CertificateOut))


# ---------------------------------------------------------------------------------- uploads
class MaterialForm(MaterialChannel):
    """multipart/form-data: the material's name and the file itself."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    material_id = fields.String(metadata={"description": "给出时作为该材料的新版本上传"})
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


# ---------------------------------------------------------------------------------- platform
class FieldError(Schema):
    field = fields.String(required=True)
    message = fields.String(required=True)


class ProblemOut(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldError))


class HealthOut(Schema):
    status = fields.String(required=True)
    services = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
