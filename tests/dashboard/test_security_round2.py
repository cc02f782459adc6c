"""Second round of web hardening: the request size cap, sessions that end on the server
(sign-out, deactivation, reactivation, password reset, "sign out everywhere"), constant-time
sign-in, and lockouts an attacker cannot aim at someone else."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from dashboard.security import MAX_REQUEST_BYTES
from models.admissions import admit, ensure_ward
from models.db import make_engine, transaction
from models.migrate import upgrade
from models.settings import Settings
from models.tables import User, Ward
from models.types import utcnow
from tests.conftest import SYSTEM, make_staff
from tests.dashboard.conftest import sign_in
from tests.dashboard.dash_client import callback_body, post_callback, row_counts, server_callbacks


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('security2') / 'security.db'}")
    upgrade(engine)
    with transaction(engine) as session:
        ensure_ward(session=session, actor=SYSTEM, name="Test Ward", timezone="Europe/London")
        make_staff(session)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def app(db: Engine) -> dash.Dash:
    from dashboard.app import create_app

    settings = Settings(database_url=str(db.url), secret_key="security-test-secret", demo=False)
    application = create_app(settings, db)
    application.server.config["TESTING"] = True
    return application


@pytest.fixture(scope="module")
def admission_id(db: Engine) -> int:
    with transaction(db) as session:
        ward = session.exec(select(Ward)).first()
        doctor = session.exec(select(User).where(User.username == "doctor1")).first()
        assert ward is not None and ward.id is not None and doctor is not None
        admission = admit(
            session=session,
            actor=SYSTEM,
            ward_id=ward.id,
            mrn="SEC0002",
            family_name="Secure",
            given_name="Sam",
            birth_date=date(1980, 1, 1),
            sex="male",
            bed="S2",
            attending_id=doctor.id or 0,
            drug="clonazepam",
            daily_ug=1000,
            admitted_at=utcnow() - timedelta(hours=1),
            now=utcnow(),
        )
        assert admission.id is not None
        return admission.id


def _signed_in(app: dash.Dash, username: str = "nurse1") -> FlaskClient:
    client: FlaskClient = app.server.test_client()
    assert sign_in(client, username) == 302
    assert client.get("/").status_code == 200
    return client


def vitals_body(app: dash.Dash, admission_id: int, **changes: object) -> dict[str, object]:
    cb = next(c for c in server_callbacks(app) if "vitals_form_changed" in c.function)
    values: dict[str, object] = {
        "vitals-resp_rate.value": 16,
        "vitals-spo2.value": 97,
        "vitals-systolic.value": 124,
        "vitals-diastolic.value": 78,
        "vitals-heart_rate.value": 82,
        "vitals-temperature_c.value": 36.9,
        "vitals-supplemental_o2.checked": False,
        "vitals-consciousness.value": "A",
        "vitals-taken_at.value": "",
        "vitals-save.n_clicks": 1,
        "patient-admission.data": admission_id,
    } | changes
    return callback_body(cb, values=values, trigger="vitals-save.n_clicks")


# --- request size ----------------------------------------------------------------------------


def test_a_request_over_the_size_cap_is_refused_and_writes_nothing(
    app: dash.Dash, db: Engine, admission_id: int
) -> None:
    client = _signed_in(app)
    body = vitals_body(app, admission_id, **{"vitals-taken_at.value": "x" * MAX_REQUEST_BYTES})
    before = row_counts(db)
    response = post_callback(client, body)
    assert response.status_code == 413
    assert "nothing was saved" in response.text
    assert row_counts(db) == before
    assert post_callback(client, vitals_body(app, admission_id)).status_code == 200
    assert row_counts(db)["vital_signs"] == before["vital_signs"] + 1
