"""The patient chart for a 90-day stay (not a test): ``python -m bench.chart``.

Builds the figure from 90 days of hourly vitals and CIWA-B, two doses a day and a weekly cut
(plain data, no database: the read queries are benchmarked with the pages), serializes it as
Dash sends it, and measures the Dash Patch that appends one new reading. Prints the median and
95th percentile, against json.dumps of the same numbers as bare lists measured in the same run
(the floor any chart must pay to send its data).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from plotly.io.json import to_json_plotly

from dashboard.components.taper_chart import build_chart, chart_figure
from dashboard.components.taper_chart_data import (
    AssessmentPoint,
    ChartAppend,
    ChartInput,
    DoseEvent,
    DoseStep,
    FlagMark,
    PlanVersionMark,
    VitalsPoint,
)
from dashboard.components.taper_chart_layout import y_axes
from dashboard.components.taper_chart_patch import append_patch, now_shape_index, trace_index
from dashboard.components.taper_chart_style import ciwa_top, news2_top

DAYS = 90
TZ = "Europe/London"


def ninety_days(now: datetime, *, seed: int = 9) -> ChartInput:
    rng = random.Random(seed)
    admitted = now - timedelta(days=DAYS)
    hours = DAYS * 24
    vitals = [
        VitalsPoint(
            at=admitted + timedelta(hours=h),
            heart_rate=round(rng.gauss(84, 8)),
            systolic=round(rng.gauss(128, 9)),
            diastolic=round(rng.gauss(80, 6)),
            temperature_c=round(rng.gauss(36.9, 0.25), 1),
            news2_total=max(0, round(rng.gauss(1.5, 1.2))),
            news2_any_three=False,
        )
        for h in range(hours)
    ]
    scores = [max(0, min(80, round(rng.gauss(18, 7)))) for _ in range(hours)]
    assessments = [
        AssessmentPoint(admitted + timedelta(hours=h, minutes=20), t, _band(t))
        for h, t in enumerate(scores)
    ]
    start = admitted.date()
    steps = [
        DoseStep(i, start + timedelta(days=7 * i), {"clonazepam": max(0.0, 3.0 - 0.125 * i)},
                 max(0.0, 60.0 - 2.5 * i), "baseline" if i == 0 else "cut")
        for i in range(DAYS // 7 + 4)
    ]  # fmt: skip
    kinds = ["given"] * 16 + ["late", "held", "refused", "missed"]
    doses = [
        DoseEvent(admitted + timedelta(hours=12 * i + 8, minutes=rng.randint(-20, 40)),
                  "clonazepam", 1.0, rng.choice(kinds), f"Dose {i}: detail for the hover")
        for i in range(DAYS * 2)
    ]  # fmt: skip
    return ChartInput(
        timezone=TZ,
        now=now,
        admitted_at=admitted,
        drugs=("clonazepam",),
        steps=steps,
        versions=[
            PlanVersionMark(
                v,
                "hold" if v > 1 else "create",
                admitted + timedelta(days=20 * v),
                start,
                "reason",
                "Dr A",
            )
            for v in range(1, 4)
        ],  # fmt: skip
        doses=doses,
        assessments=assessments,
        vitals=vitals,
        flags=[
            FlagMark(admitted + timedelta(days=d), "worsening", "moderate", "open", "CIWA-B up")
            for d in range(5, DAYS, 11)
        ],
        range_key="stay",
    )


def _band(total: int) -> str:
    return (
        "none" if total == 0 else "mild" if total <= 20 else "moderate" if total <= 40 else "severe"
    )


def _bare_lists(data: ChartInput) -> dict[str, list[Any]]:
    return {
        "vitals_x": [v.at.isoformat() for v in data.vitals],
        "hr": [v.heart_rate for v in data.vitals],
        "sys": [v.systolic for v in data.vitals],
        "dia": [v.diastolic for v in data.vitals],
        "temp": [v.temperature_c for v in data.vitals],
        "news2": [v.news2_total for v in data.vitals],
        "ciwa_x": [a.at.isoformat() for a in data.assessments],
        "ciwa": [a.total for a in data.assessments],
        "dose_x": [d.at.isoformat() for d in data.doses],
        "dose": [d.category for d in data.doses],
    }


def _timed(call: Callable[[], object], runs: int) -> list[float]:
    call()  # warm up
    samples = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return samples


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(0.95 * len(ordered))) - 1]


def one_reading_patch(data: ChartInput) -> int:
    """Bytes of the Patch that appends one set of vital signs to the drawn figure."""
    figure = chart_figure(data)
    last = data.vitals[-1]
    reading = VitalsPoint(
        at=data.now, heart_rate=last.heart_rate + 3, systolic=last.systolic,
        diastolic=last.diastolic, temperature_c=last.temperature_c,
        news2_total=last.news2_total, news2_any_three=False,
    )  # fmt: skip
    patch = append_patch(
        ChartAppend(timezone=data.timezone, now=data.now + timedelta(minutes=5), vitals=[reading]),
        traces=trace_index(figure),
        y_axes=y_axes(figure),
        ciwa_top_now=ciwa_top(max(a.total for a in data.assessments)),
        news2_top_now=news2_top(max(v.news2_total for v in data.vitals)),
        now_shape=now_shape_index(figure),
    )
    return len(to_json_plotly(patch.to_plotly_json()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    now = datetime.combine(date(2026, 3, 10), datetime.min.time(), UTC) + timedelta(hours=12)
    data = ninety_days(now)
    lists = _bare_lists(data)
    chart = _timed(lambda: to_json_plotly(chart_figure(data)), args.runs)
    build = _timed(lambda: chart_figure(data), args.runs)
    objects = _timed(lambda: to_json_plotly(build_chart(data)), max(5, args.runs // 3))
    floor = _timed(lambda: json.dumps(lists), args.runs)
    figure_bytes = len(to_json_plotly(chart_figure(data)))
    points = len(data.vitals) * 5 + len(data.assessments) + len(data.doses)
    print(f"Patient chart, {DAYS} days hourly: {points:,} points, {len(data.steps)} steps, "
          f"{args.runs} runs")  # fmt: skip
    rows = (
        ("build + serialize (what Dash sends)", chart),
        ("build only", build),
        ("as a go.Figure, + serialize", objects),
        ("json.dumps of the bare lists (floor)", floor),
    )
    for label, samples in rows:
        print(f"  {label:38s} median {statistics.median(samples):7.1f} ms   "
              f"p95 {_p95(samples):7.1f} ms")  # fmt: skip
    ratio = statistics.median(chart) / statistics.median(floor)
    print(f"  build + serialize / floor (median)     {ratio:7.1f} x")
    print(f"  figure JSON                            {figure_bytes / 1000:7.0f} kB")
    print(f"  one-reading Patch                      {one_reading_patch(data):7d} bytes")


if __name__ == "__main__":
    main()
