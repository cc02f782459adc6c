"""App fixtures for page and callback tests (SQLite; the data layer has its own PG runs)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from models.admissions import ensure_ward
from models.db import transaction
from models.settings import Settings
from tests.conftest import SYSTEM, make_staff

PASSWORD = "correct horse battery"


def with_ward_and_staff(engine: Engine) -> Engine:
    """The test ward and one user per role (tests.conftest.make_staff) in ``engine``."""
    with transaction(engine) as session:
        ensure_ward(session=session, actor=SYSTEM, name="Test Ward", timezone="Europe/London")
        make_staff(session)
    return engine


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
