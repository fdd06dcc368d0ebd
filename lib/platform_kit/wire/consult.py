"""Wire formats of the consult service (征求意见 / 会签)."""
from marshmallow import fields, validate

from platform_kit.clock_facts import LIGHTS
from platform_kit.wire import Answer, Body, PageFilters

DUE_DAYS = validate.Range(min=1, max=60, error="答复期限须为 1 至 60 个工作日")
# 同意 / 有条件同意 / 不同意 / 无意见: a department's own answer
REPLY_KINDS = ("agree", "conditional", "disagree", "none")
# a reply recorded before kinds existed ("replied"), the platform's no opinion by the deadline (004 §14)
OPINION_KINDS = REPLY_KINDS + ("replied", "no_opinion")
STATES = ("open", "answered", "closed")


class OpenConsultation(Body):
    """The item's catalog rule decides the departments consulted by default and the working days
    (001 二–四); `asked_of` adds departments, `due_days` is needed only for an item without a rule and
    must equal the rule's days otherwise."""
    project_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    case_id = fields.String(load_default=None, allow_none=True)
    asked_of = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list,
                           validate=validate.Length(max=30))
    question = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    due_days = fields.Integer(load_default=None, allow_none=True, validate=DUE_DAYS)


class ReplyToConsultation(Body):
    kind = fields.String(required=True, validate=validate.OneOf(
        REPLY_KINDS, error="答复意见类型须为 agree（同意）、conditional（有条件同意）、disagree（不同意）或 none（无意见）"),
        metadata={"description": "agree 同意 / conditional 有条件同意 / disagree 不同意 / none 无意见"})
    opinion = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    # required for conditional (有条件同意), refused otherwise
    conditions = fields.String(load_default="", validate=validate.Length(max=4000))
    attachments = fields.List(fields.String(validate=validate.Length(min=1, max=36)), load_default=list,
                              validate=validate.Length(max=20), metadata={"description": "材料编号"})


class Countersign(Body):
    """办结会签: the asking department's summary of every answer."""
    summary = fields.String(required=True, validate=validate.Length(min=1, max=8000))


class ConsultationFilters(PageFilters):
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    role = fields.String(load_default="addressed", validate=validate.OneOf(("addressed", "initiated")))
    state = fields.String(load_default=None, validate=validate.OneOf(STATES))
    light = fields.String(load_default=None, validate=validate.OneOf(LIGHTS))


class ReplyOut(Answer):
    department = fields.String()
    opinion = fields.String()
    replied_by = fields.String()
    replied_on = fields.Date()
    # 004 §14: no_opinion is recorded by the platform when the time ran out
    opinion_kind = fields.String(metadata={"enum": list(OPINION_KINDS)})
    conditions = fields.String()
    attachments = fields.List(fields.String())


class DeadlineRecountOut(Answer):
    """A deadline counted again once the operator loaded a year it runs through."""
    year = fields.Integer()
    old_due_on = fields.Date()
    new_due_on = fields.Date()
    still_estimated = fields.Boolean()
    loaded_by = fields.String()
    recounted_at = fields.AwareDateTime()


class ConsultationOut(Answer):
    id = fields.String()
    consultation_id = fields.Function(lambda c: c["id"], metadata={"type": "string"})   # as consultation.* events name it
    project_code = fields.String()
    case_id = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    asked_by = fields.String()
    asked_of = fields.List(fields.String())
    question = fields.String()
    opened_on = fields.Date()
    due_on = fields.Date()
    due_days = fields.Integer(allow_none=True)
    # a year of the deadline had no loaded holiday schedule: Monday–Friday assumed, counted again on load
    due_estimated = fields.Boolean()
    # open: replies awaited; answered: every department answered (or no opinion), countersign awaited; closed
    status = fields.String(metadata={"enum": list(STATES)})
    light = fields.String(allow_none=True, metadata={"enum": list(LIGHTS), "description": "答复时限今日亮灯（待答复时）"})
    outstanding = fields.List(fields.String(), metadata={"description": "尚未答复的部门"})
    answered_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    closed_by = fields.String(allow_none=True)
    summary = fields.String(allow_none=True)
    replies = fields.List(fields.Nested(ReplyOut))
    deadline_recounts = fields.List(fields.Nested(DeadlineRecountOut))

