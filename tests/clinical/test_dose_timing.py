from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.clinical.dose_timing import (
    DEFAULT_WINDOW_MIN,
    TIME_CRITICAL_ABOVE_PER_DAY,
    TIME_CRITICAL_WINDOW_MIN,
    AdministrationFact,
    DoseStatus,
    DoseWindows,
    dose_status,
    dose_window_min,
    missed_after,
    scheduled_datetimes,
    window_opens,
)

DUE = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
S = timedelta(seconds=1)


def status(now: datetime, given: AdministrationFact | None = None, window: int = 60) -> DoseStatus:
    return dose_status(scheduled_at=DUE, now=now, window_min=window, administration=given)


def test_windows() -> None:
    assert DEFAULT_WINDOW_MIN == 60
    assert TIME_CRITICAL_WINDOW_MIN == 30


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (timedelta(hours=-1) - S, DoseStatus.NOT_YET_DUE),
        (timedelta(hours=-1), DoseStatus.DUE),
        (timedelta(0), DoseStatus.DUE),
        (S, DoseStatus.LATE),
        (timedelta(hours=1), DoseStatus.LATE),
        (timedelta(hours=1) + S, DoseStatus.MISSED),
        (timedelta(days=2), DoseStatus.MISSED),
    ],
)
def test_status_without_administration(offset: timedelta, expected: DoseStatus) -> None:
    assert status(DUE + offset) is expected


def test_time_critical_window_edges() -> None:
    half = timedelta(minutes=30)
    assert status(DUE - half - S, window=30) is DoseStatus.NOT_YET_DUE
    assert status(DUE - half, window=30) is DoseStatus.DUE
    assert status(DUE + half, window=30) is DoseStatus.LATE
    assert status(DUE + half + S, window=30) is DoseStatus.MISSED


@pytest.mark.parametrize(
    ("given_at", "expected"),
    [
        (DUE - timedelta(hours=3), DoseStatus.GIVEN),  # early doses are not told apart
        (DUE, DoseStatus.GIVEN),
        (DUE + timedelta(hours=1), DoseStatus.GIVEN),
        (DUE + timedelta(hours=1) + S, DoseStatus.GIVEN_LATE),
    ],
)
def test_given_on_time_or_late(given_at: datetime, expected: DoseStatus) -> None:
    fact = AdministrationFact("given", given_at)
    assert status(DUE + timedelta(hours=5), fact) is expected


@pytest.mark.parametrize("charted", ["held", "refused", "not_given"])
def test_charted_decisions_win_over_the_clock(charted: str) -> None:
    fact = AdministrationFact(charted, DUE + timedelta(hours=4))
    assert status(DUE + timedelta(hours=6), fact) == charted
    assert status(DUE - timedelta(hours=2), fact) == charted


def test_naive_times_and_unknown_statuses_fail_loudly() -> None:
    with pytest.raises(ValueError):
        dose_status(
            scheduled_at=DUE.replace(tzinfo=None), now=DUE, window_min=60, administration=None
        )
    with pytest.raises(ValueError):
        AdministrationFact("lost", DUE)
    with pytest.raises(ValueError):
        status(DUE, window=-1)


def local(instants: list[datetime]) -> list[str]:
    return [i.astimezone(LONDON).strftime("%H:%M %Z") for i in instants]


def test_dose_times_stay_on_the_wall_clock_across_spring_forward() -> None:
    times = [time(8), time(20)]
    before = scheduled_datetimes(date(2026, 3, 28), times, LONDON)
    change = scheduled_datetimes(date(2026, 3, 29), times, LONDON)
    assert [i.hour for i in before] == [8, 20]  # GMT = UTC
    assert [i.hour for i in change] == [7, 19]  # BST = UTC+1
    assert local(change) == ["08:00 BST", "20:00 BST"]
    assert all(i.tzinfo is UTC for i in change)


def test_dose_times_stay_on_the_wall_clock_across_fall_back() -> None:
    times = [time(8), time(20)]
    before = scheduled_datetimes(date(2026, 10, 24), times, LONDON)
    change = scheduled_datetimes(date(2026, 10, 25), times, LONDON)
    assert [i.hour for i in before] == [7, 19]
    assert [i.hour for i in change] == [8, 20]
    assert local(change) == ["08:00 GMT", "20:00 GMT"]


def test_nonexistent_and_repeated_local_times_use_fold_0() -> None:
    gap = scheduled_datetimes(date(2026, 3, 29), [time(1, 30)], LONDON)
    assert gap == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]  # shown as 02:30 BST
    assert local(gap) == ["02:30 BST"]
    repeat = scheduled_datetimes(date(2026, 10, 25), [time(1, 30)], LONDON)
    assert repeat == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC)]  # the first 01:30 (BST)
    assert scheduled_datetimes(date(2026, 10, 25), [time(1, 30, fold=1)], LONDON) == repeat


def test_order_and_duplicates_are_kept_one_instant_per_dose() -> None:
    times = [time(20), time(8), time(8)]
    assert [i.hour for i in scheduled_datetimes(date(2026, 1, 5), times, LONDON)] == [20, 8, 8]


@pytest.mark.parametrize(
    ("per_day", "expected"),
    [(1, 120), (2, 60), (3, 60), (6, 60), (7, 30), (24, 30)],
)
def test_the_window_follows_how_often_the_dose_is_due(per_day: int, expected: int) -> None:
    assert dose_window_min(per_day, DoseWindows()) == expected


def test_the_wards_widths_and_time_critical_choice_are_used() -> None:
    ward = DoseWindows(time_critical_min=20, frequent_min=45, daily_min=90)
    assert [dose_window_min(n, ward) for n in (1, 2, 7)] == [90, 45, 20]
    every = DoseWindows(time_critical_min=20, all_time_critical=True)
    assert [dose_window_min(n, every) for n in (1, 2, 7)] == [20, 20, 20]


def test_the_ismp_defaults() -> None:
    defaults = DoseWindows()
    assert (defaults.time_critical_min, defaults.frequent_min, defaults.daily_min) == (30, 60, 120)
    assert TIME_CRITICAL_ABOVE_PER_DAY == 6


def test_window_edges_as_instants() -> None:
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    assert window_opens(at, 60) == at - timedelta(hours=1)
    assert missed_after(at, 60) == at + timedelta(hours=1)
