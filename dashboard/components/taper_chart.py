"""The patient chart: the taper and the symptoms on one shared time axis.

Pure: plain data in, a plotly Figure (or a Dash Patch) out; no database and no clock (``now``
is passed in). Instants arrive as aware UTC datetimes and are drawn in the ward's wall-clock time.

This module is the entry (:func:`chart_figure`) and draws the traces; the rest is told apart by
subject: the data in and its columns (taper_chart_data), the look (taper_chart_style), the time
axis (taper_chart_time), the frame and its shading (taper_chart_layout), the marks on the time
axis (taper_chart_marks), and the Patch that appends readings (taper_chart_patch). Each trace
carries a ``uid`` naming what it shows, so new readings can be appended instead of redrawing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from dashboard.clinical_words import drug_name
from dashboard.components.taper_chart_data import (
    ChartInput,
    DoseStep,
    Readings,
    ciwa_points,
    load_points,
    vitals_points,
)
from dashboard.components.taper_chart_layout import Draft, fit_layout
from dashboard.components.taper_chart_marks import add_markers
from dashboard.components.taper_chart_style import (
    DE_COLOUR,
    DRUG_COLOURS,
    DRUG_SYMBOLS,
    INK,
    LOAD_HOVER,
    LOAD_SERIES,
    MAR_STYLES,
    RANGES,
    RASS_COLOUR,
    VITALS_SERIES,
    drug_per_day,
    vitals_hover,
)
from dashboard.components.taper_chart_time import midnight, shown_span, wall_clock, wall_ms
from dashboard.i18n import _
from models.clinical.load import DailyLoad


def _dense_vitals(data: ChartInput) -> bool:
    """More sets of vitals a day in the shown window (its past, up to now or the discharge)
    than :data:`DENSE_VITALS_PER_DAY`."""
    start, _ = shown_span(data.range_key, data.now, data.admitted_at, data.discharged_at)
    end = data.discharged_at or data.now
    vitals = data.vitals
    instants = vitals.columns[0] if isinstance(vitals, Readings) else [p.at for p in vitals]
    shown = sum(1 for at in instants if start <= at <= end)
    days = max((end - start) / timedelta(days=1), 1.0)
    return shown > DENSE_VITALS_PER_DAY * days


# plotly draws a marker as one SVG element per reading, off screen too: 30 days of hourly
# observations made the chart's six series about 4,400 elements, most of the time spent drawing
# the chart. A ``marker.maxdisplayed`` above zero makes plotly draw only the markers inside the
# plotted window (again after each zoom or pan); above any stay's number of readings, it never
# leaves out a marker that is on screen.
ON_SCREEN_ONLY = 1_000_000
# Heart rate, blood pressure and temperature more often than 4-hourly in the shown window (6 a
# day: the routine NEWS2 frequency is 4-12-hourly, RCP 2017) draw as a line without a marker per
# reading: hourly markers overlap into a band. Each reading stays in the hover, and the NEWS2
# panel below keeps one coloured marker per set. A display choice, not a clinical rule.
DENSE_VITALS_PER_DAY = 6


def _scatter(**trace: Any) -> dict[str, Any]:
    if "markers" in trace.get("mode", ""):
        trace["marker"] = {**trace.get("marker", {}), "maxdisplayed": ON_SCREEN_ONLY}
    return {"type": "scatter", **trace}


def build_chart(data: ChartInput) -> go.Figure:
    """The chart as a plotly Figure (for tests, notebooks and export)."""
    return go.Figure(chart_figure(data), _validate=False)


def chart_figure(data: ChartInput) -> dict[str, Any]:
    """The chart as the plain figure dict Dash sends: what build_chart wraps, without plotly's
    object model (which copies every array twice)."""
    fig = Draft()
    local = wall_clock(data.timezone)
    _load_traces(fig, data.loads)
    _dose_traces(fig, data, local)
    _mar_traces(fig, data)
    ciwa = ciwa_points(data.assessments, data.timezone)
    _ciwa_traces(fig, ciwa)
    vitals = vitals_points(data.vitals, data.timezone)
    _vitals_traces(fig, vitals, dense=_dense_vitals(data))
    fit_layout(fig, data, highest_ciwa=max(ciwa["y"], default=0), highest_news2=vitals["news2_max"])
    add_markers(fig, data, local)
    return fig.figure()


def _end_of_plan(data: ChartInput) -> datetime:
    tz = ZoneInfo(data.timezone)
    last = max((s.start for s in data.steps), default=data.now.astimezone(tz).date())
    end = datetime.combine(last + timedelta(days=2), time(0), tz)
    return max(end, data.now + RANGES["stay"][2])


def _dose_traces(fig: Draft, data: ChartInput, local: Callable[[datetime], str]) -> None:
    tz = ZoneInfo(data.timezone)
    today = data.now.astimezone(tz).date()
    now_x, end_x = local(data.now), local(_end_of_plan(data))
    steps = sorted(data.steps, key=lambda s: (s.start, s.index))
    series: list[tuple[str, str, Callable[[DoseStep], float | None], dict[str, Any]]] = []
    for i, drug in enumerate(data.drugs):
        style = {"colour": DRUG_COLOURS[i % 2], "symbol": DRUG_SYMBOLS[i % 2], "width": 3}
        series.append((f"dose-{drug}", drug_per_day(drug), _drug_dose(steps, drug), style))
    de_style = {"colour": DE_COLOUR, "symbol": "diamond-open", "width": 2, "dash": "dot"}
    series.append(
        ("dose-de", _("Diazepam-equivalent mg/day"), lambda s: s.diazepam_eq_mg, de_style)
    )
    since = _("from")
    for uid, name, value, style in series:
        past = [s for s in steps if s.start <= today]
        future = [s for s in steps if s.start > today]
        current = value(past[-1]) if past else None
        secondary = uid == "dose-de"
        past_x = [midnight(s.start) for s in past] + ([now_x] if past else [])
        past_y = [value(s) for s in past] + ([current] if past else [])
        future_x = ([now_x] if past else []) + [midnight(s.start) for s in future]
        future_y = ([current] if past else []) + [value(s) for s in future]
        if future_x:
            future_x.append(end_x)
            future_y.append(future_y[-1])
        common: dict[str, Any] = {
            "mode": "lines+markers",
            "line": {"shape": "hv", "color": style["colour"], "width": style["width"]},
            "marker": {"symbol": style["symbol"], "size": 8, "color": style["colour"]},
            "legendgroup": uid,
            "hovertemplate": f"{name}: %{{y}}<br>{since} %{{x|%d %b}}<extra></extra>",
            "connectgaps": False,
        }
        past_line = dict(common, line=dict(common["line"], dash=style.get("dash", "solid")))
        fig.add_trace(
            _scatter(x=past_x, y=past_y, name=name, uid=uid, **past_line),
            "dose",
            secondary_y=secondary,
        )
        future_line = dict(common, line=dict(common["line"], dash="dash"), opacity=0.8)
        if secondary:
            future_line["line"]["dash"] = "dashdot"
        fig.add_trace(
            _scatter(
                x=future_x,
                y=future_y,
                name=_("{name} (planned)", name=name),
                uid=f"{uid}-planned",
                **future_line,
            ),
            "dose",
            secondary_y=secondary,
        )


def _load_traces(fig: Draft, loads: Sequence[DailyLoad]) -> None:
    """What was given each day, scheduled and PRN stacked, in diazepam-equivalent mg: a PRN use
    that climbs while the taper falls shows at a glance."""
    points = load_points(loads)
    doses = _("dose(s)")
    for uid, label, colour in LOAD_SERIES:
        name = _(label)
        fig.add_trace(
            {
                "type": "bar",
                "uid": uid,
                "name": name,
                "x": points["x"],
                "y": points[uid],
                "width": 0.7 * 86_400_000,
                "marker": {"color": colour, "line": {"width": 0}},
                "opacity": 0.75,
                "customdata": points["prn-doses"],
                "hovertemplate": (
                    f"{_(LOAD_HOVER[uid])}: %{{y}} mg"
                    + (f"; %{{customdata}} {doses}" if uid == "load-prn" else "")
                    + "<br>%{x|%a %d %b}<extra></extra>"
                ),
            },
            "dose",
            secondary_y=True,
        )


def _drug_dose(steps: Sequence[DoseStep], drug: str) -> Callable[[DoseStep], float | None]:
    """A drug's daily mg at a step: absent (a gap) before the drug first appears, 0 after it
    is stopped (a crossover's original drug)."""
    first = min((s.start for s in steps if drug in s.daily_mg), default=None)

    def value(step: DoseStep) -> float | None:
        if first is None or step.start < first:
            return None
        return float(step.daily_mg.get(drug, 0.0))

    return value


def _mar_traces(fig: Draft, data: ChartInput) -> None:
    # x, y and hover text of each category's markers (the times converted all at once)
    by_category: dict[str, tuple[list[int], list[str], list[str]]] = {
        key: ([], [], []) for key in MAR_STYLES
    }
    xs = wall_ms(data.timezone, [event.at for event in data.doses])
    for event, event_x in zip(data.doses, xs, strict=True):
        found = by_category.get(event.category)
        if found is not None:
            found[0].append(event_x)
            found[1].append(drug_name(event.drug))
            found[2].append(event.detail)
    for key, style in MAR_STYLES.items():
        x, y, hovertext = by_category[key]
        open_symbol = style.symbol.endswith("-open")
        fig.add_trace(
            _scatter(
                mode="markers",
                name=_(style.label),
                uid=f"mar-{key}",
                marker={
                    "symbol": style.symbol,
                    "size": style.size,
                    "color": style.colour,
                    "line": {
                        "color": style.colour if open_symbol else INK,
                        "width": 2.5 if open_symbol else 1,
                    },
                },
                hoverinfo="text",
                x=x,
                y=y,
                hovertext=hovertext,
            ),
            "mar",
        )


def _ciwa_traces(fig: Draft, points: Mapping[str, list[Any]]) -> None:
    _readings_trace(
        fig,
        "ciwa",
        uid="ciwa",
        name=_("CIWA-B total"),
        x=points["x"],
        y=points["y"],
        text=points["text"],
        line={"color": INK, "width": 2},
        marker={"size": 7, "color": points["marker.color"], "line": {"color": INK, "width": 1}},
        hover="CIWA-B %{y} (%{text})",
    )


def _vitals_traces(fig: Draft, points: Mapping[str, Any], *, dense: bool = False) -> None:
    for uid, key, panel, name, symbol, hover in VITALS_SERIES:
        _readings_trace(
            fig,
            panel,
            uid=uid,
            name=_(name),
            x=points["x"],
            y=points[key],
            mode="lines" if dense else "lines+markers",
            line={"color": "#334E68", "width": 1.5},
            marker={"symbol": symbol, "size": 7, "color": "#334E68"},
            hover=vitals_hover(hover),
        )
    _readings_trace(
        fig,
        "news2",
        uid="news2",
        name="NEWS2",
        x=points["x"],
        y=points["news2"],
        line={"color": INK, "width": 1.5},
        marker={"size": 8, "color": points["news2_colour"], "line": {"color": INK, "width": 1}},
        hover="NEWS2 %{y}",
    )
    _readings_trace(
        fig,
        "rass",
        uid="rass",
        name="RASS",
        x=points["rass_x"],
        y=points["rass"],
        line={"color": RASS_COLOUR, "width": 1.5, "dash": "dot"},
        marker={"symbol": "diamond", "size": 9, "color": RASS_COLOUR},
        hover="RASS %{y}",
    )


def _readings_trace(
    fig: Draft,
    panel: str,
    *,
    x: list[Any],
    y: list[Any],
    hover: str,
    mode: str = "lines+markers",
    **trace: Any,
) -> None:
    """A panel's series of timed readings: ``hover`` says the reading, then its day and time."""
    fig.add_trace(
        _scatter(
            x=x,
            y=y,
            mode=mode,
            **trace,
            hovertemplate=f"{hover}<br>%{{x|%d %b %H:%M}}<extra></extra>",
        ),
        panel,
    )
