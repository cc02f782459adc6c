"""medication safety: PRN orders, dose ceilings, ward units, CIWA-Ar per admission, stop now

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 20:35:00

Existing rows: wards get the default hard ceiling (300 mg diazepam-equivalent a day) and
increase margin (10 %), both local policy; admissions chart CIWA-B only; plans keep the default
units (``units`` NULL) and no above-label confirmation; PRN doses already charted keep no order
(``prn_order_id`` NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_CHANGES_BEFORE = "change IN ('create', 'advance', 'hold', 'resume', 'back', 'recipe')"
_CHANGES_AFTER = "change IN ('create', 'advance', 'hold', 'resume', 'back', 'recipe', 'stop')"


def upgrade() -> None:
    op.create_table('ward_drug_unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ward_id', sa.Integer(), nullable=False),
    sa.Column('drug', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('unit_ug', sa.Integer(), nullable=False),
    sa.Column('updated_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.CheckConstraint('unit_ug > 0', name=op.f('ck_ward_drug_unit_unit')),
    sa.ForeignKeyConstraint(['updated_by'], ['app_user.id'], name=op.f('fk_ward_drug_unit_updated_by_app_user')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_ward_drug_unit_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_drug_unit')),
    sa.UniqueConstraint('ward_id', 'drug', name='uq_ward_drug_unit')
    )
    op.create_table('prn_order',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('order_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('drug', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('dose_ug', sa.Integer(), nullable=False),
    sa.Column('min_interval_min', sa.Integer(), nullable=False),
    sa.Column('max_doses_24h', sa.Integer(), nullable=False),
    sa.Column('max_ug_24h', sa.Integer(), nullable=False),
    sa.Column('indication', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('scale', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    sa.Column('threshold', sa.Integer(), nullable=True),
    sa.Column('start_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('stop_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('above_label_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.CheckConstraint("(scale IS NULL AND threshold IS NULL) OR (scale IN ('CIWA-B', 'CIWA-Ar') AND threshold IS NOT NULL AND threshold >= 0)", name=op.f('ck_prn_order_trigger')),
    sa.CheckConstraint("status IN ('active', 'superseded', 'stopped')", name=op.f('ck_prn_order_status')),
    sa.CheckConstraint('dose_ug > 0', name=op.f('ck_prn_order_dose')),
    sa.CheckConstraint('max_doses_24h >= 1', name=op.f('ck_prn_order_max_doses')),
    sa.CheckConstraint('max_ug_24h >= dose_ug', name=op.f('ck_prn_order_max_dose')),
    sa.CheckConstraint('min_interval_min > 0', name=op.f('ck_prn_order_interval')),
    sa.CheckConstraint('stop_at IS NULL OR stop_at > start_at', name=op.f('ck_prn_order_stop_after_start')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_prn_order_version')),
    sa.ForeignKeyConstraint(['admission_id'], ['admission.id'], name=op.f('fk_prn_order_admission_id_admission')),
    sa.ForeignKeyConstraint(['author_id'], ['app_user.id'], name=op.f('fk_prn_order_author_id_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prn_order')),
    sa.UniqueConstraint('order_key', 'version', name='uq_prn_order_version')
    )
    op.create_index('ix_prn_order_admission', 'prn_order', ['admission_id', 'status'])
    op.create_index('uq_prn_order_one_active', 'prn_order', ['order_key'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    with op.batch_alter_table('ward') as batch_op:
        batch_op.add_column(sa.Column('hard_ceiling_de_mg', sa.Integer(), nullable=False, server_default='300'))
        batch_op.add_column(sa.Column('increase_margin_pct', sa.Integer(), nullable=False, server_default='10'))
        batch_op.create_check_constraint('hard_ceiling', 'hard_ceiling_de_mg > 0')
        batch_op.create_check_constraint('increase_margin', 'increase_margin_pct >= 0')
    with op.batch_alter_table('ward') as batch_op:
        batch_op.alter_column('hard_ceiling_de_mg', server_default=None)
        batch_op.alter_column('increase_margin_pct', server_default=None)

    with op.batch_alter_table('admission') as batch_op:
        batch_op.add_column(sa.Column('ciwa_ar', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('dose_confirmed_by', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('dose_confirmed_at', models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('dose_confirm_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.create_foreign_key(op.f('fk_admission_dose_confirmed_by_app_user'), 'app_user', ['dose_confirmed_by'], ['id'])
        batch_op.create_check_constraint('dose_confirmed', '(dose_confirmed_by IS NULL) = (dose_confirm_reason IS NULL)')
    with op.batch_alter_table('admission') as batch_op:
        batch_op.alter_column('ciwa_ar', server_default=None)

    with op.batch_alter_table('taper_plan') as batch_op:
        batch_op.add_column(sa.Column('units', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('above_label_reason', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.drop_constraint(op.f('ck_taper_plan_change'), type_='check')
        batch_op.create_check_constraint('change', _CHANGES_AFTER)

    with op.batch_alter_table('dose_administration') as batch_op:
        batch_op.add_column(sa.Column('prn_order_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_dose_administration_prn_order_id_prn_order'), 'prn_order', ['prn_order_id'], ['id'])
        batch_op.create_check_constraint('prn_order', 'prn_order_id IS NULL OR prn = true')


def downgrade() -> None:
    # Plans stopped at once become plain recipe changes (the earlier schema has no "stop").
    op.execute("UPDATE taper_plan SET change = 'recipe' WHERE change = 'stop'")
    with op.batch_alter_table('dose_administration') as batch_op:
        batch_op.drop_constraint(op.f('ck_dose_administration_prn_order'), type_='check')
        batch_op.drop_constraint(op.f('fk_dose_administration_prn_order_id_prn_order'), type_='foreignkey')
        batch_op.drop_column('prn_order_id')

    with op.batch_alter_table('taper_plan') as batch_op:
        batch_op.drop_constraint(op.f('ck_taper_plan_change'), type_='check')
        batch_op.create_check_constraint('change', _CHANGES_BEFORE)
        batch_op.drop_column('above_label_reason')
        batch_op.drop_column('units')

    with op.batch_alter_table('admission') as batch_op:
        batch_op.drop_constraint(op.f('ck_admission_dose_confirmed'), type_='check')
        batch_op.drop_constraint(op.f('fk_admission_dose_confirmed_by_app_user'), type_='foreignkey')
        batch_op.drop_column('dose_confirm_reason')
        batch_op.drop_column('dose_confirmed_at')
        batch_op.drop_column('dose_confirmed_by')
        batch_op.drop_column('ciwa_ar')

    with op.batch_alter_table('ward') as batch_op:
        batch_op.drop_constraint(op.f('ck_ward_increase_margin'), type_='check')
        batch_op.drop_constraint(op.f('ck_ward_hard_ceiling'), type_='check')
        batch_op.drop_column('increase_margin_pct')
        batch_op.drop_column('hard_ceiling_de_mg')

    op.drop_index('uq_prn_order_one_active', table_name='prn_order', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_prn_order_admission', table_name='prn_order')
    op.drop_table('prn_order')
    op.drop_table('ward_drug_unit')
