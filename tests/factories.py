"""The set-up the tests and the benchmarks share: staff, the test ward, an admitted patient, a
PRN order, a set of vitals, and headless Chromium as both drive it.

Everything is made through the audited domain operations a nurse, a physician or an admin uses.
Plain functions of a session or an engine: this module imports neither pytest nor the tests'
fixtures, so bench/ can use it without them (the demo ward's patients: seed_data.factories).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from selenium import webdriver
from sqlmodel import Session

from models.admissions import admit, ensure_ward
from models.audit import Actor
from models.charting import record_vitals
from models.prn_orders import PrnOrderForm, write_prn_order
from models.tables import Admission, User, VitalSigns, Ward
from models.users import create_user

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
        admission_id=admission_id,
        taken_at=taken_at,
        now=now or taken_at,
        **(NORMAL_VITALS | changes),
    )


def chromium_options(binary: str, *extra_flags: str) -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, *extra_flags):
        options.add_argument(flag)
    return options
