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



# ---------------------------------------------------------------------------- joint review (会审)
# 方案联审 / 联合审图 / 联合测绘 / 联合验收
JOINT_REVIEW_KINDS = ("design_scheme", "construction_drawings", "joint_survey", "joint_acceptance")
JOINT_REVIEW_OPINION_KINDS = REPLY_KINDS + ("no_opinion",)
JOINT_REVIEW_STATES = ("open", "answered", "closed")


class ConveneJointReview(Body):
    """The lead department of the stage convenes a joint review; `due_days` working days from today
    must end within the stage's promised time."""
    kind = fields.String(required=True, validate=validate.OneOf(
        JOINT_REVIEW_KINDS, error="会审类型须为 design_scheme（方案联审）、construction_drawings（联合审图）、"
                                  "joint_survey（联合测绘）或 joint_acceptance（联合验收）"),
        metadata={"description": "design_scheme 方案联审 / construction_drawings 联合审图 / joint_survey 联合测绘 / "
                                 "joint_acceptance 联合验收"})
    stage_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    project_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40),
                                 metadata={"description": "若填写，须为该阶段所属项目的代码"})
    invitees = fields.List(fields.String(validate=validate.Length(min=1, max=40)), required=True,
                           validate=validate.Length(min=1, max=30), metadata={"description": "受邀部门代码"})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    meeting_on = fields.Date(required=True, metadata={"description": "会审日期"})
    place = fields.String(load_default="", validate=validate.Length(max=400))
    online = fields.Boolean(load_default=False, metadata={"description": "线上会审"})
    due_days = fields.Integer(required=True, validate=DUE_DAYS, metadata={"description": "反馈期限（工作日）"})


class AnswerJointReview(Body):
    kind = fields.String(required=True, validate=validate.OneOf(
        REPLY_KINDS, error="意见类型须为 agree（同意）、conditional（有条件同意）、disagree（不同意）或 none（无意见）"),
        metadata={"description": "agree 同意 / conditional 有条件同意 / disagree 不同意 / none 无意见"})
    opinion = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    conditions = fields.String(load_default="", validate=validate.Length(max=4000))


class JointReviewMinutes(Body):
    """会审纪要: the lead department's minutes and conclusion, which close the joint review."""
    minutes = fields.String(required=True, validate=validate.Length(min=1, max=16000))
    conclusion = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class JointReviewFilters(PageFilters):
    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    role = fields.String(load_default="invited", validate=validate.OneOf(("convened", "invited")))
    state = fields.String(load_default=None, validate=validate.OneOf(JOINT_REVIEW_STATES))


class JointReviewAnswerOut(Answer):
    department = fields.String()
    opinion_kind = fields.String(metadata={"enum": list(JOINT_REVIEW_OPINION_KINDS)})
    opinion = fields.String()
    conditions = fields.String()
    answered_by = fields.String()
    answered_on = fields.Date()
    on_time = fields.Boolean(metadata={"description": "false：逾期未反馈（视为无意见，记为未按时反馈）"})


class JointReviewOut(Answer):
    id = fields.String()
    joint_review_id = fields.Function(lambda r: r["id"], metadata={"type": "string"})
    kind = fields.String(metadata={"enum": list(JOINT_REVIEW_KINDS)})
    kind_name = fields.String()
    stage_id = fields.String()
    stage = fields.String()
    project_code = fields.String()
    region = fields.String(allow_none=True)
    convened_by = fields.String()
    invitees = fields.List(fields.String())
    subject = fields.String()
    meeting_on = fields.Date()
    place = fields.String()
    online = fields.Boolean()
    opened_on = fields.Date()
    due_days = fields.Integer()
    due_on = fields.Date()
    due_estimated = fields.Boolean()
    # open: answers awaited; answered: every invitee answered (or was silent), minutes awaited; closed
    status = fields.String(metadata={"enum": list(JOINT_REVIEW_STATES)})
    light = fields.String(allow_none=True, metadata={"enum": list(LIGHTS), "description": "反馈时限今日亮灯（待反馈时）"})
    outstanding = fields.List(fields.String(), metadata={"description": "尚未反馈的受邀部门"})
    failed_to_answer = fields.List(fields.String(), metadata={"description": "逾期未反馈的部门（未按时反馈）"})
    answered_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    closed_by = fields.String(allow_none=True)
    minutes = fields.String(allow_none=True)
    conclusion = fields.String(allow_none=True)
    answers = fields.List(fields.Nested(JointReviewAnswerOut))
