"""Wire formats of the supervision service's RPC methods.

The answers the gateway documents too are defined once in :mod:`platform_kit.wire.supervision`.
"""
from marshmallow import RAISE, Schema, fields, validate

from platform_kit.wire.supervision import (  # noqa: F401
    LIGHTS, CaseClockOut, InboxCountsOut, InboxFilters, NoticeOut, NoticesOut, ClockOut, ClocksOut, ProgressOut, ProgressQuery, ProjectOverviewOut, StageClockOut,
    TimelineEntryOut)
from platform_kit.wire.supervision import OverviewProjectOut as ProjectOut  # noqa: F401
from platform_kit.wire.supervision import (  # noqa: F401  complaints and the accountability list
    AccountabilityDecisionIn, AccountabilityFilters, AccountabilityListOut, AccountabilityRecordOut,
    AssignComplaint, ComplaintFiledOut, ComplaintFilters, ComplaintLookup, ComplaintLookupOut, ComplaintOut,
    ComplaintOutcome, ComplaintsOut, FileAnonymousComplaint, FileComplaint)
from platform_kit.wire.supervision import (  # noqa: F401  (notification contacts and deliveries)
    ContactFilters, ContactIn, ContactOut, ContactsOut, DeliveriesOut, DeliveryFilters)
from platform_kit.wire.supervision import SendUrge, UrgeFilters, UrgeOut, UrgesOut  # noqa: F401
from platform_kit.wire.supervision import (  # noqa: F401
    CoordinationFilters, CoordinationReplyIn, CoordinationRequestOut, CoordinationRequestsOut,
    FileCoordinationRequest, InspectionFilters, InspectionOut, InspectionsOut, RecordInspection)
from platform_kit.wire.supervision import (  # noqa: F401
    FileOut, StatisticsChart, StatisticsExport, StatisticsFilters, StatisticsOut)


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
