"""A stay (tests.factories.Stay) with one of everything the FHIR export covers, and helpers
shared by the FHIR tests. Europe/London is on GMT in early March, so ward time equals UTC here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import false, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.charting import chart_dose, chart_prn, mark_in_error, record_assessment, record_vitals
from models.db import make_engine, transaction
from models.migrate import upgrade
from models.plan_changes import PlanChange, apply_change
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.tables import (
    Admission,
    AuditEvent,
    Flag,
    Patient,
    ScheduledDose,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from seed_data.factories import start_taper
from tests.conftest import postgres_database
from tests.factories import Stay, admit_patient, make_staff, prn_order

ADMITTED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PLAN_START = date(2026, 3, 2)
HOLD_AT = datetime(2026, 3, 4, 21, 0, tzinfo=UTC)
CIWA_ITEMS = {n: (n % 5 if n <= 17 else 1) for n in range(1, 21)}  # total 37: moderate
VITAL_SETS = (
    # taken_at, hr, sys, dia, temp, rr, spo2, o2, acvpu
    (datetime(2026, 3, 2, 10, 0, tzinfo=UTC), 88, 132, 84, 37.2, 18, 96, False, "A"),
    (datetime(2026, 3, 2, 14, 0, tzinfo=UTC), 112, 158, 96, 38.3, 22, 93, True, "C"),
    (datetime(2026, 3, 3, 10, 0, tzinfo=UTC), 70, 120, 80, 36.6, 14, 98, False, "A"),
)


@dataclass
class FhirStay(Stay):
    """The shared Stay, with the ids of the entries the export treats apart."""

    vitals_in_error: int = 0
    open_flag: int = 0
    resolved_flag: int = 0


def make_stay(engine: Engine, staff: dict[str, Actor], ward: Ward) -> FhirStay:
    """Clonazepam 2 mg/day, -0.25 mg weekly from 2 Mar, then a hold (version 2, so version 1 is
    superseded). Three vital-sign sets (the last marked in error), two CIWA-B (one in error),
    doses given, held, refused, not given, one given then marked in error, a PRN dose, and one
    open and one resolved flag."""
    nurse, doctor = staff["nurse1"], staff["doctor1"]
    assert ward.id is not None
    with transaction(engine) as session:
        admission = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=ADMITTED_AT,
            mrn="TW0042",
            family_name="Doe",
            given_name="Alex",
            birth_date=date(1971, 5, 4),
            bed="B3",
            admitted_at=ADMITTED_AT,
        )
        assert admission.id is not None
        admission_id = admission.id
        start_taper(
            session,
            actor=doctor,
            admission_id=admission_id,
            start=PLAN_START,
            now=ADMITTED_AT + timedelta(hours=1),
        )
        vitals_ids = []
        for at, hr, sbp, dbp, temp, rr, spo2, o2, acvpu in VITAL_SETS:
            row = record_vitals(
                session=session,
                actor=nurse,
                now=at,
                data=VitalSignsCreate(
                    admission_id=admission_id,
                    taken_at=at,
                    heart_rate=hr,
                    systolic=sbp,
                    diastolic=dbp,
                    temperature_c=temp,
                    resp_rate=rr,
                    spo2=spo2,
                    supplemental_o2=o2,
                    consciousness=acvpu,
                ),
            )
            vitals_ids.append(row.id)
        at = datetime(2026, 3, 2, 10, 5, tzinfo=UTC)
        record_assessment(
            session=session,
            actor=nurse,
            now=at,
            data=WithdrawalAssessmentCreate(
                admission_id=admission_id,
                taken_at=at,
                items=CIWA_ITEMS,
            ),
        )
        wrong = record_assessment(
            session=session,
            actor=nurse,
            now=at,
            data=WithdrawalAssessmentCreate(
                admission_id=admission_id,
                taken_at=at,
                items=dict.fromkeys(range(1, 21), 0),
            ),
        )
        slots = session.exec(
            select(ScheduledDose)
            .where(ScheduledDose.admission_id == admission_id)
            .order_by(col(ScheduledDose.scheduled_at))
        ).all()
        outcomes = [
            ("given", None, None),
            ("held", "too_drowsy", None),
            ("refused", "declined", "=1+1 said it was not needed"),
            ("not_given", "off_ward", None),
            ("given", None, None),
        ]
        charted = []
        for slot, (status, reason, text) in zip(slots, outcomes, strict=False):
            assert slot.id is not None
            when = slot.scheduled_at + timedelta(minutes=10)
            charted.append(
                chart_dose(
                    session=session,
                    actor=nurse,
                    now=when,
                    data=DoseAdministrationCreate(
                        scheduled_dose_id=slot.id,
                        status=status,
                        administered_at=when,
                        reason_code=reason,
                        reason_text=text,
                    ),
                )
            )
        prn_at = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
        order = prn_order(
            session, doctor=staff["doctor1"], admission_id=admission_id, written_at=prn_at
        )
        chart_prn(
            session=session,
            actor=nurse,
            now=prn_at,
            data=PrnAdministrationCreate(
                admission_id=admission_id,
                prn_order_id=order,
                administered_at=prn_at,
                reason_text="Agitated at night",
            ),
        )
        error_at = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
        for entity, record_id in (
            ("vitals", vitals_ids[2]),
            ("assessment", wrong.id),
            ("dose", charted[4].id),
        ):
            assert record_id is not None
            mark_in_error(
                session=session,
                actor=nurse,
                entity=entity,
                record_id=record_id,
                reason="Charted against the wrong patient",
                now=error_at,
            )
        apply_change(
            session=session,
            actor=doctor,
            admission_id=admission_id,
            change=PlanChange(kind="hold", reason="CIWA-B moderate after the cut", hold_days=7),
            now=HOLD_AT,
        )
        flags = [
            Flag(
                admission_id=admission_id,
                rule=rule,
                subject="admission",
                severity=severity,
                message=message,
                status=status,
                raised_at=HOLD_AT,
                updated_at=HOLD_AT,
            )
            for rule, severity, message, status in (
                ("worsening", "high", "CIWA-B rose 12 points in 24 h", "open"),
                ("missed_dose", "moderate", "Dose not charted", "resolved"),
            )
        ]
        session.add_all(flags)
        session.flush()
        assert vitals_ids[2] is not None and flags[0].id and flags[1].id
        return FhirStay(
            engine,
            HOLD_AT,
            ward.id,
            staff,
            admission_id,
            prn_order_id=order,
            vitals_in_error=vitals_ids[2],
            open_flag=flags[0].id,
            resolved_flag=flags[1].id,
        )


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def vitals_of(engine: Engine, admission_id: int) -> list[tuple[Any, ...]]:
    """The valid reading sets of an admission, as comparable tuples."""
    with Session(engine) as session:
        rows = session.exec(
            select(VitalSigns)
            .where(
                VitalSigns.admission_id == admission_id, col(VitalSigns.entered_in_error) == false()
            )
            .order_by(col(VitalSigns.taken_at))
        ).all()
        return [
            (
                v.taken_at,
                v.heart_rate,
                v.systolic,
                v.diastolic,
                v.temperature_c,
                v.resp_rate,
                v.spo2,
                v.supplemental_o2,
                v.consciousness,
                v.news2_total,
                v.news2_any_three,
            )
            for v in rows
        ]


COUNTED = (Patient, Admission, VitalSigns, WithdrawalAssessment, AuditEvent)


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in COUNTED
        }


@contextmanager
def fresh_database(
    engine: Engine, tmp_path: Path
) -> Iterator[tuple[Engine, dict[str, Actor], int]]:
    """A second, empty, migrated database on the same backend as ``engine``, with staff and a
    ward: (engine, staff, ward id)."""
    from models.admissions import ensure_ward
    from tests.factories import SYSTEM

    def prepared(url: str) -> tuple[Engine, dict[str, Actor], int]:
        other = make_engine(url)
        upgrade(other)
        with transaction(other) as session:
            staff = make_staff(session)
            ward = ensure_ward(
                session=session, actor=SYSTEM, name="EHR ward", timezone="Europe/London"
            )
            assert ward.id is not None
            return other, staff, ward.id

    if engine.dialect.name == "sqlite":
        other, staff, ward_id = prepared(f"sqlite:///{tmp_path / 'fresh.db'}")
        yield other, staff, ward_id
        other.dispose()
        return
    with postgres_database() as url:
        other, staff, ward_id = prepared(url)
        yield other, staff, ward_id
        other.dispose()
