"""Shared fixtures.

``engine`` runs each data-layer test on SQLite and on PostgreSQL, each test on a database of
its own made and dropped here. With CI=true a missing PostgreSQL server or Chromium fails the
run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import text
from sqlalchemy.engine import Engine

from models.audit import Actor
from models.db import make_engine, transaction
from models.migrate import upgrade
from models.tables import Ward
from tests.factories import make_staff, make_ward

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_ADMIN_URL = os.environ.get(
    "TAPERWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _pg_available() -> str | None:
    try:
        admin = sa_create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}"


_PG_PROBLEM: str | None = _pg_available()


def _skip_or_fail(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    """The URL of a new empty database, once per backend (each test gets its own)."""
    url = request.getfixturevalue("_fresh_" + request.param)
    assert isinstance(url, str)
    return url


@pytest.fixture
def _fresh_sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def _fresh_postgresql() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new empty PostgreSQL database, dropped afterwards (skip, or fail in CI, if no server)."""
    if _PG_PROBLEM:
        _skip_or_fail(_PG_PROBLEM)
    name = f"tw_test_{uuid.uuid4().hex[:12]}"
    admin = sa_create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def bare_engine(db_url: str) -> Iterator[Engine]:
    """An engine on an empty (unmigrated) database, on SQLite and on PostgreSQL."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(bare_engine: Engine) -> Engine:
    """A migrated database, on SQLite and on PostgreSQL."""
    upgrade(bare_engine)
    return bare_engine


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database only (for page tests that need no PostgreSQL run)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pages.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def staff(engine: Engine) -> dict[str, Actor]:
    with transaction(engine) as session:
        return make_staff(session)


@pytest.fixture
def ward(engine: Engine) -> Ward:
    with transaction(engine) as session:
        return make_ward(session)
