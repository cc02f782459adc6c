"""The warnings a physician sees before saving a plan, case by case: each test pins a choice of
``schedule_warnings`` (and the warnings it gathers) that mutation testing found no other test
pinned."""

from __future__ import annotations

from datetime import date

from models.clinical.taper import build_schedule, go_back, schedule_warnings


def d(month: int, day: int) -> date:
    return date(2026, month, day)


def test_a_switch_from_long_to_short_acting_is_warned_on_its_first_crossover_stage() -> None:
    # The first stage already gives alprazolam (next to diazepam): the warning belongs to that
    # day, not to the stage four weeks on where diazepam is gone.
    schedule = build_schedule(
        drug="diazepam", daily_ug=20000, recipe="-10%/14d", start=d(1, 5), to_drug="alprazolam"
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
    steps = build_schedule(daily_ug=2000, start=d(1, 5), **plan).steps
    back = go_back(steps, on=d(1, 22), **plan)
    assert [(s.start, s.daily_ug, s.kind) for s in back[2:4]] == [
        (d(1, 19), {"clonazepam": 1000}, "cut"),
        (d(1, 22), {"clonazepam": 1500}, "back"),
    ]
    assert not [w for w in schedule_warnings(back) if w.kind == "increase"]


def test_the_wards_own_rise_margin_is_used() -> None:
    # 0.375 mg alprazolam (7.5 mg DE) crosses over to 8 mg diazepam: +6.7 %, within the
    # default 10 % but warned on a ward whose margin is 5 %.
    steps = build_schedule(
        drug="alprazolam",
        daily_ug=375,
        recipe="-1mg/7d",
        start=d(1, 5),
        to_drug="diazepam",
        stages=1,
    ).steps
    assert not [w for w in schedule_warnings(steps) if w.kind == "increase"]
    [warning] = [w for w in schedule_warnings(steps, increase_margin_pct=5) if w.kind == "increase"]
    assert (warning.step_index, warning.start) == (1, d(1, 5))
    assert warning.message == (
        "2026-01-05: 8 mg diazepam-equivalent is 7% above the 7.5 mg of the plan's starting "
        "dose; the ward's margin is 5% (local policy)"
    )
