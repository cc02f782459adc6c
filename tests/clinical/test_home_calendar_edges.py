"""Edges of the patient's taper calendar: its two-year end, which dose times get a row, which
days are marked as a change, days before the plan, a single-day calendar and a dose the ward's
tablets cannot make."""

from __future__ import annotations

from datetime import date, time, timedelta

from models.clinical.home_calendar import (
    MAX_CALENDAR_WEEKS,
    CalendarCell,
    CalendarDay,
    calendar_end,
    taper_calendar,
)
from models.clinical.tablets import Tablet, TabletChoice, choose_tablets
from models.clinical.taper import PlannedStep, make_step

FIRST = date(2026, 3, 2)
TABLETS = (Tablet(500, True), Tablet(2000, True))


def _step(
    index: int, start: date, ug: int, kind: str, times: tuple[time, ...] = (time(8), time(20))
) -> PlannedStep:
    return make_step(index=index, start=start, daily_ug={"clonazepam": ug}, kind=kind, times=times)


def _choices(steps: list[PlannedStep]) -> dict[str, TabletChoice]:
    doses = [d.ug for s in steps for d in s.doses]
    return {"clonazepam": choose_tablets("clonazepam", doses, TABLETS)}


def _days(steps: list[PlannedStep], first: date) -> list[CalendarDay]:
    weeks = taper_calendar(steps, _choices(steps), first)
    return [d for w in weeks for d in w.days if d is not None]


def test_no_steps_is_a_calendar_of_its_first_day_only() -> None:
    assert calendar_end([], FIRST) == FIRST
    weeks = taper_calendar([], {}, FIRST)
    assert len(weeks) == 1
    assert weeks[0].days == (CalendarDay(FIRST, False, False),) + (None,) * 6
    assert weeks[0].rows == ()


def test_the_calendar_stops_after_two_years_of_weeks() -> None:
    assert MAX_CALENDAR_WEEKS == 104  # local policy: a printed handout of two years at most
    last_day = FIRST + timedelta(weeks=104) - timedelta(days=1)
    steps = [
        _step(0, FIRST - timedelta(days=10), 2000, "baseline"),
        # A cut on the calendar's last day, at a new time: still shown.
        _step(1, last_day, 1000, "cut", times=(time(22),)),
        _step(2, last_day + timedelta(days=1), 500, "cut", times=(time(6),)),
        _step(3, FIRST + timedelta(days=1000), 0, "final"),
    ]
    assert calendar_end(steps, FIRST) == last_day
    weeks = taper_calendar(steps, _choices(steps), FIRST)
    assert len(weeks) == MAX_CALENDAR_WEEKS
    assert weeks[-1].days[-1] == CalendarDay(last_day, True, False)
    assert [r.time for r in weeks[0].rows] == [time(8), time(20), time(22)]
    assert [c.words if c else None for c in weeks[-1].rows[2].cells] == [""] * 6 + [
        "½ tablet of 2 mg"
    ]
    # A plan ending on that very day is not cut short.
    assert calendar_end(steps[:2], FIRST) == last_day


def test_rows_are_the_times_of_the_dose_in_force_and_of_later_doses_only() -> None:
    steps = [
        _step(0, FIRST - timedelta(days=20), 2000, "baseline", times=(time(6), time(18))),
        _step(1, FIRST - timedelta(days=5), 1500, "cut", times=(time(8), time(14), time(20))),
        _step(2, FIRST + timedelta(days=7), 1000, "cut"),
        _step(3, FIRST + timedelta(days=14), 0, "final"),
    ]
    weeks = taper_calendar(steps, _choices(steps), FIRST)
    assert [r.time for r in weeks[0].rows] == [time(8), time(14), time(20)]
    midday = weeks[1].rows[1]
    assert [c.words if c else None for c in midday.cells] == [""] * 7
    days = [d for w in weeks for d in w.days if d is not None]
    assert [d.day for d in days if d.change] == [FIRST + timedelta(7), FIRST + timedelta(14)]
    assert [d.day for d in days if d.stopped] == [FIRST + timedelta(14)]


def test_a_step_at_the_same_dose_is_not_a_change_but_the_dose_after_it_is() -> None:
    # A one-day cut, then a hold at the cut dose, then back up to the dose before the cut.
    steps = [
        _step(0, FIRST, 2000, "baseline"),
        _step(1, FIRST + timedelta(1), 1500, "cut"),
        _step(2, FIRST + timedelta(2), 1500, "hold"),
        _step(3, FIRST + timedelta(3), 2000, "back"),
        _step(4, FIRST + timedelta(4), 0, "final"),
    ]
    changed = [(d.day - FIRST).days for d in _days(steps, FIRST) if d.change]
    assert changed == [0, 1, 3, 4]


def test_days_before_the_plan_starts_take_nothing_and_change_nothing() -> None:
    steps = [_step(0, FIRST, 2000, "baseline"), _step(1, FIRST + timedelta(3), 0, "final")]
    weeks = taper_calendar(steps, _choices(steps), FIRST - timedelta(2))
    assert weeks[0].days[:3] == (
        CalendarDay(FIRST - timedelta(2), False, False),
        CalendarDay(FIRST - timedelta(1), False, False),
        CalendarDay(FIRST, True, False),
    )
    morning = weeks[0].rows[0]
    assert morning.cells[:3] == (
        CalendarCell(""),
        CalendarCell(""),
        CalendarCell("½ tablet of 2 mg", dose_ug=1000),
    )


def test_a_calendar_from_the_day_the_last_tablet_stops_is_that_day_alone() -> None:
    steps = [_step(0, FIRST - timedelta(7), 500, "baseline"), _step(1, FIRST, 0, "final")]
    days = _days(steps, FIRST)
    assert days == [CalendarDay(FIRST, True, True)]


def test_the_smallest_dose_still_gets_a_row_and_is_not_a_stop() -> None:
    steps = [
        make_step(
            index=0,
            start=FIRST,
            daily_ug={"clonazepam": 2},
            kind="baseline",
            units_ug={"clonazepam": 1},
        )
    ]
    weeks = taper_calendar(steps, _choices(steps), FIRST)
    assert [r.time for r in weeks[0].rows] == [time(8), time(20)]
    assert weeks[0].days[0] == CalendarDay(FIRST, True, False)
    assert weeks[0].rows[0].cells[0] == CalendarCell(
        "0.001 mg: cannot be made from the ward's tablets", unmakeable=True, dose_ug=1
    )


def test_a_dose_the_tablets_cannot_make_says_so_in_its_cell() -> None:
    # 1.75 mg a day in eighths: 0.875 mg twice, not a multiple of half a 0.5 mg tablet.
    steps = [
        make_step(
            index=0,
            start=FIRST,
            daily_ug={"clonazepam": 1750},
            kind="baseline",
            units_ug={"clonazepam": 125},
        )
    ]
    weeks = taper_calendar(steps, _choices(steps), FIRST)
    cell = weeks[0].rows[0].cells[0]
    assert cell == CalendarCell(
        "0.875 mg: cannot be made from the ward's tablets", unmakeable=True, dose_ug=875
    )
    assert cell.take
