"""the consultations on cases, as the consult service's events tell them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 18:00:00

001 二: a case is decided on the combined opinion of the departments its department consults, so
it is not approved, disapproved or concluded while such a consultation awaits the countersign; the
departments asked read the case while it is open. Each fact (opened, answered, countersigned) is a
row inserted once.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('case_consultations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('asked_by', sa.String(length=40), nullable=False),
    sa.Column('asked_of', sa.JSON(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('region', sa.String(length=12), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_consultations'))
    )
    with op.batch_alter_table('case_consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_consultations_case_id'), ['case_id'], unique=False)

    op.create_table('case_consultation_answers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('consultation_id', sa.String(length=36), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_consultation_answers')),
    sa.UniqueConstraint('consultation_id', 'department', name=op.f('uq_case_consultation_answers_consultation_id'))
    )
    with op.batch_alter_table('case_consultation_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_consultation_answers_consultation_id'), ['consultation_id'],
                              unique=False)

    op.create_table('case_consultation_closures',
    sa.Column('consultation_id', sa.String(length=36), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('closed_by', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_case_consultation_closures'))
    )


def downgrade() -> None:
    op.drop_table('case_consultation_closures')
    with op.batch_alter_table('case_consultation_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_consultation_answers_consultation_id'))
    op.drop_table('case_consultation_answers')
    with op.batch_alter_table('case_consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_consultations_case_id'))
    op.drop_table('case_consultations')
