"""ward tablets: the tablet strengths a ward's pharmacy supplies per drug, and which are scored

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 00:05:00

Existing wards get no rows: every drug uses the default tablets (models.clinical.tablets).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ward_drug_tablets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('drug', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('tablets', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("tablets <> ''", name=op.f('ck_ward_drug_tablets_tablets')),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_ward_drug_tablets_updated_by_app_user')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_ward_drug_tablets_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_drug_tablets')),
    sa.UniqueConstraint('ward_id', 'drug', name='uq_ward_drug_tablets')
    )


def downgrade() -> None:
    op.drop_table('ward_drug_tablets')
