"""Tables and repository of what the province needs of a project (001 §10): its land red-line
boundaries (each a new version, the latest in force) and intermediary service records (withdrawn by
a row of their own). Rows are inserted once and never changed."""
from sqlalchemy import (JSON, Column, Date, DateTime, Float, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint, func, insert, select)

from intake.adapters.orm import ID, Base

boundaries = Table(
    "project_boundaries", Base.metadata,
    Column("boundary_id", String(36), primary_key=True),
    Column("project_code", String(40), ForeignKey("projects.project_code"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("geometry", JSON, nullable=False),
    Column("area_m2", Float, nullable=False),
    Column("recorded_by", String(80), nullable=False),
    Column("recorded_role", String(20), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("project_code", "version", name="uq_project_boundaries_version"),
)

intermediaries = Table(
    "intermediary_services", Base.metadata,
    Column("record_id", String(36), primary_key=True),
    Column("project_code", String(40), ForeignKey("projects.project_code"), nullable=False, index=True),
    Column("service_name", String(200), nullable=False),
    Column("service_code", String(60), nullable=False),
    Column("agency_name", String(200), nullable=False),
    Column("agency_code", String(18), nullable=False),
    Column("client_name", String(200), nullable=False),
    Column("client_code", String(18), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("finished_on", Date),
    Column("limit_days", Integer),
    Column("recorded_by", String(80), nullable=False),
    Column("recorded_role", String(20), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

withdrawals = Table(
    "intermediary_withdrawals", Base.metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("record_id", String(36), ForeignKey("intermediary_services.record_id"), nullable=False, unique=True),
    Column("reason", Text, nullable=False),
    Column("withdrawn_by", String(80), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=False),
)


class ProjectRecordRepository:
    def __init__(self, session):
        self.session = session

    def latest_boundary(self, project_code):
        return self.session.execute(select(boundaries).where(boundaries.c.project_code == project_code)
                                    .order_by(boundaries.c.version.desc()).limit(1)).mappings().first()

    def add_boundary(self, **values):
        self.session.execute(insert(boundaries).values(**values))

    def add_intermediary(self, **values):
        self.session.execute(insert(intermediaries).values(**values))

    def intermediary(self, record_id, lock=False):
        query = select(intermediaries).where(intermediaries.c.record_id == record_id)
        return self.session.execute(query.with_for_update() if lock else query).mappings().first()

    def withdrawal(self, record_id):
        return self.session.execute(select(withdrawals).where(withdrawals.c.record_id == record_id)).mappings().first()

    def withdraw(self, **values):
        self.session.execute(insert(withdrawals).values(**values))

    def intermediaries_of(self, project_code, limit, offset):
        query = (select(intermediaries, withdrawals.c.reason.label("withdrawal_reason"),
                        withdrawals.c.withdrawn_at)
                 .select_from(intermediaries.outerjoin(withdrawals, withdrawals.c.record_id == intermediaries.c.record_id))
                 .where(intermediaries.c.project_code == project_code))
        total = self.session.execute(select(func.count()).select_from(query.subquery())).scalar()
        found = self.session.execute(query.order_by(intermediaries.c.recorded_at.desc()).limit(limit).offset(offset))
        return total, found.mappings().all()
