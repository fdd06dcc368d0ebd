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


class StatisticsOut(Answer):
    period = fields.Nested(StatisticsPeriodOut)
    previous_period = fields.Nested(StatisticsPeriodOut, metadata={"description": "环比的基期"})
    last_year_period = fields.Nested(StatisticsPeriodOut, metadata={"description": "同比的基期"})
    group_by = fields.String(metadata={"enum": list(STATISTICS_GROUPS)})
    items = fields.List(fields.Nested(StatisticsRowOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    totals = fields.Nested(StatisticsRowOut, metadata={"description": "合计"})
    ranking = fields.List(fields.Nested(RankingOut), metadata={"description": "部门按时办结率排名"})


class FileOut(Answer):
    """A file: its media type, name and content (base64); the gateway sends it as the file itself."""
    content_type = fields.String()
    name = fields.String()
    content_base64 = fields.String()
