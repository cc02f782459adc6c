"""Resuming and stopping where the recipe's position matters: a hold after a ``once`` cut, a
hold after the recipe was changed, a stopped crossover, a recipe changed mid-crossover."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.clinical.taper import (
    PlannedStep,
    build_schedule,
    change_recipe,
    go_back,
    hold,
    make_step,
    resume,
    stop,
)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def rows(steps: tuple[PlannedStep, ...]) -> list[tuple[date, dict[str, int], str]]:
    return [(s.start, s.daily_ug, s.kind) for s in steps]


def _hold_and_resume(
    steps: tuple[PlannedStep, ...], held_on: date, resumed_on: date, **plan: Any
) -> tuple[PlannedStep, ...]:
    held = hold(steps, on=held_on, days=None, **plan)
    return resume(held, on=resumed_on, **plan)


def test_a_hold_after_a_once_cut_never_makes_the_next_cut_come_sooner() -> None:
    # The 1 mg made by the once phase is planned for 28 days; a one-day hold, once resumed,
    # must not cut after the next phase's 7 days.
    plan: dict[str, Any] = {"drug": "clonazepam", "recipe": "-1mg/28d once; -0.25mg/7d"}
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **plan).steps
    assert rows(steps)[1:3] == [
        (d(1, 5), {"clonazepam": 1000}, "cut"),
        (d(2, 2), {"clonazepam": 750}, "cut"),
    ]
    resumed = _hold_and_resume(steps, d(1, 7), d(1, 8), **plan)
    assert rows(resumed)[1:5] == [
        (d(1, 5), {"clonazepam": 1000}, "cut"),
        (d(1, 7), {"clonazepam": 1000}, "hold"),
        (d(2, 2), {"clonazepam": 750}, "cut"),
        (d(2, 9), {"clonazepam": 500}, "cut"),
    ]


def test_a_hold_resumed_after_a_once_cut_goes_on_at_the_next_phases_pace() -> None:
    plan: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/7d once; -0.25mg/14d"}
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **plan).steps
    resumed = _hold_and_resume(steps, d(1, 8), d(1, 9), **plan)
    # 1.5 mg (the once cut) kept 7 days, then -0.25 mg every 14 days.
    assert [(s.start, s.daily_ug["clonazepam"]) for s in resumed[2:6]] == [
        (d(1, 8), 1500),
        (d(1, 12), 1250),
        (d(1, 26), 1000),
        (d(2, 9), 750),
    ]


def test_after_a_recipe_change_the_new_recipe_starts_from_its_first_phase() -> None:
    # Two cuts under the old recipe, then a new recipe beginning with a once phase: resuming a
    # hold before the new recipe's first cut makes that once cut (-0.5 mg a week after the
    # dose began), not the phase after it as if the old cuts had been the new recipe's.
    old: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.25mg/7d"}
    new: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/7d once; -0.25mg/14d"}
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **old).steps
    changed = change_recipe(steps, on=d(1, 14), **new)
    assert rows(changed)[2:5] == [
        (d(1, 12), {"clonazepam": 1500}, "cut"),
        (d(1, 14), {"clonazepam": 1500}, "baseline"),
        (d(1, 21), {"clonazepam": 1000}, "cut"),
    ]
    resumed = _hold_and_resume(changed, d(1, 16), d(1, 17), **new)
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[3:8]] == [
        (d(1, 14), 1500, "baseline"),
        (d(1, 16), 1500, "hold"),
        (d(1, 19), 1000, "cut"),
        (d(1, 26), 750, "cut"),
        (d(2, 9), 500, "cut"),
    ]


CROSSOVER: dict[str, Any] = {"drug": "alprazolam", "recipe": "-10%/7d", "to_drug": "diazepam"}


def test_a_stopped_crossover_ends_on_the_drug_it_was_crossing_to() -> None:
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **CROSSOVER).steps
    stopped = stop(steps, on=d(1, 12), **CROSSOVER)
    assert rows(stopped)[-1] == (d(1, 12), {"diazepam": 0}, "final")
    assert stopped[-1].doses == ()


def test_a_recipe_changed_mid_crossover_finishes_the_crossover_first() -> None:
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **CROSSOVER).steps
    changed = change_recipe(steps, on=d(1, 12), **{**CROSSOVER, "recipe": "-20%/14d"})
    assert rows(changed)[2:8] == [
        (d(1, 12), {"alprazolam": 1000, "diazepam": 20000}, "baseline"),
        (d(1, 19), {"alprazolam": 500, "diazepam": 30000}, "crossover"),
        (d(1, 26), {"diazepam": 40000}, "crossover"),
        (d(2, 2), {"diazepam": 32000}, "cut"),
        (d(2, 16), {"diazepam": 26000}, "cut"),
        (d(3, 2), {"diazepam": 21000}, "cut"),
    ]


ONCE_FIRST: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/7d once; -0.25mg/14d"}


def test_a_hold_before_the_first_cut_is_not_counted_as_the_once_cut() -> None:
    steps = build_schedule(daily_ug=2000, start=d(1, 10), effective=d(1, 5), **ONCE_FIRST).steps
    resumed = _hold_and_resume(steps, d(1, 7), d(1, 8), **ONCE_FIRST)
    # Still 2 mg: the first cut is the once phase's -0.5 mg, a week after 2 mg began (01-05).
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[:5]] == [
        (d(1, 5), 2000, "baseline"),
        (d(1, 7), 2000, "hold"),
        (d(1, 12), 1500, "cut"),
        (d(1, 19), 1250, "cut"),
        (d(2, 2), 1000, "cut"),
    ]


def test_after_going_back_the_recipe_goes_on_as_it_stood_at_that_dose() -> None:
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **ONCE_FIRST).steps
    back = go_back(steps, on=d(1, 14), **ONCE_FIRST)  # 1.25 mg since 01-12: back to 1.5 mg
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in back[2:5]] == [
        (d(1, 12), 1250, "cut"),
        (d(1, 14), 1500, "back"),
        (d(1, 21), 1250, "cut"),
    ]
    resumed = _hold_and_resume(back, d(1, 16), d(1, 17), **ONCE_FIRST)
    # 1.5 mg was reached after the once cut: the taper goes on by -0.25 mg a fortnight, never
    # repeating the -0.5 mg once cut, and no sooner than the back step was planned to last.
    after = [s for s in resumed if s.start > d(1, 16)]
    assert [s.daily_ug["clonazepam"] for s in after[:3]] == [1250, 1000, 750]
    assert after[0].start >= d(1, 21)
    assert [(b.start - a.start).days for a, b in zip(after, after[1:4], strict=False)] == [14] * 3


def test_plan_changes_refuse_steps_whose_first_step_lacks_the_drug() -> None:
    other = build_schedule(daily_ug=10_000, start=d(1, 5), drug="diazepam", recipe="-10%/7d")
    message = r"^the first step has no clonazepam: these steps are not from this plan$"
    with pytest.raises(ValueError, match=message):
        change_recipe(other.steps, on=d(1, 14), drug="clonazepam", recipe="-0.25mg/7d")
    at_zero = (
        make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 0}, kind="baseline"),
        make_step(index=1, start=d(1, 5), daily_ug={"clonazepam": 1000}, kind="back"),
    )
    with pytest.raises(ValueError, match=message):
        change_recipe(at_zero, on=d(1, 14), drug="clonazepam", recipe="-0.25mg/7d")
