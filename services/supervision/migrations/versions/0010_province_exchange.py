"""province exchange: staged front-database rows, rejections, operator tasks

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 23:10:00

The exchange with the provincial front database (001 §10–§11): what it knows of projects and cases,
every row version staged for the province (sent once each), the rejections read back, the operator
tasks they open, the last push and poll, and the mapping versions used.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'exchange_facts',
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', name=op.f('pk_exchange_facts')),
    )
    op.create_table(
        'exchange_rows',
        sa.Column('id', BIGINT, autoincrement=True, nullable=False),
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('dfsjzj', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('columns', sa.JSON(), nullable=False),
        sa.Column('record', sa.JSON(), nullable=False),
        sa.Column('division', sa.String(length=12), nullable=False),
        sa.Column('valid', sa.Boolean(), nullable=False),
        sa.Column('invalid_reason', sa.Text(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('parent_table', sa.String(length=40), nullable=True),
        sa.Column('parent_key', sa.String(length=200), nullable=True),
        sa.Column('mapping_version', sa.Integer(), nullable=False),
        sa.Column('cause', sa.String(length=120), nullable=False),
        sa.Column('staged_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rows')),
        sa.UniqueConstraint('table_name', 'dfsjzj', 'version', name='uq_exchange_rows_version'),
    )
    op.create_index('ix_exchange_rows_sent_at', 'exchange_rows', ['sent_at'])
    op.create_index('ix_exchange_rows_key', 'exchange_rows', ['table_name', 'dfsjzj'])
    op.create_table(
        'exchange_rejections',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('lsh', sa.BigInteger(), nullable=False),
        sa.Column('dfsjzj', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reason_group', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=False),
        sa.Column('resent_row_id', sa.BigInteger(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_rejections')),
        sa.UniqueConstraint('table_name', 'lsh', name='uq_exchange_rejections_lsh'),
    )
    op.create_index('ix_exchange_rejections_key', 'exchange_rejections', ['table_name', 'dfsjzj'])
    op.create_table(
        'exchange_tasks',
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('rejection_id', sa.Integer(), nullable=False),
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('dfsjzj', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('accountability_record_id', sa.String(length=36), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['rejection_id'], ['exchange_rejections.id'],
                                name=op.f('fk_exchange_tasks_rejection_id_exchange_rejections')),
        sa.PrimaryKeyConstraint('task_id', name=op.f('pk_exchange_tasks')),
        sa.UniqueConstraint('rejection_id', name=op.f('uq_exchange_tasks_rejection_id')),
    )
    op.create_index(op.f('ix_exchange_tasks_state'), 'exchange_tasks', ['state'])
    op.create_table(
        'exchange_runs',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_exchange_runs')),
    )
    op.create_table(
        'exchange_mappings',
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('version', name=op.f('pk_exchange_mappings')),
    )


def downgrade() -> None:
    for table in ('exchange_mappings', 'exchange_runs', 'exchange_tasks', 'exchange_rejections', 'exchange_rows',
                  'exchange_facts'):
        op.drop_table(table)
