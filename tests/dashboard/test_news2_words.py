"""NEWS2 is named by the RCP's own risk words on every page: the vitals tab, the rounds card,
the board and the chart say "medium" for a total of 5 and "low–medium" for a single 3, never the
theme level's word ("high" for level 3)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import dash
import plotly.utils
import pytest
from sqlalchemy.engine import Engine

from dashboard.components.board_rows import board_rows
from dashboard.components.charting_vitals import news2_panel, preview
from dashboard.components.rounds_tiles import news2_tile
from dashboard.components.taper_chart_style import news2_band_label, news2_bands
from dashboard.rounds_queries import RoundsSummary
from dashboard.theme import LEVELS, news2_level
from tests.dashboard.charting_fixtures import admit_patient, text_of
from tests.dashboard.test_charting_board import nurse_request

BASE = {
    "resp_rate": 16, "spo2": 97, "supplemental_o2": False, "systolic": 120, "diastolic": 80,
    "heart_rate": 80, "consciousness": "A", "temperature_c": 37.0,
}  # fmt: skip
# HR 124 scores 2, RR 22 scores 2, 38.5 °C scores 1: total 5 with no single 3 (RCP "medium")
TOTAL_5 = {"heart_rate": 124, "resp_rate": 22, "temperature_c": 38.5}
# RR 25 scores 3, everything else 0: total 3 from a single parameter (RCP "low–medium")
SINGLE_3 = {"resp_rate": 25}


def _text(component: Any) -> str:
    """A component tree's text, as the browser receives it (JSON)."""
    return text_of(json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)))


CASES = [(TOTAL_5, 5, False, "medium"), (SINGLE_3, 3, True, "low–medium")]


@pytest.mark.parametrize(("changes", "total", "single_three", "word"), CASES)
def test_vitals_tab_and_rounds_card_name_news2_by_its_risk_word(
    changes: dict[str, Any], total: int, single_three: bool, word: str
) -> None:
    result = preview({**BASE, **changes})
    assert (result.complete, result.total, result.any_single_three) == (True, total, single_three)
    level_word = LEVELS[news2_level(total, single_three)].label
    assert level_word != word  # the theme's word differs: the test can tell them apart
    children, _style = news2_panel(result)
    panel = _text(children)
    assert word.capitalize() in panel and level_word.capitalize() not in panel

    top = SimpleNamespace(
        news2_total=total,
        news2_any_three=single_three,
        taken_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )
    summary = cast(RoundsSummary, SimpleNamespace(highest_news2=top, abnormal_vitals=1))
    tile = _text(news2_tile(summary, ZoneInfo("Europe/London")))
    assert word in tile and level_word not in tile.replace(word, "")


def test_board_and_chart_use_the_same_words(app: dash.Dash, sqlite_engine: Engine) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1", vitals=TOTAL_5)
    admit_patient(sqlite_engine, mrn="TW2", bed="B2", family="Poe", vitals=SINGLE_3)
    with nurse_request(app):
        rows, _ward = board_rows()
    by_bed = {r["bed"]: r for r in rows}
    assert (by_bed["B1"]["news2_total"], by_bed["B1"]["news2_sub"]) == (5, "medium")
    assert (by_bed["B2"]["news2_total"], by_bed["B2"]["news2_sub"]) == (3, "low–medium")
    # The chart shades by total alone: the band holding 5 carries the same word
    (band,) = [(lo, hi, lv) for lo, hi, lv in news2_bands() if lo <= 5 <= hi]
    assert news2_band_label(*band).startswith("medium ")
