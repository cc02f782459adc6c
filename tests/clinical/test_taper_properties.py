"""Properties of every schedule the engine makes (docs/recipes.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from models.clinical.drugs import DRUGS, equivalent_ug
from models.clinical.recipes import RecipeError
from models.clinical.taper import (
    ABRUPT_STOP_UNITS,
    DEFAULT_INCREASE_MARGIN_PCT,
    PlannedStep,
    Schedule,
    build_schedule,
    change_recipe,
    go_back,
    hold,
    plan_parameters,
    resume,
    step_on,
)
from models.errors import FieldError

START = date(2026, 1, 5)
FAST = settings(max_examples=60, deadline=None)


@dataclass(frozen=True)
class Plan:
    drug: str
    to_drug: str | None
    daily_ug: int
    recipe: str
    times: tuple[time, ...]
    table: str
    stages: int

    @property
    def params(self) -> dict[str, Any]:
        return {
            "drug": self.drug,
            "to_drug": self.to_drug,
            "recipe": self.recipe,
            "times": self.times,
            "table": self.table,
            "stages": self.stages,
        }

    def build(self) -> Schedule:
        return build_schedule(plan_parameters(**self.params), daily_ug=self.daily_ug, start=START)

    @property
    def tapered(self) -> str:
        return self.to_drug or self.drug


def cut() -> st.SearchStrategy[str]:
    mg = st.integers(1, 16).map(lambda n: f"-{n * 0.125:g}mg")
    percent = st.sampled_from(["-5%", "-10%", "-12.5%", "-25%", "-50%", "-90%"])
    interval = st.sampled_from(["/1d", "/7d", "/10d", "/2w", "/4w"])
    return st.builds(lambda a, i: a + i, mg | percent, interval)


@st.composite
def recipes(draw: st.DrawFn) -> str:
    bounded = draw(
        st.lists(
            st.builds(
                lambda c, bound: f"{c} {bound}",
                cut(),
                st.sampled_from(["once", "until 1mg", "until 2mg", "until 5mg"]),
            ),
            max_size=2,
        )
    )
    return "; ".join([*bounded, draw(cut())])


def stops_at_once(plan: Plan) -> bool:
    """The engine refuses the plan: its first change stops every drug from > 2 units."""
    try:
        plan.build()
    except RecipeError as exc:
        assert "stops at once" in exc.message
        return True
    return False


@st.composite
def any_plans(draw: st.DrawFn) -> Plan:
    drug = draw(st.sampled_from(sorted(DRUGS)))
    to_drug = draw(st.none() | st.sampled_from(sorted(set(DRUGS) - {drug})))
    units = draw(st.integers(1, 48))
    times = draw(
        st.lists(
            st.sampled_from([time(6), time(8), time(12), time(14), time(20), time(22)]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    table = draw(st.sampled_from(["ashton", "vadod"]))
    if to_drug is not None:  # a substitution to under one unit of the new drug is refused
        assume(
            equivalent_ug(drug, units * DRUGS[drug].unit_ug, to_drug, table)
            >= DRUGS[to_drug].unit_ug
        )
    return Plan(
        drug=drug,
        to_drug=to_drug,
        daily_ug=units * DRUGS[drug].unit_ug,
        recipe=draw(recipes()),
        times=tuple(times),
        table=table,
        stages=draw(st.integers(1, min(units, 6))),
    )


def plans() -> st.SearchStrategy[Plan]:
    """Plans the engine accepts (an abrupt first stop is refused: its own test below)."""
    return any_plans().filter(lambda plan: not stops_at_once(plan))


def dose(step: PlannedStep, drug: str) -> int:
    return step.daily_ug.get(drug, 0)


@FAST
@given(plans())
def test_every_taper_ends_at_zero(plan: Plan) -> None:
    steps = plan.build().steps
    assert steps[-1].daily_ug == {plan.tapered: 0}
    assert steps[-1].kind == "final"
    assert steps[0].kind == "baseline" and steps[0].daily_ug == {plan.drug: plan.daily_ug}
    assert [s.index for s in steps] == list(range(len(steps)))
    assert all(a.start < b.start for a, b in zip(steps, steps[1:], strict=False))


@FAST
@given(plans())
def test_doses_never_increase(plan: Plan) -> None:
    steps = plan.build().steps
    old = [dose(s, plan.drug) for s in steps]
    assert old == sorted(old, reverse=True)
    after_crossover = [dose(s, plan.tapered) for s in steps if s.kind != "crossover"][1:]
    assert after_crossover == sorted(after_crossover, reverse=True)


@FAST
@given(plans())
def test_every_dose_is_whole_units_and_splits_sum_to_the_daily_dose(plan: Plan) -> None:
    for step in plan.build().steps:
        for drug, ug in step.daily_ug.items():
            assert ug % DRUGS[drug].unit_ug == 0
            per_time = [d.ug for d in step.doses if d.drug == drug]
            assert sum(per_time) == ug
            assert all(u > 0 and u % DRUGS[drug].unit_ug == 0 for u in per_time)
            assert max(per_time, default=0) - min(per_time, default=0) <= DRUGS[drug].unit_ug
        assert {d.time for d in step.doses} <= set(plan.times)


@FAST
@given(plans().filter(lambda p: p.to_drug is not None))
def test_crossover_keeps_the_diazepam_equivalent_within_one_new_drug_unit(plan: Plan) -> None:
    assert plan.to_drug is not None
    steps = plan.build().steps
    unit_de = float(
        equivalent_ug(plan.to_drug, DRUGS[plan.to_drug].unit_ug, "diazepam", plan.table)
    )
    crossover = [s for s in steps if s.kind == "crossover"]
    assert len(crossover) == plan.stages
    assert crossover[-1].daily_ug.keys() == {plan.to_drug}
    for step in crossover:
        assert abs(step.diazepam_eq_mg - steps[0].diazepam_eq_mg) * 1000 <= unit_de


@FAST
@given(plans())
def test_pace_warnings_mark_exactly_the_reductions_below_75_percent_of_14_days_before(
    plan: Plan,
) -> None:
    schedule = plan.build()
    steps = schedule.steps
    expected = [
        s.index
        for n, s in enumerate(steps[1:], start=1)
        if s.diazepam_eq_mg < steps[n - 1].diazepam_eq_mg
        and s.diazepam_eq_mg
        < 0.75 * (step_on(steps, s.start - timedelta(days=14)) or steps[0]).diazepam_eq_mg
    ]
    assert [w.step_index for w in schedule.warnings if w.kind == "pace"] == expected


@FAST
@given(plans())
def test_increase_warnings_mark_exactly_the_rises_above_the_margin(plan: Plan) -> None:
    schedule = plan.build()
    steps = schedule.steps
    factor = 1 + DEFAULT_INCREASE_MARGIN_PCT / 100
    expected = [
        s.index
        for n, s in enumerate(steps)
        if s.diazepam_eq_mg > factor * steps[max(n - 1, 0)].diazepam_eq_mg + 1e-9
        or s.diazepam_eq_mg > factor * steps[0].diazepam_eq_mg + 1e-9
    ]
    assert [w.step_index for w in schedule.warnings if w.kind == "increase"] == expected


@FAST
@given(plans())
def test_a_switch_from_long_to_short_acting_is_warned_once(plan: Plan) -> None:
    warned = [w for w in plan.build().warnings if w.kind == "substitution"]
    long_to_short = (
        plan.to_drug is not None
        and DRUGS[plan.drug].long_acting
        and not DRUGS[plan.to_drug].long_acting
    )
    assert len(warned) == (1 if long_to_short else 0)


@FAST
@given(any_plans())
def test_no_schedule_stops_at_once_from_more_than_two_units(plan: Plan) -> None:
    """Whatever the recipe's spelling, the first change never goes to 0 from more than two
    dispensable units: the engine refuses the recipe instead."""
    try:
        steps = plan.build().steps
    except RecipeError as exc:
        assert "stops at once" in exc.message
        assert plan.to_drug is None  # a crossover's first change is a stage, never 0
        assert plan.daily_ug // DRUGS[plan.drug].unit_ug > ABRUPT_STOP_UNITS
        return
    first_change = steps[1]
    if not any(first_change.daily_ug.values()):
        units = sum(ug // DRUGS[d].unit_ug for d, ug in steps[0].daily_ug.items())
        assert units <= ABRUPT_STOP_UNITS


@FAST
@given(plans(), st.integers(0, 200), st.sampled_from(["hold", "hold_open", "back", "change"]))
def test_plan_changes_keep_the_past_and_still_end_at_zero(
    plan: Plan, offset: int, change: str
) -> None:
    steps = plan.build().steps
    on = START + timedelta(days=offset)
    current = step_on(steps, on)
    assert current is not None
    if sum(current.daily_ug.values()) == 0 and change != "back":
        return
    if change == "hold":
        new = hold(
            steps,
            on=on,
            days=10,
            plan=plan_parameters(**plan.params),
        )
    elif change == "hold_open":
        new = hold(
            steps,
            on=on,
            days=None,
            plan=plan_parameters(**plan.params),
        )
        assert new[-1].kind == "hold" and new[-1].daily_ug == current.daily_ug
        new = resume(
            new,
            on=on + timedelta(days=9),
            plan=plan_parameters(**plan.params),
        )
    elif change == "back":
        new = go_back(
            steps,
            on=on,
            plan=plan_parameters(**plan.params),
        )
    else:
        new = change_recipe(
            steps,
            on=on,
            plan=plan_parameters(**{**plan.params, "recipe": "-10%/14d"}),
        )
    past = [s for s in steps if s.start < on]
    assert list(new[: len(past)]) == past
    assert all(s.start >= on for s in new[len(past) :])
    assert [s.index for s in new] == list(range(len(new)))
    assert new[-1].daily_ug == {plan.tapered: 0}
    increases = [b for a, b in zip(new, new[1:], strict=False) if raised(a, b, plan)]
    assert all(s.kind == "back" for s in increases)
    if change != "back":
        assert not increases


def raised(a: PlannedStep, b: PlannedStep, plan: Plan) -> bool:
    """A dose went up: the old drug at any time, the new one once the crossover is over."""
    if dose(b, plan.drug) > dose(a, plan.drug):
        return True
    crossover_over = dose(a, plan.drug) == dose(b, plan.drug) == 0
    return (
        plan.to_drug is not None
        and crossover_over
        and dose(b, plan.to_drug) > dose(a, plan.to_drug)
    )


def _changed(
    plan: Plan, changes: list[tuple[int, str]]
) -> tuple[tuple[PlannedStep, ...], dict[str, Any]]:
    """The plan after ``changes`` ((days after START, change), in date order), and its
    parameters then; a change the engine refuses on that day (nothing to go back to, the taper
    ended) is skipped."""
    steps, params = plan.build().steps, plan.params
    for offset, change in changes:
        on = START + timedelta(days=offset)
        try:
            if change.startswith("hold "):
                steps = hold(
                    steps,
                    on=on,
                    days=int(change.split()[1]),
                    plan=plan_parameters(**params),
                )
            elif change == "back":
                steps = go_back(
                    steps,
                    on=on,
                    plan=plan_parameters(**params),
                )
            else:
                changed = {**params, "recipe": change}
                steps, params = (
                    change_recipe(
                        steps,
                        on=on,
                        plan=plan_parameters(**changed),
                    ),
                    changed,
                )
        except RecipeError as refused:  # the new recipe would stop at once from > 2 units
            assert "stops at once" in refused.message
        except FieldError as refused:  # at the first dose, or after the end: nothing changed
            assert refused.field == "on"
    return steps, params


@settings(max_examples=150, deadline=None)
@given(
    plans(),
    st.lists(
        st.tuples(
            st.integers(0, 60),
            st.sampled_from(
                ["hold 1", "hold 12", "back", "-10%/14d", "-0.5mg/7d once; -0.25mg/14d"]
            ),
        ),
        max_size=4,
    ),
    st.integers(0, 90),
    st.integers(1, 30),
)
def test_an_open_hold_resumed_changes_no_dose_and_delays_by_the_days_past_due(
    plan: Plan, changes: list[tuple[int, str]], offset: int, held_days: int
) -> None:
    """Held open on a day and resumed ``held_days`` later, after any earlier changes: the steps
    to come are the plan's without the hold, dose for dose, each on the day the plan had it,
    moved by as many days as the resume came after the next change was due."""
    steps, params = _changed(plan, sorted(changes))
    on = START + timedelta(days=max([offset, *(o + 1 for o, _ in changes)]))
    current = step_on(steps, on)
    assert current is not None
    assume(sum(current.daily_ug.values()) > 0)
    planned = [s for s in steps if s.start > on]  # the hold keeps the dose in force on ``on``
    next_change = planned[0].start if planned else None
    held = hold(
        steps,
        on=on,
        days=None,
        plan=plan_parameters(**params),
    )
    resumed_on = on + timedelta(days=held_days)
    resumed = resume(
        held,
        on=resumed_on,
        not_before=next_change,
        plan=plan_parameters(**params),
    )
    coming = [s for s in resumed if s.start > on]
    assert [s.daily_ug for s in coming] == [s.daily_ug for s in planned]
    late = max(timedelta(0), resumed_on - next_change) if next_change else timedelta(0)
    assert [s.start for s in coming] == [s.start + late for s in planned]
