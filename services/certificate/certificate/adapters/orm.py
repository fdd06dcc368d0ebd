"""Tables of the certificate service. Licences and keys are inserted once and never changed."""
from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from platform_kit.db import service_metadata


class Base(DeclarativeBase):
    metadata = service_metadata()


class LicenceRow(Base):
    """An issued licence: its signed document exactly as signed, with the signature."""

    __tablename__ = "licences"

    licence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # one licence per approved case, whatever the number of replicas or redeliveries
    case_id: Mapped[str] = mapped_column(String(36), unique=True)
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
