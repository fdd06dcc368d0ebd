"""Wire formats of the supervision service (监察: legal time limits as recorded)."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body, PageAnswer, PageFilters

LIGHTS = ("green", "yellow", "red")
LIGHT = {"enum": list(LIGHTS)}


class CaseClockOut(Answer):
    case_id = fields.String()
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    state = fields.String()
    round = fields.Integer(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    deemed = fields.Boolean(allow_none=True)
    acceptance_due_on = fields.Date(allow_none=True)
    limit_days = fields.Integer(allow_none=True)
    extension_days = fields.Integer(allow_none=True)
    due_on = fields.Date(allow_none=True)
    due_estimated = fields.Boolean(allow_none=True)   # a year of it had no loaded holiday schedule
    yellow_on = fields.Date(allow_none=True)          # the day its light turns yellow (stage service's facts)
    remaining_days = fields.Integer(allow_none=True)
    paused = fields.Boolean()
    paused_on = fields.Date(allow_none=True)
    returned_on = fields.Date(allow_none=True)
    lapsed_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    used_days = fields.Integer(allow_none=True)
    outcome = fields.String(allow_none=True)
    licence_no = fields.String(allow_none=True)
    light = fields.String(allow_none=True, metadata=LIGHT)   # null: no clock facts published for it yet
    urges = fields.Integer(metadata={"description": "收到的催办次数"})


class StageClockOut(Answer):
    stage = fields.String(allow_none=True)
    stage_id = fields.String(allow_none=True)
    lead_department = fields.String(allow_none=True)
    limit_days = fields.Integer(allow_none=True)
    extension_days = fields.Integer(allow_none=True)
    received_on = fields.Date(allow_none=True)
    due_on = fields.Date(allow_none=True)
    due_estimated = fields.Boolean(allow_none=True)
    yellow_on = fields.Date(allow_none=True)
    used_days = fields.Integer(allow_none=True)
    remaining_days = fields.Integer(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    on_time = fields.Boolean(allow_none=True)
    state = fields.String(allow_none=True)
    paused = fields.Boolean()
    light = fields.String(allow_none=True, metadata=LIGHT)
    urges = fields.Integer(metadata={"description": "对本阶段的催办次数"})
    cases = fields.List(fields.Nested(CaseClockOut))


class TimelineEntryOut(Answer):
    event_id = fields.String()
    type = fields.String()
    occurred_at = fields.AwareDateTime()
    actor = fields.Dict()
    summary = fields.String()


class OverviewProjectOut(Answer):
    name = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    applicant_org = fields.String(allow_none=True)


class ProjectOverviewOut(Answer):
    project_code = fields.String()
    project = fields.Nested(OverviewProjectOut, allow_none=True)
    stages = fields.List(fields.Nested(StageClockOut))
    timeline = fields.List(fields.Nested(TimelineEntryOut))


class ClockOut(CaseClockOut):
    kind = fields.String(metadata={"enum": ["stage", "case"]})
    clock = fields.String()
    project_code = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    stage_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    started_on = fields.Date(allow_none=True)


class ClocksOut(PageAnswer):
    items = fields.List(fields.Nested(ClockOut))


# ------------------------------------------------------------------------------- public progress
class ProgressQuery(Body):
    """A project's code and its query code (查询码), as the public presents them (002 §22)."""
    project_code = fields.String(required=True, validate=validate.Regexp(
        r"^\d{4}-\d{6}-48-01-\d{6}$", error="应为 YYYY-行政区划代码-48-01-六位序号"))
    query_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ProgressCaseOut(Answer):
    item_code = fields.String(allow_none=True)
    item_name = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    started_on = fields.Date(allow_none=True, metadata={"description": "受理日期"})
    due_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    paused = fields.Boolean()
    light = fields.String(allow_none=True, metadata=LIGHT)


class ProgressStageOut(Answer):
    stage = fields.String(allow_none=True)
    lead_department = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    started_on = fields.Date(allow_none=True, metadata={"description": "阶段受理（收件）日期"})
    due_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    paused = fields.Boolean()
    light = fields.String(allow_none=True, metadata=LIGHT)
    cases = fields.List(fields.Nested(ProgressCaseOut))


class ProgressOut(Answer):
    """A project's progress as the public may see it: no personal data, no names of people."""
    project_code = fields.String()
    name = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    registered_on = fields.Date(allow_none=True)
    stages = fields.List(fields.Nested(ProgressStageOut))


# ------------------------------------------------------------------------------------ inbox
from platform_kit.notices import KINDS as NOTICE_KINDS, URGENCIES  # noqa: E402


class InboxFilters(PageFilters):
    kind = fields.String(load_default=None, validate=validate.OneOf(NOTICE_KINDS))
    project_code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    unread = fields.Boolean(load_default=False)
    unread_first = fields.Boolean(load_default=False)


class NoticeReadIn(Body):
    """An empty object (the body may also be left out)."""


class NoticeOut(Answer):
    """A notice in an inbox (消息): what it is about, from whom, and when this account read it."""
    notification_id = fields.String()
    kind = fields.String(metadata={"enum": list(NOTICE_KINDS)})
    urgency = fields.String(metadata={"enum": list(URGENCIES)})
    title = fields.String()
    body = fields.String()
    project_code = fields.String(allow_none=True)
    stage_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    subject = fields.String(allow_none=True, metadata={"description": "所涉事项：类别:标识"})
    sender = fields.String(allow_none=True, metadata={"description": "发送人账号；平台自动发送时为空"})
    audience = fields.String(metadata={"description": "接收对象"})
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True, metadata={"description": "本账号阅读时间；未读为空"})


class NoticesOut(PageAnswer):
    items = fields.List(fields.Nested(NoticeOut))


class InboxCountsOut(Answer):
    unread = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())


# ------------------------------------------------------------------- complaints (投诉举报, 002 §33)
from platform_kit.contracts import ACCOUNTABILITY_GROUNDS, COMPLAINT_CHANNELS  # noqa: E402

PROJECT_CODE_RE = r"^\d{4}-\d{6}-48-01-\d{6}$"
REGION_RE = r"^\d{6}$"
COMPLAINT_STATES = ("filed", "assigned", "concluded")   # 待受理 / 办理中 / 已办结
COMPLAINT_NO_RE = r"^TS\d{8}[23456789A-HJ-NP-Z]{6}$"




class FileComplaint(Body):
    """A signed-in applicant's complaint about its own project, or one case of it."""
    project_code = fields.String(required=True, validate=validate.Regexp(
        PROJECT_CODE_RE, error="应为 YYYY-行政区划代码-48-01-六位序号"))
    case_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200, error="标题须为 2 至 200 个字"))
    content = fields.String(required=True, validate=validate.Length(
        min=10, max=5000, error="投诉内容须为 10 至 5000 个字"))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))


class FileAnonymousComplaint(Body):
    """A complaint or report from the public (no sign-in) about a department or a project; the
    contact is optional. The answer carries the query code once."""
    about = fields.String(required=True, validate=validate.OneOf(
        ("department", "project"), error="投诉对象应为 department（部门）或 project（项目）"))
    project_code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        PROJECT_CODE_RE, error="应为 YYYY-行政区划代码-48-01-六位序号"))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        REGION_RE, error="行政区划代码应为六位数字"))
    title = fields.String(required=True, validate=validate.Length(min=2, max=200, error="标题须为 2 至 200 个字"))
    content = fields.String(required=True, validate=validate.Length(
        min=10, max=5000, error="投诉内容须为 10 至 5000 个字"))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80))
    contact = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))


class AssignComplaint(Body):
    """Take the complaint (no assignee: oneself) or assign it to another supervisor of the region."""
    assignee = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class ComplaintOutcome(Body):
    finding = fields.String(required=True, validate=validate.Length(min=2, max=5000, error="须写明调查核实情况"))
    substantiated = fields.Boolean(required=True)
    action_taken = fields.String(required=True, validate=validate.Length(
        min=2, max=5000, error="须写明处理措施"))


class ComplaintLookup(Body):
    complaint_no = fields.String(required=True, validate=validate.Length(min=1, max=40))
    query_code = fields.String(required=True, validate=validate.Length(min=1, max=40))


class ComplaintFilters(PageFilters):
    state = fields.String(load_default=None, validate=validate.OneOf(COMPLAINT_STATES))
    overdue = fields.Boolean(load_default=None, allow_none=True)


class ComplaintStepOut(Answer):
    action = fields.String(metadata={"enum": ["filed", "assigned", "recounted", "concluded"]})
    actor = fields.String()
    actor_role = fields.String()
    at = fields.AwareDateTime()
    on = fields.Date()
    note = fields.String()
    assignee = fields.String(allow_none=True)
    finding = fields.String(allow_none=True)
    substantiated = fields.Boolean(allow_none=True)
    action_taken = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    due_estimated = fields.Boolean(allow_none=True)


class ComplaintOut(Answer):
    complaint_id = fields.String()
    complaint_no = fields.String()
    channel = fields.String(metadata={"enum": list(COMPLAINT_CHANNELS)})
    about = fields.String(metadata={"enum": ["case", "project", "department"]})
    project_code = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    region = fields.String()
    title = fields.String()
    content = fields.String()
    complainant_org = fields.String(allow_none=True)
    complainant_name = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    filed_on = fields.Date()
    due_days = fields.Integer()
    due_on = fields.Date()
    due_estimated = fields.Boolean(metadata={"description": "期限跨越尚未载入节假日安排的年份：按周一至周五预计"})
    overdue = fields.Boolean()
    state = fields.String(metadata={"enum": list(COMPLAINT_STATES)})
    assignee = fields.String(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    outcome = fields.Nested(ComplaintStepOut, allow_none=True)
    steps = fields.List(fields.Nested(ComplaintStepOut))


class ComplaintFiledOut(ComplaintOut):
    query_code = fields.String(allow_none=True, metadata={
        "description": "匿名投诉的查询码：仅此一次答复，平台只保存其摘要，请妥善保管"})


class ComplaintsOut(PageAnswer):
    items = fields.List(fields.Nested(ComplaintOut))


class ComplaintLookupOut(Answer):
    """What an anonymous complainant reads with the query code: the state and the outcome."""
    complaint_no = fields.String()
    title = fields.String()
    filed_on = fields.Date()
    due_on = fields.Date()
    due_estimated = fields.Boolean()
    state = fields.String(metadata={"enum": list(COMPLAINT_STATES)})
    concluded_on = fields.Date(allow_none=True)
    substantiated = fields.Boolean(allow_none=True)
    finding = fields.String(allow_none=True)
    action_taken = fields.String(allow_none=True)


# ------------------------------------------------------------------- accountability (问责清单, 002 §34)
ACCOUNTABILITY_STATES = ("open", "confirmed", "dismissed", "referred")
ACCOUNTABILITY_DECISIONS = ("confirm", "dismiss", "refer")
ACCOUNTABILITY_FACTS = ("case_lapsed", "consultation_silent", "joint_review_silent", "second_supplement")


class AccountabilityFilters(PageFilters):
    month = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{4}-(0[1-9]|1[0-2])$", error="月份应为 YYYY-MM"))
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    ground = fields.String(load_default=None, validate=validate.OneOf(ACCOUNTABILITY_GROUNDS))
    state = fields.String(load_default=None, validate=validate.OneOf(ACCOUNTABILITY_STATES))


class AccountabilityDecisionIn(Body):
    decision = fields.String(required=True, validate=validate.OneOf(
        ACCOUNTABILITY_DECISIONS, error="决定应为 confirm（确认）、dismiss（不予问责）或 refer（移送）"))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
    referred_to = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=120))


class AccountabilityDecisionOut(Answer):
    decision = fields.String(metadata={"enum": list(ACCOUNTABILITY_DECISIONS)})
    reason = fields.String()
    referred_to = fields.String(allow_none=True)
    decided_by = fields.String()
    decided_role = fields.String()
    decided_at = fields.AwareDateTime()


class AccountabilityRecordOut(Answer):
    record_id = fields.String()
    ground = fields.String(metadata={"enum": list(ACCOUNTABILITY_GROUNDS),
                                     "description": "002 第三十四条所列情形：34-2 第（二）项、34-3 第（三）项、34-4 第（四）项、34-5 第（五）项"})
    ground_text = fields.String()
    fact = fields.String(metadata={"enum": list(ACCOUNTABILITY_FACTS)})
    department = fields.String()
    region = fields.String(allow_none=True)
    project_code = fields.String(allow_none=True)
    stage_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    occurred_on = fields.Date()
    summary = fields.String()
    evidence = fields.Dict(metadata={"description": "依据：事件编号 event_ids、办件、部门、日期等"})
    recorded_at = fields.AwareDateTime()
    state = fields.String(metadata={"enum": list(ACCOUNTABILITY_STATES)})
    decisions = fields.List(fields.Nested(AccountabilityDecisionOut))


class AccountabilityListOut(PageAnswer):
    items = fields.List(fields.Nested(AccountabilityRecordOut))


# ------------------------------------------------------------------------ notification contacts
from marshmallow import validates_schema, ValidationError  # noqa: E402

from platform_kit.identity import ROLES  # noqa: E402

_PHONE = validate.Regexp(r"^\+?\d{5,20}$", error="手机号码应为 5 至 20 位数字，可带 +")
_REGION = validate.Regexp(r"^\d{6}$", error="行政区划代码应为6位数字")


class AudienceIn(Body):
    """Whom a contact is for, as notices address them: a person (account), an applicant organisation
    (org with role applicant), a department's office in a region (department and region), its head
    (role dept_admin), or the supervisors of a region (role supervisor)."""
    account = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    org = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    region = fields.String(load_default=None, allow_none=True, validate=_REGION)
    role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ROLES))

    @validates_schema
    def _someone(self, data, **kwargs):
        if not any(data.get(name) for name in ("account", "org", "department", "region", "role")):
            raise ValidationError("须指明接收对象（账号、单位、部门及区划或角色）", "_schema")


class ContactIn(Body):
    """The addresses of an audience (通知联系方式). Both left empty: the audience gets the inbox only."""
    audience = fields.Nested(AudienceIn, required=True)
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                         error_messages={"invalid": "电子邮箱地址格式不正确"})
    phone = fields.String(load_default=None, allow_none=True, validate=_PHONE)
    sms = fields.Boolean(load_default=False, metadata={"description": "订阅短信（须有手机号码）"})
    reason = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def _sms_needs_a_phone(self, data, **kwargs):
        if data.get("sms") and not data.get("phone"):
            raise ValidationError("订阅短信须填写手机号码", "phone")


class ContactFilters(PageFilters):
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    org = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    account = fields.String(load_default=None, validate=validate.Length(min=1, max=80))


class ContactOut(Answer):
    """The current addresses of an audience, with who recorded them and when."""
    audience = fields.String(metadata={"description": "接收对象"})
    account = fields.String(allow_none=True)
    org = fields.String(allow_none=True)
    department = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    sms = fields.Boolean()
    channels = fields.List(fields.String(metadata={"enum": ["inbox", "email", "sms"]}))
    reason = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()
    versions = fields.Integer(metadata={"description": "该接收对象联系方式的登记次数"})


class ContactsOut(PageAnswer):
    items = fields.List(fields.Nested(ContactOut))


class DeliveryFilters(PageFilters):
    notification_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))
    outcome = fields.String(load_default=None, validate=validate.OneOf(["sent", "failed"]))


class DeliveryAttemptOut(Answer):
    attempt = fields.Integer()
    outcome = fields.String(metadata={"enum": ["sent", "failed"]})
    reason = fields.String(allow_none=True)
    attempted_at = fields.AwareDateTime()


class DeliveryOut(Answer):
    """An e-mail the platform sent or tried to send for a notice, with every attempt."""
    delivery_id = fields.String()
    notification_id = fields.String()
    event_id = fields.String()
    channel = fields.String()
    address = fields.String()
    subject = fields.String()
    outcome = fields.String(metadata={"enum": ["sent", "failed"]})
    created_at = fields.AwareDateTime()
    attempts = fields.List(fields.Nested(DeliveryAttemptOut))


class DeliveriesOut(PageAnswer):
    items = fields.List(fields.Nested(DeliveryOut))


# ------------------------------------------------------------------------------------ urges (催办)
from platform_kit.contracts import ALERT_LEVELS, URGE_TARGET_KINDS  # noqa: E402,F401

URGE_TARGET_DESCRIPTION = "case 办件 / stage 阶段 / consultation 征求意见 / guidance 辅导答复"
_TEXT = {"max": 2000}


class SendUrge(Body):
    """催办: what is urged (kind and id), how urgent, and why. For a consultation or a guidance answer
    ``department`` names the department whose answer is awaited."""
    target_kind = fields.String(required=True, validate=validate.OneOf(
        URGE_TARGET_KINDS, error="催办对象类别须为 case（办件）、stage（阶段）、consultation（征求意见）或 guidance（辅导答复）"),
        metadata={"description": URGE_TARGET_DESCRIPTION})
    target_id = fields.String(required=True, validate=validate.Length(min=1, max=40, error="催办对象编号须为 1 至 40 个字符"))
    department = fields.String(load_default=None, allow_none=True,
                               validate=validate.Length(min=1, max=40, error="部门代码须为 1 至 40 个字符"))
    urgency = fields.String(load_default="normal", validate=validate.OneOf(
        URGENCIES, error="紧急程度须为 normal（一般）、urgent（紧急）或 very_urgent（特急）"),
        metadata={"description": "normal 一般 / urgent 紧急 / very_urgent 特急"})
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000, error="催办内容须为 1 至 2000 个字"))


class UrgeFilters(PageFilters):
    case_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))
    project_code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class UrgeReaderOut(Answer):
    account = fields.String()
    read_at = fields.AwareDateTime()


class UrgeOut(Answer):
    """An urge as recorded: who urged which department about what, when and why, and who read it."""
    urge_id = fields.String()
    target_kind = fields.String(metadata={"enum": list(URGE_TARGET_KINDS)})
    target_id = fields.String()
    project_code = fields.String(allow_none=True)
    stage_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    department = fields.String()
    region = fields.String(allow_none=True)
    urgency = fields.String(metadata={"enum": list(URGENCIES)})
    message = fields.String()
    sender = fields.String()
    sender_name = fields.String(allow_none=True)
    sender_role = fields.String()
    sender_department = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    readers = fields.List(fields.Nested(UrgeReaderOut), metadata={"description": "已阅读的账号及时间"})


class UrgesOut(PageAnswer):
    items = fields.List(fields.Nested(UrgeOut))


# ------------------------------------------------------------------ coordination requests (协调申请)
COORDINATION_STATES = ("open", "answered", "overdue")


class FileCoordinationRequest(Body):
    """A department asks a stage's lead department to coordinate (000 §18, 004 §22): about the stage
    or one of its cases; the reply is due in ``reply_days`` working days (default 2) or on ``reply_due_on``."""
    stage_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    case_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200, error="事由须为 1 至 200 个字"))
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000, error="情况说明须为 1 至 4000 个字"))
    reply_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(
        min=1, max=30, error="答复期限须为 1 至 30 个工作日"))
    reply_due_on = fields.Date(load_default=None, allow_none=True)


class CoordinationReplyIn(Body):
    body = fields.String(required=True, validate=validate.Length(min=1, max=4000, error="答复内容须为 1 至 4000 个字"))


class CoordinationFilters(PageFilters):
    role = fields.String(load_default=None, validate=validate.OneOf(
        ("sent", "received"), error="须为 sent（本部门发出）或 received（本部门收到）"))
    state = fields.String(load_default=None, validate=validate.OneOf(
        COORDINATION_STATES, error="须为 open（待答复）、answered（已答复）或 overdue（逾期未答复）"))
    project_code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class CoordinationReplyOut(Answer):
    reply_id = fields.String()
    department = fields.String()
    replier = fields.String()
    replier_name = fields.String(allow_none=True)
    body = fields.String()
    replied_on = fields.Date()
    created_at = fields.AwareDateTime()


class CoordinationRequestOut(Answer):
    request_id = fields.String()
    project_code = fields.String(allow_none=True)
    stage_id = fields.String()
    case_id = fields.String(allow_none=True)
    lead_department = fields.String()
    region = fields.String(allow_none=True)
    from_department = fields.String()
    requester = fields.String()
    requester_name = fields.String(allow_none=True)
    subject = fields.String()
    description = fields.String()
    reply_due_on = fields.Date()
    state = fields.String(metadata={"enum": list(COORDINATION_STATES),
                                    "description": "open 待答复 / answered 已答复 / overdue 逾期未答复"})
    created_at = fields.AwareDateTime()
    replies = fields.List(fields.Nested(CoordinationReplyOut))


class CoordinationRequestsOut(PageAnswer):
    items = fields.List(fields.Nested(CoordinationRequestOut))


# ------------------------------------------------------------------------- inspection notes (督查)
INSPECTION_TARGETS = ("case", "department")


class RecordInspection(Body):
    """督查: a finding and the action required, on a case or on a department (of a region)."""
    target_kind = fields.String(required=True, validate=validate.OneOf(
        INSPECTION_TARGETS, error="督查对象须为 case（办件）或 department（部门）"))
    case_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    department = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        r"^\d{6}$", error="行政区划代码应为 6 位数字"))
    finding = fields.String(required=True, validate=validate.Length(min=1, max=4000, error="督查发现须为 1 至 4000 个字"))
    required_action = fields.String(required=True, validate=validate.Length(
        min=1, max=4000, error="整改要求须为 1 至 4000 个字"))


class InspectionFilters(PageFilters):
    case_id = fields.String(load_default=None, validate=validate.Length(min=1, max=36))
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    project_code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class InspectionOut(Answer):
    note_id = fields.String()
    target_kind = fields.String(metadata={"enum": list(INSPECTION_TARGETS)})
    case_id = fields.String(allow_none=True)
    project_code = fields.String(allow_none=True)
    department = fields.String()
    region = fields.String(allow_none=True)
    finding = fields.String()
    required_action = fields.String()
    inspector = fields.String()
    inspector_name = fields.String(allow_none=True)
    inspector_role = fields.String()
    inspector_department = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class InspectionsOut(PageAnswer):
    items = fields.List(fields.Nested(InspectionOut))
# ------------------------------------------------------------------------------------ statistics
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
STATISTICS_GROUPS = ("department", "region", "item", "stage", "officer", "month")
EXPORT_FORMATS = ("csv", "xlsx")
CHART_KINDS = ("ranking", "trend")
_MONTH = {"validate": validate.Regexp(MONTH_PATTERN, error="月份应为 YYYY-MM"), "load_default": None}


class StatisticsPeriod(Body):
    """The period (one month, or a range from–to of months; this month when none is given) and the
    reach (department, region: a city's code counts its counties too)."""
    month = fields.String(**_MONTH)
    from_ = fields.String(data_key="from", attribute="from", **_MONTH)
    to = fields.String(**_MONTH)
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$", error="行政区划代码应为 6 位数字"))


class StatisticsFilters(StatisticsPeriod, PageFilters):
    group_by = fields.String(load_default="department", validate=validate.OneOf(STATISTICS_GROUPS))


class StatisticsExport(StatisticsPeriod):
    group_by = fields.String(load_default="department", validate=validate.OneOf(STATISTICS_GROUPS))
    format = fields.String(required=True, validate=validate.OneOf(EXPORT_FORMATS))


class StatisticsChart(StatisticsPeriod):
    kind = fields.String(load_default="ranking", validate=validate.OneOf(CHART_KINDS))


def _counts():
    described = {"received": "接件数", "accepted": "受理数", "refused": "不予受理数", "concluded": "办结数",
                 "on_time": "按时办结数", "special_handled": "特殊程序数", "yellow": "预警数（黄灯期内按时办结）",
                 "overdue": "逾期数（超期办结或超期无意见，每件一次）", "supplements": "待补正数（补正告知次数）",
                 "lapses": "超期无意见数", "urges": "催办数", "complaints": "投诉举报数"}
    return {name: fields.Integer(metadata={"description": text}) for name, text in described.items()}


def _rates():
    described = {"acceptance_rate": "受理率 = 受理数 ÷ 接件数", "refusal_rate": "不予受理率 = 不予受理数 ÷ 接件数",
                 "overdue_rate": "逾期率 = 逾期数 ÷ 办结数", "conclusion_rate": "办结率 = 办结数 ÷ 受理数",
                 "time_use_rate": "用时率 = 已用工作日 ÷ 承诺时限（含延长）", "on_time_rate": "按时办结率 = 按时办结数 ÷ 办结数"}
    return {name: fields.Float(allow_none=True, metadata={"description": text + "；无分母时为空"})
            for name, text in described.items()}


class StatisticsChangeOut(Answer):
    """环比 (against the previous period) or 同比 (the same period a year before): for a count its
    relative change ((now − then) ÷ then), for the on-time rate the difference; null without a base."""
    received = fields.Float(allow_none=True)
    accepted = fields.Float(allow_none=True)
    concluded = fields.Float(allow_none=True)
    overdue = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)


StatisticsRowOut = Answer.from_dict({
    "key": fields.String(metadata={"description": "分组的值：部门、行政区划、事项、阶段代码，经办人账号或月份"}),
    "name": fields.String(metadata={"description": "分组的中文名称"}),
    **_counts(), **_rates(),
    "average_days": fields.Float(allow_none=True, metadata={"description": "平均用时（工作日）"}),
    "longest_days": fields.Integer(allow_none=True, metadata={"description": "最长用时（工作日）"}),
    "mom": fields.Nested(StatisticsChangeOut, metadata={"description": "环比"}),
    "yoy": fields.Nested(StatisticsChangeOut, metadata={"description": "同比"}),
}, name="StatisticsRowOut")


class StatisticsPeriodOut(Answer):
    from_ = fields.String(data_key="from", attribute="from")
    to = fields.String()


class RankingOut(Answer):
    rank = fields.Integer()
    department = fields.String()
    name = fields.String()
    concluded = fields.Integer()
    on_time = fields.Integer()
    overdue = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class StatisticsOut(PageAnswer):
    period = fields.Nested(StatisticsPeriodOut)
    previous_period = fields.Nested(StatisticsPeriodOut, metadata={"description": "环比的基期"})
    last_year_period = fields.Nested(StatisticsPeriodOut, metadata={"description": "同比的基期"})
    group_by = fields.String(metadata={"enum": list(STATISTICS_GROUPS)})
    items = fields.List(fields.Nested(StatisticsRowOut))
    totals = fields.Nested(StatisticsRowOut, metadata={"description": "合计"})
    ranking = fields.List(fields.Nested(RankingOut), metadata={"description": "部门按时办结率排名"})


class FileOut(Answer):
    """A file: its media type, name and content (base64); the gateway sends it as the file itself."""
    content_type = fields.String()
    name = fields.String()
    content_base64 = fields.String()
