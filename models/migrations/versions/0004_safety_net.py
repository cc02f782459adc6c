"""the safety net: cleared flags, SpO2 scale 2, dose windows by frequency, PRN and severity policy

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_WARD_POLICY = (
    ('daily_dose_window_min', sa.Integer(), '120'),
    ('step_min_readings', sa.Integer(), '2'),
    ('step_prn_margin', sa.Integer(), '2'),
    ('standing_ciwa_b_total', sa.Integer(), '41'),
    ('standing_ciwa_ar_total', sa.Integer(), '19'),
    ('prn_flag_doses_24h', sa.Integer(), '3'),
    ('prn_flag_de_mg_24h', sa.Integer(), '20'),
    ('prn_reassess_min', sa.Integer(), '60'),
    ('no_plan_grace_hours', sa.Integer(), '24'),
)
_WARD_CHECKS = (
    ('daily_window', 'daily_dose_window_min > 0 AND daily_dose_window_min <= 240'),
    ('step_evidence', 'step_min_readings > 0 AND step_prn_margin > 0'),
    ('standing', 'standing_ciwa_b_total > 0 AND standing_ciwa_ar_total > 0'),
    ('prn_review', 'prn_flag_doses_24h > 0 AND prn_flag_de_mg_24h > 0 AND prn_reassess_min > 0'),
    ('no_plan_grace', 'no_plan_grace_hours > 0'),
)


def upgrade() -> None:
    with op.batch_alter_table('ward') as batch:
        for name, type_, default in _WARD_POLICY:
            batch.add_column(sa.Column(name, type_, nullable=False, server_default=default))
        batch.add_column(
            sa.Column('doses_time_critical', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for name, condition in _WARD_CHECKS:
            batch.create_check_constraint(op.f(f'ck_ward_{name}'), condition)
    with op.batch_alter_table('admission') as batch:
        batch.add_column(sa.Column('spo2_scale', sa.Integer(), nullable=False, server_default='1'))
        batch.create_check_constraint(op.f('ck_admission_spo2_scale'), 'spo2_scale IN (1, 2)')
    with op.batch_alter_table('vital_signs') as batch:
        batch.add_column(sa.Column('spo2_scale', sa.Integer(), nullable=False, server_default='1'))
        batch.create_check_constraint(op.f('ck_vital_signs_spo2_scale'), 'spo2_scale IN (1, 2)')
    with op.batch_alter_table('scheduled_dose') as batch:
        batch.add_column(
            sa.Column('doses_per_day', sa.Integer(), nullable=False, server_default='2')
        )
        batch.create_check_constraint(op.f('ck_scheduled_dose_doses_per_day'), 'doses_per_day > 0')
    # Each existing slot: how many live slots of its drug its plan has on its day.
    op.execute(
        "UPDATE scheduled_dose SET doses_per_day = ("
        " SELECT count(*) FROM scheduled_dose other"
        " WHERE other.plan_id = scheduled_dose.plan_id AND other.drug = scheduled_dose.drug"
        " AND other.local_date = scheduled_dose.local_date)"
    )
    op.create_index(
        'ix_dose_administration_prn',
        'dose_administration',
        ['admission_id', 'administered_at'],
        sqlite_where=sa.text('prn = 1'),
        postgresql_where=sa.text('prn = true'),
    )
    op.create_index(
        'ix_withdrawal_assessment_ciwa_ar',
        'withdrawal_assessment',
        ['admission_id', 'taken_at'],
        sqlite_where=sa.text("scale = 'CIWA-Ar'"),
        postgresql_where=sa.text("scale = 'CIWA-Ar'"),
    )
    with op.batch_alter_table('flag') as batch:
        batch.add_column(sa.Column('cleared_at', models.types.UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column('cleared_note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch.drop_constraint(op.f('ck_flag_status'), type_='check')
        batch.create_check_constraint(
            op.f('ck_flag_status'), "status IN ('open', 'acknowledged', 'cleared', 'resolved')"
        )


def downgrade() -> None:
    op.drop_index(
        'ix_dose_administration_prn',
        table_name='dose_administration',
        sqlite_where=sa.text('prn = 1'),
        postgresql_where=sa.text('prn = true'),
    )
    op.drop_index(
        'ix_withdrawal_assessment_ciwa_ar',
        table_name='withdrawal_assessment',
        sqlite_where=sa.text("scale = 'CIWA-Ar'"),
        postgresql_where=sa.text("scale = 'CIWA-Ar'"),
    )
    # A cleared flag was unresolved: it goes back to open (nobody has seen it).
    op.execute("UPDATE flag SET status = 'open' WHERE status = 'cleared'")
    with op.batch_alter_table('flag') as batch:
        batch.drop_constraint(op.f('ck_flag_status'), type_='check')
        batch.create_check_constraint(
            op.f('ck_flag_status'), "status IN ('open', 'acknowledged', 'resolved')"
        )
        batch.drop_column('cleared_note')
        batch.drop_column('cleared_at')
    with op.batch_alter_table('scheduled_dose') as batch:
        batch.drop_constraint(op.f('ck_scheduled_dose_doses_per_day'), type_='check')
        batch.drop_column('doses_per_day')
    with op.batch_alter_table('vital_signs') as batch:
        batch.drop_constraint(op.f('ck_vital_signs_spo2_scale'), type_='check')
        batch.drop_column('spo2_scale')
    with op.batch_alter_table('admission') as batch:
        batch.drop_constraint(op.f('ck_admission_spo2_scale'), type_='check')
        batch.drop_column('spo2_scale')
    with op.batch_alter_table('ward') as batch:
        for name, _ in _WARD_CHECKS:
            batch.drop_constraint(op.f(f'ck_ward_{name}'), type_='check')
        batch.drop_column('doses_time_critical')
        for name, _, _ in reversed(_WARD_POLICY):
            batch.drop_column(name)
