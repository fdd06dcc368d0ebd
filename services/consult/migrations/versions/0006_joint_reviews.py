"""joint reviews (会审)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 17:40:00

The stages as stage.opened announces them (lead department, last day of the promised time); the
joint reviews their lead departments convene, with their invitees (the department inbox) and the
invitees' answers, inserted once each (a silence at the deadline is an answer with on_time false).
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
    op.create_table('joint_review_stages',
    sa.Column('stage_id', sa.String(length=36), nullable=False),
    sa.Column('project_code', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('lead_department', sa.String(length=40), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('limit_days', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('stage_id', name=op.f('pk_joint_review_stages'))
    )
    op.create_index(op.f('ix_joint_review_stages_project_code'), 'joint_review_stages', ['project_code'], unique=False)
    op.create_table('joint_reviews',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('stage_id', sa.String(length=36), nullable=False),
    sa.Column('project_code', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('convened_by', sa.String(length=40), nullable=False),
    sa.Column('convened_by_officer', sa.String(length=80), nullable=False),
    sa.Column('region', sa.String(length=6), nullable=True),
    sa.Column('invitees', sa.JSON(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('meeting_on', sa.Date(), nullable=False),
    sa.Column('place', sa.Text(), nullable=False),
    sa.Column('online', sa.Boolean(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_days', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('due_estimated', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('yellow_on', sa.Date(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_by', sa.String(length=80), nullable=True),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('conclusion', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['stage_id'], ['joint_review_stages.stage_id'], name=op.f('fk_joint_reviews_stage_id_joint_review_stages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_reviews'))
    )
    op.create_index('ix_joint_reviews_answered_on_due_on', 'joint_reviews', ['answered_on', 'due_on'], unique=False)
    op.create_index('ix_joint_reviews_convened_by_region', 'joint_reviews', ['convened_by', 'region'], unique=False)
    op.create_index(op.f('ix_joint_reviews_project_code'), 'joint_reviews', ['project_code'], unique=False)
    op.create_index(op.f('ix_joint_reviews_stage_id'), 'joint_reviews', ['stage_id'], unique=False)
    op.create_table('joint_review_answers',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('joint_review_id', sa.String(length=36), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('conditions', sa.Text(), nullable=False),
    sa.Column('answered_by', sa.String(length=80), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['joint_review_id'], ['joint_reviews.id'], name=op.f('fk_joint_review_answers_joint_review_id_joint_reviews')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_review_answers')),
    sa.UniqueConstraint('joint_review_id', 'department', name='uq_joint_review_answers_joint_review_department')
    )
    op.create_index(op.f('ix_joint_review_answers_joint_review_id'), 'joint_review_answers', ['joint_review_id'], unique=False)
    op.create_table('joint_review_invitees',
    sa.Column('joint_review_id', sa.String(length=36), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['joint_review_id'], ['joint_reviews.id'], name=op.f('fk_joint_review_invitees_joint_review_id_joint_reviews')),
    sa.PrimaryKeyConstraint('joint_review_id', 'department', name=op.f('pk_joint_review_invitees'))
    )
    op.create_index(op.f('ix_joint_review_invitees_department'), 'joint_review_invitees', ['department'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_joint_review_invitees_department'), table_name='joint_review_invitees')
    op.drop_table('joint_review_invitees')
    op.drop_index(op.f('ix_joint_review_answers_joint_review_id'), table_name='joint_review_answers')
    op.drop_table('joint_review_answers')
    op.drop_index(op.f('ix_joint_reviews_stage_id'), table_name='joint_reviews')
    op.drop_index(op.f('ix_joint_reviews_project_code'), table_name='joint_reviews')
    op.drop_index('ix_joint_reviews_convened_by_region', table_name='joint_reviews')
    op.drop_index('ix_joint_reviews_answered_on_due_on', table_name='joint_reviews')
    op.drop_table('joint_reviews')
    op.drop_index(op.f('ix_joint_review_stages_project_code'), table_name='joint_review_stages')
    op.drop_table('joint_review_stages')
