"""one window document per case fact

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 02:30:00

The same decision on a case told again under a new event id (a producer that published it twice)
must not issue a second acceptance, supplement, return, refusal, disapproval, not-required or
completion document: each case document records the fact it states (case, kind, event, decision
date and what tells several apart), unique. Documents issued before keep no key.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: Union[str, Sequence[str], None] = '0015'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('window_documents') as batch:
        batch.add_column(sa.Column('fact_key', sa.String(length=200), nullable=True))
        batch.create_unique_constraint('uq_window_documents_fact_key', ['fact_key'])


def downgrade() -> None:
    with op.batch_alter_table('window_documents') as batch:
        batch.drop_constraint('uq_window_documents_fact_key', type_='unique')
        batch.drop_column('fact_key')
