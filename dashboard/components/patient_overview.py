"""The patient overview: taper and symptoms on one time axis, and the taper plan panel.

The patient page (dashboard/pages/patient.py) shows ``overview()`` in its first tab and calls
``register_callbacks(app)`` once. The rounds page shows ``chart_block()`` too and also calls
``register_callbacks``; a second call is a no-op. The plan panel comes after the chart: the
overview holds its placeholder, which asks for it once the page is up (plan_panel._fill).

The chart is drawn once; a 30-second interval then appends what was charted since as a Dash
Patch (extending the traces), and redraws only when something other than an append happened
(a new plan version, an entry marked in error, a flag's status change).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html, no_update
from dash import Patch as DashPatch
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.chart_queries import ChartCursor, chart_append, patient_chart
from dashboard.components import plan_panel
from dashboard.components.charting_common import attrs
from dashboard.components.taper_chart import chart_figure
from dashboard.components.taper_chart_layout import y_axes
from dashboard.components.taper_chart_patch import append_patch, now_shape_index, trace_index
from dashboard.components.taper_chart_style import (
    FIGURE_HEIGHT,
    PANELS,
    RANGES,
    KeyEntry,
    chart_key,
    ciwa_top,
    news2_top,
)
from dashboard.components.taper_chart_time import x_range
from dashboard.context import current_actor, engine
from dashboard.i18n import _, language
from dashboard.registry import callback
from models.i18n.formats import plotly_locale
from models.types import utcnow

REFRESH_MS = 30_000
# Around a moment the review queue links to: this much either side (local policy for display).
AT_SPAN = timedelta(hours=36)
GRAPH_CONFIG: Any = {"displayModeBar": False, "responsive": True, "scrollZoom": False}


def graph_config(code: str) -> Any:
    """The chart's plotly config in the language ``code``: outside English, plotly's locale
    (day and month names of the date axis and hovers, decimal comma) given with the plot, from
    Babel's CLDR data, so no plotly locale bundle is loaded or downloaded."""
    locale = plotly_locale(code)
    if locale is None:
        return dict(GRAPH_CONFIG)
    return {**GRAPH_CONFIG, "locale": code, "locales": {code: locale}}


def _figure_and_meta(
    admission_id: int, *, range_key: str, at: str | None = None
) -> tuple[Any, dict[str, Any]] | None:
    now = utcnow()
    with Session(engine()) as session:
        chart = patient_chart(session, admission_id, now=now, range_key=range_key)
    if chart is None:
        return None
    fig = chart_figure(chart.chart)
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            local = moment.astimezone(ZoneInfo(chart.chart.timezone)).replace(tzinfo=None)
            window = [
                (local - AT_SPAN).isoformat(sep=" ", timespec="minutes"),
                (local + AT_SPAN).isoformat(sep=" ", timespec="minutes"),
            ]
            for key, axis in fig["layout"].items():
                if key.startswith("xaxis"):
                    axis["range"] = window
    meta = {
        "admission_id": admission_id,
        "timezone": chart.chart.timezone,
        "admitted_at": chart.chart.admitted_at.isoformat(),
        "discharged_at": (
            chart.chart.discharged_at.isoformat() if chart.chart.discharged_at else None
        ),
        "drugs": list(chart.chart.drugs),
        "traces": trace_index(fig),
        "y_axes": y_axes(fig),
        "ciwa_top": ciwa_top(max((a.total for a in chart.chart.assessments), default=0)),
        "news2_top": news2_top(max((v.news2_total for v in chart.chart.vitals), default=0)),
        "now_shape": now_shape_index(fig),
        "cursor": chart.cursor.to_json(),
    }
    return fig, meta


# Plotly marker symbols as the characters the key shows (same shape, same colour).
GLYPHS = {
    "circle": "●",
    "diamond": "◆",
    "star": "★",
    "square": "■",
    "triangle-down": "▼",
    "circle-open": "○",
    "x-thin-open": "✕",
}


CSS_DASH = {"solid": "solid", "dash": "dashed", "dot": "dotted"}


def key_item(entry: KeyEntry) -> html.Span:
    if entry.symbol is not None:
        mark = html.Span(
            GLYPHS.get(entry.symbol, "●"), className="tw-key-glyph", style={"color": entry.colour}
        )
    else:
        mark = html.Span(
            className="tw-key-line",
            style={"borderTop": f"3px {CSS_DASH.get(entry.dash or '', 'solid')} {entry.colour}"},
        )
    return html.Span([mark, entry.label], className="tw-key-item")


def chart_key_view(drugs: tuple[str, ...]) -> html.Div:
    return html.Div([key_item(e) for e in chart_key(drugs)], className="tw-key", id="ov-key")


def _data_admission(admission_id: int) -> dict[str, Any]:
    return {"data-admission": str(admission_id)}


def chart_block(admission_id: int, at: str | None = None) -> html.Section:
    built = _figure_and_meta(admission_id, range_key="7d", at=at)
    if built is None:
        return html.Section(dmc.Alert(_("No such admission."), color="red"), id="ov-chart")
    fig, meta = built
    ranges = [{"value": key, "label": _(label)} for key, (label, *_spans) in RANGES.items()]
    return html.Section(
        [
            dmc.Group(
                [
                    dmc.Title(_("Taper and symptoms"), order=3),
                    dmc.SegmentedControl(
                        id="ov-range",
                        **{"aria-label": _("Time span of the chart")},
                        data=ranges,
                        value="7d",
                        size="md",
                        className="tw-no-print",
                    ),
                    dmc.Text(
                        _(
                            "Ward time ({zone}). Dashed: planned. Shading: CIWA-B bands and "
                            "NEWS2 response levels.",
                            zone=meta["timezone"],
                        ),
                        size="sm",
                        c="dimmed",
                    ),
                ],
                justify="space-between",
            ),
            chart_key_view(tuple(meta["drugs"])),
            # On a narrow screen the chart keeps a readable width and pans inside this frame
            # (by touch, or by keyboard once the frame has the focus).
            html.Div(
                dcc.Graph(
                    id="ov-graph",
                    figure=fig,
                    config=graph_config(language()),
                    style={"height": f"{FIGURE_HEIGHT}px"},
                    className="tw-chart",
                ),
                className="tw-chart-frame",
                # The chart's height before plotly draws it, so nothing below it jumps.
                style={"minHeight": f"{FIGURE_HEIGHT}px"},
                tabIndex="0",
                role="region",
                **attrs(aria_label=_("Taper and symptoms chart")),
            ),
            html.P(
                _("The same readings as tables: the Vitals, CIWA, MAR and History tabs."),
                className="tw-chart-alt tw-no-print",
            ),
            dcc.Store(id="ov-meta", data=meta),
            dcc.Store(id="ov-refresh", data=None),
            dcc.Interval(id="ov-interval", interval=REFRESH_MS),
        ],
        className="tw-section-card tw-chart-card",
        id="ov-chart",
        **_data_admission(admission_id),
    )


def overview(admission_id: int, at: str | None = None) -> html.Div:
    current_actor()
    return html.Div(
        [
            chart_block(admission_id, at),
            plan_panel.placeholder(admission_id),
            html.A(
                _("Print the MAR and CIWA-B sheets"),
                href=f"/patient/{admission_id}/print",
                className="tw-print-link tw-no-print",
                target="_blank",
            ),
        ],
        id="patient-overview",
        className="tw-overview",
        **_data_admission(admission_id),
    )


def _range_patch(meta: dict[str, Any], range_key: str) -> DashPatch:
    window = x_range(
        range_key,
        now=utcnow(),
        admitted_at=datetime.fromisoformat(meta["admitted_at"]),
        discharged_at=(
            datetime.fromisoformat(meta["discharged_at"]) if meta["discharged_at"] else None
        ),
        timezone=meta["timezone"],
    )
    patch = DashPatch()
    for i in range(1, len(PANELS) + 1):
        patch["layout"][f"xaxis{i if i > 1 else ''}"]["range"] = window
    return patch


_CHART = {
    "figure": Output("ov-graph", "figure", allow_duplicate=True),
    "meta": Output("ov-meta", "data", allow_duplicate=True),
}
# What a refresh and a redraw both read: the chart drawn (its cursor) and the range shown.
_DRAWN = {"meta": State("ov-meta", "data"), "range_key": State("ov-range", "value")}


@callback(
    output=Output("ov-graph", "figure", allow_duplicate=True),
    inputs={"range_key": Input("ov-range", "value"), "meta": State("ov-meta", "data")},
    prevent_initial_call=True,
)
def _range(range_key: str | None, meta: dict[str, Any] | None) -> Any:
    current_actor()
    if not meta or range_key not in RANGES:
        return no_update
    return _range_patch(meta, range_key)


@callback(
    output=_CHART,
    inputs={"tick": Input("ov-interval", "n_intervals"), **_DRAWN},
    prevent_initial_call=True,
)
def _refresh(tick: int | None, meta: dict[str, Any] | None, range_key: str | None) -> Any:
    current_actor()
    if not meta:
        raise PreventUpdate
    figure, new_meta = refresh(meta, range_key or "7d")
    return {"figure": figure, "meta": new_meta}


@callback(
    output=_CHART,
    inputs={"signal": Input("ov-refresh", "data"), **_DRAWN},
    prevent_initial_call=True,
)
def _redraw(signal: Any, meta: dict[str, Any] | None, range_key: str | None) -> Any:
    current_actor()
    if not meta or not signal:
        raise PreventUpdate
    built = _figure_and_meta(int(meta["admission_id"]), range_key=range_key or "7d")
    if built is None:
        raise PreventUpdate
    return {"figure": built[0], "meta": built[1]}


def refresh(meta: dict[str, Any], range_key: str) -> tuple[Any, Any]:
    """The interval's answer: a Patch appending what is new, or the whole figure when an
    append cannot express what changed."""
    admission_id = int(meta["admission_id"])
    cursor = ChartCursor.from_json(meta["cursor"])
    now = utcnow()
    with Session(engine()) as session:
        found = chart_append(session, admission_id, cursor, now=now)
    if found is None:
        built = _figure_and_meta(admission_id, range_key=range_key)
        return built if built is not None else (no_update, no_update)
    update, latest = found
    patch = append_patch(
        update,
        traces=meta["traces"],
        y_axes=meta["y_axes"],
        ciwa_top_now=meta["ciwa_top"],
        news2_top_now=meta["news2_top"],
        now_shape=meta["now_shape"],
    )
    new_meta = DashPatch()  # only what changed, not the whole store
    new_meta["cursor"] = latest.to_json()
    if update.assessments:
        new_meta["ciwa_top"] = max(
            meta["ciwa_top"], ciwa_top(max(a.total for a in update.assessments))
        )
    if update.vitals:
        new_meta["news2_top"] = max(
            meta["news2_top"], news2_top(max(v.news2_total for v in update.vitals))
        )
    return patch, new_meta
