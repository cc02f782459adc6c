"""idle lock and hospital sign-in: a ward's idle time, a session's last activity, and the
identity provider's (issuer, subject) of an account

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:10:00

Existing rows: wards lock after 15 idle minutes (local policy); open sessions count from their
sign-in until their page next reports activity; every existing account is a local one.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ward') as batch_op:
        batch_op.add_column(sa.Column('idle_lock_min', sa.Integer(), nullable=False, server_default='15'))
        batch_op.create_check_constraint('idle_lock', 'idle_lock_min > 0')
    with op.batch_alter_table('ward') as batch_op:
        batch_op.alter_column('idle_lock_min', server_default=None)

    with op.batch_alter_table('user_session') as batch_op:
        batch_op.add_column(sa.Column('last_active_at', models.types.UTCDateTime(), nullable=True))

    with op.batch_alter_table('app_user') as batch_op:
        batch_op.add_column(sa.Column('oidc_issuer', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('oidc_subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_app_user_oidc', ['oidc_issuer', 'oidc_subject'])


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.drop_constraint('uq_app_user_oidc', type_='unique')
        batch_op.drop_column('oidc_subject')
        batch_op.drop_column('oidc_issuer')

    with op.batch_alter_table('user_session') as batch_op:
        batch_op.drop_column('last_active_at')

    with op.batch_alter_table('ward') as batch_op:
        batch_op.drop_constraint(op.f('ck_ward_idle_lock'), type_='check')
        batch_op.drop_column('idle_lock_min')
