"""Wire formats of the consult service (征求意见)."""
from marshmallow import fields, validate

from platform_kit.wire import Answer, Body

DUE_DAYS = validate.Range(min=1, max=60, error="答复期限须为 1 至 60 个工作日")


class OpenConsultation(Body):
    project_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    case_id = fields.String(load_default=None, allow_none=True)
    asked_of = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                           validate=validate.Length(min=1))
    question = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    due_days = fields.Integer(required=True, validate=DUE_DAYS)


class ReplyToConsultation(Body):
    opinion = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ReplyOut(Answer):
    department = fields.String()
    opinion = fields.String()
    replied_by = fields.String()
    replied_on = fields.Date()
    # 004 §14: no_opinion is recorded by the platform when the time ran out
    opinion_kind = fields.String(metadata={"enum": ["replied", "no_opinion"]})


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
    asked_by = fields.String()
    asked_of = fields.List(fields.String())
    question = fields.String()
    opened_on = fields.Date()
    due_on = fields.Date()
    due_days = fields.Integer(allow_none=True)
    # a year of the deadline had no loaded holiday schedule: Monday–Friday assumed, counted again on load
    due_estimated = fields.Boolean()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    closed_on = fields.Date(allow_none=True)
    replies = fields.List(fields.Nested(ReplyOut))
    deadline_recounts = fields.List(fields.Nested(DeadlineRecountOut))
