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
    on_open_hold,
    plan_parameters,
    resume,
    stop,
)
from models.errors import FieldError


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def rows(steps: tuple[PlannedStep, ...]) -> list[tuple[date, dict[str, int], str]]:
    return [(s.start, s.daily_ug, s.kind) for s in steps]


def _hold_and_resume(
    steps: tuple[PlannedStep, ...], held_on: date, resumed_on: date, **plan: Any
) -> tuple[PlannedStep, ...]:
    held = hold(
        steps,
        on=held_on,
        days=None,
        plan=plan_parameters(**plan),
    )
    return resume(
        held,
        on=resumed_on,
        plan=plan_parameters(**plan),
    )


def test_a_hold_after_a_once_cut_never_makes_the_next_cut_come_sooner() -> None:
    # The 1 mg made by the once phase is planned for 28 days; a one-day hold, once resumed,
    # must not cut after the next phase's 7 days.
    plan: dict[str, Any] = {"drug": "clonazepam", "recipe": "-1mg/28d once; -0.25mg/7d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
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
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
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
    # hold before the new recipe's first cut makes that once cut (-0.5 mg on 01-21, a week after
    # the change, as the changed plan had it), not the phase after it as if the old cuts had
    # been the new recipe's, and not a week after 1.5 mg began under the old recipe (01-19).
    old: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.25mg/7d"}
    new: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/7d once; -0.25mg/14d"}
    steps = build_schedule(plan_parameters(**old), daily_ug=2000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 14),
        plan=plan_parameters(**new),
    )
    assert rows(changed)[2:5] == [
        (d(1, 12), {"clonazepam": 1500}, "cut"),
        (d(1, 14), {"clonazepam": 1500}, "baseline"),
        (d(1, 21), {"clonazepam": 1000}, "cut"),
    ]
    resumed = _hold_and_resume(changed, d(1, 16), d(1, 17), **new)
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[3:8]] == [
        (d(1, 14), 1500, "baseline"),
        (d(1, 16), 1500, "hold"),
        (d(1, 21), 1000, "cut"),
        (d(1, 28), 750, "cut"),
        (d(2, 11), 500, "cut"),
    ]


CROSSOVER: dict[str, Any] = {"drug": "alprazolam", "recipe": "-10%/7d", "to_drug": "diazepam"}


def test_a_stopped_crossover_ends_on_the_drug_it_was_crossing_to() -> None:
    steps = build_schedule(plan_parameters(**CROSSOVER), daily_ug=2000, start=d(1, 5)).steps
    stopped = stop(
        steps,
        on=d(1, 12),
        plan=plan_parameters(**CROSSOVER),
    )
    assert rows(stopped)[-1] == (d(1, 12), {"diazepam": 0}, "final")
    assert stopped[-1].doses == ()


def test_a_recipe_changed_mid_crossover_finishes_the_crossover_first() -> None:
    steps = build_schedule(plan_parameters(**CROSSOVER), daily_ug=2000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 12),
        plan=plan_parameters(**{**CROSSOVER, "recipe": "-20%/14d"}),
    )
    assert rows(changed)[2:8] == [
        (d(1, 12), {"alprazolam": 1000, "diazepam": 20000}, "baseline"),
        (d(1, 19), {"alprazolam": 500, "diazepam": 30000}, "crossover"),
        (d(1, 26), {"diazepam": 40000}, "crossover"),
        (d(2, 2), {"diazepam": 32000}, "cut"),
        (d(2, 16), {"diazepam": 26000}, "cut"),
        (d(3, 2), {"diazepam": 21000}, "cut"),
    ]


def test_a_crossover_held_and_resumed_makes_the_stages_it_had_planned() -> None:
    # Alprazolam 1.625 mg (13 units) to clonazepam in 3 stages: 9, 4, 0 units of alprazolam.
    # Held at the first stage and resumed, the 9 units left must not be spread again over two
    # stages (5, 0): the plan's 4 units come next, on the day the plan had them.
    plan: dict[str, Any] = {
        "drug": "alprazolam",
        "to_drug": "clonazepam",
        "recipe": "-0.125mg/7d",
        "stages": 3,
    }
    steps = build_schedule(plan_parameters(**plan), daily_ug=1625, start=d(1, 5)).steps
    stages = [(s.start, s.daily_ug) for s in steps if s.kind == "crossover"]
    assert stages == [
        (d(1, 5), {"alprazolam": 1125, "clonazepam": 500}),
        (d(1, 12), {"alprazolam": 500, "clonazepam": 1125}),
        (d(1, 19), {"clonazepam": 1625}),
    ]
    resumed = _hold_and_resume(steps, d(1, 6), d(1, 7), **plan)
    assert [(s.start, s.daily_ug) for s in resumed if s.start > d(1, 6)][:3] == [
        *stages[1:],
        (d(1, 26), {"clonazepam": 1500}),
    ]


def test_a_hold_on_the_last_stages_day_keeps_the_stage_interval() -> None:
    # The last stage (all clonazepam) was held on its own day: it was planned to last a stage
    # interval (7 days), not the recipe's 10.
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "clonazepam"}
    plan |= {"recipe": "-0.125mg/10d", "stages": 1}
    steps = build_schedule(plan_parameters(**plan), daily_ug=125, start=d(1, 5)).steps
    assert rows(steps)[1:] == [
        (d(1, 5), {"clonazepam": 125}, "crossover"),
        (d(1, 12), {"clonazepam": 0}, "final"),
    ]
    assert rows(_hold_and_resume(steps, d(1, 5), d(1, 6), **plan))[1:] == [
        (d(1, 5), {"clonazepam": 125}, "hold"),
        (d(1, 12), {"clonazepam": 0}, "final"),
    ]


ONCE_FIRST: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/7d once; -0.25mg/14d"}


def test_a_hold_before_the_first_cut_is_not_counted_as_the_once_cut() -> None:
    steps = build_schedule(
        plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 10), effective=d(1, 5)
    ).steps
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
    steps = build_schedule(plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 5)).steps
    back = go_back(
        steps,
        on=d(1, 14),
        plan=plan_parameters(**ONCE_FIRST),
    )  # 1.25 mg since 01-12: back to 1.5 mg
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


def test_going_back_past_a_recipe_change_then_holding_keeps_the_plans_cut() -> None:
    # Back twice, to 1.75 mg from before the recipe change: the plan goes on by -0.25 mg a
    # fortnight (the new recipe's once cut counted as made, as go_back replays it). A hold and
    # resume must not turn the next cut into the once phase's -0.5 mg.
    old: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.25mg/7d"}
    steps = build_schedule(plan_parameters(**old), daily_ug=2000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 14),
        plan=plan_parameters(**ONCE_FIRST),
    )
    twice = go_back(
        go_back(
            changed,
            on=d(1, 23),
            plan=plan_parameters(**ONCE_FIRST),
        ),
        on=d(1, 25),
        plan=plan_parameters(**ONCE_FIRST),
    )
    planned = [(s.start, s.daily_ug["clonazepam"], s.kind) for s in twice[5:9]]
    assert planned == [
        (d(1, 23), 1500, "back"),
        (d(1, 25), 1750, "back"),
        (d(2, 1), 1500, "cut"),
        (d(2, 15), 1250, "cut"),
    ]
    resumed = _hold_and_resume(twice, d(1, 26), d(1, 27), **ONCE_FIRST)
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[6:10]] == [
        (d(1, 25), 1750, "back"),
        (d(1, 26), 1750, "hold"),
        (d(2, 1), 1500, "cut"),
        (d(2, 15), 1250, "cut"),
    ]


def test_a_hold_on_a_dose_gone_back_to_is_resumed_when_that_dose_was_planned_to_end() -> None:
    # Back to 1.5 mg on 01-14, kept 7 days as the once cut planned it (next cut 01-21): a
    # one-day hold, once resumed, cuts on 01-21, not a fortnight (the next phase) after 01-14.
    steps = build_schedule(plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 5)).steps
    back = go_back(
        steps,
        on=d(1, 14),
        plan=plan_parameters(**ONCE_FIRST),
    )
    resumed = _hold_and_resume(back, d(1, 16), d(1, 17), **ONCE_FIRST)
    assert [(s.start, s.daily_ug["clonazepam"], s.kind) for s in resumed[3:7]] == [
        (d(1, 14), 1500, "back"),
        (d(1, 16), 1500, "hold"),
        (d(1, 21), 1250, "cut"),
        (d(2, 4), 1000, "cut"),
    ]


def test_resume_never_cuts_before_the_day_the_replaced_plan_had_its_next_change() -> None:
    # A 10-day hold on 01-07 moved the cut due 01-12 to 01-22; made open-ended on 01-09 and
    # resumed on 01-10, the steps alone would cut on 01-12. The caller passes 01-22.
    plan: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.25mg/7d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
    held = hold(
        steps,
        on=d(1, 7),
        days=10,
        plan=plan_parameters(**plan),
    )
    assert [(s.start, s.kind) for s in held[2:4]] == [(d(1, 7), "hold"), (d(1, 22), "cut")]
    open_ended = hold(
        held,
        on=d(1, 9),
        days=None,
        plan=plan_parameters(**plan),
    )
    assert resume(
        open_ended,
        on=d(1, 10),
        plan=plan_parameters(**plan),
    )[4].start == d(1, 12)
    resumed = resume(
        open_ended,
        on=d(1, 10),
        not_before=d(1, 22),
        plan=plan_parameters(**plan),
    )
    assert [(s.start, s.daily_ug["clonazepam"]) for s in resumed[3:6]] == [
        (d(1, 9), 1750),
        (d(1, 22), 1500),
        (d(1, 29), 1250),
    ]
    # A resume after that day cuts on the day it is resumed.
    assert resume(
        open_ended,
        on=d(1, 25),
        not_before=d(1, 22),
        plan=plan_parameters(**plan),
    )[4].start == d(1, 25)


def test_a_hold_on_the_day_the_recipe_changed_keeps_the_new_recipes_first_phase() -> None:
    # Recipe changed on 01-05 (0.625 mg, baseline), held a day the same day, then held open and
    # resumed: the baseline stays (it marks where the new recipe starts), so the next cut is the
    # new recipe's once cut (-0.5 mg), not its second phase as if 0.75 -> 0.625 mg had been it.
    old: dict[str, Any] = {"drug": "alprazolam", "recipe": "-0.125mg/1d"}
    new = {**old, "recipe": "-0.5mg/7d once; -0.25mg/14d"}
    steps = build_schedule(plan_parameters(**old), daily_ug=750, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 5),
        plan=plan_parameters(**new),
    )
    held = hold(
        changed,
        on=d(1, 5),
        days=1,
        plan=plan_parameters(**new),
    )
    assert rows(held) == [
        (d(1, 4), {"alprazolam": 750}, "baseline"),
        (d(1, 5), {"alprazolam": 625}, "baseline"),
        (d(1, 13), {"alprazolam": 125}, "cut"),
        (d(1, 20), {"alprazolam": 0}, "final"),
    ]
    open_ended = hold(
        held,
        on=d(1, 6),
        days=None,
        plan=plan_parameters(**new),
    )
    resumed = resume(
        open_ended,
        on=d(1, 7),
        not_before=d(1, 13),
        plan=plan_parameters(**new),
    )
    assert rows(resumed)[2:] == [
        (d(1, 6), {"alprazolam": 625}, "hold"),
        (d(1, 13), {"alprazolam": 125}, "cut"),
        (d(1, 20), {"alprazolam": 0}, "final"),
    ]


def test_an_open_hold_on_a_baseline_day_is_the_baseline_held_until_resumed() -> None:
    plan: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.25mg/7d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 14),
        plan=plan_parameters(**plan),
    )
    held = hold(
        changed,
        on=d(1, 14),
        days=None,
        plan=plan_parameters(**plan),
    )
    assert rows(held)[-1] == (d(1, 14), {"clonazepam": 1500}, "baseline")
    assert on_open_hold(held) and not on_open_hold(changed)
    resumed = resume(
        held,
        on=d(1, 15),
        plan=plan_parameters(**plan),
    )
    assert rows(resumed)[3:5] == [
        (d(1, 14), {"clonazepam": 1500}, "baseline"),
        (d(1, 21), {"clonazepam": 1250}, "cut"),
    ]
    with pytest.raises(FieldError, match="not on an open-ended hold"):
        resume(
            resumed,
            on=d(1, 22),
            plan=plan_parameters(**plan),
        )


def test_a_hold_made_on_the_day_of_a_step_back_keeps_what_the_step_back_planned() -> None:
    # Back to 1.5 mg on 01-14 (kept 7 days, as the once cut planned it), then held 3 days the
    # same day (the hold replaces the step back): next cut 01-24. Held open on 01-15 and resumed
    # on 01-16 (the caller passing 01-24), the taper goes on by -0.25 mg a fortnight.
    steps = build_schedule(plan_parameters(**ONCE_FIRST), daily_ug=2000, start=d(1, 5)).steps
    back = go_back(
        steps,
        on=d(1, 14),
        plan=plan_parameters(**ONCE_FIRST),
    )
    held = hold(
        back,
        on=d(1, 14),
        days=3,
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(held)[3:5] == [
        (d(1, 14), {"clonazepam": 1500}, "hold"),
        (d(1, 24), {"clonazepam": 1250}, "cut"),
    ]
    open_ended = hold(
        held,
        on=d(1, 15),
        days=None,
        plan=plan_parameters(**ONCE_FIRST),
    )
    resumed = resume(
        open_ended,
        on=d(1, 16),
        not_before=d(1, 24),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert [(s.start, s.daily_ug["clonazepam"]) for s in resumed[5:8]] == [
        (d(1, 24), 1250),
        (d(2, 7), 1000),
        (d(2, 21), 750),
    ]


def test_a_crossover_stored_off_the_planned_stages_spreads_what_is_left() -> None:
    # Steps stored by an earlier engine: a stage the plan's stages would not make (9, 4, 0
    # units of 1.625 mg alprazolam). Resumed, the 5 units left go in the stages left (1).
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "clonazepam", "stages": 3}
    plan["recipe"] = "-0.125mg/7d"
    stored = (
        make_step(index=0, start=d(1, 4), daily_ug={"alprazolam": 1625}, kind="baseline"),
        make_step(
            index=1,
            start=d(1, 5),
            daily_ug={"alprazolam": 625, "clonazepam": 1000},
            kind="crossover",
        ),
        make_step(
            index=2, start=d(1, 6), daily_ug={"alprazolam": 625, "clonazepam": 1000}, kind="hold"
        ),
    )
    resumed = resume(
        stored,
        on=d(1, 7),
        plan=plan_parameters(**plan),
    )
    assert rows(resumed)[3:5] == [
        (d(1, 12), {"clonazepam": 1625}, "crossover"),
        (d(1, 19), {"clonazepam": 1500}, "cut"),
    ]


def test_a_step_back_stored_first_restarts_the_recipe() -> None:
    # Edited storage: a plan whose first step is a step back. Nothing to replay it from: the
    # recipe goes on from its first phase (the once cut), a week after the dose began.
    stored = (
        make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 2000}, kind="back"),
        make_step(index=1, start=d(1, 6), daily_ug={"clonazepam": 2000}, kind="hold"),
    )
    resumed = resume(
        stored,
        on=d(1, 7),
        plan=plan_parameters(**ONCE_FIRST),
    )
    assert rows(resumed)[2:4] == [
        (d(1, 11), {"clonazepam": 1500}, "cut"),
        (d(1, 18), {"clonazepam": 1250}, "cut"),
    ]


def test_plan_changes_refuse_steps_whose_first_step_lacks_the_drug() -> None:
    other = build_schedule(
        plan_parameters(drug="diazepam", recipe="-10%/7d"), daily_ug=10_000, start=d(1, 5)
    )
    message = r"^the first step has no clonazepam: these steps are not from this plan$"
    with pytest.raises(ValueError, match=message):
        change_recipe(
            other.steps,
            on=d(1, 14),
            plan=plan_parameters(drug="clonazepam", recipe="-0.25mg/7d"),
        )
    at_zero = (
        make_step(index=0, start=d(1, 4), daily_ug={"clonazepam": 0}, kind="baseline"),
        make_step(index=1, start=d(1, 5), daily_ug={"clonazepam": 1000}, kind="back"),
    )
    with pytest.raises(ValueError, match=message):
        change_recipe(
            at_zero,
            on=d(1, 14),
            plan=plan_parameters(drug="clonazepam", recipe="-0.25mg/7d"),
        )


def test_a_held_dose_without_the_plans_drug_is_never_tapered_into_an_invented_dose() -> None:
    # Only a step edited in storage holds a drug the plan does not taper; resuming must not
    # make up a dose of the plan's drug (a cut from 1 ug, or a crash on "no dose"): the held
    # step stays the last one, for a person to correct.
    plan: dict[str, Any] = {"drug": "diazepam", "recipe": "-2mg/7d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=10_000, start=d(1, 5)).steps
    held = hold(
        steps,
        on=d(1, 14),
        days=None,
        plan=plan_parameters(**plan),
    )
    edited = (
        *held[:-1],
        make_step(index=3, start=held[-1].start, daily_ug={"lorazepam": 1000}, kind="hold"),
    )
    resumed = resume(
        edited,
        on=d(1, 20),
        plan=plan_parameters(**plan),
    )
    assert rows(resumed) == [
        (d(1, 4), {"diazepam": 10_000}, "baseline"),
        (d(1, 5), {"diazepam": 8000}, "cut"),
        (d(1, 12), {"diazepam": 6000}, "cut"),
        (d(1, 14), {"lorazepam": 1000}, "hold"),
    ]


def test_a_held_recipe_change_without_the_plans_drug_resumes_without_a_dose_of_it() -> None:
    # The same edited storage on the day a recipe change began (its baseline held on its own
    # day), with a last phase ending "until 0mg": asking how long 0 mg of the plan's drug lasts
    # must stay at the last phase, and nothing is added.
    first: dict[str, Any] = {"drug": "diazepam", "recipe": "-2mg/7d until 0mg"}
    plan: dict[str, Any] = {"drug": "diazepam", "recipe": "-1mg/7d until 0mg"}
    steps = build_schedule(plan_parameters(**first), daily_ug=8000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 10),
        plan=plan_parameters(**plan),
    )
    held = hold(
        changed,
        on=d(1, 10),
        days=None,
        plan=plan_parameters(**plan),
    )
    assert rows(held)[-1] == (d(1, 10), {"diazepam": 6000}, "baseline")
    edited = (
        *held[:-1],
        make_step(index=2, start=d(1, 10), daily_ug={"lorazepam": 1000}, kind="baseline"),
    )
    assert rows(
        resume(
            edited,
            on=d(1, 12),
            plan=plan_parameters(**plan),
        )
    ) == [
        (d(1, 4), {"diazepam": 8000}, "baseline"),
        (d(1, 5), {"diazepam": 6000}, "cut"),
        (d(1, 10), {"lorazepam": 1000}, "baseline"),
    ]


def test_after_a_crossover_and_a_recipe_change_a_resume_never_repeats_a_once_cut() -> None:
    # The recipe's position is read from the recipe change's baseline on: its first cut is
    # the `once` 2 mg, so after a hold the taper goes on at 1 mg a week (reading the steps
    # from the plan's start, the crossover's stages, would cut 2 mg a second time).
    first: dict[str, Any] = {
        "drug": "alprazolam",
        "to_drug": "diazepam",
        "recipe": "-1mg/7d",
        "stages": 2,
        "stage_interval_days": 7,
    }
    plan = first | {"recipe": "-2mg/14d once; -1mg/7d"}
    steps = build_schedule(plan_parameters(**first), daily_ug=1000, start=d(1, 5)).steps
    changed = change_recipe(
        steps,
        on=d(1, 20),
        plan=plan_parameters(**plan),
    )
    held = hold(
        changed,
        on=d(2, 5),
        days=None,
        plan=plan_parameters(**plan),
    )
    assert rows(
        resume(
            held,
            on=d(2, 10),
            plan=plan_parameters(**plan),
        )
    )[4:9] == [
        (d(1, 20), {"diazepam": 19_000}, "baseline"),
        (d(2, 3), {"diazepam": 17_000}, "cut"),
        (d(2, 5), {"diazepam": 17_000}, "hold"),
        (d(2, 17), {"diazepam": 16_000}, "cut"),
        (d(2, 24), {"diazepam": 15_000}, "cut"),
    ]
