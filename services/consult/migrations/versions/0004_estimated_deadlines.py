"""estimated deadlines counted again when a year is loaded

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 14:00:00

A consultation keeps the working days it gave and whether its deadline was an estimate (a year
without a loaded holiday schedule, Monday–Friday assumed); each recount of an estimated deadline
is recorded with its old and new date. Existing consultations were counted with loaded years only:
not estimates.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_estimated', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        'consultation_deadline_recounts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('consultation_id', sa.String(length=36), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('old_due_on', sa.Date(), nullable=False),
        sa.Column('new_due_on', sa.Date(), nullable=False),
        sa.Column('still_estimated', sa.Boolean(), nullable=False),
        sa.Column('calendar_event_id', sa.String(length=36), nullable=False),
        sa.Column('loaded_by', sa.String(length=80), nullable=False),
        sa.Column('recounted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_deadline_recounts_consultation_id_consultations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_deadline_recounts')),
    )
    with op.batch_alter_table('consultation_deadline_recounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_deadline_recounts_consultation_id'),
                              ['consultation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultation_deadline_recounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_deadline_recounts_consultation_id'))
    op.drop_table('consultation_deadline_recounts')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_column('due_estimated')
        batch_op.drop_column('due_days')
