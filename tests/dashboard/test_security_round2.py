"""Second round of web hardening: the request size cap, sessions that end on the server
(sign-out, deactivation, reactivation, password reset, "sign out everywhere"), constant-time
sign-in, and lockouts an attacker cannot aim at someone else."""

from __future__ import annotations

from collections.abc import Iterator

import dash
import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.security import CSRF_COOKIE, CSRF_HEADER, MAX_REQUEST_BYTES
from models.audit import Actor
from models.db import make_engine, transaction
from models.errors import PermissionDenied
from models.migrate import upgrade
from models.tables import AuditEvent, User, UserSession
from models.types import utcnow
from models.users import (
    MAX_FAILED_LOGINS,
    SLOW_DOWN_S,
    create_user,
    is_locked_somewhere,
    set_active,
    set_password,
    sign_out_everywhere,
    unlock,
)
from tests.dashboard.conftest import (
    PASSWORD,
    admitted_an_hour_ago,
    app_on,
    csrf_token,
    signed_in,
    with_ward_and_staff,
)
from tests.dashboard.dash_client import (
    post_callback,
    row_counts,
    vitals_save_body,
)
from tests.factories import SYSTEM


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('security2') / 'security.db'}")
    upgrade(engine)
    yield with_ward_and_staff(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def app(db: Engine) -> dash.Dash:
    return app_on(db, secret_key="security-test-secret")


@pytest.fixture(scope="module")
def admission_id(db: Engine) -> int:
    return admitted_an_hour_ago(db, mrn="SEC0002", bed="S2")


# --- request size ----------------------------------------------------------------------------


def test_a_request_over_the_size_cap_is_refused_and_writes_nothing(
    app: dash.Dash, db: Engine, admission_id: int
) -> None:
    client = signed_in(app, "nurse1")
    body = vitals_save_body(app, admission_id, **{"vitals-taken_at.value": "x" * MAX_REQUEST_BYTES})
    before = row_counts(db)
    response = post_callback(client, body)
    assert response.status_code == 413
    assert "nothing was saved" in response.text
    assert row_counts(db) == before
    assert post_callback(client, vitals_save_body(app, admission_id)).status_code == 200
    assert row_counts(db)["vital_signs"] == before["vital_signs"] + 1


# --- sessions end on the server --------------------------------------------------------------


def _copy_of(client: FlaskClient, app: dash.Dash) -> FlaskClient:
    """Another browser holding the same cookies (a replay of a stolen or kept cookie)."""
    replay: FlaskClient = app.server.test_client()
    for name in ("session", CSRF_COOKIE):
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        replay.set_cookie(name, cookie.value)
    return replay


def _works(client: FlaskClient, app: dash.Dash, admission_id: int) -> dict[str, int]:
    """What a cookie still opens: a vitals save (with the CSRF token the page had), a page, a
    CSV download."""
    token = client.get_cookie(CSRF_COOKIE)
    assert token is not None
    save = client.post(
        "/_dash-update-component",
        json=vitals_save_body(app, admission_id),
        headers={CSRF_HEADER: token.value},
    )
    return {
        "page": client.get("/").status_code,
        "csv": client.get(f"/patient/{admission_id}/export/vitals.csv").status_code,
        "save": save.status_code,
    }


def _user_id(db: Engine, username: str) -> int:
    with transaction(db) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        assert user.id is not None
        return user.id


def _admin(db: Engine) -> Actor:
    return Actor(_user_id(db, "admin1"), "admin1", "admin")


REFUSED = {"page": 302, "csv": 401, "save": 401}
ALLOWED = {"page": 200, "csv": 200, "save": 200}


def test_a_cookie_replayed_after_sign_out_is_refused(
    app: dash.Dash, db: Engine, admission_id: int
) -> None:
    client = signed_in(app, "nurse1")
    replay = _copy_of(client, app)
    assert _works(replay, app, admission_id) == ALLOWED
    before = row_counts(db)
    assert client.post("/logout").status_code == 302
    assert _works(replay, app, admission_id) == REFUSED
    assert row_counts(db)["vital_signs"] == before["vital_signs"]
    with transaction(db) as session:
        ended = session.exec(
            select(UserSession).where(col(UserSession.ended_reason) == "sign-out")
        ).all()
    assert ended and all(s.ended_at is not None for s in ended)


@pytest.mark.parametrize("change", ["deactivate then reactivate", "password reset", "everywhere"])
def test_account_changes_end_every_session_of_the_account(
    app: dash.Dash, db: Engine, admission_id: int, change: str
) -> None:
    nurse, admin = _user_id(db, "nurse2"), _admin(db)
    first, second = signed_in(app, "nurse2"), signed_in(app, "nurse2")
    other = signed_in(app, "nurse1")
    now = utcnow()
    with transaction(db) as session:
        if change == "password reset":
            set_password(session=session, actor=admin, user_id=nurse, password=PASSWORD, now=now)
        elif change == "everywhere":
            assert sign_out_everywhere(session=session, actor=admin, user_id=nurse, now=now)
        else:
            set_active(session=session, actor=admin, user_id=nurse, active=False, now=now)
    if change.startswith("deactivate"):
        with transaction(db) as session:
            set_active(session=session, actor=admin, user_id=nurse, active=True, now=now)
    for client in (first, second):
        assert _works(_copy_of(client, app), app, admission_id) == REFUSED
    assert _works(other, app, admission_id) == ALLOWED  # another user's session is untouched
    assert signed_in(app, "nurse2").get("/").status_code == 200  # a new sign-in works


def test_a_user_may_end_their_own_sessions_but_not_a_colleagues(db: Engine) -> None:
    nurse1, nurse2 = _user_id(db, "nurse1"), _user_id(db, "nurse2")
    with transaction(db) as session:
        sign_out_everywhere(
            session=session, actor=Actor(nurse1, "nurse1", "nurse"), user_id=nurse1, now=utcnow()
        )
    with pytest.raises(PermissionDenied), transaction(db) as session:
        sign_out_everywhere(
            session=session, actor=Actor(nurse1, "nurse1", "nurse"), user_id=nurse2, now=utcnow()
        )


def test_a_cookie_from_before_server_sessions_is_asked_to_sign_in(app: dash.Dash) -> None:
    """The old cookie held "<user id>.<password key>": it names no session, so it is refused."""
    client = signed_in(app, "nurse1")
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "1.0123456789abcdef0123456789abcdef"
    assert client.get("/").status_code == 302


# --- sign-in: constant work, lockouts nobody can aim ----------------------------------------


def _attempt(client: FlaskClient, username: str, password: str, address: str) -> int:
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password, "next": "/"},
        environ_base={"REMOTE_ADDR": address},
    )
    return int(response.status_code)


def test_every_refusal_checks_one_password_hash(
    app: dash.Dash, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unknown, inactive and locked accounts cost the same argon2 check as a wrong password,
    so the answer's timing does not tell them apart (counted, not timed)."""
    checks: list[str] = []
    real_verify = PasswordHasher.verify

    def counting(self: PasswordHasher, hash_: str, password: str) -> bool:
        checks.append(hash_[:9])
        return bool(real_verify(self, hash_, password))

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    with transaction(db) as session:
        create_user(
            session=session,
            actor=SYSTEM,
            username="gone",
            display_name="Gone",
            role="nurse",
            password=PASSWORD,
        )
    gone, admin = _user_id(db, "gone"), _admin(db)
    with transaction(db) as session:
        set_active(session=session, actor=admin, user_id=gone, active=False, now=utcnow())
    client = app.server.test_client()
    for _ in range(MAX_FAILED_LOGINS):
        assert _attempt(client, "doctor1", "wrong password", "10.9.9.1") == 401
    cases = {
        "wrong password": ("nurse1", "wrong password"),
        "unknown user": ("nobody-here", PASSWORD),
        "inactive user": ("gone", PASSWORD),
        "locked pair": ("doctor1", PASSWORD),
        "impossible name": ("n" * 5000, PASSWORD),
    }
    for what, (username, password) in cases.items():
        checks.clear()
        assert _attempt(client, username, password, "10.9.9.1") == 401, what
        assert len(checks) == 1 and checks[0].startswith("$argon2"), what


def test_failures_lock_the_account_only_from_that_address(app: dash.Dash, db: Engine) -> None:
    attacker, ward_pc = "10.66.0.1", "10.66.0.2"
    for _ in range(MAX_FAILED_LOGINS + 3):
        assert _attempt(app.server.test_client(), "doctor1", "guess", attacker) == 401
    assert _attempt(app.server.test_client(), "doctor1", PASSWORD, attacker) == 401
    # the right person at another computer still signs in, and so does anyone at the first
    assert _attempt(app.server.test_client(), "doctor1", PASSWORD, ward_pc) == 302
    assert _attempt(app.server.test_client(), "nurse1", PASSWORD, attacker) == 302
    with transaction(db) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "user.locked")).all()
        assert any((e.after or {}).get("address") == attacker for e in events)


def test_an_admin_unlocks_an_account(app: dash.Dash, db: Engine) -> None:
    address = "10.66.0.3"
    for _ in range(MAX_FAILED_LOGINS):
        assert _attempt(app.server.test_client(), "nurse2", "guess", address) == 401
    assert _attempt(app.server.test_client(), "nurse2", PASSWORD, address) == 401
    nurse, admin = _user_id(db, "nurse2"), _admin(db)
    with transaction(db) as session:
        assert is_locked_somewhere(session, nurse, utcnow())
        unlock(session=session, actor=admin, user_id=nurse, now=utcnow())
    with pytest.raises(PermissionDenied), transaction(db) as session:
        unlock(session=session, actor=Actor(nurse, "nurse2", "nurse"), user_id=nurse, now=utcnow())
    assert _attempt(app.server.test_client(), "nurse2", PASSWORD, address) == 302


def test_many_failures_slow_an_account_down_without_locking_it(
    app: dash.Dash, db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("dashboard.auth.time.sleep", waits.append)
    for n in range(MAX_FAILED_LOGINS):  # each from another address: no pair is locked
        assert _attempt(app.server.test_client(), "admin1", "guess", f"10.77.0.{n}") == 401
    assert waits == []
    assert _attempt(app.server.test_client(), "admin1", PASSWORD, "10.77.1.1") == 302
    assert waits == [SLOW_DOWN_S]  # slowed, yet the right password still signs in
    assert _attempt(app.server.test_client(), "admin1", PASSWORD, "10.77.1.1") == 302
    assert waits == [SLOW_DOWN_S]  # a success lifted the slow-down
