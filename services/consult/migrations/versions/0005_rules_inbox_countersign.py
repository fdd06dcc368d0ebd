"""consultation rules, department inbox, opinion kinds and countersign

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 17:30:00

The catalog's departments and default consultations (catalog.loaded) and the cases' items
(stage.opened) are kept; each consultation lists its addressees for the department inbox and keeps
its region and the day its light turns yellow. A consultation is answered once every asked
department has an answer and closed when the asking department countersigns (summary, who): the
consultations closed before were closed by their last answer, so they are answered on that day.
Replies carry conditions and attachments.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('yellow_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('answered_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('summary', sa.Text(), nullable=True))
        batch_op.create_index('ix_consultations_answered_on_due_on', ['answered_on', 'due_on'], unique=False)
        batch_op.create_index('ix_consultations_asked_by_region', ['asked_by', 'region'], unique=False)
    op.execute("UPDATE consultations SET answered_on = closed_on WHERE closed_on IS NOT NULL")
    with op.batch_alter_table('consultation_replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conditions', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))
    op.create_table(
        'consultation_addressees',
        sa.Column('consultation_id', sa.String(length=36), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_consultation_addressees_consultation_id_consultations')),
        sa.PrimaryKeyConstraint('consultation_id', 'department', name=op.f('pk_consultation_addressees')),
    )
    with op.batch_alter_table('consultation_addressees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_addressees_department'), ['department'], unique=False)
    # the inbox of the consultations opened before: one row per asked department
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, asked_of FROM consultations")).all()
    for consultation_id, asked_of in rows:
        if isinstance(asked_of, str):
            import json
            asked_of = json.loads(asked_of)
        for department in asked_of or ():
            connection.execute(sa.text("INSERT INTO consultation_addressees (consultation_id, department) "
                                       "VALUES (:c, :d)"), {"c": consultation_id, "d": department})
    op.create_table(
        'catalog_departments',
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('region', sa.String(length=6), nullable=False),
        sa.Column('catalog_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('code', name=op.f('pk_catalog_departments')),
    )
    op.create_table(
        'consultation_rules',
        sa.Column('catalog_version', sa.Integer(), nullable=False),
        sa.Column('item_code', sa.String(length=40), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('catalog_version', 'item_code', 'department', name=op.f('pk_consultation_rules')),
    )
    op.create_table(
        'consultation_cases',
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('project_code', sa.String(length=40), nullable=False),
        sa.Column('item_code', sa.String(length=40), nullable=False),
        sa.Column('department', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_consultation_cases')),
    )


def downgrade() -> None:
    op.drop_table('consultation_cases')
    op.drop_table('consultation_rules')
    op.drop_table('catalog_departments')
    with op.batch_alter_table('consultation_addressees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_addressees_department'))
    op.drop_table('consultation_addressees')
    with op.batch_alter_table('consultation_replies', schema=None) as batch_op:
        batch_op.drop_column('attachments')
        batch_op.drop_column('conditions')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_asked_by_region')
        batch_op.drop_index('ix_consultations_answered_on_due_on')
        batch_op.drop_column('summary')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('answered_on')
        batch_op.drop_column('yellow_on')
        batch_op.drop_column('region')
