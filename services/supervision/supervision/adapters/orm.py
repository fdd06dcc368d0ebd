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


# ------------------------------------------------------------------------------------ statistics
class StatisticsCounterRow(Base):
    """A counter of the statistics (domain.statistics): added to in the transaction that records each
    event, once per event; read by summing over months. Each event adds at three grains
    (``domain.statistics.GRAINS``): per department and region; per item and stage too; per officer;
    a dimension a grain does not keep is ''. A query reads the smallest grain that has its grouping."""
    __tablename__ = "statistics_counters"

    grain: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)          # YYYY-MM, Asia/Shanghai
    department: Mapped[str] = mapped_column(String(40), primary_key=True)    # '' when unknown
    region: Mapped[str] = mapped_column(String(12), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    officer: Mapped[str] = mapped_column(String(80), primary_key=True)       # '' when not an officer's act
    indicator: Mapped[str] = mapped_column(String(30), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    used_days: Mapped[int] = mapped_column(Integer)      # working days used, summed (conclusions)
    limit_days: Mapped[int] = mapped_column(Integer)     # promised limit with extensions, summed
    longest_days: Mapped[int] = mapped_column(Integer)   # the longest time used


class StatisticsMarkRow(Base):
    """That an indicator counted once per case (overdue) was counted for a case: inserted once."""
    __tablename__ = "statistics_marks"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    indicator: Mapped[str] = mapped_column(String(30), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))


class StatisticsNameRow(Base):
    """The Chinese name of a department (catalog.loaded) or an item (case events), for tables and charts."""
    __tablename__ = "statistics_names"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)   # department / item
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


metadata = Base.metadata
