"""answered calls: a keyed write call's key, recorded with its changes, and its answer (platform_kit.calls)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 10:40:00

A call the gateway makes again after its first answer was lost (the broker or the gateway went away
after the service acted) finds its key here and is answered with the kept answer, not acted on twice.
"""
from typing import Sequence, Union

from alembic import op

from platform_kit import event_tables

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    event_tables.create_answered_calls_v1(op)


def downgrade() -> None:
    event_tables.drop_answered_calls_v1(op)
