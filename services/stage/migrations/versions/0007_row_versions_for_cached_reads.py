"""a version on every stage and case row, taken from one sequence whenever the row is written

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:00:00

A project's stages as the stage service answers them are kept in memory (stage.adapters.answers)
under a stamp read from the database on every request: the sum of the row versions of the
project's stages and of its cases, and the number of its decisions (inserted once, never changed).
A trigger gives a row a new version from the sequence on every insert and update, so any committed
change, whoever wrote it and in whatever order transactions commit, changes the stamp: a version
only grows, and a sum of growing numbers changes whenever one of them does. Nothing is locked
beyond the row being written.

PostgreSQL only; on SQLite (the local file mode) the column stays empty and nothing is cached.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("stages", "cases")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table in TABLES:
            op.add_column(table, sa.Column("row_version", sa.BigInteger(), nullable=True))
        return
    op.execute("CREATE SEQUENCE row_versions AS bigint")
    op.execute("""
        CREATE FUNCTION next_row_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.row_version := nextval('row_versions');
            RETURN NEW;
        END $$""")
    for table in TABLES:
        # a volatile default: every existing row gets a version of its own
        op.execute(f"ALTER TABLE {table} ADD COLUMN row_version bigint NOT NULL DEFAULT nextval('row_versions')")
        op.execute(f"CREATE TRIGGER {table}_row_version BEFORE INSERT OR UPDATE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION next_row_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table in TABLES:
            with op.batch_alter_table(table) as batch:
                batch.drop_column("row_version")
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER {table}_row_version ON {table}")
        op.execute(f"ALTER TABLE {table} DROP COLUMN row_version")
    op.execute("DROP FUNCTION next_row_version()")
    op.execute("DROP SEQUENCE row_versions")
