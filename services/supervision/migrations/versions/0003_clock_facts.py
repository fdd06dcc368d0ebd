"""clock facts published by the stage service

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:00:00

Clock rows keep the latest clock facts and state the stage service published (deadline, yellow
day, pause, stop, the light as of the event) and the position of the event that said each fact.
Rows projected from events published before they carried facts get no facts: their light is
unknown (null) until a newer event brings them.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

FACT_COLUMNS = (
    ('started_on', sa.Date), ('yellow_on', sa.Date), ('yellow_days', sa.Integer), ('paused', sa.Boolean),
    ('stopped_on', sa.Date), ('remaining_days', sa.Integer), ('light', lambda: sa.String(length=10)),
    ('as_of', sa.Date), ('clock', sa.JSON),
)
STAGE_ONLY = (('due_estimated', sa.Boolean), ('used_days', sa.Integer))


def _add(table, columns):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, kind in columns:
            batch_op.add_column(sa.Column(name, kind(), nullable=True))
        batch_op.add_column(sa.Column('clock_known', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('positions', sa.JSON(), nullable=True))


def _drop(table, columns):
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in ('positions', 'clock_known') + tuple(name for name, _ in reversed(columns)):
            batch_op.drop_column(name)


def upgrade() -> None:
    _add('stage_clocks', STAGE_ONLY + FACT_COLUMNS)
    _add('case_clocks', (('acceptance_due_on', sa.Date),) + FACT_COLUMNS)


def downgrade() -> None:
    _drop('case_clocks', (('acceptance_due_on', sa.Date),) + FACT_COLUMNS)
    _drop('stage_clocks', STAGE_ONLY + FACT_COLUMNS)
