"""sealed window documents: the PDF of each document as sealed when it was issued

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 00:30:00

004 §16: a window document carries the window's seal. It is sealed once, when issued, and the
sealed bytes are kept, so each download is the same file signed at the time of issue. Documents
issued before have none: the first download seals and keeps theirs.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0012'
down_revision: Union[str, Sequence[str], None] = '0011'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('sealed_window_documents',
    sa.Column('document_id', sa.String(length=36), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('sealed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['window_documents.id'],
                            name=op.f('fk_sealed_window_documents_document_id_window_documents')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_sealed_window_documents'))
    )


def downgrade() -> None:
    op.drop_table('sealed_window_documents')
