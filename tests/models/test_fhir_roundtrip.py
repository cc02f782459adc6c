"""Export, then import into a fresh database: the same vital signs come back, once. The demo
ward's every admission exports as a valid bundle and round-trips. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import discharge
from models.audit import Actor
from models.db import make_engine, read_session, transaction
from models.fhir_export import export_admission
from models.fhir_import import import_bundle
from models.migrate import upgrade
from models.tables import Admission, Ward
from seed_data.demo import seed_demo
from tests.conftest import postgres_database
from tests.models.fhir_stay import FhirStay, counts, fresh_database, make_stay, vitals_of

IMPORTED_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _export(engine: Engine, admission_id: int) -> dict[str, Any]:
    with read_session(engine) as session:
        wire: dict[str, Any] = json.loads(json.dumps(export_admission(session, admission_id)))
    return wire


def _import(
    target: tuple[Engine, dict[str, Actor], int],
    bundle: dict[str, Any],
    source: Admission,
    now: datetime,
) -> int:
    other, staff, ward_id = target
    with transaction(other) as session:
        result = import_bundle(
            session,
            staff["nurse1"],
            bundle,
            ward_id,
            staff["doctor1"].user_id or 0,
            now=now,
            drug=source.baseline_drug,
            daily_ug=source.baseline_daily_ug,
        )
    return result.admission_id


@pytest.fixture
def stay(engine: Engine, staff: dict[str, Actor], ward: Ward) -> FhirStay:
    return make_stay(engine, staff, ward)


def test_a_round_trip_gives_back_the_same_vitals_once(
    engine: Engine, stay: FhirStay, tmp_path: Path
) -> None:
    bundle = _export(engine, stay.admission_id)
    with Session(engine) as session:
        source = session.get(Admission, stay.admission_id)
        assert source is not None
    with fresh_database(engine, tmp_path) as target:
        imported = _import(target, bundle, source, IMPORTED_AT)
        expected = vitals_of(engine, stay.admission_id)
        assert len(expected) == 2  # the set marked in error stays behind
        assert vitals_of(target[0], imported) == expected
        before = counts(target[0])
        assert _import(target, bundle, source, IMPORTED_AT) == imported
        assert counts(target[0])["VitalSigns"] == before["VitalSigns"] == 2
        with Session(target[0]) as session:
            admission = session.get(Admission, imported)
            assert admission is not None
            assert admission.admitted_at == source.admitted_at and admission.bed == source.bed
            assert admission.discharged_at is None
        again = _export(target[0], imported)
        heart_rates = [
            o["valueQuantity"]["value"]
            for o in (e["resource"] for e in again["entry"])
            if o["resourceType"] == "Observation" and o["code"]["coding"][0]["code"] == "8867-4"
        ]
        assert heart_rates == [row[1] for row in expected]


def test_a_discharged_stay_round_trips_as_discharged(
    engine: Engine, staff: dict[str, Actor], stay: FhirStay, tmp_path: Path
) -> None:
    at = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    with transaction(engine) as session:
        discharge(
            session=session, actor=staff["nurse1"], admission_id=stay.admission_id, at=at, now=at
        )
        source = session.get(Admission, stay.admission_id)
        assert source is not None
    bundle = _export(engine, stay.admission_id)
    with fresh_database(engine, tmp_path) as target:
        imported = _import(target, bundle, source, IMPORTED_AT)
        with Session(target[0]) as session:
            admission = session.get(Admission, imported)
            assert admission is not None and admission.discharged_at == at
        assert vitals_of(target[0], imported) == vitals_of(engine, stay.admission_id)
        assert _import(target, bundle, source, IMPORTED_AT) == imported  # read-only, unchanged


# --- the demo ward ------------------------------------------------------------------------------

SEEDED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def demo_ward(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
        upgrade(engine)
        seed_demo(engine, now=SEEDED_AT)
        yield engine
        engine.dispose()
        return
    with postgres_database() as url:
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(engine, now=SEEDED_AT)
        yield engine
        engine.dispose()


def test_every_demo_admission_exports_valid_and_round_trips(
    demo_ward: Engine, tmp_path: Path
) -> None:
    with Session(demo_ward) as session:
        admissions = session.exec(select(Admission).order_by(col(Admission.id))).all()
    assert len(admissions) >= 15
    with fresh_database(demo_ward, tmp_path) as target:
        for source in admissions:
            assert source.id is not None
            bundle = _export(demo_ward, source.id)
            Bundle.model_validate(bundle)
            for entry in bundle["entry"]:
                get_fhir_model_class(entry["resource"]["resourceType"]).model_validate(
                    entry["resource"]
                )
            imported = _import(target, bundle, source, SEEDED_AT + timedelta(hours=1))
            expected = vitals_of(demo_ward, source.id)
            assert expected, f"admission {source.id} has no vitals"
            assert vitals_of(target[0], imported) == expected, f"admission {source.id}"
