"""complaints and the accountability list

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 21:30:00

Complaints and reports (投诉举报, 002 §33) with their append-only steps; the accountability list
(问责清单, 002 §34) detected from events, with the supervisors' append-only decisions. Complaint
deadlines count working days with the holiday schedules kept since 0006.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COMPLAINT_INDEXES = ('project_code', 'region', 'complainant_org', 'client_digest', 'filed_at', 'state')
RECORD_INDEXES = ('ground', 'department', 'region', 'occurred_on', 'state')


def upgrade() -> None:
    op.create_table(
        'complaints',
        sa.Column('complaint_id', sa.String(length=36), nullable=False),
        sa.Column('complaint_no', sa.String(length=24), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('about', sa.String(length=20), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('department', sa.String(length=40), nullable=True),
        sa.Column('region', sa.String(length=12), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('complainant_account', sa.String(length=80), nullable=True),
        sa.Column('complainant_org', sa.String(length=40), nullable=True),
        sa.Column('complainant_name', sa.String(length=80), nullable=True),
        sa.Column('contact', sa.String(length=120), nullable=True),
        sa.Column('query_code_digest', sa.String(length=64), nullable=True),
        sa.Column('client_digest', sa.String(length=64), nullable=True),
        sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=False),
        sa.Column('due_days', sa.Integer(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('due_estimated', sa.Boolean(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('assignee', sa.String(length=80), nullable=True),
        sa.Column('concluded_on', sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_complaints')),
        sa.UniqueConstraint('complaint_no', name=op.f('uq_complaints_complaint_no')),
    )
    for column in COMPLAINT_INDEXES:
        op.create_index(op.f(f'ix_complaints_{column}'), 'complaints', [column], unique=False)
    op.create_table(
        'complaint_steps',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('complaint_id', sa.String(length=36), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('actor', sa.String(length=80), nullable=False),
        sa.Column('actor_role', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('assignee', sa.String(length=80), nullable=True),
        sa.Column('finding', sa.Text(), nullable=True),
        sa.Column('substantiated', sa.Boolean(), nullable=True),
        sa.Column('action_taken', sa.Text(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('due_estimated', sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.complaint_id'],
                                name=op.f('fk_complaint_steps_complaint_id_complaints')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_steps')),
    )
    op.create_index(op.f('ix_complaint_steps_complaint_id'), 'complaint_steps', ['complaint_id'], unique=False)
    op.create_table(
        'accountability_records',
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('dedupe_key', sa.String(length=200), nullable=False),
        sa.Column('ground', sa.String(length=10), nullable=False),
        sa.Column('fact', sa.String(length=40), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('region', sa.String(length=12), nullable=True),
        sa.Column('project_code', sa.String(length=40), nullable=True),
        sa.Column('stage_id', sa.String(length=36), nullable=True),
        sa.Column('case_id', sa.String(length=36), nullable=True),
        sa.Column('occurred_on', sa.Date(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('evidence', sa.JSON(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('record_id', name=op.f('pk_accountability_records')),
        sa.UniqueConstraint('dedupe_key', name=op.f('uq_accountability_records_dedupe_key')),
    )
    for column in RECORD_INDEXES:
        op.create_index(op.f(f'ix_accountability_records_{column}'), 'accountability_records', [column],
                        unique=False)
    op.create_table(
        'accountability_decisions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('decision', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('referred_to', sa.String(length=120), nullable=True),
        sa.Column('decided_by', sa.String(length=80), nullable=False),
        sa.Column('decided_role', sa.String(length=20), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['accountability_records.record_id'],
                                name=op.f('fk_accountability_decisions_record_id_accountability_records')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_accountability_decisions')),
    )
    op.create_index(op.f('ix_accountability_decisions_record_id'), 'accountability_decisions', ['record_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_accountability_decisions_record_id'), table_name='accountability_decisions')
    op.drop_table('accountability_decisions')
    for column in RECORD_INDEXES:
        op.drop_index(op.f(f'ix_accountability_records_{column}'), table_name='accountability_records')
    op.drop_table('accountability_records')
    op.drop_index(op.f('ix_complaint_steps_complaint_id'), table_name='complaint_steps')
    op.drop_table('complaint_steps')
    for column in COMPLAINT_INDEXES:
        op.drop_index(op.f(f'ix_complaints_{column}'), table_name='complaints')
    op.drop_table('complaints')
