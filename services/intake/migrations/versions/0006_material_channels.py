"""material channels: electronic or paper (scanned by the window, 002 §5)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema: versions uploaded before are electronic."""
    with op.batch_alter_table('material_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='electronic', nullable=False))
        batch_op.add_column(sa.Column('paper_copies', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('paper_pages', sa.Integer(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('material_versions', schema=None) as batch_op:
        batch_op.drop_column('paper_pages')
        batch_op.drop_column('paper_copies')
        batch_op.drop_column('channel')
