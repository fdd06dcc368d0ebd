"""notifications and their readings

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 21:00:00

Every account has an inbox (000 §13, 002 §22, 000 §18): notices are addressed to an audience (a
person, an applicant organisation, a department's office, the supervisors of a region) and each
reading is recorded per account.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'notifications',
        sa.Column('notification_id', sa.String(length=36), nullable=False),
        sa.Column('dedupe_key', sa.String(length=300), nullable=False),
        sa.Column('account', sa.String(length=80), nullable=True),
        sa.Column('org', sa.String(length=40), nullable=True),
        sa.Column('department', sa.String(length=40), nullable=True),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('role', sa.String(length=20), nullable=True),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('urgency', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('stage_id', sa.String(length=36), nullable=True),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('subject', sa.String(length=120), nullable=True),
        sa.Column('sender', sa.String(length=80), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('notification_id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key')),
    )
    for column in ('account', 'org', 'department', 'project_code', 'case_id', 'subject', 'created_at'):
        op.create_index(op.f(f'ix_notifications_{column}'), 'notifications', [column], unique=False)
    op.create_table(
        'notification_reads',
        sa.Column('notification_id', sa.String(length=36), nullable=False),
        sa.Column('account', sa.String(length=80), nullable=False),
        sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.notification_id'],
                                name=op.f('fk_notification_reads_notification_id_notifications')),
        sa.PrimaryKeyConstraint('notification_id', 'account', name=op.f('pk_notification_reads')),
    )


def downgrade() -> None:
    op.drop_table('notification_reads')
    for column in ('account', 'org', 'department', 'project_code', 'case_id', 'subject', 'created_at'):
        op.drop_index(op.f(f'ix_notifications_{column}'), table_name='notifications')
    op.drop_table('notifications')
