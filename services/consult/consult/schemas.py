"""Wire formats of the consult service's RPC methods."""
from marshmallow import RAISE, Schema, fields, validate


class OpenConsultation(Schema):
    class Meta:
        unknown = RAISE

    project_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    case_id = fields.String(load_default=None, allow_none=True)
    asked_of = fields.List(fields.String(validate=validate.Length(min=1)), required=True,
                           validate=validate.Length(min=1))
    question = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    due_days = fields.Integer(required=True, validate=validate.Range(min=1, max=60))


class ReplyToConsultation(Schema):
    class Meta:
        unknown = RAISE

    opinion = fields.String(required=True, validate=validate.Length(min=1, max=4000))


class ReplyOut(Schema):
    department = fields.String()
    opinion = fields.String()
    replied_by = fields.String()
    replied_on = fields.Date()
    opinion_kind = fields.String()   # replied | no_opinion (004 §14: recorded by the platform)


class ConsultationOut(Schema):
    id = fields.String()
    project_code = fields.String()
    case_id = fields.String(allow_none=True)
    asked_by = fields.String()
    asked_of = fields.List(fields.String())
    question = fields.String()
    opened_on = fields.Date()
    due_on = fields.Date()
    status = fields.String()         # open | closed
    closed_on = fields.Date(allow_none=True)
    replies = fields.List(fields.Nested(ReplyOut))
