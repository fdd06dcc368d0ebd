"""cases carry what follows a lapse, whom they were recalled to, and their supplement notices

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 17:40:00

004 §14: a case whose limit lapses without a decision is recalled as the catalog configures for its
item (``lapse_action``): to the stage's lead department (``recalled_to``, ``recalled_region``) or
concluded as no objection. 002 §7(二): a supplement notice is one-time; ``supplement_notices``
counts the notices of the current round, filled for existing cases from their recorded decisions.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("lapse_action", sa.String(20), nullable=False,
                                     server_default="return_to_lead"))
    op.add_column("cases", sa.Column("recalled_to", sa.String(40), nullable=True))
    op.add_column("cases", sa.Column("recalled_region", sa.String(12), nullable=True))
    op.add_column("cases", sa.Column("supplement_notices", sa.Integer(), nullable=False, server_default="0"))
    op.execute("""
        UPDATE cases SET supplement_notices = (
            SELECT count(*) FROM case_decisions d
            WHERE d.case_id = cases.id AND d.action = 'request_supplement'
              AND d.id > COALESCE((SELECT max(r.id) FROM case_decisions r
                                   WHERE r.case_id = cases.id AND r.action = 'resubmit'), 0))
    """)


def downgrade() -> None:
    op.drop_column("cases", "supplement_notices")
    op.drop_column("cases", "recalled_region")
    op.drop_column("cases", "recalled_to")
    op.drop_column("cases", "lapse_action")
