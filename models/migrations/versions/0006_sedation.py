"""sedation: RASS and POSS with the vitals, doses held for sedation linked to the score, ward
sedation thresholds

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 00:10:00

Existing rows: readings carry no sedation score (``rass``/``poss`` NULL); held doses keep no
link to a score; wards get the default thresholds RASS -2 (local policy) and POSS 3 (Pasero).
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_SEDATION_CHECK = (
    'sedation_rass_threshold >= -5 AND sedation_rass_threshold <= 0 AND '
    'sedation_poss_threshold >= 2 AND sedation_poss_threshold <= 4'
)


def upgrade() -> None:
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
