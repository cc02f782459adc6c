"""Replaying where the recipe stands after plan changes, case by case: each test pins a choice
of ``hold``, ``resume`` and ``go_back`` that mutation testing found no other test pinned."""

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
    on_open_hold,
    plan_parameters,
    resume,
)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def rows(steps: tuple[PlannedStep, ...]) -> list[tuple[date, dict[str, int], str]]:
    return [(s.start, s.daily_ug, s.kind) for s in steps]


ONCE_FIRST: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/7d once; -0.25mg/14d"}


def _hold_and_resume(
    steps: tuple[PlannedStep, ...], held_on: date, resumed_on: date, **plan: Any
) -> tuple[PlannedStep, ...]:
    return resume(
        hold(
            steps,
            on=held_on,
            days=None,
            plan=plan_parameters(**plan),
        ),
        on=resumed_on,
        plan=plan_parameters(**plan),
    )


def test_a_step_back_made_twice_on_one_day_keeps_the_second_doses_planned_days() -> None:
    # From 1 mg, back twice on 01-27: the second step back (to 1.5 mg, which the once cut made
    # for 7 days) replaces the first (1.25 mg, planned for 14). Held and resumed, 1.5 mg still
    # ends on 02-03, not a fortnight after 01-27.
    steps = build_schedule(plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 5)).steps
    twice = go_back(
        go_back(
            steps,
            on=d(1, 27),
            plan=plan_parameters(**ONCE_FIRST),
        ),
        on=d(1, 27),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(twice)[3:6] == [
        (d(1, 26), {"clonazepam": 1000}, "cut"),
        (d(1, 27), {"clonazepam": 1500}, "back"),
        (d(2, 3), {"clonazepam": 1250}, "cut"),
    ]
    resumed = _hold_and_resume(twice, d(1, 28), d(1, 29), **ONCE_FIRST)
    assert rows(resumed)[4:8] == [
        (d(1, 27), {"clonazepam": 1500}, "back"),
        (d(1, 28), {"clonazepam": 1500}, "hold"),
        (d(2, 3), {"clonazepam": 1250}, "cut"),
        (d(2, 17), {"clonazepam": 1000}, "cut"),
    ]


CROSSOVER: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam", "recipe": "-10%/7d"}
CROSSOVER |= {"stages": 2, "stage_interval_days": 5}


def test_a_recipe_changed_after_the_crossover_first_cuts_one_of_its_own_intervals_later() -> None:
    # The crossover is over (diazepam only): the new recipe's first cut comes its 14 days after
    # the change, not the 5-day stage interval.
    steps = build_schedule(plan_parameters(**CROSSOVER), daily_ug=1000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 20),
        plan=plan_parameters(**{**CROSSOVER, "recipe": "-2mg/14d"}),
    )
    assert rows(changed)[3:6] == [
        (d(1, 15), {"diazepam": 18000}, "cut"),
        (d(1, 20), {"diazepam": 18000}, "baseline"),
        (d(2, 3), {"diazepam": 16000}, "cut"),
    ]


def test_a_recipe_changed_before_a_one_microgram_crossover_waits_the_stage_interval() -> None:
    # Units of 1 ug: 1 ug of alprazolam left is still a crossover to finish, whose stage comes a
    # stage interval (3 days) after the change, not the recipe's 14 days.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam", "recipe": "-10%/14d"}
    plan |= {"stages": 1, "stage_interval_days": 3, "units_ug": {"alprazolam": 1, "diazepam": 1}}
    steps = build_schedule(
        plan_parameters(**plan), daily_ug=1, start=d(1, 5), effective=d(1, 1)
    ).steps
    changed = change_recipe(
        steps,
        on=d(1, 2),
        plan=plan_parameters(**plan),
    )
    assert rows(changed)[1:4] == [
        (d(1, 2), {"alprazolam": 1}, "baseline"),
        (d(1, 5), {"diazepam": 20}, "crossover"),
        (d(1, 8), {"diazepam": 18}, "cut"),
    ]


def test_going_back_to_a_dose_a_hold_kept_keeps_it_the_next_phases_interval() -> None:
    # 1 mg was first reached after a 3-day hold of 1.25 mg: going back from it restores 1.25 mg
    # for the interval of the phase that cuts it next (14 days, the once cut being made).
    steps = build_schedule(plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 5)).steps
    held = hold(
        steps,
        on=d(1, 13),
        days=3,
        plan=plan_parameters(**ONCE_FIRST),
    )
    back = go_back(
        held,
        on=d(1, 30),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(back)[3:7] == [
        (d(1, 13), {"clonazepam": 1250}, "hold"),
        (d(1, 29), {"clonazepam": 1000}, "cut"),
        (d(1, 30), {"clonazepam": 1250}, "back"),
        (d(2, 13), {"clonazepam": 1000}, "cut"),
    ]


def test_a_hold_resumed_on_steps_stored_without_a_baseline_keeps_the_once_cuts_interval() -> None:
    # Edited storage: the first step is a step back, not a baseline. The 1.5 mg made by the
    # once cut on 01-05 lasts that phase's 7 days (next cut 01-12), not the next phase's 14.
    stored = (
        make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 2000}, kind="back"),
        make_step(index=1, start=d(1, 5), daily_ug={"clonazepam": 1500}, kind="cut"),
        make_step(index=2, start=d(1, 6), daily_ug={"clonazepam": 1500}, kind="hold"),
    )
    resumed = resume(
        stored,
        on=d(1, 7),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(resumed)[2:5] == [
        (d(1, 6), {"clonazepam": 1500}, "hold"),
        (d(1, 12), {"clonazepam": 1250}, "cut"),
        (d(1, 26), {"clonazepam": 1000}, "cut"),
    ]


def test_a_held_dose_still_crossing_over_lasts_a_stage_interval_whatever_made_it() -> None:
    # Edited storage, 1 ug units: a step stored as a "cut" that still holds 1 ug of alprazolam
    # is a crossover dose: held and resumed, the next stage comes a stage interval (3 days)
    # after it began (01-09), not the recipe's 14 days.
    units = {"alprazolam": 1, "diazepam": 1}
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam", "recipe": "-10%/14d"}
    plan |= {"stages": 2, "stage_interval_days": 3, "units_ug": units}

    def stored(day: int, daily_ug: dict[str, int], kind: str) -> PlannedStep:
        return make_step(index=0, start=d(1, day), daily_ug=daily_ug, kind=kind, units_ug=units)

    steps = (
        stored(4, {"alprazolam": 2}, "baseline"),
        stored(5, {"alprazolam": 1, "diazepam": 20}, "crossover"),
        stored(6, {"alprazolam": 1, "diazepam": 10}, "cut"),
        stored(7, {"alprazolam": 1, "diazepam": 10}, "hold"),
    )
    resumed = resume(
        steps,
        on=d(1, 8),
        plan=plan_parameters(**plan),
    )
    assert [(s.start, s.kind) for s in resumed[3:6]] == [
        (d(1, 7), "hold"),
        (d(1, 9), "crossover"),
        (d(1, 12), "cut"),
    ]


def test_a_once_cut_after_a_crossover_held_and_resumed_keeps_its_own_interval() -> None:
    # Crossover done (diazepam only), the once cut to 18 mg is planned for 7 days (next cut
    # 01-22), not the next phase's 14: the held dose has no alprazolam left to cross over.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam"}
    plan |= {"recipe": "-2mg/7d once; -1mg/14d", "stages": 2, "stage_interval_days": 5}
    steps = build_schedule(plan_parameters(**plan), daily_ug=1000, start=d(1, 5)).steps
    assert rows(steps)[3:5] == [
        (d(1, 15), {"diazepam": 18000}, "cut"),
        (d(1, 22), {"diazepam": 17000}, "cut"),
    ]
    resumed = _hold_and_resume(steps, d(1, 16), d(1, 17), **plan)
    assert rows(resumed)[4:7] == [
        (d(1, 16), {"diazepam": 18000}, "hold"),
        (d(1, 22), {"diazepam": 17000}, "cut"),
        (d(2, 5), {"diazepam": 16000}, "cut"),
    ]


def test_a_hold_after_the_once_cut_phase_keeps_the_next_phases_interval() -> None:
    # 1.25 mg was made on 01-12 by the second phase (-0.25 mg every 14 days): a one-day hold,
    # once resumed, cuts on 01-26, not a week after 01-12 as the once phase would.
    steps = build_schedule(plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 5)).steps
    resumed = _hold_and_resume(steps, d(1, 13), d(1, 14), **ONCE_FIRST)
    assert rows(resumed)[2:6] == [
        (d(1, 12), {"clonazepam": 1250}, "cut"),
        (d(1, 13), {"clonazepam": 1250}, "hold"),
        (d(1, 26), {"clonazepam": 1000}, "cut"),
        (d(2, 9), {"clonazepam": 750}, "cut"),
    ]


def test_a_held_step_back_no_going_back_made_restarts_the_recipe_at_that_dose() -> None:
    # Edited storage: a step back to 1.75 mg, a dose the plan never had. Replayed, the recipe
    # stands as at the plan's start (the once cut next), and 1.75 mg lasts that phase's 7 days
    # from 01-08, not the 14 days of the phase after the once cut made before it.
    stored = (
        make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 2000}, kind="baseline"),
        make_step(index=1, start=d(1, 5), daily_ug={"clonazepam": 1500}, kind="cut"),
        make_step(index=2, start=d(1, 8), daily_ug={"clonazepam": 1750}, kind="back"),
        make_step(index=3, start=d(1, 9), daily_ug={"clonazepam": 1750}, kind="hold"),
    )
    resumed = resume(
        stored,
        on=d(1, 10),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(resumed)[3:6] == [
        (d(1, 9), {"clonazepam": 1750}, "hold"),
        (d(1, 15), {"clonazepam": 1250}, "cut"),
        (d(1, 22), {"clonazepam": 1000}, "cut"),
    ]


def test_a_held_dose_after_a_step_without_the_tapered_drug_is_resumed_no_sooner() -> None:
    # Edited storage: the crossover stored as one "cut" to 20 mg of diazepam, from a step with
    # no diazepam at all. Resuming does not fail on the missing dose, and the first phase's
    # cut (-2 mg) comes no sooner than its 7 days after 20 mg began.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam"}
    plan["recipe"] = "-2mg/7d until 16mg; -1mg/14d"
    stored = (
        make_step(index=0, start=d(1, 4), daily_ug={"alprazolam": 1000}, kind="baseline"),
        make_step(index=1, start=d(1, 5), daily_ug={"diazepam": 20000}, kind="cut"),
        make_step(index=2, start=d(1, 6), daily_ug={"diazepam": 20000}, kind="hold"),
    )
    resumed = resume(
        stored,
        on=d(1, 7),
        plan=plan_parameters(**plan),
    )
    assert [(s.daily_ug, s.kind) for s in resumed[3:5]] == [
        ({"diazepam": 18000}, "cut"),
        ({"diazepam": 16000}, "cut"),
    ]
    assert resumed[3].start >= d(1, 12)
    assert (resumed[4].start - resumed[3].start).days == 7


def test_a_plan_stored_as_one_open_hold_resumes_with_the_recipes_first_phase() -> None:
    # Edited storage: a single hold step, no baseline. Nothing was cut: the once cut comes
    # first, a week after 2 mg began.
    stored = (make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 2000}, kind="hold"),)
    assert on_open_hold(stored)
    resumed = resume(
        stored,
        on=d(1, 7),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(resumed)[1:3] == [
        (d(1, 11), {"clonazepam": 1500}, "cut"),
        (d(1, 18), {"clonazepam": 1250}, "cut"),
    ]


def test_a_hold_of_a_single_microgram_is_an_open_hold() -> None:
    plan: dict[str, Any] = {
        "drug": "clonazepam",
        "recipe": "-50%/7d",
        "units_ug": {"clonazepam": 1},
    }
    steps = build_schedule(plan_parameters(**plan), daily_ug=2, start=d(1, 5)).steps
    held = hold(
        steps,
        on=d(1, 6),
        days=None,
        plan=plan_parameters(**plan),
    )
    assert rows(held)[-1] == (d(1, 6), {"clonazepam": 1}, "hold")
    assert on_open_hold(held)
    assert rows(
        resume(
            held,
            on=d(1, 8),
            plan=plan_parameters(**plan),
        )
    )[3:] == [(d(1, 12), {"clonazepam": 0}, "final")]


def test_a_stored_hold_that_lost_the_new_drug_is_replayed_without_failing() -> None:
    # Edited storage: mid-crossover, a hold stored with the alprazolam only (no diazepam). The
    # replay reads the missing diazepam as 0 mg; resumed, the 4 alprazolam units left cross
    # over in the one stage left, a stage interval after the hold's dose began.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam"}
    plan |= {"recipe": "-10%/7d", "stages": 2}
    steps = build_schedule(plan_parameters(**plan), daily_ug=1000, start=d(1, 5)).steps
    assert rows(steps)[1] == (d(1, 5), {"alprazolam": 500, "diazepam": 10000}, "crossover")
    lost = make_step(index=2, start=d(1, 6), daily_ug={"alprazolam": 500}, kind="hold")
    resumed = resume(
        (*steps[:2], lost),
        on=d(1, 7),
        plan=plan_parameters(**plan),
    )
    assert rows(resumed)[3:5] == [
        (d(1, 13), {"diazepam": 10000}, "crossover"),
        (d(1, 20), {"diazepam": 9000}, "cut"),
    ]


def test_a_stored_step_back_to_the_same_dose_keeps_the_recipe_where_it_stood() -> None:
    # Edited storage: a step back that changed nothing (1.5 mg to 1.5 mg), then held. The once
    # cut was made (2 to 1.5 mg): resumed, the taper goes on by -0.25 mg a fortnight, without a
    # second -0.5 mg once cut.
    stored = (
        make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 2000}, kind="baseline"),
        make_step(index=1, start=d(1, 5), daily_ug={"clonazepam": 1500}, kind="cut"),
        make_step(index=2, start=d(1, 8), daily_ug={"clonazepam": 1500}, kind="back"),
        make_step(index=3, start=d(1, 9), daily_ug={"clonazepam": 1500}, kind="hold"),
    )
    resumed = resume(
        stored,
        on=d(1, 10),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(resumed)[4:7] == [
        (d(1, 12), {"clonazepam": 1250}, "cut"),
        (d(1, 26), {"clonazepam": 1000}, "cut"),
        (d(2, 9), {"clonazepam": 750}, "cut"),
    ]


def test_a_stored_crossover_stage_lowering_the_new_drug_is_not_taken_for_the_once_cut() -> None:
    # Edited storage: a crossover stage with less diazepam than the stage before (5 to 4 mg).
    # It is no cut of the recipe: once the crossover ends, the once cut (-2 mg) comes first.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam"}
    plan["recipe"] = "-2mg/7d once; -1mg/14d"
    steps = build_schedule(plan_parameters(**plan), daily_ug=1000, start=d(1, 5)).steps
    assert rows(steps)[1] == (d(1, 5), {"alprazolam": 750, "diazepam": 5000}, "crossover")
    lower = {"alprazolam": 250, "diazepam": 4000}
    stored = (
        *steps[:2],
        make_step(index=2, start=d(1, 12), daily_ug=lower, kind="crossover"),
        make_step(index=3, start=d(1, 13), daily_ug=lower, kind="hold"),
    )
    resumed = resume(
        stored,
        on=d(1, 14),
        plan=plan_parameters(**plan),
    )
    assert rows(resumed)[4:7] == [
        (d(1, 19), {"diazepam": 9000}, "crossover"),
        (d(1, 26), {"diazepam": 7000}, "cut"),
        (d(2, 2), {"diazepam": 6000}, "cut"),
    ]


CROSSED: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam"}
CROSSED |= {"recipe": "-2mg/7d once; -1mg/14d", "stages": 2, "stage_interval_days": 5}


def test_a_hold_on_a_step_backs_day_after_a_crossover_keeps_what_the_step_back_planned() -> None:
    # Crossover done, back to 18 mg of diazepam on 01-23 (the once cut's dose, kept its 7
    # days), held open the same day (the hold replaces the step back): resumed, 17 mg comes on
    # 01-30, not the next phase's 14 days after 01-23.
    steps = build_schedule(plan_parameters(**CROSSED), daily_ug=1000, start=d(1, 5)).steps
    assert rows(steps)[3:5] == [
        (d(1, 15), {"diazepam": 18000}, "cut"),
        (d(1, 22), {"diazepam": 17000}, "cut"),
    ]
    back = go_back(
        steps,
        on=d(1, 23),
        plan=plan_parameters(**CROSSED),
    )
    resumed = _hold_and_resume(back, d(1, 23), d(1, 24), **CROSSED)
    assert rows(resumed)[4:8] == [
        (d(1, 22), {"diazepam": 17000}, "cut"),
        (d(1, 23), {"diazepam": 18000}, "hold"),
        (d(1, 30), {"diazepam": 17000}, "cut"),
        (d(2, 13), {"diazepam": 16000}, "cut"),
    ]


def test_a_hold_of_the_old_drug_before_the_crossover_is_resumed_into_its_stages() -> None:
    # The baseline (alprazolam only, no diazepam yet) held open the day after it began: resumed,
    # the crossover's stages follow, the first a stage interval (5 days) after 01-01.
    steps = build_schedule(
        plan_parameters(**CROSSED), daily_ug=1000, start=d(1, 5), effective=d(1, 1)
    ).steps
    resumed = _hold_and_resume(steps, d(1, 2), d(1, 3), **CROSSED)
    assert rows(resumed)[:5] == [
        (d(1, 1), {"alprazolam": 1000}, "baseline"),
        (d(1, 2), {"alprazolam": 1000}, "hold"),
        (d(1, 6), {"alprazolam": 500, "diazepam": 10000}, "crossover"),
        (d(1, 11), {"diazepam": 20000}, "crossover"),
        (d(1, 16), {"diazepam": 18000}, "cut"),
    ]


@pytest.mark.parametrize(
    ("table", "planned", "spread"),
    [
        # Ashton (0.5 mg alprazolam = 10 mg diazepam): 6 units left go 4, 2, 0, each
        # adding the diazepam equivalent of what has moved (5 mg a stage) to the 4 mg stored.
        ("ashton", 5000, [4000, 9000, 14000, 19000]),
        # VA/DoD (1 mg = 10 mg): 2.5, 5 and 7.5 mg moved, rounded to whole 1 mg units.
        ("vadod", 3000, [1000, 4000, 6000, 9000]),
    ],
)
def test_a_stored_stage_off_the_plan_spreads_the_old_drug_left_over_the_stages_left(
    table: str, planned: int, spread: list[int]
) -> None:
    # Edited storage: a first stage with less diazepam than the plan makes. The alprazolam
    # left is spread over the 3 stages left, by the plan's own equivalence table.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam", "recipe": "-10%/7d"}
    plan["table"] = table
    steps = build_schedule(plan_parameters(**plan), daily_ug=1000, start=d(1, 5)).steps
    assert steps[1].daily_ug == {"alprazolam": 750, "diazepam": planned}
    off = {"alprazolam": 750, "diazepam": spread[0]}
    stored = (
        steps[0],
        make_step(index=1, start=d(1, 5), daily_ug=off, kind="crossover", table=table),
        make_step(index=2, start=d(1, 6), daily_ug=off, kind="hold", table=table),
    )
    resumed = resume(
        stored,
        on=d(1, 7),
        plan=plan_parameters(**plan),
    )
    assert rows(resumed)[3:6] == [
        (d(1, 12), {"alprazolam": 500, "diazepam": spread[1]}, "crossover"),
        (d(1, 19), {"alprazolam": 250, "diazepam": spread[2]}, "crossover"),
        (d(1, 26), {"diazepam": spread[3]}, "crossover"),
    ]


def test_a_plan_begun_mid_crossover_held_at_a_stage_makes_its_planned_stages() -> None:
    # Begun with 6 mg of diazepam already reached and 7 alprazolam units: its stages leave 5,
    # 2 and 0 units, planned from that baseline. Held at the first and resumed, the plan's
    # second stage (2 units) comes on the day it had, not a spread of the 5 units left (3).
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "diazepam", "recipe": "-10%/7d"}
    plan["stages"] = 3
    steps = build_schedule(
        plan_parameters(**plan), daily_ug=875, to_drug_daily_ug=6000, start=d(1, 5)
    ).steps
    assert rows(steps)[1] == (d(1, 5), {"alprazolam": 625, "diazepam": 11000}, "crossover")
    planned = rows(steps)[2:5]
    assert planned == [
        (d(1, 12), {"alprazolam": 250, "diazepam": 19000}, "crossover"),
        (d(1, 19), {"diazepam": 24000}, "crossover"),
        (d(1, 26), {"diazepam": 22000}, "cut"),
    ]
    resumed = _hold_and_resume(steps, d(1, 6), d(1, 7), **plan)
    assert rows(resumed)[3:6] == planned
