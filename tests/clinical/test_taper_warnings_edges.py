"""The warnings and refusals a physician sees before saving a plan, case by case: each test pins
a choice of ``schedule_warnings`` (and the warnings it gathers) or of the abrupt-stop refusal
that mutation testing found no other test pinned."""

from __future__ import annotations

from datetime import date

import pytest

from models.clinical.recipes import RecipeError
from models.clinical.taper import (
    INCREASE_REFERENCES,
    WARNING_CODES,
    build_schedule,
    go_back,
    in_force_step,
    plan_parameters,
    schedule_warnings,
    warning_message,
)


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def test_a_switch_from_long_to_short_acting_is_warned_on_its_first_crossover_stage() -> None:
    # The first stage already gives alprazolam (next to diazepam): the warning belongs to that
    # day, not to the stage four weeks on where diazepam is gone.
    schedule = build_schedule(
        plan_parameters(drug="diazepam", recipe="-10%/14d", to_drug="alprazolam"),
        daily_ug=20000,
        start=d(1, 5),
    )
    assert schedule.steps[1].daily_ug == {"diazepam": 15000, "alprazolam": 250}
    [warning] = [w for w in schedule.warnings if w.kind == "substitution"]
    assert (warning.step_index, warning.start) == (1, d(1, 5))
    assert warning.message == (
        "2026-01-05: switches from diazepam (long-acting, half-life 20-100 h (metabolite "
        "36-200 h)) to alprazolam (short-acting, half-life 6-20 h) [S12]; a substitution "
        "normally goes from a short-acting drug to a long-acting one"
    )


def test_a_step_back_is_not_warned_as_a_rise() -> None:
    # Back from 1 mg to 1.5 mg clonazepam (+50 %) is the physician's decision to raise the
    # dose: no "increase" warning, though it is far above the 10 % margin.
    plan = {"drug": "clonazepam", "recipe": "-0.5mg/14d"}
    steps = build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps
    back = go_back(
        steps,
        on=d(1, 22),
        plan=plan_parameters(**plan),
    )
    assert [(s.start, s.daily_ug, s.kind) for s in back[2:4]] == [
        (d(1, 19), {"clonazepam": 1000}, "cut"),
        (d(1, 22), {"clonazepam": 1500}, "back"),
    ]
    assert not [w for w in schedule_warnings(back) if w.kind == "increase"]


def test_the_wards_own_rise_margin_is_used() -> None:
    # 0.375 mg alprazolam (7.5 mg DE) crosses over to 8 mg diazepam: +6.7 %, within the
    # default 10 % but warned on a ward whose margin is 5 %.
    steps = build_schedule(
        plan_parameters(drug="alprazolam", recipe="-1mg/7d", to_drug="diazepam", stages=1),
        daily_ug=375,
        start=d(1, 5),
    ).steps
    assert not [w for w in schedule_warnings(steps) if w.kind == "increase"]
    [warning] = [w for w in schedule_warnings(steps, increase_margin_pct=5) if w.kind == "increase"]
    assert (warning.step_index, warning.start) == (1, d(1, 5))
    assert warning.message == (
        "2026-01-05: 8 mg diazepam-equivalent is 7% above the 7.5 mg of the plan's starting "
        "dose; the ward's margin is 5% (local policy)"
    )


def test_a_plan_above_the_dose_in_force_is_warned_with_the_rise_in_percent() -> None:
    # 1 mg diazepam in force, a plan from 2 mg: its baseline is 100 % above what the patient
    # takes (a dose in force of 1 mg diazepam-equivalent is still a dose to compare with).
    steps = build_schedule(
        plan_parameters(drug="diazepam", recipe="-1mg/14d"), daily_ug=2000, start=d(1, 5)
    ).steps
    in_force = in_force_step({"diazepam": 1000}, before=d(1, 3), table="ashton")
    [warning] = [w for w in schedule_warnings([in_force, *steps]) if w.kind == "increase"]
    assert (warning.step_index, warning.start) == (0, d(1, 4))
    assert warning.message == (
        "2026-01-04: 2 mg diazepam-equivalent is 100% above the 1 mg of the dose in force; "
        "the ward's margin is 10% (local policy)"
    )


def test_a_plan_for_a_patient_taking_nothing_warns_no_rise() -> None:
    # Nothing in force (0 mg diazepam-equivalent): there is no dose to rise above.
    steps = build_schedule(
        plan_parameters(drug="diazepam", recipe="-1mg/14d"), daily_ug=2000, start=d(1, 5)
    ).steps
    nothing = in_force_step({}, before=d(1, 3), table="ashton")
    assert nothing.diazepam_eq_mg == 0
    assert not [w for w in schedule_warnings([nothing, *steps]) if w.kind == "increase"]


def test_steps_after_a_step_back_are_still_checked_against_the_dose_in_force() -> None:
    # 0.5 mg clonazepam in force, a plan from 2 mg, a step back on 01-22: the step back is
    # not warned, but the 1 mg cut after it (100 % above the dose in force) is.
    plan = {"drug": "clonazepam", "recipe": "-0.5mg/14d"}
    steps = go_back(
        build_schedule(plan_parameters(**plan), daily_ug=2000, start=d(1, 5)).steps,
        on=d(1, 22),
        plan=plan_parameters(**plan),
    )
    in_force = in_force_step({"clonazepam": 500}, before=d(1, 3), table="ashton")
    warned = [w for w in schedule_warnings([in_force, *steps]) if w.kind == "increase"]
    assert [(w.step_index, w.start) for w in warned] == [
        (0, d(1, 4)),
        (1, d(1, 5)),
        (2, d(1, 19)),
        (4, d(2, 5)),
    ]
    assert steps[3].kind == "back"
    assert "20 mg diazepam-equivalent is 100% above the 10 mg of the dose in force" in (
        warned[3].message
    )


def test_an_abrupt_stop_is_refused_with_what_to_do_instead() -> None:
    # -5 mg from 2 mg clonazepam (16 units of 0.125 mg) stops at once: refused, and the
    # physician is told the two ways on (smaller cuts, or "Stop now" with a reason).
    with pytest.raises(RecipeError) as refused:
        build_schedule(
            plan_parameters(drug="clonazepam", recipe="-5mg/7d"), daily_ug=2000, start=d(1, 5)
        )
    assert refused.value.field == "recipe"
    assert refused.value.message == (
        "this recipe stops at once on 2026-01-05: from clonazepam 2 mg a day (16 dispensable "
        "units) to 0. A stop from more than 2 units risks severe withdrawal (ASAM); use "
        "smaller cuts, or choose 'Stop now' and give the reason"
    )


def test_each_warning_carries_its_code_and_values_and_its_message_is_written_from_them() -> None:
    # A switch to alprazolam whose crossover starts above a dose in force of 10 mg diazepam: the
    # baseline and the stage rise from the dose in force, the stage switches to a short-acting
    # drug, and halving weekly is faster than the pace; each says in plain data what its
    # English sentence says.
    plan = plan_parameters(drug="diazepam", recipe="-50%/7d", to_drug="alprazolam", stages=1)
    steps = build_schedule(plan, daily_ug=20000, start=d(1, 5)).steps
    in_force = in_force_step({"diazepam": 10000}, before=d(1, 3), table="ashton")
    warned = schedule_warnings([in_force, *steps])
    for warning in warned:
        assert warning.kind == warning.code
        assert warning.message == warning_message(str(warning.code), warning.values)
    rise = {"de": 20.0, "rise": 100, "before": 10.0, "reference": "in_force", "margin": 10}
    assert [(w.step_index, w.code, dict(w.values)) for w in warned] == [
        (0, "increase", {"day": "2026-01-04", **rise}),
        (1, "increase", {"day": "2026-01-05", **rise}),
        (1, "substitution", {"day": "2026-01-05", "from_drug": "diazepam",
                             "to_drug": "alprazolam"}),
        (3, "pace", {"day": "2026-01-19", "de": 5.0, "drop": 75, "earlier": 20.0,
                     "earlier_day": "2026-01-05"}),
        (4, "pace", {"day": "2026-01-26", "de": 2.5, "drop": 75, "earlier": 10.0,
                     "earlier_day": "2026-01-12"}),
        (5, "pace", {"day": "2026-02-02", "de": 0.0, "drop": 100, "earlier": 5.0,
                     "earlier_day": "2026-01-19"}),
    ]  # fmt: skip
    assert {w.code for w in warned} == set(WARNING_CODES)
    assert warned[3].message == (
        "2026-01-19: 5 mg diazepam-equivalent is 75% below the 20 mg in force on 2026-01-05; the "
        "ASAM 2025 ceiling is 25% per 2 weeks"
    )


def test_a_rise_names_what_it_is_measured_from() -> None:
    # A plan from 1 mg clonazepam (20 mg DE) above the 0.5 mg (10 mg DE) in force before it.
    in_force = in_force_step({"clonazepam": 500}, before=d(1, 3), table="ashton")
    steps = build_schedule(
        plan_parameters(drug="clonazepam", recipe="-0.5mg/14d"), daily_ug=1000, start=d(1, 5)
    )
    [rise] = [w for w in schedule_warnings([in_force, *steps.steps]) if w.code == "increase"]
    assert (rise.values["reference"], rise.values["rise"]) == ("in_force", 100)
    assert set(INCREASE_REFERENCES) == {"in_force", "start", "previous"}
    for key, words in INCREASE_REFERENCES.items():
        values = {"day": "2026-01-05", "de": 12.5, "rise": 25, "before": 10.0,
                  "reference": key, "margin": 10}  # fmt: skip
        assert warning_message("increase", values) == (
            f"2026-01-05: 12.5 mg diazepam-equivalent is 25% above the 10 mg of {words}; the "
            "ward's margin is 10% (local policy)"
        )


def test_no_steps_no_warnings() -> None:
    assert schedule_warnings([]) == ()


def test_a_warning_code_no_check_makes_is_refused() -> None:
    with pytest.raises(ValueError, match="no warning has the code 'label'"):
        warning_message("label", {})
