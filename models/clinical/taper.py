"""The taper engine: a recipe and a starting dose in, a dated list of steps out (pure).

Over 1,000 lines, one subject: building a schedule and changing one (hold, resume, go back,
change recipe, stop) are the same engine. Each change re-enters the recipe where the current
steps left it, through the private arithmetic building uses (the stored plan's checked
parameters ``PlanParameters``, the
crossover stages, the recipe position and interval, rounding to units, the step kinds), so
splitting the changes off would make that arithmetic a public interface between modules. The
warnings (pace, increase, substitution) read the steps the engine makes and stay beside it.

Semantics are docs/recipes.md. Where the language leaves a choice, these choices were made
(each is tested):

- Baseline. Every schedule starts with a ``baseline`` step holding the dose the plan starts
  from, dated the day before the start date - or, given the day the plan takes effect
  (``effective``), from that day if it is earlier, so a plan that starts later keeps the dose
  in force until its first change (no day without doses); the first change (a cut, or the first
  crossover stage) takes effect on the start date. Before the baseline's date nothing is in
  force (``step_on`` returns None); the pace check assumes the baseline dose for any earlier
  day.
- A plan may start mid-crossover (``to_drug_daily_ug``: the new drug already reached): the
  baseline holds both drugs and the crossover continues from there in ``stages`` stages.
- Rounding. A dose is rounded to the nearest whole unit, halves towards the higher dose (the
  smaller cut); a cut that rounds to no change cuts one unit instead.
- ``until X`` must be a whole number of the tapered drug's units (refused otherwise); a phase
  whose ``until`` the current dose has already reached is skipped.
- Abrupt stops. A recipe (new, or changed) whose first change goes to 0 from more than
  ABRUPT_STOP_UNITS dispensable units is refused, whatever its spelling (-100%, -99.99%, -5mg
  from 2 mg): stopping at once is the physician's explicit ``stop`` change, with its reason.
- Crossover. Stage k of n leaves round(U * (n - k) / n) whole units of the old drug (U = its
  units at baseline), and adds the new drug's equivalent of everything moved so far, rounded
  to the new drug's unit. Both drugs stay in whole units, and every stage's diazepam
  equivalent is within that of half a unit of the new drug of the baseline's. Refused: more
  stages than the old dose has units (a stage would move nothing), and a switch whose whole
  dose is under half a unit of the new drug. ``daily_ug`` lists only drugs with a dose
  above 0; the final step lists the tapered drug with 0. A crossover interrupted at one of
  its stages (a hold, a step back, a recipe change) goes on with the stages it had planned.
- Doses per time are split per drug; a time whose share is 0 units gets no PlannedDose.
- Kinds: ``baseline`` (the starting dose, also the dose a changed recipe starts from),
  ``crossover``, ``cut``, ``final`` (the cut to 0), ``hold``, ``back``.
- Warnings (never refusals): a cut faster than the ASAM pace ceiling; a step whose
  diazepam-equivalent rises more than a margin (crossover rounding; local policy); a switch
  from a long-acting to a short-acting drug.

Plan changes (``hold``, ``resume``, ``go_back``, ``change_recipe``, ``stop``) take the current
steps and the stored plan parameters (the keyword arguments of ``build_schedule`` except
``daily_ug``, ``to_drug_daily_ug``, ``start`` and ``effective``) and return the whole new step
list: steps starting before ``on`` are returned unchanged, the step in force on ``on`` ends
there, new steps start on or after ``on``. Where the recipe stands (which phase makes the next
cut, whether a ``once`` cut has been made) is replayed from the steps' kinds and doses, so
steps rebuilt from storage work as well as fresh ones.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from fractions import Fraction
from math import floor

from models.clinical.drugs import (
    DEFAULT_TABLE,
    DRUGS,
    acting_text,
    equivalence_table,
    equivalent_ug,
    format_mg,
    get_drug,
)
from models.clinical.recipes import Phase, Recipe, RecipeError, parse_recipe
from models.clinical.sources import ClinicalNumber
from models.errors import FieldError
from models.i18n import N_

DEFAULT_TIMES: tuple[time, ...] = (time(8, 0), time(20, 0))  # local policy (docs/recipes.md)
# Crossover: by default 4 stages a week apart; one (low-authority) summary crosses over
# in >= 4 weekly steps [S30]; NHS Scotland reviews 5-7 days after a switch [S26].
DEFAULT_STAGES = 4  # [S30]
DEFAULT_STAGE_INTERVAL_DAYS = 7  # [S30][S26]
# ASAM 2025: cuts typically not more than 25 % per 2 weeks [S16][S17]. A step below 75 % of the
# dose in force 14 days before it exceeds that ceiling.
PACE_WINDOW_DAYS = 14  # [S16][S17]
PACE_FLOOR = Fraction(3, 4)  # 100 % - 25 % [S16][S17]
# LOCAL POLICY (ward-configurable): a step whose diazepam equivalent rises more than this above
# the step before it (crossover rounding can add up to half a unit of the new drug) or above the
# dose in force when the plan began is warned before it is saved. No source sets a margin.
DEFAULT_INCREASE_MARGIN_PCT = 10
# Abrupt cessation, especially of high doses, is what precedes seizures and delirium [S19][S33]:
# a recipe step to 0 from more than this many dispensable units is refused; stopping at once is
# an explicit "stop" change with its reason. The number is this project's rule: the
# last cut of a taper is one or two units.
ABRUPT_STOP_UNITS = 2

_Daily = dict[str, int]


@dataclass(frozen=True)
class PlannedDose:
    time: time
    drug: str
    ug: int


@dataclass(frozen=True)
class PlannedStep:
    index: int
    start: date
    daily_ug: dict[str, int]  # drug -> ug a day; two entries during a crossover
    diazepam_eq_mg: float  # by the plan's equivalence table
    doses: tuple[PlannedDose, ...]
    kind: str  # baseline | crossover | cut | hold | back | final (in_force: see in_force_step)


@dataclass(frozen=True)
class PaceWarning:
    """A check on a step (a warning, never a refusal). ``message`` is the check in English;
    ``code`` and ``values`` say it language-neutral, for a page to render in the reader's
    language (docs/i18n.md): the code names the sentence (WARNING_CODES), the values are plain
    data (ISO days, diazepam-equivalent mg rounded to 3 decimals, whole percentages, the
    reference a rise is measured from, drug names). A warning made elsewhere without a code (the
    CLI's label warnings) is its English message only."""

    step_index: int
    start: date
    message: str
    kind: str = "pace"  # pace (faster than ASAM) | increase | substitution | label (CLI)
    code: str | None = None  # WARNING_CODES
    values: Mapping[str, str | int | float] = field(default_factory=dict, hash=False)


# The codes of the warnings this module makes, and the names of their values:
#   pace: day, de, drop, earlier, earlier_day
#   increase: day, de, rise, before, reference (INCREASE_REFERENCES), margin
#   substitution: day, from_drug, to_drug
WARNING_CODES: tuple[str, ...] = ("pace", "increase", "substitution")
# What a rise is measured from: the dose in force before the plan (a step of kind
# ``in_force``), the plan's first step, or the step before.
INCREASE_REFERENCES: dict[str, str] = {
    "in_force": "the dose in force",
    "start": "the plan's starting dose",
    "previous": "the step before",
}


@dataclass(frozen=True)
class Schedule:
    steps: tuple[PlannedStep, ...]
    warnings: tuple[PaceWarning, ...]
    table: str


@dataclass(frozen=True)
class PlanParameters:
    """The stored plan parameters, checked (:func:`plan_parameters`): what a schedule is built
    with and every plan change (hold, resume, go back, change recipe, stop) continues it with."""

    drug: str
    to_drug: str | None
    recipe: Recipe
    times: tuple[time, ...]
    table: str
    units: dict[str, int]
    stages: int
    stage_interval_days: int

    @property
    def tapered(self) -> str:
        return self.to_drug or self.drug

    @property
    def drugs(self) -> tuple[str, ...]:
        return (self.drug,) if self.to_drug is None else (self.drug, self.to_drug)


# --- building ---------------------------------------------------------------------------


def build_schedule(
    plan: PlanParameters,
    *,
    daily_ug: int,
    start: date,
    to_drug_daily_ug: int = 0,
    effective: date | None = None,
) -> Schedule:
    """A new plan's schedule: ``plan`` (checked by :func:`plan_parameters`) from ``daily_ug`` of
    its drug, its first step on ``start``. ``to_drug_daily_ug``: how much of ``plan.to_drug``
    the patient already takes (a plan made mid-crossover). ``effective``: the day the plan takes
    over (its baseline starts then if that is before the day before ``start``)."""
    _check_daily(daily_ug, plan, to_drug_daily_ug)
    starting = {plan.drug: daily_ug}
    if plan.to_drug is not None and to_drug_daily_ug:
        starting[plan.to_drug] = to_drug_daily_ug
    baseline_day = start - timedelta(days=1)
    if effective is not None:
        baseline_day = min(baseline_day, effective)
    baseline = _step(0, baseline_day, starting, "baseline", plan)
    fresh = _continuation(starting, first=start, phase=0, plan=plan, baseline=starting)
    steps = _append([baseline], fresh)
    _refuse_abrupt_stop(steps, since=start, plan=plan)
    return Schedule(steps=steps, warnings=schedule_warnings(steps), table=plan.table)


def split_daily_dose(daily_ug: int, unit_ug: int, n_times: int) -> list[int]:
    """Whole units per time; the remainder goes one unit at a time from the last time back."""
    if unit_ug <= 0 or n_times < 1 or daily_ug < 0 or daily_ug % unit_ug:
        raise ValueError(f"cannot split {daily_ug} ug in units of {unit_ug} over {n_times} times")
    base, extra = divmod(daily_ug // unit_ug, n_times)
    return [(base + (1 if i >= n_times - extra else 0)) * unit_ug for i in range(n_times)]


def make_step(
    *,
    index: int,
    start: date,
    daily_ug: Mapping[str, int],
    kind: str,
    times: Sequence[time] = DEFAULT_TIMES,
    table: str = DEFAULT_TABLE,
    units_ug: Mapping[str, int] | None = None,
) -> PlannedStep:
    """Rebuild one step (doses per time, diazepam equivalent) from stored values."""
    drugs = [get_drug(d).name for d in daily_ug if daily_ug[d] > 0] or [
        get_drug(d).name for d in daily_ug
    ]
    if not drugs or len(drugs) > 2:
        raise ValueError(f"a step has one or two drugs, not {dict(daily_ug)}")
    to_drug = drugs[1] if len(drugs) > 1 else None
    equivalence_table(table)
    plan = PlanParameters(
        drug=drugs[0],
        to_drug=to_drug,
        recipe=Recipe(text="", phases=()),
        times=_times(times),
        table=table,
        units=_units(drugs[0], to_drug, units_ug),
        stages=1,
        stage_interval_days=1,
    )
    return _step(index, start, {get_drug(d).name: ug for d, ug in daily_ug.items()}, kind, plan)


def step_on(steps: Sequence[PlannedStep], day: date) -> PlannedStep | None:
    """The step in force on ``day``: the last one started on or before it."""
    found: PlannedStep | None = None
    for step in steps:
        if step.start <= day and (found is None or step.start >= found.start):
            found = step
    return found


def pace_warnings(steps: Sequence[PlannedStep]) -> tuple[PaceWarning, ...]:
    """Reductions below 75 % (in diazepam equivalent) of the dose in force 14 days before their
    start: faster than the ASAM 2025 ceiling of 25 % per 2 weeks [S16][S17]. Before the first
    step the first step's dose (the baseline) is assumed. Only a step that lowers the dose is
    warned: a hold (or a crossover stage at the same equivalent) after a fast step adds no pace,
    and the fast step itself was already warned. A warning, never a refusal."""
    warnings: list[PaceWarning] = []
    # step_on for every step, by bisection (a long taper has thousands of steps): the last
    # step started on or before a day, the later one in the list of two on the same day.
    by_start = sorted((s.start, i) for i, s in enumerate(steps))
    starts = [start for start, _ in by_start]
    for previous, step in itertools.pairwise(steps):
        earlier_day = step.start - timedelta(days=PACE_WINDOW_DAYS)
        found = bisect_right(starts, earlier_day)
        earlier = steps[by_start[found - 1][1]] if found else steps[0]
        now_de, earlier_de = step.diazepam_eq_mg, earlier.diazepam_eq_mg
        lowers = now_de < previous.diazepam_eq_mg
        if lowers and earlier_de > 0 and now_de < PACE_FLOOR * earlier_de:
            values: dict[str, str | int | float] = {
                "day": step.start.isoformat(),
                "de": de_value(now_de),
                "drop": round(100 * (1 - now_de / earlier_de)),
                "earlier": de_value(earlier_de),
                "earlier_day": earlier_day.isoformat(),
            }
            warnings.append(_warning(step, "pace", values))
    return tuple(warnings)


def increase_warnings(
    steps: Sequence[PlannedStep], *, margin_pct: int = DEFAULT_INCREASE_MARGIN_PCT
) -> tuple[PaceWarning, ...]:
    """Steps whose diazepam equivalent is more than ``margin_pct`` above the step before them
    or above the first step (the dose the plan starts from, or the dose in force, a step of
    kind ``in_force``, when the caller puts it first): a crossover that rounds up, or a plan
    that starts above what the patient takes. A step back (``back``) raises the dose on purpose
    and is not warned. Local policy; never a refusal."""
    if not steps:
        return ()
    first = steps[0]
    factor = 1 + Fraction(margin_pct, 100)
    warnings: list[PaceWarning] = []
    for previous, step in itertools.pairwise(steps):
        if step.kind == "back":
            continue
        for reference in (previous, first):
            before = reference.diazepam_eq_mg
            if before > 0 and Fraction(step.diazepam_eq_mg) > factor * Fraction(before):
                values: dict[str, str | int | float] = {
                    "day": step.start.isoformat(),
                    "de": de_value(step.diazepam_eq_mg),
                    "rise": round(100 * (step.diazepam_eq_mg / before - 1)),
                    "before": de_value(before),
                    "reference": _reference(reference, first),
                    "margin": margin_pct,
                }
                warnings.append(_warning(step, "increase", values))
                break
    return tuple(warnings)


def _reference(reference: PlannedStep, first: PlannedStep) -> str:
    """What a rise is measured from (INCREASE_REFERENCES)."""
    if reference.kind == "in_force":
        return "in_force"
    return "start" if reference is first else "previous"


def substitution_warnings(steps: Sequence[PlannedStep]) -> tuple[PaceWarning, ...]:
    """A drug that takes over from a long-acting one and is short-acting: against the founding
    article's substitution to a long-acting drug (docs/recipes.md) [S12]."""
    warnings: list[PaceWarning] = []
    seen: list[str] = []
    for step in steps:
        for drug in step.daily_ug:
            if drug in seen:
                continue
            longer = [d for d in seen if DRUGS[d].long_acting]
            if longer and not DRUGS[drug].long_acting:
                values: dict[str, str | int | float] = {
                    "day": step.start.isoformat(),
                    "from_drug": longer[0],
                    "to_drug": drug,
                }
                warnings.append(_warning(step, "substitution", values))
            seen.append(drug)
    return tuple(warnings)


def warning_message(code: str, values: Mapping[str, str | int | float]) -> str:
    """A warning's English sentence from its code and values (``PaceWarning.message``)."""
    if code == "pace":
        return (
            f"{values['day']}: {de_text(float(values['de']))} mg diazepam-equivalent is "
            f"{values['drop']}% below the {de_text(float(values['earlier']))} mg in force on "
            f"{values['earlier_day']}; the ASAM 2025 ceiling is 25% per 2 weeks"
        )
    if code == "increase":
        return (
            f"{values['day']}: {de_text(float(values['de']))} mg diazepam-equivalent is "
            f"{values['rise']}% above the {de_text(float(values['before']))} mg of "
            f"{INCREASE_REFERENCES[str(values['reference'])]}; the ward's margin is "
            f"{values['margin']}% (local policy)"
        )
    if code == "substitution":
        return (
            f"{values['day']}: switches from {acting_text(str(values['from_drug']))} to "
            f"{acting_text(str(values['to_drug']))} [S12]; a substitution normally goes from a "
            "short-acting drug to a long-acting one"
        )
    raise ValueError(f"no warning has the code {code!r}")


def _warning(step: PlannedStep, code: str, values: dict[str, str | int | float]) -> PaceWarning:
    return PaceWarning(
        step_index=step.index,
        start=step.start,
        message=warning_message(code, values),
        kind=code,
        code=code,
        values=values,
    )


def de_value(mg: float) -> float:
    """A diazepam-equivalent as a warning's value: mg rounded to 3 decimals (a microgram)."""
    return float(de_text(mg))


def de_text(mg: float) -> str:
    """A diazepam-equivalent in mg as the warnings write it: up to 3 decimals, "12.5", "20"."""
    return f"{mg:.3f}".rstrip("0").rstrip(".")


def in_force_step(daily_ug: Mapping[str, int], *, before: date, table: str) -> PlannedStep:
    """The dose in force before a plan, as a step to put first for ``schedule_warnings`` (no
    doses: it is never scheduled)."""
    de = sum((equivalent_ug(d, ug, "diazepam", table) for d, ug in daily_ug.items()), Fraction())
    return PlannedStep(
        index=-1,
        start=before,
        daily_ug=dict(daily_ug),
        diazepam_eq_mg=float(de / 1000),
        doses=(),
        kind="in_force",
    )


def schedule_warnings(
    steps: Sequence[PlannedStep], *, increase_margin_pct: int = DEFAULT_INCREASE_MARGIN_PCT
) -> tuple[PaceWarning, ...]:
    """Every warning of a schedule, in step order: pace, increases, substitutions. Put a step of
    kind ``in_force`` (the dose before the plan) first to check the plan's start against it."""
    found = (
        *pace_warnings(steps),
        *increase_warnings(steps, margin_pct=increase_margin_pct),
        *substitution_warnings(steps),
    )
    return tuple(sorted(found, key=lambda w: (w.start, w.step_index)))


# --- plan changes -----------------------------------------------------------------------


def hold(
    steps: Sequence[PlannedStep],
    *,
    on: date,
    days: int | None,
    plan: PlanParameters,
) -> tuple[PlannedStep, ...]:
    """Keep the dose in force on ``on``. With ``days``, every later step moves ``days`` later
    (so the next change comes ``days`` after it was due; after an open-ended hold, ``days``
    after ``on``). With ``days=None`` the hold is one open-ended step until ``resume``. On the
    day a ``baseline`` starts, that step is the one held (it stays a baseline).

    Every plan change takes the steps and the plan's checked parameters (``plan``:
    :func:`plan_parameters`), the recipe it continues with included."""
    current = _in_force(steps, on, ended=N_("the taper ended on {day}; there is no dose to hold"))
    if days is not None and days < 1:
        raise FieldError(
            "days", N_("hold for at least 1 day, or leave it empty to hold until resumed")
        )
    kept = [s for s in steps if s.start < on]
    # On the day a recipe change (or the plan) begins, the baseline stays: it marks where the
    # recipe's clock starts, which a hold step in its place would hide from later changes.
    keeps_baseline = current.start == on and current.kind == "baseline"
    held = current if keeps_baseline else _step(0, on, current.daily_ug, "hold", plan)
    if days is None:
        return _append(kept, [held])
    shift = timedelta(days=days)
    later = [replace(s, start=s.start + shift) for s in steps if s.start > on]
    if not later:
        later = _continuation(
            current.daily_ug,
            first=on + shift,
            phase=_recipe_position(steps, plan),
            plan=plan,
            baseline=_baseline(steps, plan),
        )
    return _append(kept, [held, *later])


def on_open_hold(steps: Sequence[PlannedStep]) -> bool:
    """The plan is held until resumed: its last step has a dose (every other plan ends at 0).
    That step is a ``hold``, or a ``baseline`` held on its own day."""
    return bool(steps) and any(ug > 0 for ug in steps[-1].daily_ug.values())


def resume(
    steps: Sequence[PlannedStep],
    *,
    on: date,
    plan: PlanParameters,
    not_before: date | None = None,
) -> tuple[PlannedStep, ...]:
    """End an open-ended hold: the recipe continues from the held dose, its next change on
    ``on`` - or, if the held dose has not yet lasted as long as it was planned to (the interval
    of the phase whose cut made it), when it has: resuming never cuts twice a day, and a hold
    never makes the next cut come sooner than planned. ``not_before``: the day the plan the
    open hold replaced had its next change (a hold for some days, made open-ended before it
    ended, moved that day later than the steps alone can show); the next change never comes
    before it."""
    current = _in_force(steps, on)
    if current is not steps[-1] or not on_open_hold(steps):
        raise FieldError(
            "on",
            N_("the plan is not on an open-ended hold on {day}; nothing to resume"),
            values={"day": on.isoformat()},
        )
    phase = _recipe_position(steps, plan)
    interval = timedelta(days=_held_interval(steps, current, phase, plan))
    first = max(on, _dose_began(steps, current) + interval, not_before or on)
    kept = [s for s in steps if s.start < on or (s is current and first > on)]
    fresh = _continuation(
        current.daily_ug, first=first, phase=phase, plan=plan, baseline=_baseline(steps, plan)
    )
    return _append(kept, fresh)


def go_back(
    steps: Sequence[PlannedStep],
    *,
    on: date,
    plan: PlanParameters,
) -> tuple[PlannedStep, ...]:
    """Return to the dose before the one in force on ``on`` (the step before that dose was first
    reached, so going back twice goes back two doses), kept as long as that step was planned to
    last, then continue the taper from there as the recipe stood at that step."""
    current = _in_force(steps, on)
    went = _going_back(steps, current, plan)
    if went is None:
        raise FieldError(
            "on",
            N_("on {day} the plan is at its first dose; there is nothing to go back to"),
            values={"day": on.isoformat()},
        )
    previous, phase, lasted = went
    back = _step(0, on, previous.daily_ug, "back", plan)
    fresh = _continuation(
        previous.daily_ug,
        first=on + timedelta(days=lasted),
        phase=phase,
        plan=plan,
        baseline=_baseline(steps, plan),
    )
    return _append([s for s in steps if s.start < on], [back, *fresh])


def change_recipe(
    steps: Sequence[PlannedStep],
    *,
    on: date,
    plan: PlanParameters,
) -> tuple[PlannedStep, ...]:
    """Taper on with ``plan``'s recipe (the new one) from the dose in force on ``on``: that
    dose becomes a ``baseline`` step on ``on`` and the new recipe's first change comes one of
    its intervals later (an unfinished crossover finishes first)."""
    current = _in_force(steps, on, ended=N_("the taper ended on {day}; make a new plan instead"))
    carried = _step(0, on, current.daily_ug, "baseline", plan)
    first = on + timedelta(days=_next_interval(current.daily_ug, 0, plan))
    fresh = _continuation(
        current.daily_ug, first=first, phase=0, plan=plan, baseline=_baseline(steps, plan)
    )
    new_steps = _append([s for s in steps if s.start < on], [carried, *fresh])
    _refuse_abrupt_stop(new_steps, since=on, plan=plan)
    return new_steps


def stop(
    steps: Sequence[PlannedStep],
    *,
    on: date,
    plan: PlanParameters,
) -> tuple[PlannedStep, ...]:
    """Stop now: every drug of the plan goes to 0 on ``on`` (the physician's explicit decision,
    the only way to an abrupt stop)."""
    _in_force(steps, on, ended=N_("the taper ended on {day}; there is nothing to stop"))
    final = _step(0, on, {}, "final", plan)
    return _append([s for s in steps if s.start < on], [final])


# --- checking the parameters ------------------------------------------------------------


def plan_parameters(
    *,
    drug: str,
    recipe: Recipe | str,
    times: Sequence[time] = DEFAULT_TIMES,
    to_drug: str | None = None,
    table: str = DEFAULT_TABLE,
    stages: int = DEFAULT_STAGES,
    stage_interval_days: int = DEFAULT_STAGE_INTERVAL_DAYS,
    units_ug: Mapping[str, int] | None = None,
) -> PlanParameters:
    """A plan's parameters, checked: the drug (and the drug a substitution crosses over to),
    the recipe (parsed), the administration times, the equivalence table, the crossover's
    stages and their interval, and each drug's dispensable unit (the drug's own if not given).
    A parameter that cannot make a schedule is refused (FieldError naming it)."""
    from_drug = get_drug(drug).name
    target: str | None = None
    if to_drug is not None:
        try:
            target = get_drug(to_drug).name
        except FieldError as exc:
            raise FieldError("to_drug", exc.message) from None
        if target == from_drug:
            raise FieldError(
                "to_drug",
                N_("is the same as the drug ({drug}); leave it out for a direct taper"),
                values={"drug": from_drug},
            )
    equivalence_table(table)
    if isinstance(stages, bool) or not isinstance(stages, int) or stages < 1:
        raise FieldError("stages", N_("a crossover needs at least 1 stage"))
    if (
        isinstance(stage_interval_days, bool)
        or not isinstance(stage_interval_days, int)
        or (stage_interval_days < 1)
    ):
        raise FieldError("stage_interval_days", N_("stages must be at least 1 day apart"))
    units = _units(from_drug, target, units_ug)
    parsed = recipe if isinstance(recipe, Recipe) else parse_recipe(recipe)
    tapered = target or from_drug
    for phase in parsed.phases:
        _check_until(phase, tapered, units[tapered])
    return PlanParameters(
        drug=from_drug,
        to_drug=target,
        recipe=parsed,
        times=_times(times),
        table=table,
        units=units,
        stages=stages,
        stage_interval_days=stage_interval_days,
    )


def _units(drug: str, to_drug: str | None, units_ug: Mapping[str, int] | None) -> dict[str, int]:
    units: dict[str, int] = {}
    for name in (drug,) if to_drug is None else (drug, to_drug):
        unit = (units_ug or {}).get(name, DRUGS[name].unit_ug)
        if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
            raise FieldError(
                "units_ug",
                N_("the {drug} unit must be a whole number of ug above 0"),
                values={"drug": name},
            )
        units[name] = unit
    return units


def _times(times: Sequence[time]) -> tuple[time, ...]:
    if not times:
        raise FieldError("times", N_("give at least one administration time, e.g. 08:00,20:00"))
    seen: set[time] = set()
    for t in times:
        if not isinstance(t, time):
            raise FieldError(
                "times",
                N_("{shown} is not a time of day; write e.g. 08:00"),
                values={"shown": repr(t)},
            )
        if t in seen:
            raise FieldError(
                "times",
                N_("{time} is listed twice; give each time once"),
                values={"time": t.strftime("%H:%M")},
            )
        seen.add(t)
    return tuple(sorted(times))


def _check_until(phase: Phase, drug: str, unit: int) -> None:
    if phase.until_ug is not None and phase.until_ug % unit:
        raise RecipeError(
            N_(
                "'until {until}mg' is not a whole number of {drug} units ({unit} mg); use a "
                "multiple of {unit} mg"
            ),
            values={"until": format_mg(phase.until_ug), "drug": drug, "unit": format_mg(unit)},
        )


def _check_daily(daily_ug: int, plan: PlanParameters, to_drug_daily_ug: int = 0) -> None:
    unit = plan.units[plan.drug]
    if isinstance(daily_ug, bool) or not isinstance(daily_ug, int):
        raise ValueError(f"daily_ug must be a whole number of micrograms, got {daily_ug!r}")
    _check_carried(to_drug_daily_ug, plan)
    if daily_ug <= 0:
        raise FieldError(
            "daily_mg",
            N_("the daily dose must be more than 0 mg, got {dose} mg"),
            values={"dose": format_mg(daily_ug)},
        )
    if daily_ug % unit:
        raise FieldError(
            "daily_mg",
            N_(
                "{dose} mg is not a whole number of {drug} units ({unit} mg); use a multiple "
                "of {unit} mg"
            ),
            values={"dose": format_mg(daily_ug), "drug": plan.drug, "unit": format_mg(unit)},
        )
    if (
        plan.to_drug is not None
        and not to_drug_daily_ug
        and not _round_half_up(
            equivalent_ug(plan.drug, daily_ug, plan.to_drug, plan.table) / plan.units[plan.to_drug]
        )
    ):
        new_unit = plan.units[plan.to_drug]
        raise FieldError(
            "to_drug",
            N_(
                "{dose} mg of {drug} is less than half a {unit} mg unit of {to_drug} by the "
                "{table} table; taper {drug} directly"
            ),
            values={
                "dose": format_mg(daily_ug),
                "drug": plan.drug,
                "unit": format_mg(new_unit),
                "to_drug": plan.to_drug,
                "table": plan.table,
            },  # fmt: skip
        )
    if plan.to_drug is not None and plan.stages > daily_ug // unit:
        raise FieldError(
            "stages",
            N_(
                "{dose} mg of {drug} is only {units} units of {unit} mg, too few for {stages} "
                "stages; use at most {units}"
            ),
            values={
                "dose": format_mg(daily_ug),
                "drug": plan.drug,
                "units": daily_ug // unit,
                "unit": format_mg(unit),
                "stages": plan.stages,
            },  # fmt: skip
        )


def _check_carried(to_drug_daily_ug: int, plan: PlanParameters) -> None:
    """The new drug already reached mid-crossover: whole units, and only with a ``to_drug``."""
    if isinstance(to_drug_daily_ug, bool) or not isinstance(to_drug_daily_ug, int):
        raise ValueError(f"to_drug_daily_ug must be whole micrograms, got {to_drug_daily_ug!r}")
    if not to_drug_daily_ug:
        return
    if plan.to_drug is None or to_drug_daily_ug < 0:
        raise ValueError("to_drug_daily_ug needs a to_drug and cannot be negative")
    unit = plan.units[plan.to_drug]
    if to_drug_daily_ug % unit:
        raise FieldError(
            "to_drug",
            N_("{dose} mg of {drug} is not a whole number of its units ({unit} mg)"),
            values={
                "dose": format_mg(to_drug_daily_ug),
                "drug": plan.to_drug,
                "unit": format_mg(unit),
            },  # fmt: skip
        )


def _refuse_abrupt_stop(steps: Sequence[PlannedStep], *, since: date, plan: PlanParameters) -> None:
    """Refuse a recipe whose first change on or after ``since`` goes to 0 from more than
    ABRUPT_STOP_UNITS dispensable units (of all the plan's drugs together). Later steps are the
    recipe running its course (a fixed cut's last step may be larger) and are pace-checked."""
    for previous, step in itertools.pairwise(steps):
        if step.start < since or step.kind == "baseline":
            continue
        units = sum(ug // plan.units[d] for d, ug in previous.daily_ug.items() if d in plan.units)
        if not any(step.daily_ug.values()) and units > ABRUPT_STOP_UNITS:
            doses = " + ".join(f"{d} {format_mg(ug)} mg" for d, ug in previous.daily_ug.items())
            raise RecipeError(
                N_(
                    "this recipe stops at once on {day}: from {doses} a day ({units} dispensable "
                    "units) to 0. A stop from more than {most} units risks severe withdrawal "
                    "(ASAM); use smaller cuts, or choose 'Stop now' and give the reason"
                ),
                values={
                    "day": step.start.isoformat(),
                    "doses": doses,
                    "units": units,
                    "most": ABRUPT_STOP_UNITS,
                },  # fmt: skip
            )
        return


def _in_force(steps: Sequence[PlannedStep], on: date, *, ended: str | None = None) -> PlannedStep:
    """The step in force on ``on``; with ``ended`` (what to say, of the day it ended), one that
    still gives a dose: a taper that has ended has none to change."""
    if not steps:
        raise ValueError("a plan change needs the plan's current steps")
    current = step_on(steps, on)
    if current is None:
        raise FieldError(
            "on",
            N_("{day} is before the plan's first step ({first})"),
            values={"day": on.isoformat(), "first": steps[0].start.isoformat()},
        )
    if ended is not None and sum(current.daily_ug.values()) == 0:
        raise FieldError("on", ended, values={"day": current.start.isoformat()})
    return current


# --- generating -------------------------------------------------------------------------


def _continuation(
    daily: Mapping[str, int],
    *,
    first: date,
    phase: int,
    plan: PlanParameters,
    baseline: Mapping[str, int],
) -> list[PlannedStep]:
    """The steps from a state (a daily dose and where the recipe stands) to 0: an unfinished
    crossover first, then the recipe's cuts. Indexes are filled in by ``_append``."""
    out: list[PlannedStep] = []
    day = first
    current = dict(daily)
    if plan.to_drug is not None and current.get(plan.drug, 0) > 0:
        for stage in _crossover(current, plan, baseline):
            out.append(_step(0, day, stage, "crossover", plan))
            day += timedelta(days=plan.stage_interval_days)
            current = stage
    for dose, interval in _recipe_cuts(current.get(plan.tapered, 0), phase, plan):
        out.append(_step(0, day, {plan.tapered: dose}, "final" if dose == 0 else "cut", plan))
        day += timedelta(days=interval)
    return out


def _crossover(
    daily: _Daily, plan: PlanParameters, baseline: Mapping[str, int]
) -> Iterator[_Daily]:
    """The crossover's stages still to come from ``daily``. From a stage of the plan's own
    crossover (as the baseline's stages make it: after a hold, a step back or a recipe change)
    the stages it had planned, unit for unit; from any other mix, the old drug's units left
    spread over the stages it still has."""
    assert plan.to_drug is not None
    old, new = plan.drug, plan.to_drug
    old_unit, new_unit = plan.units[old], plan.units[new]
    old_ug, new_ug = daily.get(old, 0), daily.get(new, 0)
    planned = list(_planned_stages(plan, baseline))
    if (old_ug, new_ug) in planned:
        for stage in planned[planned.index((old_ug, new_ug)) + 1 :]:
            yield {old: stage[0], new: stage[1]}
        return
    old_units = old_ug // old_unit
    baseline_ug = baseline[old]
    # Stages left, read from how much of the old drug remains.
    left = min(plan.stages, max(1, _round_half_up(Fraction(old_ug * plan.stages, baseline_ug))))
    for k in range(1, left + 1):
        remaining = _round_half_up(Fraction(old_units * (left - k), left)) * old_unit
        moved = equivalent_ug(old, old_ug - remaining, new, plan.table)
        yield {old: remaining, new: new_ug + _round_half_up(moved / new_unit) * new_unit}


def _planned_stages(plan: PlanParameters, baseline: Mapping[str, int]) -> Iterator[tuple[int, int]]:
    """(old drug, new drug) in ug at the baseline and after each stage of the crossover the plan
    makes from ``baseline``: stage k of n leaves round(U * (n - k) / n) units of the old drug."""
    assert plan.to_drug is not None
    old, new = plan.drug, plan.to_drug
    old_unit, new_unit = plan.units[old], plan.units[new]
    old_ug, new_ug = baseline.get(old, 0), baseline.get(new, 0)
    old_units, n = old_ug // old_unit, plan.stages
    yield old_ug, new_ug
    for k in range(1, n + 1):
        remaining = _round_half_up(Fraction(old_units * (n - k), n)) * old_unit
        moved = equivalent_ug(old, old_ug - remaining, new, plan.table)
        yield remaining, new_ug + _round_half_up(moved / new_unit) * new_unit


def _recipe_cuts(dose: int, phase: int, plan: PlanParameters) -> Iterator[tuple[int, int]]:
    """(new dose, days it lasts) for each cut from ``dose`` to 0."""
    phases = plan.recipe.phases
    unit = plan.units[plan.tapered]
    p = min(phase, len(phases) - 1)
    while dose > 0:
        p = _skip_done(p, dose, phases)
        dose = _cut(dose, phases[p], unit)
        yield dose, phases[p].interval_days
        if phases[p].once:
            p = min(p + 1, len(phases) - 1)


def _skip_done(p: int, dose: int, phases: Sequence[Phase]) -> int:
    """Move past phases whose ``until`` the dose has already reached."""
    while p < len(phases) - 1:
        until = phases[p].until_ug
        if until is None or dose > until:
            break
        p += 1
    return p


def _cut(dose: int, phase: Phase, unit: int) -> int:
    if phase.cut_ug is not None:
        exact = Fraction(dose - phase.cut_ug)
    else:
        assert phase.cut_percent is not None
        exact = dose * (100 - Fraction(phase.cut_percent)) / 100
    new = max(_round_half_up(exact / unit) * unit, 0)
    if new >= dose:  # rounding undid the cut: cut one unit, never stall
        new = dose - unit
    if phase.until_ug is not None and new < phase.until_ug:
        new = phase.until_ug
    return max(new, 0)


def _round_half_up(x: Fraction) -> int:
    return floor(x + Fraction(1, 2))


def _recipe_position(steps: Sequence[PlannedStep], plan: PlanParameters) -> int:
    """The phase that makes the next cut after the last of ``steps``, replayed from the last
    ``baseline``: a step lowering the tapered dose (cut, final, or a hold that replaced a cut) is
    a cut made by the current phase; a ``back`` step restores the state go_back continued from
    (``_going_back``: also for a dose from before the last baseline, a recipe change)."""
    phases = plan.recipe.phases
    begin = max((i for i, s in enumerate(steps) if s.kind == "baseline"), default=0)
    p = 0
    after: dict[tuple[tuple[str, int], ...], int] = {}
    before: int | None = None
    for i, step in enumerate(steps[begin:], start=begin):
        dose = step.daily_ug.get(plan.tapered, 0)
        kind = _made_kind(steps, i, plan)
        if kind == "back":
            went = _went_back(steps, i, plan)
            if went is not None:
                p = went[1]
            else:  # not what go_back makes (edited storage): the state at that dose, or the start
                p = after.get(_key(step.daily_ug), 0)
        elif kind not in ("baseline", "crossover") and before is not None and dose < before:
            used = _skip_done(min(p, len(phases) - 1), before, phases)
            p = used + 1 if phases[used].once else used
        after.setdefault(_key(step.daily_ug), p)
        before = dose
    return min(p, len(phases) - 1)


def _next_interval(daily: Mapping[str, int], phase: int, plan: PlanParameters) -> int:
    if plan.to_drug is not None and daily.get(plan.drug, 0) > 0:
        return plan.stage_interval_days
    phases = plan.recipe.phases
    dose = daily.get(plan.tapered, 0)
    return phases[_skip_done(min(phase, len(phases) - 1), dose, phases)].interval_days


def _held_interval(
    steps: Sequence[PlannedStep], held: PlannedStep, phase: int, plan: PlanParameters
) -> int:
    """How long the held dose was planned to last: the interval of the phase whose cut made it
    (as _recipe_cuts plans it: a ``once`` phase's cut keeps that phase's interval, not the next
    phase's); for a dose a ``back`` step restored, as long as go_back kept it; for a dose no cut
    since the last baseline made, the next change's interval."""
    i = _dose_run_start(steps, held)
    begin = max((j for j, s in enumerate(steps) if s.kind == "baseline"), default=0)
    before = steps[i - 1] if i > 0 else None
    kind = _made_kind(steps, i, plan)
    if kind == "crossover":
        return plan.stage_interval_days  # every stage, the last one too, lasts a stage interval
    crossing = plan.to_drug is not None and held.daily_ug.get(plan.drug, 0) > 0
    if kind == "back":
        went = _went_back(steps, i, plan)
        if went is not None:
            return went[2]  # as long as go_back kept it
    if before is None or i <= begin or crossing or kind == "back":
        return _next_interval(held.daily_ug, phase, plan)
    previous = before.daily_ug.get(plan.tapered, 0)  # a cut (or a hold in its place) from it
    phases = plan.recipe.phases
    used = _skip_done(min(_recipe_position(steps[:i], plan), len(phases) - 1), previous, phases)
    return phases[used].interval_days


def _going_back(
    steps: Sequence[PlannedStep], current: PlannedStep, plan: PlanParameters
) -> tuple[PlannedStep, int, int] | None:
    """Where going back from ``current`` leads (None from the plan's first dose): the step
    before ``current``'s dose was first reached, the recipe's position there, and the days that
    dose is kept (as long as it lasted, if a cut or crossover stage made it; else the interval
    of the change after it). go_back, resume and the replay of a ``back`` step all ask this."""
    first_seen = next(i for i, s in enumerate(steps) if s.daily_ug == current.daily_ug)
    if first_seen == 0:
        return None
    previous = steps[first_seen - 1]
    phase = _recipe_position(steps[:first_seen], plan)
    if previous.kind in ("cut", "crossover"):
        return previous, phase, (steps[first_seen].start - previous.start).days
    return previous, phase, _next_interval(previous.daily_ug, phase, plan)


def _went_back(
    steps: Sequence[PlannedStep], i: int, plan: PlanParameters
) -> tuple[PlannedStep, int, int] | None:
    """What go_back made the ``back`` step ``steps[i]`` from (see ``_going_back``): going back
    from the step before it - several times over, for a step back made again on the same day
    (each replaced the one before). None if no such going back gives its dose (steps edited in
    storage)."""
    if i == 0:
        return None
    current = steps[i - 1]
    while True:
        went = _going_back(steps[:i], current, plan)
        if went is None or went[0].daily_ug == steps[i].daily_ug:
            return went
        current = went[0]


def _made_kind(steps: Sequence[PlannedStep], i: int, plan: PlanParameters) -> str:
    """The kind of change ``steps[i]`` made. A hold that starts on the day of a step takes that
    step's doses and replaces it: less of the old drug than the step before is a crossover
    stage; more of it (or, with the old drug unchanged, more of the tapered drug) a step back;
    else it stays a hold (a cut it replaced shows as a lower dose)."""
    step = steps[i]
    if step.kind != "hold" or i == 0:
        return step.kind
    before = steps[i - 1]
    old, old_before = step.daily_ug.get(plan.drug, 0), before.daily_ug.get(plan.drug, 0)
    if plan.to_drug is not None and old < old_before:
        return "crossover"
    tapered, tapered_before = (
        step.daily_ug.get(plan.tapered, 0),
        before.daily_ug.get(plan.tapered, 0),
    )
    if old > old_before or (old == old_before and tapered > tapered_before):
        return "back"
    return "hold"


def _dose_began(steps: Sequence[PlannedStep], step: PlannedStep) -> date:
    return steps[_dose_run_start(steps, step)].start


def _dose_run_start(steps: Sequence[PlannedStep], step: PlannedStep) -> int:
    """Where ``step``'s dose began: the first of the steps before it with the same doses - or a
    ``baseline`` among them (a changed recipe's clock starts there: its first change comes one
    interval after it)."""
    i = next(i for i, s in enumerate(steps) if s is step)
    while i > 0 and steps[i].kind != "baseline" and steps[i - 1].daily_ug == step.daily_ug:
        i -= 1
    return i


def _baseline(steps: Sequence[PlannedStep], plan: PlanParameters) -> Mapping[str, int]:
    """The daily doses the plan started from (its first step): the crossover's stages are
    made from it."""
    baseline = steps[0].daily_ug
    if baseline.get(plan.drug, 0) <= 0:
        raise ValueError(f"the first step has no {plan.drug}: these steps are not from this plan")
    return baseline


def _key(daily: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted((d, ug) for d, ug in daily.items() if ug > 0))


def _step(
    index: int, start: date, daily: Mapping[str, int], kind: str, plan: PlanParameters
) -> PlannedStep:
    listed = {d: daily[d] for d in plan.drugs if daily.get(d, 0) > 0} or {plan.tapered: 0}
    per_time = {d: split_daily_dose(ug, plan.units[d], len(plan.times)) for d, ug in listed.items()}
    doses = tuple(
        PlannedDose(time=t, drug=d, ug=per_time[d][i])
        for i, t in enumerate(plan.times)
        for d in listed
        if per_time[d][i] > 0
    )
    de = sum((equivalent_ug(d, ug, "diazepam", plan.table) for d, ug in listed.items()), Fraction())
    return PlannedStep(
        index=index,
        start=start,
        daily_ug=listed,
        diazepam_eq_mg=float(de / 1000),
        doses=doses,
        kind=kind,
    )


def _append(kept: Sequence[PlannedStep], fresh: Sequence[PlannedStep]) -> tuple[PlannedStep, ...]:
    """``kept`` unchanged, then ``fresh`` numbered on from them."""
    first = kept[-1].index + 1 if kept else 0
    return (*kept, *(replace(s, index=first + i) for i, s in enumerate(fresh)))


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Pace check (a warning, not a refusal)",
        f"a step below {PACE_FLOOR.numerator}/{PACE_FLOOR.denominator} of the dose in force "
        f"{PACE_WINDOW_DAYS} days before it (more than {float(1 - PACE_FLOOR):.0%} per "
        f"{PACE_WINDOW_DAYS // 7} weeks)",
        ("S16", "S17"),
    ),
    ClinicalNumber(
        "Crossover stages (default)",
        f"{DEFAULT_STAGES} stages, one every {DEFAULT_STAGE_INTERVAL_DAYS} days",
        ("S30", "S26"),
        "Local policy, configurable per plan: modelled on a forum summary of crossing over in "
        "at least 4 weekly steps, and on reviewing 5-7 days after a switch.",
    ),
    ClinicalNumber(
        "Abrupt stop refused",
        f"a first change to 0 from more than {ABRUPT_STOP_UNITS} dispensable units, unless a "
        "physician chooses to stop now",
        ("S19", "S33"),
        "Local policy (the number of units): seizures and delirium mostly follow abrupt cessation.",
    ),
    ClinicalNumber(
        "Rise warned before saving (default)",
        f"more than {DEFAULT_INCREASE_MARGIN_PCT} % in diazepam-equivalent",
        (),
        "Local policy, configurable per ward: no source sets a margin.",
    ),
    ClinicalNumber(
        "Substitution from a long-acting to a short-acting drug",
        "warned before saving",
        ("S12",),
    ),
    ClinicalNumber(
        "Dose times (default)",
        ", ".join(t.strftime("%H:%M") for t in DEFAULT_TIMES),
        (),
        "Local policy, configurable per ward and per plan: twice a day, ward-local time.",
    ),
)
