"""Tables of the intake service. Rows that record a decision or a submission are inserted once and
never updated; the code counter is the only row updated in place (it decides nothing)."""
from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platform_kit.calendar_store import add_calendar_table
from platform_kit.db import service_metadata, utcnow

ID = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = service_metadata()


# the holiday schedules operators loaded, from calendar.year_loaded (platform_kit.calendar_store)
add_calendar_table(Base.metadata)


class CatalogVersionRow(Base):
    """One immutable version of the flow catalog."""

    __tablename__ = "catalog_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    data: Mapped[dict] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(80))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CodeCounterRow(Base):
    """Last sequence handed out per (year, region); locked by the registering transaction."""

    __tablename__ = "project_code_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class ProjectRow(Base):
    __tablename__ = "projects"

    project_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(6), index=True)
    applicant_org: Mapped[str] = mapped_column(String(18), index=True)
    attributes: Mapped[dict] = mapped_column(JSON)
    catalog_version: Mapped[int] = mapped_column(ForeignKey("catalog_versions.version"))
    source: Mapped[str] = mapped_column(String(20))   # online | window | investment_platform
    registered_by: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    applicant_name: Mapped[str | None] = mapped_column(String(200), nullable=True)


class QueryCodeRow(Base):
    """A query code (查询码) issued for a project, kept as its digest only; a new one is a new row
    (the latest answers), with who issued it and when."""

    __tablename__ = "project_query_codes"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    issued_by: Mapped[str] = mapped_column(String(80))
    issued_role: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)   # why the window issued a new one


class ProjectRevisionRow(Base):
    """Each accepted push of a project from the investment platform, as received (revision 1 is the
    registration itself when it came by push)."""

    __tablename__ = "project_revisions"
    __table_args__ = (UniqueConstraint("project_code", "revision"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    attributes: Mapped[dict] = mapped_column(JSON)
    received: Mapped[dict] = mapped_column(JSON)
    pushed_by: Mapped[str] = mapped_column(String(80))
    pushed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MaterialRow(Base):
    __tablename__ = "materials"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    versions: Mapped[list["MaterialVersionRow"]] = relationship(
        order_by="MaterialVersionRow.version", lazy="selectin")


class MaterialVersionRow(Base):
    """One uploaded version of a material; a new upload is a new row, never an overwrite."""

    __tablename__ = "material_versions"
    __table_args__ = (UniqueConstraint("material_id", "version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    material_id: Mapped[str] = mapped_column(ForeignKey("materials.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(60))
    storage_key: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # 002 §5: electronic (uploaded online) or paper (original scanned by the window, with what was received)
    channel: Mapped[str] = mapped_column(String(20), default="electronic", server_default="electronic")
    paper_copies: Mapped[int | None] = mapped_column(Integer)
    paper_pages: Mapped[int | None] = mapped_column(Integer)


class MaterialVerificationRow(Base):
    """First-entry verification of one material version against its paper original (000 §11):
    recorded once, by the first department that checks it; never changed."""

    __tablename__ = "material_verifications"
    __table_args__ = (UniqueConstraint("material_id", "version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    material_id: Mapped[str] = mapped_column(ForeignKey("materials.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    department: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(36))
    verified_by: Mapped[str] = mapped_column(String(80))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    verified_on: Mapped[date] = mapped_column(Date)


class DeclarationRow(Base):
    """A stage declaration as submitted: form, materials (with versions) and items, frozen."""

    __tablename__ = "declarations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    catalog_version: Mapped[int] = mapped_column(Integer)
    lead_department: Mapped[str] = mapped_column(String(40))
    stage_limit_days: Mapped[int] = mapped_column(Integer)
    form: Mapped[dict] = mapped_column(JSON)
    materials: Mapped[list] = mapped_column(JSON)
    items: Mapped[list] = mapped_column(JSON)
    # results of earlier stages the platform attached (000 §7), never asked of the applicant
    licences: Mapped[list | None] = mapped_column(JSON, nullable=True)
    # the one-time notification list (一次告知清单, 003 §11) the declaration was prepared with
    guidance_list_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(80))
    submitted_role: Mapped[str] = mapped_column(String(20))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_on: Mapped[date] = mapped_column(Date)


class DraftRow(Base):
    """A declaration being prepared (暂存): one per project and stage, saved as often as the applicant
    likes; it decides nothing until it is submitted, which records the declaration it became."""

    __tablename__ = "declaration_drafts"
    __table_args__ = (UniqueConstraint("project_code", "stage"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    form: Mapped[dict] = mapped_column(JSON)
    material_ids: Mapped[list] = mapped_column(JSON)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    saved_by: Mapped[str] = mapped_column(String(80))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    declaration_id: Mapped[str | None] = mapped_column(String(36))


class StageConclusionRow(Base):
    """A stage of a project concluded (learnt from the stage service's ``stage.concluded``)."""

    __tablename__ = "stage_conclusions"
    __table_args__ = (UniqueConstraint("project_code", "stage"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    declaration_id: Mapped[str] = mapped_column(String(36))
    concluded_on: Mapped[date] = mapped_column(Date)
    event_id: Mapped[str] = mapped_column(String(36))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentCounterRow(Base):
    """Last document number per (kind, region, year); locked by the issuing transaction."""

    __tablename__ = "document_counters"

    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_sequence: Mapped[int] = mapped_column(Integer, default=0)


class WindowDocumentRow(Base):
    """A document the window issued, kept as the facts it was drawn from (never changed)."""

    __tablename__ = "window_documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    document_no: Mapped[str] = mapped_column(String(60), unique=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    declaration_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    event_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    facts: Mapped[dict] = mapped_column(JSON)
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the decision a case document states (window.case_document_fact): the same fact under another
    # event id issues nothing more
    fact_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class SealedDocumentRow(Base):
    """The PDF of a window document as sealed when it was issued (004 §16): served as it is, so every
    download is the same file and its signing time is the time of issue (never changed)."""

    __tablename__ = "sealed_window_documents"

    document_id: Mapped[str] = mapped_column(ForeignKey("window_documents.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CaseFactRow(Base):
    """A decision on a case the stage service announced, as intake learnt it (one row per event, never
    changed): what the window needs to know, e.g. that a case is waiting for its supplement (002 §8)."""

    __tablename__ = "case_facts"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(200))
    department: Mapped[str] = mapped_column(String(40))
    on: Mapped[date] = mapped_column(Date)
    opinion: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    region: Mapped[str | None] = mapped_column(String(12), nullable=True)


class ConsultationRequestRow(Base):
    """A department asked for its opinion on a project, as intake learnt it from consultation.opened
    (one row per event and department, never changed): that department, in the asking department's
    region, may read the project until the consultation is countersigned."""

    __tablename__ = "consultation_requests"
    __table_args__ = (UniqueConstraint("event_id", "department"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36))
    consultation_id: Mapped[str] = mapped_column(String(36))
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    department: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    region: Mapped[str | None] = mapped_column(String(12), nullable=True)


class ConsultationClosureRow(Base):
    """A consultation countersigned by the asking department (consultation.closed), once: the
    departments it asked no longer read the project through it."""

    __tablename__ = "consultation_closures"

    consultation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    closed_on: Mapped[date] = mapped_column(Date)
    event_id: Mapped[str] = mapped_column(String(36))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SupplementSubmissionRow(Base):
    """A supplement handed in through the window for one supplement request (002 §8): registered once,
    with the material versions received and the voucher issued for them."""

    __tablename__ = "supplement_submissions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(ForeignKey("projects.project_code"), index=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    request_event_id: Mapped[str] = mapped_column(String(36), unique=True)   # one submission per request
    declaration_id: Mapped[str | None] = mapped_column(String(36))
    materials: Mapped[list] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    voucher_id: Mapped[str] = mapped_column(ForeignKey("window_documents.id"))
    submitted_by: Mapped[str] = mapped_column(String(80))
    submitted_role: Mapped[str] = mapped_column(String(20))
    submitted_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentLossRow(Base):
    """A lost acceptance notice (002 §24): the loss statement and identity copy the window received."""

    __tablename__ = "document_losses"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("window_documents.id"), unique=True)
    loss_statement_material_id: Mapped[str] = mapped_column(ForeignKey("materials.id"))
    identity_copy_material_id: Mapped[str] = mapped_column(ForeignKey("materials.id"))
    recorded_by: Mapped[str] = mapped_column(String(80))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class LicenceRow(Base):
    """A licence issued for one of the project's cases (learnt from ``licence.issued``)."""

    __tablename__ = "licences"

    licence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[str] = mapped_column(String(36))
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(200))
    licence_no: Mapped[str] = mapped_column(String(80))
    department: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    event_id: Mapped[str] = mapped_column(String(36))


class LicenceRevocationRow(Base):
    __tablename__ = "licence_revocations"

    id: Mapped[int] = mapped_column(ID, primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(String(36), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_on: Mapped[date] = mapped_column(Date)
    event_id: Mapped[str] = mapped_column(String(36))


metadata = Base.metadata

# joint guidance facts on the same metadata
from intake.adapters import guidance_orm  # noqa: E402,F401

# red-line boundaries and intermediary services (intake.adapters.project_records) belong to this schema
from intake.adapters import project_records as _project_records  # noqa: E402,F401
