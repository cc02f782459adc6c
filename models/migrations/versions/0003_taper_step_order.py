"""a plan's steps indexed in order, for the review scan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 02:55:00
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        'ix_taper_step_plan_order', 'taper_step', ['plan_id', 'start_date', 'step_index']
    )
    op.drop_index('ix_taper_step_plan_id', table_name='taper_step')


def downgrade() -> None:
    op.create_index('ix_taper_step_plan_id', 'taper_step', ['plan_id'])
    op.drop_index('ix_taper_step_plan_order', table_name='taper_step')
