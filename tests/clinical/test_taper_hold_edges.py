"""Holding before the first cut, on a plan whose baseline began earlier than the day before
its start (``effective``): when resumed, the first cut waits one full interval from the day the
dose began in the plan, not from the day of the hold, and not at once."""

from __future__ import annotations

from datetime import date
from typing import Any

from models.clinical.recipes import PRESETS
from models.clinical.taper import build_schedule, hold, resume

PLAN_A: dict[str, Any] = {"drug": "clonazepam", "recipe": PRESETS["a"].recipe}


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def test_resuming_a_hold_of_the_baseline_dose_counts_from_when_that_dose_began() -> None:
    steps = build_schedule(daily_ug=2000, start=d(1, 10), effective=d(1, 5), **PLAN_A).steps
    assert [(s.start, s.kind) for s in steps[:2]] == [(d(1, 5), "baseline"), (d(1, 10), "cut")]
    held = hold(steps, on=d(1, 7), days=None, **PLAN_A)  # before the first cut
    assert [(s.start, s.daily_ug, s.kind) for s in held] == [
        (d(1, 5), {"clonazepam": 2000}, "baseline"),
        (d(1, 7), {"clonazepam": 2000}, "hold"),
    ]
    resumed = resume(held, on=d(1, 8), **PLAN_A)
    # 2 mg since 01-05, fortnightly phase: the first cut on 01-19 (not 01-21, 14 days after
    # the hold began, nor 01-08, the day of the resume).
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[:5]] == [
        (d(1, 5), 2000, "baseline"),
        (d(1, 7), 2000, "hold"),
        (d(1, 19), 1500, "cut"),
        (d(2, 2), 1000, "cut"),
        (d(2, 16), 750, "cut"),
    ]
