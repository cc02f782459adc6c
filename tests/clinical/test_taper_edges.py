"""Edges of the taper engine a wrong number or operator would move, on hand-computed plans.

Plan A: clonazepam 2 mg, recipe (a) "-0.5mg/14d until 1mg; -0.25mg/7d", start 2026-01-05:
  01-04 2000 baseline | 01-05 1500 | 01-19 1000 | 02-02 750 | 02-09 500 | 02-16 250 | 02-23 0
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from typing import Any

import pytest

from models.clinical.recipes import PRESETS
from models.clinical.taper import (
    PACE_WINDOW_DAYS,
    PlannedDose,
    PlannedStep,
    build_schedule,
    change_recipe,
    go_back,
    hold,
    increase_warnings,
    make_step,
    pace_warnings,
    plan_parameters,
    resume,
    stop,
)
from models.errors import FieldError

START = date(2026, 1, 5)
PLAN_A: dict[str, Any] = {"drug": "clonazepam", "recipe": PRESETS["a"].recipe}


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def plan_a() -> tuple[PlannedStep, ...]:
    return build_schedule(plan_parameters(**PLAN_A), daily_ug=2000, start=START).steps


def rows(steps: tuple[PlannedStep, ...]) -> list[tuple[date, int, str]]:
    return [(s.start, s.daily_ug.get("clonazepam", 0), s.kind) for s in steps]


# --- the pace window ----------------------------------------------------------------------------


def _diazepam(*days_mg: tuple[int, int]) -> list[PlannedStep]:
    return [
        make_step(index=i, start=d(3, 1 + day), daily_ug={"diazepam": mg * 1000}, kind="cut")
        for i, (day, mg) in enumerate(days_mg)
    ]


def test_the_pace_window_is_exactly_14_days() -> None:
    assert PACE_WINDOW_DAYS == 14
    # 70 on day 14: against day 0's 100 (below 75 %), not day 1's 90 (a 13-day window).
    warned = pace_warnings(_diazepam((0, 100), (1, 90), (14, 70)))
    assert [w.step_index for w in warned] == [2]
    assert "30% below the 100 mg in force on 2026-03-01" in warned[0].message
    # 62 on day 15: against day 1's 80 (above 75 %), not day 0's 100 (a 15-day window).
    assert pace_warnings(_diazepam((0, 100), (1, 80), (15, 62))) == ()


# --- rebuilding one step ------------------------------------------------------------------------


def test_a_single_drug_step_is_rebuilt_with_its_doses() -> None:
    step = make_step(index=3, start=d(3, 1), daily_ug={"diazepam": 15_000}, kind="cut")
    assert step == PlannedStep(
        index=3,
        start=d(3, 1),
        daily_ug={"diazepam": 15_000},
        diazepam_eq_mg=15.0,
        doses=(
            PlannedDose(time(8, 0), "diazepam", 7000),
            PlannedDose(time(20, 0), "diazepam", 8000),  # the odd unit in the evening
        ),
        kind="cut",
    )


def test_a_final_step_keeps_its_drug_at_0() -> None:
    step = make_step(index=5, start=d(3, 1), daily_ug={"diazepam": 0}, kind="final")
    assert (step.daily_ug, step.doses, step.diazepam_eq_mg) == ({"diazepam": 0}, (), 0.0)


def test_a_crossover_step_rebuilt_from_storage_keeps_both_drugs() -> None:
    step = make_step(
        index=1,
        start=d(3, 1),
        daily_ug={"alprazolam": 1000, "diazepam": 10_000},
        kind="crossover",
        times=[time(9, 0)],
    )
    assert step.daily_ug == {"alprazolam": 1000, "diazepam": 10_000}
    assert step.diazepam_eq_mg == 30.0  # 1 mg alprazolam ~ 20 mg diazepam (Ashton) + 10
    assert step.doses == (
        PlannedDose(time(9, 0), "alprazolam", 1000),
        PlannedDose(time(9, 0), "diazepam", 10_000),
    )


@pytest.mark.parametrize("daily", [{}, {"alprazolam": 500, "diazepam": 5000, "lorazepam": 1000}])
def test_a_step_has_one_or_two_drugs(daily: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"^a step has one or two drugs, not \{"):
        make_step(index=0, start=d(3, 1), daily_ug=daily, kind="cut")


# --- hold and resume after a later cut ----------------------------------------------------------


def test_resuming_in_a_phase_with_an_until_keeps_that_phases_pace() -> None:
    held = hold(
        plan_a(),
        on=d(1, 8),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )
    resumed = resume(
        held,
        on=d(1, 10),
        plan=plan_parameters(**PLAN_A),
    )
    # 1.5 mg began 01-05 in the fortnightly phase: the next cut is 01-19, not a week on.
    assert rows(resumed) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 8), 1500, "hold"),
        (d(1, 19), 1000, "cut"),
        (d(2, 2), 750, "cut"),  # the dose reaching 'until' keeps its phase's fortnight
        (d(2, 9), 500, "cut"),
        (d(2, 16), 250, "cut"),
        (d(2, 23), 0, "final"),
    ]


def test_holding_two_days_after_a_later_cut_then_resuming_waits_a_full_interval() -> None:
    held = hold(
        plan_a(),
        on=d(2, 4),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )
    resumed = resume(
        held,
        on=d(2, 5),
        plan=plan_parameters(**PLAN_A),
    )
    # 0.75 mg began 02-02 (weekly phase): the next cut is 02-09, not 3 days after the resume.
    assert rows(resumed)[4:] == [
        (d(2, 4), 750, "hold"),
        (d(2, 9), 500, "cut"),
        (d(2, 16), 250, "cut"),
        (d(2, 23), 0, "final"),
    ]


def test_a_plan_not_on_an_open_ended_hold_cannot_be_resumed() -> None:
    message = r"the plan is not on an open-ended hold on 2026-03-01; nothing to resume$"
    with pytest.raises(FieldError, match=message):
        resume(
            plan_a(),
            on=d(3, 1),
            plan=plan_parameters(**PLAN_A),
        )  # finished
    held_a_week = hold(
        plan_a(),
        on=d(1, 22),
        days=7,
        plan=plan_parameters(**PLAN_A),
    )
    with pytest.raises(FieldError, match=r"not on an open-ended hold on 2026-01-23"):
        resume(
            held_a_week,
            on=d(1, 23),
            plan=plan_parameters(**PLAN_A),
        )  # a hold, but not the last step


def test_a_hold_lasts_at_least_one_day() -> None:
    held = hold(
        plan_a(),
        on=d(1, 22),
        days=1,
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(held)[3:5] == [(d(1, 22), 1000, "hold"), (d(2, 3), 750, "cut")]
    with pytest.raises(FieldError) as exc:
        hold(
            plan_a(),
            on=d(1, 22),
            days=0,
            plan=plan_parameters(**PLAN_A),
        )
    assert (exc.value.field, exc.value.message) == (
        "days",
        "hold for at least 1 day, or leave it empty to hold until resumed",
    )


# --- stop ---------------------------------------------------------------------------------------


def test_stopping_on_the_day_of_a_cut_replaces_that_cut() -> None:
    stopped = stop(
        plan_a(),
        on=d(1, 19),
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(stopped) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 19), 0, "final"),
    ]
    assert [s.index for s in stopped] == [0, 1, 2]


def test_a_finished_taper_cannot_be_stopped_again() -> None:
    with pytest.raises(FieldError) as exc:
        stop(
            plan_a(),
            on=d(3, 1),
            plan=plan_parameters(**PLAN_A),
        )
    assert (exc.value.field, exc.value.message) == (
        "on",
        "the taper ended on 2026-02-23; there is nothing to stop",
    )


def test_stopping_a_crossover_stops_both_drugs() -> None:
    plan: dict[str, Any] = {"drug": "alprazolam", "recipe": "-10%/7d", "to_drug": "diazepam"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=START).steps
    on = steps[2].start
    stopped = stop(
        steps,
        on=on,
        plan=plan_parameters(**plan),
    )
    assert stopped[-1].start == on and stopped[-1].kind == "final"
    assert sum(stopped[-1].daily_ug.values()) == 0
    assert set(stopped[-2].daily_ug) == {"alprazolam", "diazepam"}


def test_holding_for_days_on_the_day_of_a_cut_moves_that_cut_too() -> None:
    held = hold(
        plan_a(),
        on=d(1, 19),
        days=7,
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(held) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 19), 1000, "hold"),
        (d(2, 9), 750, "cut"),
        (d(2, 16), 500, "cut"),
        (d(2, 23), 250, "cut"),
        (d(3, 2), 0, "final"),
    ]


def test_resuming_on_the_day_the_hold_began_once_the_interval_has_passed_cuts_that_day() -> None:
    week = hold(
        plan_a(),
        on=d(2, 5),
        days=7,
        plan=plan_parameters(**PLAN_A),
    )  # 0.75 mg from 02-02, next cut 02-16
    held = hold(
        week,
        on=d(2, 9),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )
    resumed = resume(
        held,
        on=d(2, 9),
        plan=plan_parameters(**PLAN_A),
    )  # 0.75 mg began 02-02: a week has passed
    assert rows(resumed)[3:] == [
        (d(2, 2), 750, "cut"),
        (d(2, 5), 750, "hold"),
        (d(2, 9), 500, "cut"),
        (d(2, 16), 250, "cut"),
        (d(2, 23), 0, "final"),
    ]


def test_every_plan_change_splits_doses_in_the_plans_own_units() -> None:
    plan: dict[str, Any] = {**PLAN_A, "units_ug": {"clonazepam": 250}}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=START).steps
    changed = [
        hold(
            steps,
            on=d(2, 4),
            days=None,
            plan=plan_parameters(**plan),
        ),
        hold(
            steps,
            on=d(2, 4),
            days=3,
            plan=plan_parameters(**plan),
        ),
        resume(
            hold(
                steps,
                on=d(2, 4),
                days=None,
                plan=plan_parameters(**plan),
            ),
            on=d(2, 5),
            plan=plan_parameters(**plan),
        ),
        go_back(
            steps,
            on=d(2, 4),
            plan=plan_parameters(**plan),
        ),
        change_recipe(
            steps,
            on=d(2, 4),
            plan=plan_parameters(**{**plan, "recipe": "-0.25mg/7d"}),
        ),
    ]
    for new in changed:
        doses = [dose.ug for step in new for dose in step.doses]
        assert doses and all(ug % 250 == 0 for ug in doses), new
    # 0.75 mg a day in 0.25 mg tablets: 0.25 in the morning, 0.5 in the evening.
    held = changed[0][-1]
    assert [dose.ug for dose in held.doses] == [250, 500]


def _increase_messages(first_kind: str, *mg: int) -> list[str]:
    steps = [
        make_step(index=i, start=d(3, 1 + 7 * i), daily_ug={"diazepam": m * 1000}, kind="cut")
        for i, m in enumerate(mg)
    ]
    steps[0] = replace(steps[0], kind=first_kind)
    return [w.message for w in increase_warnings(steps, margin_pct=10)]


def test_an_increase_names_what_it_rose_above() -> None:
    assert _increase_messages("baseline", 10, 12) == [
        "2026-03-08: 12 mg diazepam-equivalent is 20% above the 10 mg of the plan's starting "
        "dose; the ward's margin is 10% (local policy)"
    ]
    assert _increase_messages("baseline", 10, 10, 12)[0].endswith(
        "20% above the 10 mg of the step before; the ward's margin is 10% (local policy)"
    )
    assert "above the 10 mg of the dose in force;" in _increase_messages("in_force", 10, 12)[0]
    assert _increase_messages("baseline", 10, 11) == []  # at the margin: not warned


# --- change recipe ------------------------------------------------------------------------------

SLOW_THEN_FAST = "-0.25mg/7d until 1mg; -0.5mg/14d"


def test_a_changed_recipe_starts_from_its_first_phase_and_that_phases_interval() -> None:
    changed = change_recipe(
        plan_a(),
        on=d(1, 8),
        plan=plan_parameters(drug="clonazepam", recipe=SLOW_THEN_FAST),
    )
    assert rows(changed) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 8), 1500, "baseline"),
        (d(1, 15), 1250, "cut"),
        (d(1, 22), 1000, "cut"),
        (d(1, 29), 500, "cut"),
        (d(2, 12), 0, "final"),
    ]


def test_a_recipe_changed_on_the_day_of_a_cut_replaces_that_cut() -> None:
    changed = change_recipe(
        plan_a(),
        on=d(1, 19),
        plan=plan_parameters(drug="clonazepam", recipe=SLOW_THEN_FAST),
    )
    # 1 mg already reached 'until 1mg': the first phase is skipped.
    assert rows(changed) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 19), 1000, "baseline"),
        (d(2, 2), 500, "cut"),
        (d(2, 16), 0, "final"),
    ]


def test_a_change_before_the_plan_began_or_without_steps_is_refused() -> None:
    with pytest.raises(FieldError) as exc:
        hold(
            plan_a(),
            on=d(1, 1),
            days=None,
            plan=plan_parameters(**PLAN_A),
        )
    assert (exc.value.field, exc.value.message) == (
        "on",
        "2026-01-01 is before the plan's first step (2026-01-04)",
    )
    with pytest.raises(ValueError, match=r"^a plan change needs the plan's current steps$"):
        stop(
            (),
            on=d(1, 1),
            plan=plan_parameters(**PLAN_A),
        )


def test_going_back_keeps_the_earlier_dose_as_long_as_it_lasted_before() -> None:
    back = go_back(
        plan_a(),
        on=d(2, 5),
        plan=plan_parameters(**PLAN_A),
    )
    # 1 mg lasted 01-19 to 02-02 (14 days, its 'until' step), though the phase now cuts weekly.
    assert rows(back)[3:] == [
        (d(2, 2), 750, "cut"),
        (d(2, 5), 1000, "back"),
        (d(2, 19), 750, "cut"),
        (d(2, 26), 500, "cut"),
        (d(3, 5), 250, "cut"),
        (d(3, 12), 0, "final"),
    ]
