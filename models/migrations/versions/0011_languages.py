"""languages: each user's language and a ward's default language for new accounts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 10:00:00

Existing rows: every account and every ward speaks English, as the app did before (codes of
models.i18n; the domain checks them, so adding a language needs no migration).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ward') as batch_op:
        batch_op.add_column(sa.Column('default_language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='en'))
    with op.batch_alter_table('ward') as batch_op:
        batch_op.alter_column('default_language', server_default=None)

    with op.batch_alter_table('app_user') as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='en'))
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.alter_column('language', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('app_user') as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('ward') as batch_op:
        batch_op.drop_column('default_language')
