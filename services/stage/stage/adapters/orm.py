"""Tables of the stage service and the mapping between rows and the domain objects.

Decisions (``case_decisions``) are inserted once and never updated or deleted: they are the record
of who decided what, when and why. The case and stage rows carry the current state and the
clock's incremental state, which every decision updates under a row lock.
"""
from datetime import date

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platform_kit.calendar_store import add_calendar_table
from platform_kit.db import service_metadata, utcnow
from stage.domain.case import Case
from stage.domain.stage import Stage
from stage.domain.clock import Clock


class Base(DeclarativeBase):
    metadata = service_metadata()


class ClockColumns:
    """The incremental state of one clock (see stage.domain.clock)."""

    limit_days: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    clock_started_on: Mapped[date | None] = mapped_column(Date)
    clock_used_before: Mapped[int] = mapped_column(Integer, default=0)
    clock_segments: Mapped[list] = mapped_column(JSON, default=list)
    clock_running_since: Mapped[date | None] = mapped_column(Date)
    clock_paused_since: Mapped[date | None] = mapped_column(Date)
    clock_stopped_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)


class RowVersion:
    """Given by the database on every insert and update of the row (migration 0007's trigger), never
    written here: the project's stamp under which its stages are kept in memory is their sum."""

    row_version: Mapped[int] = mapped_column(BigInteger, server_default=text("nextval('row_versions')"))


class StageRow(ClockColumns, RowVersion, Base):
    __tablename__ = "stages"
    __table_args__ = (UniqueConstraint("declaration_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(String(64))
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(12))
    applicant_org: Mapped[str] = mapped_column(String(40))
    project_name: Mapped[str] = mapped_column(String(200))
    lead_department: Mapped[str] = mapped_column(String(40))
    received_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20), default="open")
    concluded_on: Mapped[date | None] = mapped_column(Date)
    opened_at = mapped_column(DateTime(timezone=True), default=utcnow)
    cases: Mapped[list["CaseRow"]] = relationship(order_by="CaseRow.item_code", lazy="selectin",
                                                  back_populates="stage_row")


class CaseRow(ClockColumns, RowVersion, Base):
    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("stage_id", "item_code"),
        # the sweeper's two questions, answered from an index
        Index("ix_cases_running_due", "due_on", postgresql_where=text(
            "clock_running_since IS NOT NULL AND lapsed_on IS NULL AND state IN ('accepted', 'reviewed')")),
        Index("ix_cases_acceptance_due", "acceptance_due_on", postgresql_where=text("state = 'submitted'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stage_id: Mapped[str] = mapped_column(ForeignKey("stages.id"), index=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(12))
    applicant_org: Mapped[str] = mapped_column(String(40), index=True)
    project_name: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), index=True)
    resume_state: Mapped[str | None] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=1)
    received_on: Mapped[date] = mapped_column(Date)
    acceptance_due_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    concluded_on: Mapped[date | None] = mapped_column(Date)
    lapsed_on: Mapped[date | None] = mapped_column(Date)
    licence_no: Mapped[str | None] = mapped_column(String(80))
    lapse_action: Mapped[str] = mapped_column(String(20), default="return_to_lead")
    recalled_to: Mapped[str | None] = mapped_column(String(40))
    recalled_region: Mapped[str | None] = mapped_column(String(12))
    supplement_notices: Mapped[int] = mapped_column(Integer, default=0)
    stage_row: Mapped[StageRow] = relationship(back_populates="cases", lazy="select")
    decisions: Mapped[list["DecisionRow"]] = relationship(order_by="DecisionRow.id", lazy="select",
                                                          viewonly=True)


class DecisionRow(Base):
    """One decision on a case or a stage: inserted once, never updated, never deleted."""

    __tablename__ = "case_decisions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[str | None] = mapped_column(ForeignKey("cases.id"), index=True)
    stage_id: Mapped[str] = mapped_column(ForeignKey("stages.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    on: Mapped[date] = mapped_column(Date)
    at = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    department: Mapped[str | None] = mapped_column(String(40))
    opinion: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    special: Mapped[bool] = mapped_column(Boolean, default=False)
    attachment_ref: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class CalendarYearRow(Base):
    """A year's holiday schedule as loaded by an operator; a later load of the same year is a new
    row (the latest wins), earlier loads stay as the record. The table is the one every service that
    counts working days keeps (platform_kit.calendar_store); here it is the owner's record."""

    __table__ = add_calendar_table(Base.metadata)


class StepAssignmentRow(Base):
    """A change of an item's responsible persons (000 §15): inserted once, never updated."""

    __tablename__ = "step_assignments"
    __table_args__ = (Index("ix_step_assignments_key", "department", "item_code", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    department: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(12))
    step: Mapped[str] = mapped_column(String(20))
    officer: Mapped[str] = mapped_column(String(80))
    granted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(80))
    changed_at = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultationRow(Base):
    """A consultation opened on a case (consult/consultation.opened), kept once, never changed."""

    __tablename__ = "case_consultations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    asked_by: Mapped[str] = mapped_column(String(40))
    asked_of: Mapped[list] = mapped_column(JSON)
    question: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(12))
    due_on: Mapped[date | None] = mapped_column(Date)
    event_id: Mapped[str] = mapped_column(String(36))
    recorded_at = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultationAnswerRow(Base):
    """A department's answer to a consultation on a case, its own (consultation.replied) or its
    silence recorded as no opinion (consultation.lapsed): one per department, never changed."""

    __tablename__ = "case_consultation_answers"
    __table_args__ = (UniqueConstraint("consultation_id", "department"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(String(36), index=True)
    department: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(36))
    recorded_at = mapped_column(DateTime(timezone=True), default=utcnow)


class ConsultationClosureRow(Base):
    """A consultation on a case countersigned by the asking department (consultation.closed)."""

    __tablename__ = "case_consultation_closures"

    consultation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    closed_on: Mapped[date] = mapped_column(Date)
    closed_by: Mapped[str] = mapped_column(String(80), default="")
    event_id: Mapped[str] = mapped_column(String(36))
    recorded_at = mapped_column(DateTime(timezone=True), default=utcnow)


metadata = Base.metadata


# ---------------------------------------------------------------------------- mapping
def _d(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def clock_from_row(row):
    if row.clock_started_on is None:
        return None
    return Clock(limit_days=row.limit_days, started_on=row.clock_started_on,
                 extension_days=row.extension_days or 0, used_before=row.clock_used_before or 0,
                 segments=[(_d(a), _d(b)) for a, b in (row.clock_segments or [])],
                 running_since=row.clock_running_since, paused_since=row.clock_paused_since,
                 stopped_on=row.clock_stopped_on, due_on=row.due_on, estimated=bool(row.due_estimated))


def _assign(row, values):
    """Set the columns whose value changed: a row write costs per attribute set, and a decision
    changes a few columns of a case (a sweep of thousands of cases notices)."""
    loaded = row.__dict__
    for name, value in values.items():
        if name not in loaded or loaded[name] != value:
            setattr(row, name, value)


def clock_to_row(clock, row):
    if clock is None:
        _assign(row, {"clock_started_on": None, "clock_running_since": None, "clock_paused_since": None,
                      "clock_stopped_on": None, "due_on": None, "clock_used_before": 0, "clock_segments": [],
                      "extension_days": 0, "due_estimated": False})
        return
    _assign(row, {"extension_days": clock.extension_days, "clock_started_on": clock.started_on,
                  "clock_used_before": clock.used_before,
                  "clock_segments": [[a.isoformat(), b.isoformat()] for a, b in clock.segments],
                  "clock_running_since": clock.running_since, "clock_paused_since": clock.paused_since,
                  "clock_stopped_on": clock.stopped_on, "due_on": clock.due_on, "due_estimated": clock.estimated})


def case_from_row(row):
    return Case(id=row.id, stage_id=row.stage_id, item_code=row.item_code, department=row.department,
                region=row.region, limit_days=row.limit_days, received_on=row.received_on,
                state=row.state, acceptance_due_on=row.acceptance_due_on, accepted_on=row.accepted_on,
                concluded_on=row.concluded_on, resume_state=row.resume_state, round=row.round,
                applicant_org=row.applicant_org, clock=clock_from_row(row), lapsed_on=row.lapsed_on,
                project_code=row.project_code, stage=row.stage, item_name=row.item_name,
                project_name=row.project_name, licence_no=row.licence_no,
                lapse_action=row.lapse_action or "return_to_lead", recalled_to=row.recalled_to,
                recalled_region=row.recalled_region, supplement_notices=row.supplement_notices or 0)


def case_new_row(case):
    row = CaseRow(id=case.id, stage_id=case.stage_id, project_code=case.project_code, stage=case.stage,
                  item_code=case.item_code, item_name=case.item_name, department=case.department,
                  region=case.region, applicant_org=case.applicant_org, project_name=case.project_name,
                  limit_days=case.limit_days, lapse_action=case.lapse_action)
    case_to_row(case, row)
    return row


def case_to_row(case, row):
    _assign(row, {"state": case.state, "resume_state": case.resume_state, "round": case.round,
                  "received_on": case.received_on, "acceptance_due_on": case.acceptance_due_on,
                  "accepted_on": case.accepted_on, "concluded_on": case.concluded_on, "lapsed_on": case.lapsed_on,
                  "licence_no": case.licence_no, "recalled_to": case.recalled_to,
                  "recalled_region": case.recalled_region, "supplement_notices": case.supplement_notices})
    clock_to_row(case.clock, row)


def stage_from_row(row, cases=()):
    return Stage(id=row.id, lead_department=row.lead_department, limit_days=row.limit_days,
                 received_on=row.received_on, state=row.state, concluded_on=row.concluded_on,
                 clock=clock_from_row(row), project_code=row.project_code, stage=row.stage,
                 declaration_id=row.declaration_id, region=row.region, applicant_org=row.applicant_org,
                 project_name=row.project_name, cases=list(cases))


def stage_new_row(stage):
    row = StageRow(id=stage.id, declaration_id=stage.declaration_id, project_code=stage.project_code,
                   stage=stage.stage, region=stage.region, applicant_org=stage.applicant_org,
                   project_name=stage.project_name, lead_department=stage.lead_department,
                   received_on=stage.received_on, limit_days=stage.limit_days)
    stage_to_row(stage, row)
    return row


def stage_to_row(stage, row):
    _assign(row, {"state": stage.state, "concluded_on": stage.concluded_on})
    clock_to_row(stage.clock, row)
