"""The set-up the tests and the benchmarks share: staff, the test ward, an admitted patient, a
PRN order, a set of vitals, a small ward with a patient on a taper (``Stay``), and headless
Chromium as both drive it.

Everything is made through the audited domain operations a nurse, a physician or an admin uses.
Plain functions of a session or an engine: this module imports neither pytest nor the tests'
fixtures, so bench/ can use it without them (the demo ward's patients: seed_data.factories).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from selenium import webdriver
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import admit, ensure_ward
from models.audit import Actor
from models.charting import record_vitals
from models.co_medications import add_co_medication
from models.db import transaction
from models.prn_orders import PrnOrderForm, write_prn_order
from models.schemas import VitalSignsCreate
from models.tables import Admission, DoseAdministration, Flag, ScheduledDose, User, VitalSigns, Ward
from models.users import create_user
from seed_data.factories import start_taper

SYSTEM = Actor(user_id=None, username="test", role="system")
STAFF_PASSWORD = "correct horse battery"
TEST_WARD = "Test Ward"
WARD_TZ = "Europe/London"
# The test patient: clonazepam 2 mg a day in bed B1.
PATIENT: dict[str, Any] = {
    "mrn": "TW100",
    "family_name": "Roe",
    "given_name": "Jan",
    "birth_date": date(1970, 5, 1),
    "sex": "female",
    "bed": "B1",
    "drug": "clonazepam",
    "daily_ug": 2000,
}
# A set of vitals with NEWS2 0.
NORMAL_VITALS: dict[str, Any] = {
    "heart_rate": 80,
    "systolic": 120,
    "diastolic": 80,
    "temperature_c": 36.8,
    "resp_rate": 16,
    "spo2": 97,
    "supplemental_o2": False,
    "consciousness": "A",
}
# Headless Chromium as the browser tests and the benchmarks run it (the window size and the
# profile folder are each run's own).
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def make_staff(session: Session) -> dict[str, Actor]:
    """One user per role plus a second nurse, as Actors."""
    actors: dict[str, Actor] = {}
    for username, role in (
        ("nurse1", "nurse"),
        ("nurse2", "nurse"),
        ("doctor1", "physician"),
        ("admin1", "admin"),
    ):
        user: User = create_user(
            session=session,
            actor=SYSTEM,
            username=username,
            display_name=username.title(),
            role=role,
            password=STAFF_PASSWORD,
        )
        actors[username] = Actor(user.id, user.username, user.role)
    return actors


def make_ward(session: Session) -> Ward:
    """The test ward (Europe/London), made once."""
    return ensure_ward(session=session, actor=SYSTEM, name=TEST_WARD, timezone=WARD_TZ)


def admit_patient(
    session: Session,
    *,
    staff: dict[str, Actor],
    ward: Ward | int,
    now: datetime,
    actor: Actor | None = None,
    **overrides: Any,
) -> Admission:
    """Admit the test patient (PATIENT) through the audited domain operation: admitted an hour
    before ``now`` by nurse1 (or ``actor``) under doctor1; any field can be overridden."""
    ward_id = ward if isinstance(ward, int) else ward.id
    assert ward_id is not None
    fields: dict[str, Any] = (
        PATIENT
        | {"attending_id": staff["doctor1"].user_id or 0, "admitted_at": now - timedelta(hours=1)}
        | overrides
    )
    admission = admit(
        session=session, actor=actor or staff["nurse1"], ward_id=ward_id, now=now, **fields
    )
    assert admission.id is not None
    return admission


def prn_order(
    session: Session,
    *,
    doctor: Actor,
    admission_id: int,
    written_at: datetime,
    drug: str = "clonazepam",
    dose_ug: int = 250,
) -> int:
    """A PRN order for tests that give PRN doses: in force from ``written_at``, at most hourly,
    twelve doses a day."""
    order = write_prn_order(
        session=session,
        actor=doctor,
        admission_id=admission_id,
        form=PrnOrderForm(
            drug=drug,
            dose_ug=dose_ug,
            min_interval_min=60,
            max_doses_24h=12,
            max_ug_24h=12 * dose_ug,
            indication="breakthrough withdrawal symptoms",
        ),
        reason="As needed for breakthrough symptoms",
        now=written_at,
    )
    assert order.id is not None
    return order.id


def chart_vitals(
    session: Session,
    *,
    actor: Actor,
    admission_id: int,
    taken_at: datetime,
    now: datetime | None = None,
    **changes: Any,
) -> VitalSigns:
    """A set of vitals (NORMAL_VITALS unless changed) charted at ``taken_at``."""
    return record_vitals(
        session=session,
        actor=actor,
        now=now or taken_at,
        data=VitalSignsCreate(
            admission_id=admission_id,
            taken_at=taken_at,
            **(NORMAL_VITALS | changes),
        ),
    )


@dataclass
class Stay:
    """A small ward: four staff and one patient admitted two days before ``now`` on an active
    taper plan (so the MAR has slots) with a PRN order, and helpers that add what a test uses
    up (another admission, an open flag, a charted entry) through the domain operations."""

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


def chromium_options(binary: str, *extra_flags: str) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, *extra_flags):
        options.add_argument(flag)
    return options
