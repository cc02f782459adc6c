"""A small ward for the access, bad-input and fault tests: four staff, one admitted patient on
an active taper plan (so the MAR has slots), and helpers that add what a test uses up (another
admission, an open flag, a charted entry) through the domain operations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.db import transaction
from models.tables import DoseAdministration, Flag, ScheduledDose
from seed_data.factories import start_taper
from tests.factories import SYSTEM, admit_patient, chart_vitals, make_staff, make_ward, prn_order


@dataclass
class Stay:
    engine: Engine
    now: datetime
    ward_id: int
    staff: dict[str, Actor]  # nurse1, nurse2, doctor1, admin1
    admission_id: int  # admitted, with an active plan
    prn_order_id: int = 0  # the admission's active PRN order
    _serial: count[int] = field(default_factory=lambda: count(1))

    def actor(self, role: str) -> Actor:
        return next(a for a in self.staff.values() if a.role == role)

    def serial(self) -> int:
        return next(self._serial)

    def new_admission(
        self, *, with_plan: bool = False, drug: str = "clonazepam", daily_ug: int = 2000
    ) -> int:
        """Another patient admitted to a bed of their own."""
        n = self.serial()
        with transaction(self.engine) as session:
            admission = admit_patient(
                session,
                staff=self.staff,
                ward=self.ward_id,
                now=self.now,
                actor=SYSTEM,
                mrn=f"EXTRA{n:04d}",
                family_name=f"Extra{n}",
                given_name="Pat",
                birth_date=date(1975, 6, 1),
                sex="male",
                bed=f"X{n}",
                drug=drug,
                daily_ug=daily_ug,
                admitted_at=self.now - timedelta(days=2),
            )
            assert admission.id is not None
            if with_plan:
                _plan(session, self, admission.id)
            return admission.id

    def new_prn_order(self, admission_id: int | None = None) -> int:
        """Another PRN order on the admission (each with its own interval to keep)."""
        with transaction(self.engine) as session:
            return prn_order(
                session,
                doctor=self.staff["doctor1"],
                admission_id=admission_id or self.admission_id,
                written_at=self.now - timedelta(hours=2),
            )

    def new_co_medication(self, admission_id: int | None = None) -> int:
        """Another CNS depressant recorded on the admission (to stop)."""
        from models.co_medications import add_co_medication

        with transaction(self.engine) as session:
            row = add_co_medication(
                session=session,
                actor=self.staff["doctor1"],
                admission_id=admission_id or self.admission_id,
                drug_class="gabapentinoid",
                name=f"pregabalin {self.serial()}",
                now=self.now,
            )
            return row.id or 0

    def open_slots(self, admission_id: int | None = None) -> list[int]:
        """Scheduled doses of the admission nobody has charted, earliest first."""
        with transaction(self.engine) as session:
            charted = select(DoseAdministration.scheduled_dose_id).where(
                col(DoseAdministration.scheduled_dose_id).is_not(None)
            )
            rows = session.exec(
                select(ScheduledDose.id)
                .where(
                    ScheduledDose.admission_id == (admission_id or self.admission_id),
                    col(ScheduledDose.cancelled_at).is_(None),
                    col(ScheduledDose.id).not_in(charted),
                )
                .order_by(col(ScheduledDose.scheduled_at))
            ).all()
            return [int(r) for r in rows if r is not None]

    def vitals_entry(self) -> int:
        """A charted set of vitals (to mark in error)."""
        with transaction(self.engine) as session:
            row = chart_vitals(
                session,
                actor=self.staff["nurse1"],
                admission_id=self.admission_id,
                taken_at=self.now - timedelta(minutes=30),
                now=self.now,
            )
            assert row.id is not None
            return row.id

    def open_flag(self) -> int:
        """An open flag on the admission (as the review jobs would raise it)."""
        with transaction(self.engine) as session:
            flag = Flag(
                admission_id=self.admission_id,
                rule="news2",
                subject=f"test:{self.serial()}",
                severity="high",
                message="NEWS2 5: urgent review",
                raised_at=self.now,
                updated_at=self.now,
            )
            session.add(flag)
            session.flush()
            assert flag.id is not None
            return flag.id


def _plan(session: Session, stay: Stay, admission_id: int) -> None:
    start_taper(
        session,
        actor=stay.staff["doctor1"],
        admission_id=admission_id,
        start=(stay.now - timedelta(days=1)).date(),
        now=stay.now - timedelta(days=1),
    )


def make_stay(engine: Engine, now: datetime) -> Stay:
    with transaction(engine) as session:
        ward = make_ward(session)
        assert ward.id is not None
        staff = make_staff(session)
        admission = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=now,
            actor=SYSTEM,
            mrn="TW0001",
            birth_date=date(1970, 1, 1),
            admitted_at=now - timedelta(days=2),
        )
        assert admission.id is not None
        stay = Stay(engine, now, ward.id, staff, admission.id)
        _plan(session, stay, admission.id)
        stay.prn_order_id = prn_order(
            session,
            doctor=staff["doctor1"],
            admission_id=admission.id,
            written_at=now - timedelta(days=1),
        )
    return stay
