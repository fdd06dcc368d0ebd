"""What intake keeps of joint guidance (联合辅导, 003): the FAQ entries and common-error examples the
lead departments published into the items' guides (guidance.published), and the lists issued to
applicants (guidance.listed) that a declaration may name."""
from datetime import date

from sqlalchemy import Boolean, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from intake.adapters.orm import Base


class GuideEntryRow(Base):
    __tablename__ = "guide_entries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    question: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(40))
    published_on: Mapped[date] = mapped_column(Date)


class GuidanceListRefRow(Base):
    __tablename__ = "guidance_list_refs"

    list_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    stage: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
