"""Wire formats of the exchange with the provincial front database (supervision's ``exchange``
service): its status, the rejections read back and the operator's tasks."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body, PageAnswer, PageFilters

OUTCOMES = ("resent", "waiting", "task")
TASK_STATES = ("open", "resolved")


class TableStatusOut(Answer):
    table = fields.String(metadata={"description": "前置库表名"})
    backlog = fields.Integer(metadata={"description": "待上传行数"})
    sent = fields.Integer(metadata={"description": "已上传行数（含各版本）"})
    front = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "前置库中按上传状态 SJSCZT 计的行数（0 待校验、1 已接收、2 退回）"})


class RejectionCountOut(Answer):
    reason = fields.String()
    kind = fields.String(metadata={"enum": ["missing_parent", "stale_code", "person"]})
    count = fields.Integer()


class ExchangeStatusOut(Answer):
    tables = fields.List(fields.Nested(TableStatusOut))
    backlog = fields.Integer()
    oldest_unsent_seconds = fields.Float(metadata={"description": "最早一条未上传数据已等待的秒数"})
    rejections_by_reason = fields.List(fields.Nested(RejectionCountOut))
    last_push_at = fields.AwareDateTime(allow_none=True)
    last_poll_at = fields.AwareDateTime(allow_none=True)
    poll_seconds = fields.Integer()
    open_tasks = fields.Integer()
    mapping_version = fields.Integer()


class RejectionFilters(PageFilters):
    table = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    outcome = fields.String(load_default=None, validate=validate.OneOf(OUTCOMES))


class RejectionOut(Answer):
    id = fields.Integer()
    table_name = fields.String()
    lsh = fields.Integer(metadata={"description": "前置库流水号"})
    dfsjzj = fields.String(metadata={"description": "地方数据主键"})
    version = fields.Integer()
    reason = fields.String(metadata={"description": "省级平台填写的失败原因 SBYY"})
    reason_group = fields.String()
    kind = fields.String(metadata={"enum": ["missing_parent", "stale_code", "person"]})
    outcome = fields.String(metadata={"enum": list(OUTCOMES),
                                      "description": "resent 已自动重发 / waiting 等待上级数据 / task 转人工处理"})
    resent_row_id = fields.Integer(allow_none=True)
    recorded_at = fields.AwareDateTime()


class RejectionsOut(PageAnswer):
    items = fields.List(fields.Nested(RejectionOut))


class TaskFilters(PageFilters):
    state = fields.String(load_default=None, validate=validate.OneOf(TASK_STATES))


class TaskOut(Answer):
    task_id = fields.String()
    table_name = fields.String()
    dfsjzj = fields.String()
    version = fields.Integer()
    reason = fields.String()
    department = fields.String(metadata={"description": "责任部门"})
    project_code = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    accountability_record_id = fields.String(allow_none=True)
    opened_at = fields.AwareDateTime()
    state = fields.String(metadata={"enum": list(TASK_STATES)})
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolution = fields.String(allow_none=True)


class TasksOut(PageAnswer):
    items = fields.List(fields.Nested(TaskOut))


class TaskResolutionIn(Body):
    resolution = fields.String(required=True, validate=validate.Length(min=2, max=500,
                                                                       error="请说明处理情况（2 至 500 字）"))


class AttachmentLinkOut(Answer):
    url = fields.String(metadata={"description": "签名下载地址（相对网关根路径，无需登录，过期失效）"})
    expires_at = fields.AwareDateTime(metadata={"description": "链接失效时间"})
