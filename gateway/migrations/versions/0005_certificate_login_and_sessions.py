"""certificate login: one-time challenges, bindings of certificates to accounts; how each session was opened

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:30:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amr', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('cert_issuer', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cert_serial', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_refresh_tokens_cert_serial'), ['cert_serial'], unique=False)
    op.create_table('certificate_challenges',
    sa.Column('nonce_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('nonce_hash', name=op.f('pk_certificate_challenges'))
    )
    op.create_table('certificate_bindings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('account', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.Text(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('not_after', sa.DateTime(timezone=True), nullable=False),
    sa.Column('certificate', sa.Text(), nullable=False),
    sa.Column('bound_by', sa.String(length=64), nullable=False),
    sa.Column('bound_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.Column('revocation_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['account'], ['accounts.account'], name=op.f('fk_certificate_bindings_account_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_bindings')),
    sa.UniqueConstraint('issuer', 'serial', name=op.f('uq_certificate_bindings_issuer'))
    )
    with op.batch_alter_table('certificate_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_bindings_account'), ['account'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('certificate_bindings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_bindings_account'))
    op.drop_table('certificate_bindings')
    op.drop_table('certificate_challenges')
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_cert_serial'))
        batch_op.drop_column('cert_serial')
        batch_op.drop_column('cert_issuer')
        batch_op.drop_column('amr')
