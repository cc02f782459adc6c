"""wristband check: scans and overrides, the ward's "scan before giving" policy

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 00:10:00

Existing rows: wards do not scan before giving (off) and a scan counts for 10 minutes, both
local policy; doses already charted keep no wristband check (``wristband_check_id`` NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wristband_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason_code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('reason_text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('checked_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('checked_by', sa.Integer(), nullable=False),
    sa.CheckConstraint("method IN ('scan', 'override')", name=op.f('ck_wristband_check_method')),
    sa.CheckConstraint("(method = 'scan' AND reason_code IS NULL) OR (method = 'override' AND reason_code IS NOT NULL)", name=op.f('ck_wristband_check_override_reason')),
    sa.ForeignKeyConstraint(['admission_id'], ['admission.id'], name=op.f('fk_wristband_check_admission_id_admission')),
    sa.ForeignKeyConstraint(['checked_by'], ['app_user.id'], name=op.f('fk_wristband_check_checked_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wristband_check'))
    )
    op.create_index('ix_wristband_check_admission', 'wristband_check', ['admission_id', 'checked_at'])
    op.create_index('ix_wristband_check_method', 'wristband_check', ['method', 'checked_at'])

    with op.batch_alter_table('ward') as batch_op:
        batch_op.add_column(sa.Column('scan_before_giving', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('scan_valid_min', sa.Integer(), nullable=False, server_default='10'))
        batch_op.create_check_constraint('scan_valid', 'scan_valid_min > 0')
    with op.batch_alter_table('ward') as batch_op:
        batch_op.alter_column('scan_before_giving', server_default=None)
        batch_op.alter_column('scan_valid_min', server_default=None)

    with op.batch_alter_table('dose_administration') as batch_op:
        batch_op.add_column(sa.Column('wristband_check_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_dose_administration_wristband_check_id_wristband_check'), 'wristband_check', ['wristband_check_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('dose_administration') as batch_op:
        batch_op.drop_constraint(op.f('fk_dose_administration_wristband_check_id_wristband_check'), type_='foreignkey')
        batch_op.drop_column('wristband_check_id')

    with op.batch_alter_table('ward') as batch_op:
        batch_op.drop_constraint(op.f('ck_ward_scan_valid'), type_='check')
        batch_op.drop_column('scan_valid_min')
        batch_op.drop_column('scan_before_giving')

    op.drop_index('ix_wristband_check_method', table_name='wristband_check')
    op.drop_index('ix_wristband_check_admission', table_name='wristband_check')
    op.drop_table('wristband_check')
