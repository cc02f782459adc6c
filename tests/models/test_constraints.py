"""Constraints live in the database: they hold even when Python is bypassed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session

from models.audit import Actor
from models.tables import (
    Admission,
    DoseAdministration,
    Flag,
    Patient,
    ScheduledDose,
    TaperPlan,
    Ward,
)

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _patient(session: Session, mrn: str = "MRN1") -> Patient:
    patient = Patient(
        mrn=mrn, family_name="Doe", given_name="Jo", birth_date=date(1980, 1, 1), sex="female"
    )
    session.add(patient)
    session.flush()
    return patient


def _admission(session: Session, ward: Ward, staff: dict[str, Actor], bed: str = "B1") -> Admission:
    patient = _patient(session, mrn=f"MRN-{bed}")
    admission = Admission(
        patient_id=patient.id or 0,
        ward_id=ward.id or 0,
        bed=bed,
        admitted_at=T0,
        attending_id=staff["doctor1"].user_id or 0,
        baseline_drug="clonazepam",
        baseline_daily_ug=2000,
    )
    session.add(admission)
    session.flush()
    return admission


def _slot(
    session: Session, admission: Admission, staff: dict[str, Actor], dose_ug: int
) -> ScheduledDose:
    """A dose of ``dose_ug`` due at T0 on a new active plan of ``admission`` (not yet added)."""
    plan = TaperPlan(
        admission_id=admission.id or 0,
        version=1,
        drug="clonazepam",
        daily_ug=1000,
        recipe="-0.25mg/7d",
        start_date=T0.date(),
        effective_from=T0.date(),
        change="create",
        status="active",
        author_id=staff["doctor1"].user_id or 0,
        reason="r",
    )
    session.add(plan)
    session.flush()
    return ScheduledDose(
        admission_id=admission.id or 0,
        plan_id=plan.id or 0,
        drug="clonazepam",
        dose_ug=dose_ug,
        scheduled_at=T0,
        local_date=T0.date(),
        local_time="08:00",
    )


def _fails(engine: Engine, build: object) -> None:
    with Session(engine) as session, pytest.raises(IntegrityError):
        assert callable(build)
        build(session)
        session.flush()


def test_mrn_is_unique(engine: Engine) -> None:
    with Session(engine) as session:
        _patient(session, "DUP")
        session.commit()
    _fails(engine, lambda s: _patient(s, "DUP"))


def test_sex_and_empty_mrn_are_refused(engine: Engine) -> None:
    _fails(
        engine,
        lambda s: s.add(
            Patient(
                mrn="X1", family_name="a", given_name="b", birth_date=date(1990, 1, 1), sex="robot"
            )
        ),
    )
    _fails(
        engine,
        lambda s: s.add(
            Patient(
                mrn="", family_name="a", given_name="b", birth_date=date(1990, 1, 1), sex="male"
            )
        ),
    )


def test_foreign_keys_are_enforced(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> None:
    _fails(
        engine,
        lambda s: s.add(
            Admission(
                patient_id=999_999,
                ward_id=ward.id or 0,
                bed="B9",
                admitted_at=T0,
                attending_id=staff["doctor1"].user_id or 0,
                baseline_drug="clonazepam",
                baseline_daily_ug=1000,
            )
        ),
    )


def test_one_current_admission_per_patient_and_bed(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with Session(engine) as session:
        first = _admission(session, ward, staff, "B1")
        session.commit()
        patient_id = first.patient_id

    def second_for_same_patient(s: Session) -> None:
        s.add(
            Admission(
                patient_id=patient_id,
                ward_id=ward.id or 0,
                bed="B2",
                admitted_at=T0,
                attending_id=staff["doctor1"].user_id or 0,
                baseline_drug="clonazepam",
                baseline_daily_ug=1000,
            )
        )

    _fails(engine, second_for_same_patient)
    _fails(engine, lambda s: _admission(s, ward, staff, "B1"))


def test_doses_cannot_be_negative(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> None:
    def negative_baseline(s: Session) -> None:
        admission = _admission(s, ward, staff, "B3")
        admission.baseline_daily_ug = -125
        s.add(admission)

    _fails(engine, negative_baseline)

    def negative_slot(s: Session) -> None:
        admission = _admission(s, ward, staff, "B4")
        s.add(_slot(s, admission, staff, dose_ug=-1))

    _fails(engine, negative_slot)


def test_one_valid_administration_per_scheduled_dose(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    nurse = staff["nurse1"].user_id or 0
    with Session(engine) as session:
        admission = _admission(session, ward, staff, "B5")
        slot = _slot(session, admission, staff, dose_ug=500)
        session.add(slot)
        session.flush()
        first = DoseAdministration(
            admission_id=admission.id or 0,
            scheduled_dose_id=slot.id,
            drug="clonazepam",
            dose_ug=500,
            status="given",
            administered_at=T0,
            charted_by=nurse,
        )
        session.add(first)
        session.commit()
        ids = (admission.id or 0, slot.id)
        first_id = first.id

    def second(s: Session) -> None:
        s.add(
            DoseAdministration(
                admission_id=ids[0],
                scheduled_dose_id=ids[1],
                drug="clonazepam",
                dose_ug=500,
                status="given",
                administered_at=T0 + timedelta(minutes=1),
                charted_by=nurse,
            )
        )

    _fails(engine, second)
    # Once the first is marked in error, a re-charting is allowed.
    with Session(engine) as session:
        row = session.get(DoseAdministration, first_id)
        assert row is not None
        row.entered_in_error = True
        row.error_reason = "wrong patient"
        session.add(row)
        session.commit()
        second(session)
        session.commit()


def test_held_dose_needs_a_reason(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> None:
    def held_without_reason(s: Session) -> None:
        admission = _admission(s, ward, staff, "B6")
        s.add(
            DoseAdministration(
                admission_id=admission.id or 0,
                drug="clonazepam",
                dose_ug=0,
                status="held",
                administered_at=T0,
                charted_by=staff["nurse1"].user_id or 0,
            )
        )

    _fails(engine, held_without_reason)


def test_one_unresolved_flag_per_admission_rule_subject(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with Session(engine) as session:
        admission = _admission(session, ward, staff, "B7")
        session.add(
            Flag(
                admission_id=admission.id or 0,
                rule="missed_dose",
                subject="dose:1",
                severity="moderate",
                message="m",
                raised_at=T0,
                updated_at=T0,
            )
        )
        session.commit()
        admission_id = admission.id or 0

    def duplicate(s: Session) -> None:
        s.add(
            Flag(
                admission_id=admission_id,
                rule="missed_dose",
                subject="dose:1",
                severity="high",
                message="m",
                status="acknowledged",
                raised_at=T0,
                updated_at=T0,
            )
        )

    _fails(engine, duplicate)
    with Session(engine) as session:
        # A resolved flag does not block a new one for the same subject.
        session.add(
            Flag(
                admission_id=admission_id,
                rule="missed_dose",
                subject="dose:2",
                severity="moderate",
                message="m",
                status="resolved",
                raised_at=T0,
                updated_at=T0,
            )
        )
        session.add(
            Flag(
                admission_id=admission_id,
                rule="missed_dose",
                subject="dose:2",
                severity="moderate",
                message="m",
                raised_at=T0,
                updated_at=T0,
            )
        )
        session.commit()


def test_times_come_back_aware_utc(engine: Engine) -> None:
    with Session(engine) as session:
        ward = Ward(name="TZ", timezone="Europe/London")
        session.add(ward)
        session.commit()
        session.expire_all()
        loaded = session.get(Ward, ward.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(engine: Engine) -> None:
    with Session(engine) as session, pytest.raises(StatementError):
        session.add(Ward(name="Naive", timezone="UTC", created_at=datetime(2026, 1, 1)))
        session.flush()
