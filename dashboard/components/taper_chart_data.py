"""The patient chart's plain data in, and its shaping into the columns the traces are made of.

What a query hands the chart (:class:`ChartInput`, or :class:`ChartAppend` for the readings charted
since the figure was drawn) and, from it, each series' x (ward wall-clock epoch milliseconds), y,
colour and hover columns, shared by the figure (taper_chart) and the Patch (taper_chart_patch).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice, repeat
from operator import itemgetter, le
from typing import Any, NamedTuple, TypeVar, overload

from dashboard.clinical_words import drug_name
from dashboard.components.taper_chart_time import wall_ms
from dashboard.i18n import _
from dashboard.theme import BAND_LABEL, BAND_LEVEL, LEVELS, news2_level
from models.clinical.load import DailyLoad
from models.clinical.sedation import DEFAULT_RASS_THRESHOLD


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


def load_points(loads: Sequence[DailyLoad]) -> dict[str, list[Any]]:
    """Each day's bar at its middle (ward wall-clock time, as plotly reads the x axis)."""
    return {
        "x": [f"{d.day.isoformat()} 12:00" for d in loads],
        "load-scheduled": [round(d.scheduled_de_mg, 3) for d in loads],
        "load-prn": [round(d.prn_de_mg, 3) for d in loads],
        "prn-doses": [d.prn_doses for d in loads],
    }


def mar_points(events: Sequence[DoseEvent], timezone: str) -> dict[str, Any]:
    return {
        "x": wall_ms(timezone, [e.at for e in events]),
        "y": [drug_name(e.drug) for e in events],
        "hovertext": [e.detail for e in events],
    }


def ciwa_points(points: Sequence[AssessmentPoint], timezone: str) -> dict[str, list[Any]]:
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
        "x": wall_ms(timezone, instants, ordered=True),
        "y": totals,
        "marker.color": colours,
        "text": names,
    }


def _news2_colours() -> dict[int, tuple[str, str]]:
    """NEWS2 total (0-20) -> the colour of its response level (theme.news2_level) without and
    with a single parameter scoring 3."""
    return {
        total: (LEVELS[news2_level(total, False)].text, LEVELS[news2_level(total, True)].text)
        for total in range(21)
    }


def vitals_points(points: Sequence[VitalsPoint], timezone: str) -> dict[str, Any]:
    """Each series of the vitals panels, in time order, a column at a time; ``news2_max`` is
    the highest NEWS2 total (0 without readings)."""
    columns = _columns(points, len(VitalsPoint._fields))
    instants, heart_rate, systolic, diastolic, temperature, news2, any_three, rass = columns
    table = _news2_colours()
    try:
        colours = [table[t][a] for t, a in zip(news2, any_three, strict=True)]
    except (KeyError, IndexError, TypeError):  # a total beyond the table, a flag not a bool
        colours = [LEVELS[news2_level(t, a)].text for t, a in zip(news2, any_three, strict=True)]
    x = wall_ms(timezone, instants, ordered=True)
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
