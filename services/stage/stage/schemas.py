"""Wire formats of the stage service's RPC methods.

The formats the gateway reads too are defined once in :mod:`platform_kit.wire.stage`; the filters
only this service reads are here.
"""
from marshmallow import RAISE, Schema, fields, validate

from platform_kit.wire.stage import (  # noqa: F401  (the service's wire formats, one definition)
    ActOnCase, CaseCountersOut, CaseListOut, CaseOut, ConfigureStep, DecisionOut, ExtendLimit, ExtensionOut, FeedbackOut,
    LoadCalendarYear, OverallOut, ReceivedMaterialOut, SpecialHandle, StageListOut, StageOut,
    SupplementReceivedOut)
from platform_kit.clock_facts import LIGHTS
from platform_kit.states import CASE_STATES
from platform_kit.wire import PageFilters


class CaseFilters(PageFilters):
    project_code = fields.String(load_default=None, allow_none=True)
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CASE_STATES))
    department = fields.String(load_default=None, allow_none=True)
    # today's light of the case's clock; the list then shows open cases first, the most urgent first
    light = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LIGHTS))


class AssignmentFilters(Schema):
    class Meta:
        unknown = RAISE

    item_code = fields.String(load_default=None, allow_none=True)
