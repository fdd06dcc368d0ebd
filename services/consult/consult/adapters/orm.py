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
    __table_args__ = (Index("ix_consultations_closed_on_due_on", "closed_on", "due_on"),
                      Index("ix_consultations_answered_on_due_on", "answered_on", "due_on"),
                      Index("ix_consultations_asked_by_region", "asked_by", "region"))

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
    # the asking officer's region: the consulted departments' inbox is per region
    region: Mapped[str | None] = mapped_column(String(6), nullable=True)
    # the first day the reply clock's light is yellow (LIGHT_YELLOW_DAYS working days left)
    yellow_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    # set once, when the last asked department's answer (real or no opinion) is recorded
    answered_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    # set once, when the asking department countersigns (办结会签) with its summary
    closed_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
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
    # required for a conditional agreement (有条件同意)
    conditions: Mapped[str] = mapped_column(Text, server_default="", default="")
    attachments: Mapped[list | None] = mapped_column(JSON, nullable=True)   # material ids


class AddresseeRow(Base):
    """One department asked in a consultation: the department inbox is a query on these rows."""

    __tablename__ = "consultation_addressees"

    consultation_id: Mapped[str] = mapped_column(ForeignKey("consultations.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class DepartmentRow(Base):
    """A department of the flow catalog, from catalog.loaded (the newest version's name wins)."""

    __tablename__ = "catalog_departments"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(6))
    catalog_version: Mapped[int] = mapped_column(Integer)


class RuleRow(Base):
    """A department the catalog's item consults by default, with its working days (001 二–四), as
    of a catalog version (catalog.loaded)."""

    __tablename__ = "consultation_rules"

    catalog_version: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)


class CaseRow(Base):
    """A case as stage.opened announced it: which item it is, so that its consultations follow
    the item's rule."""

    __tablename__ = "consultation_cases"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40))
    item_code: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40))


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


class JointReviewStageRow(Base):
    """A stage as stage.opened announced it: its lead department (who may convene joint reviews)
    and the last day of its promised time (the joint reviews' deadlines lie within it)."""

    __tablename__ = "joint_review_stages"

    stage_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    lead_department: Mapped[str] = mapped_column(String(40))
    received_on: Mapped["Date"] = mapped_column(Date)
    limit_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped["Date"] = mapped_column(Date)


class JointReviewRow(Base):
    """A joint review (会审) the lead department of a stage convened; closed once its minutes and
    conclusion are recorded."""

    __tablename__ = "joint_reviews"
    # the sweeper's claim: reviews awaiting answers past their deadline
    __table_args__ = (Index("ix_joint_reviews_answered_on_due_on", "answered_on", "due_on"),
                      Index("ix_joint_reviews_convened_by_region", "convened_by", "region"))

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    stage_id: Mapped[str] = mapped_column(ForeignKey("joint_review_stages.stage_id"), index=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    convened_by: Mapped[str] = mapped_column(String(40))
    convened_by_officer: Mapped[str] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(6), nullable=True)
    invitees: Mapped[list] = mapped_column(JSON)
    subject: Mapped[str] = mapped_column(Text)
    meeting_on: Mapped["Date"] = mapped_column(Date)
    place: Mapped[str] = mapped_column(Text, default="")
    online: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_on: Mapped["Date"] = mapped_column(Date)
    due_days: Mapped[int] = mapped_column(Integer)
    due_on: Mapped["Date"] = mapped_column(Date)
    due_estimated: Mapped[bool] = mapped_column(Boolean, server_default=false(), default=False)
    # the first day the answer clock's light is yellow (LIGHT_YELLOW_DAYS working days left)
    yellow_on: Mapped["Date"] = mapped_column(Date)
    # set once, when the last invitee's answer (its own or no answer) is recorded
    answered_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    # set once, when the lead department records the minutes (纪要) and conclusion
    closed_on: Mapped["Date"] = mapped_column(Date, nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    minutes: Mapped[str | None] = mapped_column(Text, nullable=True)
    conclusion: Mapped[str | None] = mapped_column(Text, nullable=True)
    answers: Mapped[list["JointReviewAnswerRow"]] = relationship(order_by="JointReviewAnswerRow.id",
                                                                 lazy="selectin")


class JointReviewInviteeRow(Base):
    """One department invited to a joint review: its inbox is a query on these rows."""

    __tablename__ = "joint_review_invitees"

    joint_review_id: Mapped[str] = mapped_column(ForeignKey("joint_reviews.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class JointReviewAnswerRow(Base):
    """An invitee's answer, or the no opinion recorded for its silence at the deadline together
    with its failure to answer (on_time false): inserted once, never updated; one per department."""

    __tablename__ = "joint_review_answers"
    __table_args__ = (UniqueConstraint("joint_review_id", "department",
                                       name="uq_joint_review_answers_joint_review_department"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    joint_review_id: Mapped[str] = mapped_column(ForeignKey("joint_reviews.id"), index=True)
    department: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    opinion: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(80))
    answered_on: Mapped["Date"] = mapped_column(Date)
    on_time: Mapped[bool] = mapped_column(Boolean)


metadata = Base.metadata

# joint guidance tables on the same metadata
from consult.adapters import guidance_orm  # noqa: E402,F401
