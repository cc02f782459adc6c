"""Edges of plan changes and stored steps that mutation testing showed untested.

Holding before the first cut, on a plan whose baseline began earlier than the day before
its start (``effective``): when resumed, the first cut waits one full interval from the day the
dose began in the plan, not from the day of the hold, and not at once."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from models.clinical.recipes import PRESETS
from models.clinical.taper import (
    PlannedDose,
    PlannedStep,
    build_schedule,
    go_back,
    hold,
    in_force_step,
    make_step,
    plan_parameters,
    resume,
)

PLAN_A: dict[str, Any] = {"drug": "clonazepam", "recipe": PRESETS["a"].recipe}


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def test_resuming_a_hold_of_the_baseline_dose_counts_from_when_that_dose_began() -> None:
    steps = build_schedule(
        plan_parameters(**PLAN_A), daily_ug=2000, start=d(1, 10), effective=d(1, 5)
    ).steps
    assert [(s.start, s.kind) for s in steps[:2]] == [(d(1, 5), "baseline"), (d(1, 10), "cut")]
    held = hold(
        steps,
        on=d(1, 7),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )  # before the first cut
    assert [(s.start, s.daily_ug, s.kind) for s in held] == [
        (d(1, 5), {"clonazepam": 2000}, "baseline"),
        (d(1, 7), {"clonazepam": 2000}, "hold"),
    ]
    resumed = resume(
        held,
        on=d(1, 8),
        plan=plan_parameters(**PLAN_A),
    )
    # 2 mg since 01-05, fortnightly phase: the first cut on 01-19 (not 01-21, 14 days after
    # the hold began, nor 01-08, the day of the resume).
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[:5]] == [
        (d(1, 5), 2000, "baseline"),
        (d(1, 7), 2000, "hold"),
        (d(1, 19), 1500, "cut"),
        (d(2, 2), 1000, "cut"),
        (d(2, 16), 750, "cut"),
    ]


# --- rebuilding one step from storage --------------------------------------------------------


def test_a_rebuilt_step_splits_its_dose_in_the_wards_own_unit() -> None:
    # 0.75 mg in 0.25 mg units is 3 units: the odd one in the evening (in the default 0.125 mg
    # units it would be 0.375 + 0.375, which a ward dispensing 0.25 mg cannot give).
    step = make_step(
        index=2,
        start=d(3, 1),
        daily_ug={"clonazepam": 750},
        kind="cut",
        units_ug={"clonazepam": 250},
    )
    assert step.doses == (
        PlannedDose(time(8, 0), "clonazepam", 250),
        PlannedDose(time(20, 0), "clonazepam", 500),
    )


def test_a_rebuilt_step_counts_every_drug_above_0_and_none_at_0() -> None:
    # Drugs stored at 0 are not among the step's one or two drugs...
    step = make_step(
        index=4,
        start=d(3, 1),
        daily_ug={"alprazolam": 0, "lorazepam": 0, "clonazepam": 1500},
        kind="cut",
    )
    assert step.daily_ug == {"clonazepam": 1500}
    # ...and a drug at a single microgram (a ward unit of 1 ug) is still given.
    step = make_step(
        index=1,
        start=d(3, 1),
        daily_ug={"diazepam": 5000, "clonazepam": 1},
        kind="crossover",
        times=[time(9, 0)],
        units_ug={"clonazepam": 1},
    )
    assert step.daily_ug == {"diazepam": 5000, "clonazepam": 1}
    assert step.doses == (
        PlannedDose(time(9, 0), "diazepam", 5000),
        PlannedDose(time(9, 0), "clonazepam", 1),
    )


def test_going_back_to_the_last_crossover_stage_keeps_it_as_long_as_that_stage_lasted() -> None:
    # Stages 5 days apart, then weekly cuts: the last stage (all clonazepam) lasted 5 days, so
    # going back to it keeps it 5 days, not the recipe's week.
    plan: dict[str, Any] = {
        "drug": "alprazolam",
        "to_drug": "clonazepam",
        "recipe": "-0.25mg/7d",
        "stage_interval_days": 5,
    }
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
    assert [(s.start, s.daily_ug, s.kind) for s in steps[4:6]] == [
        (d(1, 20), {"clonazepam": 2000}, "crossover"),
        (d(1, 25), {"clonazepam": 1750}, "cut"),
    ]
    back = go_back(
        steps,
        on=d(1, 26),
        plan=plan_parameters(**plan),
    )
    assert [(s.start, s.daily_ug, s.kind) for s in back[5:9]] == [
        (d(1, 25), {"clonazepam": 1750}, "cut"),
        (d(1, 26), {"clonazepam": 2000}, "back"),
        (d(1, 31), {"clonazepam": 1750}, "cut"),
        (d(2, 7), {"clonazepam": 1500}, "cut"),
    ]


def test_a_hold_for_days_after_an_open_ended_hold_finishes_a_crossover_in_its_stages() -> None:
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "clonazepam", "recipe": "-0.25mg/7d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
    held = hold(
        steps,
        on=d(1, 14),
        days=None,
        plan=plan_parameters(**plan),
    )
    again = hold(
        held,
        on=d(1, 21),
        days=7,
        plan=plan_parameters(**plan),
    )
    # Half the alprazolam remains: two of the four stages are left, the first 7 days later.
    assert [(s.start, s.daily_ug, s.kind) for s in again[3:7]] == [
        (d(1, 14), {"alprazolam": 1000, "clonazepam": 1000}, "hold"),
        (d(1, 21), {"alprazolam": 1000, "clonazepam": 1000}, "hold"),
        (d(1, 28), {"alprazolam": 500, "clonazepam": 1500}, "crossover"),
        (d(2, 4), {"clonazepam": 2000}, "crossover"),
    ]


@pytest.mark.parametrize(("table", "mg"), [("ashton", 25.0), ("vadod", 15.0)])
def test_the_dose_in_force_before_a_plan_is_a_step_of_its_own_kind(table: str, mg: float) -> None:
    # 1 mg alprazolam is 20 mg diazepam by Ashton, 10 mg by VA/DoD; plus 5 mg diazepam.
    daily = {"alprazolam": 1000, "diazepam": 5000}
    assert in_force_step(daily, before=d(1, 4), table=table) == PlannedStep(
        index=-1, start=d(1, 4), daily_ug=daily, diazepam_eq_mg=mg, doses=(), kind="in_force"
    )
