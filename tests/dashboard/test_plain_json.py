"""dashboard.plain_json makes what Dash makes of the same components."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.components.charting_ciwa import ciwa_form
from dashboard.components.charting_vitals import vitals_form
from dashboard.plain_json import plain


def dash_json(value: Any) -> Any:
    """Dash's own serialisation (Component.to_plotly_json, walked)."""
    if isinstance(value, Component):
        made = value.to_plotly_json()  # type: ignore[no-untyped-call]
        made["props"] = {k: dash_json(v) for k, v in made["props"].items()}
        return made
    if isinstance(value, list | tuple):
        return [dash_json(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)


def test_plain_json_is_dashs_json_for_html_mantine_and_core_components() -> None:
    tree = html.Div(
        [
            html.Span("a", className="x", **{"data-label": "CIWA-B", "aria-live": "polite"}),
            dmc.Select(id="s", data=["a", "b"], value=None, label="Pick"),
            dmc.Modal(dmc.Stack([dmc.Text("t", size="sm")]), id="m", opened=False),
            dcc.Store(id="store", data={"n": 1}),
            (html.B("tuple child"),),
            None,
            3,
        ],
        id={"type": "slot", "part": "plan"},
        style={"minHeight": "10px"},
    )
    assert same(plain(tree), dash_json(tree))


def test_plain_json_is_dashs_json_for_the_charting_forms() -> None:
    now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for form in (vitals_form(now, ZoneInfo("Europe/London")), ciwa_form(now, ZoneInfo("UTC"))):
        assert same(plain(form), dash_json(form))


def test_a_prop_given_as_none_is_kept_and_one_never_given_is_left_out() -> None:
    given = html.Div(title=None)
    assert plain(given)["props"] == {"children": None, "title": None}
    assert "title" not in plain(html.Div())["props"]
    assert same(plain(given), dash_json(given))
