"""project registration day and query code digest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 16:40:00

The public follows a project's progress with its code and query code (002 §22): the read model
keeps the day the project was registered and the digest of its current query code, with the time
it was issued (the latest wins).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('query_code_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('query_code_issued_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_column('query_code_issued_at')
        batch_op.drop_column('query_code_digest')
        batch_op.drop_column('registered_on')
