"""consultation closures, and the region of each consultation request

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 18:10:00

001 二: the departments asked read the project for the time of the consultation. A consultation
request keeps the asking department's region (the departments asked in it, or in a territory
containing it, read the project); a countersigned consultation (consultation.closed) is kept once
and ends that reading. Requests recorded before the region was kept have none: the department
asked reads in any region until the consultation closes, as before.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: Union[str, Sequence[str], None] = '0010'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('consultation_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=12), nullable=True))
    op.create_table('consultation_closures',
    sa.Column('consultation_id', sa.String(length=36), nullable=False),
    sa.Column('project_code', sa.String(length=40), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consultation_id', name=op.f('pk_consultation_closures'))
    )
    with op.batch_alter_table('consultation_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_closures_project_code'), ['project_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('consultation_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_closures_project_code'))
    op.drop_table('consultation_closures')
    with op.batch_alter_table('consultation_requests', schema=None) as batch_op:
        batch_op.drop_column('region')
