"""Wire formats of joint guidance (联合辅导, 003) in the consult service."""
from marshmallow import fields, validate

from platform_kit.clock_facts import LIGHTS
from platform_kit.contracts import STAGES
from platform_kit.wire import Answer, Body, PageAnswer, PageFilters

GUIDANCE_STATES = ("requested", "handling", "consulting", "to_confirm", "closed")
GUIDANCE_CHANNELS = ("online", "window")
FINDING_RESULTS = ("ok", "missing", "error", "corrected")
ENTRY_KINDS = ("faq", "common_error")
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
CODE = validate.Length(min=1, max=40)
TEXT = validate.Length(min=1, max=4000)


class RequestGuidance(Body):
    """A guidance request for a registered project (`project_code`) or a not-yet-registered intention
    (`intention`, `category`, `region`); `works`: building (房屋建筑) or a kind of works of the
    catalog (transport, water, grid, municipal_pipeline …)."""
    project_code = fields.String(load_default=None, allow_none=True, validate=CODE)
    intention = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    category = fields.String(load_default=None, allow_none=True, validate=CODE)
    region = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"^\d{6}$"))
    applicant_org = fields.String(load_default=None, allow_none=True, validate=CODE)
    stage = fields.String(required=True, validate=validate.OneOf(STAGES))
    works = fields.String(load_default="building", validate=CODE)
    lead_department = fields.String(load_default=None, allow_none=True, validate=CODE)
    topic = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class StepNote(Body):
    """Signing for a request, confirming or closing a session, or retiring a member of the directory:
    an optional note recorded with the step (the body may also be left out)."""
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class ScheduleGuidance(Body):
    """The team picked from the staff directory and the supporting departments called out."""
    team = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                       validate=validate.Length(max=30))
    supporting = fields.List(fields.String(validate=CODE), load_default=list, validate=validate.Length(max=30))
    place = fields.String(load_default="", validate=validate.Length(max=200))
    called_at = fields.AwareDateTime(load_default=None, allow_none=True)


class RecordArrival(Body):
    department = fields.String(load_default=None, allow_none=True, validate=CODE)
    arrived_at = fields.AwareDateTime(load_default=None, allow_none=True)
    online = fields.Boolean(load_default=False)


class AskQuestion(Body):
    question = fields.String(required=True, validate=TEXT)
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list,
                       validate=validate.Length(max=10))
    department = fields.String(load_default=None, allow_none=True, validate=CODE)
    answer = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000),
                           metadata={"description": "当场答复的内容；不填则为疑难问题，2 个工作日内答复"})


class AnswerQuestion(Body):
    answer = fields.String(required=True, validate=TEXT)


class RecordFinding(Body):
    item_code = fields.String(required=True, validate=CODE)
    material = fields.String(required=True, validate=validate.Length(min=1, max=200))
    result = fields.String(required=True, validate=validate.OneOf(
        FINDING_RESULTS, error="预审结论须为 ok（符合）、missing（缺少）、error（有误）或 corrected（已当场更正）"))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class IssueList(Body):
    next_steps = fields.String(required=True, validate=TEXT)
    supersedes = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class SendNextStage(Body):
    note = fields.String(required=True, validate=TEXT)


class AddStaff(Body):
    name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    title = fields.String(load_default="", validate=validate.Length(max=80))
    phone = fields.String(load_default="", validate=validate.Length(max=20))
    expertise = fields.String(load_default="", validate=validate.Length(max=500))


class PublishEntry(Body):
    item_code = fields.String(required=True, validate=CODE)
    kind = fields.String(required=True, validate=validate.OneOf(ENTRY_KINDS, error="须为 faq 或 common_error"))
    question = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    answer = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class GuidanceFilters(PageFilters):
    project_code = fields.String(load_default=None, validate=CODE)
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))
    state = fields.String(load_default=None, validate=validate.OneOf(GUIDANCE_STATES))
    lead_department = fields.String(load_default=None, validate=CODE)
    category = fields.String(load_default=None, validate=CODE)
    flagged = fields.Boolean(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, validate=validate.OneOf(GUIDANCE_CHANNELS))


class StaffFilters(PageFilters):
    department = fields.String(load_default=None, validate=CODE)
    region = fields.String(load_default=None, validate=validate.Regexp(r"^\d{6}$"))
    include_retired = fields.Boolean(load_default=False)


class NextStageFilters(PageFilters):
    project_code = fields.String(load_default=None, validate=CODE)
    state = fields.String(load_default=None, validate=validate.OneOf(("requested", "sent")))


class AnalysisFilters(Body):
    lead_department = fields.String(load_default=None, validate=CODE)
    stage = fields.String(load_default=None, validate=validate.OneOf(STAGES))
    category = fields.String(load_default=None, validate=CODE)
    top = fields.Integer(load_default=10, validate=validate.Range(min=1, max=50))
    from_ = fields.String(data_key="from", attribute="from", load_default=None, validate=validate.Regexp(MONTH))
    to = fields.String(load_default=None, validate=validate.Regexp(MONTH))


# ---------------------------------------------------------------------------- answers
class StepOut(Answer):
    action = fields.String()
    state = fields.String()
    actor = fields.String()
    department = fields.String(allow_none=True)
    at = fields.DateTime()
    on = fields.Date()
    note = fields.String()


class TeamMemberOut(Answer):
    staff_id = fields.String()
    department = fields.String()
    name = fields.String()


class CalloutOut(Answer):
    department = fields.String()
    called_at = fields.DateTime()
    arrived_at = fields.DateTime(allow_none=True)
    online = fields.Boolean()
    minutes = fields.Integer(allow_none=True)
    late = fields.Boolean(allow_none=True, metadata={"description": "超过 15 分钟到场（003 第七条）"})


class QuestionOut(Answer):
    id = fields.String()
    question = fields.String()
    tags = fields.List(fields.String())
    department = fields.String()
    mode = fields.String(metadata={"enum": ["on_spot", "deferred"]})
    asked_by = fields.String()
    asked_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    answer = fields.String(allow_none=True)
    answered_by = fields.String(allow_none=True)
    answered_on = fields.Date(allow_none=True)
    lapsed_on = fields.Date(allow_none=True)
    light = fields.String(allow_none=True, metadata={"enum": list(LIGHTS)})
    on_time = fields.Boolean(allow_none=True)


class FindingOut(Answer):
    item_code = fields.String()
    material = fields.String()
    result = fields.String(metadata={"enum": list(FINDING_RESULTS)})
    result_name = fields.String()
    note = fields.String()
    department = fields.String()
    recorded_on = fields.Date()


class ListSummaryOut(Answer):
    list_id = fields.String()
    kind = fields.String(metadata={"enum": ["one_time", "next_stage"]})
    stage = fields.String()
    department = fields.String()
    issued_by = fields.String()
    issued_on = fields.Date()
    supersedes = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    superseded_by = fields.String(allow_none=True)


class ListOut(ListSummaryOut):
    guidance_id = fields.String(allow_none=True)
    project_code = fields.String(allow_none=True)
    content = fields.Dict()


class GuidanceOut(Answer):
    id = fields.String()
    project_code = fields.String(allow_none=True)
    session_no = fields.Integer(allow_none=True)
    intention = fields.String(allow_none=True)
    applicant_org = fields.String(allow_none=True)
    category = fields.String()
    stage = fields.String()
    works = fields.String()
    lead_department = fields.String()
    region = fields.String()
    channel = fields.String(metadata={"enum": ["online", "window"]})
    topic = fields.String()
    requested_by = fields.String()
    requested_on = fields.Date()
    state = fields.String(metadata={"enum": list(GUIDANCE_STATES)})
    state_name = fields.String()
    flagged = fields.Boolean(metadata={"description": "同一项目第四次及以后的辅导：异常办件（003 第十二条）"})
    place = fields.String()
    called_at = fields.DateTime(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    steps = fields.List(fields.Nested(StepOut))
    team = fields.List(fields.Nested(TeamMemberOut))
    callouts = fields.List(fields.Nested(CalloutOut))
    questions = fields.List(fields.Nested(QuestionOut))
    findings = fields.List(fields.Nested(FindingOut))
    lists = fields.List(fields.Nested(ListSummaryOut))


class GuidancePageOut(PageAnswer):
    items = fields.List(fields.Nested(GuidanceOut))


class StaffOut(Answer):
    id = fields.String()
    department = fields.String()
    region = fields.String()
    name = fields.String()
    title = fields.String()
    phone = fields.String()
    expertise = fields.String()
    added_by = fields.String()
    added_on = fields.Date()
    retired_on = fields.Date(allow_none=True)
    active = fields.Boolean()


class StaffPageOut(PageAnswer):
    items = fields.List(fields.Nested(StaffOut))


class NextStageOut(Answer):
    id = fields.String()
    project_code = fields.String()
    stage = fields.String()
    lead_department = fields.String()
    requested_on = fields.Date()
    list_id = fields.String(allow_none=True)
    sent_on = fields.Date(allow_none=True)
    sent_by = fields.String(allow_none=True)
    state = fields.String(metadata={"enum": ["requested", "sent"]})


class NextStagePageOut(PageAnswer):
    items = fields.List(fields.Nested(NextStageOut))


class ProjectGuidanceOut(Answer):
    project_code = fields.String()
    sessions = fields.List(fields.Nested(GuidanceOut))
    lists = fields.List(fields.Nested(ListSummaryOut))
    next_stages = fields.List(fields.Nested(NextStageOut))


class CountOut(Answer):
    key = fields.String()
    count = fields.Integer()


class TagCountOut(Answer):
    tag = fields.String()
    count = fields.Integer()


class QuestionCountOut(Answer):
    question = fields.String()
    count = fields.Integer()


class MaterialErrorOut(Answer):
    item_code = fields.String()
    material = fields.String()
    count = fields.Integer()
    notes = fields.List(fields.String())


class AnalysisOut(Answer):
    sessions = fields.Integer()
    flagged = fields.Integer()
    by_stage = fields.List(fields.Nested(CountOut))
    by_department = fields.List(fields.Nested(CountOut))
    by_category = fields.List(fields.Nested(CountOut))
    by_month = fields.List(fields.Nested(CountOut))
    top_tags = fields.List(fields.Nested(TagCountOut))
    top_questions = fields.List(fields.Nested(QuestionCountOut))
    material_errors = fields.List(fields.Nested(MaterialErrorOut))


class GuideEntryOut(Answer):
    id = fields.String()
    item_code = fields.String()
    kind = fields.String(metadata={"enum": list(ENTRY_KINDS)})
    question = fields.String(allow_none=True)
    answer = fields.String()
    department = fields.String()
    published_by = fields.String()
    published_on = fields.Date()
