"""The idle lock on the server: a session nobody has used for longer than the ward's idle time
is refused and ended (audited), whatever the page's script does; only a page load or the page
reporting use counts as use (a refreshing board does not); a locked page signs in again with
the same user (carry on) or another (a fresh page). On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.auth import IDLE_HEADER
from dashboard.security import CSRF_COOKIE, CSRF_HEADER
from models.admissions import ensure_ward
from models.audit import Actor
from models.db import transaction
from models.errors import ValidationFailed
from models.settings import Settings
from models.tables import AuditEvent, User, UserSession, Ward
from models.types import utcnow
from models.users import sign_out_everywhere
from models.ward_policy import update_ward_policy
from tests.dashboard.conftest import PASSWORD, sign_in
from tests.dashboard.dash_client import row_counts
from tests.factories import SYSTEM, make_staff


@pytest.fixture
def app(engine: Engine) -> Iterator[dash.Dash]:
    from dashboard.app import create_app

    with transaction(engine) as session:
        ensure_ward(session=session, actor=SYSTEM, name="Idle Ward", timezone="Europe/London")
        make_staff(session)
    settings = Settings(database_url=str(engine.url), secret_key="idle-test-secret", demo=False)
    application = create_app(settings, engine)
    application.server.config["TESTING"] = True
    yield application


def _engine(app: dash.Dash) -> Engine:
    value = app.server.config["TW_ENGINE"]
    assert isinstance(value, Engine)
    return value


def _signed_in(app: dash.Dash, username: str = "nurse1") -> tuple[FlaskClient, str]:
    """A client signed in with a page loaded, and its CSRF token (the page's script keeps it)."""
    client: FlaskClient = app.server.test_client()
    assert sign_in(client, username) == 302
    assert client.get("/").status_code == 200
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None
    return client, cookie.value


def _open_sessions(engine: Engine) -> list[UserSession]:
    with Session(engine) as session:
        return list(
            session.exec(select(UserSession).where(col(UserSession.ended_at).is_(None))).all()
        )


def _age_sessions(engine: Engine, by: timedelta) -> None:
    """As if every open session's sign-in and last use were ``by`` earlier."""
    [row] = _open_sessions(engine)
    last = row.last_active_at or row.created_at
    with transaction(engine) as session:
        session.execute(
            update(UserSession)
            .where(col(UserSession.id) == row.id)
            .values(created_at=row.created_at - by, last_active_at=last - by)
        )


def _set_idle_min(engine: Engine, minutes: int) -> None:
    with transaction(engine) as session:
        ward = session.exec(select(Ward)).one()
        admin = make_admin_actor(session)
        update_ward_policy(
            session=session, actor=admin, ward_id=ward.id or 0, values={"idle_lock_min": minutes}
        )


def make_admin_actor(session: Session) -> Actor:
    user = session.exec(select(User).where(User.username == "admin1")).one()
    return Actor(user.id, user.username, user.role)


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_an_idle_session_is_refused_and_ended_without_the_page_script(app: dash.Dash) -> None:
    engine = _engine(app)
    client, _ = _signed_in(app)
    assert client.get("/session/activity").status_code == 200
    _age_sessions(engine, timedelta(minutes=14))  # within the default 15 minutes
    answer = client.get("/session/activity")
    assert answer.status_code == 200
    assert 50 <= answer.get_json()["remaining_s"] <= 60
    assert answer.get_json()["idle_s"] == 15 * 60

    _age_sessions(engine, timedelta(minutes=1, seconds=1))  # now idle 15 min 1 s
    before = row_counts(engine)
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    refused = client.get("/session/activity")
    assert refused.status_code == 401 and refused.headers[IDLE_HEADER] == "locked"
    callback = client.post("/_dash-update-component", json={})
    assert callback.status_code == 401 and callback.headers[IDLE_HEADER] == "locked"
    assert _open_sessions(engine) == []
    with Session(engine) as session:
        [row] = session.exec(select(UserSession)).all()
    assert row.ended_reason == "idle"
    [event] = _events(engine, "session.lock")
    assert event.actor == "nurse1" and event.after == {"reason": "idle"}
    changed = {k: v - before[k] for k, v in row_counts(engine).items() if v != before[k]}
    assert changed == {"audit_event": 1}  # the lock's one event, nothing else


def test_the_wards_idle_time_is_its_policy(app: dash.Dash) -> None:
    engine = _engine(app)
    with transaction(engine) as session:
        ward_id = session.exec(select(Ward)).one().id or 0
        admin = make_admin_actor(session)
        for bad in (0, 481, "ten"):
            with pytest.raises(ValidationFailed):
                update_ward_policy(
                    session=session, actor=admin, ward_id=ward_id, values={"idle_lock_min": bad}
                )  # type: ignore[arg-type]
    _set_idle_min(engine, 1)
    client, _ = _signed_in(app)
    assert client.get("/session/activity").get_json()["idle_s"] == 60
    _age_sessions(engine, timedelta(seconds=50))
    assert client.get("/session/activity").status_code == 200
    _age_sessions(engine, timedelta(seconds=11))
    assert client.get("/session/activity").status_code == 401
    [policy] = _events(engine, "ward.policy")
    assert policy.after is not None and policy.after["idle_lock_min"] == 1


def test_only_use_of_the_page_keeps_it_unlocked_not_its_refreshes(app: dash.Dash) -> None:
    engine = _engine(app)
    client, csrf = _signed_in(app)
    _age_sessions(engine, timedelta(minutes=5))
    [row] = _open_sessions(engine)
    aged = row.last_active_at
    # A board refresh or any other callback: not use (a malformed one is still a request).
    client.post("/_dash-update-component", json={}, headers={CSRF_HEADER: csrf})
    assert client.get("/session/activity").status_code == 200
    assert _open_sessions(engine)[0].last_active_at == aged
    # The page reports a key press: written.
    reported = client.post("/session/activity", headers={CSRF_HEADER: csrf})
    assert reported.status_code == 200 and reported.get_json()["remaining_s"] >= 15 * 60 - 1
    written = _open_sessions(engine)[0].last_active_at
    assert written is not None and aged is not None
    assert abs(written - utcnow()) < timedelta(seconds=10)
    # Reporting again at once writes nothing (at most once a minute).
    assert client.post("/session/activity", headers={CSRF_HEADER: csrf}).status_code == 200
    assert _open_sessions(engine)[0].last_active_at == written
    # Without the CSRF header the report is refused.
    assert client.post("/session/activity").status_code == 403
    # Opening a page is use too.
    _age_sessions(engine, timedelta(minutes=5))
    assert client.get("/").status_code == 200
    page_load = _open_sessions(engine)[0].last_active_at
    assert page_load is not None and abs(page_load - utcnow()) < timedelta(seconds=10)


def _unlock(client: FlaskClient, csrf: str, username: str, password: str = PASSWORD) -> object:
    return client.post(
        "/session/unlock",
        data={"username": username, "password": password},
        headers={CSRF_HEADER: csrf},
    )


def test_a_locked_page_signs_in_again_as_its_user_or_another(app: dash.Dash) -> None:
    engine = _engine(app)
    client, csrf = _signed_in(app)
    _age_sessions(engine, timedelta(minutes=16))
    assert client.get("/session/activity").status_code == 401  # locked

    before = row_counts(engine)
    wrong = _unlock(client, csrf, "nurse1", "not the password")
    assert wrong.status_code == 401  # type: ignore[attr-defined]
    assert "not recognised" in wrong.get_json()["error"]  # type: ignore[attr-defined]
    changed = {k for k, v in row_counts(engine).items() if v != before[k]}
    assert changed <= {"sign_in_lock"}  # the failure counted; no session, no event
    assert _open_sessions(engine) == []
    no_csrf = client.post("/session/unlock", data={"username": "nurse1", "password": PASSWORD})
    assert no_csrf.status_code == 403 and _open_sessions(engine) == []

    same = _unlock(client, csrf, "nurse1")
    assert same.status_code == 200  # type: ignore[attr-defined]
    assert same.get_json() == {"same_user": True}  # type: ignore[attr-defined]
    assert client.get("/session/activity").get_json()["username"] == "nurse1"
    [unlocked] = _events(engine, "session.unlock")
    assert unlocked.actor == "nurse1" and unlocked.after == {"same_user": True}

    csrf = client.get_cookie(CSRF_COOKIE).value  # type: ignore[union-attr]  # a new session's
    _age_sessions(engine, timedelta(minutes=16))
    assert client.get("/").status_code == 302
    other = _unlock(client, csrf, "nurse2")
    assert other.get_json() == {"same_user": False}  # type: ignore[attr-defined]
    answer = client.get("/session/activity").get_json()
    assert answer["username"] == "nurse2"
    assert [e.after for e in _events(engine, "session.unlock")] == [
        {"same_user": True},
        {"same_user": False},
    ]
    assert len(_events(engine, "session.lock")) == 2
    [open_session] = _open_sessions(engine)
    assert open_session.user_id != unlocked.user_id


def test_a_session_ended_otherwise_is_not_taken_for_idle(app: dash.Dash) -> None:
    """Signed out in another tab: the page's script must not offer to unlock (assets/
    connection.js says "signed out" instead)."""
    client, csrf = _signed_in(app)
    assert client.post("/logout").status_code == 302
    for answer in (
        client.get("/session/activity"),
        client.post("/_dash-update-component", json={}, headers={CSRF_HEADER: csrf}),
    ):
        assert answer.status_code == 401 and IDLE_HEADER not in answer.headers
    # Ended by an admin's "sign out everywhere": the cookie still names the session.
    client, csrf = _signed_in(app)
    engine = _engine(app)
    with transaction(engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        sign_out_everywhere(
            session=session, actor=make_admin_actor(session), user_id=nurse.id or 0, now=utcnow()
        )
    answer = client.get("/session/activity")
    assert answer.status_code == 401 and IDLE_HEADER not in answer.headers
    assert _events(engine, "session.lock") == []


def test_the_lock_prompt_is_given_its_words_in_the_users_language(app: dash.Dash) -> None:
    """The page's script has no catalog: the server gives it the prompt's words with the state,
    in the signed-in user's language (English unchanged), and a refused unlock answers in the
    browser's language."""
    engine = _engine(app)
    client, _csrf = _signed_in(app, "nurse1")
    english = client.get("/session/activity").get_json()["words"]
    assert english["title"] == "Taperwatch is locked"
    assert english["why"].startswith("Nobody used this page for 15 minutes (ward policy).")
    assert english["sign_in"] == "Sign in"
    with transaction(engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        nurse.language = "fr"
        session.add(nurse)
    _set_idle_min(engine, 1)
    french = client.get("/session/activity").get_json()["words"]
    assert french["title"] == "Taperwatch est verrouillé"
    assert french["why"].startswith("Personne n'a utilisé cette page depuis 1\u00a0minute (")
    assert french["username"] == "Identifiant"
    assert french["sign_in"] == "Connexion"
    assert set(french) == set(english)
    assert all(french[k] != english[k] for k in english), "a word of the lock is not in French"

    _age_sessions(engine, timedelta(minutes=2))
    assert client.get("/session/activity").status_code == 401  # locked
    wrong = client.post(
        "/session/unlock",
        data={"username": "nurse1", "password": "not it"},
        headers={CSRF_HEADER: _csrf, "Accept-Language": "fr-FR"},
    )
    assert wrong.status_code == 401
    assert "Identifiant ou mot de passe non reconnu" in wrong.get_json()["error"]
