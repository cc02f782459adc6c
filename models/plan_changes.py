"""The physician's plan changes: create a plan, advance, hold, resume, go back, change the recipe.

Each change is first previewed (the new schedule; nothing stored), then applied: a new plan
version from today, made by the pure taper engine (models.clinical.taper) and stored by
models.plans.save_plan_version, which supersedes the old version and regenerates only future,
uncharted MAR slots, audited in the same transaction. Only a physician may apply a change; the
check is here, in the domain, whatever the page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from models.admissions import open_admission
from models.audit import Actor
from models.clinical import taper
from models.clinical.drugs import DEFAULT_TABLE, get_drug
from models.clinical.taper import PlannedStep, Schedule, pace_warnings, step_on
from models.errors import FieldError
from models.plans import active_plan, parse_times, save_plan_version, stored_steps
from models.tables import TaperPlan, Ward

# TaperPlan.change values a change of an existing plan makes.
CHANGE_KINDS = ("advance", "hold", "resume", "back", "recipe")
CHANGE_LABELS: dict[str, str] = {
    "create": "New plan",
    "advance": "Advance: next cut today",
    "hold": "Hold",
    "resume": "Resume the taper",
    "back": "Go back one step",
    "recipe": "Change the recipe",
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


@dataclass(frozen=True)
class NewPlan:
    drug: str
    daily_ug: int
    recipe: str
    start: date
    reason: str
    to_drug: str | None = None  # a substitution taper crosses over to this drug
    table: str = DEFAULT_TABLE
    stages: int = 4
    times: str | None = None  # "08:00,20:00"; the ward's administration times if None


@dataclass(frozen=True)
class Preview:
    """A change worked out but not stored: the schedule the new version would have."""

    change: str
    schedule: Schedule
    effective_from: date
    recipe: str
    hold_until: date | None
    previous: TaperPlan | None


def _today(ward: Ward, now: datetime) -> date:
    return now.astimezone(ZoneInfo(ward.timezone)).date()


def _ward(session: Session, ward_id: int) -> Ward:
    ward = session.get(Ward, ward_id)
    assert ward is not None
    return ward


def check_reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise FieldError("reason", "say why: the reason is kept with the plan version")
    if len(text) > REASON_MAX:
        raise FieldError("reason", f"keep the reason under {REASON_MAX} characters")
    return text


def advance_steps(steps: Sequence[PlannedStep], *, on: date) -> tuple[PlannedStep, ...]:
    """Bring the next change forward to ``on``: every later step moves earlier by the same
    number of days, so the intervals between them stay as planned. Steps before the next one
    are untouched."""
    current = step_on(steps, on)
    if current is None:
        raise FieldError("on", f"{on} is before the plan's first step")
    if current.start == on:
        raise FieldError(
            "change", "the plan already changed today; advance tomorrow or change the recipe"
        )
    later = [s for s in steps if s.start > on]
    if not later:
        raise FieldError(
            "change",
            "there is no later step to bring forward (the taper has ended, or it is on a hold "
            "until resumed: resume it instead)",
        )
    shift = later[0].start - on
    return tuple(s if s.start <= on else replace(s, start=s.start - shift) for s in steps)


def on_open_hold(steps: Sequence[PlannedStep], today: date) -> bool:
    """True when the plan is on a hold until resumed (its last step is the hold in force)."""
    return bool(steps) and steps[-1].kind == "hold" and steps[-1].start <= today


def preview_change(
    *, session: Session, admission_id: int, change: PlanChange, now: datetime
) -> Preview:
    """The schedule ``change`` would give, from today; nothing is stored."""
    admission = open_admission(session, admission_id)
    plan = active_plan(session, admission_id)
    if plan is None:
        raise FieldError("plan", "this patient has no active taper plan; create one first")
    if change.kind not in CHANGE_KINDS:
        choices = ", ".join(CHANGE_LABELS[k] for k in CHANGE_KINDS)
        raise FieldError("change", f"choose one of: {choices}")
    today = _today(_ward(session, admission.ward_id), now)
    steps = stored_steps(session, plan)
    recipe = plan.recipe
    hold_until: date | None = None
    if change.kind == "advance":
        new_steps = advance_steps(steps, on=today)
    elif change.kind == "hold":
        days = change.hold_days
        if days is not None and not 1 <= days <= MAX_HOLD_DAYS:
            raise FieldError(
                "hold_days", f"hold for 1 to {MAX_HOLD_DAYS} days, or choose 'until resumed'"
            )
        new_steps = taper.hold(
            steps,
            on=today,
            days=days,
            drug=plan.drug,
            to_drug=plan.to_drug,
            recipe=recipe,
            times=parse_times(plan.times),
            table=plan.equivalence_table,
            stages=plan.stages,
        )
        hold_until = today + timedelta(days=days) if days else None
    else:
        if change.kind == "recipe":
            recipe = (change.recipe or "").strip()
            if not recipe:
                raise FieldError(
                    "recipe", "write the new recipe, e.g. -10%/14d, or choose a preset"
                )
        engine_change = {
            "resume": taper.resume,
            "back": taper.go_back,
            "recipe": taper.change_recipe,
        }[change.kind]
        new_steps = engine_change(
            steps,
            on=today,
            drug=plan.drug,
            to_drug=plan.to_drug,
            recipe=recipe,
            times=parse_times(plan.times),
            table=plan.equivalence_table,
            stages=plan.stages,
        )
    schedule = Schedule(
        steps=tuple(new_steps), warnings=pace_warnings(new_steps), table=plan.equivalence_table
    )
    return Preview(change.kind, schedule, today, recipe, hold_until, plan)


def apply_change(
    *, session: Session, actor: Actor, admission_id: int, change: PlanChange, now: datetime
) -> TaperPlan:
    """Store the change as the plan's new version. Physicians only."""
    actor.require("physician")
    reason = check_reason(change.reason)
    preview = preview_change(session=session, admission_id=admission_id, change=change, now=now)
    plan = preview.previous
    assert plan is not None
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
    )


def preview_new_plan(
    *, session: Session, admission_id: int, new_plan: NewPlan, now: datetime
) -> Preview:
    """The schedule a new plan would have (direct, or a substitution); nothing is stored."""
    admission = open_admission(session, admission_id)
    ward = _ward(session, admission.ward_id)
    today = _today(ward, now)
    if new_plan.start < today:
        raise FieldError("start", "a new plan starts today or later; the past stays as charted")
    schedule = taper.build_schedule(
        drug=new_plan.drug,
        daily_ug=new_plan.daily_ug,
        recipe=new_plan.recipe,
        start=new_plan.start,
        times=parse_times(new_plan.times or ward.admin_times),
        to_drug=new_plan.to_drug or None,
        table=new_plan.table,
        stages=new_plan.stages,
    )
    return Preview(
        "create", schedule, today, new_plan.recipe.strip(), None, active_plan(session, admission_id)
    )


def create_plan(
    *, session: Session, actor: Actor, admission_id: int, new_plan: NewPlan, now: datetime
) -> TaperPlan:
    """A new plan (version 1, or a new version replacing the current plan) from today.
    Physicians only."""
    actor.require("physician")
    reason = check_reason(new_plan.reason)
    preview = preview_new_plan(
        session=session, admission_id=admission_id, new_plan=new_plan, now=now
    )
    admission = open_admission(session, admission_id)
    times = parse_times(new_plan.times or _ward(session, admission.ward_id).admin_times)
    return save_plan_version(
        session=session,
        actor=actor,
        admission_id=admission_id,
        schedule=preview.schedule,
        drug=get_drug(new_plan.drug).name,
        to_drug=get_drug(new_plan.to_drug).name if new_plan.to_drug else None,
        daily_ug=new_plan.daily_ug,
        recipe=preview.recipe,
        start_date=new_plan.start,
        effective_from=preview.effective_from,
        times=times,
        stages=new_plan.stages,
        change="create",
        reason=reason,
        now=now,
    )
