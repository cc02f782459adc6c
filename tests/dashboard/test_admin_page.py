"""The admin page's pieces, called directly: policy refusals at their fields, job runs with
durations and errors, user management; and the password and role modals' callbacks over HTTP,
as the browser calls them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
import pytest
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.exceptions import Forbidden

from dashboard.auth import SignedInUser
from dashboard.components.admin_policy import save_policy
from dashboard.components.admin_runs import job_runs_table
from dashboard.components.admin_user_modals import change_role, reset_password
from dashboard.components.admin_user_table import users_table
from dashboard.components.admin_users import add_user, toggle_user
from dashboard.pages.admin import layout
from dashboard.refusals import Refusal
from models.clinical.drugs import DRUGS
from models.db import transaction
from models.tables import AuditEvent, JobRun, User, Ward
from models.users import authenticate
from tests.dashboard.conftest import PASSWORD, signed_in
from tests.dashboard.dash_client import (
    Answer,
    callback_body,
    changed_tables,
    post_callback,
    row_counts,
    server_callbacks,
)

NEW_PASSWORD = "fresh start 2026"


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


def _user(engine: Engine, username: str) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _signs_in(engine: Engine, username: str, password: str) -> bool:
    with transaction(engine) as session:
        found = authenticate(
            session=session, username=username, password=password, now=datetime.now(UTC)
        )
        return found is not None


def test_a_password_is_reset_only_when_typed_twice_and_long_enough(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    nurse = _user(sqlite_engine, "nurse1")
    with _signed_in(app, sqlite_engine, "admin1"):
        differ = reset_password(sqlite_engine, nurse.id or 0, NEW_PASSWORD, NEW_PASSWORD + "!")
        assert isinstance(differ, Refusal) and set(differ.fields) == {"again"}
        assert differ.message == "Not saved. The two passwords differ."
        short = reset_password(sqlite_engine, nurse.id or 0, "nine char", "nine char")
        assert isinstance(short, Refusal)
        assert short.fields == {"password": "Use at least 10 characters."}
        assert _user(sqlite_engine, "nurse1").password_hash == nurse.password_hash
        assert _events(sqlite_engine, "user.password") == []
        done = reset_password(sqlite_engine, nurse.id or 0, NEW_PASSWORD, NEW_PASSWORD)
        assert isinstance(done, User) and done.username == "nurse1"
    assert _signs_in(sqlite_engine, "nurse1", NEW_PASSWORD)
    assert not _signs_in(sqlite_engine, "nurse1", PASSWORD)
    (event,) = _events(sqlite_engine, "user.password")
    assert event.actor == "admin1" and event.entity_id == nurse.id


def test_roles_change_and_the_last_admin_keeps_theirs(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    nurse2 = _user(sqlite_engine, "nurse2")
    with _signed_in(app, sqlite_engine, "admin1") as me:
        promoted = change_role(sqlite_engine, nurse2.id or 0, "physician")
        assert isinstance(promoted, User) and promoted.role == "physician"
        step_down = change_role(sqlite_engine, me.id or 0, "nurse")
        assert isinstance(step_down, Refusal)
        assert step_down.fields == {
            "role": "You are the last active admin; make another user an admin first."
        }
        unknown = change_role(sqlite_engine, nurse2.id or 0, None)
        assert isinstance(unknown, Refusal) and set(unknown.fields) == {"role"}
        myself = toggle_user(sqlite_engine, me.id or 0)
        assert isinstance(myself, Refusal) and "your own account" in myself.message
    assert (_user(sqlite_engine, "nurse2").role, _user(sqlite_engine, "admin1").role) == (
        "physician",
        "admin",
    )
    (event,) = _events(sqlite_engine, "user.role")
    assert (event.before, event.after) == ({"role": "nurse"}, {"role": "physician"})


@pytest.mark.parametrize("username", ["nurse1", "doctor1"])
def test_only_admins_may_reset_passwords_or_change_roles(
    app: dash.Dash, sqlite_engine: Engine, username: str
) -> None:
    target = _user(sqlite_engine, "nurse2").id or 0
    with _signed_in(app, sqlite_engine, username):
        with pytest.raises(Forbidden):
            reset_password(sqlite_engine, target, NEW_PASSWORD, NEW_PASSWORD)
        with pytest.raises(Forbidden):
            change_role(sqlite_engine, target, "admin")
    assert _user(sqlite_engine, "nurse2").role == "nurse"
    assert _events(sqlite_engine, "user.password") == _events(sqlite_engine, "user.role") == []


def test_the_users_table_offers_each_action_and_shows_a_lockout(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    with Session(sqlite_engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        nurse.locked_until = now + timedelta(minutes=15)
        session.add(nurse)
        session.commit()
        me = session.exec(select(User).where(User.username == "admin1")).one()
        table = users_table(session, me.id, now, ZoneInfo("Europe/London"))
    text = str(table)
    assert text.count("'Reset password'") == text.count("'Change role'") == 4
    assert text.count("'Deactivate'") == 3  # not on the admin's own row
    assert "sign-in slowed until 12:15" in text


# --- the modals' callbacks over HTTP ---------------------------------------------------------


def _post(
    app: dash.Dash,
    client: FlaskClient,
    function: str,
    values: dict[str, Any],
    trigger: str,
    expand: dict[str, list[dict[str, Any]]] | None = None,
) -> Answer:
    (cb,) = [c for c in server_callbacks(app) if c.function.endswith(f":{function}")]
    return post_callback(client, callback_body(cb, values=values, expand=expand, trigger=trigger))


def _save_password(
    app: dash.Dash, client: FlaskClient, user_id: int, password: str, again: str
) -> Answer:
    values = {
        "passwd-save.n_clicks": 1,
        "passwd-user.data": user_id,
        "passwd-new.value": password,
        "passwd-again.value": again,
    }
    return _post(app, client, "_save_password", values, "passwd-save.n_clicks")


def test_the_password_modal_opens_for_the_row_and_shows_refusals_at_the_fields(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    client = signed_in(app, "admin1")
    nurse = _user(sqlite_engine, "nurse1")
    row = {"user-passwd-open": [{"type": "user-passwd-open", "user": nurse.id}]}
    opened = _post(
        app,
        client,
        "_open_password",
        {"user-passwd-open.n_clicks": [1]},
        "user-passwd-open.n_clicks",
        row,
    )
    assert opened.status_code == 200
    assert opened.prop("passwd-modal", "opened") is True
    assert opened.prop("passwd-user", "data") == nurse.id
    assert opened.prop("passwd-who", "children") == "Nurse1 (nurse1)"

    before = row_counts(sqlite_engine)
    differ = _save_password(app, client, nurse.id or 0, NEW_PASSWORD, "something else")
    assert differ.prop("passwd-modal", "opened") is True
    assert differ.prop("passwd-again", "error") == (
        "The two passwords differ; type the same one twice."
    )
    assert differ.prop("passwd-new", "error") is None
    assert differ.prop("passwd-message", "children") == (
        "Not saved: correct the field marked in red."
    )
    short = _save_password(app, client, nurse.id or 0, "short", "short")
    assert short.prop("passwd-new", "error") == "Use at least 10 characters."
    assert row_counts(sqlite_engine) == before

    saved = _save_password(app, client, nurse.id or 0, NEW_PASSWORD, NEW_PASSWORD)
    assert saved.prop("passwd-modal", "opened") is False
    assert saved.prop("passwd-new", "value") == saved.prop("passwd-again", "value") == ""
    assert saved.prop("users-message", "children") == "New password set for Nurse1."
    assert "users-table" in str(saved.prop("users-list", "children"))
    assert changed_tables(before, row_counts(sqlite_engine)) == {"audit_event": 1}
    assert _signs_in(sqlite_engine, "nurse1", NEW_PASSWORD)


def test_the_role_modal_saves_a_role_and_keeps_the_last_admin(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    client = signed_in(app, "admin1")
    me, nurse2 = _user(sqlite_engine, "admin1"), _user(sqlite_engine, "nurse2")
    row = {"user-role-open": [{"type": "user-role-open", "user": nurse2.id}]}
    opened = _post(
        app, client, "_open_role", {"user-role-open.n_clicks": [1]}, "user-role-open.n_clicks", row
    )
    assert opened.prop("role-modal", "opened") is True
    assert (opened.prop("role-user", "data"), opened.prop("role-select", "value")) == (
        nurse2.id,
        "nurse",
    )

    def save(user_id: int, role: str) -> Answer:
        values = {"role-save.n_clicks": 1, "role-user.data": user_id, "role-select.value": role}
        return _post(app, client, "_save_role", values, "role-save.n_clicks")

    refused = save(me.id or 0, "physician")
    assert refused.prop("role-modal", "opened") is True
    assert refused.prop("role-select", "error") == (
        "You are the last active admin; make another user an admin first."
    )
    assert _user(sqlite_engine, "admin1").role == "admin"
    saved = save(nurse2.id or 0, "admin")
    assert saved.prop("role-modal", "opened") is False
    assert saved.prop("users-message", "children") == "Nurse2’s role is now admin."
    assert _user(sqlite_engine, "nurse2").role == "admin"


@pytest.mark.parametrize("username", ["nurse1", "doctor1"])
def test_the_modals_callbacks_refuse_non_admins(
    app: dash.Dash, sqlite_engine: Engine, username: str
) -> None:
    client = signed_in(app, username)
    target = _user(sqlite_engine, "nurse2").id or 0
    before = row_counts(sqlite_engine)
    answers = [
        _save_password(app, client, target, NEW_PASSWORD, NEW_PASSWORD),
        _post(
            app,
            client,
            "_save_role",
            {"role-save.n_clicks": 1, "role-user.data": target, "role-select.value": "admin"},
            "role-save.n_clicks",
        ),
        _post(
            app,
            client,
            "_open_password",
            {"user-passwd-open.n_clicks": [1]},
            "user-passwd-open.n_clicks",
            {"user-passwd-open": [{"type": "user-passwd-open", "user": target}]},
        ),
        _post(
            app,
            client,
            "_open_role",
            {"user-role-open.n_clicks": [1]},
            "user-role-open.n_clicks",
            {"user-role-open": [{"type": "user-role-open", "user": target}]},
        ),
    ]
    assert [a.status_code for a in answers] == [403] * 4
    assert row_counts(sqlite_engine) == before


# --- the per-drug settings (units, tablets) over HTTP ----------------------------------------


def _drug_form_errors(answer: Answer, field_type: str) -> dict[str, Any]:
    return {
        drug: answer.prop('{"drug":' + f'"{drug}","type":"{field_type}"' + "}", "error")
        for drug in DRUGS
    }


@pytest.mark.parametrize(
    ("function", "name", "field_type", "bad", "error", "good", "saved"),
    [
        (
            "_save_units",
            "units",
            "ward-unit",
            "0.05",
            "Enter 0.1 to 2 mg (the largest alprazolam tablet).",
            ["0.125", "0.25", "0.25", "1"],
            "Saved: clonazepam 0.125 mg, alprazolam 0.25 mg, lorazepam 0.25 mg, diazepam 1 mg.",
        ),
        (
            "_save_tablets",
            "tablets",
            "ward-tablets",
            "",
            'List the strengths in mg, e.g. "0.5 scored, 1, 2".',
            ["0.5 scored, 1, 2", "0.25 scored, 0.5 scored, 1", "0.5 scored, 1, 2", "2, 5, 10"],
            "Saved: clonazepam 0.5 scored, 1, 2 mg; alprazolam 0.25 scored, 0.5 scored, 1 mg; "
            "lorazepam 0.5 scored, 1, 2 mg; diazepam 2, 5, 10 mg.",
        ),
    ],
)
def test_a_per_drug_setting_marks_the_refused_field_and_names_what_it_saved(
    app: dash.Dash,
    sqlite_engine: Engine,
    function: str,
    name: str,
    field_type: str,
    bad: str,
    error: str,
    good: list[str],
    saved: str,
) -> None:
    client = signed_in(app, "admin1")
    expand = {field_type: [{"type": field_type, "drug": drug} for drug in DRUGS]}
    refused_values = [
        bad if drug == "alprazolam" else value for drug, value in zip(DRUGS, good, strict=True)
    ]

    before = row_counts(sqlite_engine)
    refused = _post(
        app,
        client,
        function,
        {f"{name}-save.n_clicks": 1, f"{field_type}.value": refused_values},
        f"{name}-save.n_clicks",
        expand,
    )
    assert refused.status_code == 200
    errors = _drug_form_errors(refused, field_type)
    assert errors["alprazolam"] == error
    assert [errors[d] for d in DRUGS if d != "alprazolam"] == [None, None, None]
    assert refused.prop(f"{name}-message", "children") == (
        "Not saved: correct the fields marked in red."
    )
    assert refused.prop(f"{name}-message", "className") == "tw-form-message"
    assert row_counts(sqlite_engine) == before

    answer = _post(
        app,
        client,
        function,
        {f"{name}-save.n_clicks": 1, f"{field_type}.value": good},
        f"{name}-save.n_clicks",
        expand,
    )
    assert list(_drug_form_errors(answer, field_type).values()) == [None] * len(DRUGS)
    assert answer.prop(f"{name}-message", "children") == saved
    assert answer.prop(f"{name}-message", "className") == "tw-form-message tw-form-ok"
    assert changed_tables(before, row_counts(sqlite_engine))["audit_event"] >= 1
