"""Wire formats of the stage service (审批阶段 and 办件: decisions, legal time limits, calendar)."""
from marshmallow import ValidationError, fields, validate, validates_schema

from platform_kit.states import CASE_STATES, LAPSE_ACTIONS, STAGE_STATES
from platform_kit.wire import Answer, Body, PageAnswer

# The actions a case takes (stage.domain.case.TRANSITIONS says from which state, by whom).
CASE_ACTIONS = ("accept", "request_supplement", "accept_supplement", "refuse", "not_required", "review",
                "approve", "disapprove", "conclude", "return", "resubmit", "withdraw")
STEPS = ("accept", "review", "approve", "conclude")
EXTENSION_DAYS = validate.Range(min=1, max=60)
CALENDAR_YEARS = validate.Range(min=2000, max=2100)
LIGHT = {"enum": ["green", "yellow", "red"]}


class ActOnCase(Body):
    """Which actions apply to which state, and which need a reason, is the stage service's rule."""

    action = fields.String(required=True, validate=validate.OneOf(CASE_ACTIONS))
    opinion = fields.String(load_default="", validate=validate.Length(max=4000))
    # 002 §7(二): a supplement notice is one-time; a further one is issued by the stage's lead
    # department with its reason, recorded in the decision and the event
    second_supplement_reason = fields.String(load_default="", validate=validate.Length(max=4000))
    # 002 §21: with "approve", the department's licence is on paper: its officer then uploads the scan,
    # which the platform seals as a true copy, instead of an electronic licence being issued
    paper_licence = fields.Boolean(load_default=False)


class SpecialHandle(ActOnCase):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    attachment_ref = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ExtensionBody(Body):
    """An extension of a case's or a stage's limit (the case or stage is the path's)."""

    days = fields.Integer(required=True, validate=EXTENSION_DAYS)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ExtendLimit(ExtensionBody):
    case_id = fields.String(load_default=None, allow_none=True)
    stage_id = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def one_target(self, data, **kwargs):
        if bool(data.get("case_id")) == bool(data.get("stage_id")):
            raise ValidationError("case_id 与 stage_id 须且只须提供一个", "case_id")


class ConfigureStep(Body):
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    step = fields.String(required=True, validate=validate.OneOf(STEPS))
    officer = fields.String(required=True, validate=validate.Length(min=1, max=80))
    granted = fields.Boolean(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class LoadCalendarYear(Body):
    year = fields.Integer(required=True, validate=CALENDAR_YEARS)
    holidays = fields.List(fields.Date(), required=True)
    working_weekends = fields.List(fields.Date(), load_default=list)


class DecisionOut(Answer):
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String(allow_none=True)
    on = fields.Date()
    at = fields.String(allow_none=True)
    who = fields.String()
    role = fields.String()
    name = fields.String()
    department = fields.String(allow_none=True)
    opinion = fields.String()
    reason = fields.String()
    special = fields.Boolean()
    attachment_ref = fields.String(allow_none=True)
    details = fields.Dict()


class FeedbackOut(Answer):
    """One department opinion fed back on the case (000 §13, 004 §15)."""
    action = fields.String()
    label = fields.String()
    department = fields.String(allow_none=True)
    person = fields.String()
    person_id = fields.String(allow_none=True)
    on = fields.Date()
    at = fields.String(allow_none=True)
    content = fields.String()
    special = fields.Boolean()
    special_reason = fields.String()


class ReceivedMaterialOut(Answer):
    material_id = fields.String()
    version = fields.Integer()
    name = fields.String()
    sha256 = fields.String()


class SupplementReceivedOut(Answer):
    """The supplement registered by the window since the latest supplement request (002 §8)."""
    received_on = fields.Date()
    at = fields.String(allow_none=True)
    by = fields.String()
    role = fields.String()
    materials = fields.List(fields.Nested(ReceivedMaterialOut))
    note = fields.String()
    document_no = fields.String(allow_none=True)


class ClockFieldsOut(Answer):
    limit_days = fields.Integer()
    extension_days = fields.Integer()
    due_on = fields.Date(allow_none=True)
    due_estimated = fields.Boolean()
    used_days = fields.Integer()
    remaining_days = fields.Integer(allow_none=True)
    overdue_days = fields.Integer()
    paused = fields.Boolean()
    light = fields.String(metadata=LIGHT)


class CaseOut(ClockFieldsOut):
    case_id = fields.String()
    project_code = fields.String()
    stage = fields.String()
    stage_id = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    department = fields.String()
    region = fields.String()
    applicant_org = fields.String()
    project_name = fields.String()
    state = fields.String(metadata={"enum": list(CASE_STATES)})
    state_label = fields.String()
    round = fields.Integer()
    received_on = fields.Date()
    acceptance_due_on = fields.Date(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    concluded_on = fields.Date(allow_none=True)
    lapsed_on = fields.Date(allow_none=True)
    # 004 §14: what follows a lapse (from the catalog), and the department the case was recalled to
    lapse_action = fields.String(metadata={"enum": list(LAPSE_ACTIONS)})
    recalled_to = fields.String(allow_none=True)
    supplement_notices = fields.Integer()   # 002 §7(二): the notices issued in this round
    licence_no = fields.String(allow_none=True)
    feedback = fields.List(fields.Nested(FeedbackOut))
    supplement_received = fields.Nested(SupplementReceivedOut, allow_none=True)
    history = fields.List(fields.Nested(DecisionOut))


class StageOut(ClockFieldsOut):
    stage_id = fields.String()
    stage = fields.String()
    project_code = fields.String()
    declaration_id = fields.String()
    lead_department = fields.String()
    state = fields.String(metadata={"enum": list(STAGE_STATES)})
    received_on = fields.Date()
    concluded_on = fields.Date(allow_none=True)
    cases = fields.List(fields.Nested(CaseOut))


class OverallOut(Answer):
    cap_days = fields.Integer()
    used_days = fields.Integer()
    remaining_days = fields.Integer()
    over_cap = fields.Boolean()


class CaseListOut(PageAnswer):
    items = fields.List(fields.Nested(CaseOut))


class CaseCountersOut(Answer):
    """The officer workbench's counters over the caller's visible cases, as of today (Asia/Shanghai)."""
    todo = fields.Integer(metadata={"description": "待本部门办理（待受理、待审核、待决定、待办结）"})
    supplementing = fields.Integer(metadata={"description": "补正中，等待申请人补正"})
    due_soon = fields.Integer(metadata={"description": "未办结且今日黄灯（临近时限）"})
    overdue = fields.Integer(metadata={"description": "未办结且今日红灯（已超时限）"})
    done = fields.Integer(metadata={"description": "已办结（含不予受理、无需许可、已撤回）"})
    as_of = fields.Date()


class StageListOut(PageAnswer):
    items = fields.List(fields.Nested(StageOut))
    overall = fields.Nested(OverallOut)


class ExtensionOut(Answer):
    case = fields.Nested(CaseOut)
    stage = fields.Nested(StageOut)


class CalendarYearLoadedOut(Answer):
    """The answer to loading a year: counts, the clocks recomputed, every year now loaded."""
    year = fields.Integer()
    holidays = fields.Integer(metadata={"description": "载入的法定节假日天数"})
    working_weekends = fields.Integer(metadata={"description": "载入的调休上班日天数"})
    recomputed_clocks = fields.Integer(metadata={"description": "由估算改为按日历计算的时限数"})
    loaded_years = fields.List(fields.Integer())


class CalendarLoadOut(Answer):
    year = fields.Integer()
    loaded_by = fields.String()
    loaded_at = fields.String(metadata={"description": "ISO 8601"})
    holidays = fields.List(fields.Date())
    working_weekends = fields.List(fields.Date())


class CalendarOut(Answer):
    loaded_years = fields.List(fields.Integer())
    operator_loads = fields.List(fields.Nested(CalendarLoadOut))


class StepOfficersOut(Answer):
    department = fields.String()
    item_code = fields.String()
    region = fields.String()
    step = fields.String(metadata={"enum": list(STEPS)})
    officers = fields.List(fields.String())


class StepChangeOut(Answer):
    department = fields.String()
    item_code = fields.String()
    region = fields.String()
    step = fields.String(metadata={"enum": list(STEPS)})
    officer = fields.String()
    granted = fields.Boolean()
    reason = fields.String()
    changed_by = fields.String()
    changed_at = fields.String(allow_none=True, metadata={"description": "ISO 8601"})


class StepAssignmentsOut(Answer):
    current = fields.List(fields.Nested(StepOfficersOut))
    history = fields.List(fields.Nested(StepChangeOut))
