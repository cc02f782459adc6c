"""App fixtures for page and callback tests (SQLite; the data layer has its own PG runs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import select

from models.admissions import admit, ensure_ward
from models.db import transaction
from models.settings import Settings
from models.tables import User, Ward
from models.types import utcnow
from tests.factories import SYSTEM, make_staff

PASSWORD = "correct horse battery"


def with_ward_and_staff(engine: Engine) -> Engine:
    """The test ward and one user per role (tests.conftest.make_staff) in ``engine``."""
    with transaction(engine) as session:
        ensure_ward(session=session, actor=SYSTEM, name="Test Ward", timezone="Europe/London")
        make_staff(session)
    return engine


def admitted_an_hour_ago(engine: Engine, *, mrn: str, bed: str) -> int:
    """A patient on 1 mg clonazepam a day admitted an hour ago to the ward ``with_ward_and_staff``
    made, attended by doctor1; the admission's id."""
    with transaction(engine) as session:
        ward = session.exec(select(Ward)).first()
        doctor = session.exec(select(User).where(User.username == "doctor1")).first()
        assert ward is not None and ward.id is not None and doctor is not None
        admission = admit(
            session=session,
            actor=SYSTEM,
            ward_id=ward.id,
            mrn=mrn,
            family_name="Secure",
            given_name="Sam",
            birth_date=date(1980, 1, 1),
            sex="male",
            bed=bed,
            attending_id=doctor.id or 0,
            drug="clonazepam",
            daily_ug=1000,
            admitted_at=utcnow() - timedelta(hours=1),
            now=utcnow(),
        )
        assert admission.id is not None
        return admission.id


def app_on(engine: Engine, secret_key: str = "test-secret-key-123456") -> dash.Dash:
    """The app, not in demo mode, serving ``engine``."""
    from dashboard.app import create_app

    settings = Settings(database_url=str(engine.url), secret_key=secret_key, demo=False)
    application = create_app(settings, engine)
    application.server.config["TESTING"] = True
    return application


@pytest.fixture
def app(sqlite_engine: Engine) -> Iterator[dash.Dash]:
    yield app_on(with_ward_and_staff(sqlite_engine))


def csrf_token(client: FlaskClient) -> str:
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match, "sign-in form has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> int:
    token = csrf_token(client)
    response = client.post(
        "/login", data={"csrf": token, "username": username, "password": password, "next": "/"}
    )
    return response.status_code


def signed_in(app: dash.Dash, username: str) -> FlaskClient:
    """A test client signed in as ``username``, its first page loaded (Dash's first-request
    set-up, and the CSRF cookie the callbacks need)."""
    client: FlaskClient = app.server.test_client()
    assert sign_in(client, username) == 302
    assert client.get("/").status_code == 200
    return client
