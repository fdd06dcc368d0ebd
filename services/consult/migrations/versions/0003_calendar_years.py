"""loaded holiday schedules

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:30:00

The holiday schedules operators load reach this service as calendar.year_loaded events and are
kept here, so that it counts working days with the same calendar as the stage service.
"""
from typing import Sequence, Union

from alembic import op

from platform_kit import event_tables

# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    event_tables.create_calendar_years_v1(op)


def downgrade() -> None:
    event_tables.drop_calendar_years_v1(op)
