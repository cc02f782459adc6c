"""A plan's recipe is read in words in the reader's language wherever a page shows it, with the
stored syntax beside it on the plan panel; the equivalence table shows by its name."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash
import pytest

from dashboard.clinical_words import recipe_words, table_name
from dashboard.components.plan_header import plan_header
from models.tables import TaperPlan

RECIPE = "-0.5mg/14d until 1mg; -0.25mg/7d"


def _texts(component: Any) -> list[str]:
    """Every string in a Dash component tree, depth first."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def _plan() -> TaperPlan:
    return TaperPlan(
        id=1, admission_id=1, version=2, drug="clonazepam", daily_ug=2000, recipe=RECIPE,
        start_date=date(2026, 11, 20), effective_from=date(2026, 11, 21), change="create",
        status="active", author_id=1, reason="agreed", equivalence_table="vadod",
        created_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "\u22120.5\u00a0mg every 14 days until 1\u00a0mg, then \u22120.25\u00a0mg "
               "every 7 days until stopped"),
        ("fr", "\u22120,5\u00a0mg tous les 14 jours jusqu'\u00e0 1\u00a0mg, puis "
               "\u22120,25\u00a0mg tous les 7 jours jusqu'\u00e0 l'arr\u00eat"),
    ],
)  # fmt: skip
def test_the_plan_panel_reads_the_recipe_in_the_readers_language_beside_its_syntax(
    app: dash.Dash, language: str, words: str
) -> None:
    with app.server.test_request_context("/", headers={"Accept-Language": language}):
        assert recipe_words(RECIPE) == words
        texts = _texts(plan_header(_plan(), "Dr A", ZoneInfo("Europe/Paris")))
    assert words in texts
    assert RECIPE in texts
    assert any("VA/DoD" in t for t in texts) and not any("vadod" in t for t in texts)


def test_a_recipe_that_no_longer_parses_shows_as_stored(app: dash.Dash) -> None:
    with app.server.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert recipe_words("-0.5mg/14d until") == "-0.5mg/14d until"


def test_a_table_shows_by_its_name() -> None:
    assert table_name("ashton") == "Ashton" and table_name("vadod") == "VA/DoD"
    assert table_name("retired") == "retired"
