"""``taperwatch export fhir`` and ``taperwatch import fhir``, run through the CLI's main().
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import Actor
from models.db import dispose_engines
from models.settings import get_settings
from models.tables import AuditEvent, Ward
from taperwatch.cli import main
from tests.models.fhir_stay import FhirStay, counts, make_stay
from tests.models.test_fhir_import import ehr_bundle

IMPORT = ["--user", "nurse1", "--ward", "Test Ward", "--bed", "B7", "--drug", "clonazepam"]


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TAPERWATCH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TAPERWATCH_DEMO", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    dispose_engines()


def test_export_prints_a_valid_bundle_and_is_audited(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    ward: Ward,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stay: FhirStay = make_stay(engine, staff, ward)
    assert main(["export", "fhir", "--admission", str(stay.admission_id)]) == 0
    bundle = json.loads(capsys.readouterr().out)
    Bundle.model_validate(bundle)
    assert bundle["entry"][0]["resource"]["identifier"][0]["value"] == "TW0042"
    with Session(engine) as session:
        (event,) = session.exec(select(AuditEvent).where(AuditEvent.action == "export.fhir")).all()
    assert (event.actor, event.entity_id) == ("cli", stay.admission_id)


def test_export_of_an_unknown_admission_fails(
    cli: None, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "fhir", "--admission", "404"]) == 2
    assert capsys.readouterr().err == "taperwatch: error: no admission 404\n"


def test_import_twice_loads_the_vitals_once(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    ward: Ward,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "ehr.json"
    path.write_text(json.dumps(ehr_bundle()))
    assert main(["import", "fhir", str(path), *IMPORT, "--daily-mg", "2"]) == 0
    first = capsys.readouterr().out
    assert "(new admission, new patient)" in first and "2 added, 0 already there" in first
    assert main(["import", "fhir", str(path), "--user", "nurse1"]) == 0
    assert "0 added, 2 already there" in capsys.readouterr().out
    assert counts(engine)["VitalSigns"] == 2


def test_a_refused_bundle_lists_every_reason_and_writes_nothing(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    ward: Ward,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = ehr_bundle()
    for entry in bundle["entry"]:
        if entry["resource"].get("id") == "hr-0":
            entry["resource"]["valueQuantity"]["value"] = 400
        if entry["resource"].get("id") == "rr-1":
            del entry["resource"]["effectiveDateTime"]
    path = tmp_path / "ehr.json"
    path.write_text(json.dumps(bundle))
    before = counts(engine)
    assert main(["import", "fhir", str(path), *IMPORT, "--daily-mg", "2"]) == 1
    err = capsys.readouterr().err
    assert "nothing was imported" in err
    assert "Observation/hr-0: heart rate 400 /min is outside the plausible range" in err
    assert "Observation/rr-1: no time" in err
    assert counts(engine) == before


def test_import_of_a_file_that_is_not_json_fails(
    cli: None, engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ehr.json"
    path.write_text("<Bundle/>")
    assert main(["import", "fhir", str(path), "--user", "nurse1"]) == 2
    assert "is not JSON" in capsys.readouterr().err
