"""CSV of a stay (vitals, scores, MAR) in ward-local time and mg, and the download routes: signed
in only, every download audited."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import dash
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.csv_export import mar_csv, scores_csv, vitals_csv
from models.admissions import admit
from models.audit import Actor
from models.charting import record_vitals
from models.db import transaction
from models.schemas import VitalSignsCreate
from models.tables import AuditEvent, User, Ward
from tests.dashboard.conftest import sign_in
from tests.models.fhir_stay import CIWA_ITEMS, VITAL_SETS, Stay, make_stay

KINDS = ("vitals", "scores", "mar")


@pytest.fixture
def staff(app: dash.Dash, sqlite_engine: Engine) -> dict[str, Actor]:
    with Session(sqlite_engine) as session:
        return {
            u.username: Actor(u.id, u.username, u.role) for u in session.exec(select(User)).all()
        }


@pytest.fixture
def stay(app: dash.Dash, sqlite_engine: Engine, staff: dict[str, Actor]) -> Stay:
    with Session(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
    return make_stay(sqlite_engine, staff, ward)


def _table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _exports(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(col(AuditEvent.action).startswith("export."))
            ).all()
        )


def test_vitals_csv_has_every_set_in_ward_time_with_errors_marked(
    sqlite_engine: Engine, stay: Stay
) -> None:
    with Session(sqlite_engine) as session:
        rows = _table(vitals_csv(session, stay.admission_id))
    assert [r["taken_local"] for r in rows] == [
        "2026-03-02 10:00",
        "2026-03-02 14:00",
        "2026-03-03 10:00",
    ]
    assert [int(r["heart_rate_per_min"]) for r in rows] == [s[1] for s in VITAL_SETS]
    assert [float(r["temperature_c"]) for r in rows] == [s[4] for s in VITAL_SETS]
    assert [r["supplemental_o2"] for r in rows] == ["no", "yes", "no"]
    assert [r["acvpu"] for r in rows] == ["A", "C", "A"]
    assert [r["entered_in_error"] for r in rows] == ["no", "no", "yes"]
    assert rows[2]["error_reason"] == "Charted against the wrong patient"
    assert rows[0]["charted_by"] == "Nurse1" and rows[0]["source"] == "charted"
    assert rows[0]["taken_utc"] == "2026-03-02T10:00:00Z"


def test_times_are_the_wards_local_time_in_summer(
    sqlite_engine: Engine, staff: dict[str, Actor]
) -> None:
    taken = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 13:00 in London (BST)
    with transaction(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        assert ward.id is not None
        admission = admit(
            session=session,
            actor=staff["nurse1"],
            ward_id=ward.id,
            mrn="TW5",
            family_name="Sun",
            given_name="Ray",
            birth_date=date(1980, 1, 1),
            sex="male",
            bed="B5",
            attending_id=staff["doctor1"].user_id or 0,
            drug="diazepam",
            daily_ug=10000,
            admitted_at=taken,
            now=taken,
        )
        assert admission.id is not None
        record_vitals(
            session=session,
            actor=staff["nurse1"],
            now=taken,
            data=VitalSignsCreate(
                admission_id=admission.id,
                taken_at=taken,
                heart_rate=70,
                systolic=120,
                diastolic=80,
                temperature_c=36.8,
                resp_rate=14,
                spo2=98,
                supplemental_o2=False,
                consciousness="A",
            ),
        )
        (row,) = _table(vitals_csv(session, admission.id))
    assert (row["taken_local"], row["taken_utc"]) == ("2026-07-01 13:00", "2026-07-01T12:00:00Z")


def test_scores_csv_has_every_item_and_the_total(sqlite_engine: Engine, stay: Stay) -> None:
    with Session(sqlite_engine) as session:
        rows = _table(scores_csv(session, stay.admission_id))
    assert len(rows) == 2
    first = rows[0]
    assert first["scale"] == "CIWA-B"
    assert {n: int(first[f"item_{n}"]) for n in range(1, 21)} == CIWA_ITEMS
    assert int(first["total"]) == sum(CIWA_ITEMS.values()) and first["band"] == "moderate"
    assert rows[1]["entered_in_error"] == "yes" and rows[1]["total"] == "0"


def test_mar_csv_has_every_dose_due_in_mg_and_what_happened(
    sqlite_engine: Engine, stay: Stay
) -> None:
    now = datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    with Session(sqlite_engine) as session:
        rows = _table(mar_csv(session, stay.admission_id, now=now))
    charted = [r for r in rows if r["status"] != "not charted"]
    assert [r["status"] for r in charted] == [
        "given",
        "held",
        "refused",
        "not_given",
        "given",
        "given",
    ]
    given, held, refused, not_given, in_error, prn = charted
    assert (given["due_local"], given["scheduled_mg"], given["given_mg"]) == (
        "2026-03-01 20:00",
        "1",
        "1",
    )
    assert given["minutes_from_due"] == "10" and given["at_local"] == "2026-03-01 20:10"
    assert held["reason"] == "Held for sedation (too drowsy)" and held["given_mg"] == ""
    assert refused["reason_text"].startswith("'=1+1")  # a formula would run in a spreadsheet
    assert not_given["reason_code"] == "off_ward"
    assert in_error["entered_in_error"] == "yes"
    assert prn["prn"] == "yes" and prn["given_mg"] == "0.25" and prn["due_local"] == ""
    missed = [r for r in rows if r["status"] == "not charted"]
    assert missed and all(r["due_local"] < "2026-03-05 09:00" for r in missed)
    assert in_error["due_local"] == "2026-03-03 20:00"
    assert "2026-03-03 20:00" in {r["due_local"] for r in missed}  # in error: nothing valid charted
    assert [r["due_utc"] for r in rows if r["due_utc"]] == sorted(
        r["due_utc"] for r in rows if r["due_utc"]
    )


@pytest.mark.parametrize("path", [*(f"{kind}.csv" for kind in KINDS), "fhir.json"])
def test_anonymous_downloads_are_refused(
    app: dash.Dash, sqlite_engine: Engine, stay: Stay, path: str
) -> None:
    client = app.server.test_client()
    response = client.get(f"/patient/{stay.admission_id}/export/{path}")
    assert response.status_code == 401
    assert b"Doe" not in response.data
    assert _exports(sqlite_engine) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_signed_in_download_is_a_csv_attachment_and_is_audited(
    app: dash.Dash, sqlite_engine: Engine, stay: Stay, staff: dict[str, Actor], kind: str
) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    response = client.get(f"/patient/{stay.admission_id}/export/{kind}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="admission-{stay.admission_id}-{kind}.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert len(_table(response.get_data(as_text=True))) >= 2
    (event,) = _exports(sqlite_engine)
    assert event.action == "export.csv" and event.entity == "admission"
    assert event.entity_id == stay.admission_id and event.user_id == staff["nurse1"].user_id
    assert event.after == {"kind": kind}


def test_the_fhir_download_is_a_valid_bundle_and_is_audited(
    app: dash.Dash, sqlite_engine: Engine, stay: Stay, staff: dict[str, Actor]
) -> None:
    client = app.server.test_client()
    assert sign_in(client, "doctor1") == 302
    response = client.get(f"/patient/{stay.admission_id}/export/fhir.json")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    bundle = json.loads(response.get_data(as_text=True))
    Bundle.model_validate(bundle)
    assert "timestamp" in bundle
    (event,) = _exports(sqlite_engine)
    assert event.action == "export.fhir" and event.user_id == staff["doctor1"].user_id
    assert event.after == {"entries": len(bundle["entry"])}


@pytest.mark.parametrize(
    "path",
    [
        "/patient/999/export/vitals.csv",
        "/patient/999/export/fhir.json",
        "/patient/1/export/passwords.csv",
    ],
)
def test_unknown_admissions_and_kinds_are_not_found(
    app: dash.Dash, sqlite_engine: Engine, stay: Stay, path: str
) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    assert client.get(path).status_code == 404
    assert _exports(sqlite_engine) == []


@pytest.mark.parametrize("build", [vitals_csv, scores_csv, mar_csv])
def test_a_french_reader_gets_french_headings_and_the_same_machine_values(
    app: dash.Dash, sqlite_engine: Engine, stay: Stay, build: Callable[..., str]
) -> None:
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    with Session(sqlite_engine) as session:
        english = list(csv.reader(io.StringIO(build(session, stay.admission_id, now=now))))
        with app.server.test_request_context("/", headers={"Accept-Language": "fr-FR"}):
            french = list(csv.reader(io.StringIO(build(session, stay.admission_id, now=now))))
    assert english[0][:2] in (["taken_local", "taken_utc"], ["due_local", "due_utc"])
    assert french[0][0] in ("Prise (heure du service)", "Prévue (heure du service)")
    assert len(french[0]) == len(english[0]) and not set(french[0]) & set(english[0])
    assert len(french) > 1 and french[1:] == english[1:]  # the cells are the same
