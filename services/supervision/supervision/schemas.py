"""Wire formats of the supervision service's RPC methods."""
from marshmallow import RAISE, Schema, fields, validate

LIGHTS = ("green", "yellow", "red")


class ListClocks(Schema):
    class Meta:
        unknown = RAISE

    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    state = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    kind = fields.String(load_default=None, validate=validate.OneOf(["stage", "case"]))
    project_code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    region = fields.String(load_default=None, validate=validate.Length(min=1, max=12))
    # the light on today's date, from the facts the stage service published (platform_kit.clock_facts)
    light = fields.String(load_default=None, validate=validate.OneOf(LIGHTS))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200, error="每页条数须为 1 至 200"))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, error="起始位置不能为负数"))


class CaseClockOut(Schema):
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
    yellow_on = fields.Date(allow_none=True)
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
    light = fields.String(allow_none=True)   # None: no clock facts published for it yet


class StageClockOut(Schema):
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
    light = fields.String(allow_none=True)
    cases = fields.List(fields.Nested(CaseClockOut))


class TimelineEntryOut(Schema):
    event_id = fields.String()
    type = fields.String()
    occurred_at = fields.AwareDateTime()
    actor = fields.Dict()
    summary = fields.String()


class ProjectOut(Schema):
    name = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    applicant_org = fields.String(allow_none=True)


class ProjectOverviewOut(Schema):
    project_code = fields.String()
    project = fields.Nested(ProjectOut, allow_none=True)
    stages = fields.List(fields.Nested(StageClockOut))
    timeline = fields.List(fields.Nested(TimelineEntryOut))


class ClockOut(CaseClockOut):
    kind = fields.String()
    clock = fields.String()
    project_code = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    stage_id = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    state = fields.String(allow_none=True)
    started_on = fields.Date(allow_none=True)


class ClocksOut(Schema):
    items = fields.List(fields.Nested(ClockOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
