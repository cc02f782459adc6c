"""The demo ward: its shape, its determinism, and that loading it twice changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.db import make_engine
from models.migrate import upgrade
from models.tables import (
    Admission,
    AuditEvent,
    DoseAdministration,
    Patient,
    ScheduledDose,
    TaperPlan,
    User,
    VitalSigns,
    WithdrawalAssessment,
)
from seed_data.demo import DEMO_USERS, PATIENTS, seed_demo
from tests.conftest import postgres_database

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
TABLES = (
    User,
    Patient,
    Admission,
    TaperPlan,
    ScheduledDose,
    DoseAdministration,
    VitalSigns,
    WithdrawalAssessment,
    AuditEvent,
)


def _counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {t.__name__: session.exec(select(func.count()).select_from(t)).one() for t in TABLES}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """The demo ward loaded once per backend for the read-only tests of this module."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('seed') / 'demo.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(engine, now=NOW)
        yield engine
        engine.dispose()
        return
    with postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(engine, now=NOW)
        yield engine
        engine.dispose()


def test_demo_ward_shape(seeded: Engine) -> None:
    engine = seeded
    with Session(engine) as session:
        admissions = session.exec(select(Admission)).all()
        current = [a for a in admissions if a.discharged_at is None]
        assert 12 <= len(current) <= 16
        assert 2 <= len(admissions) - len(current) <= 3
        for admission in current:
            days = (NOW - admission.admitted_at).days
            assert 2 <= days <= 21
        plans = session.exec(select(TaperPlan)).all()
        recipes = {p.recipe for p in plans}
        assert {
            "-0.5mg/14d until 1mg; -0.25mg/7d",
            "-25%/7d once; -10%/7d",
            "-0.25mg/7d",
            "-10%/14d",
        } <= recipes
        assert ("alprazolam", "clonazepam") in {(p.drug, p.to_drug) for p in plans}
        assert ("lorazepam", "diazepam") in {(p.drug, p.to_drug) for p in plans}
        statuses = [d.status for d in session.exec(select(DoseAdministration)).all()]
        assert statuses.count("given") > 10 * (statuses.count("held") + statuses.count("refused"))
        assert statuses.count("held") >= 1 and statuses.count("refused") >= 1
        charted = select(DoseAdministration.scheduled_dose_id).where(
            col(DoseAdministration.scheduled_dose_id).is_not(None)
        )
        missed = session.exec(
            select(ScheduledDose).where(
                col(ScheduledDose.id).not_in(charted),
                col(ScheduledDose.cancelled_at).is_(None),
                col(ScheduledDose.scheduled_at) < NOW - timedelta(hours=1),
                col(ScheduledDose.admission_id).in_([a.id for a in current]),
            )
        ).all()
        assert 1 <= len(missed) <= 5
        assert {u.username for u in session.exec(select(User)).all()} == {
            u.username for u in DEMO_USERS
        }


def test_two_patients_worsen_after_their_latest_step(seeded: Engine) -> None:
    engine = seeded
    worsening = {p.family for p in PATIENTS if p.worsening}
    assert len(worsening) == 2
    with Session(engine) as session:
        rows = session.exec(
            select(Patient.family_name, WithdrawalAssessment.total, WithdrawalAssessment.taken_at)
            .join(Admission, col(Admission.patient_id) == col(Patient.id))
            .join(WithdrawalAssessment, col(WithdrawalAssessment.admission_id) == col(Admission.id))
        ).all()
    for family in worsening:
        recent = [t for f, t, at in rows if f == family and at > NOW - timedelta(hours=12)]
        earlier = [
            t
            for f, t, at in rows
            if f == family and NOW - timedelta(days=4) < at < NOW - timedelta(days=2)
        ]
        assert recent and earlier
        assert max(recent) >= 21  # moderate or worse (CIWA-B band edge [S4])
        assert sum(recent) / len(recent) > sum(earlier) / len(earlier) + 10
    calm = [p.family for p in PATIENTS if not p.worsening and p.discharged_days_ago is None]
    for family in calm:
        recent = [t for f, t, at in rows if f == family and at > NOW - timedelta(hours=12)]
        assert recent and max(recent) <= 30


def test_loading_twice_changes_nothing(engine: Engine) -> None:
    first = seed_demo(engine, now=NOW)
    before = _counts(engine)
    second = seed_demo(engine, now=NOW + timedelta(hours=3))
    assert "nothing changed" in second and "nothing changed" not in first
    assert _counts(engine) == before


def test_every_demo_row_is_audited(seeded: Engine) -> None:
    engine = seeded
    counts = _counts(engine)
    with Session(engine) as session:
        audited = dict(
            session.exec(
                select(AuditEvent.action, func.count()).group_by(col(AuditEvent.action))
            ).all()
        )
    assert audited["vitals.record"] == counts["VitalSigns"]
    assert audited["assessment.record"] == counts["WithdrawalAssessment"]
    assert audited["admission.create"] == counts["Admission"]
    assert audited["plan.create"] == counts["TaperPlan"]


def test_the_worsening_patients_have_a_prn_order_triggered_by_a_moderate_ciwa_b(
    seeded: Engine,
) -> None:
    from models.tables import PrnOrder

    with Session(seeded) as session:
        orders = session.exec(select(PrnOrder)).all()
    assert len(orders) == 2
    assert {(o.drug, o.dose_ug, o.scale, o.threshold, o.status) for o in orders} == {
        ("lorazepam", 1000, "CIWA-B", 21, "active")
    }
