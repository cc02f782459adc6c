"""The demo ward: deterministic (fixed seed), relative to the day it is loaded.

14 admitted patients and 3 discharged: direct clonazepam tapers on each founding-article recipe,
an alprazolam -> clonazepam and a lorazepam -> diazepam substitution; 3-21 days into their
stay; vitals every 4 h and CIWA-B every 4 h (every 2 h while moderate or worse); MARs mostly on
time with a few late, held, refused and missed doses; two patients visibly worsening after
their latest taper step. Everything is written through the audited domain operations. Loading
it twice changes nothing (the ward's existence is the marker).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import admit, discharge, ensure_ward
from models.audit import SYSTEM, Actor
from models.charting import chart_dose, record_assessment, record_vitals
from models.clinical.drugs import mg_to_ug
from models.clinical.scales import ciwa_b_band
from models.clinical.taper import build_schedule, plan_parameters
from models.db import transaction
from models.plans import MAR_HORIZON_DAYS, ensure_mar, parse_times, save_plan_version
from models.prn_orders import PrnOrderForm, write_prn_order
from models.schemas import DoseAdministrationCreate, VitalSignsCreate, WithdrawalAssessmentCreate
from models.tables import ScheduledDose, User, Ward
from models.users import create_user

SEED = 20261125
WARD_NAME = "Ward 7 — Detox"
WARD_TZ = "Europe/London"
DEMO_ACTOR = Actor(user_id=None, username="seed:demo", role="system")


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    password: str


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("nurse", "Nurse Amara Okafor", "nurse", "nurse-demo-pass"),
    DemoUser("physician", "Dr Tomas Lindqvist", "physician", "physician-demo-pass"),
    DemoUser("admin", "Admin Priya Raman", "admin", "admin-demo-pass"),
)


@dataclass(frozen=True)
class DemoPatient:
    family: str
    given: str
    sex: str
    born: int
    drug: str
    daily_mg: str
    recipe: str
    days_in: int  # days since admission
    to_drug: str | None = None
    worsening: bool = False  # symptoms climb after the latest taper step
    discharged_days_ago: int | None = None


PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(
        "Harper",
        "Eleanor",
        "female",
        1968,
        "clonazepam",
        "2",
        "-0.5mg/14d until 1mg; -0.25mg/7d",
        18,
    ),
    DemoPatient(
        "Mensah", "Kwame", "male", 1975, "clonazepam", "3", "-0.5mg/14d until 1mg; -0.25mg/7d", 9
    ),
    DemoPatient(
        "Novak",
        "Ivana",
        "female",
        1982,
        "clonazepam",
        "2",
        "-25%/7d once; -10%/7d",
        12,
        worsening=True,
    ),
    DemoPatient("Doyle", "Patrick", "male", 1959, "clonazepam", "4", "-25%/7d once; -10%/7d", 5),
    DemoPatient("Castillo", "Lucia", "female", 1990, "clonazepam", "1.5", "-0.25mg/7d", 16),
    DemoPatient(
        "Ahmed", "Yusuf", "male", 1971, "clonazepam", "2", "-0.25mg/7d", 10, worsening=True
    ),
    DemoPatient("Brennan", "Siobhan", "female", 1964, "clonazepam", "3", "-10%/14d", 21),
    DemoPatient("Takahashi", "Ken", "male", 1986, "clonazepam", "2", "-10%/14d", 7),
    DemoPatient(
        "Williams", "Grace", "female", 1979, "alprazolam", "2", "-10%/14d", 14, to_drug="clonazepam"
    ),
    DemoPatient(
        "Petrov", "Dmitri", "male", 1969, "lorazepam", "4", "-10%/14d", 11, to_drug="diazepam"
    ),
    DemoPatient("Osei", "Abena", "female", 1993, "clonazepam", "1", "-0.25mg/7d", 4),
    DemoPatient(
        "Lindgren", "Oskar", "male", 1977, "alprazolam", "3", "-10%/14d", 6, to_drug="clonazepam"
    ),
    DemoPatient(
        "Farouk", "Layla", "female", 1985, "lorazepam", "3", "-10%/14d", 8, to_drug="diazepam"
    ),
    DemoPatient("Murphy", "Sean", "male", 1962, "clonazepam", "2.5", "-10%/14d", 3),
    # Discharged earlier in the month.
    DemoPatient(
        "Kowalski",
        "Anna",
        "female",
        1973,
        "clonazepam",
        "2",
        "-0.25mg/7d",
        30,
        discharged_days_ago=6,
    ),
    DemoPatient(
        "Reyes", "Mateo", "male", 1988, "clonazepam", "1.5", "-10%/14d", 26, discharged_days_ago=9
    ),
    DemoPatient(
        "Chen", "Mei", "female", 1981, "alprazolam", "1", "-0.25mg/7d", 24, discharged_days_ago=4
    ),
)


def seed_demo(engine: Engine, *, now: datetime | None = None) -> str:
    """Load the demo ward unless it is there; returns a one-line summary."""
    now = now or datetime.now(UTC)
    with transaction(engine) as session:
        if session.exec(select(Ward).where(Ward.name == WARD_NAME)).first() is not None:
            return "demo ward already loaded: nothing changed"
        ward = ensure_ward(session=session, actor=DEMO_ACTOR, name=WARD_NAME, timezone=WARD_TZ)
        users = _users(session)
    rng = random.Random(SEED)
    admitted = 0
    for index, spec in enumerate(PATIENTS):
        with transaction(engine) as session:
            _load_patient(session, ward, users, spec, index, rng, now)
        admitted += spec.discharged_days_ago is None
    return f"demo ward loaded: {admitted} admitted, {len(PATIENTS) - admitted} discharged"


def _users(session: Session) -> dict[str, Actor]:
    actors: dict[str, Actor] = {}
    for demo in DEMO_USERS:
        user = session.exec(select(User).where(User.username == demo.username)).first()
        if user is None:
            user = create_user(
                session=session,
                actor=SYSTEM,
                username=demo.username,
                display_name=demo.display_name,
                role=demo.role,
                password=demo.password,
            )
        actors[demo.role] = Actor(user.id, user.username, user.role)
    return actors


def _load_patient(
    session: Session,
    ward: Ward,
    users: dict[str, Actor],
    spec: DemoPatient,
    index: int,
    rng: random.Random,
    now: datetime,
) -> None:
    assert ward.id is not None
    tz = ZoneInfo(ward.timezone)
    today = now.astimezone(tz).date()
    admit_day = today - timedelta(days=spec.days_in)
    admitted_at = datetime.combine(admit_day, time(10 + index % 5, 15 * (index % 4)), tz)
    physician, nurse = users["physician"], users["nurse"]
    daily_ug = mg_to_ug(spec.daily_mg)
    admission = admit(
        session=session,
        actor=nurse,
        ward_id=ward.id,
        mrn=f"TW{100234 + index * 37:07d}",
        family_name=spec.family,
        given_name=spec.given,
        birth_date=date(spec.born, 1 + index % 12, 1 + (index * 7) % 28),
        sex=spec.sex,
        bed=f"B{index + 1}",
        attending_id=physician.user_id or 0,
        drug=spec.drug,
        daily_ug=daily_ug,
        admitted_at=admitted_at,
        now=admitted_at,
        substance_history=f"{spec.drug.title()} {spec.daily_mg} mg/day for several years.",
    )
    assert admission.id is not None
    start = _plan_start(spec, admit_day, today)
    times = parse_times(ward.admin_times)
    schedule = build_schedule(
        plan_parameters(drug=spec.drug, recipe=spec.recipe, times=times, to_drug=spec.to_drug),
        daily_ug=daily_ug,
        start=start,
    )
    plan_made_at = admitted_at + timedelta(hours=2)
    plan = save_plan_version(
        session=session,
        actor=physician,
        admission_id=admission.id,
        schedule=schedule,
        drug=spec.drug,
        to_drug=spec.to_drug,
        daily_ug=daily_ug,
        recipe=spec.recipe,
        start_date=start,
        effective_from=start,
        times=times,
        stages=4,
        change="create",
        reason="Admission taper plan agreed with the patient.",
        now=plan_made_at,
    )
    end = (
        now if spec.discharged_days_ago is None else now - timedelta(days=spec.discharged_days_ago)
    )
    ensure_mar(
        session,
        admission=admission,
        ward=ward,
        plan=plan,
        steps=schedule.steps,
        through=today + timedelta(days=MAR_HORIZON_DAYS),
        now=plan_made_at,
    )
    step_starts = sorted({s.start for s in schedule.steps if s.kind != "baseline"})
    latest = max((s for s in step_starts if s <= today), default=None)
    worse_from = latest if spec.worsening else None
    _observations(session, nurse, admission.id, admitted_at, end, step_starts, worse_from, rng, tz)
    _doses(session, nurse, admission.id, end, rng, spec)
    if spec.worsening:  # symptoms climbing: the attending has a PRN order ready
        write_prn_order(
            session=session,
            actor=physician,
            admission_id=admission.id,
            form=DEMO_PRN_ORDER,
            reason="Breakthrough withdrawal symptoms after the latest cut",
            now=plan_made_at,
        )
    if spec.discharged_days_ago is not None:
        discharge(session=session, actor=nurse, admission_id=admission.id, at=end, now=end)


# Lorazepam 1 mg at most every 4 hours, twice in any 24 hours, when CIWA-B is moderate or worse
# (21 or more [S4]): the kind of order a ward writes for breakthrough symptoms (local practice).
DEMO_PRN_ORDER = PrnOrderForm(
    drug="lorazepam",
    dose_ug=1000,
    min_interval_min=240,
    max_doses_24h=2,
    max_ug_24h=2000,
    indication="withdrawal symptoms (anxiety, tremor, sweating)",
    scale="CIWA-B",
    threshold=21,
)


def _plan_start(spec: DemoPatient, admit_day: date, today: date) -> date:
    """The day after admission; for the worsening patients, chosen (on their weekly recipes)
    so that a cut fell two days ago."""
    first = admit_day + timedelta(days=1)
    if not spec.worsening:
        return first
    start = today - timedelta(days=2)
    while start - timedelta(days=7) >= first:
        start -= timedelta(days=7)
    return start


def _symptom_level(
    at: datetime,
    admitted_at: datetime,
    step_starts: list[date],
    worse_from: date | None,
    tz: ZoneInfo,
) -> float:
    """Expected CIWA-B total: settles over the stay, bumps for a few days after each cut,
    climbs steeply after the latest cut for a worsening patient."""
    days = (at - admitted_at).total_seconds() / 86400
    level = 14.0 * max(0.35, 1 - days / 20) + 3
    local_day = at.astimezone(tz).date()
    past = [s for s in step_starts if s <= local_day]
    if past:
        since = (at - datetime.combine(past[-1], time(8), tz)).total_seconds() / 86400
        if 0 <= since < 4:
            level += 6 * (1 - since / 4)
        if past[-1] == worse_from and 0 <= since:
            level += min(30.0, 12 * since)
    return level


def ciwa_items(total: int, rng: random.Random) -> dict[int, int]:
    """CIWA-B items (20, each 0-4) summing to ``total`` (at most 80), drawn from ``rng``."""
    items = dict.fromkeys(range(1, 21), 0)
    remaining = max(0, min(80, total))
    while remaining:
        item = rng.randint(1, 20)
        if items[item] < 4:
            items[item] += 1
            remaining -= 1
    return items


def _observations(
    session: Session,
    nurse: Actor,
    admission_id: int,
    admitted_at: datetime,
    end: datetime,
    step_starts: list[date],
    worse_from: date | None,
    rng: random.Random,
    tz: ZoneInfo,
) -> None:
    at = admitted_at + timedelta(minutes=20)
    next_vitals = at
    while at <= end:
        level = _symptom_level(at, admitted_at, step_starts, worse_from, tz)
        total = max(0, round(rng.gauss(level, 2.5)))
        record_assessment(
            session=session,
            actor=nurse,
            now=at,
            data=WithdrawalAssessmentCreate(
                admission_id=admission_id,
                taken_at=at,
                items=ciwa_items(total, rng),
            ),
        )
        if at >= next_vitals:
            strain = max(0.0, level - 15)
            record_vitals(
                session=session,
                actor=nurse,
                now=at,
                data=VitalSignsCreate(
                    admission_id=admission_id,
                    taken_at=at,
                    heart_rate=round(rng.gauss(78 + strain * 1.2, 5)),
                    systolic=round(rng.gauss(124 + strain * 1.1, 7)),
                    diastolic=round(rng.gauss(78 + strain * 0.5, 5)),
                    temperature_c=round(rng.gauss(36.8 + strain * 0.02, 0.2), 1),
                    resp_rate=round(rng.gauss(15 + strain * 0.15, 1.2)),
                    spo2=min(100, round(rng.gauss(97, 1))),
                    supplemental_o2=False,
                    consciousness="A",
                    rass=1 if strain > 5 else 0,  # restless while withdrawal is moderate or worse
                ),
            )
            next_vitals = at + timedelta(hours=4)
        # CIWA-B every 4 h, every 2 h while moderate or worse.
        moderate = ciwa_b_band(total).value not in ("none", "mild")
        at += timedelta(hours=2 if moderate else 4, minutes=rng.randint(-10, 10))
        if at > next_vitals + timedelta(hours=1):
            at = next_vitals


def _doses(
    session: Session,
    nurse: Actor,
    admission_id: int,
    end: datetime,
    rng: random.Random,
    spec: DemoPatient,
) -> None:
    slots = session.exec(
        select(ScheduledDose)
        .where(
            ScheduledDose.admission_id == admission_id,
            col(ScheduledDose.cancelled_at).is_(None),
            col(ScheduledDose.scheduled_at) < end - timedelta(minutes=30),
        )
        .order_by(col(ScheduledDose.scheduled_at))
    ).all()
    recent = end - timedelta(hours=30)
    missed_budget = 1 if spec.worsening or spec.family == "Doyle" else 0
    for slot in slots:
        assert slot.id is not None
        roll = rng.random()
        if slot.scheduled_at > recent and missed_budget and roll < 0.5:
            missed_budget -= 1  # nobody charted it: the review jobs should catch this
            continue
        if roll < 0.03:
            chart_dose(
                session=session,
                actor=nurse,
                now=slot.scheduled_at + timedelta(minutes=6),
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id,
                    status="refused",
                    administered_at=slot.scheduled_at + timedelta(minutes=5),
                    reason_code="declined",
                    reason_text="Said they felt they did not need it.",
                ),
            )
        elif roll < 0.05:
            chart_dose(
                session=session,
                actor=nurse,
                now=slot.scheduled_at + timedelta(minutes=12),
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id,
                    status="held",
                    administered_at=slot.scheduled_at + timedelta(minutes=10),
                    reason_code="too_drowsy",
                ),
            )
        else:
            late = roll > 0.93
            delay = timedelta(minutes=rng.randint(75, 130) if late else rng.randint(-20, 25))
            chart_dose(
                session=session,
                actor=nurse,
                now=slot.scheduled_at + delay + timedelta(minutes=2),
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id,
                    status="given",
                    administered_at=slot.scheduled_at + delay,
                ),
            )
