"""Faults of the database while staff chart: it is locked by another writer, full, or its
connections are cut (as when PostgreSQL restarts). Each surfaces to the user as a "not saved,
try again" message within the busy timeout, never a hang or a crash; nothing is half-written;
and trying again succeeds exactly once.

The real PostgreSQL restart (``pg_ctlcluster ... restart``) runs only in ``make soak``: other
tests share that server. Here a PostgreSQL outage is made on the test's own database (its
connections terminated, new ones refused). The review jobs killed mid-scan are covered by
tests/jobs/test_concurrency.py::test_a_scan_killed_mid_run_and_run_again_loses_and_duplicates_nothing
(SIGKILL mid-scan: the next scan loses and duplicates nothing) and tests/jobs/test_service.py
(the active scheduler killed: a waiting one takes over).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.refusals import Refusal, attempt
from models.charting import record_vitals
from models.db import SQLITE_BUSY_TIMEOUT_S, make_engine
from models.migrate import upgrade
from models.schemas import VitalSignsCreate
from models.settings import Settings
from models.types import utcnow
from tests.conftest import PG_ADMIN_URL, postgres_database
from tests.dashboard.conftest import sign_in
from tests.dashboard.dash_client import (
    Answer,
    post_callback,
    row_counts,
    vitals_save_body,
)
from tests.factories import Stay, make_stay

NOT_SAVED = "Not saved. The database did not answer"


@dataclass
class Web:
    app: dash.Dash
    stay: Stay
    client: FlaskClient


def _web(engine: Engine) -> Web:
    from dashboard.app import create_app

    upgrade(engine)
    stay = make_stay(engine, utcnow())
    settings = Settings(database_url=str(engine.url), secret_key="faults-test-secret", demo=False)
    app = create_app(settings, engine)
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    assert client.get("/").status_code == 200
    return Web(app, stay, client)


def _save_vitals(web: Web) -> tuple[Answer, float]:
    """The nurse presses Save on a complete vitals form; the answer and how long it took."""
    body = vitals_save_body(web.app, web.stay.admission_id)
    started = time.monotonic()
    answer = post_callback(web.client, body)
    return answer, time.monotonic() - started


def _message(answer: Answer) -> str:
    assert answer.status_code == 200, answer.text
    return str(answer.prop("vitals-message", "children"))


# --- SQLite --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def page_limit() -> list[int]:
    """The page limit every connection of the SQLite app sets (0: none), changed by a test."""
    return [0]


@pytest.fixture(scope="module")
def sqlite_web(tmp_path_factory: pytest.TempPathFactory, page_limit: list[int]) -> Iterator[Web]:
    path = tmp_path_factory.mktemp("faults") / "ward.db"
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "checkout")
    def _limit_pages(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        limit = page_limit[0] or 1_073_741_823  # SQLite's default ceiling
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit}")

    yield _web(engine)
    engine.dispose()


def test_a_locked_database_is_reported_within_the_busy_timeout(sqlite_web: Web) -> None:
    path = sqlite_web.stay.engine.url.database
    assert path is not None
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database's write lock
    try:
        before = row_counts(sqlite_web.stay.engine)
        answer, took = _save_vitals(sqlite_web)
        assert _message(answer).startswith(NOT_SAVED)
        assert "try again" in _message(answer)
        assert SQLITE_BUSY_TIMEOUT_S * 0.9 <= took < SQLITE_BUSY_TIMEOUT_S + 5
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert row_counts(sqlite_web.stay.engine) == before
    answer, _ = _save_vitals(sqlite_web)  # the nurse tries again: saved, once
    assert _message(answer).startswith("Saved")
    after = row_counts(sqlite_web.stay.engine)
    assert after["vital_signs"] == before["vital_signs"] + 1


def test_a_full_database_is_reported_and_keeps_nothing_of_the_save(
    sqlite_web: Web, page_limit: list[int]
) -> None:
    engine = sqlite_web.stay.engine
    with engine.connect() as conn:
        page_limit[0] = int(conn.execute(text("PRAGMA page_count")).scalar_one())
    try:
        for _ in range(200):  # saves fill the last free space, then the disk is "full"
            before = row_counts(engine)
            answer, _ = _save_vitals(sqlite_web)
            if not _message(answer).startswith("Saved"):
                break
        else:
            pytest.fail("the database never filled up")
        assert _message(answer).startswith(NOT_SAVED)
        assert row_counts(engine) == before  # not the reading without its audit row
    finally:
        page_limit[0] = 0
    answer, _ = _save_vitals(sqlite_web)  # space freed: trying again saves it once
    assert _message(answer).startswith("Saved")
    assert row_counts(engine)["vital_signs"] == before["vital_signs"] + 1


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_web() -> Iterator[Web]:
    with postgres_database() as url:
        engine = make_engine(url)
        yield _web(engine)
        engine.dispose()


def _admin() -> Engine:
    return create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")


def _cut_connections(database: str, *, refuse_new: bool) -> None:
    """What a restart does to the app: every connection to ``database`` ends; while
    ``refuse_new``, new ones are refused as while the server is down."""
    admin = _admin()
    with admin.connect() as conn:
        allow = "false" if refuse_new else "true"
        conn.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {allow}'))
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        )
    admin.dispose()


def test_postgresql_going_away_is_reported_and_a_retry_saves_once(pg_web: Web) -> None:
    engine = pg_web.stay.engine
    database = engine.url.database
    assert database is not None
    before = row_counts(engine)
    _cut_connections(database, refuse_new=True)
    try:
        # Down: the save (and any read) is answered 503 with a message, promptly, not a crash
        # or a hang; the page shows the message (assets/connection.js).
        answer, took = _save_vitals(pg_web)
        assert answer.status_code == 503
        assert "nothing was saved" in answer.text and "Try again" in answer.text
        assert took < 15
        assert pg_web.client.get("/_dash-layout").status_code == 503
    finally:
        _cut_connections(database, refuse_new=False)
    assert row_counts(engine) == before
    # Back up, every old connection gone (as after a restart): the retry saves, once.
    _cut_connections(database, refuse_new=False)
    answer, _ = _save_vitals(pg_web)
    assert _message(answer).startswith("Saved")
    assert row_counts(engine)["vital_signs"] == before["vital_signs"] + 1


def test_a_connection_cut_before_commit_writes_nothing_and_a_retry_writes_once(
    pg_web: Web,
) -> None:
    engine, stay = pg_web.stay.engine, pg_web.stay
    before = row_counts(engine)

    def chart(session: Session, *, cut: bool) -> object:
        row = record_vitals(
            session=session,
            actor=stay.staff["nurse1"],
            now=utcnow(),
            data=VitalSignsCreate(
                admission_id=stay.admission_id,
                taken_at=utcnow() - timedelta(minutes=5),
                heart_rate=90,
                systolic=130,
                diastolic=85,
                temperature_c=37.0,
                resp_rate=18,
                spo2=96,
                supplemental_o2=False,
                consciousness="A",
            ),
        )
        session.flush()  # the rows are on the server, not yet committed
        if cut:
            pid = session.connection().connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
            admin = _admin()
            with admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
        return row

    outcome = attempt(engine, lambda session: chart(session, cut=True))
    assert isinstance(outcome, Refusal)
    assert outcome.message.startswith(NOT_SAVED)
    assert row_counts(engine) == before
    retried = attempt(engine, lambda session: chart(session, cut=False))
    assert not isinstance(retried, Refusal)
    assert row_counts(engine)["vital_signs"] == before["vital_signs"] + 1
