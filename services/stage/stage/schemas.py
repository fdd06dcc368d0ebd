"""Wire formats of the stage service's RPC methods.

The formats the gateway reads too are defined once in :mod:`platform_kit.wire.stage`; the filters
only this service reads are here.
"""
from marshmallow import RAISE, Schema, fields, validate

from platform_kit.wire.stage import (  # noqa: F401  (the service's wire formats, one definition)
    ActOnCase, CaseListOut, CaseOut, ConfigureStep, DecisionOut, ExtendLimit, ExtensionOut, FeedbackOut,
    LoadCalendarYear, OverallOut, ReceivedMaterialOut, SpecialHandle, StageListOut, StageOut,
    SupplementReceivedOut)
from stage.domain.case import STATE_LABELS


class CaseFilters(Schema):
    class Meta:
        unknown = RAISE

    project_code = fields.String(load_default=None, allow_none=True)
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(STATE_LABELS)))
    department = fields.String(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class AssignmentFilters(Schema):
    class Meta:
        unknown = RAISE

    item_code = fields.String(load_default=None, allow_none=True)
