"""The chart figure builder, directly: the traces, markers and shapes expected for known data,
and the Patch that appends new readings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import pytest

from dashboard.components.taper_chart import (
    DENSE_VITALS_PER_DAY,
    ON_SCREEN_ONLY,
    build_chart,
    chart_figure,
)
from dashboard.components.taper_chart_data import (
    AssessmentPoint,
    ChartAppend,
    ChartInput,
    DoseEvent,
    DoseStep,
    FlagMark,
    PlanVersionMark,
    Readings,
    VitalsPoint,
)
from dashboard.components.taper_chart_layout import y_axes
from dashboard.components.taper_chart_marks import flag_rows
from dashboard.components.taper_chart_patch import append_patch, now_shape_index, trace_index
from dashboard.components.taper_chart_style import MAR_STYLES, chart_key
from dashboard.components.taper_chart_time import x_range
from dashboard.theme import BAND_LEVEL, LEVELS, news2_level
from models.clinical.load import DailyLoad

TZ = "Europe/London"  # GMT in early March: wall-clock equals UTC
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
ADMITTED = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
STEPS = (
    DoseStep(0, date(2026, 2, 28), {"clonazepam": 2.0}, 40.0, "baseline"),
    DoseStep(1, date(2026, 3, 1), {"clonazepam": 1.75}, 35.0, "cut"),
    DoseStep(2, date(2026, 3, 8), {"clonazepam": 1.5}, 30.0, "cut"),
    DoseStep(3, date(2026, 3, 15), {"clonazepam": 1.25}, 25.0, "cut"),
)


def _data(**overrides: Any) -> ChartInput:
    base: dict[str, Any] = {
        "timezone": TZ,
        "now": NOW,
        "admitted_at": ADMITTED,
        "drugs": ("clonazepam",),
        "steps": STEPS,
        "versions": [
            PlanVersionMark(
                1,
                "create",
                ADMITTED + timedelta(hours=2),
                date(2026, 2, 28),
                "Admission plan",
                "Dr A",
            ),
            PlanVersionMark(
                2, "hold", NOW - timedelta(hours=3), date(2026, 3, 10), "CIWA-B up", "Dr A"
            ),
        ],
        "doses": [
            DoseEvent(datetime(2026, 3, 9, 8, 5, tzinfo=UTC), "clonazepam", 0.75, "given", "g"),
            DoseEvent(datetime(2026, 3, 9, 20, tzinfo=UTC), "clonazepam", 0.75, "missed", "m"),
            DoseEvent(datetime(2026, 3, 10, 9, 40, tzinfo=UTC), "clonazepam", 0.75, "late", "l"),
            DoseEvent(datetime(2026, 3, 10, 10, tzinfo=UTC), "clonazepam", 0.25, "prn", "p"),
        ],
        "assessments": [
            AssessmentPoint(datetime(2026, 3, 9, 8, tzinfo=UTC), 12, "mild"),
            AssessmentPoint(datetime(2026, 3, 10, 8, tzinfo=UTC), 33, "moderate"),
        ],
        "vitals": [
            VitalsPoint(datetime(2026, 3, 9, 8, tzinfo=UTC), 84, 130, 80, 36.9, 1, False),
            VitalsPoint(datetime(2026, 3, 10, 8, tzinfo=UTC), 118, 165, 95, 37.6, 5, False),
        ],
        "flags": [
            FlagMark(
                datetime(2026, 3, 10, 0, tzinfo=UTC),
                "step_not_tolerated",
                "high",
                "open",
                "CIWA-B mean 30 since the step of 08 Mar, 14 before it",
            ),
        ],
    }
    return ChartInput(**(base | overrides))


def _ms(wall_clock: str) -> int:
    """A ward wall-clock time as the chart's x value (epoch ms of that wall-clock time)."""
    return int(datetime.fromisoformat(wall_clock).replace(tzinfo=UTC).timestamp() * 1000)


def _trace(fig: go.Figure, uid: str) -> Any:
    return fig.data[trace_index(fig)[uid]]


def test_the_scheduled_dose_is_a_step_line_solid_up_to_now_and_dashed_after() -> None:
    fig = build_chart(_data())
    past, planned = _trace(fig, "dose-clonazepam"), _trace(fig, "dose-clonazepam-planned")
    assert past.line.shape == "hv" and planned.line.shape == "hv"
    assert past.line.dash == "solid" and planned.line.dash == "dash"
    assert list(past.x) == [
        "2026-02-28 00:00",
        "2026-03-01 00:00",
        "2026-03-08 00:00",
        "2026-03-10 12:00",
    ]
    assert list(past.y) == [2.0, 1.75, 1.5, 1.5]
    assert list(planned.x)[:2] == ["2026-03-10 12:00", "2026-03-15 00:00"]
    assert list(planned.y)[:2] == [1.5, 1.25]
    de = _trace(fig, "dose-de")
    assert de.yaxis == "y2" and list(de.y) == [40.0, 35.0, 30.0, 30.0]


def test_a_crossover_draws_both_drugs_the_new_one_only_from_when_it_starts() -> None:
    steps = (
        DoseStep(0, date(2026, 3, 1), {"alprazolam": 2.0}, 40.0, "baseline"),
        DoseStep(1, date(2026, 3, 2), {"alprazolam": 1.5, "clonazepam": 0.5}, 40.0, "crossover"),
        DoseStep(2, date(2026, 3, 9), {"clonazepam": 2.0}, 40.0, "crossover"),
    )
    fig = build_chart(_data(steps=steps, drugs=("alprazolam", "clonazepam")))
    assert list(_trace(fig, "dose-alprazolam").y) == [2.0, 1.5, 0.0, 0.0]
    assert list(_trace(fig, "dose-clonazepam").y) == [None, 0.5, 2.0, 2.0]
    old, new = _trace(fig, "dose-alprazolam"), _trace(fig, "dose-clonazepam")
    assert old.line.color != new.line.color and old.marker.symbol != new.marker.symbol


def test_each_administration_kind_has_its_own_shape_and_colour_and_hover_detail() -> None:
    fig = build_chart(_data())
    symbols = {_trace(fig, f"mar-{key}").marker.symbol for key in MAR_STYLES}
    colours = {_trace(fig, f"mar-{key}").marker.color for key in MAR_STYLES}
    assert len(symbols) == len(colours) == len(MAR_STYLES) == 7
    assert {"given", "late", "held", "refused", "missed", "prn"} <= set(MAR_STYLES)
    given, missed = _trace(fig, "mar-given"), _trace(fig, "mar-missed")
    assert list(given.x) == [_ms("2026-03-09 08:05")] and list(given.hovertext) == ["g"]
    assert list(missed.x) == [_ms("2026-03-09 20:00")] and list(missed.y) == ["clonazepam"]
    assert list(_trace(fig, "mar-held").x) == []  # present, empty: the legend key stays whole
    key = {entry.label: entry for entry in chart_key(("clonazepam",))}
    for style in MAR_STYLES.values():  # the key lists every kind, charted or not
        assert (key[style.label].symbol, key[style.label].colour) == (style.symbol, style.colour)
    assert key["Planned"].dash == "dash" and fig.layout.showlegend is False


def test_ciwa_b_points_and_band_shading_use_the_theme_colours() -> None:
    fig = build_chart(_data())
    ciwa = _trace(fig, "ciwa")
    assert list(ciwa.y) == [12, 33]
    assert list(ciwa.marker.color) == [LEVELS[1].text, LEVELS[2].text]
    axis = y_axes(fig)["ciwa"]
    bands = [s for s in fig.layout.shapes if (s.name or "").startswith("band:")]
    assert [s.name for s in bands] == [
        "band:none",
        "band:mild",
        "band:moderate",
        "band:severe",
        "band:very_severe",
    ]
    for shape in bands:
        band = shape.name.split(":")[1]
        assert shape.fillcolor == LEVELS[BAND_LEVEL[band]].background
        assert shape.yref == axis and shape.layer == "below"
    assert [(s.y0, s.y1) for s in bands] == [
        (0, 0.5),
        (0.5, 20.5),
        (20.5, 40.5),
        (40.5, 60.5),
        (60.5, 80.5),
    ]
    labels = [a.text for a in fig.layout.annotations if (a.name or "").startswith("band-label")]
    assert labels[1] == "Mild 1–20" and labels[2] == "Moderate 21–40"
    assert tuple(fig.layout[f"yaxis{axis[1:]}"].range) == (0, 40.5)


def test_vitals_and_news2_panels() -> None:
    fig = build_chart(_data())
    assert list(_trace(fig, "hr").y) == [84, 118]
    assert list(_trace(fig, "bp-sys").y) == [130, 165]
    assert list(_trace(fig, "bp-dia").y) == [80, 95]
    assert list(_trace(fig, "temp").y) == [36.9, 37.6]
    news2 = _trace(fig, "news2")
    assert list(news2.y) == [1, 5]
    assert list(news2.marker.color) == [
        LEVELS[news2_level(1, False)].text,
        LEVELS[news2_level(5, False)].text,
    ]
    panels = {t.yaxis for t in fig.data if t.uid in ("hr", "bp-sys", "temp", "news2", "ciwa")}
    assert len(panels) == 5  # each on its own panel
    assert len({t.xaxis for t in fig.data}) == 8  # eight panels ...
    matches = [fig.layout[f"xaxis{i if i > 1 else ''}"].matches for i in range(1, 9)]
    assert matches == ["x8"] * 7 + [None]  # ... on one shared time axis


def _every(hours: int, days: int) -> list[VitalsPoint]:
    """Sets of vitals every ``hours`` for the ``days`` up to NOW."""
    count = days * 24 // hours
    return [
        VitalsPoint(NOW - timedelta(hours=hours * i), 80, 120, 70, 36.8, 0, False)
        for i in range(count, 0, -1)
    ]


@pytest.mark.parametrize(("hours", "markers"), [(4, True), (3, False), (1, False)])
def test_vitals_more_often_than_four_hourly_are_a_line_and_news2_keeps_a_marker_per_set(
    hours: int, markers: bool
) -> None:
    assert DENSE_VITALS_PER_DAY == 6  # 4-hourly is the densest drawn a marker per reading
    fig = chart_figure(_data(vitals=_every(hours, 10)))
    modes = {t["uid"]: t["mode"] for t in fig["data"] if t["type"] == "scatter"}
    plain = {modes[uid] for uid in ("hr", "bp-sys", "bp-dia", "temp")}
    assert plain == {"lines+markers" if markers else "lines"}
    assert modes["news2"] == modes["ciwa"] == "lines+markers"


def test_readings_before_the_shown_window_do_not_make_the_vitals_dense() -> None:
    """Hourly for the first days of the stay, 6-hourly in the last 7: markers in the 7-day
    window (it counts only what it shows), a line over the whole stay (about 10 a day)."""
    vitals = [p._replace(at=p.at - timedelta(days=7)) for p in _every(1, 3)] + _every(6, 7)

    def hr_mode(range_key: str) -> str:
        fig = chart_figure(_data(vitals=vitals, range_key=range_key))
        return str(next(t["mode"] for t in fig["data"] if t.get("uid") == "hr"))

    assert hr_mode("7d") == "lines+markers"
    assert hr_mode("stay") == "lines"


def test_markers_are_drawn_only_inside_the_window_and_none_there_left_out() -> None:
    """plotly draws only on-screen markers when maxdisplayed is set; above every trace's
    number of points it never thins those out."""
    fig = chart_figure(_data(vitals=_every(1, 30)))
    with_markers = [t for t in fig["data"] if "markers" in t.get("mode", "")]
    assert {t["uid"] for t in with_markers} >= {"news2", "ciwa", "rass", "mar-given"}
    for trace in with_markers:
        assert trace["marker"]["maxdisplayed"] == ON_SCREEN_ONLY > len(trace["x"])
    assert ON_SCREEN_ONLY > 90 * 24 * 4  # a 90-day stay charted every 15 minutes


def test_the_figure_carries_plotlys_defaults_only_for_what_it_draws() -> None:
    """Of plotly's default template, the figure keeps the trace defaults of each trace type it
    draws and the layout defaults of cartesian axes, shapes and annotations (the axes' automatic
    margins among them), not its 3-D, map, polar and colour-scale parts."""
    import plotly.io as pio

    fig = chart_figure(_data())
    template = fig["layout"]["template"]
    full = pio.templates["plotly"].to_plotly_json()
    assert set(template["data"]) == {trace["type"] for trace in fig["data"]} == {"bar", "scatter"}
    for kind, defaults in template["data"].items():
        assert defaults == full["data"][kind]
    for key, value in template["layout"].items():
        assert value == full["layout"][key]
    assert template["layout"]["xaxis"]["automargin"] is True
    assert not {"scene", "geo", "polar", "ternary", "colorscale"} & set(template["layout"])


def test_steps_versions_now_and_flags_are_marked() -> None:
    fig = build_chart(_data())
    lines = {s.name: s for s in fig.layout.shapes if s.type == "line"}
    assert "step:0" not in lines  # the baseline is where the plan starts, not a change
    assert lines["step:2"].x0 == "2026-03-08 00:00" and lines["step:2"].line.dash == "dot"
    assert lines["step:3"].line.dash == "dash"  # a planned (future) step
    assert lines["plan:2"].x0 == "2026-03-10 09:00" and lines["plan:2"].line.dash == "solid"
    assert lines["now"].x0 == "2026-03-10 12:00"
    for line in lines.values():
        assert line.yref == "paper" and (line.y0, line.y1) == (0, 1)
    notes = {a.name: a for a in fig.layout.annotations}
    assert (
        notes["plan-label:2"].text == "v2 hold" and "CIWA-B up" in notes["plan-label:2"].hovertext
    )
    flag = notes["flag-step_not_tolerated"]
    assert flag.text == "⚑ step not tolerated" and flag.x == "2026-03-10 00:00"
    assert "since the step of 08 Mar" in flag.hovertext


def test_range_buttons_look_back_from_now_and_ahead_at_the_plan() -> None:
    window = {
        key: x_range(key, now=NOW, admitted_at=ADMITTED, discharged_at=None, timezone=TZ)
        for key in ("72h", "7d", "30d", "stay")
    }
    assert window["72h"] == ["2026-03-07 12:00", "2026-03-11 12:00"]
    assert window["7d"] == ["2026-03-03 12:00", "2026-03-13 12:00"]
    assert window["30d"][0] == window["stay"][0] == "2026-02-28 04:00"  # not before admission
    discharged = x_range(
        "7d", now=NOW, admitted_at=ADMITTED, discharged_at=NOW - timedelta(days=1), timezone=TZ
    )
    assert discharged == ["2026-03-02 12:00", "2026-03-09 18:00"]
    fig = build_chart(_data(range_key="72h"))
    assert list(fig.layout.xaxis.range) == window["72h"]


def test_wall_clock_time_across_daylight_saving() -> None:
    summer = datetime(2026, 4, 10, 7, 0, tzinfo=UTC)  # 08:00 BST
    fig = build_chart(
        _data(
            now=summer + timedelta(hours=2),
            assessments=[AssessmentPoint(summer, 10, "mild")],
        )
    )
    assert list(_trace(fig, "ciwa").x) == [_ms("2026-04-10 08:00")]
    # The night the clocks go back (25 Oct 2026, 02:00 BST -> 01:00 GMT): both 01:30s kept
    # apart in order, each at its wall-clock time.
    first, second = (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    )
    fig = build_chart(
        _data(
            now=second + timedelta(hours=1),
            assessments=[
                AssessmentPoint(first, 10, "mild"),
                AssessmentPoint(second, 12, "mild"),
                AssessmentPoint(second + timedelta(hours=23), 14, "mild"),
            ],
        )
    )
    assert list(_trace(fig, "ciwa").x) == [
        _ms("2026-10-25 01:30"),
        _ms("2026-10-25 01:30"),
        _ms("2026-10-26 00:30"),
    ]


def test_a_patch_appends_new_readings_to_the_right_traces() -> None:
    fig = build_chart(_data())
    index = trace_index(fig)
    update = ChartAppend(
        timezone=TZ,
        now=NOW + timedelta(hours=1),
        doses=[DoseEvent(NOW + timedelta(minutes=20), "clonazepam", 0.5, "refused", "r")],
        assessments=[AssessmentPoint(NOW + timedelta(minutes=30), 45, "severe")],
        vitals=[VitalsPoint(NOW + timedelta(minutes=30), 120, 170, 100, 38.2, 8, True, -3)],
        flags=[FlagMark(NOW + timedelta(minutes=30), "news2", "emergency", "open", "NEWS2 8")],
    )
    patch = append_patch(
        update,
        traces=index,
        y_axes=y_axes(fig),
        ciwa_top_now=40.5,
        news2_top_now=9.0,
        now_shape=now_shape_index(fig),
    ).to_plotly_json()
    operations = {
        (op["operation"], tuple(op["location"])): op["params"]["value"]
        for op in patch["operations"]
    }
    ciwa, refused = index["ciwa"], index["mar-refused"]
    assert operations[("Extend", ("data", ciwa, "y"))] == [45]
    assert operations[("Extend", ("data", ciwa, "x"))] == [_ms("2026-03-10 12:30")]
    assert operations[("Extend", ("data", refused, "hovertext"))] == ["r"]
    assert operations[("Extend", ("data", index["hr"], "y"))] == [120]
    assert operations[("Extend", ("data", index["rass"], "y"))] == [-3]
    assert operations[("Extend", ("data", index["news2"], "marker", "color"))] == [LEVELS[4].text]
    ciwa_axis = "yaxis" + y_axes(fig)["ciwa"].removeprefix("y")
    assert operations[("Assign", ("layout", ciwa_axis, "range"))] == [0, 60.5]
    flag = operations[("Append", ("layout", "annotations"))]
    assert flag["text"] == "⚑ news2"
    assert operations[("Assign", ("layout", "shapes", now_shape_index(fig), "x0"))] == (
        "2026-03-10 13:00"
    )
    # Nothing else is sent: no trace is replaced, the figure is not redrawn.
    assert {op for op, _ in operations} <= {"Extend", "Append", "Assign"}
    assert not any(loc[:1] == ("data",) and len(loc) == 2 for _, loc in operations)


def test_the_figure_passes_plotlys_own_validation() -> None:
    """The builder skips plotly's per-property validation for speed; check it here."""
    figure = build_chart(_data()).to_plotly_json()
    validated = go.Figure(figure)  # raises on any unknown property or bad value
    assert len(validated.data) == len(figure["data"])
    assert chart_figure(_data()) == figure


def test_flags_close_together_get_rows_of_their_own() -> None:
    at = NOW - timedelta(days=1)
    flags = [
        FlagMark(at, "worsening", "moderate", "open", "a"),
        FlagMark(at + timedelta(hours=2), "news2", "high", "open", "b"),
        FlagMark(at + timedelta(hours=30), "missed_dose", "moderate", "open", "c"),
    ]
    assert flag_rows(flags) == [0, 1, 0]
    fig = build_chart(_data(flags=flags))
    heights = [a.y for a in fig.layout.annotations if (a.name or "").startswith("flag-")]
    assert heights[0] == heights[2] > heights[1]


def test_an_empty_admission_still_has_every_panel_and_legend_entry() -> None:
    fig = build_chart(ChartInput(timezone=TZ, now=NOW, admitted_at=ADMITTED, drugs=("clonazepam",)))
    uids = set(trace_index(fig))
    assert {"ciwa", "hr", "bp-sys", "bp-dia", "temp", "news2"} <= uids
    assert {f"mar-{key}" for key in MAR_STYLES} <= uids


# --- wall-clock times in bulk, readings as columns ---------------------------------------------


def _wall_clock_ms(instant: datetime, timezone: str) -> int:
    """The reference conversion, one reading at a time: the instant's wall-clock time in the
    zone (zoneinfo's own rules) as epoch milliseconds, whole milliseconds rounded down."""
    local = instant.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    return (local - datetime(1970, 1, 1)) // timedelta(milliseconds=1)


def _clock_changes(timezone: str, start: datetime, end: datetime) -> list[datetime]:
    """Each instant from which the zone's UTC offset changes: the hour it changes in, then
    the minute (zones change their clocks on a whole minute)."""
    tz, changes = ZoneInfo(timezone), []
    at, offset = start, start.astimezone(tz).utcoffset()
    while at < end:
        if (at + timedelta(hours=1)).astimezone(tz).utcoffset() != offset:
            while at.astimezone(tz).utcoffset() == offset:
                at += timedelta(minutes=1)
            changes.append(at)
            offset = at.astimezone(tz).utcoffset()
        else:
            at += timedelta(hours=1)
    return changes


@pytest.mark.parametrize(
    "timezone",
    [
        "Europe/London",
        "America/New_York",
        "Australia/Sydney",  # southern summer: the clocks go back in April
        "Australia/Lord_Howe",  # a half-hour clock change
        "America/St_Johns",  # -03:30 / -02:30
        "Pacific/Chatham",  # +12:45 / +13:45
        "Asia/Kolkata",  # no clock change
    ],
)
def test_a_long_stay_is_drawn_in_wall_clock_time_across_every_clock_change(
    timezone: str,
) -> None:
    """Ten months of readings, out of order, some with seconds and microseconds, and one
    either side of every clock change: each at the wall-clock time zoneinfo gives it, in time
    order, in the CIWA-B, vitals and MAR panels and in an appended Patch."""
    start, end = datetime(2026, 1, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    changes = _clock_changes(timezone, start, end)
    assert len(changes) == (0 if timezone == "Asia/Kolkata" else 2)
    instants = [start + i * timedelta(hours=7, minutes=13, seconds=11) for i in range(1000)]
    instants += [c + timedelta(microseconds=d) for c in changes for d in (-1, 0, 1, 999_999)]
    instants += [start + timedelta(days=40, microseconds=123_999)]
    instants = [at for at in instants if at < end]
    shuffled = sorted(instants, key=lambda at: hash((at, timezone)))
    assert shuffled != sorted(instants)
    data = _data(
        timezone=timezone,
        now=end,
        admitted_at=start,
        assessments=[AssessmentPoint(at, 10, "mild") for at in shuffled],
        vitals=[VitalsPoint(at, 80, 120, 80, 36.8, 1, False) for at in shuffled],
        doses=[DoseEvent(at, "clonazepam", 0.5, "given", "g") for at in shuffled],
    )
    fig = chart_figure(data)
    index = trace_index(fig)
    expected = [_wall_clock_ms(at, timezone) for at in sorted(instants)]
    assert fig["data"][index["ciwa"]]["x"] == expected
    assert fig["data"][index["hr"]]["x"] == expected
    assert fig["data"][index["news2"]]["x"] == expected
    # MAR markers are not joined by a line: drawn in the order they came
    assert fig["data"][index["mar-given"]]["x"] == [_wall_clock_ms(at, timezone) for at in shuffled]
    patch = append_patch(
        ChartAppend(
            timezone=timezone,
            now=end,
            assessments=[AssessmentPoint(at, 12, "mild") for at in shuffled[:50]],
        ),
        traces=index,
        y_axes=y_axes(fig),
        ciwa_top_now=40.5,
        news2_top_now=9.0,
        now_shape=None,
    ).to_plotly_json()
    extended = next(
        op["params"]["value"]
        for op in patch["operations"]
        if op["location"] == ["data", index["ciwa"], "x"]
    )
    assert extended == [_wall_clock_ms(at, timezone) for at in sorted(shuffled[:50])]


def test_the_night_the_clocks_go_forward_has_no_two_oclock() -> None:
    """25 Mar 2029 in London: 00:59:59 GMT is followed by 02:00:00 BST."""
    change = datetime(2029, 3, 25, 1, 0, tzinfo=UTC)
    fig = build_chart(
        _data(
            now=change + timedelta(hours=3),
            assessments=[
                AssessmentPoint(change - timedelta(seconds=1), 10, "mild"),
                AssessmentPoint(change, 11, "mild"),
            ],
        )
    )
    assert list(_trace(fig, "ciwa").x) == [
        _ms("2029-03-25 00:59:59"),
        _ms("2029-03-25 02:00:00"),
    ]


def test_readings_out_of_order_are_drawn_in_time_order_each_with_its_own_colour() -> None:
    at = datetime(2026, 3, 9, 8, tzinfo=UTC)
    fig = build_chart(
        _data(
            assessments=[
                AssessmentPoint(at + timedelta(hours=2), 45, "severe"),
                AssessmentPoint(at, 12, "mild"),
                AssessmentPoint(at + timedelta(hours=1), 3, "none"),
                AssessmentPoint(at + timedelta(hours=1), 33, "moderate"),  # same time: kept after
            ],
            vitals=[
                VitalsPoint(at + timedelta(hours=1), 118, 165, 95, 37.6, 3, True),
                VitalsPoint(at, 84, 130, 80, 36.9, 1, False),
                VitalsPoint(at + timedelta(hours=2), 120, 170, 100, 38.2, 8, False),
            ],
        )
    )
    ciwa = _trace(fig, "ciwa")
    assert list(ciwa.y) == [12, 3, 33, 45]
    assert list(ciwa.text) == ["Mild", "No signs", "Moderate", "Severe"]
    assert list(ciwa.marker.color) == [
        LEVELS[BAND_LEVEL[b]].text for b in ("mild", "none", "moderate", "severe")
    ]
    assert list(_trace(fig, "hr").y) == [84, 118, 120]
    assert list(_trace(fig, "temp").y) == [36.9, 37.6, 38.2]
    assert list(_trace(fig, "news2").marker.color) == [
        LEVELS[news2_level(1, False)].text,
        LEVELS[news2_level(3, True)].text,
        LEVELS[news2_level(8, False)].text,
    ]
    assert list(_trace(fig, "hr").x) == [
        _ms("2026-03-09 08:00"),
        _ms("2026-03-09 09:00"),
        _ms("2026-03-09 10:00"),
    ]


def test_a_band_or_news2_total_the_theme_has_no_entry_for_still_draws() -> None:
    at = datetime(2026, 3, 9, 8, tzinfo=UTC)
    fig = build_chart(
        _data(
            assessments=[AssessmentPoint(at, 12, "mild"), AssessmentPoint(at, 12, "unbanded")],
            vitals=[VitalsPoint(at, 84, 130, 80, 36.9, 23, False)],
        )
    )
    ciwa = _trace(fig, "ciwa")
    assert list(ciwa.text) == ["Mild", "unbanded"]
    assert list(ciwa.marker.color) == [LEVELS[BAND_LEVEL["mild"]].text, LEVELS[0].text]
    assert list(_trace(fig, "news2").marker.color) == [LEVELS[news2_level(23, False)].text]


def test_readings_as_columns_draw_exactly_as_the_same_points() -> None:
    data = _data()
    shuffled = _data(
        assessments=list(reversed(data.assessments)), vitals=list(reversed(data.vitals))
    )
    as_columns = _data(
        assessments=Readings.from_rows(AssessmentPoint, list(reversed(data.assessments))),
        vitals=Readings.from_rows(VitalsPoint, list(data.vitals)),
    )
    assert chart_figure(as_columns) == chart_figure(shuffled) == chart_figure(data)
    readings = Readings.from_rows(VitalsPoint, list(data.vitals))
    assert len(readings) == 2 and list(readings) == list(data.vitals) == readings
    assert readings[1] == data.vitals[1] and readings[-1:] == list(data.vitals)[-1:]
    assert readings.columns[1] == [84, 118]  # heart rate
    assert Readings(VitalsPoint, [[] for _ in VitalsPoint._fields]) == []
    with pytest.raises(ValueError):
        Readings(AssessmentPoint, [[NOW], [12]])  # a column short
    with pytest.raises(ValueError):
        Readings(AssessmentPoint, [[NOW], [12, 13], ["mild"]])  # columns of two lengths


def test_the_load_given_each_day_is_stacked_on_the_de_axis_and_patched_in_place() -> None:
    loads = [
        DailyLoad(date(2026, 3, 9), 30.0, 0.0, 0),
        DailyLoad(date(2026, 3, 10), 15.0, 5.0, 1),
    ]
    fig = build_chart(_data(loads=loads))
    scheduled, prn = _trace(fig, "load-scheduled"), _trace(fig, "load-prn")
    assert (scheduled.type, prn.type) == ("bar", "bar")
    assert list(scheduled.x) == ["2026-03-09 12:00", "2026-03-10 12:00"]
    assert (list(scheduled.y), list(prn.y)) == ([30.0, 15.0], [0.0, 5.0])
    assert scheduled.yaxis == prn.yaxis != _trace(fig, "dose-clonazepam").yaxis  # the DE axis
    assert fig.layout.barmode == "stack"
    labels = [entry.label for entry in chart_key(("clonazepam",))]
    assert "Given per day: PRN (DE mg, right axis)" in labels
    index = trace_index(fig)
    patch = append_patch(
        ChartAppend(
            timezone=TZ, now=NOW, loads=[*loads[:1], DailyLoad(date(2026, 3, 10), 15, 10, 2)]
        ),
        traces=index,
        y_axes=y_axes(fig),
        ciwa_top_now=40.5,
        news2_top_now=9.0,
        now_shape=None,
    ).to_plotly_json()
    operations = {
        (op["operation"], tuple(op["location"])): op["params"]["value"]
        for op in patch["operations"]
    }
    assert operations[("Assign", ("data", index["load-prn"], "y"))] == [0.0, 10]
    assert operations[("Assign", ("data", index["load-scheduled"], "y"))] == [30.0, 15]


def test_the_rass_lane_draws_scored_readings_and_shades_the_wards_threshold() -> None:
    vitals = [
        VitalsPoint(datetime(2026, 3, 9, 8, tzinfo=UTC), 84, 130, 80, 36.9, 1, False, 0),
        VitalsPoint(datetime(2026, 3, 9, 14, tzinfo=UTC), 80, 120, 80, 36.9, 0, False),
        VitalsPoint(datetime(2026, 3, 10, 8, tzinfo=UTC), 70, 110, 70, 36.5, 3, True, -3),
    ]
    fig = build_chart(_data(vitals=vitals, rass_threshold=-1))
    rass = _trace(fig, "rass")
    assert list(rass.y) == [0, -3]  # the unscored set is not drawn as a score
    assert len(rass.x) == 2
    assert rass.yaxis not in {_trace(fig, uid).yaxis for uid in ("news2", "hr", "ciwa")}
    [band] = [s for s in fig.layout.shapes if s.name == "rass-band:sedated"]
    assert band.y1 == -0.5  # at and below the ward's -1
    [label] = [a for a in fig.layout.annotations if a.name == "rass-label:sedated"]
    assert label.text == "Sedated ≤-1"
    default = build_chart(_data())
    [band] = [s for s in default.layout.shapes if s.name == "rass-band:sedated"]
    assert band.y1 == -1.5  # the default threshold, RASS -2
    assert list(_trace(default, "rass").y) == []
