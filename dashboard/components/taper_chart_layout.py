"""The patient chart's frame: the panels' grid of axes, the figure drafted as plain dicts, the
layout's styling and severity shading (the same for every chart, cached per language), and the
axes that depend on the chart's data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.clinical_words import drug_name
from dashboard.components.taper_chart_data import ChartInput
from dashboard.components.taper_chart_style import (
    BAND_OPACITY,
    DE_COLOUR,
    FIGURE_HEIGHT,
    INK,
    PANELS,
    RASS_RANGE,
    ROW,
    ciwa_bands,
    ciwa_top,
    news2_band_label,
    news2_bands,
    news2_top,
)
from dashboard.components.taper_chart_time import x_range
from dashboard.i18n import _, request_translator
from dashboard.theme import BAND_LABEL, BAND_LEVEL, LEVELS
from models.i18n import Translator


def _axis_ref(axis: Any) -> str:
    """'xaxis3' -> 'x3', 'yaxis' -> 'y'."""
    name = str(axis.plotly_name)
    return name[0] + name[5:]


@dataclass(frozen=True)
class _Axes:
    x: dict[str, str]  # panel -> x axis reference ("x3")
    y: dict[str, str]  # panel -> y axis reference ("y4")
    de: str  # the dose panel's secondary (diazepam-equivalent) y axis


@lru_cache(maxsize=1)
def _grid() -> tuple[str, _Axes]:
    """The panels' axes and domains, laid out once by make_subplots (a constant: cached as
    JSON text, so each figure gets its own copy)."""
    fig = make_subplots(
        rows=len(PANELS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.012,
        row_heights=[p.height for p in PANELS],
        specs=[[{"secondary_y": p.key == "dose"}] for p in PANELS],
    )
    x, y = {}, {}
    for panel in PANELS:
        subplot = fig.get_subplot(ROW[panel.key], 1)
        x[panel.key] = _axis_ref(subplot.xaxis)
        y[panel.key] = _axis_ref(subplot.yaxis)
    de = _axis_ref(fig.get_subplot(ROW["dose"], 1, secondary_y=True).yaxis)
    layout = fig.layout.to_plotly_json()
    layout["template"] = _used_template(layout["template"])
    grid = {"layout": layout, "shapes": [], "annotations": []}
    return json.dumps(grid), _Axes(x, y, de)


# Of plotly's default template (7 kB, sent with every figure and merged by plotly.js on every
# draw), what a chart of scatter and bar traces on date and linear axes, with shapes and
# annotations, can use; its 3-D, map, polar, ternary and colour-scale parts style nothing here.
_TEMPLATE_LAYOUT = (
    "annotationdefaults",
    "autotypenumbers",
    "colorway",
    "font",
    "hoverlabel",
    "hovermode",
    "paper_bgcolor",
    "plot_bgcolor",
    "shapedefaults",
    "title",
    "xaxis",
    "yaxis",
)
_TEMPLATE_TRACES = ("bar", "scatter")


def _used_template(template: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": {k: template["data"][k] for k in _TEMPLATE_TRACES},
        "layout": {k: template["layout"][k] for k in _TEMPLATE_LAYOUT},
    }


def _shared() -> str:
    """What every chart has, laid out once per language and cached as JSON text like the grid:
    the grid, the layout's styling (_style) and the severity bands (_bands)."""
    return _shared_in(request_translator())


@lru_cache(maxsize=8)
def _shared_in(translator: Translator) -> str:
    """``_shared`` for the request's translator (its axis titles and band names are words)."""
    del translator  # the cache's key: _style and _bands translate with the request's
    fig = Draft(bare=True)
    _style(fig)
    _bands(fig)
    return json.dumps({"layout": fig.layout, "shapes": fig.shapes, "annotations": fig.annotations})


class Draft:
    """The figure as plain dicts while it is built: plotly's objects validate every property
    on every assignment (half a second for a 90-day chart). One go.Figure at the end; a test
    checks the result against plotly's validators."""

    def __init__(self, *, bare: bool = False) -> None:
        """A new draft: the shared part of every chart (``_shared``), or only the grid."""
        layout_json, self.axes = _grid()
        shared = orjson.loads(layout_json if bare else _shared())
        self.layout: dict[str, Any] = shared["layout"]
        self.data: list[dict[str, Any]] = []
        self.shapes: list[dict[str, Any]] = shared["shapes"]
        self.annotations: list[dict[str, Any]] = shared["annotations"]

    def add_trace(self, trace: dict[str, Any], panel: str, *, secondary_y: bool = False) -> None:
        trace["xaxis"] = self.axes.x[panel]
        trace["yaxis"] = self.axes.de if secondary_y else self.axes.y[panel]
        self.data.append(trace)

    def add_shape(self, **shape: Any) -> None:
        self.shapes.append(shape)

    def add_annotation(self, **annotation: Any) -> None:
        self.annotations.append(annotation)

    def axis(self, ref: str) -> dict[str, Any]:
        found: dict[str, Any] = self.layout.setdefault(layout_axis(ref), {})
        return found

    def x_axes(self) -> list[dict[str, Any]]:
        return [self.axis(ref) for ref in self.axes.x.values()]

    def y_axes(self) -> list[dict[str, Any]]:
        return [self.axis(ref) for ref in [*self.axes.y.values(), self.axes.de]]

    def figure(self) -> dict[str, Any]:
        layout = dict(self.layout, shapes=self.shapes, annotations=self.annotations)
        return {"data": self.data, "layout": layout}


def _style(fig: Draft) -> None:
    """The layout's styling, the same for every chart; what depends on the chart (the x
    window, the MAR's drugs, the score axes' tops) is left empty here and set by fit_layout."""
    fig.layout.update(
        height=FIGURE_HEIGHT,
        margin={"l": LEFT_MARGIN_PX, "r": 150, "t": 34, "b": 40},
        showlegend=False,  # the key is drawn beside the figure (chart_key): always complete
        paper_bgcolor="#FFFFFF",
        plot_bgcolor="#FFFFFF",
        font={
            "family": "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
            "size": 14,
            "color": INK,
        },
        hovermode="closest",
        hoverlabel={"font": {"size": 14}},
        uirevision="taper-chart",
        dragmode="pan",
        barmode="stack",
    )
    for axis in fig.x_axes():
        axis.update(
            type="date",
            showgrid=True,
            gridcolor="#E4E7EB",
            linecolor="#9AA5B1",
            showline=True,
            ticks="outside",
            showspikes=True,
            spikemode="across",
            spikesnap="cursor",
            spikecolor="#52606D",
            spikethickness=1,
            spikedash="dot",
            range=None,
            tickformatstops=[
                {"dtickrange": [None, 86_400_000], "value": "%H:%M\n%a %d %b"},
                {"dtickrange": [86_400_000, None], "value": "%a %d %b"},
            ],
        )
    for axis in fig.y_axes():
        axis.update(
            showgrid=True,
            gridcolor="#EEF1F4",
            zeroline=False,
            linecolor="#9AA5B1",
            showline=True,
            ticks="outside",
            fixedrange=True,
        )
    for panel in PANELS:
        title = panel.title if panel.key == "rass" else _(panel.title)
        fig.axis(fig.axes.y[panel.key])["title"] = {"text": title, "font": {"size": 13}}
    fig.axis(fig.axes.de).update(
        # TRANSLATORS: DE is diazepam-equivalent (French: EqD, équivalent diazépam).
        title={"text": _("DE<br>mg/day"), "font": {"size": 13, "color": DE_COLOUR}},
        showgrid=False,
        rangemode="tozero",
        tickfont={"color": DE_COLOUR},
    )
    fig.axis(fig.axes.y["dose"])["rangemode"] = "tozero"
    fig.axis(fig.axes.y["mar"]).update(
        type="category", categoryorder="array", categoryarray=None, showgrid=True
    )
    fig.axis(fig.axes.y["ciwa"]).update(range=None, tickvals=[0, 20, 40, 60, 80])
    fig.axis(fig.axes.y["news2"])["range"] = None
    fig.axis(fig.axes.y["rass"]).update(
        range=list(RASS_RANGE), tickvals=[-4, -2, 0, 2, 4], ticktext=["−4", "−2", "0", "+2", "+4"]
    )


def fit_layout(fig: Draft, data: ChartInput, *, highest_ciwa: int, highest_news2: int) -> None:
    """What _style leaves empty: the visible window and each axis that depends on the data."""
    window = x_range(
        data.range_key,
        now=data.now,
        admitted_at=data.admitted_at,
        discharged_at=data.discharged_at,
        timezone=data.timezone,
    )
    for axis in fig.x_axes():
        axis["range"] = list(window)
    shown = [drug_name(drug) for drug in data.drugs]
    fig.axis(fig.axes.y["mar"])["categoryarray"] = shown
    fig.layout["margin"] = dict(fig.layout["margin"], l=left_margin(shown))
    fig.axis(fig.axes.y["ciwa"])["range"] = [0, ciwa_top(highest_ciwa)]
    fig.axis(fig.axes.y["news2"])["range"] = [0, news2_top(highest_news2)]
    _sedation_band(fig, data.rass_threshold)


# The left margin holds the lanes' titles (two lines, rotated), their tick labels and the
# MAR lane's drug names, the longest of them. Every axis keeps plotly's automargin, which widens
# a margin its labels overflow; but that costs a second drawing of the whole chart (a third of
# its drawing time). So the margin is made wide enough beforehand, from the drug names at a
# generous width per character of the chart's 14 px font: automargin is only a safety net.
LEFT_MARGIN_PX = 92  # the lanes' two-line titles and tick labels ("Temp °C" and "37.5": 89 px)
_LABEL_PX_PER_CHAR = 8.5
_LEFT_FIXED_PX = 42  # tick marks and padding, the title's standoff, the MAR lane's one-line title


def left_margin(drugs: tuple[str, ...] | list[str]) -> int:
    """The chart's left margin for the MAR lane's drug names (px)."""
    longest = max((len(drug) for drug in drugs), default=0)
    return max(LEFT_MARGIN_PX, round(_LABEL_PX_PER_CHAR * longest) + _LEFT_FIXED_PX)


def _sedation_band(fig: Draft, threshold: int) -> None:
    """The RASS lane's shading at and below the ward's threshold, named so it reads without
    colour (models.clinical.sedation; the threshold is ward policy)."""
    tone = LEVELS[3]
    _shade(fig, "rass", RASS_RANGE[0], threshold + 0.5, tone.background, "rass-band:sedated")
    _edge_label(
        fig,
        "rass",
        (RASS_RANGE[0] + threshold) / 2,
        _("Sedated ≤{threshold}", threshold=threshold),
        font={"size": 11, "color": tone.text},
        name="rass-label:sedated",
    )


def _bands(fig: Draft) -> None:
    """CIWA-B and NEWS2 severity shading in the theme's colours, each band named at the right
    edge so it reads without colour."""
    for low, high, band in ciwa_bands():
        tone = LEVELS[BAND_LEVEL[band]]
        y0 = low - 0.5 if low > 0 else 0
        _shade(fig, "ciwa", y0, high + 0.5, tone.background, f"band:{band}")
        _edge_label(
            fig,
            "ciwa",
            (y0 + high) / 2,
            f"{_(BAND_LABEL[band])} {low}–{high}" if high > low else f"{_(BAND_LABEL[band])} {low}",
            font={"size": 12, "color": tone.text if BAND_LEVEL[band] < 4 else LEVELS[3].text},
            name=f"band-label:{band}",
        )
    for low, high, level in news2_bands():
        tone = LEVELS[level]
        y0 = low - 0.5 if low > 0 else 0
        _shade(fig, "news2", y0, high + 0.5, tone.background, f"news2-band:{level}")
        if low <= 12:
            _edge_label(
                fig,
                "news2",
                min((y0 + high) / 2, low + 0.7),
                news2_band_label(low, high, level),
                font={"size": 11, "color": tone.text if level < 4 else LEVELS[3].text},
                name=f"news2-label:{level}",
            )


def _shade(fig: Draft, panel: str, y0: float, y1: float, colour: str, name: str) -> None:
    """A band of a panel's y axis shaded across its whole width, below the traces."""
    fig.add_shape(
        type="rect",
        xref=f"{fig.axes.x[panel]} domain",
        yref=fig.axes.y[panel],
        x0=0,
        x1=1,
        y0=y0,
        y1=y1,
        fillcolor=colour,
        opacity=BAND_OPACITY,
        line={"width": 0},
        layer="below",
        name=name,
    )


def _edge_label(
    fig: Draft, panel: str, y: float, text: str, *, font: dict[str, Any], name: str
) -> None:
    """A band's name just right of its panel, at height ``y`` of the panel's y axis."""
    fig.add_annotation(
        xref=f"{fig.axes.x[panel]} domain",
        yref=fig.axes.y[panel],
        x=1.005,
        y=y,
        text=text,
        showarrow=False,
        xanchor="left",
        font=font,
        name=name,
    )


def y_axes(fig: go.Figure | None = None) -> dict[str, str]:
    """Panel -> its y axis reference ('y4'), for patches and annotations (the same for every
    chart; ``fig`` is accepted for symmetry with trace_index)."""
    del fig
    return dict(_grid()[1].y)


def layout_axis(ref: str) -> str:
    """'y3' -> 'yaxis3' (the layout key of an axis reference)."""
    return ref[0] + "axis" + ref[1:]
