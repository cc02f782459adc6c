"""The physician's plan changes: create a plan, advance, hold, resume, go back, change the
recipe, stop now.

Each change is first previewed (the new schedule and its warnings; nothing stored), then
applied: a new plan version from today, made by the pure taper engine (models.clinical.taper)
and stored by models.plans.save_plan_version, which supersedes the old version and regenerates
only future, uncharted MAR slots, audited in the same transaction. Only a physician may apply a
change; the check is here, in the domain, whatever the page shows.

A new plan starts from the dose in force: the whole regimen (both drugs mid-crossover), held
from today until the plan's first change (no day without doses). A new plan of one drug made
mid-crossover converts the whole regimen to that drug on its start date; a substitution
continues the crossover. Every plan is made in the ward's dispensable units; a change keeps the
units of the plan it changes. Above a label maximum a physician confirms with a reason; above
the ward's hard ceiling nothing is saved.

Over ~400 lines, one subject: every change is a preview and an apply built from the same
steps (regimen in force, start, ceilings, warnings), which a split would scatter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.admissions import open_admission
from models.audit import Actor
from models.clinical import taper
from models.clinical.dose_limits import AboveLabel, above_label, check_hard_ceiling, confirmation
from models.clinical.drugs import DEFAULT_TABLE, EQUIVALENCE_TABLES, format_mg, get_drug
from models.clinical.taper import (
    PlannedStep,
    Schedule,
    in_force_step,
    schedule_warnings,
    step_on,
)
from models.errors import FieldError, Shown, Words, required_text
from models.i18n import DEFAULT_LANGUAGE, N_, Translator
from models.i18n import format_mg as format_mg_in
from models.plans import active_plan, parse_times, save_plan_version, stored_steps
from models.tables import Admission, TaperPlan, Ward
from models.ward_units import ward_units

# TaperPlan.change values a change of an existing plan makes.
CHANGE_KINDS = ("advance", "hold", "resume", "back", "recipe", "stop")
CHANGE_LABELS: dict[str, str] = {
    "create": N_("New plan"),
    "advance": N_("Advance: next cut today"),
    "hold": N_("Hold"),
    "resume": N_("Resume the taper"),
    "back": N_("Go back one step"),
    "recipe": N_("Change the recipe"),
    "stop": N_("Stop now"),
}
# Longest hold one decision may set: a sanity limit, local policy (no source); an open-ended
# hold is the way to pause longer.
MAX_HOLD_DAYS = 90
REASON_MAX = 2000


@dataclass(frozen=True)
class PlanChange:
    kind: str  # one of CHANGE_KINDS
    reason: str
    hold_days: int | None = None  # hold: this many days; None: until resumed
    recipe: str | None = None  # recipe: the new recipe text
    above_label_reason: str | None = None  # needed only if the plan had none and needs one


@dataclass(frozen=True)
class PlanSpec:
    """A new plan as the physician's form submits it (the recipe's arguments, the starting
    dose and date, why): the value object preview_new_plan and create_plan take."""

    drug: str
    daily_ug: int
    recipe: str
    start: date
    reason: str
    to_drug: str | None = None  # a substitution taper crosses over to this drug
    table: str = DEFAULT_TABLE
    stages: int = 4
    times: str | None = None  # "08:00,20:00"; the ward's administration times if None
    above_label_reason: str | None = None  # a physician's confirmation, if above a label max


@dataclass(frozen=True)
class PlanStart:
    """What a new plan is built from, once the dose in force is taken into account."""

    drug: str
    to_drug: str | None
    daily_ug: int
    to_drug_daily_ug: int
    stages: int
    note: str | None = None  # how the dose in force became this start, for the preview
    # The note as a template (marked N_) and its values, for the reader's language.
    note_template: str | None = None
    note_values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    """A change worked out but not stored: the schedule the new version would have, with every
    warning (pace, rises, substitutions, against the dose in force) and what is above a label
    maximum (needing a physician's confirmation)."""

    change: str
    schedule: Schedule
    effective_from: date
    recipe: str
    hold_until: date | None
    previous: TaperPlan | None
    in_force: dict[str, int] = field(default_factory=dict)
    above_label: list[AboveLabel] = field(default_factory=list)
    start: PlanStart | None = None  # a new plan's
    units: dict[str, int] | None = None


def _today(ward: Ward, now: datetime) -> date:
    return now.astimezone(ZoneInfo(ward.timezone)).date()


def _ward(session: Session, ward_id: int) -> Ward:
    ward = session.get(Ward, ward_id)
    assert ward is not None
    return ward


def check_reason(reason: str) -> str:
    return required_text(
        reason,
        field="reason",
        missing="say why: the reason is kept with the plan version",
        limit=REASON_MAX,
    )


def advance_steps(steps: Sequence[PlannedStep], *, on: date) -> tuple[PlannedStep, ...]:
    """Bring the next change forward to ``on``: every later step moves earlier by the same
    number of days, so the intervals between them stay as planned. Steps before the next one
    are untouched."""
    current = step_on(steps, on)
    if current is None:
        raise FieldError("on", N_("{on} is before the plan's first step"), values={"on": on})
    if current.start == on and current.kind != "baseline":
        raise FieldError(
            "change", N_("the plan already changed today; advance tomorrow or change the recipe")
        )
    later = [s for s in steps if s.start > on]
    if not later:
        raise FieldError(
            "change",
            N_(
                "there is no later step to bring forward (the taper has ended, or it is on a "
                "hold until resumed: resume it instead)"
            ),
        )
    shift = later[0].start - on
    return tuple(s if s.start <= on else replace(s, start=s.start - shift) for s in steps)


def on_open_hold(steps: Sequence[PlannedStep], today: date) -> bool:
    """True when the plan is on a hold until resumed (its last step is the hold in force)."""
    return taper.on_open_hold(steps) and steps[-1].start <= today


def regimen_in_force(
    steps: Sequence[PlannedStep], today: date, admission: Admission
) -> dict[str, int]:
    """The dose in force today, every drug of it: the active plan's step (both drugs
    mid-crossover; nothing once the taper has ended), else the admission dose."""
    step = step_on(steps, today) if steps else None
    if step is None:
        return {admission.baseline_drug: admission.baseline_daily_ug}
    return {drug: ug for drug, ug in step.daily_ug.items() if ug > 0}


def describe_regimen(daily: Mapping[str, int]) -> str:
    if not daily:
        return "nothing (the taper has ended)"
    return " + ".join(f"{drug} {format_mg(ug)} mg" for drug, ug in daily.items()) + " a day"


class Regimen(Shown):
    """A regimen a refusal shows: :func:`describe_regimen` in English, in words and the
    language's doses elsewhere (the words of dashboard.components.plan_words.regimen_words)."""

    def __init__(self, daily: Mapping[str, int]) -> None:
        self.daily = dict(daily)

    def __str__(self) -> str:
        return describe_regimen(self.daily)

    def shown(self, t: Translator) -> str:
        if t.code == DEFAULT_LANGUAGE:
            return str(self)
        if not self.daily:
            return t.gettext("nothing (the taper has ended)")
        doses = " + ".join(f"{drug} {format_mg_in(ug, t.code)}" for drug, ug in self.daily.items())
        return t.gettext("{doses} a day", doses=doses)


def plan_start(new_plan: PlanSpec, in_force: Mapping[str, int]) -> PlanStart:
    """A new plan's starting point. From one drug (or none) in force, what the physician typed
    (a different dose or drug is warned in the preview). From two drugs (mid-crossover), the
    regimen itself: a substitution between them continues the crossover; a direct taper of one
    converts the whole regimen to it on the start date (a one-stage crossover)."""
    drug = get_drug(new_plan.drug).name
    to_drug = get_drug(new_plan.to_drug).name if new_plan.to_drug else None
    if len(in_force) < 2:
        return PlanStart(drug, to_drug, new_plan.daily_ug, 0, new_plan.stages)
    regimen = describe_regimen(in_force)
    if to_drug is None:
        if drug not in in_force:
            raise FieldError(
                "drug",
                N_(
                    "the dose in force is {regimen}: taper one of its drugs (the whole regimen is "
                    "converted to it) or continue the crossover"
                ),
                values={"regimen": Regimen(in_force)},
            )
        (other,) = (d for d in in_force if d != drug)
        converted = N_("the whole regimen ({regimen}) is converted to {drug} on the start date")
        values: dict[str, object] = {"regimen": Regimen(in_force), "drug": drug}
        return PlanStart(
            other,
            drug,
            in_force[other],
            in_force[drug],
            1,
            note=converted.format(**values),
            note_template=converted,
            note_values=values,
        )
    if {drug, to_drug} != set(in_force):
        raise FieldError(
            "to_drug",
            N_(
                "the dose in force is {regimen}: a substitution continues that crossover "
                "(cross over from one of its drugs to the other)"
            ),
            values={"regimen": Regimen(in_force)},
        )
    continues = N_("the crossover continues from the dose in force ({regimen})")
    return PlanStart(
        drug,
        to_drug,
        in_force[drug],
        in_force[to_drug],
        new_plan.stages,
        note=continues.format(regimen=regimen),
        note_template=continues,
        note_values={"regimen": Regimen(in_force)},
    )


def _warned(schedule: Schedule, in_force: Mapping[str, int] | None, ward: Ward) -> Schedule:
    """The schedule with every warning worked out against the ward's margin and, for a new
    plan, against the dose in force before it."""
    steps = list(schedule.steps)
    if in_force is not None and steps:
        first = in_force_step(
            in_force, before=steps[0].start - timedelta(days=1), table=schedule.table
        )
        steps = [first, *steps]
    warnings = schedule_warnings(steps, increase_margin_pct=ward.increase_margin_pct)
    return replace(schedule, warnings=warnings)


def _from_today(steps: Sequence[PlannedStep], today: date) -> list[PlannedStep]:
    """The steps that will be in force from today on (the past is charted, not ordered)."""
    current = step_on(steps, today)
    return [s for s in steps if s is current or s.start > today]


def _check_ceilings(
    steps: Sequence[PlannedStep], today: date, ward: Ward, table: str
) -> list[AboveLabel]:
    """Refuse doses above the ward's hard ceiling (a hold keeps what is in force, so it is not
    refused); return what is above a label maximum, for the physician to confirm."""
    coming = _from_today(steps, today)
    check_hard_ceiling(
        [s.daily_ug for s in coming if s.kind != "hold"],
        ceiling_de_mg=ward.hard_ceiling_de_mg,
        table=table,
    )
    return above_label(s.daily_ug for s in coming)


def _parameters(plan: TaperPlan, recipe: str) -> taper.PlanParameters:
    """The stored plan's parameters, checked, with ``recipe`` (its own, or the new one a
    recipe change submits): what the engine's plan changes continue the taper with."""
    return taper.plan_parameters(
        drug=plan.drug,
        recipe=recipe,
        times=parse_times(plan.times),
        to_drug=plan.to_drug,
        table=plan.equivalence_table,
        stages=plan.stages,
        units_ug=plan.units,
    )


def preview_change(
    *, session: Session, admission_id: int, change: PlanChange, now: datetime
) -> Preview:
    """The schedule ``change`` would give, from today; nothing is stored."""
    admission = open_admission(session, admission_id)
    plan = active_plan(session, admission_id)
    if plan is None:
        raise FieldError("plan", N_("this patient has no active taper plan; create one first"))
    if change.kind not in CHANGE_KINDS:
        choices = Words(CHANGE_LABELS[k] for k in CHANGE_KINDS)
        raise FieldError("change", N_("choose one of: {choices}"), values={"choices": choices})
    ward = _ward(session, admission.ward_id)
    today = _today(ward, now)
    steps = stored_steps(session, plan)
    recipe = plan.recipe
    hold_until: date | None = None
    if change.kind == "advance":
        new_steps = advance_steps(steps, on=today)
    elif change.kind == "hold":
        days = change.hold_days
        if days is not None and not 1 <= days <= MAX_HOLD_DAYS:
            raise FieldError(
                "hold_days",
                N_("hold for 1 to {most} days, or choose 'until resumed'"),
                values={"most": MAX_HOLD_DAYS},
            )
        new_steps = taper.hold(steps, on=today, days=days, plan=_parameters(plan, recipe))
        hold_until = today + timedelta(days=days) if days else None
    else:
        if change.kind == "recipe":
            recipe = (change.recipe or "").strip()
            if not recipe:
                raise FieldError(
                    "recipe", N_("write the new recipe, e.g. -10%/14d, or choose a preset")
                )
        parameters = _parameters(plan, recipe)
        if change.kind == "resume":
            not_before = _planned_before_hold(session, plan, steps)
            new_steps = taper.resume(steps, on=today, plan=parameters, not_before=not_before)
        else:
            engine_change = {
                "back": taper.go_back,
                "recipe": taper.change_recipe,
                "stop": taper.stop,
            }[change.kind]
            new_steps = engine_change(steps, on=today, plan=parameters)
    schedule = _warned(
        Schedule(steps=tuple(new_steps), warnings=(), table=plan.equivalence_table), None, ward
    )
    above = _check_ceilings(schedule.steps, today, ward, plan.equivalence_table)
    in_force = regimen_in_force(steps, today, admission)
    return Preview(
        change.kind, schedule, today, recipe, hold_until, plan, in_force, above, None, plan.units
    )


def _planned_before_hold(
    session: Session, plan: TaperPlan, steps: Sequence[PlannedStep]
) -> date | None:
    """The day the version an open-ended hold replaced had its next change (after the hold's
    first day: the hold keeps the dose in force that day): resuming never cuts sooner, even
    where an earlier hold for some days had moved that change later. None when the plan is not
    on an open hold, or has no such version."""
    if not taper.on_open_hold(steps) or plan.version < 2:
        return None
    held_from = steps[-1].start
    for version in range(plan.version - 1, 0, -1):
        before = session.exec(
            select(TaperPlan).where(
                TaperPlan.admission_id == plan.admission_id, TaperPlan.version == version
            )
        ).first()
        earlier = stored_steps(session, before) if before is not None else []
        planned = next((s.start for s in earlier if s.start > held_from), None)
        if planned is not None or not taper.on_open_hold(earlier):
            return planned
        held_from = earlier[-1].start  # an open hold made open again: what it replaced
    return None


def apply_change(
    *, session: Session, actor: Actor, admission_id: int, change: PlanChange, now: datetime
) -> TaperPlan:
    """Store the change as the plan's new version. Physicians only. A confirmation of doses
    above a label maximum carries over from the version it changes (a change never goes above
    the doses that version had)."""
    actor.require("physician")
    reason = check_reason(change.reason)
    preview = preview_change(session=session, admission_id=admission_id, change=change, now=now)
    plan = preview.previous
    assert plan is not None
    confirmed = confirmation(
        preview.above_label,
        reason=change.above_label_reason or plan.above_label_reason,
        role=actor.role,
    )
    return save_plan_version(
        session=session,
        actor=actor,
        admission_id=admission_id,
        schedule=preview.schedule,
        drug=plan.drug,
        to_drug=plan.to_drug,
        daily_ug=plan.daily_ug,
        recipe=preview.recipe,
        start_date=plan.start_date,
        effective_from=preview.effective_from,
        times=parse_times(plan.times),
        stages=plan.stages,
        change=change.kind,
        reason=reason,
        now=now,
        hold_until=preview.hold_until,
        units=plan.units,
        above_label_reason=confirmed,
    )


def preview_new_plan(
    *, session: Session, admission_id: int, new_plan: PlanSpec, now: datetime
) -> Preview:
    """The schedule a new plan would have (direct, or a substitution), from the dose in force
    today; nothing is stored."""
    admission = open_admission(session, admission_id)
    ward = _ward(session, admission.ward_id)
    today = _today(ward, now)
    if new_plan.start < today:
        raise FieldError("start", N_("a new plan starts today or later; the past stays as charted"))
    previous = active_plan(session, admission_id)
    steps = stored_steps(session, previous) if previous is not None else []
    in_force = regimen_in_force(steps, today, admission)
    start = plan_start(new_plan, in_force)
    assert ward.id is not None
    if new_plan.table in EQUIVALENCE_TABLES:
        # The starting dose first: above the ceiling, no schedule is worth building (a long
        # taper from a mistyped dose has thousands of steps).
        starting = {start.drug: start.daily_ug}
        if start.to_drug is not None and start.to_drug_daily_ug:
            starting[start.to_drug] = start.to_drug_daily_ug
        check_hard_ceiling([starting], ceiling_de_mg=ward.hard_ceiling_de_mg, table=new_plan.table)
    units = ward_units(session, ward.id)
    schedule = taper.build_schedule(
        taper.plan_parameters(
            drug=start.drug,
            recipe=new_plan.recipe,
            times=parse_times(new_plan.times or ward.admin_times),
            to_drug=start.to_drug,
            table=new_plan.table,
            stages=start.stages,
            units_ug=units,
        ),
        daily_ug=start.daily_ug,
        start=new_plan.start,
        to_drug_daily_ug=start.to_drug_daily_ug,
        effective=today,
    )
    schedule = _warned(schedule, in_force, ward)
    above = _check_ceilings(schedule.steps, today, ward, schedule.table)
    plan_units = {d: units[d] for d in (start.drug, start.to_drug) if d is not None}
    return Preview(
        "create",
        schedule,
        today,
        new_plan.recipe.strip(),
        None,
        previous,
        in_force,
        above,
        start,
        plan_units,
    )


def create_plan(
    *, session: Session, actor: Actor, admission_id: int, new_plan: PlanSpec, now: datetime
) -> TaperPlan:
    """A new plan (version 1, or a new version replacing the current plan) from today.
    Physicians only."""
    actor.require("physician")
    reason = check_reason(new_plan.reason)
    preview = preview_new_plan(
        session=session, admission_id=admission_id, new_plan=new_plan, now=now
    )
    assert preview.start is not None
    confirmed = confirmation(
        preview.above_label, reason=new_plan.above_label_reason, role=actor.role
    )
    admission = open_admission(session, admission_id)
    times = parse_times(new_plan.times or _ward(session, admission.ward_id).admin_times)
    return save_plan_version(
        session=session,
        actor=actor,
        admission_id=admission_id,
        schedule=preview.schedule,
        drug=preview.start.drug,
        to_drug=preview.start.to_drug,
        daily_ug=preview.start.daily_ug,
        recipe=preview.recipe,
        start_date=new_plan.start,
        effective_from=preview.effective_from,
        times=times,
        stages=preview.start.stages,
        change="create",
        reason=reason,
        now=now,
        units=preview.units,
        above_label_reason=confirmed,
    )
