"""The checks of a new plan's inputs, case by case: each test pins a refusal of
``build_schedule`` (its message, or that it is raised at all) that mutation testing found no
other test pinned."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from models.clinical.taper import (
    build_schedule,
    change_recipe,
    make_step,
    plan_parameters,
    split_daily_dose,
    step_on,
)
from models.errors import FieldError
from tests.clinical.schedules import schedule_of

START = date(2026, 1, 5)


@pytest.mark.parametrize("daily_ug", [2000.0, True])
def test_a_daily_dose_that_is_not_whole_micrograms_fails_loudly(daily_ug: object) -> None:
    # The pages convert mg to whole ug before calling; a float (or a bool) here is a caller's
    # bug, not a dose to round.
    with pytest.raises(ValueError) as refused:
        plan = plan_parameters(drug="clonazepam", recipe="-10%/14d")
        build_schedule(plan, daily_ug=daily_ug, start=START)  # type: ignore[arg-type]
    assert not isinstance(refused.value, FieldError)
    assert str(refused.value) == f"daily_ug must be a whole number of micrograms, got {daily_ug!r}"


@pytest.mark.parametrize(("daily_ug", "shown"), [(0, "0"), (-500, "-0.5")])
def test_a_daily_dose_of_zero_or_less_is_refused_with_the_dose_given(
    daily_ug: int, shown: str
) -> None:
    with pytest.raises(FieldError) as refused:
        build_schedule(
            plan_parameters(drug="clonazepam", recipe="-10%/14d"), daily_ug=daily_ug, start=START
        )
    assert refused.value.field == "daily_mg"
    assert refused.value.message == f"the daily dose must be more than 0 mg, got {shown} mg"


def test_a_switch_to_under_half_a_unit_is_judged_by_the_plans_own_table() -> None:
    # 0.25 mg lorazepam to diazepam in 5 mg units: 2.5 mg by Ashton (half a unit, rounds to
    # one) but 1.25 mg by VA/DoD (a quarter): refused by VA/DoD only.
    plan: dict[str, Any] = {
        "drug": "lorazepam",
        "daily_ug": 250,
        "recipe": "-10%/14d",
        "start": START,
        "to_drug": "diazepam",
        "stages": 1,
        "units_ug": {"diazepam": 5000},
    }
    by_ashton = schedule_of(table="ashton", **plan)
    assert by_ashton.steps[1].daily_ug == {"diazepam": 5000}
    with pytest.raises(FieldError) as refused:
        schedule_of(table="vadod", **plan)
    assert refused.value.field == "to_drug"
    assert refused.value.message == (
        "0.25 mg of lorazepam is less than half a 5 mg unit of diazepam by the vadod table; "
        "taper lorazepam directly"
    )


MID_CROSSOVER: dict[str, Any] = {
    "drug": "alprazolam",
    "daily_ug": 1000,
    "recipe": "-10%/14d",
    "start": START,
}


@pytest.mark.parametrize("carried", [2000.0, True, 0.0])
def test_a_carried_new_drug_dose_that_is_not_whole_micrograms_fails_loudly(
    carried: object,
) -> None:
    with pytest.raises(ValueError) as refused:
        schedule_of(to_drug="diazepam", to_drug_daily_ug=carried, **MID_CROSSOVER)
    assert not isinstance(refused.value, FieldError)
    assert str(refused.value) == f"to_drug_daily_ug must be whole micrograms, got {carried!r}"


@pytest.mark.parametrize(
    "plan", [{"to_drug": "diazepam", "to_drug_daily_ug": -1000}, {"to_drug_daily_ug": 1000}]
)
def test_a_carried_dose_needs_a_new_drug_and_cannot_be_negative(plan: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as refused:
        schedule_of(**plan, **MID_CROSSOVER)
    assert not isinstance(refused.value, FieldError)
    assert str(refused.value) == "to_drug_daily_ug needs a to_drug and cannot be negative"


def test_a_carried_new_drug_dose_must_be_whole_units_of_it() -> None:
    # 1.5 mg diazepam already reached, in 1 mg units: refused, not rounded.
    with pytest.raises(FieldError) as refused:
        schedule_of(to_drug="diazepam", to_drug_daily_ug=1500, **MID_CROSSOVER)
    assert refused.value.field == "to_drug"
    assert refused.value.message == "1.5 mg of diazepam is not a whole number of its units (1 mg)"
    carried = schedule_of(to_drug="diazepam", to_drug_daily_ug=2000, **MID_CROSSOVER)
    assert carried.steps[0].daily_ug == {"alprazolam": 1000, "diazepam": 2000}


KNOWN = "known: alprazolam, clonazepam, diazepam, lorazepam"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"daily_ug": 2060},
            "daily_mg",
            "2.06 mg is not a whole number of clonazepam units (0.125 mg); use a multiple of "
            "0.125 mg",
        ),
        (
            {"to_drug": "clonazepam"},
            "to_drug",
            "is the same as the drug (clonazepam); leave it out for a direct taper",
        ),
        ({"to_drug": "zolpidem"}, "to_drug", f"unknown drug 'zolpidem'; {KNOWN}"),
        ({"drug": "zolpidem"}, "drug", f"unknown drug 'zolpidem'; {KNOWN}"),
        ({"stages": 0, "to_drug": "diazepam"}, "stages", "a crossover needs at least 1 stage"),
        ({"stages": True, "to_drug": "diazepam"}, "stages", "a crossover needs at least 1 stage"),
        ({"stages": 2.0}, "stages", "a crossover needs at least 1 stage"),
        (
            {"to_drug": "diazepam", "daily_ug": 250},
            "stages",
            "0.25 mg of clonazepam is only 2 units of 0.125 mg, too few for 4 stages; use at "
            "most 2",
        ),
        ({"stage_interval_days": 0}, "stage_interval_days", "stages must be at least 1 day apart"),
        (
            {"stage_interval_days": True},
            "stage_interval_days",
            "stages must be at least 1 day apart",
        ),
        (
            {"stage_interval_days": 7.0},
            "stage_interval_days",
            "stages must be at least 1 day apart",
        ),
        ({"times": []}, "times", "give at least one administration time, e.g. 08:00,20:00"),
        ({"times": [time(8), time(8)]}, "times", "08:00 is listed twice; give each time once"),
        ({"times": ["08:00"]}, "times", "'08:00' is not a time of day; write e.g. 08:00"),
        (
            {"units_ug": {"clonazepam": 0}},
            "units_ug",
            "the clonazepam unit must be a whole number of ug above 0",
        ),
        (
            {"units_ug": {"clonazepam": True}},
            "units_ug",
            "the clonazepam unit must be a whole number of ug above 0",
        ),
        (
            {"units_ug": {"clonazepam": 125.0}},
            "units_ug",
            "the clonazepam unit must be a whole number of ug above 0",
        ),
        (
            {"units_ug": {"diazepam": 0}, "to_drug": "diazepam"},
            "units_ug",
            "the diazepam unit must be a whole number of ug above 0",
        ),
        (
            {"recipe": "-1mg/7d until 2.5mg; -1mg/7d", "drug": "lorazepam", "to_drug": "diazepam"},
            "recipe",
            "'until 2.5mg' is not a whole number of diazepam units (1 mg); use a multiple of 1 mg",
        ),
    ],
)
def test_each_refusal_says_what_to_do_in_full(
    changes: dict[str, Any], field: str, message: str
) -> None:
    plan: dict[str, Any] = {
        "drug": "clonazepam",
        "daily_ug": 2000,
        "recipe": "-0.25mg/7d",
        "start": START,
    }
    with pytest.raises(FieldError) as refused:
        schedule_of(**plan | changes)
    assert (refused.value.field, refused.value.message) == (field, message)


def test_one_stage_one_day_apart_and_a_one_microgram_unit_are_accepted() -> None:
    # The lowest values each check allows: a one-stage crossover the next day; 1 ug units.
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam",
            recipe="-0.25mg/7d",
            to_drug="diazepam",
            stages=1,
            stage_interval_days=1,
            units_ug={"clonazepam": 1, "diazepam": 1},
        ),
        daily_ug=500,
        start=START,
    )
    assert [(s.start, s.daily_ug, s.kind) for s in schedule.steps[:3]] == [
        (date(2026, 1, 4), {"clonazepam": 500}, "baseline"),
        (START, {"diazepam": 10000}, "crossover"),
        (date(2026, 1, 6), {"diazepam": 9750}, "cut"),
    ]


def test_after_a_single_cut_the_recipe_goes_on_with_the_very_next_phase() -> None:
    # 2 mg clonazepam, "-0.5mg/7d once; -0.25mg/14d until 1mg; -0.125mg/28d": one 0.5 mg cut,
    # then 0.25 mg a fortnight down to 1 mg, then 0.125 mg every four weeks - the second phase
    # is neither skipped nor replaced by the last.
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam", recipe="-0.5mg/7d once; -0.25mg/14d until 1mg; -0.125mg/28d"
        ),
        daily_ug=2000,
        start=START,
    )
    assert [(s.start, s.daily_ug["clonazepam"]) for s in schedule.steps[:6]] == [
        (date(2026, 1, 4), 2000),
        (START, 1500),
        (date(2026, 1, 12), 1250),
        (date(2026, 1, 26), 1000),
        (date(2026, 2, 9), 875),
        (date(2026, 3, 9), 750),
    ]


def test_a_recipe_changed_on_the_plans_first_day_replaces_every_step() -> None:
    # Changed on the baseline's own day (01-04), before any cut: nothing is kept, the new
    # recipe starts from the same 2 mg with steps numbered from 0.
    plan: dict[str, Any] = {"drug": "clonazepam", "recipe": "-0.5mg/14d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=START).steps
    changed = change_recipe(
        steps,
        on=date(2026, 1, 4),
        plan=plan_parameters(drug="clonazepam", recipe="-0.25mg/14d"),
    )
    assert [(s.index, s.start, s.daily_ug, s.kind) for s in changed[:3]] == [
        (0, date(2026, 1, 4), {"clonazepam": 2000}, "baseline"),
        (1, date(2026, 1, 18), {"clonazepam": 1750}, "cut"),
        (2, date(2026, 2, 1), {"clonazepam": 1500}, "cut"),
    ]


def test_of_two_steps_starting_the_same_day_the_later_listed_is_in_force() -> None:
    # Steps as stored, a correction entered on the day of the step it corrects: the one listed
    # last is the one in force ("the last one started on or before it").
    first = make_step(index=0, start=START, daily_ug={"clonazepam": 2000}, kind="baseline")
    corrected = make_step(index=1, start=START, daily_ug={"clonazepam": 1500}, kind="cut")
    assert step_on([first, corrected], START) is corrected
    assert step_on([first, corrected], date(2026, 1, 6)) is corrected


@pytest.mark.parametrize(
    ("daily_ug", "unit_ug", "n_times"),
    [(2000, 0, 2), (2000, 125, 0), (-250, 125, 2), (2060, 125, 2)],
)
def test_a_daily_dose_that_cannot_be_split_fails_loudly(
    daily_ug: int, unit_ug: int, n_times: int
) -> None:
    with pytest.raises(ValueError) as refused:
        split_daily_dose(daily_ug, unit_ug, n_times)
    assert str(refused.value) == (
        f"cannot split {daily_ug} ug in units of {unit_ug} over {n_times} times"
    )
