from datetime import datetime

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text,
                        UniqueConstraint, false)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platform_kit.calendar_store import add_calendar_table
from platform_kit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


# the holiday schedules operators loaded, from calendar.year_loaded (platform_kit.calendar_store)
add_calendar_table(Base.metadata)


class ConsultationRow(Base):
    __tablename__ = "consultations"
    # the sweeper's claim: open consultations past their deadline, oldest deadline first
    __table_args__ = (Index("ix_consultations_closed_on_due_on", "closed_on", "due_on"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    asked_by: Mapped[str] = mapped_column(String(40))
    asked_of: Mapped[list] = mapped_column(JSON)
    question: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_on: Mapped["Date"] = mapped_column(Date)
    due_on: Mapped["Date"] = mapped_column(Date)
    # working days given to reply; kept so that an estimated deadline can be counted again
    due_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # the deadline ran through a year without a loaded holiday schedule (Monday–Friday assumed)
    due_estimated: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    # set once, when the last asked department's answer (real or no opinion) is recorded
    closed_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    replies: Mapped[list["ReplyRow"]] = relationship(order_by="ReplyRow.id", lazy="selectin")
    recounts: Mapped[list["DeadlineRecountRow"]] = relationship(order_by="DeadlineRecountRow.id",
                                                                lazy="selectin")


class ReplyRow(Base):
    """A department's reply, or the no opinion recorded for its silence (004 §14): a recorded
    decision, inserted once, never updated. One per department and consultation."""

    __tablename__ = "consultation_replies"
    __table_args__ = (UniqueConstraint("consultation_id", "department",
                                       name="uq_consultation_replies_consultation_department"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    opinion: Mapped[str] = mapped_column(Text)
    replied_by: Mapped[str] = mapped_column(String(80))
    replied_on: Mapped["Date"] = mapped_column(Date)
    opinion_kind: Mapped[str] = mapped_column(String(20), server_default="replied")


class DeadlineRecountRow(Base):
    """An estimated deadline counted again once an operator loaded the holiday schedule of a year
    it runs through: the old and the new date, and the load that caused it. Inserted once, never
    updated: the history of a consultation's deadline."""

    __tablename__ = "consultation_deadline_recounts"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    old_due_on: Mapped["Date"] = mapped_column(Date)
    new_due_on: Mapped["Date"] = mapped_column(Date)
    still_estimated: Mapped[bool] = mapped_column(Boolean)
    calendar_event_id: Mapped[str] = mapped_column(String(36))   # the calendar.year_loaded event
    loaded_by: Mapped[str] = mapped_column(String(80))
    recounted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


metadata = Base.metadata
