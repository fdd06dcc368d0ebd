"""Wire formats of the intake service (项目, 材料, 申报, 窗口文书, 办事指南).

The catalog format is described in ``intake.domain.catalog``; its consistency is checked there.
"""
import base64
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from platform_kit.contracts import LICENCE_KINDS, STAGES
from platform_kit.states import DEFAULT_LAPSE_ACTION, LAPSE_ACTIONS
from platform_kit.wire import Answer, Body, PageAnswer, PageFilters

# 项目代码 YYYY-行政区划代码-48-01-六位序号 (the same pattern as intake.domain.project.CODE_PATTERN)
PROJECT_CODE_PATTERN = r"^\d{4}-\d{6}-48-01-\d{6}$"
# 统一社会信用代码 (GB 32100-2015): 18 characters without I, O, S, V, Z (intake.domain.project.ORG_PATTERN)
ORG_PATTERN = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")
CODE = validate.Regexp(r"^[A-Za-z][A-Za-z0-9_\-]{0,39}$", error="代码只能包含字母、数字、下划线和连字符")
REGION = validate.Regexp(r"^\d{6}$", error="行政区划代码应为6位数字")
DAYS = validate.Range(min=1, max=365)
# the file types a material may have (intake.domain.material.CONTENT_TYPES)
MATERIAL_CONTENT_TYPES = ("application/pdf", "application/ofd", "image/jpeg", "image/png")
DOCUMENT_KINDS = ("registration_voucher", "acceptance_notice", "supplement_notice", "refusal_decision",
                  "disapproval_decision", "completion_notice", "return_notice", "not_required_notice",
                  "countersign_record", "joint_review_minutes")


# ------------------------------------------------------------------------------- catalog
class DepartmentIn(Body):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, validate=validate.OneOf(["city", "county"]))
    region = fields.String(required=True, validate=REGION)


class FaqIn(Body):
    """One question applicants ask about an item, with the answer the guide gives (003 §6)."""
    question = fields.String(required=True, validate=validate.Length(min=1, max=200))
    answer = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ConsultationRuleIn(Body):
    """A department the item's handling department consults by default, and the working days it has
    to answer (001 二–四: site selection 3, planning permit 5)."""
    department = fields.String(required=True, validate=CODE)
    days = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=60))


class LicenceRuleIn(Body):
    """The licence an item yields (002 §18): its kind (certificate, approval, proof, report, result),
    its validity in days (null or absent: long-term) and the names of the stage form's fields its
    layout prints (e.g. construction_site, floor_area_m2)."""
    kind = fields.String(required=True, validate=validate.OneOf(LICENCE_KINDS))
    validity_days = fields.Integer(strict=True, allow_none=True, load_default=None,
                                   validate=validate.Range(min=1, max=36500))
    form_fields = fields.List(fields.String(validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$")), load_default=list,
                              validate=validate.Length(max=12))


class ItemIn(Body):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    department = fields.String(required=True, validate=CODE)
    limit_days = fields.Integer(required=True, strict=True, validate=DAYS)
    materials = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list)
    applies_when = fields.Dict(keys=fields.String(), load_default=dict)
    notification_commitment = fields.Boolean(load_default=False)
    accept_with_deficiencies = fields.Boolean(load_default=False)
    # 004 §14: what follows when the department lets the limit lapse without deciding (after "no
    # opinion" is recorded): recall to the stage's lead department, or conclude as "no objection"
    lapse_action = fields.String(load_default=DEFAULT_LAPSE_ACTION, validate=validate.OneOf(LAPSE_ACTIONS))
    # the guide's answers to what applicants ask and the mistakes that get applications sent back (003 §6)
    faq = fields.List(fields.Nested(FaqIn), validate=validate.Length(max=50))
    common_errors = fields.List(fields.String(validate=validate.Length(min=1, max=500)),
                                validate=validate.Length(max=50))
    # 001 二–四: departments consulted (征询) by default once the item is accepted
    consultations = fields.List(fields.Nested(ConsultationRuleIn), load_default=list,
                                validate=validate.Length(max=30))
    # 002 §18: the kind, validity and printed form fields of the item's licence (absent: the kind is
    # read off the item's name, the validity from the certificate service's setting)
    licence = fields.Nested(LicenceRuleIn)


class FormFieldIn(Body):
    name = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,59}$"))
    label = fields.String(required=True, validate=validate.Length(min=1, max=60))
    type = fields.String(required=True, validate=validate.OneOf(["text", "number", "integer", "date", "boolean",
                                                                 "choice"]))
    required = fields.Boolean(load_default=False)
    min = fields.Float(load_default=None, allow_none=True)
    max = fields.Float(load_default=None, allow_none=True)
    max_length = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))
    pattern = fields.String(load_default=None, allow_none=True)
    choices = fields.List(fields.Raw(), load_default=None, allow_none=True)


class StageIn(Body):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    lead_department = fields.String(required=True, validate=CODE)
    limit_days = fields.Integer(required=True, strict=True, validate=DAYS)
    form = fields.List(fields.Nested(FormFieldIn), load_default=list)
    items = fields.List(fields.Nested(ItemIn), required=True, validate=validate.Length(min=1))


class CategoryIn(Body):
    code = fields.String(required=True, validate=CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default="")
    stages = fields.List(fields.Nested(StageIn), required=True, validate=validate.Length(min=1, max=4))


class GuidanceLeadIn(Body):
    """003 §4: the department that leads joint guidance (联合辅导) of a stage for a kind of works
    (transport, water, grid, municipal pipelines …); without an entry, the stage's lead department."""
    works = fields.String(required=True, validate=CODE)
    works_name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    stages = fields.List(fields.String(validate=validate.OneOf(STAGES)), required=True,
                         validate=validate.Length(min=1, max=4))
    lead_department = fields.String(required=True, validate=CODE)


class CatalogIn(Body):
    name = fields.String(load_default="")
    description = fields.String(load_default="")
    overall_limit_days = fields.Integer(required=True, strict=True, validate=DAYS)
    departments = fields.List(fields.Nested(DepartmentIn), required=True, validate=validate.Length(min=1))
    categories = fields.List(fields.Nested(CategoryIn), required=True, validate=validate.Length(min=1))
    guidance_leads = fields.List(fields.Nested(GuidanceLeadIn), load_default=list, validate=validate.Length(max=50))


class CatalogVersionOut(Answer):
    """A catalog version as loaded (``get_catalog``): its number, digest, and the catalog itself."""
    version = fields.Integer()
    sha256 = fields.String()
    loaded_at = fields.String(metadata={"description": "ISO 8601"})
    name = fields.String()
    description = fields.String()
    overall_limit_days = fields.Integer()
    departments = fields.List(fields.Dict())
    categories = fields.List(fields.Dict())


class CatalogLoaded(Answer):
    version = fields.Integer()
    name = fields.String()
    overall_limit_days = fields.Integer()
    departments = fields.Integer()
    categories = fields.Integer()
    items = fields.Integer()
    sha256 = fields.String()
    loaded_by = fields.String()
    loaded_at = fields.AwareDateTime()
    unchanged = fields.Boolean(dump_default=False)  # identical to the latest version: none was added


# ------------------------------------------------------------------------------- projects
SOURCES = ("online", "window", "investment_platform")


class RegisterProject(Body):
    """A project registered online by its construction unit or at the window on the unit's behalf (the
    window names the unit: ``applicant_org`` and ``applicant_name`` are required then)."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=CODE)
    region = fields.String(required=True, validate=REGION)
    attributes = fields.Dict(keys=fields.String(), load_default=dict)
    applicant_org = fields.String(load_default=None, allow_none=True)
    applicant_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))


class PushProjectBody(Body):
    """A project as the investment platform (投资项目在线审批监管平台) pushes it (000 §3); the code is the path's."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    category = fields.String(required=True, validate=CODE)
    region = fields.String(required=True, validate=REGION)
    applicant_org = fields.String(required=True, validate=validate.Regexp(
        ORG_PATTERN.pattern + "$", error="应为18位统一社会信用代码"))
    applicant_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    attributes = fields.Dict(keys=fields.String(), load_default=dict)


class PushProject(PushProjectBody):
    project_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ProjectOut(Answer):
    project_code = fields.String()
    name = fields.String()
    category = fields.String()
    region = fields.String()
    applicant_org = fields.String()
    applicant_name = fields.String(allow_none=True, metadata={"description": "建设单位名称"})
    attributes = fields.Dict()
    catalog_version = fields.Integer()
    source = fields.String(metadata={"enum": list(SOURCES),
                                     "description": "online 网上登记 | window 窗口登记 | investment_platform 投资项目平台推送"})
    registered_by = fields.String()
    registered_at = fields.AwareDateTime()
    concluded_stages = fields.List(fields.String())
    outcome = fields.String(metadata={"enum": ["created", "updated", "unchanged"],
                                      "description": "仅推送项目时：created | updated | unchanged"})
    revision = fields.Integer()    # push only
    query_code = fields.String(allow_none=True, metadata={
        "description": "查询码：仅在登记或重新发放时答复一次（此后为 null），凭项目代码与查询码可公开查询办理进度"})


class ReissueQueryCode(Body):
    """Why the window issues a new query code (the one handed out was lost or disclosed)."""
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ProjectFilters(PageFilters):
    """Filters of the project list: ``q`` a part of the name or project code, ``region`` a division code
    (a city's includes its counties and districts)."""
    q = fields.String(validate=validate.Length(min=1, max=100))
    category = fields.String(validate=CODE)
    region = fields.String(validate=REGION)
    source = fields.String(validate=validate.OneOf(SOURCES))


class ProjectListOut(PageAnswer):
    """One page of projects, newest first."""
    items = fields.List(fields.Nested(ProjectOut))


# ------------------------------------------------------------------------------- materials
class MaterialChannel(Body):
    """002 §5: how the version reached the window; paper only by the window clerk."""
    channel = fields.String(load_default="electronic", validate=validate.OneOf(["electronic", "paper"]))
    paper_copies = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000))
    paper_pages = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=100000))


class VerifyMaterial(Body):
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class VerificationOut(Answer):
    department = fields.String()
    case_id = fields.String()
    verified_by = fields.String()
    verified_at = fields.AwareDateTime()
    verified_on = fields.Date()


class MaterialVersionOut(Answer):
    material_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    content_type = fields.String(metadata={"enum": list(MATERIAL_CONTENT_TYPES)})
    uploaded_by = fields.String()
    uploaded_at = fields.AwareDateTime()
    channel = fields.String()                       # electronic | paper (002 §5)
    form = fields.String()                          # 电子 | 纸质（已扫描）
    paper_copies = fields.Integer(allow_none=True)
    paper_pages = fields.Integer(allow_none=True)
    verification = fields.Nested(VerificationOut, allow_none=True)
    first_entry = fields.Boolean()


class DeclaredInOut(Answer):
    declaration_id = fields.String()
    stage = fields.String()
    version = fields.Integer()


class MaterialOut(Answer):
    material_id = fields.String()
    name = fields.String()
    created_by = fields.String()
    created_at = fields.AwareDateTime()
    latest_version = fields.Integer()
    versions = fields.List(fields.Nested(MaterialVersionOut))
    declared_in = fields.List(fields.Nested(DeclaredInOut))


class MaterialListOut(PageAnswer):
    """One page of a project's materials."""
    items = fields.List(fields.Nested(MaterialOut))


# ------------------------------------------------------------------------------- declarations
class DraftBody(Body):
    """A stage's declaration form and materials (the stage is the path's when saved as a draft)."""
    form = fields.Dict(keys=fields.String(), required=True)
    material_ids = fields.List(fields.String(), load_default=list)

    @validates_schema
    def _distinct(self, data, **kwargs):
        ids = data.get("material_ids") or []
        if len(set(ids)) != len(ids):
            raise ValidationError("同一材料不能重复提交", field_name="material_ids")


class SubmitDeclaration(DraftBody):
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    # the one-time notification list of joint guidance it was prepared with (一次告知清单, 003 §11)
    guidance_list_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))


class SubmitSupplement(Body):
    """002 §8: the materials a supplement notice asked for, handed in through the window."""
    case_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    material_ids = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=200))
    note = fields.String(load_default="", validate=validate.Length(max=2000))

    @validates_schema
    def _distinct(self, data, **kwargs):
        ids = data.get("material_ids") or []
        if len(set(ids)) != len(ids):
            raise ValidationError("同一材料不能重复提交", field_name="material_ids")


class ChecklistMaterialOut(Answer):
    name = fields.String()
    items = fields.List(fields.String())
    status = fields.String()            # uploaded | provided_by_platform | missing
    material = fields.Dict(allow_none=True)
    provided_by = fields.String(allow_none=True)
    licence_no = fields.String(allow_none=True)


class ChecklistOut(Answer):
    project_code = fields.String()
    stage = fields.String()
    materials = fields.List(fields.Nested(ChecklistMaterialOut))


class DraftOut(Answer):
    project_code = fields.String()
    stage = fields.String()
    form = fields.Dict()
    material_ids = fields.List(fields.String())
    revision = fields.Integer()
    saved_by = fields.String()
    saved_at = fields.AwareDateTime()
    declaration_id = fields.String(allow_none=True)
    outstanding = fields.List(fields.Dict())   # what submitting would still refuse, per field


class DeclaredItemOut(Answer):
    item_code = fields.String()
    item_name = fields.String()
    department = fields.String()
    region = fields.String()
    limit_days = fields.Integer()


class DeclaredMaterialOut(Answer):
    material_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    sha256 = fields.String()


class DocumentLossOut(Answer):
    loss_statement_material_id = fields.String()
    identity_copy_material_id = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()


class DocumentOut(Answer):
    document_id = fields.String()
    kind = fields.String(metadata={"enum": list(DOCUMENT_KINDS)})
    title = fields.String()
    document_no = fields.String()
    project_code = fields.String()
    declaration_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    issued_on = fields.Date()
    loss = fields.Nested(DocumentLossOut, allow_none=True)


class DocumentContentOut(DocumentOut):
    content_type = fields.String()
    content_base64 = fields.Function(lambda d: base64.b64encode(d["content"]).decode(),
                                     metadata={"type": "string", "format": "byte"})


class DocumentListOut(PageAnswer):
    """One page of a project's window documents."""
    items = fields.List(fields.Nested(DocumentOut))


class MyDocumentOut(DocumentOut):
    project_name = fields.String()


class MyDocumentListOut(PageAnswer):
    """One page of the documents issued for the caller's projects, newest first."""
    items = fields.List(fields.Nested(MyDocumentOut))


class ReportLostNotice(Body):
    loss_statement_material_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    identity_copy_material_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class DeclarationOut(Answer):
    declaration_id = fields.String()
    project_code = fields.String()
    stage = fields.String()
    state = fields.String()
    catalog_version = fields.Integer()
    lead_department = fields.String()
    stage_limit_days = fields.Integer()
    form = fields.Dict()
    materials = fields.List(fields.Nested(DeclaredMaterialOut))
    items = fields.List(fields.Nested(DeclaredItemOut))
    licences = fields.List(fields.Dict())
    submitted_by = fields.String()
    submitted_at = fields.AwareDateTime()
    submitted_on = fields.Date()
    guidance_list_id = fields.String(allow_none=True)
    voucher = fields.Nested(DocumentOut)   # submit only: the registration voucher (002 §5)


# ------------------------------------------------------------------------------- guide
class PreviewGuide(Body):
    category = fields.String(required=True, validate=CODE)
    attributes = fields.Dict(keys=fields.String(), load_default=dict)
    region = fields.String(load_default=None, allow_none=True, validate=REGION)


class NamedOut(Answer):
    code = fields.String()
    name = fields.String()


class FaqOut(Answer):
    question = fields.String()
    answer = fields.String()


class GuideItemOut(Answer):
    code = fields.String()
    name = fields.String()
    department = fields.Nested(NamedOut)
    limit_days = fields.Integer()
    materials = fields.List(fields.String())
    state = fields.String()
    notification_commitment = fields.Boolean()
    accept_with_deficiencies = fields.Boolean()
    faq = fields.List(fields.Nested(FaqOut))
    common_errors = fields.List(fields.String())


class GuideStageOut(Answer):
    stage = fields.String()
    name = fields.String()
    lead_department = fields.Nested(NamedOut)
    limit_days = fields.Integer()
    state = fields.String()
    form = fields.List(fields.Dict())
    items = fields.List(fields.Nested(GuideItemOut))


class GuideMaterialOut(Answer):
    name = fields.String()
    items = fields.List(fields.String())
    provided_by = fields.String(allow_none=True)   # an earlier item whose result this is (000 §7)
    licence_no = fields.String(allow_none=True)


class GuideOut(Answer):
    project_code = fields.String()
    project_name = fields.String()
    category = fields.Nested(NamedOut)
    catalog_version = fields.Integer()
    region = fields.String()
    overall_limit_days = fields.Integer()
    total_limit_days = fields.Integer()
    within_overall_limit = fields.Boolean()
    stages = fields.List(fields.Nested(GuideStageOut))
    departments = fields.List(fields.Nested(NamedOut))
    materials = fields.List(fields.Nested(GuideMaterialOut))


# ------------------------------------------------------------------------------- supplements
class SupplementOut(Answer):
    submission_id = fields.String()
    project_code = fields.String()
    case_id = fields.String()
    declaration_id = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(DeclaredMaterialOut))
    note = fields.String()
    submitted_by = fields.String()
    submitted_at = fields.AwareDateTime()
    submitted_on = fields.Date()
    voucher = fields.Nested(DocumentOut)   # the registration voucher of the supplement (002 §5, §8)


# ------------------------------------------------------------------------ what the province needs (001 §10)
CREDIT_CODE = validate.Regexp(ORG_PATTERN.pattern + "$", error="应为18位统一社会信用代码")


class BoundaryIn(Body):
    """A project's land red-line boundary (用地红线): a GeoJSON Polygon or MultiPolygon in longitude and
    latitude (or a Feature / one-feature FeatureCollection holding one), checked before it is kept."""
    name = fields.String(required=True, validate=validate.Length(min=1, max=200),
                         metadata={"description": "红线文件名称，如 用地红线图（规划条件附图）"})
    description = fields.String(load_default="", validate=validate.Length(max=2000))
    geometry = fields.Dict(required=True, metadata={"description": "GeoJSON 面（经纬度，CGCS2000）"})


class BoundaryOut(Answer):
    boundary_id = fields.String()
    project_code = fields.String()
    version = fields.Integer(metadata={"description": "第几版红线（新的一版取代旧的）"})
    name = fields.String()
    description = fields.String()
    geometry = fields.Dict()
    area_m2 = fields.Float(metadata={"description": "红线范围面积（平方米，按椭球面近似计算）"})
    recorded_by = fields.String()
    recorded_role = fields.String()
    recorded_at = fields.AwareDateTime()


class IntermediaryIn(Body):
    """An intermediary service of the project (中介服务): the agency, its credit code, the service and
    its dates; the client defaults to the construction unit."""
    service_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    service_code = fields.String(load_default="", validate=validate.Length(max=60))
    agency_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    agency_code = fields.String(required=True, validate=CREDIT_CODE)
    client_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    client_code = fields.String(load_default=None, allow_none=True, validate=CREDIT_CODE)
    started_on = fields.Date(required=True)
    finished_on = fields.Date(load_default=None, allow_none=True)
    limit_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=365))


class IntermediaryOut(Answer):
    record_id = fields.String()
    project_code = fields.String()
    service_name = fields.String()
    service_code = fields.String()
    agency_name = fields.String()
    agency_code = fields.String()
    client_name = fields.String()
    client_code = fields.String()
    started_on = fields.Date()
    finished_on = fields.Date(allow_none=True)
    limit_days = fields.Integer(allow_none=True)
    recorded_by = fields.String()
    recorded_role = fields.String()
    recorded_at = fields.AwareDateTime()
    withdrawn = fields.Boolean()
    withdrawal_reason = fields.String(allow_none=True)


class IntermediariesOut(PageAnswer):
    items = fields.List(fields.Nested(IntermediaryOut))


class IntermediaryWithdrawal(Body):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class ProjectCorrection(Body):
    """The window corrects a project's name or particulars (attributes given are replaced, others kept),
    saying why; published as ``project.updated`` and sent to the province again."""
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    attributes = fields.Dict(keys=fields.String(), load_default=dict)
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))
