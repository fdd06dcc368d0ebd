"""land red-line boundaries and intermediary services of projects

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 23:20:00

001 §10: the province is told each project's land red-line boundary and its intermediary services.
A boundary is a new version each time it is recorded; an intermediary service record is withdrawn
by a row of its own.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: Union[str, Sequence[str], None] = '0013'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'project_boundaries',
        sa.Column('boundary_id', sa.String(length=36), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('geometry', sa.JSON(), nullable=False),
        sa.Column('area_m2', sa.Float(), nullable=False),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('recorded_role', sa.String(length=20), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_code'], ['projects.project_code'],
                                name=op.f('fk_project_boundaries_project_code_projects')),
        sa.PrimaryKeyConstraint('boundary_id', name=op.f('pk_project_boundaries')),
        sa.UniqueConstraint('project_code', 'version', name='uq_project_boundaries_version'),
    )
    op.create_index(op.f('ix_project_boundaries_project_code'), 'project_boundaries', ['project_code'])
    op.create_table(
        'intermediary_services',
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=False),
        sa.Column('service_name', sa.String(length=200), nullable=False),
        sa.Column('service_code', sa.String(length=60), nullable=False),
        sa.Column('agency_name', sa.String(length=200), nullable=False),
        sa.Column('agency_code', sa.String(length=18), nullable=False),
        sa.Column('client_name', sa.String(length=200), nullable=False),
        sa.Column('client_code', sa.String(length=18), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.Column('finished_on', sa.Date(), nullable=True),
        sa.Column('limit_days', sa.Integer(), nullable=True),
        sa.Column('recorded_by', sa.String(length=80), nullable=False),
        sa.Column('recorded_role', sa.String(length=20), nullable=False),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['project_code'], ['projects.project_code'],
                                name=op.f('fk_intermediary_services_project_code_projects')),
        sa.PrimaryKeyConstraint('record_id', name=op.f('pk_intermediary_services')),
    )
    op.create_index(op.f('ix_intermediary_services_project_code'), 'intermediary_services', ['project_code'])
    op.create_table(
        'intermediary_withdrawals',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column('record_id', sa.String(length=36), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('withdrawn_by', sa.String(length=80), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['intermediary_services.record_id'],
                                name=op.f('fk_intermediary_withdrawals_record_id_intermediary_services')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_intermediary_withdrawals')),
        sa.UniqueConstraint('record_id', name=op.f('uq_intermediary_withdrawals_record_id')),
    )


def downgrade() -> None:
    op.drop_table('intermediary_withdrawals')
    op.drop_table('intermediary_services')
    op.drop_table('project_boundaries')
