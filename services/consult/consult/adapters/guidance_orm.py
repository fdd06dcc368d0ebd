"""Tables of joint guidance (联合辅导, :mod:`consult.domain.guidance`). Every step, call-out, arrival,
question, answer, finding and list is a row inserted once; a list is replaced by a new row naming the
one it supersedes and why, never edited."""
from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.adapters.orm import Base


class GuidanceLeadRow(Base):
    """003 §4: the lead of a stage for a kind of works, as of a catalog version (catalog.loaded)."""
    __tablename__ = "guidance_leads"

    catalog_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    works: Mapped[str] = mapped_column(String(40), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    works_name: Mapped[str] = mapped_column(String(40))
    lead_department: Mapped[str] = mapped_column(String(40))


class GuidanceStageRow(Base):
    """A category's stage with its items and their materials, as of a catalog version."""
    __tablename__ = "guidance_stages"

    catalog_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    lead_department: Mapped[str] = mapped_column(String(40))
    items: Mapped[list] = mapped_column(JSON)


class GuidanceProjectRow(Base):
    """A project as project.registered announced it; its row is locked to number its sessions."""
    __tablename__ = "guidance_projects"

    project_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    applicant_org: Mapped[str] = mapped_column(String(40))
    sessions: Mapped[int] = mapped_column(Integer, default=0)


class GuidanceStaffRow(Base):
    """A member of the guidance staff directory (联合辅导人员名录库, 003 §8); retired, never deleted."""
    __tablename__ = "guidance_staff"
    __table_args__ = (Index("ix_guidance_staff_department_region", "department", "region"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    department: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    expertise: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(80))
    added_on: Mapped[date] = mapped_column(Date)
    retired_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    retired_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class GuidanceRow(Base):
    """A guidance session (one request, 003 §11)."""
    __tablename__ = "guidance_sessions"
    __table_args__ = (UniqueConstraint("project_code", "session_no", name="uq_guidance_sessions_project_session"),
                      Index("ix_guidance_sessions_lead_region", "lead_department", "region"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    session_no: Mapped[int | None] = mapped_column(Integer, nullable=True)
    intention: Mapped[str | None] = mapped_column(Text, nullable=True)
    applicant_org: Mapped[str | None] = mapped_column(String(40), nullable=True)
    category: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    works: Mapped[str] = mapped_column(String(40))
    lead_department: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(10))
    topic: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(20))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    place: Mapped[str] = mapped_column(Text, default="")
    called_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    steps: Mapped[list["GuidanceStepRow"]] = relationship(order_by="GuidanceStepRow.id", lazy="selectin")
    team: Mapped[list["GuidanceTeamRow"]] = relationship(order_by="GuidanceTeamRow.id", lazy="selectin")
    callouts: Mapped[list["GuidanceCalloutRow"]] = relationship(order_by="GuidanceCalloutRow.department",
                                                                lazy="selectin")
    questions: Mapped[list["GuidanceQuestionRow"]] = relationship(order_by="GuidanceQuestionRow.asked_at",
                                                                  lazy="selectin")
    findings: Mapped[list["GuidanceFindingRow"]] = relationship(order_by="GuidanceFindingRow.id", lazy="selectin")


class GuidanceStepRow(Base):
    """Every step of a session: who, when, what (and the state after it)."""
    __tablename__ = "guidance_steps"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guidance_id: Mapped[str] = mapped_column(ForeignKey("guidance_sessions.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    department: Mapped[str | None] = mapped_column(String(40), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")


class GuidanceTeamRow(Base):
    __tablename__ = "guidance_team"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guidance_id: Mapped[str] = mapped_column(ForeignKey("guidance_sessions.id"), index=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("guidance_staff.id"))
    department: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(40))


class GuidanceCalloutRow(Base):
    """A supporting department called out (003 §7) and, once recorded, its arrival."""
    __tablename__ = "guidance_callouts"

    guidance_id: Mapped[str] = mapped_column(ForeignKey("guidance_sessions.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    called_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    late: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class GuidanceQuestionRow(Base):
    """A question, answered on the spot or on a 2-working-day clock (003 §9(三))."""
    __tablename__ = "guidance_questions"
    __table_args__ = (Index("ix_guidance_questions_answered_on_due_on", "answered_on", "due_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    guidance_id: Mapped[str] = mapped_column(ForeignKey("guidance_sessions.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    tags: Mapped[list] = mapped_column(JSON)
    department: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10))
    asked_by: Mapped[str] = mapped_column(String(80))
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    asked_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    yellow_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    answered_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    lapsed_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class GuidanceFindingRow(Base):
    """A pre-review finding on one material of one item (预审, 003 §10(七))."""
    __tablename__ = "guidance_findings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    guidance_id: Mapped[str] = mapped_column(ForeignKey("guidance_sessions.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    material: Mapped[str] = mapped_column(String(200))
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    department: Mapped[str] = mapped_column(String(40))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_on: Mapped[date] = mapped_column(Date)


class GuidanceListRow(Base):
    """A one-time notification list (一次告知清单) or a next stage's list (003 §13), with its PDF."""
    __tablename__ = "guidance_lists"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    guidance_id: Mapped[str | None] = mapped_column(ForeignKey("guidance_sessions.id"), nullable=True, index=True)
    next_stage_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    project_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    applicant_org: Mapped[str | None] = mapped_column(String(40), nullable=True)
    stage: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict] = mapped_column(JSON)
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_on: Mapped[date] = mapped_column(Date)
    supersedes: Mapped[str | None] = mapped_column(String(36), nullable=True, unique=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)


class GuidanceStageCaseRow(Base):
    """A case of a stage (stage.opened), how it ended (`outcome`: one of the ends of
    :data:`consult.domain.guidance.CASE_ENDS`, from case.approved, case.not_required, case.withdrawn,
    case.recalled as no objection, case.disapproved, case.refused) and when; `approved_on` when approved."""
    __tablename__ = "guidance_stage_cases"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stage_id: Mapped[str] = mapped_column(String(36), index=True)
    project_code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class NextStageRow(Base):
    """003 §13: the next stage's lead department asked to send the next stage's items and materials
    when the last case of a stage is approved; `list_id` once sent."""
    __tablename__ = "guidance_next_stages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    from_stage_id: Mapped[str] = mapped_column(String(36), unique=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    applicant_org: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(40))
    lead_department: Mapped[str] = mapped_column(String(40), index=True)
    requested_on: Mapped[date] = mapped_column(Date)
    list_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    sent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    sent_by: Mapped[str | None] = mapped_column(String(80), nullable=True)


class GuideEntryRow(Base):
    """A FAQ entry or common-error example the lead department published into an item's guide."""
    __tablename__ = "guidance_guide_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(40))
    published_by: Mapped[str] = mapped_column(String(80))
    published_on: Mapped[date] = mapped_column(Date)
