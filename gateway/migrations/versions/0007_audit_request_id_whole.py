"""the audit trail keeps a request's whole id (1–128 characters, as the gateway accepts it)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:30:00

Records written before keep the first 64 characters they were written with: a wider column
changes no stored value, so the trail's hash chain is unchanged.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.alter_column('request_id', existing_type=sa.String(length=64), type_=sa.String(length=128),
                              existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_records', schema=None) as batch_op:
        batch_op.alter_column('request_id', existing_type=sa.String(length=128), type_=sa.String(length=64),
                              existing_nullable=False)
