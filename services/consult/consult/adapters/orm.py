from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
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
    # set once, when the last asked department's answer (real or no opinion) is recorded
    closed_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    replies: Mapped[list["ReplyRow"]] = relationship(order_by="ReplyRow.id", lazy="selectin")


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


metadata = Base.metadata
