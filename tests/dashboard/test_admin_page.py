"""The admin page's pieces, called directly: policy refusals at their fields, job runs with
durations and errors, user management."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dash
import pytest
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.exceptions import Forbidden

from dashboard.auth import SignedInUser
from dashboard.components.charting_common import Refusal
from dashboard.pages.admin import add_user, job_runs_table, layout, save_policy, toggle_user
from models.tables import JobRun, User, Ward


@contextmanager
def _signed_in(app: dash.Dash, engine: Engine, username: str) -> Iterator[User]:
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        signed = SignedInUser(user.id or 0, user.username, user.display_name, user.role)
    with app.server.test_request_context():
        login_user(signed)
        yield user


def test_policy_refusals_name_their_fields_and_good_values_save(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    with _signed_in(app, sqlite_engine, "admin1"):
        refused = save_policy(sqlite_engine, {"dose_window_min": "", "worsening_hours": 500})
        assert isinstance(refused, Refusal)
        assert set(refused.fields) == {"dose_window_min", "worsening_hours"}
        saved = save_policy(sqlite_engine, {"dose_window_min": 45, "worsening_hours": 12})
        assert isinstance(saved, Ward)
    with Session(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
    assert (ward.dose_window_min, ward.worsening_hours) == (45, 12)


def test_only_admins_may_save_policy(app: dash.Dash, sqlite_engine: Engine) -> None:
    with _signed_in(app, sqlite_engine, "doctor1"), pytest.raises(Forbidden):
        save_policy(sqlite_engine, {"dose_window_min": 45})


def test_job_runs_show_duration_errors_and_runs_that_never_finished(
    sqlite_engine: Engine,
) -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with Session(sqlite_engine) as session:
        for run in (
            JobRun(
                job="scan",
                host="h:1",
                started_at=now - timedelta(minutes=1),
                finished_at=now - timedelta(seconds=57),
                raised=3,
                resolved=1,
            ),
            JobRun(
                job="scan",
                host="h:1",
                started_at=now - timedelta(minutes=2),
                finished_at=now - timedelta(minutes=2),
                error="news2: boom",
            ),
            JobRun(job="scan", host="h:2", started_at=now - timedelta(hours=1)),
            JobRun(job="mar_top_up", host="h:1", started_at=now - timedelta(seconds=5)),
        ):
            session.add(run)
        session.commit()
        table = job_runs_table(session, ZoneInfo("Europe/London"), now)
    text = str(table)
    assert "3.0 s" in text and "news2: boom" in text
    assert "Did not finish" in text and "Running…" in text


def test_users_are_added_with_refusals_at_the_fields_and_deactivated(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    with _signed_in(app, sqlite_engine, "admin1") as me:
        short = add_user(
            sqlite_engine,
            {"username": "nurse9", "display_name": "N 9", "role": "nurse", "password": "short"},
        )
        assert isinstance(short, Refusal) and "password" in short.fields
        added = add_user(
            sqlite_engine,
            {
                "username": "nurse9",
                "display_name": "N 9",
                "role": "nurse",
                "password": "long enough pass",
            },
        )
        assert isinstance(added, User) and added.id is not None
        off = toggle_user(sqlite_engine, added.id)
        assert isinstance(off, User) and off.active is False
        myself = toggle_user(sqlite_engine, me.id or 0)
        assert isinstance(myself, Refusal) and "your own account" in myself.message


def test_non_admins_get_a_polite_page(app: dash.Dash, sqlite_engine: Engine) -> None:
    with _signed_in(app, sqlite_engine, "nurse1"):
        page = layout()
    assert "This page is for admins." in str(page)
    assert "policy-save" not in str(page)
