"""Migration steps for the two tables every service has: ``outbox`` and ``processed_events``.

Each service's first migration calls :func:`create_v1` / :func:`drop_v1`. The functions are
versioned and frozen: a later change to these tables is a new function (``..._v2``) called by a
new migration of every service, so the history of a database never changes under it.
"""
import sqlalchemy as sa


def create_v1(op):
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(length=120), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_events")),
    )


def drop_v1(op):
    op.drop_table("processed_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))
    op.drop_table("outbox")


def create_calendar_years_v1(op):
    """The ``calendar_years`` table of platform_kit.calendar_store, for a service that counts
    working days (the stage service's own table gains ``event_id`` with :func:`add_calendar_event_id_v1`)."""
    op.create_table(
        "calendar_years",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("holidays", sa.JSON(), nullable=False),
        sa.Column("working_weekends", sa.JSON(), nullable=False),
        sa.Column("loaded_by", sa.String(length=80), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_years")),
        sa.UniqueConstraint("event_id", name=op.f("uq_calendar_years_event_id")),
    )
    with op.batch_alter_table("calendar_years", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_years_year"), ["year"], unique=False)


def drop_calendar_years_v1(op):
    with op.batch_alter_table("calendar_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_years_year"))
    op.drop_table("calendar_years")


def add_calendar_event_id_v1(op):
    with op.batch_alter_table("calendar_years", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.String(length=36), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_calendar_years_event_id"), ["event_id"])


def drop_calendar_event_id_v1(op):
    with op.batch_alter_table("calendar_years", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_calendar_years_event_id"), type_="unique")
        batch_op.drop_column("event_id")


def create_answered_calls_v1(op):
    """The ``answered_calls`` table every service has (platform_kit.calls): a keyed write call's key,
    recorded with its changes, and its answer, kept for a repeated call."""
    op.create_table(
        "answered_calls",
        sa.Column("call_key", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("call_key", name=op.f("pk_answered_calls")),
    )
    with op.batch_alter_table("answered_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answered_calls_created_at"), ["created_at"], unique=False)


def drop_answered_calls_v1(op):
    with op.batch_alter_table("answered_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answered_calls_created_at"))
    op.drop_table("answered_calls")
