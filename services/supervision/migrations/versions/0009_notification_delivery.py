"""notification contacts and outbound deliveries

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 21:20:00

A notice also travels outside the inbox (notification.requested): the contact directory the
operators keep (addresses per audience, appended), and every e-mail sent or tried per event with
each attempt and its outcome.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'notification_contacts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('audience_key', sa.String(length=300), nullable=False),
        sa.Column('account', sa.String(length=80), nullable=True),
        sa.Column('org', sa.String(length=40), nullable=True),
        sa.Column('department', sa.String(length=40), nullable=True),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('role', sa.String(length=20), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('phone', sa.String(length=21), nullable=True),
        sa.Column('sms', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_contacts')),
    )
    op.create_index(op.f('ix_notification_contacts_audience_key'), 'notification_contacts', ['audience_key'],
                    unique=False)
    op.create_table(
        'notification_deliveries',
        sa.Column('delivery_id', sa.String(length=36), nullable=False),
        sa.Column('event_id', sa.String(length=36), nullable=False),
        sa.Column('notification_id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_notification_deliveries')),
    )
    for column in ('event_id', 'notification_id', 'created_at'):
        op.create_index(op.f(f'ix_notification_deliveries_{column}'), 'notification_deliveries', [column],
                        unique=False)
    op.create_table(
        'notification_attempts',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('delivery_id', sa.String(length=36), nullable=False),
        sa.Column('attempt', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['notification_deliveries.delivery_id'],
                                name=op.f('fk_notification_attempts_delivery_id_notification_deliveries')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_attempts')),
    )
    op.create_index(op.f('ix_notification_attempts_delivery_id'), 'notification_attempts', ['delivery_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_attempts_delivery_id'), table_name='notification_attempts')
    op.drop_table('notification_attempts')
    for column in ('event_id', 'notification_id', 'created_at'):
        op.drop_index(op.f(f'ix_notification_deliveries_{column}'), table_name='notification_deliveries')
    op.drop_table('notification_deliveries')
    op.drop_index(op.f('ix_notification_contacts_audience_key'), table_name='notification_contacts')
    op.drop_table('notification_contacts')
