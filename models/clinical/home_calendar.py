"""The patient's taper calendar: week by week from the first day at home to the day the last
tablet stops, one row per dose time, each cell the tablets to take in plain words and a box to
tick. The days a dose changes are marked. Pure: steps and tablet choices in, weeks out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from models.clinical.tablets import TabletChoice
from models.clinical.taper import PlannedStep, step_on

DAYS_PER_WEEK = 7
MAX_CALENDAR_WEEKS = 104  # a printed handout of two years at most (local policy, a page limit)


@dataclass(frozen=True)
class CalendarCell:
    words: str  # "1½ tablets of 0.5 mg"; "" when nothing is taken at that time
    unmakeable: bool = False  # the ward's tablets cannot make this dose: ask the pharmacy
    dose_ug: int = 0  # the dose the words say (a page words it in the reader's language)

    @property
    def take(self) -> bool:
        return bool(self.words)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    change: bool  # the dose changes on this day
    stopped: bool  # no more tablets from this day


@dataclass(frozen=True)
class CalendarRow:
    time: time
    drug: str
    cells: tuple[CalendarCell | None, ...]  # None: a day outside the calendar


@dataclass(frozen=True)
class CalendarWeek:
    days: tuple[CalendarDay | None, ...]  # 7; None before the first or after the last day
    rows: tuple[CalendarRow, ...]


def calendar_end(steps: Sequence[PlannedStep], first: date) -> date:
    """The day the last step starts (its dose is 0), or ``first`` if it has begun already."""
    last = steps[-1].start if steps else first
    return max(first, min(last, first + timedelta(weeks=MAX_CALENDAR_WEEKS) - timedelta(days=1)))


def taper_calendar(
    steps: Sequence[PlannedStep], choices: Mapping[str, TabletChoice], first: date
) -> tuple[CalendarWeek, ...]:
    """Weeks from ``first`` (its own weekday starts each week) to the calendar's end: the
    plan's steps as made, so that a dose that changed before ``first`` is not marked new."""
    end = calendar_end(steps, first)
    current = step_on(steps, first)
    slots = sorted(
        {
            (d.time, d.drug)
            for s in steps
            if s.start <= end and (s.start > first or s is current)
            for d in s.doses
            if d.ug > 0
        }
    )
    weeks: list[CalendarWeek] = []
    start = first
    while start <= end:
        week_days = [start + timedelta(days=i) for i in range(DAYS_PER_WEEK)]
        days = tuple(_day(steps, day) if day <= end else None for day in week_days)
        rows = tuple(
            CalendarRow(
                at,
                drug,
                tuple(
                    _cell(steps, choices, day, at, drug) if day <= end else None
                    for day in week_days
                ),
            )
            for at, drug in slots
        )
        weeks.append(CalendarWeek(days, rows))
        start += timedelta(days=DAYS_PER_WEEK)
    return tuple(weeks)


def _day(steps: Sequence[PlannedStep], day: date) -> CalendarDay:
    step = step_on(steps, day)
    before = step_on(steps, day - timedelta(days=1))
    change = (
        step is not None
        and step.start == day
        and (before is None or before.daily_ug != step.daily_ug)
    )
    stopped = step is not None and not any(d.ug > 0 for d in step.doses)
    return CalendarDay(day, change, stopped)


def _cell(
    steps: Sequence[PlannedStep],
    choices: Mapping[str, TabletChoice],
    day: date,
    at: time,
    drug: str,
) -> CalendarCell:
    step = step_on(steps, day)
    dose = next((d.ug for d in (step.doses if step else ()) if d.time == at and d.drug == drug), 0)
    if dose == 0:
        return CalendarCell("")
    choice = choices[drug]
    if dose in choice.unmakeable or dose not in choice.portions:
        return CalendarCell(choice.words(dose), unmakeable=True, dose_ug=dose)
    return CalendarCell(choice.words(dose), dose_ug=dose)
