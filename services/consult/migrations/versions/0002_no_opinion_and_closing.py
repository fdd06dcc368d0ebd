"""no opinion recorded for silence; consultations close

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:48:49.980698

Replies get their kind (a department's reply, or the no opinion the platform records for its
silence, 004 §14) and are unique per department; a consultation gets the day it closed. Existing
replies are all departments' own; a consultation whose asked departments have all replied is
closed on the day of its last reply.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('consultation_replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opinion_kind', sa.String(length=20), server_default='replied', nullable=False))
        batch_op.create_unique_constraint('uq_consultation_replies_consultation_department', ['consultation_id', 'department'])

    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.create_index('ix_consultations_closed_on_due_on', ['closed_on', 'due_on'], unique=False)

    _close_answered()


def _close_answered():
    # asked_of is a JSON list, so completeness is decided here rather than in portable SQL
    conn = op.get_bind()
    consultations = sa.table('consultations', sa.column('id'), sa.column('asked_of', sa.JSON),
                             sa.column('closed_on', sa.Date))
    replies = sa.table('consultation_replies', sa.column('consultation_id'), sa.column('department'),
                       sa.column('replied_on', sa.Date))
    answered = {}
    for consultation_id, department, replied_on in conn.execute(
            sa.select(replies.c.consultation_id, replies.c.department, replies.c.replied_on)):
        answered.setdefault(consultation_id, {})[department] = replied_on
    for consultation_id, asked_of in conn.execute(
            sa.select(consultations.c.id, consultations.c.asked_of).where(consultations.c.closed_on.is_(None))):
        got = answered.get(consultation_id, {})
        if asked_of and all(d in got for d in asked_of):
            conn.execute(consultations.update().where(consultations.c.id == consultation_id)
                         .values(closed_on=max(got[d] for d in asked_of)))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_closed_on_due_on')
        batch_op.drop_column('closed_on')

    with op.batch_alter_table('consultation_replies', schema=None) as batch_op:
        batch_op.drop_constraint('uq_consultation_replies_consultation_department', type_='unique')
        batch_op.drop_column('opinion_kind')
