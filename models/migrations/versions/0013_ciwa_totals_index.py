"""CIWA-B totals index: the rounds page counts each patient's scores from the index alone

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 16:00:00

An index of (admission, time, id, scale, entered in error, total): every column the rounds
page's count and highest CIWA-B read, so the database walks the index without reading the rows;
the id keeps the (time, id) order the other score queries sort by.
No data changes.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_withdrawal_assessment_totals', 'withdrawal_assessment', ['admission_id', 'taken_at', 'id', 'scale', 'entered_in_error', 'total'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_withdrawal_assessment_totals', table_name='withdrawal_assessment')
