"""Patients on a taper, made for tests and benchmarks through the same audited domain
operations a nurse and a physician use (admit, create_plan, discharge).

Here rather than under tests/ because they make patients on the demo ward, the package of
seed_data/; the test ward's staff and patient are tests/factories.py (pytest-free too, so that
the benchmarks use both without the tests' fixtures).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from models.admissions import admit, discharge
from models.audit import Actor
from models.plan_changes import PlanSpec, create_plan
from models.tables import Admission, TaperPlan, User, Ward
from seed_data.demo import WARD_NAME


def start_taper(
    session: Session,
    *,
    actor: Actor,
    admission_id: int,
    start: date,
    now: datetime,
    recipe: str = "-0.25mg/7d",
    drug: str = "clonazepam",
    daily_ug: int = 2000,
    reason: str = "Admission plan",
) -> TaperPlan:
    """The admission's first plan: clonazepam 2 mg a day, -0.25 mg a week from ``start``
    unless told otherwise."""
    return create_plan(
        session=session,
        actor=actor,
        admission_id=admission_id,
        new_plan=PlanSpec(drug=drug, daily_ug=daily_ug, recipe=recipe, start=start, reason=reason),
        now=now,
    )


def demo_actor(session: Session, username: str) -> Actor:
    """A demo user (seed_data.demo.DEMO_USERS: "nurse", "physician", "admin") as an Actor."""
    user = session.exec(select(User).where(User.username == username)).one()
    return Actor(user.id, user.username, user.role)


def demo_ward(session: Session) -> Ward:
    return session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()


def admit_on_demo_ward(
    session: Session,
    *,
    mrn: str,
    family_name: str,
    given_name: str,
    birth_date: date,
    sex: str,
    bed: str,
    admitted_at: datetime,
    now: datetime,
    recipe: str = "-10%/14d",
    start: date | None = None,
    reason: str = "Admission plan",
) -> tuple[Admission, TaperPlan]:
    """A patient admitted by the demo nurse under the demo physician on clonazepam 2 mg a
    day, with the physician's plan made at ``now`` starting on ``start`` (by default the day
    after admission, in the ward's time zone)."""
    ward = demo_ward(session)
    assert ward.id is not None
    nurse, physician = demo_actor(session, "nurse"), demo_actor(session, "physician")
    admission = admit(
        session=session,
        actor=nurse,
        ward_id=ward.id,
        mrn=mrn,
        family_name=family_name,
        given_name=given_name,
        birth_date=birth_date,
        sex=sex,
        bed=bed,
        attending_id=physician.user_id or 0,
        drug="clonazepam",
        daily_ug=2000,
        admitted_at=admitted_at,
        now=now,
    )
    assert admission.id is not None
    if start is None:
        start = admitted_at.astimezone(ZoneInfo(ward.timezone)).date() + timedelta(days=1)
    plan = start_taper(
        session,
        actor=physician,
        admission_id=admission.id,
        start=start,
        now=now,
        recipe=recipe,
        reason=reason,
    )
    return admission, plan


def discharge_from_demo_ward(session: Session, admission_id: int, now: datetime) -> None:
    """Discharged by the demo nurse at ``now``, so the demo ward is as other tests expect."""
    discharge(
        session=session,
        actor=demo_actor(session, "nurse"),
        admission_id=admission_id,
        at=now,
        now=now,
    )
