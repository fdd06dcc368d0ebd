"""project applicant names and query codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 16:30:00

A project carries its construction unit's name; the query codes (查询码) issued for it are kept as
digests, one row per issue; projects are listed newest first.
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant_name', sa.String(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_projects_registered_at'), ['registered_at'], unique=False)
    op.create_table('project_query_codes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('project_code', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('issued_by', sa.String(length=80), nullable=False),
    sa.Column('issued_role', sa.String(length=20), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['project_code'], ['projects.project_code'],
                            name=op.f('fk_project_query_codes_project_code_projects')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_query_codes'))
    )
    with op.batch_alter_table('project_query_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_query_codes_project_code'), ['project_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('project_query_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_query_codes_project_code'))
    op.drop_table('project_query_codes')
    with op.batch_alter_table('projects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_projects_registered_at'))
        batch_op.drop_column('applicant_name')
