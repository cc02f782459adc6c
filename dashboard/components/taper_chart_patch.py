"""Appending to the patient chart without redrawing it: a Dash Patch that extends each trace
(found by its ``uid``) with the readings charted since the figure was drawn."""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import Any

import plotly.graph_objects as go
from dash import Patch

from dashboard.components.taper_chart_data import (
    ChartAppend,
    DoseEvent,
    ciwa_points,
    load_points,
    mar_points,
    vitals_points,
)
from dashboard.components.taper_chart_layout import layout_axis
from dashboard.components.taper_chart_marks import flag_annotation
from dashboard.components.taper_chart_style import LOAD_SERIES, VITALS_SERIES, ciwa_top, news2_top
from dashboard.components.taper_chart_time import wall_clock


def trace_index(fig: go.Figure | Mapping[str, Any]) -> dict[str, int]:
    """uid -> position of each trace: what a Patch needs to extend the right one."""
    data = fig.data if isinstance(fig, go.Figure) else fig["data"]
    out: dict[str, int] = {}
    for i, trace in enumerate(data):
        uid = trace["uid"] if isinstance(trace, Mapping) else trace.uid
        if uid:
            out[str(uid)] = i
    return out


def now_shape_index(fig: go.Figure | Mapping[str, Any]) -> int | None:
    shapes = fig.layout.shapes if isinstance(fig, go.Figure) else fig["layout"]["shapes"]
    for i, shape in enumerate(shapes):
        name = shape["name"] if isinstance(shape, Mapping) else shape.name
        if name == "now":
            return i
    return None


def append_patch(
    update: ChartAppend,
    *,
    traces: Mapping[str, int],
    y_axes: Mapping[str, str],
    ciwa_top_now: float,
    news2_top_now: float,
    now_shape: int | None,
) -> Patch:
    """A Patch that extends the traces with the new readings (and moves the "now" line), so
    the browser appends points instead of receiving the whole figure again."""
    local = wall_clock(update.timezone)
    ciwa_y = y_axes["ciwa"]
    patch = Patch()
    _patch_doses(patch, update, traces)
    if update.assessments and "ciwa" in traces:
        _patch_ciwa(patch, update, traces["ciwa"], ciwa_y, ciwa_top_now)
    if update.vitals:
        _patch_vitals(patch, update, traces, y_axes, news2_top_now)
    if update.loads is not None:
        points = load_points(update.loads)
        for uid, *_ in LOAD_SERIES:
            if uid in traces:
                patch["data"][traces[uid]]["x"] = points["x"]
                patch["data"][traces[uid]]["y"] = points[uid]
                patch["data"][traces[uid]]["customdata"] = points["prn-doses"]
    for flag in update.flags:
        patch["layout"]["annotations"].append(flag_annotation(flag, local, ciwa_y))
    if now_shape is not None:
        x = local(update.now)
        patch["layout"]["shapes"][now_shape]["x0"] = x
        patch["layout"]["shapes"][now_shape]["x1"] = x
    return patch


def _patch_doses(patch: Patch, update: ChartAppend, traces: Mapping[str, int]) -> None:
    by_category: dict[str, list[DoseEvent]] = {}
    for event in update.doses:
        by_category.setdefault(event.category, []).append(event)
    for key, events in by_category.items():
        index = traces.get(f"mar-{key}")
        if index is None:
            continue
        points = mar_points(sorted(events, key=attrgetter("at")), update.timezone)
        for attribute in ("x", "y", "hovertext"):
            patch["data"][index][attribute].extend(points[attribute])


def _patch_ciwa(
    patch: Patch, update: ChartAppend, index: int, ciwa_y: str, ciwa_top_now: float
) -> None:
    points = ciwa_points(update.assessments, update.timezone)
    patch["data"][index]["x"].extend(points["x"])
    patch["data"][index]["y"].extend(points["y"])
    patch["data"][index]["text"].extend(points["text"])
    patch["data"][index]["marker"]["color"].extend(points["marker.color"])
    top = ciwa_top(max(a.total for a in update.assessments))
    if top > ciwa_top_now:
        patch["layout"][layout_axis(ciwa_y)]["range"] = [0, top]


def _patch_vitals(
    patch: Patch,
    update: ChartAppend,
    traces: Mapping[str, int],
    y_axes: Mapping[str, str],
    news2_top_now: float,
) -> None:
    points = vitals_points(update.vitals, update.timezone)
    for uid, key, *_rest in VITALS_SERIES:
        if uid in traces:
            patch["data"][traces[uid]]["x"].extend(points["x"])
            patch["data"][traces[uid]]["y"].extend(points[key])
    if "news2" in traces:
        index = traces["news2"]
        patch["data"][index]["x"].extend(points["x"])
        patch["data"][index]["y"].extend(points["news2"])
        patch["data"][index]["marker"]["color"].extend(points["news2_colour"])
        top = news2_top(max(v.news2_total for v in update.vitals))
        if top > news2_top_now:
            patch["layout"][layout_axis(y_axes["news2"])]["range"] = [0, top]
    if "rass" in traces and points["rass"]:
        patch["data"][traces["rass"]]["x"].extend(points["rass_x"])
        patch["data"][traces["rass"]]["y"].extend(points["rass"])
