"""HTTP wire formats: every request body the gateway accepts, and the documented responses.

Request schemas check shape (types, required fields) so a malformed request fails at the door
with a per-field list; the service loads the same data through its own schema and applies its
rules. Response schemas document what the services return (the OpenAPI document); responses are
forwarded as the service dumped them.
"""
from marshmallow import INCLUDE, RAISE, Schema, fields, validate

# Bodies whose shape is exactly the service's wire format are that format, not a copy of it.
from consult.schemas import ReplyToConsultation as ReplyIn  # noqa: F401
from intake.schemas import ReportLostNotice as LossReportIn  # noqa: F401

STEPS = ("accept", "review", "approve", "conclude")
ROLES = ("applicant", "clerk", "officer", "dept_admin", "supervisor", "operator")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Open(Schema):
    """A service object: the fields listed, and whatever else the service adds."""

    class Meta:
        unknown = INCLUDE


# ---------------------------------------------------------------------------------- auth
class LoginIn(Strict):
    account = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class RefreshIn(Strict):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ChangePasswordIn(Strict):
    account = fields.String(required=True, validate=validate.Length(min=1, max=64))
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokensOut(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "访问令牌有效秒数"})


class AccountIn(Strict):
    account = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9._-]{1,63}$"))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6}$"))
    org = fields.String(load_default=None, allow_none=True, validate=validate.Length(equal=18))
    steps = fields.List(fields.String(validate=validate.OneOf(STEPS)), load_default=list)


class ReasonIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class PasswordResetIn(ReasonIn):
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=256))


class AccountEventOut(Schema):
    event = fields.String(metadata={"description": "logged_in, login_failed, login_refused, locked, unlocked, "
                                                  "password_changed, password_reset, created, reset, "
                                                  "activated, deactivated, logged_out, refresh_reused"})
    actor = fields.String()
    at = fields.DateTime()
    reason = fields.String()


class AccountOut(Schema):
    account = fields.String()
    role = fields.String()
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


# ---------------------------------------------------------------------------------- intake
class CatalogIn(Open):
    """A whole catalog version; its rules are checked by the intake service."""

    name = fields.String()
    overall_limit_days = fields.Integer(required=True, strict=True)
    departments = fields.List(fields.Dict(), required=True)
    categories = fields.List(fields.Dict(), required=True)


class CatalogOut(Open):
    version = fields.Integer()


class ProjectIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    region = fields.String(required=True, validate=validate.Length(min=1, max=12))
    attributes = fields.Dict(keys=fields.String())
    applicant_org = fields.String(allow_none=True, validate=validate.Length(max=18))


class ProjectOut(Open):
    project_code = fields.String(metadata={"example": "2026-410800-48-01-000001"})
    name = fields.String()
    category = fields.String()
    region = fields.String()
    applicant_org = fields.String()
    attributes = fields.Dict()


class PushProjectIn(Strict):
    """The project as the investment platform holds it; the code is the path's."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    region = fields.String(required=True, validate=validate.Length(min=1, max=12))
    applicant_org = fields.String(required=True, validate=validate.Length(min=1, max=18))
    attributes = fields.Dict(keys=fields.String())


class MaterialVersionOut(Open):
    version = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()
    verification = fields.Dict(allow_none=True)


class MaterialListItemOut(Open):
    material_id = fields.String()
    name = fields.String()
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(MaterialVersionOut))
    declared_in = fields.List(fields.Dict())


class VerifyMaterialIn(Strict):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class GuidePreviewIn(Strict):
    category = fields.String(required=True, validate=validate.Length(min=1, max=40))
    attributes = fields.Dict(keys=fields.String())
    region = fields.String(allow_none=True, validate=validate.Length(max=12))


class GuideOut(Open):
    project_code = fields.String()
    catalog_version = fields.Integer()
    region = fields.String()
    overall_limit_days = fields.Integer()
    total_limit_days = fields.Integer()
    within_overall_limit = fields.Boolean()
    stages = fields.List(fields.Dict())


class MaterialForm(Schema):
    """multipart/form-data: the material's name and the file itself."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    material_id = fields.String(metadata={"description": "给出时作为该材料的新版本上传"})
    channel = fields.String(metadata={"enum": ["electronic", "paper"],
                                      "description": "electronic（默认）或 paper（窗口扫描的纸质原件，仅综合窗口）"})
    paper_copies = fields.Integer(metadata={"description": "纸质份数（paper，默认 1）"})
    paper_pages = fields.Integer(metadata={"description": "纸质页数（paper，可选）"})
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MaterialOut(Open):
    material_id = fields.String()
    name = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String()


class SupplementIn(Strict):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    material_ids = fields.List(fields.String(), required=True)
    note = fields.String(validate=validate.Length(max=4000))


class SupplementOut(Open):
    submission_id = fields.String()
    project_code = fields.String()
    case_id = fields.String()
    declaration_id = fields.String()
    materials = fields.List(fields.Dict())
    note = fields.String(allow_none=True)
    submitted_by = fields.String()
    submitted_at = fields.DateTime()
    submitted_on = fields.Date()
    voucher = fields.Dict()


class DeclarationIn(Strict):
    stage = fields.String(required=True, validate=validate.Length(min=1, max=40))
    form = fields.Dict(keys=fields.String(), required=True)
    material_ids = fields.List(fields.String())


class ChecklistOut(Open):
    project_code = fields.String()
    stage = fields.String()
    materials = fields.List(fields.Dict())


class DraftIn(Strict):
    form = fields.Dict(keys=fields.String())
    material_ids = fields.List(fields.String())


class FieldErrorOut(Schema):
    field = fields.String()
    message = fields.String()


class DraftOut(Open):
    project_code = fields.String()
    stage = fields.String()
    form = fields.Dict()
    material_ids = fields.List(fields.String())
    revision = fields.Integer()
    saved_by = fields.String()
    saved_at = fields.DateTime()
    declaration_id = fields.String(allow_none=True)
    outstanding = fields.List(fields.Nested(FieldErrorOut))


class DocumentOut(Open):
    document_id = fields.String()
    kind = fields.String(metadata={"enum": ["registration_voucher", "acceptance_notice", "supplement_notice",
                                            "refusal_decision", "disapproval_decision", "completion_notice"]})
    title = fields.String()
    document_no = fields.String()
    project_code = fields.String()
    declaration_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    issued_on = fields.Date()
    loss = fields.Dict(allow_none=True)


class DeclarationOut(Open):
    declaration_id = fields.String()
    project_code = fields.String()
    stage = fields.String()
    form = fields.Dict()
    material_ids = fields.List(fields.String())
    items = fields.List(fields.Dict())


# ---------------------------------------------------------------------------------- stage
class CaseActionIn(Strict):
    """Which actions apply to which state, and which need a reason, is the stage service's rule."""

    action = fields.String(required=True, validate=validate.Length(min=1, max=40), metadata={"enum": [
        "accept", "request_supplement", "accept_supplement", "refuse", "not_required", "review", "approve",
        "disapprove", "conclude", "return", "resubmit", "withdraw"]})
    opinion = fields.String(validate=validate.Length(max=4000))


class SpecialHandleIn(CaseActionIn):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    attachment_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))


class StepAssignmentIn(Strict):
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    step = fields.String(required=True, validate=validate.OneOf(STEPS))
    officer = fields.String(required=True, validate=validate.Length(min=1, max=80))
    granted = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class StepAssignmentsOut(Open):
    current = fields.List(fields.Dict())
    history = fields.List(fields.Dict())


class ExtensionIn(Strict):
    days = fields.Integer(required=True, strict=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class CalendarYearIn(Strict):
    year = fields.Integer(required=True, strict=True)
    holidays = fields.List(fields.Date(), required=True)
    working_weekends = fields.List(fields.Date())


class DecisionOut(Open):
    action = fields.String()
    opinion = fields.String()
    actor = fields.String()
    at = fields.String()


class FeedbackOut(Open):
    action = fields.String()
    label = fields.String()
    department = fields.String()
    person = fields.String()
    on = fields.Date()
    at = fields.String()
    content = fields.String()


class CaseOut(Open):
    case_id = fields.String()
    project_code = fields.String()
    item_code = fields.String()
    department = fields.String()
    state = fields.String(metadata={"enum": ["submitted", "accepted", "reviewed", "approved", "disapproved",
                                             "concluded", "supplementing", "returned", "refused",
                                             "not_required", "withdrawn"]})
    history = fields.List(fields.Nested(DecisionOut))
    feedback = fields.List(fields.Nested(FeedbackOut))   # 000 §13, 004 §15
    supplement_received = fields.Dict(allow_none=True)   # 002 §8: handed in at the window


class StageOut(Open):
    stage_id = fields.String()
    stage = fields.String()
    state = fields.String()
    received_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    light = fields.String(allow_none=True)
    cases = fields.List(fields.Nested(CaseOut))


class ExtensionOut(Open):
    case = fields.Nested(CaseOut)
    stage = fields.Nested(StageOut)


class CalendarOut(Open):
    pass


# ---------------------------------------------------------------------------------- certificate
class LicenceOut(Open):
    licence_id = fields.String()
    document = fields.Dict()
    signature = fields.String()
    key_id = fields.String()
    algorithm = fields.String()
    status = fields.String(metadata={"enum": ["valid", "revoked"]})
    revocation = fields.Dict(allow_none=True)


class RevokeLicenceIn(Strict):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class VerifyLicenceIn(Strict):
    document = fields.Dict(required=True)
    signature = fields.String(required=True, validate=validate.Length(min=1))
    key_id = fields.String(required=True, validate=validate.Length(min=1))


class VerificationOut(Open):
    valid = fields.Boolean()
    reason = fields.String(allow_none=True)


class SigningKeysOut(Open):
    pass


# ---------------------------------------------------------------------------------- supervision
class ClockOut(Open):
    case_id = fields.String()
    department = fields.String()
    accepted_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    state = fields.String()


class OverviewStageOut(Open):
    stage = fields.String()
    concluded_on = fields.Date(allow_none=True)
    cases = fields.List(fields.Nested(ClockOut))


class OverviewOut(Open):
    project_code = fields.String()
    stages = fields.List(fields.Nested(OverviewStageOut))


# ---------------------------------------------------------------------------------- consult
class ConsultationIn(Strict):
    project_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    case_id = fields.String(allow_none=True)
    asked_of = fields.List(fields.String(), required=True)
    question = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    due_days = fields.Integer(required=True, strict=True)


class ReplyOut(Open):
    department = fields.String()
    opinion = fields.String()
    replied_by = fields.String()
    replied_on = fields.Date()
    opinion_kind = fields.String(metadata={"enum": ["replied", "no_opinion"]})


class ConsultationOut(Open):
    id = fields.String()
    project_code = fields.String()
    case_id = fields.String(allow_none=True)
    asked_by = fields.String()
    asked_of = fields.List(fields.String())
    question = fields.String()
    opened_on = fields.Date()
    due_on = fields.Date()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    closed_on = fields.Date(allow_none=True)
    replies = fields.List(fields.Nested(ReplyOut))


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
