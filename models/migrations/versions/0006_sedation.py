"""sedation: RASS and POSS with the vitals, doses held for sedation linked to the score, ward
sedation thresholds, other CNS depressants on the admission and the naloxone check

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:10:00

Existing rows: readings carry no sedation score (``rass``/``poss`` NULL); held doses keep no
link to a score; wards get the default thresholds RASS -2 (local policy) and POSS 3 (Pasero);
admissions have no co-medications recorded and no naloxone record.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_SEDATION_CHECK = (
    'sedation_rass_threshold >= -5 AND sedation_rass_threshold <= 0 AND '
    'sedation_poss_threshold >= 2 AND sedation_poss_threshold <= 4'
)


_CLASSES = "drug_class IN ('opioid', 'gabapentinoid', 'z_drug', 'alcohol', 'other')"
_NALOXONE = "naloxone IS NULL OR naloxone IN ('supplied', 'offered', 'declined')"


def upgrade() -> None:
    op.create_table('co_medication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('admission_id', sa.Integer(), nullable=False),
    sa.Column('drug_class', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('recorded_at', models.types.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.Column('stopped_at', models.types.UTCDateTime(), nullable=True),
    sa.Column('stopped_by', sa.Integer(), nullable=True),
    sa.Column('stop_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.CheckConstraint(_CLASSES, name=op.f('ck_co_medication_drug_class')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_co_medication_name_not_empty')),
    sa.CheckConstraint('(stopped_at IS NULL) = (stop_reason IS NULL)', name=op.f('ck_co_medication_stop_reason')),
    sa.ForeignKeyConstraint(['admission_id'], ['admission.id'], name=op.f('fk_co_medication_admission_id_admission')),
    sa.ForeignKeyConstraint(['recorded_by'], ['app_user.id'], name=op.f('fk_co_medication_recorded_by_app_user')),
    sa.ForeignKeyConstraint(['stopped_by'], ['app_user.id'], name=op.f('fk_co_medication_stopped_by_app_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_co_medication'))
    )
    op.create_index(op.f('ix_co_medication_admission_id'), 'co_medication', ['admission_id'], unique=False)
    with op.batch_alter_table('admission') as batch_op:
        batch_op.add_column(sa.Column('naloxone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('naloxone_at', models.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('naloxone_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_admission_naloxone_by_app_user'), 'app_user', ['naloxone_by'], ['id'])
        batch_op.create_check_constraint('naloxone', _NALOXONE)

    with op.batch_alter_table('ward') as batch_op:
        batch_op.add_column(sa.Column('sedation_rass_threshold', sa.Integer(), nullable=False, server_default='-2'))
        batch_op.add_column(sa.Column('sedation_poss_threshold', sa.Integer(), nullable=False, server_default='3'))
        batch_op.create_check_constraint('sedation', _SEDATION_CHECK)
    with op.batch_alter_table('ward') as batch_op:
        batch_op.alter_column('sedation_rass_threshold', server_default=None)
        batch_op.alter_column('sedation_poss_threshold', server_default=None)

    with op.batch_alter_table('vital_signs') as batch_op:
        batch_op.add_column(sa.Column('rass', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('poss', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True))
        batch_op.create_check_constraint('rass', 'rass IS NULL OR (rass >= -5 AND rass <= 4)')
        batch_op.create_check_constraint('poss', "poss IS NULL OR poss IN ('S', '1', '2', '3', '4')")

    with op.batch_alter_table('dose_administration') as batch_op:
        batch_op.add_column(sa.Column('sedation_vitals_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_dose_administration_sedation_vitals_id_vital_signs'), 'vital_signs', ['sedation_vitals_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('admission') as batch_op:
        batch_op.drop_constraint(op.f('ck_admission_naloxone'), type_='check')
        batch_op.drop_constraint(op.f('fk_admission_naloxone_by_app_user'), type_='foreignkey')
        batch_op.drop_column('naloxone_by')
        batch_op.drop_column('naloxone_at')
        batch_op.drop_column('naloxone')
    op.drop_index(op.f('ix_co_medication_admission_id'), table_name='co_medication')
    op.drop_table('co_medication')
    with op.batch_alter_table('dose_administration') as batch_op:
        batch_op.drop_constraint(op.f('fk_dose_administration_sedation_vitals_id_vital_signs'), type_='foreignkey')
        batch_op.drop_column('sedation_vitals_id')

    with op.batch_alter_table('vital_signs') as batch_op:
        batch_op.drop_constraint(op.f('ck_vital_signs_poss'), type_='check')
        batch_op.drop_constraint(op.f('ck_vital_signs_rass'), type_='check')
        batch_op.drop_column('poss')
        batch_op.drop_column('rass')

    with op.batch_alter_table('ward') as batch_op:
        batch_op.drop_constraint(op.f('ck_ward_sedation'), type_='check')
        batch_op.drop_column('sedation_poss_threshold')
        batch_op.drop_column('sedation_rass_threshold')
