"""The event contract: envelope and versioned payload schemas.

Department systems subscribe to these events; they are public. Every event is published on the
topic exchange ``<source service>.events`` with its ``type`` as routing key and a JSON body that is
the envelope below. A publisher validates the payload before it is stored in the outbox; every
consumer validates it again on receipt. A change that is not backwards compatible gets a new
version number; ``docs/asyncapi.yaml`` documents the same schemas for subscribers.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate
from marshmallow import ValidationError as MarshmallowValidationError

from platform_kit.clock_facts import ClockFactsSchema
from platform_kit.errors import ValidationFailed
from platform_kit.states import CASE_STATES, DEFAULT_LAPSE_ACTION, LAPSE_ACTIONS, STAGE_STATES
from platform_kit.validation import flatten_messages, load

STAGES = ("land_use_planning", "engineering_permit", "construction_permit", "completion_acceptance")
# licence kinds (证照类型) as the provincial licence library names them: 证照 / 批准文件 / 证明 / 报告 / 结果
LICENCE_KINDS = ("certificate", "approval", "proof", "report", "result")


class ActorSchema(Schema):
    class Meta:
        unknown = RAISE

    id = fields.String(required=True)
    role = fields.String(required=True)
    department = fields.String(allow_none=True, load_default=None)
    region = fields.String(allow_none=True, load_default=None)


class EnvelopeSchema(Schema):
    class Meta:
        unknown = RAISE

    event_id = fields.UUID(required=True)
    type = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    source = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    project_code = fields.String(allow_none=True, required=True)
    actor = fields.Nested(ActorSchema, required=True)
    payload = fields.Dict(required=True)


# ---------------------------------------------------------------- payloads, one class per (type, version)
class _Payload(Schema):
    class Meta:
        # Consumers accept fields added later in the same version (additive changes only).
        unknown = EXCLUDE


class ProjectRegisteredV1(_Payload):
    project_code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    region = fields.String(required=True)
    applicant_org = fields.String(required=True)
    attributes = fields.Dict(load_default=dict)
    # added within version 1: the construction unit's name, and the digest of the project's query
    # code (查询码, 002 §22) as sha256 of "<project_code>:<code>", so a subscriber can check a code
    # the public presents without the code being kept anywhere
    applicant_name = fields.String(load_default=None, allow_none=True)
    query_code_digest = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Regexp(r"^[0-9a-f]{64}$"))


class ProjectQueryCodeIssuedV1(_Payload):
    """The window issued a new query code for a project (the earlier one no longer answers)."""
    project_code = fields.String(required=True)
    query_code_digest = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"))
    issued_by = fields.String(required=True)
    issued_on = fields.Date(required=True)


class MaterialUploadedV1(_Payload):
    material_id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    # 002 §5: electronic, or paper scanned by the window; added within version 1
    channel = fields.String(load_default="electronic", validate=validate.OneOf(["electronic", "paper"]))


class ProjectUpdatedV1(_Payload):
    """A project pushed again by the investment platform with a changed name or attributes."""
    project_code = fields.String(required=True)
    revision = fields.Integer(required=True, validate=validate.Range(min=2))
    name = fields.String(required=True)
    category = fields.String(required=True)
    region = fields.String(required=True)
    applicant_org = fields.String(required=True)
    attributes = fields.Dict(load_default=dict)


class MaterialVerifiedV1(_Payload):
    """First-entry verification (000 §11): a department checked a material version against its paper
    original; later cases do not check it again."""
    material_id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    sha256 = fields.String(required=True, validate=validate.Length(equal=64))
    department = fields.String(required=True)
    case_id = fields.String(required=True)
    verified_by = fields.String(required=True)
    verified_on = fields.Date(required=True)


class DeclaredMaterial(_Payload):
    material_id = fields.String(required=True)
    version = fields.Integer(required=True)
    name = fields.String(required=True)
    sha256 = fields.String(required=True)


class DeclaredItem(_Payload):
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    department = fields.String(required=True)
    region = fields.String(required=True)
    limit_days = fields.Integer(required=True, validate=validate.Range(min=1))
    # 004 §14: what the platform does when the department lets the limit lapse (catalog); added
    # within version 1
    lapse_action = fields.String(load_default=DEFAULT_LAPSE_ACTION, validate=validate.OneOf(LAPSE_ACTIONS))


class DeclaredLicence(_Payload):
    licence_id = fields.String(required=True)
    licence_no = fields.String(required=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)


class SupplementSubmittedV1(_Payload):
    """The applicant handed in the supplement asked for, registered by the window (002 §8); the
    department checks it and accepts it."""
    case_id = fields.String(required=True)
    declaration_id = fields.String(allow_none=True, load_default=None)
    stage = fields.String(allow_none=True, load_default=None)
    materials = fields.List(fields.Nested(DeclaredMaterial), required=True, validate=validate.Length(min=1))
    submitted_on = fields.Date(required=True)
    note = fields.String(load_default="")
    document_no = fields.String(allow_none=True, load_default=None)   # the registration voucher


class DeclarationSubmittedV1(_Payload):
    declaration_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    category = fields.String(required=True)
    catalog_version = fields.Integer(required=True)
    region = fields.String(required=True)
    applicant_org = fields.String(required=True)
    project_name = fields.String(required=True)
    lead_department = fields.String(required=True)
    stage_limit_days = fields.Integer(required=True, validate=validate.Range(min=1))
    submitted_on = fields.Date(required=True)
    form = fields.Dict(required=True)
    materials = fields.List(fields.Nested(DeclaredMaterial), required=True)
    items = fields.List(fields.Nested(DeclaredItem), required=True, validate=validate.Length(min=1))
    # results of earlier stages the platform attaches (000 §7); added within version 1
    licences = fields.List(fields.Nested(DeclaredLicence), load_default=list)
    # the one-time notification list (一次告知清单, 003 §11) the declaration was prepared with; added
    # within version 1
    guidance_list_id = fields.String(load_default=None, allow_none=True)


def _clock_facts():
    """The clock after the event, as the stage service computed it (platform_kit.clock_facts);
    added within version 1. ``None``: the clock has not started (a case awaiting acceptance)."""
    return fields.Nested(ClockFactsSchema, allow_none=True, load_default=None)


def _case_state():
    """The state the case is in after the event (platform_kit.states); added within version 1."""
    return fields.String(validate=validate.OneOf(CASE_STATES), allow_none=True, load_default=None)


def _stage_state():
    return fields.String(validate=validate.OneOf(STAGE_STATES), allow_none=True, load_default=None)


class StageOpenedCase(_Payload):
    case_id = fields.String(required=True)
    item_code = fields.String(required=True)
    department = fields.String(required=True)
    limit_days = fields.Integer(required=True)
    state = _case_state()
    acceptance_due_on = fields.Date(allow_none=True, load_default=None)   # 002 §7(二)


class StageOpenedV1(_Payload):
    stage_id = fields.String(required=True)
    declaration_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    lead_department = fields.String(required=True)
    limit_days = fields.Integer(required=True)
    received_on = fields.Date(required=True)
    cases = fields.List(fields.Nested(StageOpenedCase), required=True)
    state = _stage_state()
    clock = _clock_facts()


class _CaseFact(_Payload):
    case_id = fields.String(required=True)
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    department = fields.String(required=True)
    region = fields.String(required=True)
    on = fields.Date(required=True)
    opinion = fields.String(load_default="")
    state = _case_state()
    clock = _clock_facts()


class CaseAcceptedV1(_CaseFact):
    limit_days = fields.Integer(required=True)
    due_on = fields.Date(required=True)
    # 002 §7(二): accepted as of receipt because no supplement was asked within 2 working days
    deemed = fields.Boolean(load_default=False)
    due_estimated = fields.Boolean(load_default=False)


class CaseReviewedV1(_CaseFact):
    pass


class CaseApprovedV1(_CaseFact):
    applicant_org = fields.String(required=True)
    project_name = fields.String(required=True)
    # added within version 1: the department's licence is on paper (002 §21); the certificate service
    # then waits for its scan instead of issuing an electronic licence
    paper_licence = fields.Boolean(load_default=False)


class CaseDisapprovedV1(_CaseFact):
    pass


class CaseConcludedV1(_CaseFact):
    outcome = fields.String(required=True, validate=validate.OneOf(["approved", "disapproved"]))
    accepted_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    on_time = fields.Boolean(required=True)
    used_days = fields.Integer(required=True)
    # added within version 1: the serial of the certificate the concluding officer logged in with
    # (办结（签章）, 004 §10, §19), when they did
    certificate_serial = fields.String(allow_none=True, load_default=None)


class StageConcludedV1(_Payload):
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    declaration_id = fields.String(required=True)
    received_on = fields.Date(required=True)
    concluded_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    on_time = fields.Boolean(required=True)
    state = _stage_state()
    clock = _clock_facts()


class CaseSupplementRequestedV1(_CaseFact):
    """A supplement notice (补正, 002 §7(二), §8) was issued; the case clock pauses from `on`."""
    accepted_on = fields.Date(allow_none=True, load_default=None)
    used_days = fields.Integer(required=True)
    # added within version 1. 002 §7(二): the notice is one-time; a further notice (supplement_no
    # 2 and on) is issued by the stage's lead department, whose reason is given here
    supplement_no = fields.Integer(load_default=1, validate=validate.Range(min=1))
    second_supplement_reason = fields.String(allow_none=True, load_default=None)


class CaseSupplementAcceptedV1(_CaseFact):
    """The complete supplement was accepted; the case clock resumes (002 §8)."""
    accepted_on = fields.Date(required=True)
    due_on = fields.Date(allow_none=True, load_default=None)
    used_days = fields.Integer(required=True)
    due_estimated = fields.Boolean(load_default=False)


class CaseRefusedV1(_CaseFact):
    """Not accepted (不予受理), with its reasons in `opinion` (002 §7(三))."""


class CaseNotRequiredV1(_CaseFact):
    """The item needs no licence (002 §7(四))."""


class CaseReturnedV1(_CaseFact):
    """Returned (退回) before conclusion: the case clock terminates, the stage clock pauses (000 §12)."""
    used_days = fields.Integer(required=True)
    round = fields.Integer(required=True)


class CaseResubmittedV1(_CaseFact):
    """A returned case was submitted again; it awaits acceptance with a fresh, full limit."""
    round = fields.Integer(required=True)
    limit_days = fields.Integer(required=True)


class CaseWithdrawnV1(_CaseFact):
    """The applicant withdrew the case."""


class CaseLapsedV1(_CaseFact):
    """The department's opinion was due and is missing: recorded as no opinion (004 §14)."""
    due_on = fields.Date(required=True)
    used_days = fields.Integer(required=True)
    # what follows (catalog, 004 §14): a case.recalled event in the same transaction; added within
    # version 1
    lapse_action = fields.String(validate=validate.OneOf(LAPSE_ACTIONS), allow_none=True, load_default=None)


class CaseRecalledV1(_CaseFact):
    """004 §14 (办理流程到期自动收回): after a lapse recorded as no opinion, the platform recalled the
    case from its silent department as the catalog configures for the item: ``return_to_lead``: the
    stage's lead department (``recalled_to``) decides it from now on, the case's state unchanged;
    ``no_objection``: the case is concluded as no objection (``state`` concluded, no licence). In
    neither case does silence keep the stage open."""
    lapse_action = fields.String(required=True, validate=validate.OneOf(LAPSE_ACTIONS))
    recalled_from = fields.String(required=True)
    recalled_to = fields.String(allow_none=True, load_default=None)
    due_on = fields.Date(required=True)
    from_state = fields.String(required=True, validate=validate.OneOf(CASE_STATES))


class CaseSpecialHandledV1(_CaseFact):
    """A step was passed under the special handling procedure (004 §17)."""
    action = fields.String(required=True)
    from_state = fields.String(required=True)
    to_state = fields.String(required=True)
    reason = fields.String(required=True)
    attachment_ref = fields.String(required=True)


class StageExtendedV1(_Payload):
    """The lead department extended a case's or the stage's limit, with its reason (002 §14)."""
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    case_id = fields.String(allow_none=True, load_default=None)
    department = fields.String(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1))
    reason = fields.String(required=True)
    limit_days = fields.Integer(required=True)
    extension_days = fields.Integer(required=True)
    due_on = fields.Date(allow_none=True, load_default=None)
    on = fields.Date(required=True)
    state = _stage_state()
    clock = _clock_facts()


class StageClockChangedV1(_Payload):
    """The stage clock paused (a case is being supplemented or was returned) or resumed (000 §12)."""
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    on = fields.Date(required=True)
    used_days = fields.Integer(required=True)
    due_on = fields.Date(allow_none=True, load_default=None)
    due_estimated = fields.Boolean(load_default=False)
    state = _stage_state()
    clock = _clock_facts()


class StageClockRecomputedV1(_Payload):
    """A clock whose deadline was an estimate was counted again after an operator loaded the
    holiday schedule of a year it spans; ``case_id`` is None for the stage's own clock."""
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    case_id = fields.String(allow_none=True, load_default=None)
    year = fields.Integer(required=True)
    clock = fields.Nested(ClockFactsSchema, required=True)


class CalendarYearLoadedV1(_Payload):
    """An operator loaded a year's published holiday schedule (State Council, with its adjusted
    working weekends 调休). Every service that counts working days stores it and counts with it."""
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))
    holidays = fields.List(fields.Date(), required=True)
    working_weekends = fields.List(fields.Date(), required=True)
    loaded_by = fields.String(required=True)
    loaded_at = fields.AwareDateTime(required=True)


class LicenceIssuedV1(_Payload):
    licence_id = fields.String(required=True)
    licence_no = fields.String(required=True)
    case_id = fields.String(required=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    department = fields.String(required=True)
    holder = fields.String(required=True)
    issued_on = fields.Date(required=True)
    key_id = fields.String(required=True)
    # added within version 1: the kind, the version (a change issues the next one), the form (an
    # electronic licence, or a paper licence's sealed true copy), the validity, what it supersedes
    kind = fields.String(load_default="certificate")
    version = fields.Integer(load_default=1)
    form = fields.String(load_default="electronic", validate=validate.OneOf(["electronic", "paper_copy"]))
    valid_until = fields.Date(allow_none=True, load_default=None)
    supersedes = fields.String(allow_none=True, load_default=None)
    pdf_sha256 = fields.String(allow_none=True, load_default=None)


class LicenceSupersededV1(_Payload):
    """A licence was changed (变更, 002 §19): the new version supersedes the old one, which verifies
    as superseded and points to the new one."""
    licence_id = fields.String(required=True)
    licence_no = fields.String(required=True)
    case_id = fields.String(required=True)
    department = fields.String(required=True)
    superseded_by = fields.String(required=True)
    superseded_by_no = fields.String(required=True)
    reason = fields.String(required=True)
    on = fields.Date(required=True)


class LicenceExpiredV1(_Payload):
    """A licence's validity period for its kind ran out (recorded once by the certificate service)."""
    licence_id = fields.String(required=True)
    licence_no = fields.String(required=True)
    case_id = fields.String(required=True)
    department = fields.String(required=True)
    valid_until = fields.Date(required=True)
    expired_on = fields.Date(required=True)


class LicenceHandedOverV1(_Payload):
    """The window handed the licence to the applicant against the acceptance notice (002 §22–§23)."""
    licence_id = fields.String(required=True)
    licence_no = fields.String(required=True)
    case_id = fields.String(required=True)
    form = fields.String(required=True, validate=validate.OneOf(["paper", "electronic"]))
    acceptance_notice_no = fields.String(required=True)
    received_by = fields.String(required=True)
    handed_on = fields.Date(required=True)


class SealRotatedV1(_Payload):
    """A department's seal certificate was renewed (and the previous one revoked if asked); licences
    sealed before verify as of their signing time."""
    department = fields.String(required=True)
    region = fields.String(required=True)
    serial = fields.String(required=True)
    generation = fields.Integer(required=True)
    previous_serial = fields.String(allow_none=True, load_default=None)
    previous_revoked = fields.Boolean(required=True)
    reason = fields.String(required=True)


class LicenceRevokedV1(_Payload):
    """A licence was revoked (废止, 002 §19); public verification reports it as no longer valid."""
    licence_id = fields.String(required=True)
    licence_no = fields.String(required=True)
    case_id = fields.String(required=True)
    item_code = fields.String(required=True)
    department = fields.String(required=True)
    reason = fields.String(required=True)
    revoked_on = fields.Date(required=True)


class CatalogDepartment(_Payload):
    code = fields.String(required=True)
    name = fields.String(required=True)
    region = fields.String(required=True)


class ConsultationRule(_Payload):
    department = fields.String(required=True)
    days = fields.Integer(required=True, validate=validate.Range(min=1))


class ItemConsultationRules(_Payload):
    item_code = fields.String(required=True)
    consultations = fields.List(fields.Nested(ConsultationRule), required=True, validate=validate.Length(min=1))


class LicenceFieldRule(_Payload):
    name = fields.String(required=True)
    label = fields.String(required=True)


class ItemLicenceRule(_Payload):
    """What an item's licence is (002 §18): its kind, its validity (None: long-term) and the fields of
    the stage's declaration form its layout prints, with their labels."""
    item_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(LICENCE_KINDS))
    validity_days = fields.Integer(allow_none=True, load_default=None)
    form_fields = fields.List(fields.Nested(LicenceFieldRule), load_default=list)


class CatalogLoadedV1(_Payload):
    """An operator loaded a new version of the flow catalog (审批事项目录): its departments and, per
    item, the departments consulted by default with their working days (001 二–四)."""
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    loaded_by = fields.String(required=True)
    departments = fields.List(fields.Nested(CatalogDepartment), required=True, validate=validate.Length(min=1))
    consultation_rules = fields.List(fields.Nested(ItemConsultationRules), load_default=list)
    # added within version 1: the licence of each item that gives its kind in the catalog
    licence_rules = fields.List(fields.Nested(ItemLicenceRule), load_default=list)
    # joint guidance (联合辅导, 003 §4, §10): the lead department of each stage by kind of works, and
    # each category's stages with their items and materials; added within version 1
    guidance_leads = fields.List(fields.Nested(lambda: GuidanceLead()), load_default=list)
    guidance_stages = fields.List(fields.Nested(lambda: GuidanceStage()), load_default=list)


class GuidanceLead(_Payload):
    """003 §4: who leads the guidance of `stage` for projects of this kind of works."""
    works = fields.String(required=True)
    works_name = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    lead_department = fields.String(required=True)


class GuidanceItem(_Payload):
    code = fields.String(required=True)
    name = fields.String(required=True)
    department = fields.String(required=True)
    materials = fields.List(fields.String(), required=True)
    notification_commitment = fields.Boolean(load_default=False)
    accept_with_deficiencies = fields.Boolean(load_default=False)


class GuidanceStage(_Payload):
    category = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    lead_department = fields.String(required=True)
    items = fields.List(fields.Nested(GuidanceItem), required=True)


class ConsultationOpenedV1(_Payload):
    consultation_id = fields.String(required=True)
    case_id = fields.String(allow_none=True, load_default=None)
    # the region of the department that asked (the consulted departments' inbox is per region); within v1
    region = fields.String(allow_none=True, load_default=None)
    asked_by = fields.String(required=True)
    asked_of = fields.List(fields.String(), required=True)
    question = fields.String(required=True)
    due_on = fields.Date(required=True)
    # the year of the deadline had no loaded holiday schedule: Monday–Friday was assumed for it and
    # the deadline is counted again once an operator loads that year; added within version 1
    due_estimated = fields.Boolean(load_default=False)


OPINION_KINDS = ("agree", "conditional", "disagree", "none")   # 同意 / 有条件同意 / 不同意 / 无意见
NO_OPINION_BY_DEADLINE = "no_opinion"                          # 004 §14: silent by the deadline


class ConsultationRepliedV1(_Payload):
    consultation_id = fields.String(required=True)
    department = fields.String(required=True)
    opinion = fields.String(required=True)
    case_id = fields.String(allow_none=True, load_default=None)
    # added within version 1: "replied" for replies recorded before opinion kinds existed
    opinion_kind = fields.String(load_default="replied", validate=validate.OneOf(OPINION_KINDS + ("replied",)))
    conditions = fields.String(load_default="")


class ConsultationLapsedV1(_Payload):
    """The reply deadline passed with departments silent: the platform recorded no opinion for
    each of them on `recorded_on` (004 §14: 逾期未反馈的视为无意见)."""
    consultation_id = fields.String(required=True)
    case_id = fields.String(allow_none=True, load_default=None)
    departments = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    due_on = fields.Date(required=True)
    recorded_on = fields.Date(required=True)


class ConsultationReplySummary(_Payload):
    department = fields.String(required=True)
    opinion_kind = fields.String(required=True, validate=validate.OneOf(["replied", "no_opinion"]))


class ConsultationClosedV1(_Payload):
    """Every asked department has an answer, its own or no opinion; the flow moves on. Superseded by
    version 2: a consultation closes when the asking department countersigns it."""
    consultation_id = fields.String(required=True)
    case_id = fields.String(allow_none=True, load_default=None)
    replies = fields.List(fields.Nested(ConsultationReplySummary), required=True, validate=validate.Length(min=1))
    closed_on = fields.Date(required=True)


class CountersignedReply(_Payload):
    department = fields.String(required=True)
    opinion_kind = fields.String(required=True,
                                 validate=validate.OneOf(OPINION_KINDS + ("replied", NO_OPINION_BY_DEADLINE)))
    opinion = fields.String(required=True)
    conditions = fields.String(load_default="")
    replied_on = fields.Date(required=True)
    attachments = fields.List(fields.String(), load_default=list)


class ConsultationClosedV2(_Payload):
    """The asking department concluded the consultation (办结会签, 001 二) once every asked
    department had answered or its silence had been recorded as no opinion: the summary and every
    answer it cites, which the window issues to the applicant as the countersign record."""
    consultation_id = fields.String(required=True)
    case_id = fields.String(allow_none=True, load_default=None)
    asked_by = fields.String(required=True)
    question = fields.String(required=True)
    opened_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    summary = fields.String(required=True)
    closed_by = fields.String(required=True)
    closed_on = fields.Date(required=True)
    replies = fields.List(fields.Nested(CountersignedReply), required=True, validate=validate.Length(min=1))


JOINT_REVIEW_KINDS = ("design_scheme", "construction_drawings", "joint_survey", "joint_acceptance")
JOINT_REVIEW_NO_ANSWER = "no_opinion"   # silent at the deadline: no opinion, and a failure to answer


class JointReviewConvenedV1(_Payload):
    """The lead department of a stage convened a joint review (会审, 002 §14–§17): 方案联审
    design_scheme, 联合审图 construction_drawings, 联合测绘 joint_survey or 联合验收 joint_acceptance;
    every invitee must answer by `due_on`, which lies within the stage's promised time."""
    joint_review_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(JOINT_REVIEW_KINDS))
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    region = fields.String(allow_none=True, load_default=None)
    convened_by = fields.String(required=True)
    invitees = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    subject = fields.String(required=True)
    meeting_on = fields.Date(required=True)
    place = fields.String(load_default="")
    online = fields.Boolean(required=True)
    opened_on = fields.Date(required=True)
    due_on = fields.Date(required=True)


class JointReviewAnsweredV1(_Payload):
    """An invitee answered a joint review (final): 同意 / 有条件同意 / 不同意 / 无意见."""
    joint_review_id = fields.String(required=True)
    stage_id = fields.String(required=True)
    department = fields.String(required=True)
    opinion_kind = fields.String(required=True, validate=validate.OneOf(OPINION_KINDS))
    opinion = fields.String(required=True)
    conditions = fields.String(load_default="")
    answered_on = fields.Date(required=True)


class JointReviewNoAnswerV1(_Payload):
    """An invitee was silent at the joint review's deadline: the platform recorded no opinion for it
    and its failure to answer (未按时反馈), which supervision holds against the department."""
    joint_review_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(JOINT_REVIEW_KINDS))
    stage_id = fields.String(required=True)
    convened_by = fields.String(required=True)
    department = fields.String(required=True)
    due_on = fields.Date(required=True)
    recorded_on = fields.Date(required=True)


class JointReviewAnswer(_Payload):
    department = fields.String(required=True)
    opinion_kind = fields.String(required=True, validate=validate.OneOf(OPINION_KINDS + (JOINT_REVIEW_NO_ANSWER,)))
    opinion = fields.String(required=True)
    conditions = fields.String(load_default="")
    answered_on = fields.Date(required=True)
    on_time = fields.Boolean(required=True)   # false: silent at the deadline (未按时反馈)


class JointReviewConcludedV1(_Payload):
    """The lead department recorded the joint review's minutes (纪要) and conclusion: every answer
    it cites, the departments that failed to answer; the window issues the minutes to the applicant
    and the stage's open cases record the conclusion."""
    joint_review_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(JOINT_REVIEW_KINDS))
    stage_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    convened_by = fields.String(required=True)
    subject = fields.String(required=True)
    meeting_on = fields.Date(required=True)
    place = fields.String(load_default="")
    online = fields.Boolean(required=True)
    opened_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    minutes = fields.String(required=True)
    conclusion = fields.String(required=True)
    closed_by = fields.String(required=True)
    closed_on = fields.Date(required=True)
    answers = fields.List(fields.Nested(JointReviewAnswer), required=True, validate=validate.Length(min=1))
    failed_to_answer = fields.List(fields.String(), load_default=list)



# ---------------------------------------------------------------- complaints and accountability (supervision)
COMPLAINT_CHANNELS = ("applicant", "public")          # filed by a signed-in applicant / anonymously
COMPLAINT_SUBJECTS = ("case", "project", "department")  # what the complaint is about
ACCOUNTABILITY_GROUNDS = ("34-2", "34-3", "34-4", "34-5")     # 002 §34(二), (三), (四), (五)


class ComplaintFiledV1(_Payload):
    """A complaint or report (投诉举报, 002 §33) was filed with the supervisors of `region`; it is due
    to be answered by `due_on` (working days; `due_estimated` when a year of it had no loaded holiday
    schedule). No personal data of the complainant travels in the event."""
    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(COMPLAINT_CHANNELS))
    about = fields.String(required=True, validate=validate.OneOf(COMPLAINT_SUBJECTS))
    case_id = fields.String(allow_none=True, load_default=None)
    department = fields.String(allow_none=True, load_default=None)
    region = fields.String(required=True)
    title = fields.String(required=True)
    filed_on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    due_estimated = fields.Boolean(load_default=False)


class ComplaintAssignedV1(_Payload):
    """A supervisor of the region took the complaint or assigned it to another supervisor."""
    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    region = fields.String(required=True)
    assignee = fields.String(required=True)
    assigned_by = fields.String(required=True)
    on = fields.Date(required=True)
    note = fields.String(load_default="")


class ComplaintConcludedV1(_Payload):
    """The supervisor handling the complaint recorded its outcome: the finding, whether the complaint
    was substantiated and the action taken; the complainant is told."""
    complaint_id = fields.String(required=True)
    complaint_no = fields.String(required=True)
    region = fields.String(required=True)
    substantiated = fields.Boolean(required=True)
    finding = fields.String(required=True)
    action_taken = fields.String(required=True)
    concluded_by = fields.String(required=True)
    on = fields.Date(required=True)
    due_on = fields.Date(required=True)
    on_time = fields.Boolean(required=True)


class AccountabilityRecordedV1(_Payload):
    """A fact the accountability list (问责清单, 002 §34) holds against a department, detected from the
    events cited in `event_ids`; supervisors confirm, dismiss or refer it."""
    record_id = fields.String(required=True)
    ground = fields.String(required=True, validate=validate.OneOf(ACCOUNTABILITY_GROUNDS))
    fact = fields.String(required=True)
    department = fields.String(required=True)
    region = fields.String(allow_none=True, load_default=None)
    case_id = fields.String(allow_none=True, load_default=None)
    occurred_on = fields.Date(required=True)
    summary = fields.String(required=True)
    event_ids = fields.List(fields.String(), required=True)
# ---------------------------------------------------------------- outbound notification (supervision)
class NotificationRecipient(_Payload):
    """Whom a notice is for (the audience of supervision's inbox): every field given must match."""
    key = fields.String(required=True)
    account = fields.String(allow_none=True, load_default=None)
    org = fields.String(allow_none=True, load_default=None)
    department = fields.String(allow_none=True, load_default=None)
    region = fields.String(allow_none=True, load_default=None)
    role = fields.String(allow_none=True, load_default=None)


class NotificationTemplate(_Payload):
    """The message to send, as a template name (``notice.<kind>``) and its parameters (all text), so
    that an SMS gateway or a department system renders it with its own wording."""
    name = fields.String(required=True)
    parameters = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True), required=True)


class NotificationRequestedV1(_Payload):
    """A notice was put in an inbox; it is also to be delivered on the listed channels: ``inbox``
    always, ``email`` when the contact directory knows an address, ``sms`` when the phone's holder
    subscribed. Supervision sends the e-mail itself when SMTP is configured; an SMS gateway or a
    department system delivers the rest."""
    notification_id = fields.String(required=True)
    recipient = fields.Nested(NotificationRecipient, required=True)
    channels = fields.List(fields.String(validate=validate.OneOf(["inbox", "email", "sms"])), required=True,
                           validate=validate.Length(min=1))
    email = fields.String(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None)
    kind = fields.String(required=True)
    urgency = fields.String(required=True)
    template = fields.Nested(NotificationTemplate, required=True)
    case_id = fields.String(allow_none=True, load_default=None)
# ------------------------------------------------------------------- supervision acts (000 §18, 004 §21-22)
URGE_TARGET_KINDS = ("case", "stage", "consultation", "guidance")
ALERT_LEVELS = ("yellow", "red", "supervision")


class UrgeSentV1(_Payload):
    """A lead department, a department head or a supervisor urged (催办) a case, a stage, a
    consultation or a guidance answer; the department urged and its head were told."""
    urge_id = fields.String(required=True)
    target_kind = fields.String(required=True, validate=validate.OneOf(URGE_TARGET_KINDS))
    target_id = fields.String(required=True)
    stage_id = fields.String(load_default=None, allow_none=True)
    case_id = fields.String(load_default=None, allow_none=True)
    department = fields.String(required=True)
    region = fields.String(load_default=None, allow_none=True)
    urgency = fields.String(required=True, validate=validate.OneOf(("normal", "urgent", "very_urgent")))
    message = fields.String(required=True)
    sent_by = fields.String(required=True)
    sent_on = fields.Date(required=True)


class AlertRaisedV1(_Payload):
    """The escalation pass raised a case clock's alert: ``yellow`` (the responsible officers were
    reminded), ``red`` (the department head urged, the lead department told) or ``supervision``
    (督办: red for the configured working days, the region's supervisors told)."""
    clock_id = fields.String(required=True)
    case_id = fields.String(required=True)
    stage_id = fields.String(load_default=None, allow_none=True)
    level = fields.String(required=True, validate=validate.OneOf(ALERT_LEVELS))
    department = fields.String(load_default=None, allow_none=True)
    region = fields.String(load_default=None, allow_none=True)
    due_on = fields.Date(load_default=None, allow_none=True)
    raised_on = fields.Date(required=True)


# ---------------------------------------------------------------- joint guidance (联合辅导, 003)
GUIDANCE_CHANNELS = ("online", "window")
GUIDANCE_LIST_KINDS = ("one_time", "next_stage")


class GuidanceRequestedV1(_Payload):
    """An applicant (online) or the window (on site) asked for joint guidance (003 §11(一)); routed to
    the lead department of the stage for the kind of works (003 §4). `session_no`: the how-many-th
    session of the project (none for an intention not registered as a project yet)."""
    guidance_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    category = fields.String(required=True)
    works = fields.String(required=True)
    lead_department = fields.String(required=True)
    region = fields.String(required=True)
    channel = fields.String(required=True, validate=validate.OneOf(GUIDANCE_CHANNELS))
    applicant_org = fields.String(allow_none=True, load_default=None)
    intention = fields.String(allow_none=True, load_default=None)
    topic = fields.String(required=True)
    session_no = fields.Integer(allow_none=True, load_default=None)
    requested_on = fields.Date(required=True)


class GuidanceScheduledV1(_Payload):
    """The lead department signed for the request, picked its team from the directory and called the
    supporting departments out (003 §7: within 15 minutes of the call)."""
    guidance_id = fields.String(required=True)
    lead_department = fields.String(required=True)
    team = fields.List(fields.String(), required=True)
    supporting = fields.List(fields.String(), required=True)
    called_at = fields.AwareDateTime(required=True)
    place = fields.String(load_default="")


class GuidanceAnsweredV1(_Payload):
    """A question was answered, on the spot or within its 2-working-day clock (003 §9(三)); or the
    clock lapsed unanswered (`lapsed`)."""
    guidance_id = fields.String(required=True)
    question_id = fields.String(required=True)
    department = fields.String(required=True)
    mode = fields.String(required=True, validate=validate.OneOf(("on_spot", "deferred")))
    answered_on = fields.Date(allow_none=True, load_default=None)
    due_on = fields.Date(allow_none=True, load_default=None)
    lapsed = fields.Boolean(load_default=False)
    tags = fields.List(fields.String(), load_default=list)
    # added within version 1: the session's lead department and region (who answers for a lapse, whose
    # supervisors are told) and the question's text
    lead_department = fields.String(allow_none=True, load_default=None)
    region = fields.String(allow_none=True, load_default=None)
    question = fields.String(allow_none=True, load_default=None)


class GuidanceListedV1(_Payload):
    """A one-time notification list (一次告知清单, 003 §9(二), §11(三)) or a next stage's list of items
    and materials (003 §13) was issued to the applicant; `supersedes` names the list it replaces,
    with the reason recorded."""
    list_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(GUIDANCE_LIST_KINDS))
    guidance_id = fields.String(allow_none=True, load_default=None)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    department = fields.String(required=True)
    issued_on = fields.Date(required=True)
    item_codes = fields.List(fields.String(), required=True)
    supersedes = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)


class GuidanceFlaggedV1(_Payload):
    """003 §12: more than three guidance sessions for one project, an abnormal case (异常办件) that
    starts supervision and urging (监察、督办)."""
    guidance_id = fields.String(required=True)
    session_no = fields.Integer(required=True, validate=validate.Range(min=4))
    sessions = fields.List(fields.String(), required=True)
    lead_department = fields.String(required=True)
    region = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    flagged_on = fields.Date(required=True)


class GuidanceClosedV1(_Payload):
    """The session was closed (the applicant confirmed the list, or the lead department closed it)."""
    guidance_id = fields.String(required=True)
    lead_department = fields.String(required=True)
    closed_by = fields.String(required=True)
    closed_on = fields.Date(required=True)
    questions = fields.Integer(required=True)
    late_arrivals = fields.List(fields.String(), load_default=list)


class GuidancePublishedV1(_Payload):
    """The lead department published a frequent question (FAQ) or a common material error (常见错误示例)
    into the public guide of an item (003 §6, §15)."""
    entry_id = fields.String(required=True)
    item_code = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("faq", "common_error")))
    question = fields.String(allow_none=True, load_default=None)
    answer = fields.String(required=True)
    department = fields.String(required=True)
    published_on = fields.Date(required=True)


# type -> {version: schema class}. The single source of truth for what may be published.
class DocumentIssuedV1(_Payload):
    """The window issued a document of a project (综合窗口文书: voucher, acceptance, supplement, refusal,
    decision, completion notice …, 002 §7, §22): the applicant is told it is ready to read and print."""
    document_id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    document_no = fields.String(required=True)
    applicant_org = fields.String(required=True)
    region = fields.String(required=True)
    issued_on = fields.Date(required=True)
    declaration_id = fields.String(load_default=None, allow_none=True)
    case_id = fields.String(load_default=None, allow_none=True)


class ProjectBoundaryRecordedV1(_Payload):
    """The land red-line boundary (用地红线) of a project was recorded by its applicant or the window
    (001 §10): a checked GeoJSON polygon; a later record supersedes the earlier one."""
    project_code = fields.String(required=True)
    boundary_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    name = fields.String(required=True)
    description = fields.String(load_default="")
    geometry = fields.Dict(required=True)
    area_m2 = fields.Float(required=True)
    region = fields.String(required=True)
    recorded_by = fields.String(required=True)
    recorded_on = fields.Date(required=True)


class IntermediaryServiceRecordedV1(_Payload):
    """An intermediary service (中介服务: agency, credit code, service, dates) of a project, recorded by its
    applicant or the window (001 §10)."""
    record_id = fields.String(required=True)
    project_code = fields.String(required=True)
    region = fields.String(required=True)
    service_name = fields.String(required=True)
    service_code = fields.String(load_default="")
    agency_name = fields.String(required=True)
    agency_code = fields.String(required=True)
    client_name = fields.String(required=True)
    client_code = fields.String(required=True)
    started_on = fields.Date(required=True)
    finished_on = fields.Date(allow_none=True, load_default=None)
    limit_days = fields.Integer(allow_none=True, load_default=None)
    recorded_by = fields.String(required=True)


class IntermediaryServiceWithdrawnV1(_Payload):
    """An intermediary service record was withdrawn (recorded in error), with the reason."""
    record_id = fields.String(required=True)
    project_code = fields.String(required=True)
    reason = fields.String(required=True)
    withdrawn_by = fields.String(required=True)
    withdrawn_on = fields.Date(required=True)


EVENTS = {
    "project.registered": {1: ProjectRegisteredV1},
    "material.uploaded": {1: MaterialUploadedV1},
    "declaration.submitted": {1: DeclarationSubmittedV1},
    "project.updated": {1: ProjectUpdatedV1},
    "project.query_code_issued": {1: ProjectQueryCodeIssuedV1},
    "document.issued": {1: DocumentIssuedV1},
    "material.verified": {1: MaterialVerifiedV1},
    "supplement.submitted": {1: SupplementSubmittedV1},
    "stage.opened": {1: StageOpenedV1},
    "case.accepted": {1: CaseAcceptedV1},
    "case.reviewed": {1: CaseReviewedV1},
    "case.approved": {1: CaseApprovedV1},
    "case.disapproved": {1: CaseDisapprovedV1},
    "case.concluded": {1: CaseConcludedV1},
    "stage.concluded": {1: StageConcludedV1},
    "case.supplement_requested": {1: CaseSupplementRequestedV1},
    "case.supplement_accepted": {1: CaseSupplementAcceptedV1},
    "case.refused": {1: CaseRefusedV1},
    "case.not_required": {1: CaseNotRequiredV1},
    "case.returned": {1: CaseReturnedV1},
    "case.resubmitted": {1: CaseResubmittedV1},
    "case.withdrawn": {1: CaseWithdrawnV1},
    "case.lapsed": {1: CaseLapsedV1},
    "case.recalled": {1: CaseRecalledV1},
    "case.special_handled": {1: CaseSpecialHandledV1},
    "stage.extended": {1: StageExtendedV1},
    "stage.paused": {1: StageClockChangedV1},
    "stage.resumed": {1: StageClockChangedV1},
    "stage.clock_recomputed": {1: StageClockRecomputedV1},
    "calendar.year_loaded": {1: CalendarYearLoadedV1},
    "licence.issued": {1: LicenceIssuedV1},
    "licence.revoked": {1: LicenceRevokedV1},
    "licence.superseded": {1: LicenceSupersededV1},
    "licence.expired": {1: LicenceExpiredV1},
    "licence.handed_over": {1: LicenceHandedOverV1},
    "seal.rotated": {1: SealRotatedV1},
    "consultation.opened": {1: ConsultationOpenedV1},
    "consultation.replied": {1: ConsultationRepliedV1},
    "consultation.lapsed": {1: ConsultationLapsedV1},
    "consultation.closed": {1: ConsultationClosedV1, 2: ConsultationClosedV2},
    "catalog.loaded": {1: CatalogLoadedV1},
    "joint_review.convened": {1: JointReviewConvenedV1},
    "joint_review.answered": {1: JointReviewAnsweredV1},
    "joint_review.no_answer": {1: JointReviewNoAnswerV1},
    "joint_review.concluded": {1: JointReviewConcludedV1},
    "guidance.requested": {1: GuidanceRequestedV1},
    "guidance.scheduled": {1: GuidanceScheduledV1},
    "guidance.answered": {1: GuidanceAnsweredV1},
    "guidance.listed": {1: GuidanceListedV1},
    "guidance.flagged": {1: GuidanceFlaggedV1},
    "guidance.closed": {1: GuidanceClosedV1},
    "guidance.published": {1: GuidancePublishedV1},
    # supervision: complaints and the accountability list
    "complaint.filed": {1: ComplaintFiledV1},
    "complaint.assigned": {1: ComplaintAssignedV1},
    "complaint.concluded": {1: ComplaintConcludedV1},
    "accountability.recorded": {1: AccountabilityRecordedV1},
    "notification.requested": {1: NotificationRequestedV1},
    "urge.sent": {1: UrgeSentV1},
    "alert.raised": {1: AlertRaisedV1},
    # intake: what the province needs of a project (001 §10)
    "project.boundary_recorded": {1: ProjectBoundaryRecordedV1},
    "intermediary_service.recorded": {1: IntermediaryServiceRecordedV1},
    "intermediary_service.withdrawn": {1: IntermediaryServiceWithdrawnV1},
}


def latest_version(event_type):
    return max(EVENTS[event_type])


_SCHEMAS = {}


def payload_schema(event_type, version):
    """The payload schema instance of (type, version); instances are reused (they keep no state)."""
    try:
        return _SCHEMAS[(event_type, version)]
    except KeyError:
        pass
    try:
        schema = _SCHEMAS[(event_type, version)] = EVENTS[event_type][version]()
        return schema
    except KeyError:
        raise ValidationFailed(
            f"未登记的事件类型或版本: {event_type} v{version}",
            [{"field": "type", "message": f"unknown event {event_type} v{version}"}],
        ) from None


@dataclass(frozen=True)
class Actor:
    id: str
    role: str
    department: str = None
    region: str = None

    SYSTEM = None  # set below

    def as_dict(self):
        return {"id": self.id, "role": self.role, "department": self.department, "region": self.region}


Actor.SYSTEM = Actor(id="system", role="system")


@dataclass(frozen=True)
class Envelope:
    type: str
    version: int
    source: str
    project_code: str
    actor: Actor
    payload: dict
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    # the payload as dumped and checked by new_event (the same for an equal payload): not dumped again
    wire_payload: dict = field(default=None, compare=False, repr=False)

    def to_wire(self):
        """The JSON-ready body: payload dumped through its schema, so it is exactly what consumers load."""
        schema = payload_schema(self.type, self.version)
        return {
            "event_id": self.event_id,
            "type": self.type,
            "version": self.version,
            "source": self.source,
            "occurred_at": self.occurred_at.isoformat(),
            "project_code": self.project_code,
            "actor": self.actor.as_dict(),
            "payload": self.wire_payload if self.wire_payload is not None else schema.dump(self.payload),
        }


def new_event(event_type, *, source, project_code, actor, payload, version=None):
    """Build an envelope, validating the payload against its schema (publisher side)."""
    version = version or latest_version(event_type)
    schema = payload_schema(event_type, version)
    wire_payload = schema.dump(payload)
    try:   # refuse to emit a malformed event
        schema.load(wire_payload)
    except MarshmallowValidationError as exc:
        raise ValidationFailed(f"事件 {event_type} 的内容不符合契约", flatten_messages(exc.messages)) from None
    return Envelope(type=event_type, version=version, source=source, project_code=project_code,
                    actor=actor, payload=payload, wire_payload=wire_payload)


_ENVELOPE_SCHEMA = EnvelopeSchema()


def parse_event(body):
    """Validate a received body (consumer side): envelope first, then its payload. Returns an Envelope."""
    data = load(_ENVELOPE_SCHEMA, body, detail="事件信封不符合契约")
    payload = load(payload_schema(data["type"], data["version"]), data["payload"],
                   detail=f"事件 {data['type']} 的内容不符合契约")
    actor = Actor(**data["actor"])
    return Envelope(type=data["type"], version=data["version"], source=data["source"],
                    project_code=data["project_code"], actor=actor, payload=payload,
                    event_id=str(data["event_id"]), occurred_at=data["occurred_at"])
