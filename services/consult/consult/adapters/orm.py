from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platform_kit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class ConsultationRow(Base):
    __tablename__ = "consultations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36))
    asked_by: Mapped[str] = mapped_column(String(40))
    asked_of: Mapped[list] = mapped_column(JSON)
    question: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(80))
    opened_on: Mapped["Date"] = mapped_column(Date)
    due_on: Mapped["Date"] = mapped_column(Date)
    replies: Mapped[list["ReplyRow"]] = relationship(order_by="ReplyRow.id", lazy="selectin")


class ReplyRow(Base):
    """A department's reply: a recorded decision, inserted once, never updated."""

    __tablename__ = "consultation_replies"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    opinion: Mapped[str] = mapped_column(Text)
    replied_by: Mapped[str] = mapped_column(String(80))
    replied_on: Mapped["Date"] = mapped_column(Date)


metadata = Base.metadata
