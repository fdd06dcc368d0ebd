"""urges, escalations, coordination requests, inspection notes and the platform calendar

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:20:00

Supervision acts (000 §18, 004 §21-22): urges (催办) and automatic escalations of case clocks,
coordination requests to a stage's lead department (协调申请) and their replies, inspection notes
(督查). All append-only. The platform calendar counts working days (reply deadlines, days in red).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from platform_kit import event_tables

# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_INDEXES = {
    'urges': ('project_code', 'stage_id', 'case_id', 'department', 'created_at'),
    'escalations': ('case_id',),
    'coordination_requests': ('project_code', 'stage_id', 'lead_department', 'from_department'),
    'coordination_replies': ('request_id',),
    'inspection_notes': ('case_id', 'department', 'created_at'),
}


def upgrade() -> None:
    op.create_table(
        'urges',
        sa.Column('urge_id', sa.String(length=36), nullable=False),
        sa.Column('target_kind', sa.String(length=20), nullable=False),
        sa.Column('target_id', sa.String(length=40), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('stage_id', sa.String(length=36), nullable=True),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('lead_department', sa.String(length=40), nullable=True),
        sa.Column('urgency', sa.String(length=20), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('sender', sa.String(length=80), nullable=False),
        sa.Column('sender_name', sa.String(length=80), nullable=True),
        sa.Column('sender_role', sa.String(length=20), nullable=False),
        sa.Column('sender_department', sa.String(length=40), nullable=True),
        sa.Column('sender_region', sa.String(length=12), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('urge_id', name=op.f('pk_urges')),
    )
    op.create_table(
        'escalations',
        sa.Column('clock_id', sa.String(length=48), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('department', sa.String(length=40), nullable=True),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('raised_on', sa.Date(), nullable=False),
        sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('clock_id', 'level', name=op.f('pk_escalations')),
    )
    op.create_table(
        'coordination_requests',
        sa.Column('request_id', sa.String(length=36), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('stage_id', sa.String(length=36), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('lead_department', sa.String(length=40), nullable=False),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('from_department', sa.String(length=40), nullable=False),
        sa.Column('from_region', sa.String(length=12), nullable=True),
        sa.Column('requester', sa.String(length=80), nullable=False),
        sa.Column('requester_name', sa.String(length=80), nullable=True),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('reply_due_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('request_id', name=op.f('pk_coordination_requests')),
    )
    op.create_table(
        'coordination_replies',
        sa.Column('reply_id', sa.String(length=36), nullable=False),
        sa.Column('request_id', sa.String(length=36), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('replier', sa.String(length=80), nullable=False),
        sa.Column('replier_name', sa.String(length=80), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('replied_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['coordination_requests.request_id'],
                                name=op.f('fk_coordination_replies_request_id_coordination_requests')),
        sa.PrimaryKeyConstraint('reply_id', name=op.f('pk_coordination_replies')),
    )
    op.create_table(
        'inspection_notes',
        sa.Column('note_id', sa.String(length=36), nullable=False),
        sa.Column('target_kind', sa.String(length=20), nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('finding', sa.Text(), nullable=False),
        sa.Column('required_action', sa.Text(), nullable=False),
        sa.Column('inspector', sa.String(length=80), nullable=False),
        sa.Column('inspector_name', sa.String(length=80), nullable=True),
        sa.Column('inspector_role', sa.String(length=20), nullable=False),
        sa.Column('inspector_department', sa.String(length=40), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('note_id', name=op.f('pk_inspection_notes')),
    )
    for table, columns in _INDEXES.items():
        for column in columns:
            op.create_index(op.f(f'ix_{table}_{column}'), table, [column], unique=False)
    event_tables.create_calendar_years_v1(op)


def downgrade() -> None:
    event_tables.drop_calendar_years_v1(op)
    for table, columns in _INDEXES.items():
        for column in columns:
            op.drop_index(op.f(f'ix_{table}_{column}'), table_name=table)
    for table in ('inspection_notes', 'coordination_replies', 'coordination_requests', 'escalations', 'urges'):
        op.drop_table(table)
