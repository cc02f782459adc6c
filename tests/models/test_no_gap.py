"""No gap, ever, over random sequences of plan changes on SQLite and
PostgreSQL: create (starting in the past - refused -, today or later; direct, substitution, or
mid-crossover), hold, resume, go back, change the recipe, advance, stop now, with time passing
and nurses charting every dose due. After every step:

- every ward-local day since the first plan was saved has its doses (until the taper ends), and
  from the active version's effective day every dose time of the step in force has its slot;
- no live slot twice;
- nothing charted is ever rewritten or cancelled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import ensure_ward
from models.audit import Actor
from models.charting import chart_dose
from models.clinical.taper import step_on
from models.db import transaction
from models.errors import ConflictError, FieldError
from models.plan_changes import PlanChange, PlanSpec, apply_change, create_plan
from models.plans import active_plan, stored_steps, top_up_mar
from models.schemas import DoseAdministrationCreate
from models.tables import DoseAdministration, ScheduledDose
from tests.factories import SYSTEM, admit_patient, make_staff

TZ = "Europe/London"
T0 = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)  # crosses the 29 March clock change
CHECKED_AHEAD_DAYS = 10  # within the MAR horizon the hourly job keeps
RECIPES = ("-10%/14d", "-0.25mg/7d", "-25%/7d once; -10%/7d", "-0.5mg/14d until 1mg; -0.25mg/7d")

Op = tuple[Any, ...]
OPERATIONS: st.SearchStrategy[Op] = st.one_of(
    st.tuples(st.just("wait"), st.integers(1, 60)),
    st.tuples(
        st.just("create"),
        st.integers(-1, 6),  # days from today; -1 is refused (the past stays as charted)
        st.sampled_from(["direct", "substitution", "convert"]),
        st.sampled_from(RECIPES),
    ),
    st.tuples(st.just("hold"), st.sampled_from([None, 2, 7])),
    st.tuples(st.just("resume")),
    st.tuples(st.just("back")),
    st.tuples(st.just("advance")),
    st.tuples(st.just("recipe"), st.sampled_from(RECIPES)),
    st.tuples(st.just("stop")),
)


@dataclass
class Ward:
    engine: Engine
    ward_id: int
    staff: dict[str, Actor]
    serial: count[int] = field(default_factory=lambda: count(1))


@dataclass
class Run:
    ward: Ward
    admission_id: int
    now: datetime
    first_day: date | None = None
    exempt: set[date] = field(default_factory=set)  # days after a stop, before a new plan
    stopped_on: date | None = None
    charted: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    given: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(TZ)).date()


def _ward(engine: Engine) -> Ward:
    with transaction(engine) as session:
        ward = ensure_ward(session=session, actor=SYSTEM, name="Gap Ward", timezone=TZ)
        assert ward.id is not None
        return Ward(engine, ward.id, make_staff(session))


def _admit(ward: Ward) -> Run:
    n = next(ward.serial)
    with transaction(ward.engine) as session:
        admission = admit_patient(
            session,
            staff=ward.staff,
            ward=ward.ward_id,
            now=T0,
            actor=SYSTEM,
            mrn=f"GAP{n}",
            family_name="Gap",
            given_name=str(n),
            birth_date=date(1970, 1, 1),
            sex="male",
            bed=f"G{n}",
        )
        assert admission.id is not None
        return Run(ward, admission.id, T0)


def _new_plan(run: Run, offset: int, mode: str, recipe: str) -> PlanSpec:
    start = run.today + timedelta(days=offset)
    if mode == "substitution":
        return PlanSpec("clonazepam", 2000, recipe, start, "Substitute", to_drug="diazepam")
    if mode == "convert":  # a direct taper of diazepam (from a crossover: the whole regimen)
        return PlanSpec("diazepam", 40000, recipe, start, "Convert to diazepam")
    return PlanSpec("clonazepam", 2000, recipe, start, "Taper")


def _apply(run: Run, op: Op) -> None:
    kind = op[0]
    doctor = run.ward.staff["doctor1"]
    if kind == "wait":
        run.now += timedelta(hours=op[1])
        _chart_due(run)
        with transaction(run.ward.engine) as session:
            top_up_mar(session=session, now=run.now)
        return
    try:
        with transaction(run.ward.engine) as session:
            if kind == "create":
                create_plan(
                    session=session,
                    actor=doctor,
                    admission_id=run.admission_id,
                    new_plan=_new_plan(run, op[1], op[2], op[3]),
                    now=run.now,
                )
                if run.first_day is None:
                    run.first_day = run.today
                if run.stopped_on is not None:  # a plan after a stop: doses from today again
                    day = run.stopped_on
                    while day <= run.today:
                        run.exempt.add(day)
                        day += timedelta(days=1)
                    run.stopped_on = None
            elif run.first_day is not None:
                change = PlanChange(
                    kind=kind,
                    reason="Random change",
                    hold_days=op[1] if kind == "hold" else None,
                    recipe=op[1] if kind == "recipe" else None,
                )
                apply_change(
                    session=session,
                    actor=doctor,
                    admission_id=run.admission_id,
                    change=change,
                    now=run.now,
                )
                if kind == "stop":
                    run.stopped_on = run.today
    except (FieldError, ConflictError):
        pass  # refused whole: the checks below find nothing changed


def _chart_due(run: Run) -> None:
    """The nurses give every dose due in the last 23 hours that nobody has charted."""
    with transaction(run.ward.engine) as session:
        charted = select(DoseAdministration.scheduled_dose_id).where(
            col(DoseAdministration.scheduled_dose_id).is_not(None)
        )
        due = session.exec(
            select(ScheduledDose).where(
                ScheduledDose.admission_id == run.admission_id,
                col(ScheduledDose.cancelled_at).is_(None),
                col(ScheduledDose.scheduled_at) <= run.now,
                col(ScheduledDose.scheduled_at) > run.now - timedelta(hours=23),
                col(ScheduledDose.id).not_in(charted),
            )
        ).all()
        for slot in due:
            assert slot.id is not None
            chart_dose(
                session=session,
                actor=run.ward.staff["nurse1"],
                now=run.now,
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id,
                    status="given",
                    administered_at=slot.scheduled_at,
                ),
            )


def _check(run: Run) -> None:
    with Session(run.ward.engine) as session:
        slots = session.exec(
            select(ScheduledDose).where(ScheduledDose.admission_id == run.admission_id)
        ).all()
        doses = session.exec(
            select(DoseAdministration).where(DoseAdministration.admission_id == run.admission_id)
        ).all()
        plan = active_plan(session, run.admission_id)
        steps = stored_steps(session, plan) if plan is not None else []
    live = [s for s in slots if s.cancelled_at is None]
    twice = [k for k, n in Counter((s.drug, s.scheduled_at) for s in live).items() if n > 1]
    assert not twice, f"live slots twice: {twice}"
    by_id = {s.id: s for s in slots}
    for dose in doses:  # nothing charted is rewritten or cancelled
        slot = by_id[dose.scheduled_dose_id]
        facts = (slot.drug, slot.dose_ug, slot.scheduled_at, slot.cancelled_at)
        assert facts[3] is None, f"charted slot {slot.id} cancelled"
        assert run.charted.setdefault(slot.id or 0, facts) == facts
        given = (dose.status, dose.dose_ug, dose.administered_at, dose.entered_in_error)
        assert run.given.setdefault(dose.id or 0, given) == given
    if run.first_day is None or plan is None:
        return
    last = steps[-1]
    end = min(
        run.today + timedelta(days=CHECKED_AHEAD_DAYS),
        last.start - timedelta(days=1) if not any(last.daily_ug.values()) else date.max,
    )
    if run.stopped_on is not None:
        end = min(end, run.stopped_on - timedelta(days=1))
    by_day: dict[date, set[tuple[str, str]]] = {}
    for slot in live:
        by_day.setdefault(slot.local_date, set()).add((slot.local_time, slot.drug))
    day = run.first_day + timedelta(days=1)
    while day <= end:
        if day not in run.exempt:
            assert by_day.get(day), f"no dose on {day} (now {run.now})"
            step = step_on(steps, day)
            if day > plan.effective_from and step is not None:
                wanted = {(d.time.strftime("%H:%M"), d.drug) for d in step.doses}
                missing = wanted - by_day[day]
                assert not missing, f"{day}: no slot for {missing} ({step.kind})"
        day += timedelta(days=1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    first=st.tuples(
        st.just("create"),
        st.integers(0, 6),
        st.sampled_from(["direct", "substitution"]),
        st.sampled_from(RECIPES),
    ),
    operations=st.lists(OPERATIONS, min_size=1, max_size=8),
)
def test_no_day_without_doses_no_slot_twice_nothing_charted_rewritten(
    engine: Engine, first: Op, operations: list[Op]
) -> None:
    ward = _ward_once(engine)
    run = _admit(ward)
    for op in (first, *operations):
        _apply(run, op)
        _check(run)


_WARDS: dict[str, Ward] = {}


def _ward_once(engine: Engine) -> Ward:
    """One ward per database (hypothesis runs many examples against the same fixture)."""
    key = engine.url.render_as_string(hide_password=False)
    if key not in _WARDS:
        _WARDS[key] = _ward(engine)
    return _WARDS[key]
