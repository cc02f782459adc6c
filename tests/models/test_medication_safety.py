"""Medication safety in the data layer, on SQLite and PostgreSQL: doses that vanished between
plan versions (3), ceilings (2), the new plan that dropped a drug mid-crossover (4), abrupt stops
(5), rises and switches warned with the ward's margin (6), and the ward's dispensable units (8).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import confirm_admission_dose, dose_needs_confirmation, ensure_ward
from models.audit import Actor
from models.db import transaction
from models.errors import FieldError, PermissionDenied, ValidationFailed
from models.plan_changes import (
    PlanChange,
    PlanSpec,
    apply_change,
    create_plan,
    preview_change,
    preview_new_plan,
)
from models.plans import active_plan, stored_steps
from models.tables import Admission, AuditEvent, ScheduledDose, TaperPlan, Ward
from models.ward_policy import update_ward_policy
from models.ward_units import update_ward_units, ward_units
from tests.factories import SYSTEM, admit_patient, make_staff

MADE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # Europe/London = UTC in early March
D = timedelta(days=1)


def _ward(engine: Engine) -> tuple[int, dict[str, Actor]]:
    with transaction(engine) as session:
        ward = ensure_ward(
            session=session, actor=SYSTEM, name="Safety Ward", timezone="Europe/London"
        )
        assert ward.id is not None
        return ward.id, make_staff(session)


def _admit(
    engine: Engine, ward_id: int, staff: dict[str, Actor], *, by: str = "nurse1", **fields: Any
) -> int:
    values: dict[str, Any] = {
        "mrn": "MS1",
        "family_name": "Safe",
        "given_name": "Sam",
        "birth_date": date(1970, 1, 1),
        "sex": "male",
        "bed": "S1",
        "admitted_at": MADE - 2 * D,
    } | fields
    with transaction(engine) as session:
        admission = admit_patient(
            session, staff=staff, ward=ward_id, now=MADE - 2 * D, actor=staff[by], **values
        )
        assert admission.id is not None
        return admission.id


def _plan(
    engine: Engine, staff: dict[str, Actor], admission_id: int, plan: PlanSpec, now: datetime
) -> TaperPlan:
    with transaction(engine) as session:
        return create_plan(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            new_plan=plan,
            now=now,
        )


def _live(engine: Engine, admission_id: int) -> list[ScheduledDose]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(ScheduledDose)
                .where(
                    ScheduledDose.admission_id == admission_id,
                    col(ScheduledDose.cancelled_at).is_(None),
                )
                .order_by(col(ScheduledDose.scheduled_at), col(ScheduledDose.drug))
            )
        )


# --- finding 3: no doses vanish between versions --------------------------------------------


def test_a_new_version_starting_in_five_days_keeps_todays_dose_until_then(engine: Engine) -> None:
    """As found: made on 10 Mar, first change 15 Mar: the doses of 10 Mar 20:00 to 14 Mar 20:00
    (nine) vanished. Now the dose in force continues until the first change."""
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff)
    _plan(
        engine,
        staff,
        admission_id,
        PlanSpec("clonazepam", 2000, "-0.25mg/7d", date(2026, 3, 1), "First"),
        MADE - 9 * D,
    )
    _plan(
        engine,
        staff,
        admission_id,
        PlanSpec("clonazepam", 1750, "-10%/14d", date(2026, 3, 15), "Slower"),
        MADE,
    )
    before_change = [
        (s.scheduled_at, s.dose_ug)
        for s in _live(engine, admission_id)
        if MADE <= s.scheduled_at < datetime(2026, 3, 15, tzinfo=UTC)
    ]
    assert [at for at, _ in before_change] == [
        datetime(2026, 3, 10, 20, tzinfo=UTC),
        *(datetime(2026, 3, day, hour, tzinfo=UTC) for day in (11, 12, 13, 14) for hour in (8, 20)),
    ]
    assert {ug for _, ug in before_change} == {875}  # 1.75 mg a day, the dose in force


def test_a_first_plan_starting_in_three_days_gives_the_admission_dose_until_then(
    engine: Engine,
) -> None:
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff)
    _plan(
        engine,
        staff,
        admission_id,
        PlanSpec("clonazepam", 2000, "-10%/14d", date(2026, 3, 13), "Start Friday"),
        MADE,
    )
    first_days = [s for s in _live(engine, admission_id) if s.local_date < date(2026, 3, 13)]
    assert [(s.local_date, s.local_time, s.dose_ug) for s in first_days] == [
        (date(2026, 3, 10), "20:00", 1000),
        (date(2026, 3, 11), "08:00", 1000),
        (date(2026, 3, 11), "20:00", 1000),
        (date(2026, 3, 12), "08:00", 1000),
        (date(2026, 3, 12), "20:00", 1000),
    ]


# --- finding 4: mid-crossover, the new plan starts from the whole regimen ---------------------


def _mid_crossover(engine: Engine) -> tuple[int, dict[str, Actor]]:
    """Alprazolam 2 mg crossing over to diazepam in 2 stages from 1 Mar: on 10 Mar the patient
    takes alprazolam 1 mg + diazepam 20 mg (40 mg diazepam-equivalent, Ashton)."""
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff, drug="alprazolam", daily_ug=2000)
    _plan(
        engine,
        staff,
        admission_id,
        PlanSpec(
            "alprazolam",
            2000,
            "-10%/14d",
            date(2026, 3, 1),
            "Switch",
            to_drug="diazepam",
            stages=2,
        ),
        MADE - 10 * D,
    )
    with transaction(engine) as session:  # hold the first stage: the dose stays mixed
        apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange("hold", "Settling", hold_days=None),
            now=MADE - 3 * D,
        )
    return admission_id, staff


def test_a_direct_plan_made_mid_crossover_converts_the_whole_regimen(engine: Engine) -> None:
    admission_id, staff = _mid_crossover(engine)
    with Session(engine) as session:
        preview = preview_new_plan(
            session=session,
            admission_id=admission_id,
            new_plan=PlanSpec("diazepam", 20000, "-10%/14d", date(2026, 3, 12), "Taper"),
            now=MADE,
        )
    assert preview.in_force == {"alprazolam": 1000, "diazepam": 20000}
    baseline, converted = preview.schedule.steps[:2]
    assert baseline.daily_ug == {"alprazolam": 1000, "diazepam": 20000}
    assert converted.daily_ug == {"diazepam": 40000}  # not a silent cut to 20 mg
    assert baseline.diazepam_eq_mg == converted.diazepam_eq_mg == 40
    assert preview.start is not None and "converted to diazepam" in (preview.start.note or "")
    assert not [
        w
        for w in preview.schedule.warnings
        if w.kind in ("pace", "increase") and w.start <= date(2026, 3, 12)
    ]
    plan = _plan(
        engine,
        staff,
        admission_id,
        PlanSpec("diazepam", 20000, "-10%/14d", date(2026, 3, 12), "Taper"),
        MADE,
    )
    assert (plan.drug, plan.to_drug, plan.daily_ug, plan.stages) == (
        "alprazolam",
        "diazepam",
        1000,
        1,
    )
    days = {(s.local_date, s.drug): s.dose_ug for s in _live(engine, admission_id)}
    assert days[(date(2026, 3, 11), "alprazolam")] == 500  # both drugs until the start
    assert days[(date(2026, 3, 11), "diazepam")] == 10000
    assert (date(2026, 3, 12), "alprazolam") not in days
    assert days[(date(2026, 3, 12), "diazepam")] == 20000


def test_a_substitution_made_mid_crossover_continues_it_and_other_drugs_are_refused(
    engine: Engine,
) -> None:
    admission_id, _ = _mid_crossover(engine)
    with Session(engine) as session:
        preview = preview_new_plan(
            session=session,
            admission_id=admission_id,
            new_plan=PlanSpec(
                "alprazolam",
                2000,
                "-10%/14d",
                date(2026, 3, 12),
                "Go on",
                to_drug="diazepam",
                stages=2,
            ),
            now=MADE,
        )
        assert [s.daily_ug for s in preview.schedule.steps[:3]] == [
            {"alprazolam": 1000, "diazepam": 20000},
            {"alprazolam": 500, "diazepam": 30000},
            {"diazepam": 40000},
        ]
        with pytest.raises(FieldError) as exc:
            preview_new_plan(
                session=session,
                admission_id=admission_id,
                new_plan=PlanSpec("clonazepam", 2000, "-10%/14d", date(2026, 3, 12), "Other"),
                now=MADE,
            )
        assert "alprazolam 1 mg + diazepam 20 mg a day" in exc.value.message


# --- finding 2: ceilings ---------------------------------------------------------------------


def test_the_issue_s_400_mg_of_alprazolam_is_refused_at_admission(engine: Engine) -> None:
    ward_id, staff = _ward(engine)
    with pytest.raises(ValidationFailed) as exc:
        _admit(engine, ward_id, staff, drug="alprazolam", daily_ug=400_000)
    assert "hard ceiling of 300 mg" in exc.value.by_field()["daily_mg"]
    with Session(engine) as session:
        assert session.exec(select(Admission)).all() == []


def test_an_admission_dose_above_the_label_is_confirmed_by_a_physician(engine: Engine) -> None:
    ward_id, staff = _ward(engine)
    with pytest.raises(ValidationFailed) as nurse_confirms:
        _admit(
            engine,
            ward_id,
            staff,
            drug="alprazolam",
            daily_ug=12000,
            dose_confirm_reason="Patient says so",
        )
    assert "Only a physician can confirm" in nurse_confirms.value.by_field()["dose_confirm_reason"]
    admission_id = _admit(engine, ward_id, staff, drug="alprazolam", daily_ug=12000)
    with Session(engine) as session:
        admission = session.get(Admission, admission_id)
        assert admission is not None and dose_needs_confirmation(admission)
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        confirm_admission_dose(
            session=session, actor=staff["nurse1"], admission_id=admission_id, reason="ok", now=MADE
        )
    with transaction(engine) as session:
        confirm_admission_dose(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            reason="Verified with the GP",
            now=MADE,
        )
    with Session(engine) as session:
        admission = session.get(Admission, admission_id)
        assert admission is not None and not dose_needs_confirmation(admission)
        assert admission.dose_confirm_reason == "Verified with the GP"
        assert session.exec(
            select(AuditEvent).where(AuditEvent.action == "admission.confirm_dose")
        ).one()


def test_a_plan_above_the_label_needs_the_physician_s_reason_and_the_ceiling_refuses(
    engine: Engine,
) -> None:
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff, drug="alprazolam", daily_ug=12000)
    plan = PlanSpec("alprazolam", 12000, "-10%/14d", MADE.date(), "Taper")
    with pytest.raises(FieldError) as exc:
        _plan(engine, staff, admission_id, plan, MADE)
    assert exc.value.field == "above_label_reason"
    confirmed = PlanSpec(
        "alprazolam",
        12000,
        "-10%/14d",
        MADE.date(),
        "Taper",
        above_label_reason="Street use, verified",
    )
    saved = _plan(engine, staff, admission_id, confirmed, MADE)
    assert saved.above_label_reason == "Street use, verified"
    with transaction(engine) as session:  # a hold carries the confirmation over
        held = apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange("hold", "Pause", hold_days=7),
            now=MADE + D,
        )
        assert held.above_label_reason == "Street use, verified"
    with transaction(engine) as session:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward_id,
            values={"hard_ceiling_de_mg": 200},
        )
    # 12 mg alprazolam is 240 mg diazepam-equivalent: a new plan is now refused ...
    later = PlanSpec(
        "alprazolam",
        12000,
        "-10%/14d",
        (MADE + 2 * D).date(),
        "Taper",
        above_label_reason="Street use, verified",
    )
    with pytest.raises(FieldError) as ceiling:
        _plan(engine, staff, admission_id, later, MADE + 2 * D)
    assert "hard ceiling of 200 mg" in ceiling.value.message
    # ... but holding what is in force is not.
    with transaction(engine) as session:
        apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange("hold", "Pause longer", hold_days=7),
            now=MADE + 2 * D,
        )


# --- finding 5: abrupt stops -----------------------------------------------------------------


def test_a_recipe_change_that_stops_at_once_is_refused_and_stop_now_is_audited(
    engine: Engine,
) -> None:
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff)
    _plan(
        engine,
        staff,
        admission_id,
        PlanSpec("clonazepam", 2000, "-10%/14d", MADE.date(), "Taper"),
        MADE,
    )
    for recipe in ("-99.99%/7d", "-5mg/7d"):
        with transaction(engine) as session, pytest.raises(FieldError) as exc:
            apply_change(
                session=session,
                actor=staff["doctor1"],
                admission_id=admission_id,
                change=PlanChange("recipe", "Faster", recipe=recipe),
                now=MADE + D,
            )
        assert "stops at once" in exc.value.message
    with transaction(engine) as session:
        stopped = apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange("stop", "Allergic reaction: stop now"),
            now=MADE + D,
        )
    assert stopped.change == "stop"
    assert [s for s in _live(engine, admission_id) if s.scheduled_at > MADE + D] == []
    with Session(engine) as session:
        assert session.exec(select(AuditEvent).where(AuditEvent.action == "plan.stop")).one()


# --- finding 6: the ward's margin and switches -------------------------------------------------


def test_previews_warn_rises_against_the_ward_s_margin_and_switches_to_short_acting(
    engine: Engine,
) -> None:
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff, drug="diazepam", daily_ug=20000)
    with Session(engine) as session:
        switch = preview_new_plan(
            session=session,
            admission_id=admission_id,
            new_plan=PlanSpec("alprazolam", 1000, "-10%/14d", MADE.date(), "Switch"),
            now=MADE,
        )
        kinds = {w.kind for w in switch.schedule.warnings}
        assert "substitution" in kinds  # diazepam in force, alprazolam planned
        higher = preview_new_plan(
            session=session,
            admission_id=admission_id,
            new_plan=PlanSpec("diazepam", 23000, "-10%/14d", MADE.date(), "More"),
            now=MADE,
        )
        [rise] = [w for w in higher.schedule.warnings if w.kind == "increase"]
        assert "15% above the 20 mg of the dose in force" in rise.message
    with transaction(engine) as session:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward_id,
            values={"increase_margin_pct": 20},
        )
    with Session(engine) as session:
        within = preview_new_plan(
            session=session,
            admission_id=admission_id,
            new_plan=PlanSpec("diazepam", 23000, "-10%/14d", MADE.date(), "More"),
            now=MADE,
        )
        assert not [w for w in within.schedule.warnings if w.kind == "increase"]


# --- finding 8: the ward's dispensable units ----------------------------------------------------


def test_plans_are_made_in_the_ward_s_units_and_keep_them(engine: Engine) -> None:
    ward_id, staff = _ward(engine)
    admission_id = _admit(engine, ward_id, staff)
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        update_ward_units(
            session=session,
            actor=staff["nurse1"],
            ward_id=ward_id,
            values={"clonazepam": "0.5"},
            now=MADE,
        )
    with transaction(engine) as session, pytest.raises(ValidationFailed) as bad:
        update_ward_units(
            session=session,
            actor=staff["admin1"],
            ward_id=ward_id,
            values={"clonazepam": "3", "diazepam": "0.01", "lorazepam": "1e3"},
            now=MADE,
        )
    assert set(bad.value.by_field()) == {"unit_clonazepam", "unit_diazepam", "unit_lorazepam"}
    with transaction(engine) as session:
        units = update_ward_units(
            session=session,
            actor=staff["admin1"],
            ward_id=ward_id,
            values={"clonazepam": "0.5"},
            now=MADE,
        )
    assert units["clonazepam"] == 500 and units["diazepam"] == 1000
    plan = _plan(
        engine,
        staff,
        admission_id,
        PlanSpec("clonazepam", 2000, "-10%/14d", MADE.date(), "Taper"),
        MADE,
    )
    assert plan.units == {"clonazepam": 500}
    with Session(engine) as session:
        steps = stored_steps(session, plan)
    assert all(ug % 500 == 0 for s in steps for ug in s.daily_ug.values())
    assert [s.daily_ug["clonazepam"] for s in steps[:4]] == [2000, 1500, 1000, 500]
    with transaction(engine) as session:  # the ward changes its units again
        update_ward_units(
            session=session,
            actor=staff["admin1"],
            ward_id=ward_id,
            values={"clonazepam": "0.125"},
            now=MADE,
        )
        assert ward_units(session, ward_id)["clonazepam"] == 125
        changed = apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange("hold", "Pause", hold_days=7),
            now=MADE + D,
        )
        assert changed.units == {"clonazepam": 500}  # the plan keeps the units it was made in
        preview = preview_change(
            session=session,
            admission_id=admission_id,
            change=PlanChange("back", "Back"),
            now=MADE + D,
        )
        assert preview.units == {"clonazepam": 500}
    with Session(engine) as session:
        audits = session.exec(select(AuditEvent).where(AuditEvent.action == "ward.unit")).all()
        assert len(audits) == 2
        assert session.get(Ward, ward_id) is not None
        assert active_plan(session, admission_id) is not None
