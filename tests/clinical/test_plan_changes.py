"""Hold, resume, go back and change recipe on hand-computed plans.

Plan A: clonazepam 2 mg, recipe (a) "-0.5mg/14d until 1mg; -0.25mg/7d", start 2026-01-05:
  01-04 2000 baseline | 01-05 1500 | 01-19 1000 | 02-02 750 | 02-09 500 | 02-16 250 | 02-23 0
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from models.clinical.recipes import PRESETS
from models.clinical.taper import (
    PlannedStep,
    build_schedule,
    change_recipe,
    go_back,
    hold,
    plan_parameters,
    resume,
)
from models.errors import FieldError

START = date(2026, 1, 5)
PLAN_A: dict[str, Any] = {"drug": "clonazepam", "recipe": PRESETS["a"].recipe}


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def plan_a() -> tuple[PlannedStep, ...]:
    return build_schedule(plan_parameters(**PLAN_A), daily_ug=2000, start=START).steps


def rows(steps: tuple[PlannedStep, ...], drug: str = "clonazepam") -> list[tuple[date, int, str]]:
    return [(s.start, s.daily_ug.get(drug, 0), s.kind) for s in steps]


def assert_past_untouched(
    before: tuple[PlannedStep, ...], after: tuple[PlannedStep, ...], on: date
) -> None:
    past = [s for s in before if s.start < on]
    assert list(after[: len(past)]) == past
    assert all(s.start >= on for s in after[len(past) :])
    assert [s.index for s in after] == list(range(len(after)))


def test_hold_for_days_moves_every_later_step() -> None:
    steps = plan_a()
    held = hold(
        steps,
        on=d(1, 22),
        days=7,
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(held) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 19), 1000, "cut"),  # truncated on 01-22
        (d(1, 22), 1000, "hold"),
        (d(2, 9), 750, "cut"),  # was 02-02: 7 days later
        (d(2, 16), 500, "cut"),
        (d(2, 23), 250, "cut"),
        (d(3, 2), 0, "final"),
    ]
    assert_past_untouched(steps, held, d(1, 22))


def test_open_ended_hold_then_resume() -> None:
    steps = plan_a()
    held = hold(
        steps,
        on=d(1, 22),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(held)[-1] == (d(1, 22), 1000, "hold")
    assert len(held) == 4
    resumed = resume(
        held,
        on=d(2, 5),
        plan=plan_parameters(**PLAN_A),
    )
    # 1 mg reached 'until 1mg', so the weekly -0.25 mg phase continues from 02-05.
    assert rows(resumed)[3:] == [
        (d(1, 22), 1000, "hold"),
        (d(2, 5), 750, "cut"),
        (d(2, 12), 500, "cut"),
        (d(2, 19), 250, "cut"),
        (d(2, 26), 0, "final"),
    ]
    assert_past_untouched(held, resumed, d(2, 5))


def test_resume_on_the_day_of_a_cut_waits_one_interval() -> None:
    held = hold(
        plan_a(),
        on=d(1, 19),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )  # the 1 mg cut day itself
    assert rows(held)[-1] == (d(1, 19), 1000, "hold")
    resumed = resume(
        held,
        on=d(1, 19),
        plan=plan_parameters(**PLAN_A),
    )
    # 1 mg started 01-19: never two cuts a day, and the dose that reached 'until' keeps its
    # phase's fortnight as planned (02-02), not the next phase's week.
    assert rows(resumed)[2:4] == [(d(1, 19), 1000, "hold"), (d(2, 2), 750, "cut")]


def test_hold_then_days_after_an_open_ended_hold() -> None:
    held = hold(
        plan_a(),
        on=d(1, 22),
        days=None,
        plan=plan_parameters(**PLAN_A),
    )
    again = hold(
        held,
        on=d(1, 29),
        days=7,
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(again)[3:6] == [
        (d(1, 22), 1000, "hold"),
        (d(1, 29), 1000, "hold"),
        (d(2, 5), 750, "cut"),
    ]
    assert again[-1].daily_ug == {"clonazepam": 0}


def test_resume_continues_after_a_once_phase_without_repeating_it() -> None:
    plan_b: dict[str, Any] = {"drug": "clonazepam", "recipe": PRESETS["b"].recipe}
    steps = build_schedule(plan_parameters(**plan_b), daily_ug=2000, start=START).steps
    held = hold(
        steps,
        on=START,
        days=None,
        plan=plan_parameters(**plan_b),
    )  # hold the -25 % step on its own day
    assert rows(held) == [(d(1, 4), 2000, "baseline"), (d(1, 5), 1500, "hold")]
    resumed = resume(
        held,
        on=d(1, 20),
        plan=plan_parameters(**plan_b),
    )
    assert rows(resumed)[2][:2] == (d(1, 20), 1375)  # -10 %, not a second -25 %


def test_go_back_returns_to_the_previous_dose_then_tapers_on() -> None:
    steps = plan_a()
    back = go_back(
        steps,
        on=d(2, 10),
        plan=plan_parameters(**PLAN_A),
    )  # 0.5 mg since 02-09
    assert rows(back) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 19), 1000, "cut"),
        (d(2, 2), 750, "cut"),
        (d(2, 9), 500, "cut"),
        (d(2, 10), 750, "back"),  # 0.75 mg for the week it was planned to last
        (d(2, 17), 500, "cut"),
        (d(2, 24), 250, "cut"),
        (d(3, 3), 0, "final"),
    ]
    assert_past_untouched(steps, back, d(2, 10))


def test_go_back_twice_goes_back_two_doses() -> None:
    once = go_back(
        plan_a(),
        on=d(2, 10),
        plan=plan_parameters(**PLAN_A),
    )
    twice = go_back(
        once,
        on=d(2, 12),
        plan=plan_parameters(**PLAN_A),
    )  # on the 0.75 mg 'back' step
    assert rows(twice)[5:] == [
        (d(2, 10), 750, "back"),
        (d(2, 12), 1000, "back"),  # 1 mg was planned for 14 days
        (d(2, 26), 750, "cut"),  # then weekly: 1 mg had reached 'until 1mg'
        (d(3, 5), 500, "cut"),
        (d(3, 12), 250, "cut"),
        (d(3, 19), 0, "final"),
    ]


def test_go_back_from_the_first_cut_returns_to_the_baseline() -> None:
    back = go_back(
        plan_a(),
        on=START,
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(back)[:4] == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 2000, "back"),  # replaces the cut that started today
        (d(1, 19), 1500, "cut"),
        (d(2, 2), 1000, "cut"),
    ]


def test_go_back_after_the_end() -> None:
    back = go_back(
        plan_a(),
        on=d(3, 1),
        plan=plan_parameters(**PLAN_A),
    )
    assert rows(back)[-2:] == [(d(3, 1), 250, "back"), (d(3, 8), 0, "final")]


def test_change_recipe_carries_the_current_dose_into_the_new_recipe() -> None:
    steps = plan_a()
    changed = change_recipe(
        steps,
        on=d(1, 22),
        plan=plan_parameters(drug="clonazepam", recipe="-10%/14d"),
    )
    assert rows(changed) == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),
        (d(1, 19), 1000, "cut"),
        (d(1, 22), 1000, "baseline"),  # the new recipe starts from 1 mg
        (d(2, 5), 875, "cut"),  # 900 = 7.2 units -> 7
        (d(2, 19), 750, "cut"),  # 787.5 -> 6
        (d(3, 5), 625, "cut"),  # 675 -> 5
        (d(3, 19), 500, "cut"),  # 562.5 -> 5 (no change) -> 4
        (d(4, 2), 375, "cut"),
        (d(4, 16), 250, "cut"),
        (d(4, 30), 125, "cut"),
        (d(5, 14), 0, "final"),
    ]
    assert_past_untouched(steps, changed, d(1, 22))


def test_plan_changes_during_a_crossover() -> None:
    plan: dict[str, Any] = {"drug": "alprazolam", "to_drug": "clonazepam", "recipe": "-0.25mg/7d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=START).steps
    held = hold(
        steps,
        on=d(1, 14),
        days=None,
        plan=plan_parameters(**plan),
    )
    assert held[-1].daily_ug == {"alprazolam": 1000, "clonazepam": 1000}
    resumed = resume(
        held,
        on=d(1, 28),
        plan=plan_parameters(**plan),
    )
    # Half the alprazolam remains, so two of the four stages are left.
    assert [(s.start, s.daily_ug, s.kind) for s in resumed[4:8]] == [
        (d(1, 28), {"alprazolam": 500, "clonazepam": 1500}, "crossover"),
        (d(2, 4), {"clonazepam": 2000}, "crossover"),
        (d(2, 11), {"clonazepam": 1750}, "cut"),
        (d(2, 18), {"clonazepam": 1500}, "cut"),
    ]
    back = go_back(
        steps,
        on=d(1, 13),
        plan=plan_parameters(**plan),
    )  # back to the first stage's mix
    assert [(s.start, s.daily_ug, s.kind) for s in back[3:6]] == [
        (d(1, 13), {"alprazolam": 1500, "clonazepam": 500}, "back"),
        (d(1, 20), {"alprazolam": 1000, "clonazepam": 1000}, "crossover"),
        (d(1, 27), {"alprazolam": 500, "clonazepam": 1500}, "crossover"),
    ]


@pytest.mark.parametrize(
    ("change", "kwargs", "field", "text"),
    [
        (hold, {"on": d(1, 3), "days": 7}, "on", "before the plan's first step"),
        (hold, {"on": d(2, 23), "days": 7}, "on", "the taper ended on 2026-02-23"),
        (hold, {"on": d(1, 22), "days": 0}, "days", "at least 1 day"),
        (resume, {"on": d(1, 22)}, "on", "not on an open-ended hold"),
        (go_back, {"on": d(1, 4)}, "on", "nothing to go back to"),
        (change_recipe, {"on": d(3, 1)}, "on", "the taper ended"),
    ],
)
def test_plan_change_refusals(change: Any, kwargs: dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(FieldError) as exc:
        change(plan_a(), **kwargs, plan=plan_parameters(**PLAN_A))
    assert exc.value.field == field
    assert text in exc.value.message


def test_change_recipe_refuses_a_bad_recipe() -> None:
    with pytest.raises(FieldError) as exc:
        change_recipe(
            plan_a(),
            on=d(1, 22),
            plan=plan_parameters(drug="clonazepam", recipe="-10%/2x"),
        )
    assert exc.value.field == "recipe"
