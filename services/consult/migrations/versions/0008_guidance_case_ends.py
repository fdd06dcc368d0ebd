"""how the cases of a stage ended, for joint guidance

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 00:35:00

003 §13: the next stage's list is asked for once the stage's last case has ended in a way that lets
the stage go on (approved, not required, withdrawn, concluded as no objection), never after a
disapproval or refusal. Cases approved before keep their approved_on and get the outcome approved.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column('guidance_stage_cases', sa.Column('outcome', sa.String(length=20), nullable=True))
    op.add_column('guidance_stage_cases', sa.Column('ended_on', sa.Date(), nullable=True))
    op.execute("UPDATE guidance_stage_cases SET outcome = 'approved', ended_on = approved_on "
               "WHERE approved_on IS NOT NULL")


def downgrade() -> None:
    op.drop_column('guidance_stage_cases', 'ended_on')
    op.drop_column('guidance_stage_cases', 'outcome')
