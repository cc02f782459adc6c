"""flag message codes: a flag's message language-neutral, a code and its values
(models.flag_text), rendered in each reader's language

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 16:00:00

Existing rows: no code (NULL), so they keep showing their English message to every reader; the
next scan that refreshes a flag's message writes its code and values.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('flag') as batch_op:
        batch_op.add_column(sa.Column('message_code', sqlmodel.sql.sqltypes.AutoString(length=48), nullable=True))
        batch_op.add_column(sa.Column('message_values', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('flag') as batch_op:
        batch_op.drop_column('message_values')
        batch_op.drop_column('message_code')
