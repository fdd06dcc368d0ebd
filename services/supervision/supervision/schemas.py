"""Wire formats of the supervision service's RPC methods.

The answers the gateway documents too are defined once in :mod:`platform_kit.wire.supervision`.
"""
from marshmallow import RAISE, Schema, fields, validate

from platform_kit.wire.supervision import (  # noqa: F401
    LIGHTS, CaseClockOut, ClockOut, ClocksOut, ProjectOverviewOut, StageClockOut, TimelineEntryOut)
from platform_kit.wire.supervision import OverviewProjectOut as ProjectOut  # noqa: F401


class ListClocks(Schema):
    class Meta:
        unknown = RAISE

    department = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    state = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    kind = fields.String(load_default=None, validate=validate.OneOf(["stage", "case"]))
    project_code = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    light = fields.String(load_default=None, validate=validate.OneOf(LIGHTS))
    limit = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
