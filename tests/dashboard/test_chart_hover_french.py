"""The chart's flag hover says the flag's severity and status in the reader's words (English:
as stored, as the hover always said them)."""

from __future__ import annotations

from datetime import UTC, datetime

import dash

from dashboard.components.taper_chart_data import FlagMark
from dashboard.components.taper_chart_marks import (
    FLAG_SEVERITY_WORDS,
    FLAG_STATUS_WORDS,
    flag_annotation,
)
from models.clinical.levels import FLAG_SEVERITIES
from models.tables import FLAG_STATUSES

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _hover(severity: str, status: str) -> str:
    mark = FlagMark(at=AT, rule="prn_use", severity=severity, status=status, message="3 < 4")
    return str(flag_annotation(mark, lambda at: at.isoformat(), "y3")["hovertext"])


def test_every_severity_and_status_has_its_words_the_stored_english() -> None:
    assert FLAG_SEVERITY_WORDS == {s: s for s in FLAG_SEVERITIES}
    assert FLAG_STATUS_WORDS == {s: s for s in FLAG_STATUSES}


def test_a_flags_hover_is_in_the_readers_language(app: dash.Dash) -> None:
    assert _hover("high", "open") == "high · open: 3 &lt; 4"
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert _hover("high", "open") == "élevé · ouverte : 3 &lt; 4"
        assert _hover("emergency", "acknowledged") == "urgence · prise en compte : 3 &lt; 4"
        assert _hover("low", "cleared") == "faible · levée : 3 &lt; 4"
        assert _hover("moderate", "resolved") == "modéré · résolue : 3 &lt; 4"
        assert _hover("unknown", "odd") == "unknown · odd : 3 &lt; 4"  # shown as stored
