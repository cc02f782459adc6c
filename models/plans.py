"""Taper plans: every change is a new version; the MAR slots follow the active version.

The schedule itself comes from the pure taper engine (models.clinical.taper); this module
stores it, supersedes the previous version and keeps the MAR in step: future uncharted slots
are cancelled (never deleted) and made anew, past and charted slots are never touched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import false, func, or_
from sqlmodel import Session, col, select

from models.admissions import open_admission
from models.audit import SYSTEM, Actor, audit_event, insert_audited, snapshot, update_audited
from models.clinical.dose_timing import scheduled_datetimes
from models.clinical.taper import PlannedStep, Schedule, make_step
from models.errors import FieldError
from models.i18n import N_
from models.tables import (
    Admission,
    DoseAdministration,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    Ward,
)

# How far ahead MAR slots exist. The scheduler tops this up every hour (local policy).
MAR_HORIZON_DAYS = 14


def parse_times(text: str) -> list[time]:
    out: list[time] = []
    for part in text.split(","):
        part = part.strip()
        try:
            out.append(time.fromisoformat(part))
        except ValueError as exc:
            raise FieldError(
                "times",
                N_("{part} is not a time; write e.g. 08:00,20:00"),
                values={"part": repr(part)},
            ) from exc
    if not out:
        raise FieldError("times", N_("give at least one administration time"))
    return out


def format_times(times: Sequence[time]) -> str:
    return ",".join(t.strftime("%H:%M") for t in times)


def active_plan(session: Session, admission_id: int) -> TaperPlan | None:
    return session.exec(
        select(TaperPlan).where(
            TaperPlan.admission_id == admission_id, TaperPlan.status == "active"
        )
    ).first()


def plan_steps(session: Session, plan_id: int) -> list[TaperStep]:
    return list(
        session.exec(
            select(TaperStep)
            .where(TaperStep.plan_id == plan_id)
            .order_by(col(TaperStep.step_index), col(TaperStep.drug))
        ).all()
    )


def save_plan_version(
    *,
    session: Session,
    actor: Actor,
    admission_id: int,
    schedule: Schedule,
    drug: str,
    to_drug: str | None,
    daily_ug: int,
    recipe: str,
    start_date: date,
    effective_from: date,
    times: Sequence[time],
    stages: int,
    change: str,
    reason: str,
    now: datetime,
    hold_until: date | None = None,
    units: Mapping[str, int] | None = None,
    above_label_reason: str | None = None,
) -> TaperPlan:
    """Store ``schedule`` as the admission's new active plan version and rebuild the MAR
    from ``effective_from`` (and never before ``now``): the old version's doses stand until
    then, the new one's from then. ``units``: the dispensable units the steps were made in;
    ``above_label_reason``: the physician's confirmation of doses above a label maximum.
    Physicians only."""
    actor.require("physician")
    if not reason.strip():
        raise FieldError("reason", N_("say why the plan is made or changed"))
    admission = open_admission(session, admission_id)
    previous = active_plan(session, admission_id)
    version = 1
    if previous is not None:
        before = snapshot(previous)
        previous.status = "superseded"
        update_audited(
            session,
            actor=actor,
            action="plan.supersede",
            record=previous,
            before=before,
        )
        version = previous.version + 1
    plan = TaperPlan(
        admission_id=admission_id,
        version=version,
        drug=drug,
        to_drug=to_drug,
        daily_ug=daily_ug,
        recipe=recipe,
        start_date=start_date,
        effective_from=effective_from,
        times=format_times(times),
        equivalence_table=schedule.table,
        stages=stages,
        change=change,
        hold_until=hold_until,
        status="active",
        author_id=actor.user_id or 0,
        reason=reason.strip(),
        created_at=now,
        units=dict(units) if units else None,
        above_label_reason=above_label_reason,
    )
    insert_audited(session, actor=actor, action=f"plan.{change}", record=plan)
    assert plan.id is not None
    for step in schedule.steps:
        for step_drug, ug in step.daily_ug.items():
            session.add(
                TaperStep(
                    plan_id=plan.id,
                    step_index=step.index,
                    start_date=step.start,
                    drug=step_drug,
                    daily_ug=ug,
                    kind=step.kind,
                )
            )
    session.flush()
    ward = session.get(Ward, admission.ward_id)
    assert ward is not None
    cancelled = cancel_future_slots(
        session, admission_id=admission_id, after=_start_of(effective_from, ward, now), now=now
    )
    made = ensure_mar(
        session,
        admission=admission,
        ward=ward,
        plan=plan,
        steps=schedule.steps,
        through=now.astimezone(ZoneInfo(ward.timezone)).date() + timedelta(days=MAR_HORIZON_DAYS),
        now=now,
    )
    audit_event(
        session,
        actor=actor,
        action="mar.regenerate",
        entity="taper_plan",
        entity_id=plan.id,
        after={"cancelled_slots": cancelled, "new_slots": made},
    )
    return plan


def _start_of(day: date, ward: Ward, now: datetime) -> datetime:
    """The later of ``now`` and the ward-local start of ``day``: slots before it are the past."""
    local_midnight = datetime.combine(day, time(0), tzinfo=ZoneInfo(ward.timezone))
    return max(now, local_midnight)


def cancel_future_slots(
    session: Session, *, admission_id: int, after: datetime, now: datetime
) -> int:
    """Cancel live slots at or after ``after`` that nobody has charted; charted ones stay."""
    charted = select(DoseAdministration.scheduled_dose_id).where(
        col(DoseAdministration.scheduled_dose_id).is_not(None),
        col(DoseAdministration.entered_in_error) == false(),
    )
    slots = session.exec(
        select(ScheduledDose).where(
            ScheduledDose.admission_id == admission_id,
            col(ScheduledDose.cancelled_at).is_(None),
            col(ScheduledDose.scheduled_at) >= after,
            col(ScheduledDose.id).not_in(charted),
        )
    ).all()
    for slot in slots:
        slot.cancelled_at = now
        session.add(slot)
    session.flush()
    return len(slots)


def ensure_mar(
    session: Session,
    *,
    admission: Admission,
    ward: Ward,
    plan: TaperPlan,
    steps: Sequence[PlannedStep],
    through: date,
    now: datetime,
    since: datetime | None = None,
) -> int:
    """Make the plan's missing MAR slots up to the ward-local day ``through``; idempotent.
    Slots before ``since`` (default: the later of ``now`` and the plan's effective day) are
    the past and are not made. Returns the number of slots made."""
    assert plan.id is not None and admission.id is not None
    tz = ZoneInfo(ward.timezone)
    since = since or _start_of(plan.effective_from, ward, now)
    live = {
        (slot.drug, slot.scheduled_at)
        for slot in session.exec(
            select(ScheduledDose).where(
                ScheduledDose.admission_id == admission.id,
                col(ScheduledDose.cancelled_at).is_(None),
                col(ScheduledDose.scheduled_at) >= since,
            )
        ).all()
    }
    made = 0
    ordered = sorted(steps, key=lambda s: s.index)
    for i, step in enumerate(ordered):
        end = ordered[i + 1].start if i + 1 < len(ordered) else through + timedelta(days=1)
        day = max(step.start, since.astimezone(tz).date())
        # How often each drug is due in this step: its dose window (ISMP by frequency [S37]).
        per_day = Counter(dose.drug for dose in step.doses if dose.ug > 0)
        while day < end and day <= through:
            instants = scheduled_datetimes(day, [d.time for d in step.doses], tz)
            for dose, at in zip(step.doses, instants, strict=True):
                if dose.ug <= 0 or at < since or (dose.drug, at) in live:
                    continue
                session.add(
                    ScheduledDose(
                        admission_id=admission.id,
                        plan_id=plan.id,
                        drug=dose.drug,
                        dose_ug=dose.ug,
                        scheduled_at=at,
                        local_date=day,
                        local_time=dose.time.strftime("%H:%M"),
                        doses_per_day=per_day[dose.drug],
                    )
                )
                live.add((dose.drug, at))
                made += 1
            day += timedelta(days=1)
    session.flush()
    return made


def stored_steps(session: Session, plan: TaperPlan) -> list[PlannedStep]:
    """The plan version's steps as the taper engine's PlannedSteps (doses split per time)."""
    assert plan.id is not None
    by_index: dict[int, tuple[date, str, dict[str, int]]] = {}
    for row in plan_steps(session, plan.id):
        start, kind, daily = by_index.setdefault(row.step_index, (row.start_date, row.kind, {}))
        daily[row.drug] = row.daily_ug
    return [
        make_step(
            index=index,
            start=start,
            daily_ug=daily,
            kind=kind,
            times=parse_times(plan.times),
            table=plan.equivalence_table,
            units_ug=plan.units,
        )
        for index, (start, kind, daily) in sorted(by_index.items())
    ]


def top_up_mar(*, session: Session, now: datetime) -> int:
    """Extend every open admission's MAR to MAR_HORIZON_DAYS ahead (an hourly job). Only the
    admissions whose last live slot falls short are touched, each audited as the review jobs
    ("mar.top_up"). Returns the slots made."""
    last_slot = (
        select(ScheduledDose.admission_id, func.max(ScheduledDose.scheduled_at).label("last"))
        .where(col(ScheduledDose.cancelled_at).is_(None))
        .group_by(col(ScheduledDose.admission_id))
        .subquery()
    )
    horizon = now + timedelta(days=MAR_HORIZON_DAYS - 1)
    rows = session.exec(
        select(Admission, TaperPlan, Ward)
        .join(TaperPlan, col(TaperPlan.admission_id) == col(Admission.id))
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .outerjoin(last_slot, last_slot.c.admission_id == col(Admission.id))
        .where(
            col(Admission.discharged_at).is_(None),
            TaperPlan.status == "active",
            or_(last_slot.c.last.is_(None), last_slot.c.last < horizon),
        )
    ).all()
    made = 0
    for admission, plan, ward in rows:
        today = now.astimezone(ZoneInfo(ward.timezone)).date()
        new_slots = ensure_mar(
            session,
            admission=admission,
            ward=ward,
            plan=plan,
            steps=stored_steps(session, plan),
            through=today + timedelta(days=MAR_HORIZON_DAYS),
            now=now,
        )
        if new_slots:  # audited like every write: the board's cache keys on the audit log
            audit_event(
                session,
                actor=SYSTEM,
                action="mar.top_up",
                entity="taper_plan",
                entity_id=plan.id,
                after={"new_slots": new_slots},
                at=now,
            )
        made += new_slots
    return made
