"""The CIWA-B table: its correction button has the name the MAR, vitals and History use, and
the scale's name never breaks at its hyphen in a narrow table."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.utils

from dashboard.components.charting_ciwa_table import ciwa_table
from models.tables import WithdrawalAssessment


def test_scale_cell_does_not_wrap_and_the_action_is_mark_in_error() -> None:
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    row = WithdrawalAssessment(
        id=7, admission_id=1, scale="CIWA-B", taken_at=now - timedelta(hours=1),
        items={"1": 2}, total=22, band="moderate", charted_by=1, entered_in_error=False,
    )  # fmt: skip
    drawn = json.dumps(
        ciwa_table([row], {1: "Nurse One"}, tz=ZoneInfo("UTC"), now=now, can_correct=True),
        cls=plotly.utils.PlotlyJSONEncoder,
    )
    markup = json.loads(drawn)
    text = json.dumps(markup, ensure_ascii=False)
    assert re.search(r'<td class=\\"tw-nowrap\\">CIWA-B</td>', text), text[:2000]
    assert "Mark in error…" in text and "Correct…" not in text
