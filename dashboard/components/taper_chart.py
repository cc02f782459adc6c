"""The patient chart: the taper and the symptoms on one shared time axis.

Pure: plain data in, a plotly Figure (or a Dash Patch) out; no database and no clock (``now``
is passed in). Instants arrive as aware UTC datetimes and are drawn in the ward's wall-clock time.

Every series is told apart by shape or line style as well as colour (Okabe-Ito palette, safe for
colour-blind readers), and severity shading uses the theme's levels, so the chart reads the same
printed in black and white. Each trace carries a ``uid`` naming what it shows, so new readings can
be appended with a Patch instead of redrawing the figure.
"""

from __future__ import annotations

import html
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import islice, repeat
from operator import attrgetter, itemgetter, le
from typing import Any, NamedTuple, TypeVar, overload
from zoneinfo import ZoneInfo

import orjson
import plotly.graph_objects as go
from dash import Patch
from plotly.subplots import make_subplots

from dashboard.i18n import N_, _, request_translator
from dashboard.theme import BAND_LABEL, BAND_LEVEL, FLAG_LEVEL, LEVELS, news2_level
from models.clinical.load import DailyLoad
from models.clinical.news2 import News2Response
from models.clinical.scales import CIWA_B_BANDS
from models.clinical.sedation import DEFAULT_RASS_THRESHOLD
from models.i18n import DEFAULT_LANGUAGE, Translator, format_day

# --- plain data in ------------------------------------------------------------------------


@dataclass(frozen=True)
class DoseStep:
    """A taper step: from ``start`` (a ward-local date) the scheduled daily dose per drug."""

    index: int
    start: date
    daily_mg: Mapping[str, float]
    diazepam_eq_mg: float
    kind: str


@dataclass(frozen=True)
class PlanVersionMark:
    version: int
    change: str
    at: datetime  # when the physician made it
    effective_from: date
    reason: str
    author: str


@dataclass(frozen=True)
class DoseEvent:
    """One MAR marker. ``category``: a key of MAR_STYLES."""

    at: datetime
    drug: str
    mg: float
    category: str
    detail: str


class AssessmentPoint(NamedTuple):
    """A CIWA-B score. Readings are tuples, ``at`` first: cheap to make by the thousand (see
    Readings) and read a field at a time."""

    at: datetime
    total: int
    band: str


class VitalsPoint(NamedTuple):
    """One set of vital signs, a tuple like :class:`AssessmentPoint`."""

    at: datetime
    heart_rate: int
    systolic: int
    diastolic: int
    temperature_c: float
    news2_total: int
    news2_any_three: bool
    rass: int | None = None  # the sedation score charted with the set, if any [S66]


_Point = TypeVar("_Point", AssessmentPoint, VitalsPoint)


class Readings(Sequence[_Point]):
    """Readings as columns, one list per field of ``point`` (item i of each list is reading
    i): the shape the chart's traces are made of, so a query can hand over a long stay's
    thousands of readings without making a point of each. Any sequence of points draws the
    same; this one reads as points too."""

    __slots__ = ("columns", "point")
    point: type[_Point]
    columns: tuple[list[Any], ...]

    def __init__(self, point: type[_Point], columns: Sequence[list[Any]]) -> None:
        if len(columns) != len(point._fields) or len({len(c) for c in columns}) > 1:
            raise ValueError(f"{point.__name__} needs {len(point._fields)} columns of one length")
        self.point = point
        self.columns = tuple(columns)

    @classmethod
    def from_rows(cls, point: type[_Point], rows: Sequence[Sequence[Any]]) -> Readings[_Point]:
        """From rows of the point's fields (a query's rows), one column at a time."""
        return cls(point, [list(map(itemgetter(i), rows)) for i in range(len(point._fields))])

    def __len__(self) -> int:
        return len(self.columns[0])

    @overload
    def __getitem__(self, index: int) -> _Point: ...

    @overload
    def __getitem__(self, index: slice) -> list[_Point]: ...

    def __getitem__(self, index: int | slice) -> _Point | list[_Point]:
        if isinstance(index, slice):
            return list(map(self.point, *(column[index] for column in self.columns)))
        return self.point(*(column[index] for column in self.columns))

    def __iter__(self) -> Iterator[_Point]:
        return map(self.point, *self.columns)

    def __eq__(self, other: object) -> bool:
        """Equal to readings, or a list of points, with the same points in the same order."""
        if isinstance(other, Readings):
            return self.point is other.point and self.columns == other.columns
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable lists inside

    def __repr__(self) -> str:
        return f"Readings({self.point.__name__}, {len(self)} readings)"


@dataclass(frozen=True)
class FlagMark:
    at: datetime
    rule: str
    severity: str
    status: str
    message: str
    label: str = ""  # the rule as staff know it; the rule name if empty


@dataclass(frozen=True)
class ChartInput:
    timezone: str
    now: datetime
    admitted_at: datetime
    drugs: tuple[str, ...]  # the plan's drugs, original first
    steps: Sequence[DoseStep] = ()
    versions: Sequence[PlanVersionMark] = ()
    doses: Sequence[DoseEvent] = ()
    assessments: Sequence[AssessmentPoint] = ()
    vitals: Sequence[VitalsPoint] = ()
    flags: Sequence[FlagMark] = ()
    discharged_at: datetime | None = None
    range_key: str = "7d"
    loads: Sequence[DailyLoad] = ()  # given per ward-local day, scheduled and PRN, in DE mg
    rass_threshold: int = DEFAULT_RASS_THRESHOLD  # the ward's (models.ward_policy)


@dataclass(frozen=True)
class ChartAppend:
    """Readings charted since the figure was drawn: appended by :func:`append_patch`."""

    timezone: str
    now: datetime
    doses: Sequence[DoseEvent] = ()
    assessments: Sequence[AssessmentPoint] = ()
    vitals: Sequence[VitalsPoint] = ()
    flags: Sequence[FlagMark] = ()
    loads: Sequence[DailyLoad] | None = None  # every day again, when a dose was charted


# --- styles -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkerStyle:
    label: str
    symbol: str
    colour: str
    size: int = 13


# Okabe & Ito's colour-blind-safe palette; every category also has its own marker shape, and
# filled versus open shapes, so the MAR reads without colour.
MAR_STYLES: dict[str, MarkerStyle] = {
    "given": MarkerStyle(N_("Given"), "circle", "#0072B2"),
    "late": MarkerStyle(N_("Given outside window"), "diamond", "#E69F00", 14),
    "prn": MarkerStyle(N_("PRN (as needed)"), "star", "#009E73", 16),
    "held": MarkerStyle(N_("Held"), "square", "#CC79A7"),
    "refused": MarkerStyle(N_("Refused"), "triangle-down", "#D55E00", 14),
    "not_given": MarkerStyle(N_("Not given"), "circle-open", "#3B4754"),
    "missed": MarkerStyle(N_("Missed (not charted)"), "x-thin-open", "#000000", 15),
}
DRUG_COLOURS = ("#0072B2", "#D55E00")  # original drug, substitute
DRUG_SYMBOLS = ("circle", "square")
DE_COLOUR = "#6B7785"
# The total load given per day: scheduled and PRN stacked, on the DE axis.
LOAD_SERIES: tuple[tuple[str, str, str], ...] = (
    ("load-scheduled", N_("Given per day: scheduled (DE mg, right axis)"), "#C5CCD6"),
    ("load-prn", N_("Given per day: PRN (DE mg, right axis)"), "#009E73"),
)
# Each load series' name in its hover (without the axis note).
LOAD_HOVER = {
    "load-scheduled": N_("Given per day: scheduled"),
    "load-prn": N_("Given per day: PRN"),
}
PLAN_COLOUR = "#3B4CCA"  # the app's indigo: a decision someone made
STEP_COLOUR = "#7B8794"
NOW_COLOUR = "#1F2933"
INK = "#1F2933"
BAND_OPACITY = 0.45

RANGES: dict[str, tuple[str, timedelta, timedelta]] = {
    # key: (button label, look back, look ahead at the planned taper)
    "72h": (N_("72 h"), timedelta(hours=72), timedelta(hours=24)),
    "7d": (N_("7 days"), timedelta(days=7), timedelta(days=3)),
    "30d": (N_("30 days"), timedelta(days=30), timedelta(days=7)),
    "stay": (N_("Whole stay"), timedelta(0), timedelta(days=7)),
}


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    height: float


PANELS: tuple[Panel, ...] = (
    # Titles marked for translation (the scales' names too, as on the board); RASS is a code.
    Panel("dose", N_("Dose<br>mg/day"), 0.19),
    Panel("mar", N_("MAR"), 0.08),
    Panel("rass", "RASS", 0.09),
    Panel("ciwa", N_("CIWA-B"), 0.23),
    Panel("hr", N_("HR<br>/min"), 0.12),
    Panel("bp", N_("BP<br>mmHg"), 0.14),
    Panel("temp", N_("Temp<br>°C"), 0.11),
    Panel("news2", N_("NEWS2"), 0.13),
)
ROW = {panel.key: i + 1 for i, panel in enumerate(PANELS)}
FIGURE_HEIGHT = 1130
RASS_RANGE = (-5.5, 4.5)  # RASS -5..+4 [S66], half a step of margin
RASS_COLOUR = "#CC79A7"  # Okabe-Ito reddish purple, as the MAR's "held"


@dataclass(frozen=True)
class KeyEntry:
    """One entry of the chart's key: a marker (``symbol``) or a line (``dash``)."""

    label: str
    colour: str
    symbol: str | None = None
    dash: str | None = None


def chart_key(drugs: Sequence[str]) -> list[KeyEntry]:
    """The key to every series, whether or not it has data yet (plotly's own legend hides
    empty traces, and a key that changes as doses are charted would move the layout)."""
    entries = [
        KeyEntry(_drug_per_day(drug), DRUG_COLOURS[i % 2], dash="solid")
        for i, drug in enumerate(drugs)
    ]
    entries += [
        KeyEntry(_("Diazepam-equivalent mg/day (right axis)"), DE_COLOUR, dash="dot"),
        KeyEntry(_("Planned"), INK, dash="dash"),
        KeyEntry(_("Plan version"), PLAN_COLOUR, dash="solid"),
        KeyEntry(_("Taper step"), STEP_COLOUR, dash="dot"),
    ]
    entries += [KeyEntry(_(label), colour, symbol="square") for _uid, label, colour in LOAD_SERIES]
    entries += [KeyEntry(_(s.label), s.colour, symbol=s.symbol) for s in MAR_STYLES.values()]
    entries.append(KeyEntry(_("RASS (sedation)"), RASS_COLOUR, symbol="diamond"))
    return entries


# --- helpers ------------------------------------------------------------------------------


def _day(day: date, english: str) -> str:
    """A day in a hover: as ``english`` (strftime) in English, else the language's own."""
    code = request_translator().code
    return f"{day:{english}}" if code == DEFAULT_LANGUAGE else format_day(day, code)


def _drug_per_day(drug: str) -> str:
    """ "Diazepam mg/day" in this request's language."""
    return _("{drug} mg/day", drug=drug.capitalize())


def _clock(timezone: str) -> Callable[[datetime], str]:
    """UTC instant -> the ward's wall-clock time as plotly reads it (no offset)."""
    tz = ZoneInfo(timezone)

    def local(instant: datetime) -> str:
        return instant.astimezone(tz).replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")

    return local


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
# The UTC offset is sampled this often when looking for clock changes (no zone changes its
# clocks twice within six hours).
_OFFSET_SAMPLE = timedelta(hours=6)


@lru_cache(maxsize=64)
def _utc_offsets(timezone: str, year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """The ward's UTC offset through one UTC year: (from this instant, the offset) at the
    start of the year, then at each clock change. Found by sampling the offset and bisecting
    to the second (zones change their clocks on whole seconds); a few hundred conversions,
    once per zone and year."""
    tz = ZoneInfo(timezone)

    def offset(instant: datetime) -> timedelta:
        return instant.astimezone(tz).utcoffset() or timedelta(0)

    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    spans = [(start, offset(start))]
    sample = start
    while sample < end:
        following = min(sample + _OFFSET_SAMPLE, end)
        after = offset(following)
        if after != spans[-1][1]:
            low, high = int(sample.timestamp()), int(following.timestamp())
            while high - low > 1:  # offset(low) is the old one, offset(high) the new one
                middle = (low + high) // 2
                if offset(datetime.fromtimestamp(middle, UTC)) == after:
                    high = middle
                else:
                    low = middle
            spans.append((datetime.fromtimestamp(high, UTC), after))
        sample = following
    return tuple(spans)


def _offset_spans(
    timezone: str, first: datetime, last: datetime
) -> list[tuple[datetime, timedelta]]:
    """(from, UTC offset) of each stretch of constant offset from ``first`` to ``last``."""
    spans: list[tuple[datetime, timedelta]] = []
    for year in range(first.astimezone(UTC).year, last.astimezone(UTC).year + 1):
        for start, offset in _utc_offsets(timezone, year):
            if start > last:
                break
            if spans and spans[-1][1] == offset:
                continue
            if spans and start <= first:
                spans.pop()
            spans.append((start, offset))
    return spans


def _wall_ms(timezone: str, instants: Sequence[datetime], *, ordered: bool = False) -> list[int]:
    """UTC instants -> the ward's wall-clock time as epoch milliseconds, the form plotly's date
    axes read fastest (a 90-day chart converts thousands of readings). In bulk: the UTC offset
    changes only at clock changes, so each stretch between them is one subtraction per instant
    from an epoch shifted by the stretch's offset. ``ordered``: the instants are in time order
    (they may be in any order, at a small cost)."""
    if not instants:
        return []
    first, last = (instants[0], instants[-1]) if ordered else (min(instants), max(instants))
    spans = _offset_spans(timezone, first, last)
    if len(spans) == 1:
        epoch = _EPOCH - spans[0][1]
        return [(instant - epoch) // _MS for instant in instants]
    starts = [start for start, _ in spans]
    epochs = [_EPOCH - offset for _, offset in spans]
    if not ordered:
        return [
            (instant - epochs[bisect_right(starts, instant) - 1]) // _MS for instant in instants
        ]
    out: list[int] = []
    bounds = [bisect_left(instants, start) for start in starts[1:]]
    for epoch, low, high in zip(epochs, [0, *bounds], [*bounds, len(instants)], strict=True):
        out += [(instant - epoch) // _MS for instant in instants[low:high]]
    return out


def _midnight(day: date) -> str:
    return f"{day.isoformat()} 00:00"


def _mg(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _axis_ref(axis: Any) -> str:
    """'xaxis3' -> 'x3', 'yaxis' -> 'y'."""
    name = str(axis.plotly_name)
    return name[0] + name[5:]


def x_range(
    key: str,
    *,
    now: datetime,
    admitted_at: datetime,
    discharged_at: datetime | None,
    timezone: str,
) -> list[str]:
    """The visible window for a range button: back from now (or the discharge) and a little
    ahead, to show the planned taper; never starting long before the admission."""
    local = _clock(timezone)
    return [local(i) for i in _span(key, now, admitted_at, discharged_at)]


def _span(
    key: str, now: datetime, admitted_at: datetime, discharged_at: datetime | None
) -> tuple[datetime, datetime]:
    """:func:`x_range`'s window as instants."""
    _, back, ahead = RANGES.get(key, RANGES["7d"])
    end = discharged_at or now
    earliest = admitted_at - timedelta(hours=6)
    start = earliest if key == "stay" else max(end - back, earliest)
    return start, end + (ahead if discharged_at is None else timedelta(hours=6))


def _dense_vitals(data: ChartInput) -> bool:
    """More sets of vitals a day in the shown window (its past, up to now or the discharge)
    than :data:`DENSE_VITALS_PER_DAY`."""
    start, _ = _span(data.range_key, data.now, data.admitted_at, data.discharged_at)
    end = data.discharged_at or data.now
    vitals = data.vitals
    instants = vitals.columns[0] if isinstance(vitals, Readings) else [p.at for p in vitals]
    shown = sum(1 for at in instants if start <= at <= end)
    days = max((end - start) / timedelta(days=1), 1.0)
    return shown > DENSE_VITALS_PER_DAY * days


def ciwa_bands() -> list[tuple[int, int, str]]:
    """(lowest, highest, band) of each CIWA-B band, from the scale's own band edges."""
    bands: list[tuple[int, int, str]] = []
    low = 0
    for high, band in CIWA_B_BANDS:
        bands.append((low, high, str(band.value)))
        low = high + 1
    return bands


def news2_bands() -> list[tuple[int, int, int]]:
    """(lowest, highest, level) of the NEWS2 response levels by total (theme.news2_level)."""
    bands: list[tuple[int, int, int]] = []
    for total in range(0, 21):
        level = news2_level(total, False)
        if bands and bands[-1][2] == level:
            bands[-1] = (bands[-1][0], total, level)
        else:
            bands.append((total, total, level))
    return bands


def ciwa_top(highest: int) -> float:
    """The CIWA-B axis top: the upper edge of the band above the highest score (at least the
    moderate band), so the scale is stable while readings arrive."""
    for _low, high, _band in ciwa_bands():
        if highest <= high and high >= 40:
            return high + 0.5
    return 80.5


def news2_top(highest: int) -> float:
    return float(max(9, highest + 1))


# --- the figure ---------------------------------------------------------------------------


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
    fig = _Draft(bare=True)
    _style(fig)
    _bands(fig)
    return json.dumps({"layout": fig.layout, "shapes": fig.shapes, "annotations": fig.annotations})


class _Draft:
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
        found: dict[str, Any] = self.layout.setdefault(_layout_axis(ref), {})
        return found

    def x_axes(self) -> list[dict[str, Any]]:
        return [self.axis(ref) for ref in self.axes.x.values()]

    def y_axes(self) -> list[dict[str, Any]]:
        return [self.axis(ref) for ref in [*self.axes.y.values(), self.axes.de]]

    def figure(self) -> dict[str, Any]:
        layout = dict(self.layout, shapes=self.shapes, annotations=self.annotations)
        return {"data": self.data, "layout": layout}


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
    fig = _Draft()
    local = _clock(data.timezone)
    _load_traces(fig, data.loads)
    _dose_traces(fig, data, local)
    _mar_traces(fig, data)
    ciwa = _ciwa_points(data.assessments, data.timezone)
    _ciwa_traces(fig, ciwa)
    vitals = _vitals_points(data.vitals, data.timezone)
    _vitals_traces(fig, vitals, dense=_dense_vitals(data))
    _layout(fig, data, highest_ciwa=max(ciwa["y"], default=0), highest_news2=vitals["news2_max"])
    _markers(fig, data, local)
    return fig.figure()


def _end_of_plan(data: ChartInput) -> datetime:
    tz = ZoneInfo(data.timezone)
    last = max((s.start for s in data.steps), default=data.now.astimezone(tz).date())
    end = datetime.combine(last + timedelta(days=2), time(0), tz)
    return max(end, data.now + RANGES["stay"][2])


def _dose_traces(fig: _Draft, data: ChartInput, local: Callable[[datetime], str]) -> None:
    tz = ZoneInfo(data.timezone)
    today = data.now.astimezone(tz).date()
    now_x, end_x = local(data.now), local(_end_of_plan(data))
    steps = sorted(data.steps, key=lambda s: (s.start, s.index))
    series: list[tuple[str, str, Callable[[DoseStep], float | None], dict[str, Any]]] = []
    for i, drug in enumerate(data.drugs):
        style = {"colour": DRUG_COLOURS[i % 2], "symbol": DRUG_SYMBOLS[i % 2], "width": 3}
        series.append((f"dose-{drug}", _drug_per_day(drug), _drug_dose(steps, drug), style))
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
        past_x = [_midnight(s.start) for s in past] + ([now_x] if past else [])
        past_y = [value(s) for s in past] + ([current] if past else [])
        future_x = ([now_x] if past else []) + [_midnight(s.start) for s in future]
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


def _load_points(loads: Sequence[DailyLoad]) -> dict[str, list[Any]]:
    """Each day's bar at its middle (ward wall-clock time, as plotly reads the x axis)."""
    return {
        "x": [f"{d.day.isoformat()} 12:00" for d in loads],
        "load-scheduled": [round(d.scheduled_de_mg, 3) for d in loads],
        "load-prn": [round(d.prn_de_mg, 3) for d in loads],
        "prn-doses": [d.prn_doses for d in loads],
    }


def _load_traces(fig: _Draft, loads: Sequence[DailyLoad]) -> None:
    """What was given each day, scheduled and PRN stacked, in diazepam-equivalent mg: a PRN use
    that climbs while the taper falls shows at a glance."""
    points = _load_points(loads)
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


def _columns(points: Sequence[_Point], width: int) -> list[list[Any]]:
    """The readings' fields as columns (``at`` first), the readings taken in time order
    (stable: as they came at equal times). The chart's query hands them over as columns
    (Readings) in time order already, so this is usually a copy and one pass to check."""
    if isinstance(points, Readings):
        columns = [list(column) for column in points.columns]  # the figure's own lists
    else:
        columns = [list(map(itemgetter(i), points)) for i in range(width)]
    instants = columns[0]
    if not all(map(le, instants, islice(instants, 1, None))):
        order = sorted(range(len(instants)), key=instants.__getitem__)
        columns = [list(map(column.__getitem__, order)) for column in columns]
    return columns


def _mar_points(events: Sequence[DoseEvent], timezone: str) -> dict[str, Any]:
    return {
        "x": _wall_ms(timezone, [e.at for e in events]),
        "y": [e.drug for e in events],
        "hovertext": [e.detail for e in events],
    }


def _mar_traces(fig: _Draft, data: ChartInput) -> None:
    # x, y and hover text of each category's markers (the times converted all at once)
    by_category: dict[str, tuple[list[int], list[str], list[str]]] = {
        key: ([], [], []) for key in MAR_STYLES
    }
    xs = _wall_ms(data.timezone, [event.at for event in data.doses])
    for event, event_x in zip(data.doses, xs, strict=True):
        found = by_category.get(event.category)
        if found is not None:
            found[0].append(event_x)
            found[1].append(event.drug)
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


def _ciwa_points(points: Sequence[AssessmentPoint], timezone: str) -> dict[str, list[Any]]:
    """x, y, marker colour and hover text (the band's name) of each CIWA-B score, in time
    order: a column at a time, each band's colour and name looked up once."""
    instants, totals, bands = _columns(points, 3)
    colour = {band: LEVELS[level].text for band, level in BAND_LEVEL.items()}
    label = {band: _(text) for band, text in BAND_LABEL.items()}
    try:  # the theme has every band of the scale
        colours = list(map(colour.__getitem__, bands))
        names = list(map(label.__getitem__, bands))
    except KeyError:  # any other band: the lowest tone, and the band as it is stored
        colours = list(map(colour.get, bands, repeat(LEVELS[0].text, len(bands))))
        names = list(map(label.get, bands, bands))
    return {
        "x": _wall_ms(timezone, instants, ordered=True),
        "y": totals,
        "marker.color": colours,
        "text": names,
    }


def _ciwa_traces(fig: _Draft, points: Mapping[str, list[Any]]) -> None:
    fig.add_trace(
        _scatter(
            x=points["x"],
            y=points["y"],
            text=points["text"],
            mode="lines+markers",
            name=_("CIWA-B total"),
            uid="ciwa",
            line={"color": INK, "width": 2},
            marker={"size": 7, "color": points["marker.color"], "line": {"color": INK, "width": 1}},
            hovertemplate="CIWA-B %{y} (%{text})<br>%{x|%d %b %H:%M}<extra></extra>",
        ),
        "ciwa",
    )


def _news2_colours() -> dict[int, tuple[str, str]]:
    """NEWS2 total (0-20) -> the colour of its response level (theme.news2_level) without and
    with a single parameter scoring 3."""
    return {
        total: (LEVELS[news2_level(total, False)].text, LEVELS[news2_level(total, True)].text)
        for total in range(21)
    }


def _vitals_points(points: Sequence[VitalsPoint], timezone: str) -> dict[str, Any]:
    """Each series of the vitals panels, in time order, a column at a time; ``news2_max`` is
    the highest NEWS2 total (0 without readings)."""
    columns = _columns(points, len(VitalsPoint._fields))
    instants, heart_rate, systolic, diastolic, temperature, news2, any_three, rass = columns
    table = _news2_colours()
    try:
        colours = [table[t][a] for t, a in zip(news2, any_three, strict=True)]
    except (KeyError, IndexError, TypeError):  # a total beyond the table, a flag not a bool
        colours = [LEVELS[news2_level(t, a)].text for t, a in zip(news2, any_three, strict=True)]
    x = _wall_ms(timezone, instants, ordered=True)
    scored = [i for i, value in enumerate(rass) if value is not None]
    return {
        "x": x,
        "rass_x": [x[i] for i in scored],
        "rass": [rass[i] for i in scored],
        "hr": heart_rate,
        "sys": systolic,
        "dia": diastolic,
        "temp": temperature,
        "news2": news2,
        "news2_colour": colours,
        "news2_max": max(news2, default=0),
    }


VITALS_SERIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    # uid, value key, panel, name, marker symbol, hover format
    ("hr", "hr", "hr", N_("Heart rate"), "circle", "HR %{y} /min"),
    ("bp-sys", "sys", "bp", N_("Systolic"), "triangle-up", "Systolic %{y} mmHg"),
    ("bp-dia", "dia", "bp", N_("Diastolic"), "triangle-down", "Diastolic %{y} mmHg"),
    ("temp", "temp", "temp", N_("Temperature"), "circle", "Temp %{y} °C"),
)
# The first word of each hover above, marked for translation (the rest is plotly's value).
VITALS_HOVER_WORD = {"HR": N_("HR"), "Systolic": N_("Systolic"), "Diastolic": N_("Diastolic"),
                     "Temp": N_("Temp")}  # fmt: skip


def _vitals_hover(hover: str) -> str:
    """A vitals hover format in this request's language ("HR %{y} /min" -> "FC %{y} /min")."""
    word, rest = hover.split(" ", 1)
    found = VITALS_HOVER_WORD.get(word)
    return f"{_(found)} {rest}" if found else hover


def _vitals_traces(fig: _Draft, points: Mapping[str, Any], *, dense: bool = False) -> None:
    for uid, key, panel, name, symbol, hover in VITALS_SERIES:
        fig.add_trace(
            _scatter(
                x=points["x"],
                y=points[key],
                mode="lines" if dense else "lines+markers",
                name=_(name),
                uid=uid,
                line={"color": "#334E68", "width": 1.5},
                marker={"symbol": symbol, "size": 7, "color": "#334E68"},
                hovertemplate=f"{_vitals_hover(hover)}<br>%{{x|%d %b %H:%M}}<extra></extra>",
            ),
            panel,
        )
    fig.add_trace(
        _scatter(
            x=points["x"],
            y=points["news2"],
            mode="lines+markers",
            name="NEWS2",
            uid="news2",
            line={"color": INK, "width": 1.5},
            marker={"size": 8, "color": points["news2_colour"], "line": {"color": INK, "width": 1}},
            hovertemplate="NEWS2 %{y}<br>%{x|%d %b %H:%M}<extra></extra>",
        ),
        "news2",
    )
    fig.add_trace(
        _scatter(
            x=points["rass_x"],
            y=points["rass"],
            mode="lines+markers",
            name="RASS",
            uid="rass",
            line={"color": RASS_COLOUR, "width": 1.5, "dash": "dot"},
            marker={"symbol": "diamond", "size": 9, "color": RASS_COLOUR},
            hovertemplate="RASS %{y}<br>%{x|%d %b %H:%M}<extra></extra>",
        ),
        "rass",
    )


def _style(fig: _Draft) -> None:
    """The layout's styling, the same for every chart; what depends on the chart (the x
    window, the MAR's drugs, the score axes' tops) is left empty here and set by _layout."""
    fig.layout.update(
        height=FIGURE_HEIGHT,
        margin={"l": 84, "r": 150, "t": 34, "b": 40},
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


def _layout(fig: _Draft, data: ChartInput, *, highest_ciwa: int, highest_news2: int) -> None:
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
    fig.axis(fig.axes.y["mar"])["categoryarray"] = list(data.drugs)
    fig.axis(fig.axes.y["ciwa"])["range"] = [0, ciwa_top(highest_ciwa)]
    fig.axis(fig.axes.y["news2"])["range"] = [0, news2_top(highest_news2)]
    _sedation_band(fig, data.rass_threshold)


def _sedation_band(fig: _Draft, threshold: int) -> None:
    """The RASS lane's shading at and below the ward's threshold, named so it reads without
    colour (models.clinical.sedation; the threshold is ward policy)."""
    tone = LEVELS[3]
    axes = fig.axes
    fig.add_shape(
        type="rect",
        xref=f"{axes.x['rass']} domain",
        yref=axes.y["rass"],
        x0=0,
        x1=1,
        y0=RASS_RANGE[0],
        y1=threshold + 0.5,
        fillcolor=tone.background,
        opacity=BAND_OPACITY,
        line={"width": 0},
        layer="below",
        name="rass-band:sedated",
    )
    fig.add_annotation(
        xref=f"{axes.x['rass']} domain",
        yref=axes.y["rass"],
        x=1.005,
        y=(RASS_RANGE[0] + threshold) / 2,
        text=_("Sedated ≤{threshold}", threshold=threshold),
        showarrow=False,
        xanchor="left",
        font={"size": 11, "color": tone.text},
        name="rass-label:sedated",
    )


def _bands(fig: _Draft) -> None:
    """CIWA-B and NEWS2 severity shading in the theme's colours, each band named at the right
    edge so it reads without colour."""
    axes = fig.axes
    for low, high, band in ciwa_bands():
        tone = LEVELS[BAND_LEVEL[band]]
        y0 = low - 0.5 if low > 0 else 0
        fig.add_shape(
            type="rect",
            xref=f"{axes.x['ciwa']} domain",
            yref=axes.y["ciwa"],
            x0=0,
            x1=1,
            y0=y0,
            y1=high + 0.5,
            fillcolor=tone.background,
            opacity=BAND_OPACITY,
            line={"width": 0},
            layer="below",
            name=f"band:{band}",
        )
        fig.add_annotation(
            xref=f"{axes.x['ciwa']} domain",
            yref=axes.y["ciwa"],
            x=1.005,
            y=(y0 + high) / 2,
            text=f"{_(BAND_LABEL[band])} {low}–{high}"
            if high > low
            else f"{_(BAND_LABEL[band])} {low}",
            showarrow=False,
            xanchor="left",
            font={"size": 12, "color": tone.text if BAND_LEVEL[band] < 4 else LEVELS[3].text},
            name=f"band-label:{band}",
        )
    for low, high, level in news2_bands():
        tone = LEVELS[level]
        y0 = low - 0.5 if low > 0 else 0
        fig.add_shape(
            type="rect",
            xref=f"{axes.x['news2']} domain",
            yref=axes.y["news2"],
            x0=0,
            x1=1,
            y0=y0,
            y1=high + 0.5,
            fillcolor=tone.background,
            opacity=BAND_OPACITY,
            line={"width": 0},
            layer="below",
            name=f"news2-band:{level}",
        )
        if low <= 12:
            fig.add_annotation(
                xref=f"{axes.x['news2']} domain",
                yref=axes.y["news2"],
                x=1.005,
                y=min((y0 + high) / 2, low + 0.7),
                text=news2_band_label(low, high, level),
                showarrow=False,
                xanchor="left",
                font={"size": 11, "color": tone.text if level < 4 else LEVELS[3].text},
                name=f"news2-label:{level}",
            )


def _vline(fig: _Draft, x: str, *, colour: str, width: float, dash: str, name: str) -> None:
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=x,
        x1=x,
        y0=0,
        y1=1,
        line={"color": colour, "width": width, "dash": dash},
        layer="above",
        name=name,
    )


def _markers(fig: _Draft, data: ChartInput, local: Callable[[datetime], str]) -> None:
    """Taper steps, plan versions, now, and flags."""
    tz = ZoneInfo(data.timezone)
    today = data.now.astimezone(tz).date()
    for step in sorted(data.steps, key=lambda s: s.index):
        if step.kind == "baseline" and step.index == 0:
            continue
        x = _midnight(step.start)
        future = step.start > today
        _vline(
            fig,
            x,
            colour=STEP_COLOUR,
            width=1.2,
            dash="dash" if future else "dot",
            name=f"step:{step.index}",
        )
        doses = ", ".join(f"{d} {_mg(mg)} mg" for d, mg in step.daily_mg.items())
        step_text = _(
            "Step {n} ({kind}) from {day}: {doses} a day; diazepam-eq {de} mg",
            n=step.index,
            kind=_("{kind}, planned", kind=step.kind) if future else step.kind,
            day=_day(step.start, "%a %d %b"),
            doses=doses,
            de=_mg(step.diazepam_eq_mg),
        )
        fig.add_annotation(
            x=x,
            xref="x",
            yref=f"{fig.axes.y['dose']} domain",
            y=1.0,
            yanchor="top",
            xanchor="left",
            text=f"S{step.index}",
            showarrow=False,
            font={"size": 11, "color": "#52606D"},
            hovertext=step_text,
            name=f"step-label:{step.index}",
        )
    for version in sorted(data.versions, key=lambda v: v.version):
        x = local(version.at)
        _vline(fig, x, colour=PLAN_COLOUR, width=2, dash="solid", name=f"plan:{version.version}")
        fig.add_annotation(
            x=x,
            xref="x",
            yref="paper",
            y=1.0,
            yanchor="bottom",
            xanchor="center",
            # TRANSLATORS: a plan version on the chart, "v2 new plan".
            text=_("v{n} {tag}", n=version.version, tag=_version_tag(version.change)),
            showarrow=False,
            font={"size": 12, "color": "#FFFFFF"},
            bgcolor=PLAN_COLOUR,
            borderpad=2,
            hovertext=_(
                "Plan version {n} ({change}) by {who}, effective {day}: {reason}",
                n=version.version,
                change=version.change,
                who=figure_text(version.author),
                day=_day(version.effective_from, "%d %b"),
                reason=figure_text(version.reason),
            ),
            name=f"plan-label:{version.version}",
        )
    if data.discharged_at is None:
        _vline(fig, local(data.now), colour=NOW_COLOUR, width=1.5, dash="solid", name="now")
        fig.add_annotation(
            x=local(data.now),
            xref="x",
            yref=f"{fig.axes.y['dose']} domain",
            y=1.0,
            yanchor="top",
            xanchor="right",
            text=_("now"),
            showarrow=False,
            font={"size": 12, "color": NOW_COLOUR},
            name="now-label",
        )
    for flag, row in zip(data.flags, flag_rows(data.flags), strict=True):
        fig.add_annotation(**flag_annotation(flag, local, fig.axes.y["ciwa"], row=row))


def figure_text(text: str) -> str:
    """User text (a reason, a name, a message) made safe for a figure's hover or annotation:
    plotly.js renders a subset of HTML there (links, styles), so its markup characters are
    escaped and shown as typed."""
    return html.escape(text, quote=False)


FLAG_LABEL_MAX = 22
VERSION_TAGS = {"create": N_("new plan"), "back": N_("back a step"), "recipe": N_("new recipe")}


def _version_tag(change: str) -> str:
    tag = VERSION_TAGS.get(change)
    return _(tag) if tag is not None else change


# Flags closer together than this are drawn on separate rows so their labels do not overlap.
FLAG_ROW_GAP = timedelta(hours=20)
FLAG_ROWS = 3


def flag_rows(flags: Sequence[FlagMark]) -> list[int]:
    """A row (0 = top) for each flag: the first row whose last flag is far enough before it."""
    rows = [0] * len(flags)
    last: dict[int, datetime] = {}
    for i in sorted(range(len(flags)), key=lambda i: flags[i].at):
        at = flags[i].at
        free = [r for r in range(FLAG_ROWS) if r not in last or at - last[r] >= FLAG_ROW_GAP]
        rows[i] = free[0] if free else i % FLAG_ROWS
        last[rows[i]] = at
    return rows


def flag_annotation(
    flag: FlagMark, local: Callable[[datetime], str], ciwa_y: str, *, row: int = 0
) -> dict[str, Any]:
    tone = LEVELS[FLAG_LEVEL.get(flag.severity, 1)]
    label = flag.label or flag.rule.replace("_", " ")
    if len(label) > FLAG_LABEL_MAX:
        label = label[: FLAG_LABEL_MAX - 1] + "…"
    return {
        "x": local(flag.at),
        "xref": "x",
        "yref": f"{ciwa_y} domain",
        "y": 0.96 - 0.16 * row,
        "text": f"⚑ {figure_text(label)}",
        "showarrow": True,
        "arrowhead": 2,
        "ax": 0,
        "ay": -22,
        "arrowcolor": INK,
        "font": {"size": 12, "color": tone.text},
        "bgcolor": tone.background,
        "bordercolor": INK,
        "borderwidth": 1,
        "borderpad": 2,
        "opacity": 0.95 if flag.status != "resolved" else 0.55,
        "hovertext": f"{flag.severity} · {flag.status}: {figure_text(flag.message)}",
        "name": f"flag-{flag.rule}",
    }


def y_axes(fig: go.Figure | None = None) -> dict[str, str]:
    """Panel -> its y axis reference ('y4'), for patches and annotations (the same for every
    chart; ``fig`` is accepted for symmetry with trace_index)."""
    del fig
    return dict(_grid()[1].y)


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


# NEWS2 clinical response names by the theme's level (RCP 2017 chart 4 [S35]).
_NEWS2_RESPONSE = {
    0: N_("none"),
    1: News2Response.LOW.value,
    3: News2Response.MEDIUM.value,
    4: News2Response.HIGH.value,
}


def news2_band_label(low: int, high: int, level: int) -> str:
    name = _(_NEWS2_RESPONSE.get(level, LEVELS[level].label))
    if low == 0 and high == 0:
        return "0"
    return f"{name} {low}+" if high >= 20 else f"{name} {low}–{high}"


# --- appending without redrawing -----------------------------------------------------------


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
    local = _clock(update.timezone)
    ciwa_y = y_axes["ciwa"]
    patch = Patch()
    _patch_doses(patch, update, traces)
    if update.assessments and "ciwa" in traces:
        _patch_ciwa(patch, update, traces["ciwa"], ciwa_y, ciwa_top_now)
    if update.vitals:
        _patch_vitals(patch, update, traces, y_axes, news2_top_now)
    if update.loads is not None:
        points = _load_points(update.loads)
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
        points = _mar_points(sorted(events, key=attrgetter("at")), update.timezone)
        for attribute in ("x", "y", "hovertext"):
            patch["data"][index][attribute].extend(points[attribute])


def _patch_ciwa(
    patch: Patch, update: ChartAppend, index: int, ciwa_y: str, ciwa_top_now: float
) -> None:
    points = _ciwa_points(update.assessments, update.timezone)
    patch["data"][index]["x"].extend(points["x"])
    patch["data"][index]["y"].extend(points["y"])
    patch["data"][index]["text"].extend(points["text"])
    patch["data"][index]["marker"]["color"].extend(points["marker.color"])
    top = ciwa_top(max(a.total for a in update.assessments))
    if top > ciwa_top_now:
        patch["layout"][_layout_axis(ciwa_y)]["range"] = [0, top]


def _patch_vitals(
    patch: Patch,
    update: ChartAppend,
    traces: Mapping[str, int],
    y_axes: Mapping[str, str],
    news2_top_now: float,
) -> None:
    points = _vitals_points(update.vitals, update.timezone)
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
            patch["layout"][_layout_axis(y_axes["news2"])]["range"] = [0, top]
    if "rass" in traces and points["rass"]:
        patch["data"][traces["rass"]]["x"].extend(points["rass_x"])
        patch["data"][traces["rass"]]["y"].extend(points["rass"])


def _layout_axis(ref: str) -> str:
    """'y3' -> 'yaxis3' (the layout key of an axis reference)."""
    return ref[0] + "axis" + ref[1:]
