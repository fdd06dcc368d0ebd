"""Tables of the supervision read model.

``timeline_entries`` is append-only: one row per event, never changed. The clock rows are a
projection of those events: each keeps the newest state and clock facts the stage service
published (``domain.projection``), with the position of the event that said each of them
(``positions``), so the order of arrival does not change the final state. The facts are kept whole
(``clock``) and in columns (due, yellow, pause, stop, frozen light), so that a list filters and
sorts by today's light in SQL.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from platform_kit.calendar_store import add_calendar_table
from platform_kit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class TimelineEntryRow(Base):
    __tablename__ = "timeline_entries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    stage_id: Mapped[str | None] = mapped_column(String(36), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[dict] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSON)   # as on the wire: reloaded through its schema to replay
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProjectRow(Base):
    __tablename__ = "projects"

    project_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(12))
    applicant_org: Mapped[str | None] = mapped_column(String(40))
    revision: Mapped[int | None] = mapped_column(Integer)  # project.updated carries 2, 3, ...
    registered_on: Mapped[date | None] = mapped_column(Date)   # Asia/Shanghai, from project.registered
    # the digest of the project's current query code (platform_kit.query_code) and when it was issued:
    # the latest issue wins, whatever the order the events arrive in
    query_code_digest: Mapped[str | None] = mapped_column(String(64))
    query_code_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ClockFactColumns:
    """The clock facts of the latest event that carried them (platform_kit.clock_facts), in columns
    a list filters and sorts by, and whole (``clock``), with the position of the event that said
    each fact (``positions``: fact -> [occurred_at, event id])."""

    started_on: Mapped[date | None] = mapped_column(Date)
    yellow_on: Mapped[date | None] = mapped_column(Date)
    yellow_days: Mapped[int | None] = mapped_column(Integer)
    paused: Mapped[bool | None] = mapped_column(Boolean)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    remaining_days: Mapped[int | None] = mapped_column(Integer)
    light: Mapped[str | None] = mapped_column(String(10))       # as of as_of; frozen while paused or stopped
    as_of: Mapped[date | None] = mapped_column(Date)
    clock: Mapped[dict | None] = mapped_column(JSON)
    clock_known: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    positions: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StageClockRow(ClockFactColumns, Base):
    __tablename__ = "stage_clocks"

    stage_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    stage: Mapped[str | None] = mapped_column(String(40))
    declaration_id: Mapped[str | None] = mapped_column(String(36))
    lead_department: Mapped[str | None] = mapped_column(String(40), index=True)
    limit_days: Mapped[int | None] = mapped_column(Integer)
    received_on: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(Date)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20), index=True)
    due_estimated: Mapped[bool | None] = mapped_column(Boolean)
    used_days: Mapped[int | None] = mapped_column(Integer)


class CaseClockRow(ClockFactColumns, Base):
    __tablename__ = "case_clocks"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stage_id: Mapped[str | None] = mapped_column(String(36), index=True)
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    stage: Mapped[str | None] = mapped_column(String(40))
    item_code: Mapped[str | None] = mapped_column(String(40))
    item_name: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(40), index=True)
    region: Mapped[str | None] = mapped_column(String(12))
    limit_days: Mapped[int | None] = mapped_column(Integer)
    extension_days: Mapped[int | None] = mapped_column(Integer)
    round: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    resume_state: Mapped[str | None] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))
    accepted_on: Mapped[date | None] = mapped_column(Date)
    deemed: Mapped[bool | None] = mapped_column(Boolean)          # 002 §7(二) deemed acceptance
    due_on: Mapped[date | None] = mapped_column(Date)
    due_estimated: Mapped[bool | None] = mapped_column(Boolean)
    paused_on: Mapped[date | None] = mapped_column(Date)          # supplement notice day (002 §8)
    returned_on: Mapped[date | None] = mapped_column(Date)
    lapsed_on: Mapped[date | None] = mapped_column(Date)          # no opinion by the deadline (004 §14)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    used_days: Mapped[int | None] = mapped_column(Integer)
    licence_id: Mapped[str | None] = mapped_column(String(36))
    licence_no: Mapped[str | None] = mapped_column(String(60))
    acceptance_due_on: Mapped[date | None] = mapped_column(Date)  # 002 §7(二), from stage.opened


class NotificationRow(Base):
    """A notice (domain.notices) addressed to an audience: inserted once, never changed."""
    __tablename__ = "notifications"

    notification_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(300), unique=True)
    # the audience: every column given must match the reader (domain.notices.Audience)
    account: Mapped[str | None] = mapped_column(String(80), index=True)
    org: Mapped[str | None] = mapped_column(String(40), index=True)
    department: Mapped[str | None] = mapped_column(String(40), index=True)
    region: Mapped[str | None] = mapped_column(String(12))
    role: Mapped[str | None] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    urgency: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    stage_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    subject: Mapped[str | None] = mapped_column(String(120), index=True)
    sender: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class NotificationReadRow(Base):
    """That an account read a notice, and when: inserted once per account and notice."""
    __tablename__ = "notification_reads"

    notification_id: Mapped[str] = mapped_column(String(36), ForeignKey("notifications.notification_id"),
                                                 primary_key=True)
    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ------------------------------------------------------------------- complaints and accountability
# the holiday schedules operators loaded, from calendar.year_loaded (platform_kit.calendar_store):
# complaint deadlines, coordination reply deadlines and days in red are counted in working days with
# the platform's one calendar
add_calendar_table(Base.metadata)


class ComplaintRow(Base):
    """A complaint or report (投诉举报, 002 §33). What was filed never changes; ``state``,
    ``assignee``, ``due_on`` and ``concluded_on`` repeat the latest of its steps (``complaint_steps``,
    the record), so that a list filters by them in SQL."""
    __tablename__ = "complaints"

    complaint_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    complaint_no: Mapped[str] = mapped_column(String(24), unique=True)
    channel: Mapped[str] = mapped_column(String(20))           # applicant | public
    about: Mapped[str] = mapped_column(String(20))             # case | project | department
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    department: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(12), index=True)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    complainant_account: Mapped[str | None] = mapped_column(String(80))
    complainant_org: Mapped[str | None] = mapped_column(String(40), index=True)
    complainant_name: Mapped[str | None] = mapped_column(String(80))
    contact: Mapped[str | None] = mapped_column(String(120))
    query_code_digest: Mapped[str | None] = mapped_column(String(64))   # anonymous: only the digest
    client_digest: Mapped[str | None] = mapped_column(String(64), index=True)  # rate limit per address
    filed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    filed_on: Mapped[date] = mapped_column(Date)
    due_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20), index=True)
    assignee: Mapped[str | None] = mapped_column(String(80))
    concluded_on: Mapped[date | None] = mapped_column(Date)


class ComplaintStepRow(Base):
    """One step of a complaint (filed, assigned, deadline recounted, concluded): who, when, what,
    why. Inserted once, never changed."""
    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    complaint_id: Mapped[str] = mapped_column(String(36), ForeignKey("complaints.complaint_id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(80))
    finding: Mapped[str | None] = mapped_column(Text)
    substantiated: Mapped[bool | None] = mapped_column(Boolean)
    action_taken: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_estimated: Mapped[bool | None] = mapped_column(Boolean)


class AccountabilityRecordRow(Base):
    """A fact of the accountability list (问责清单, 002 §34) detected from events: its ground, the
    department, and the evidence (event ids, case, dates). ``state`` repeats the latest decision
    (``accountability_decisions``, the record); nothing is deleted."""
    __tablename__ = "accountability_records"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    ground: Mapped[str] = mapped_column(String(10), index=True)
    fact: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str | None] = mapped_column(String(12), index=True)
    project_code: Mapped[str | None] = mapped_column(String(40))
    stage_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    summary: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(20), index=True)


class AccountabilityDecisionRow(Base):
    """A supervisor's decision on a record (confirm, dismiss with reason, refer to whom and why)."""
    __tablename__ = "accountability_decisions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(36), ForeignKey("accountability_records.record_id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    referred_to: Mapped[str | None] = mapped_column(String(120))
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_role: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
class NotificationContactRow(Base):
    """The addresses of an audience (通知联系方式), recorded by an operator: appended, never changed;
    the latest row of an audience is its current contact (no address: the inbox only)."""
    __tablename__ = "notification_contacts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    audience_key: Mapped[str] = mapped_column(String(300), index=True)
    account: Mapped[str | None] = mapped_column(String(80))
    org: Mapped[str | None] = mapped_column(String(40))
    department: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(12))
    role: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(21))
    sms: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationDeliveryRow(Base):
    """A message to send on a channel to an address for one notification.requested event: inserted
    once (its id is derived from the event, channel and address), the row locked while sending, so
    a redelivered event or a second replica never sends it twice."""
    __tablename__ = "notification_deliveries"

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), index=True)
    notification_id: Mapped[str] = mapped_column(String(36), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class NotificationAttemptRow(Base):
    """One attempt to send a delivery, and its outcome (sent, or failed with the reason): appended."""
    __tablename__ = "notification_attempts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(String(36), ForeignKey("notification_deliveries.delivery_id"),
                                             index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
# ------------------------------------------------------------------ acting on clocks (000 §18, 004 §21-22)
class UrgeRow(Base):
    """An urge (催办): who urged whom about what, when and why. Append-only."""
    __tablename__ = "urges"

    urge_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20))       # case | stage | consultation | guidance
    target_id: Mapped[str] = mapped_column(String(40))
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    stage_id: Mapped[str | None] = mapped_column(String(36), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    department: Mapped[str] = mapped_column(String(40), index=True)   # the department urged
    region: Mapped[str | None] = mapped_column(String(12))
    lead_department: Mapped[str | None] = mapped_column(String(40))
    urgency: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(String(80))
    sender_name: Mapped[str | None] = mapped_column(String(80))
    sender_role: Mapped[str] = mapped_column(String(20))
    sender_department: Mapped[str | None] = mapped_column(String(40))
    sender_region: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class EscalationRow(Base):
    """An automatic escalation of a case clock at one level (yellow, red, supervision): one row per
    clock and level, inserted in the same transaction as its notices, so each rule acts once."""
    __tablename__ = "escalations"

    clock_id: Mapped[str] = mapped_column(String(48), primary_key=True)    # "<case id>:<round>"
    level: Mapped[str] = mapped_column(String(20), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    project_code: Mapped[str | None] = mapped_column(String(40))
    department: Mapped[str | None] = mapped_column(String(40))
    region: Mapped[str | None] = mapped_column(String(12))
    due_on: Mapped[date | None] = mapped_column(Date)
    raised_on: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoordinationRequestRow(Base):
    """A coordination request (协调申请, 000 §18, 004 §22) from a department to a stage's lead department."""
    __tablename__ = "coordination_requests"

    request_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str | None] = mapped_column(String(40), index=True)
    stage_id: Mapped[str] = mapped_column(String(36), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    lead_department: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str | None] = mapped_column(String(12))
    from_department: Mapped[str] = mapped_column(String(40), index=True)
    from_region: Mapped[str | None] = mapped_column(String(12))
    requester: Mapped[str] = mapped_column(String(80))
    requester_name: Mapped[str | None] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    reply_due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CoordinationReplyRow(Base):
    """A reply of the lead department to a coordination request. Append-only."""
    __tablename__ = "coordination_replies"

    reply_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), ForeignKey("coordination_requests.request_id"),
                                            index=True)
    department: Mapped[str] = mapped_column(String(40))
    replier: Mapped[str] = mapped_column(String(80))
    replier_name: Mapped[str | None] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    replied_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InspectionNoteRow(Base):
    """An inspection note (督查) on a case or a department. Append-only."""
    __tablename__ = "inspection_notes"

    note_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    target_kind: Mapped[str] = mapped_column(String(20))         # case | department
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    project_code: Mapped[str | None] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40), index=True)
    region: Mapped[str | None] = mapped_column(String(12))
    finding: Mapped[str] = mapped_column(Text)
    required_action: Mapped[str] = mapped_column(Text)
    inspector: Mapped[str] = mapped_column(String(80))
    inspector_name: Mapped[str | None] = mapped_column(String(80))
    inspector_role: Mapped[str] = mapped_column(String(20))
    inspector_department: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
metadata = Base.metadata


# the statistics' tables (supervision.adapters.statistics_orm) and the exchange's own tables
# (supervision.exchange.tables) are part of this database's schema
from supervision.adapters import statistics_orm  # noqa: E402,F401
from supervision.exchange import tables as exchange_tables  # noqa: E402,F401
