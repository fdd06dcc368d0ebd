"""exchange: the outbound queue of unsent rows, ready to write

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 02:30:00

The row versions not sent yet move to a queue of their own, ``exchange_outbound``, each with its
front-database row ready to write (all but the upload time) and read in push order (rank, row);
a push deletes what it sent, so ``exchange_rows`` is never changed (its ``sent_at`` and the index on
it go, and the index on (table, DFSJZJ), which repeats the unique index's first columns). Rows
unsent at the upgrade are queued with their ready rows (the common columns of mapping v1).
"""
from datetime import datetime, timezone
from typing import Sequence, Union
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
ROWS = sa.table('exchange_rows', sa.column('id'), sa.column('rank'), sa.column('table_name'), sa.column('dfsjzj'),
                sa.column('version'), sa.column('parent_table'), sa.column('parent_key'), sa.column('columns', sa.JSON),
                sa.column('division'), sa.column('valid'), sa.column('invalid_reason'),
                sa.column('staged_at', sa.DateTime(timezone=True)), sa.column('sent_at', sa.DateTime(timezone=True)))


def upgrade() -> None:
    outbound = op.create_table(
        'exchange_outbound',
        sa.Column('row_id', BIGINT, nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('table_name', sa.String(length=40), nullable=False),
        sa.Column('dfsjzj', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('parent_table', sa.String(length=40), nullable=True),
        sa.Column('parent_key', sa.String(length=200), nullable=True),
        sa.Column('front', sa.JSON(), nullable=False),
        sa.Column('staged_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['row_id'], ['exchange_rows.id'], name=op.f('fk_exchange_outbound_row_id_exchange_rows')),
        sa.PrimaryKeyConstraint('row_id', name=op.f('pk_exchange_outbound')),
    )
    op.create_index('ix_exchange_outbound_order', 'exchange_outbound', ['rank', 'row_id'])
    bind = op.get_bind()
    unsent = bind.execute(sa.select(ROWS).where(ROWS.c.sent_at.is_(None))).mappings().all()
    if unsent:
        op.bulk_insert(outbound, [{
            'row_id': r['id'], 'rank': r['rank'], 'table_name': r['table_name'], 'dfsjzj': r['dfsjzj'],
            'version': r['version'], 'parent_table': r['parent_table'], 'parent_key': r['parent_key'],
            'staged_at': r['staged_at'], 'front': {
                **r['columns'], 'XZQHDM': r['division'], 'DFSJZJ': r['dfsjzj'], 'SJYXBS': 1 if r['valid'] else 0,
                'SJWXYY': r['invalid_reason'] or None, 'SJSCZT': 0, 'GXSJ': _local(r['staged_at']),
                'SJBB': r['version']}} for r in unsent])
    with op.batch_alter_table('exchange_rows') as batch:
        batch.drop_index('ix_exchange_rows_sent_at')
        batch.drop_index('ix_exchange_rows_key')
        batch.drop_column('sent_at')


def downgrade() -> None:
    with op.batch_alter_table('exchange_rows') as batch:
        batch.add_column(sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_exchange_rows_key', ['table_name', 'dfsjzj'])
        batch.create_index('ix_exchange_rows_sent_at', ['sent_at'])
    outbound = sa.table('exchange_outbound', sa.column('row_id'))
    op.execute(ROWS.update().where(ROWS.c.id.not_in(sa.select(outbound.c.row_id))).values(sent_at=sa.func.now()))
    op.drop_index('ix_exchange_outbound_order', table_name='exchange_outbound')
    op.drop_table('exchange_outbound')


def _local(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M:%S")
