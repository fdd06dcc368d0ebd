"""The exchange's own tables in the supervision database (migrations 0010, 0012).

- ``exchange_facts``: what the exchange knows of projects, declarations, cases … (a read model);
- ``exchange_rows``: every row version staged for the front database, in staging order (``id``), with
  the record it was mapped from; a version is staged once (unique table, ``DFSJZJ``, version) and is
  never changed;
- ``exchange_outbound``: the row versions not sent yet, each with its front row ready to write (all
  but the upload time), in push order (rank, row); a push deletes the rows it sent (migration 0012);
- ``exchange_rejections``: each rejection read back (unique table and ``LSH``), with what was done;
- ``exchange_tasks``: rejections a person must correct (operator tasks), with their resolution;
- ``exchange_runs``: the last push, poll and catalog pass; ``exchange_mappings``: the mapping versions used.
"""
from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text,
                        UniqueConstraint)

from supervision.adapters.orm import Base

metadata = Base.metadata

facts = Table(
    "exchange_facts", metadata,
    Column("kind", String(40), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("data", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

rows = Table(
    "exchange_rows", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("table_name", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("dfsjzj", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("rank", Integer, nullable=False),
    Column("columns", JSON, nullable=False),
    Column("record", JSON, nullable=False),
    Column("division", String(12), nullable=False),
    Column("valid", Boolean, nullable=False),
    Column("invalid_reason", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("parent_table", String(40)),
    Column("parent_key", String(200)),
    Column("mapping_version", Integer, nullable=False),
    Column("cause", String(120), nullable=False),
    Column("staged_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("table_name", "dfsjzj", "version", name="uq_exchange_rows_version"),
)

outbound = Table(
    "exchange_outbound", metadata,
    Column("row_id", BigInteger().with_variant(Integer, "sqlite"), ForeignKey("exchange_rows.id"), primary_key=True),
    Column("rank", Integer, nullable=False),
    Column("table_name", String(40), nullable=False),
    Column("dfsjzj", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("parent_table", String(40)),
    Column("parent_key", String(200)),
    Column("front", JSON, nullable=False),
    Column("staged_at", DateTime(timezone=True), nullable=False),
    Index("ix_exchange_outbound_order", "rank", "row_id"),
)

rejections = Table(
    "exchange_rejections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(40), nullable=False),
    Column("lsh", BigInteger, nullable=False),
    Column("dfsjzj", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("reason_group", String(120), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("resent_row_id", BigInteger),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("table_name", "lsh", name="uq_exchange_rejections_lsh"),
    Index("ix_exchange_rejections_key", "table_name", "dfsjzj"),
)

tasks = Table(
    "exchange_tasks", metadata,
    Column("task_id", String(36), primary_key=True),
    Column("rejection_id", Integer, ForeignKey("exchange_rejections.id"), nullable=False, unique=True),
    Column("table_name", String(40), nullable=False),
    Column("dfsjzj", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Column("department", String(40), nullable=False),
    Column("project_code", String(40)),
    Column("case_id", String(36)),
    Column("accountability_record_id", String(36)),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("state", String(20), nullable=False, index=True),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolution", Text),
)

runs = Table(
    "exchange_runs", metadata,
    Column("kind", String(20), primary_key=True),
    Column("last_at", DateTime(timezone=True), nullable=False),
    Column("rows", Integer, nullable=False),
)

mappings = Table(
    "exchange_mappings", metadata,
    Column("version", Integer, primary_key=True),
    Column("body", JSON, nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
)
