"""the call context an event is published with (the request id), kept beside it in the outbox

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 02:30:00

The relay publishes each key as a ``nameko.<key>`` message header, so the request id of the work
that emitted an event reaches the log lines of every handler of it; the envelope is unchanged.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0015'
down_revision: Union[str, Sequence[str], None] = '0014'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('outbox', sa.Column('headers', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('headers')
