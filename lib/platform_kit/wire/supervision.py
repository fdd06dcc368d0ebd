"""Wire formats of the supervision service (监察: legal time limits as recorded)."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body, PageFilters

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


class ClocksOut(Answer):
    items = fields.List(fields.Nested(ClockOut))
    total = fields.Integer()
    offset = fields.Integer()
    limit = fields.Integer()


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


class NoticesOut(Answer):
    items = fields.List(fields.Nested(NoticeOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class InboxCountsOut(Answer):
    unread = fields.Integer()
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())


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


class UrgesOut(Answer):
    items = fields.List(fields.Nested(UrgeOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


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


class CoordinationRequestsOut(Answer):
    items = fields.List(fields.Nested(CoordinationRequestOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


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


class InspectionsOut(Answer):
    items = fields.List(fields.Nested(InspectionOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
