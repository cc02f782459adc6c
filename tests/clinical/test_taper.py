"""Fixed, hand-computed schedules. Start 2026-01-05 (a Monday); the baseline step is dated the
day before. Doses in ug; clonazepam unit 125 ug (0.125 mg)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from models.clinical.recipes import PRESETS, RecipeError, parse_recipe
from models.clinical.taper import (
    PlannedDose,
    Schedule,
    build_schedule,
    hold,
    make_step,
    pace_warnings,
    plan_parameters,
    split_daily_dose,
    step_on,
)
from models.errors import FieldError
from tests.clinical.schedules import schedule_of

START = date(2026, 1, 5)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def clonazepam(daily_ug: int, preset: str) -> Schedule:
    return build_schedule(
        plan_parameters(drug="clonazepam", recipe=PRESETS[preset].recipe),
        daily_ug=daily_ug,
        start=START,
    )


def doses_by_date(schedule: Schedule, drug: str) -> list[tuple[date, int, str]]:
    return [(s.start, s.daily_ug.get(drug, 0), s.kind) for s in schedule.steps]


# --- the four founding recipes, two starting doses each ---------------------------------


def test_recipe_a_from_2_mg() -> None:
    # -0.5 mg every 14 d until 1 mg, then -0.25 mg every 7 d.
    assert doses_by_date(clonazepam(2000, "a"), "clonazepam") == [
        (d(1, 4), 2000, "baseline"),
        (d(1, 5), 1500, "cut"),  # first cut on the start date
        (d(1, 19), 1000, "cut"),  # reaches 'until 1mg'; this step lasts phase 1's 14 d
        (d(2, 2), 750, "cut"),  # phase 2: -0.25 mg weekly
        (d(2, 9), 500, "cut"),
        (d(2, 16), 250, "cut"),
        (d(2, 23), 0, "final"),
    ]


def test_recipe_a_from_3_mg() -> None:
    assert doses_by_date(clonazepam(3000, "a"), "clonazepam") == [
        (d(1, 4), 3000, "baseline"),
        (d(1, 5), 2500, "cut"),
        (d(1, 19), 2000, "cut"),
        (d(2, 2), 1500, "cut"),
        (d(2, 16), 1000, "cut"),
        (d(3, 2), 750, "cut"),
        (d(3, 9), 500, "cut"),
        (d(3, 16), 250, "cut"),
        (d(3, 23), 0, "final"),
    ]


def test_recipe_a_stops_at_until_when_a_cut_would_pass_it() -> None:
    # 1.75 mg: -0.5 -> 1.25, then -0.5 would give 0.75, past 'until 1mg': stops at 1.0.
    schedule = build_schedule(
        plan_parameters(drug="clonazepam", recipe=PRESETS["a"].recipe), daily_ug=1750, start=START
    )
    assert [s.daily_ug["clonazepam"] for s in schedule.steps] == [
        1750,
        1250,
        1000,
        750,
        500,
        250,
        0,
    ]
    assert [s.start for s in schedule.steps][2:4] == [d(1, 19), d(2, 2)]


def test_recipe_a_skips_the_first_phase_below_its_until() -> None:
    schedule = build_schedule(
        plan_parameters(drug="clonazepam", recipe=PRESETS["a"].recipe), daily_ug=750, start=START
    )
    assert doses_by_date(schedule, "clonazepam") == [
        (d(1, 4), 750, "baseline"),
        (d(1, 5), 500, "cut"),
        (d(1, 12), 250, "cut"),
        (d(1, 19), 0, "final"),
    ]


def test_recipe_b_from_2_mg() -> None:
    # -25 % once, then -10 % of the current dose weekly; nearest 0.125 mg, halves up; a cut
    # that rounds to no change cuts one unit (0.125 mg).
    assert [s.daily_ug["clonazepam"] for s in clonazepam(2000, "b").steps] == [
        2000,
        1500,  # -25 %
        1375,  # 1350 = 10.8 units -> 11
        1250,  # 1237.5 = 9.9 -> 10
        1125,  # 1125 = 9
        1000,  # 1012.5 = 8.1 -> 8
        875,  # 900 = 7.2 -> 7
        750,  # 787.5 = 6.3 -> 6
        625,  # 675 = 5.4 -> 5
        500,  # 562.5 = 4.5 -> 5 (no change) -> one unit less
        375,  # 450 = 3.6 -> 4 (no change) -> 3
        250,  # 337.5 = 2.7 -> 3 (no change) -> 2
        125,  # 225 = 1.8 -> 2 (no change) -> 1
        0,  # 112.5 = 0.9 -> 1 (no change) -> 0
    ]
    assert clonazepam(2000, "b").steps[-1].start == d(3, 30)  # 13 weekly steps after 01-05


def test_recipe_b_from_3_mg() -> None:
    assert [s.daily_ug["clonazepam"] for s in clonazepam(3000, "b").steps] == [
        3000,
        2250,  # -25 %
        2000,  # 2025 = 16.2 -> 16
        1750,  # 1800 = 14.4 -> 14
        1625,  # 1575 = 12.6 -> 13
        1500,  # 1462.5 = 11.7 -> 12
        1375,  # 1350 = 10.8 -> 11
        1250,
        1125,
        1000,
        875,
        750,
        625,
        500,
        375,
        250,
        125,
        0,
    ]


def test_recipe_c_from_2_and_3_mg() -> None:
    two = clonazepam(2000, "c")
    assert [s.daily_ug["clonazepam"] for s in two.steps] == [
        2000,
        1750,
        1500,
        1250,
        1000,
        750,
        500,
        250,
        0,
    ]
    assert [s.start for s in two.steps] == [
        d(1, 4),
        d(1, 5),
        d(1, 12),
        d(1, 19),
        d(1, 26),
        d(2, 2),
        d(2, 9),
        d(2, 16),
        d(2, 23),
    ]
    three = clonazepam(3000, "c")
    assert [s.daily_ug["clonazepam"] for s in three.steps] == list(range(3000, -1, -250))
    assert three.steps[-1].start == d(3, 23)


def test_recipe_d_from_2_mg() -> None:
    schedule = clonazepam(2000, "d")
    assert [s.daily_ug["clonazepam"] for s in schedule.steps] == [
        2000,
        1750,  # 1800 = 14.4 -> 14
        1625,  # 1575 = 12.6 -> 13
        1500,  # 1462.5 = 11.7 -> 12
        1375,
        1250,
        1125,
        1000,
        875,
        750,
        625,
        500,  # 562.5 = 4.5 -> 5 (no change) -> 4
        375,
        250,
        125,
        0,
    ]
    assert [s.start for s in schedule.steps][1:4] == [d(1, 5), d(1, 19), d(2, 2)]  # fortnightly
    assert schedule.steps[-1].start == d(7, 20)


def test_recipe_d_from_3_mg() -> None:
    assert [s.daily_ug["clonazepam"] for s in clonazepam(3000, "d").steps][:6] == [
        3000,
        2750,  # 2700 = 21.6 -> 22
        2500,  # 2475 = 19.8 -> 20
        2250,  # 2250 = 18
        2000,  # 2025 = 16.2 -> 16
        1750,  # 1800 = 14.4 -> 14
    ]
    assert clonazepam(3000, "d").steps[-1].daily_ug == {"clonazepam": 0}


def test_lorazepam_rounds_to_its_quarter_milligram() -> None:
    # lorazepam unit 0.25 mg: 10 % of 2 mg -> 1.8 = 7.2 units -> 7 = 1.75 mg.
    schedule = build_schedule(
        plan_parameters(drug="lorazepam", recipe="-10%/14d"), daily_ug=2000, start=START
    )
    assert [s.daily_ug["lorazepam"] for s in schedule.steps][:4] == [2000, 1750, 1500, 1250]
    assert all(s.daily_ug["lorazepam"] % 250 == 0 for s in schedule.steps)


def test_ward_units_override_the_default() -> None:
    schedule = build_schedule(
        plan_parameters(drug="diazepam", recipe="-10%/7d", units_ug={"diazepam": 500}),
        daily_ug=10000,
        start=START,
    )
    assert [s.daily_ug["diazepam"] for s in schedule.steps][:4] == [10000, 9000, 8000, 7000]
    assert schedule.steps[-2].daily_ug == {"diazepam": 500}


# --- splitting over administration times ---------------------------------------------


def test_split_spreads_the_remainder_from_the_last_time_backwards() -> None:
    assert split_daily_dose(1250, 125, 3) == [375, 375, 500]  # 10 units: 3, 3, 4
    assert split_daily_dose(1375, 125, 3) == [375, 500, 500]  # 11 units: 3, 4, 4
    assert split_daily_dose(125, 125, 2) == [0, 125]
    assert split_daily_dose(0, 125, 2) == [0, 0]
    with pytest.raises(ValueError):
        split_daily_dose(1300, 125, 2)


def test_step_doses_follow_the_times_in_clock_order() -> None:
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam", recipe="-0.125mg/7d", times=[time(20), time(8), time(14)]
        ),
        daily_ug=1375,
        start=START,
    )
    assert schedule.steps[0].doses == (
        PlannedDose(time(8), "clonazepam", 375),
        PlannedDose(time(14), "clonazepam", 500),
        PlannedDose(time(20), "clonazepam", 500),
    )
    # 1 unit a day: only the last time gets a dose; the final step has none.
    assert schedule.steps[-2].doses == (PlannedDose(time(20), "clonazepam", 125),)
    assert schedule.steps[-1].doses == ()


# --- substitution ------------------------------------------------------------------------


def test_alprazolam_2_mg_to_clonazepam_by_ashton() -> None:
    # Ashton: alprazolam 0.5 mg ~ clonazepam 0.5 mg ~ diazepam 10 mg, so 1:1.
    schedule = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-0.25mg/7d", to_drug="clonazepam"),
        daily_ug=2000,
        start=START,
    )
    steps = schedule.steps
    assert [(s.start, s.daily_ug, s.kind) for s in steps[:6]] == [
        (d(1, 4), {"alprazolam": 2000}, "baseline"),
        (d(1, 5), {"alprazolam": 1500, "clonazepam": 500}, "crossover"),
        (d(1, 12), {"alprazolam": 1000, "clonazepam": 1000}, "crossover"),
        (d(1, 19), {"alprazolam": 500, "clonazepam": 1500}, "crossover"),
        (d(1, 26), {"clonazepam": 2000}, "crossover"),
        (d(2, 2), {"clonazepam": 1750}, "cut"),  # one stage interval after the last stage
    ]
    assert {s.diazepam_eq_mg for s in steps[:5]} == {40.0}
    assert steps[1].doses == (
        PlannedDose(time(8), "alprazolam", 750),
        PlannedDose(time(8), "clonazepam", 250),
        PlannedDose(time(20), "alprazolam", 750),
        PlannedDose(time(20), "clonazepam", 250),
    )
    assert steps[-1].daily_ug == {"clonazepam": 0}


def test_lorazepam_2_mg_to_diazepam_by_ashton() -> None:
    # Ashton: lorazepam 1 mg ~ diazepam 10 mg; 0.5 mg lorazepam moved per weekly stage.
    schedule = build_schedule(
        plan_parameters(drug="lorazepam", recipe="-2mg/14d", to_drug="diazepam"),
        daily_ug=2000,
        start=START,
    )
    assert [(s.start, s.daily_ug) for s in schedule.steps[:7]] == [
        (d(1, 4), {"lorazepam": 2000}),
        (d(1, 5), {"lorazepam": 1500, "diazepam": 5000}),
        (d(1, 12), {"lorazepam": 1000, "diazepam": 10000}),
        (d(1, 19), {"lorazepam": 500, "diazepam": 15000}),
        (d(1, 26), {"diazepam": 20000}),
        (d(2, 2), {"diazepam": 18000}),
        (d(2, 16), {"diazepam": 16000}),
    ]
    assert {s.diazepam_eq_mg for s in schedule.steps[:5]} == {20.0}


def test_lorazepam_2_mg_to_diazepam_by_vadod_rounds_each_stage_to_1_mg() -> None:
    # VA/DoD: lorazepam 2 mg ~ diazepam 10 mg; 0.5 mg lorazepam = 2.5 mg diazepam -> 3 mg.
    schedule = build_schedule(
        plan_parameters(drug="lorazepam", recipe="-1mg/14d", to_drug="diazepam", table="vadod"),
        daily_ug=2000,
        start=START,
    )
    assert schedule.table == "vadod"
    assert [s.daily_ug for s in schedule.steps[1:5]] == [
        {"lorazepam": 1500, "diazepam": 3000},  # 2.5 -> 3 (halves up)
        {"lorazepam": 1000, "diazepam": 5000},
        {"lorazepam": 500, "diazepam": 8000},  # 7.5 -> 8
        {"diazepam": 10000},
    ]
    assert [s.diazepam_eq_mg for s in schedule.steps[:5]] == [10.0, 10.5, 10.0, 10.5, 10.0]


def test_uneven_crossover_keeps_both_drugs_in_whole_units() -> None:
    # alprazolam 1.75 mg = 14 units; 4 stages leave round(14 * 3/4) = 11 (10.5 up), 7,
    # round(3.5) = 4, 0 units.
    schedule = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-10%/14d", to_drug="clonazepam"),
        daily_ug=1750,
        start=START,
    )
    assert [s.daily_ug for s in schedule.steps[1:5]] == [
        {"alprazolam": 1375, "clonazepam": 375},
        {"alprazolam": 875, "clonazepam": 875},
        {"alprazolam": 500, "clonazepam": 1250},
        {"clonazepam": 1750},
    ]


def test_two_stages_a_fortnight_apart() -> None:
    schedule = build_schedule(
        plan_parameters(
            drug="alprazolam",
            recipe="-0.25mg/7d",
            to_drug="clonazepam",
            stages=2,
            stage_interval_days=14,
        ),
        daily_ug=1000,
        start=START,
    )
    assert [(s.start, s.daily_ug) for s in schedule.steps[:4]] == [
        (d(1, 4), {"alprazolam": 1000}),
        (d(1, 5), {"alprazolam": 500, "clonazepam": 500}),
        (d(1, 19), {"clonazepam": 1000}),
        (d(2, 2), {"clonazepam": 750}),
    ]


# --- pace check --------------------------------------------------------------------------


def test_pace_check_on_recipe_a_from_2_mg() -> None:
    schedule = clonazepam(2000, "a")
    # 1.5 mg is exactly 75 % of the baseline: not below, no warning. 1.0 on 01-19 vs 1.5 on
    # 01-05 (67 %): warned. 0.75 on 02-02 vs 1.0 (75 %): not. Every later weekly step: warned.
    assert [w.start for w in schedule.warnings] == [d(1, 19), d(2, 9), d(2, 16), d(2, 23)]
    assert [w.step_index for w in schedule.warnings] == [2, 4, 5, 6]
    first = schedule.warnings[0].message
    assert first.startswith("2026-01-19: 20 mg diazepam-equivalent is 33% below the 30 mg")
    assert "ASAM 2025 ceiling is 25% per 2 weeks" in first


def test_pace_check_on_recipe_d_only_warns_at_the_end() -> None:
    assert [w.start for w in clonazepam(2000, "d").warnings] == [d(6, 22), d(7, 6), d(7, 20)]


def test_pace_check_uses_diazepam_equivalents_across_a_crossover() -> None:
    schedule = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-10%/14d", to_drug="clonazepam"),
        daily_ug=2000,
        start=START,
    )
    assert all(w.start > d(1, 26) for w in schedule.warnings)
    assert pace_warnings(schedule.steps) == schedule.warnings


def test_a_hold_after_a_fast_step_is_not_warned_again() -> None:
    schedule = clonazepam(2000, "a")
    fast = schedule.warnings[0]  # 1.0 mg on 01-19, 33 % below 01-05's 1.5 mg
    held = hold(
        schedule.steps,
        on=fast.start + timedelta(days=1),
        days=14,
        plan=plan_parameters(drug="clonazepam", recipe=PRESETS["a"].recipe),
    )
    warned = pace_warnings(held)
    assert fast.start in [w.start for w in warned]
    hold_steps = [s for s in held if s.kind == "hold"]
    assert hold_steps and not {s.index for s in hold_steps} & {w.step_index for w in warned}
    # Without the rule, the hold (1.0 mg, still below 75 % of 1.5 mg 14 days before) would be.
    first_hold = hold_steps[0]
    earlier = step_on(held, first_hold.start - timedelta(days=14)) or held[0]
    assert first_hold.diazepam_eq_mg < 0.75 * earlier.diazepam_eq_mg


def test_step_on() -> None:
    steps = clonazepam(2000, "a").steps
    assert step_on(steps, d(1, 3)) is None
    assert step_on(steps, d(1, 4)) is steps[0]
    assert step_on(steps, d(1, 18)) is steps[1]
    assert step_on(steps, d(1, 19)) is steps[2]
    assert step_on(steps, d(12, 31)) is steps[-1]


def test_make_step_rebuilds_a_stored_crossover_step() -> None:
    original = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-0.25mg/7d", to_drug="clonazepam"),
        daily_ug=2000,
        start=START,
    ).steps[1]
    rebuilt = make_step(index=1, start=original.start, daily_ug=original.daily_ug, kind="crossover")
    assert rebuilt == original


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"daily_ug": 0}, "daily_mg", "must be more than 0"),
        ({"daily_ug": -125}, "daily_mg", "must be more than 0"),
        ({"daily_ug": 2060}, "daily_mg", "2.06 mg is not a whole number of clonazepam units"),
        ({"drug": "zolpidem"}, "drug", "unknown drug 'zolpidem'"),
        ({"to_drug": "clonazepam"}, "to_drug", "is the same as the drug"),
        ({"to_drug": "zolpidem"}, "to_drug", "unknown drug 'zolpidem'"),
        ({"stages": 0}, "stages", "at least 1 stage"),
        ({"to_drug": "diazepam", "daily_ug": 250}, "stages", "only 2 units"),
        ({"stage_interval_days": 0}, "stage_interval_days", "at least 1 day"),
        ({"times": []}, "times", "at least one administration time"),
        ({"times": [time(8), time(8)]}, "times", "08:00 is listed twice"),
        ({"table": "bnf"}, "table", "unknown equivalence table 'bnf'"),
        ({"recipe": "-0.5mg/14x"}, "recipe", "unknown interval unit 'x'"),
        ({"units_ug": {"clonazepam": 0}}, "units_ug", "above 0"),
    ],
)
def test_bad_input_names_the_field(changes: dict[str, object], field: str, text: str) -> None:
    kwargs: dict[str, object] = {
        "drug": "clonazepam",
        "daily_ug": 2000,
        "recipe": "-0.25mg/7d",
        "start": START,
    }
    kwargs.update(changes)
    with pytest.raises(FieldError) as exc:
        schedule_of(**kwargs)
    assert exc.value.field == field
    assert text in exc.value.message


def test_until_must_be_a_whole_number_of_the_tapered_drugs_units() -> None:
    with pytest.raises(RecipeError) as exc:
        build_schedule(
            plan_parameters(
                drug="lorazepam", recipe="-1mg/7d until 2.5mg; -1mg/7d", to_drug="diazepam"
            ),
            daily_ug=2000,
            start=START,
        )
    assert "'until 2.5mg' is not a whole number of diazepam units (1 mg)" in exc.value.message


def test_a_parsed_recipe_is_accepted() -> None:
    parsed = parse_recipe("-0.25mg/7d")
    by_text = build_schedule(
        plan_parameters(drug="clonazepam", recipe="-0.25mg/7d"), daily_ug=500, start=START
    )
    assert (
        build_schedule(plan_parameters(drug="clonazepam", recipe=parsed), daily_ug=500, start=START)
        == by_text
    )


def test_a_substitution_to_less_than_half_a_unit_is_refused() -> None:
    # diazepam 1 mg = alprazolam 0.05 mg (Ashton), under half a 0.125 mg unit.
    with pytest.raises(FieldError) as exc:
        build_schedule(
            plan_parameters(drug="diazepam", recipe="-10%/7d", to_drug="alprazolam"),
            daily_ug=1000,
            start=START,
        )
    assert exc.value.field == "to_drug"
    assert "taper diazepam directly" in exc.value.message
