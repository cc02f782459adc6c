"""sessions kept on the server (sign-out ends them) and sign-in locks per account and address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 00:10:00

Existing rows: nothing to convert. Browsers signed in before this revision hold a cookie with
no session token and are asked to sign in again.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('ended_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('ended_reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_session_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash'))
    )
    op.create_index('ix_user_session_user', 'user_session', ['user_id', 'ended_at'], unique=False)
    op.create_table('sign_in_lock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('locked_until', models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_sign_in_lock_user_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_lock')),
    sa.UniqueConstraint('user_id', 'address', name='uq_sign_in_lock_pair')
    )


def downgrade() -> None:
    op.drop_table('sign_in_lock')
    op.drop_index('ix_user_session_user', table_name='user_session')
    op.drop_table('user_session')
