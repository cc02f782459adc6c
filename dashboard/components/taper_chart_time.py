"""The patient chart's time axis: UTC instants drawn in the ward's wall-clock time, and the
window a range button shows."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dashboard.components.taper_chart_style import RANGES


def wall_clock(timezone: str) -> Callable[[datetime], str]:
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


def wall_ms(timezone: str, instants: Sequence[datetime], *, ordered: bool = False) -> list[int]:
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


def midnight(day: date) -> str:
    return f"{day.isoformat()} 00:00"


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
    local = wall_clock(timezone)
    return [local(i) for i in shown_span(key, now, admitted_at, discharged_at)]


def shown_span(
    key: str, now: datetime, admitted_at: datetime, discharged_at: datetime | None
) -> tuple[datetime, datetime]:
    """:func:`x_range`'s window as instants."""
    _, back, ahead = RANGES.get(key, RANGES["7d"])
    end = discharged_at or now
    earliest = admitted_at - timedelta(hours=6)
    start = earliest if key == "stay" else max(end - back, earliest)
    return start, end + (ahead if discharged_at is None else timedelta(hours=6))
