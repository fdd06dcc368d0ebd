"""case regions and consultation requests

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:00:00

Who reads a project: the departments of its cases in their region, and the departments asked in a
consultation on it. Case facts keep the case's region; consultation.opened is recorded per department.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('case_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=12), nullable=True))
    op.create_table('consultation_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('consultation_id', sa.String(length=36), nullable=False),
    sa.Column('project_code', sa.String(length=40), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_requests')),
    sa.UniqueConstraint('event_id', 'department', name=op.f('uq_consultation_requests_event_id'))
    )
    with op.batch_alter_table('consultation_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_requests_project_code'), ['project_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultation_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_requests_project_code'))
    op.drop_table('consultation_requests')
    with op.batch_alter_table('case_facts', schema=None) as batch_op:
        batch_op.drop_column('region')
