"""statistics counters

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 21:30:00

Statistics are counted from events as they are recorded (supervision.domain.statistics): counters
per month, department, region, item, stage, officer and indicator; the marks of indicators counted
once per case; the Chinese names of departments and items for tables and charts.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KEYS = ('grain', 'month', 'department', 'region', 'item_code', 'stage', 'officer', 'indicator')


def upgrade() -> None:
    op.create_table(
        'statistics_counters',
        sa.Column('grain', sa.String(length=10), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('region', sa.String(length=12), nullable=False),
        sa.Column('item_code', sa.String(length=40), nullable=False),
        sa.Column('stage', sa.String(length=40), nullable=False),
        sa.Column('officer', sa.String(length=80), nullable=False),
        sa.Column('indicator', sa.String(length=30), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('used_days', sa.Integer(), nullable=False),
        sa.Column('limit_days', sa.Integer(), nullable=False),
        sa.Column('longest_days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEYS, name=op.f('pk_statistics_counters')),
    )
    op.create_table(
        'statistics_marks',
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('indicator', sa.String(length=30), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint('case_id', 'indicator', name=op.f('pk_statistics_marks')),
    )
    op.create_table(
        'statistics_names',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'code', name=op.f('pk_statistics_names')),
    )


def downgrade() -> None:
    op.drop_table('statistics_names')
    op.drop_table('statistics_marks')
    op.drop_table('statistics_counters')
