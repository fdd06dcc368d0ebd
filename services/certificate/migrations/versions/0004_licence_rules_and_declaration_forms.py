"""licence rules from the catalog, declaration forms and the declaration of each stage

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 00:40:00

002 §18: a licence's kind, validity and printed form fields are catalog data per item
(catalog.loaded); its printed values come from the stage declaration its case belongs to
(declaration.submitted, stage.opened).
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('licence_rules',
    sa.Column('item_code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('validity_days', sa.Integer(), nullable=True),
    sa.Column('form_fields', sa.JSON(), nullable=False),
    sa.Column('catalog_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('item_code', name=op.f('pk_licence_rules'))
    )
    op.create_table('declaration_forms',
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('form', sa.JSON(), nullable=False),
    sa.Column('source_event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('declaration_id', name=op.f('pk_declaration_forms'))
    )
    op.create_table('stage_declarations',
    sa.Column('stage_id', sa.String(length=36), nullable=False),
    sa.Column('declaration_id', sa.String(length=36), nullable=False),
    sa.Column('source_event_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('stage_id', name=op.f('pk_stage_declarations'))
    )
    op.create_index(op.f('ix_stage_declarations_declaration_id'), 'stage_declarations', ['declaration_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_stage_declarations_declaration_id'), table_name='stage_declarations')
    op.drop_table('stage_declarations')
    op.drop_table('declaration_forms')
    op.drop_table('licence_rules')
