"""Tables of the certificate service. Licences and keys are inserted once and never changed."""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platform_kit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class LicenceRow(Base):
    """An issued licence: its signed document exactly as signed, with the signature."""

    __tablename__ = "licences"
    # one licence per approved case and version, whatever the number of replicas or redeliveries; a
    # change issues the next version, which supersedes the one before (002 §19)
    __table_args__ = (UniqueConstraint("case_id", "version"),)

    licence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    kind: Mapped[str] = mapped_column(String(20), default="certificate")
    form: Mapped[str] = mapped_column(String(20), default="electronic")   # electronic | paper_copy
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    supersedes: Mapped[str | None] = mapped_column(String(36), nullable=True)
    licence_no: Mapped[str] = mapped_column(String(60), unique=True)
    project_code: Mapped[str] = mapped_column(String(40), index=True)
    item_code: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(40))
    document: Mapped[dict] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(40))
    algorithm: Mapped[str] = mapped_column(String(20))
    issued_on: Mapped[date] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source_event_id: Mapped[str] = mapped_column(String(36))  # the case.approved event behind it
    revocation: Mapped["LicenceRevocationRow | None"] = relationship(lazy="selectin", uselist=False)
    supersession: Mapped["LicenceSupersessionRow | None"] = relationship(
        lazy="selectin", uselist=False, foreign_keys="LicenceSupersessionRow.licence_id")
    expiry: Mapped["LicenceExpiryRow | None"] = relationship(lazy="selectin", uselist=False)
    handovers: Mapped[list["LicenceHandoverRow"]] = relationship(lazy="selectin", order_by="LicenceHandoverRow.id")


class LicenceFileRow(Base):
    """The sealed PDF of a licence, exactly as signed (its SHA-256 beside it)."""

    __tablename__ = "licence_files"

    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.licence_id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    seal_serial: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LicenceSupersessionRow(Base):
    """A licence changed (变更): the new version supersedes this one, with the reason and who decided."""

    __tablename__ = "licence_supersessions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.licence_id"), unique=True)
    superseded_by: Mapped[str] = mapped_column(ForeignKey("licences.licence_id"))
    superseded_by_no: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_on: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LicenceExpiryRow(Base):
    """The licence's validity period ran out (recorded once, by the sweep, with the day)."""

    __tablename__ = "licence_expiries"

    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.licence_id"), primary_key=True)
    expired_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LicenceHandoverRow(Base):
    """The window handed the licence over (002 §22–§23) against the acceptance notice."""

    __tablename__ = "licence_handovers"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.licence_id"), index=True)
    form: Mapped[str] = mapped_column(String(20))            # paper | electronic
    acceptance_notice_no: Mapped[str] = mapped_column(String(60))
    received_by: Mapped[str] = mapped_column(String(80))
    recorded_by: Mapped[str] = mapped_column(String(80))
    handed_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ApprovedCaseRow(Base):
    """An approved case as case.approved told it: what a licence of it is issued from (also later,
    from a paper licence's scan); ``paper``: the department's licence is on paper (002 §21)."""

    __tablename__ = "approved_cases"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_code: Mapped[str] = mapped_column(String(40))
    facts: Mapped[dict] = mapped_column(JSON)
    paper: Mapped[bool] = mapped_column(Boolean, default=False)
    source_event_id: Mapped[str] = mapped_column(String(36))


class CaseConclusionRow(Base):
    """Who concluded the case a licence is of (办结（签章）, 004 §10, §19): the officer and the serial of
    the certificate they were logged in with when they did, as case.concluded told it."""

    __tablename__ = "case_conclusions"

    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    concluded_by: Mapped[str] = mapped_column(String(80))
    concluded_by_name: Mapped[str] = mapped_column(String(120))
    certificate_serial: Mapped[str | None] = mapped_column(String(64), nullable=True)
    concluded_on: Mapped[date] = mapped_column(Date)
    source_event_id: Mapped[str] = mapped_column(String(36))


class LicenceRuleRow(Base):
    """An item's licence as the newest catalog gives it (002 §18): its kind, validity (None: long-term)
    and the fields of the stage's declaration form its layout prints ([{name, label}])."""

    __tablename__ = "licence_rules"

    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    validity_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    form_fields: Mapped[list] = mapped_column(JSON)
    catalog_version: Mapped[int] = mapped_column(Integer)


class DeclarationFormRow(Base):
    """A stage declaration's form as declaration.submitted told it (never changed)."""

    __tablename__ = "declaration_forms"

    declaration_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stage: Mapped[str] = mapped_column(String(40))
    form: Mapped[dict] = mapped_column(JSON)
    source_event_id: Mapped[str] = mapped_column(String(36))


class StageDeclarationRow(Base):
    """Which declaration a stage (and so each of its cases) was opened from, as stage.opened told it."""

    __tablename__ = "stage_declarations"

    stage_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    declaration_id: Mapped[str] = mapped_column(String(36), index=True)
    source_event_id: Mapped[str] = mapped_column(String(36))


class DepartmentRow(Base):
    """A department's name as the catalog gives it (printed on its licences and seal)."""

    __tablename__ = "departments"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    region: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class SealCertificateRow(Base):
    """A seal certificate of a department (or the platform's true-copy seal, department ``PLATFORM``)
    from the city PKI. Never changed: a rotation inserts the next generation, which signs from then
    on; licences sealed before keep pointing at theirs and verify as of their signing time."""

    __tablename__ = "seal_certificates"
    __table_args__ = (UniqueConstraint("department", "region", "generation"),)

    serial: Mapped[str] = mapped_column(String(64), primary_key=True)
    department: Mapped[str] = mapped_column(String(40))
    region: Mapped[str] = mapped_column(String(12))
    generation: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(120))
    certificate_pem: Mapped[str] = mapped_column(Text)
    private_key_pem: Mapped[str] = mapped_column(Text)
    chain_pem: Mapped[str] = mapped_column(Text)
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LicenceRevocationRow(Base):
    """The decision to revoke a licence (废止, 002 §19): who, when, why. Inserted once, never changed;
    the licence row itself stays exactly as it was signed."""

    __tablename__ = "licence_revocations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    licence_id: Mapped[str] = mapped_column(ForeignKey("licences.licence_id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    revoked_by: Mapped[str] = mapped_column(String(80))
    revoked_by_role: Mapped[str] = mapped_column(String(20))
    revoked_by_department: Mapped[str | None] = mapped_column(String(40))
    revoked_on: Mapped[date] = mapped_column(Date)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LicenceSequenceRow(Base):
    """Last licence number used per division, department and year (row-locked while numbering)."""

    __tablename__ = "licence_sequences"

    prefix: Mapped[str] = mapped_column(String(60), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class SigningKeyRow(Base):
    """A licence signing key. Old keys stay for verification; the newest generation signs.

    ``generation`` is unique, so two replicas generating the first key at the same moment cannot
    both win: the loser reads the winner's key. A key configured from a file is recorded with its
    public half only (``private_key_pem`` empty).
    """

    __tablename__ = "signing_keys"
    __table_args__ = (UniqueConstraint("generation"),)

    key_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int | None] = mapped_column(Integer)
    algorithm: Mapped[str] = mapped_column(String(20))
    public_key_pem: Mapped[str] = mapped_column(Text)
    private_key_pem: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str] = mapped_column(String(20))  # generated | file
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


metadata = Base.metadata
