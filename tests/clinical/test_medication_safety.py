"""Medication safety on the pure side: abrupt stops in any spelling (5), crossover rounding and
long- to short-acting switches warned (6), dose ceilings (4), a plan starting later keeps the
dose in force from the day it takes effect (3)."""

from __future__ import annotations

from datetime import date

import pytest

from models.clinical.dose_limits import (
    DEFAULT_HARD_CEILING_DE_MG,
    above_label,
    check_hard_ceiling,
    confirmation,
)
from models.clinical.drugs import DRUGS, MAX_DOSE_MG, label_maximum_text, mg_to_ug
from models.clinical.recipes import RecipeError, parse_recipe
from models.clinical.taper import (
    PlannedStep,
    build_schedule,
    change_recipe,
    hold,
    plan_parameters,
    stop,
)
from models.errors import FieldError

START = date(2026, 3, 15)
MADE = date(2026, 3, 10)


def _clonazepam(recipe: str, daily_ug: int = 2000) -> tuple[PlannedStep, ...]:
    return build_schedule(
        plan_parameters(drug="clonazepam", recipe=recipe), daily_ug=daily_ug, start=START
    ).steps


# --- finding 5: one rule for abrupt stops -----------------------------------------------------


@pytest.mark.parametrize("recipe", ["-99.99%/7d", "-5mg/7d", "-2mg/7d", "-97%/1d", "-1.95mg/7d"])
def test_every_spelling_of_stopping_2_mg_at_once_is_refused(recipe: str) -> None:
    with pytest.raises(RecipeError) as exc:
        _clonazepam(recipe)
    assert exc.value.field == "recipe"
    assert "stops at once on 2026-03-15: from clonazepam 2 mg a day (16 dispensable units)" in (
        exc.value.message
    )
    assert "Stop now" in exc.value.message


def test_a_last_cut_of_one_or_two_units_is_a_taper_ending_not_an_abrupt_stop() -> None:
    assert _clonazepam("-0.25mg/7d", daily_ug=250)[-1].daily_ug == {"clonazepam": 0}
    steps = build_schedule(
        plan_parameters(drug="diazepam", recipe="-2mg/7d"), daily_ug=2000, start=START
    ).steps
    assert [s.daily_ug["diazepam"] for s in steps] == [2000, 0]
    with pytest.raises(RecipeError):  # three units of diazepam at once: refused
        build_schedule(
            plan_parameters(drug="diazepam", recipe="-3mg/7d"), daily_ug=3000, start=START
        )


def test_changing_the_recipe_to_an_abrupt_stop_is_refused_and_stop_now_is_explicit() -> None:
    steps = _clonazepam("-10%/14d")
    with pytest.raises(RecipeError) as exc:
        change_recipe(
            steps,
            on=date(2026, 4, 1),
            plan=plan_parameters(drug="clonazepam", recipe="-99%/1d"),
        )
    assert "stops at once on 2026-04-02" in exc.value.message
    stopped = stop(
        steps,
        on=date(2026, 4, 1),
        plan=plan_parameters(drug="clonazepam", recipe="-10%/14d"),
    )
    assert stopped[-1].start == date(2026, 4, 1)
    assert stopped[-1].kind == "final" and stopped[-1].daily_ug == {"clonazepam": 0}
    assert [s for s in stopped if s.start < date(2026, 4, 1)] == [
        s for s in steps if s.start < date(2026, 4, 1)
    ]
    with pytest.raises(FieldError) as ended:
        stop(
            stopped,
            on=date(2026, 4, 2),
            plan=plan_parameters(drug="clonazepam", recipe="-10%/14d"),
        )
    assert ended.value.field == "on"


def test_a_five_thousand_digit_amount_is_refused_without_echoing_it() -> None:
    huge = "9" * 5000
    for text in (f"-{huge}mg/7d", f"-{huge}%/7d", f"-0.5mg/7d until {huge}mg; -0.25mg/7d"):
        with pytest.raises(RecipeError) as exc:
            parse_recipe(text)
        assert len(exc.value.message) < 200
        assert "99999" not in exc.value.message
    with pytest.raises(RecipeError) as long_amount:
        parse_recipe("-99999999999mg/7d")
    assert "at most 10 characters" in long_amount.value.message
    with pytest.raises(FieldError) as dose:
        mg_to_ug(huge)
    assert "9999" not in dose.value.message


def test_exponents_and_absurd_doses_are_refused() -> None:
    for text in ("1e3", "1E3", "2e-1"):
        with pytest.raises(FieldError) as exc:
            mg_to_ug(text, field="daily_mg")
        assert "plain number" in exc.value.message
    with pytest.raises(FieldError) as absurd:
        mg_to_ug(str(MAX_DOSE_MG + 1))
    assert "is not a dose" in absurd.value.message


# --- finding 6: crossover rounding up, long- to short-acting --------------------------------


def test_crossover_rounding_up_by_20_percent_is_warned() -> None:
    # Alprazolam 0.125 mg is 2.5 mg diazepam by Ashton; rounded to whole 1 mg units: 3 mg.
    schedule = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-1mg/7d", to_drug="diazepam", stages=1),
        daily_ug=125,
        start=START,
    )
    assert schedule.steps[1].daily_ug == {"diazepam": 3000}
    [warning] = [w for w in schedule.warnings if w.kind == "increase"]
    assert warning.step_index == 1
    assert "3 mg diazepam-equivalent is 20% above the 2.5 mg of the plan's starting dose" in (
        warning.message
    )
    assert "margin is 10% (local policy)" in warning.message


def test_a_rise_within_the_margin_is_not_warned() -> None:
    # 0.375 mg alprazolam = 7.5 mg DE -> diazepam 8 mg: +6.7 %.
    schedule = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-1mg/7d", to_drug="diazepam", stages=1),
        daily_ug=375,
        start=START,
    )
    assert not [w for w in schedule.warnings if w.kind == "increase"]


def test_diazepam_to_alprazolam_is_warned_and_the_other_way_is_not() -> None:
    long_to_short = build_schedule(
        plan_parameters(drug="diazepam", recipe="-10%/14d", to_drug="alprazolam"),
        daily_ug=20000,
        start=START,
    )
    [warning] = [w for w in long_to_short.warnings if w.kind == "substitution"]
    assert "from diazepam (long-acting, half-life 20-100 h" in warning.message
    assert "to alprazolam (short-acting, half-life 6-20 h) [S12]" in warning.message
    short_to_long = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-10%/14d", to_drug="diazepam"),
        daily_ug=2000,
        start=START,
    )
    assert not [w for w in short_to_long.warnings if w.kind == "substitution"]


# --- finding 3 (engine side): the baseline covers the days before a later start -----------------


def test_a_plan_starting_later_holds_its_starting_dose_from_the_day_it_takes_effect() -> None:
    steps = build_schedule(
        plan_parameters(drug="clonazepam", recipe="-10%/14d"),
        daily_ug=2000,
        start=START,
        effective=MADE,
    ).steps
    assert (steps[0].start, steps[0].kind, steps[0].daily_ug) == (
        MADE,
        "baseline",
        {"clonazepam": 2000},
    )
    assert steps[1].start == START
    today = build_schedule(
        plan_parameters(drug="clonazepam", recipe="-10%/14d"),
        daily_ug=2000,
        start=MADE,
        effective=MADE,
    ).steps
    assert today[0].start == date(2026, 3, 9)  # the day before, as without ``effective``


def test_a_plan_made_mid_crossover_continues_it_from_both_drugs() -> None:
    schedule = build_schedule(
        plan_parameters(drug="alprazolam", to_drug="diazepam", recipe="-10%/14d", stages=2),
        daily_ug=1000,
        to_drug_daily_ug=20000,
        start=START,
        effective=MADE,
    )
    baseline, first, second = schedule.steps[:3]
    assert baseline.daily_ug == {"alprazolam": 1000, "diazepam": 20000}
    assert baseline.diazepam_eq_mg == 40
    assert first.daily_ug == {"alprazolam": 500, "diazepam": 30000}
    assert second.daily_ug == {"diazepam": 40000}
    assert [s.diazepam_eq_mg for s in schedule.steps[:3]] == [40, 40, 40]
    assert not [w for w in schedule.warnings if w.kind == "increase"]
    with pytest.raises(FieldError) as exc:
        build_schedule(
            plan_parameters(drug="alprazolam", to_drug="diazepam", recipe="-10%/14d"),
            daily_ug=1000,
            to_drug_daily_ug=20500,
            start=START,
        )
    assert exc.value.field == "to_drug"


def test_a_hold_keeps_the_dose_of_a_plan_that_has_not_started() -> None:
    steps = build_schedule(
        plan_parameters(drug="clonazepam", recipe="-10%/14d"),
        daily_ug=2000,
        start=START,
        effective=MADE,
    ).steps
    held = hold(
        steps,
        on=date(2026, 3, 12),
        days=7,
        plan=plan_parameters(drug="clonazepam", recipe="-10%/14d"),
    )
    assert held[0].start == MADE and held[1].kind == "hold"
    assert held[2].start == date(2026, 3, 22)


# --- finding 4: label maxima and the hard ceiling -------------------------------------------


def test_label_maxima_name_their_indication_and_source() -> None:
    assert {d: DRUGS[d].label_max_ug for d in DRUGS} == {
        "clonazepam": 20000,
        "alprazolam": 10000,
        "lorazepam": 10000,
        "diazepam": 40000,
    }
    assert label_maximum_text("clonazepam") == (
        "20 mg/day (seizure disorders; panic disorder 4 mg/day [S61])"
    )
    assert "[S62]" in label_maximum_text("alprazolam")
    assert "[S63]" in label_maximum_text("lorazepam")
    assert "[S64]" in label_maximum_text("diazepam")


def test_above_a_label_maximum_a_physician_confirms_with_a_reason() -> None:
    found = above_label([{"alprazolam": 12000}, {"alprazolam": 8000, "diazepam": 20000}])
    assert [(a.drug, a.daily_ug) for a in found] == [("alprazolam", 12000)]
    assert confirmation([], reason="", role="nurse") is None
    with pytest.raises(FieldError) as nurse:
        confirmation(found, reason="Confirmed with the GP", role="nurse")
    assert "Only a physician can confirm" in nurse.value.message
    assert confirmation(found, reason="", role="nurse") is None  # recorded, not confirmed
    with pytest.raises(FieldError) as empty:
        confirmation(found, reason="  ", role="physician")
    assert empty.value.field == "above_label_reason"
    assert "alprazolam 12 mg a day is above its label maximum of 10 mg/day" in empty.value.message
    assert confirmation(found, reason=" Street use, verified ", role="physician") == (
        "Street use, verified"
    )


def test_the_hard_ceiling_refuses_the_issue_s_400_mg_of_alprazolam() -> None:
    assert DEFAULT_HARD_CEILING_DE_MG == 300
    check_hard_ceiling([{"diazepam": 300_000}], ceiling_de_mg=300)
    with pytest.raises(FieldError) as exc:
        check_hard_ceiling([{"alprazolam": 400_000}], ceiling_de_mg=300)
    assert "8000 mg diazepam-equivalent" in exc.value.message
    assert "hard ceiling of 300 mg a day (local policy)" in exc.value.message
    with pytest.raises(FieldError):
        check_hard_ceiling([{"alprazolam": 5000, "diazepam": 250_000}], ceiling_de_mg=300)
