"""Hospital sign-in against a real OpenID provider: ``oidc-provider-mock`` (PyPI) in a process
of its own on a free loopback port. The whole authorization-code flow: the app redirects to
the provider with a state and nonce, the provider's consent form is answered for a subject,
the browser returns with a code, the app fetches and verifies the ID token and signs in with
the role its groups map to. Refused: no mapped group, a deactivated account, a tampered
state."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import dash
import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import ensure_ward
from models.audit import Actor
from models.db import transaction
from models.settings import Settings
from models.tables import AuditEvent, User, UserSession
from models.users import set_active
from tests.dashboard.dash_client import row_counts
from tests.factories import SYSTEM, make_staff

CLIENT_ID = "taperwatch-test"
ROLE_MAP = "ward-nurses=nurse,ward-doctors=physician,it-admins=admin"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's issuer URL, its process ended afterwards."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--port", str(port), "--require-nonce"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("oidc-provider-mock did not start")
            time.sleep(0.2)
        yield issuer
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def app(sqlite_engine: Engine, provider: str) -> Iterator[dash.Dash]:
    from dashboard.app import create_app

    with transaction(sqlite_engine) as session:
        ensure_ward(session=session, actor=SYSTEM, name="Test Ward", timezone="Europe/London")
        make_staff(session)
    settings = Settings(
        database_url=str(sqlite_engine.url),
        secret_key="oidc-test-secret-key",
        oidc_issuer=provider,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret="client-secret",
        oidc_name="St Elsewhere",
        oidc_role_map=ROLE_MAP,
    )
    application = create_app(settings, sqlite_engine)
    application.server.config["TESTING"] = True
    yield application


def _engine(app: dash.Dash) -> Engine:
    value = app.server.config["TW_ENGINE"]
    assert isinstance(value, Engine)
    return value


def _set_claims(provider: str, subject: str, **claims: object) -> None:
    answer = requests.put(f"{provider}/users/{quote(subject, safe='')}", json=claims, timeout=5)
    assert answer.status_code == 204


def _to_provider(client: FlaskClient, provider: str) -> str:
    """Start the sign-in; the provider's authorization URL the browser is sent to."""
    start = client.get("/login/oidc?next=/queue")
    assert start.status_code == 302
    location = start.headers["Location"]
    assert location.startswith(f"{provider}/")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID] and query["response_type"] == ["code"]
    assert query["state"][0] and query["nonce"][0]
    return location


def _consent(location: str, subject: str) -> str:
    """The provider's form, answered for ``subject``: the app's callback URL with the code."""
    answer = requests.post(location, data={"sub": subject}, allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = answer.headers["Location"]
    assert urlsplit(back).path == "/login/oidc/callback" and "code=" in back
    return back


def _callback(client: FlaskClient, back: str) -> object:
    parts = urlsplit(back)
    return client.get(f"{parts.path}?{parts.query}")


def _sign_in(client: FlaskClient, provider: str, subject: str) -> object:
    return _callback(client, _consent(_to_provider(client, provider), subject))


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_the_sign_in_page_offers_the_hospital_sign_in(app: dash.Dash) -> None:
    page = app.server.test_client().get("/login?next=/queue").get_data(as_text=True)
    assert "Sign in with St Elsewhere" in page
    assert 'href="/login/oidc?next=/queue"' in page
    assert 'id="password"' in page  # local accounts stay


def test_a_nurse_signs_in_through_the_hospital_and_her_role_follows_her_groups(
    app: dash.Dash, provider: str
) -> None:
    engine = _engine(app)
    subject = "amara.okafor@hospital.example"
    _set_claims(
        provider,
        subject,
        email=subject,
        preferred_username="aokafor",
        name="Amara Okafor",
        groups=["staff", "ward-nurses"],
    )
    client: FlaskClient = app.server.test_client()
    done = _sign_in(client, provider, subject)
    assert done.status_code == 302 and done.headers["Location"] == "/queue"  # type: ignore[attr-defined]
    assert client.get("/queue").status_code == 200
    with Session(engine) as session:
        user = session.exec(select(User).where(User.oidc_subject == subject)).one()
        assert (user.username, user.display_name, user.role) == ("aokafor", "Amara Okafor", "nurse")
        assert user.oidc_issuer == provider
        [open_session] = session.exec(
            select(UserSession).where(col(UserSession.ended_at).is_(None))
        ).all()
        assert open_session.user_id == user.id
    [created] = _events(engine, "user.create")[-1:]
    assert created.entity_id == user.id and created.actor == "system:hospital-sign-in"
    # No password of ours signs this account in.
    refused = app.server.test_client().post("/login", data={"username": "aokafor", "password": ""})
    assert refused.status_code in (400, 401)

    # Moved to the doctors' group: the next sign-in is a physician, audited; same account.
    _set_claims(provider, subject, preferred_username="aokafor", groups=["ward-doctors"])
    second: FlaskClient = app.server.test_client()
    assert _sign_in(second, provider, subject).status_code == 302  # type: ignore[attr-defined]
    with Session(engine) as session:
        [again] = session.exec(select(User).where(User.oidc_subject == subject)).all()
        assert again.id == user.id and again.role == "physician"
    [changed] = _events(engine, "user.role")
    assert changed.before == {"role": "nurse"} and changed.after == {"role": "physician"}


def test_someone_in_no_mapped_group_is_refused_and_the_refusal_audited(
    app: dash.Dash, provider: str
) -> None:
    engine = _engine(app)
    subject = "visitor@hospital.example"
    _set_claims(provider, subject, preferred_username="visitor", groups=["porters"])
    client: FlaskClient = app.server.test_client()
    before = row_counts(engine)
    refused = _sign_in(client, provider, subject)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "none of your groups gives a Taperwatch role" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302  # not signed in
    changed = {k: v - before[k] for k, v in row_counts(engine).items() if v != before[k]}
    assert changed == {"audit_event": 1}
    [event] = _events(engine, "user.sign_in_refused")
    assert event.after == {"issuer": provider, "subject": subject, "reason": "no mapped group"}


def test_a_deactivated_account_is_refused(app: dash.Dash, provider: str) -> None:
    engine = _engine(app)
    subject = "leaver@hospital.example"
    _set_claims(provider, subject, preferred_username="leaver", groups=["ward-nurses"])
    assert _sign_in(app.server.test_client(), provider, subject).status_code == 302  # type: ignore[attr-defined]
    with transaction(engine) as session:
        leaver = session.exec(select(User).where(User.oidc_subject == subject)).one()
        admin = session.exec(select(User).where(User.username == "admin1")).one()
        set_active(
            session=session,
            actor=Actor(admin.id, admin.username, admin.role),
            user_id=leaver.id or 0,
            active=False,
        )
    client: FlaskClient = app.server.test_client()
    refused = _sign_in(client, provider, subject)
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert "deactivated" in refused.get_data(as_text=True)  # type: ignore[attr-defined]
    assert client.get("/").status_code == 302
    [event] = _events(engine, "user.sign_in_refused")
    assert event.entity_id == leaver.id and event.after and event.after["reason"] == "deactivated"


def test_a_tampered_or_replayed_state_is_refused(app: dash.Dash, provider: str) -> None:
    engine = _engine(app)
    subject = "mallory@hospital.example"
    _set_claims(provider, subject, preferred_username="mallory", groups=["it-admins"])
    client: FlaskClient = app.server.test_client()
    back = _consent(_to_provider(client, provider), subject)
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    before = row_counts(engine)
    tampered = client.get(f"{parts.path}?{urlencode(query | {'state': 'forged-state'})}")
    assert tampered.status_code == 400
    assert "did not complete" in tampered.get_data(as_text=True)
    # The code's own state, but in another browser (no state of ours in its cookie).
    other: FlaskClient = app.server.test_client()
    assert _callback(other, back).status_code == 400  # type: ignore[attr-defined]
    assert row_counts(engine) == before
    assert client.get("/").status_code == 302 and other.get("/").status_code == 302
    with Session(engine) as session:
        assert session.exec(select(User).where(User.oidc_subject == subject)).first() is None


def test_groups_map_to_the_first_listed_role_and_bad_maps_are_refused() -> None:
    from pydantic import ValidationError

    from models.oidc_accounts import role_for_groups
    from models.settings import parse_role_map

    role_map = parse_role_map(ROLE_MAP)
    assert role_map == (
        ("ward-nurses", "nurse"),
        ("ward-doctors", "physician"),
        ("it-admins", "admin"),
    )
    assert role_for_groups(["it-admins", "ward-nurses"], role_map) == "nurse"  # map order
    assert role_for_groups("ward-doctors", role_map) == "physician"  # one group, as a string
    assert role_for_groups(["porters"], role_map) is None
    assert role_for_groups(None, role_map) is None
    assert role_for_groups({"ward-nurses": True}, role_map) is None  # not a list of names
    assert role_for_groups([["ward-nurses"]], role_map) is None
    for bad in ("ward-nurses=matron", "ward-nurses", "=nurse"):
        with pytest.raises(ValidationError, match="OIDC_ROLE_MAP"):
            Settings(secret_key="x" * 32, oidc_role_map=bad)
    with pytest.raises(ValidationError, match="OIDC_CLIENT_ID"):
        Settings(secret_key="x" * 32, oidc_issuer="https://idp.example")
    assert Settings(secret_key="x" * 32).oidc_issuer == ""  # off unless configured


FRENCH = {"Accept-Language": "fr-FR,fr;q=0.9"}


def test_a_french_browser_is_told_why_in_french(app: dash.Dash, provider: str) -> None:
    """The sign-in page's refusals are in the browser's language (English unchanged above)."""
    subject = "visiteur@hospital.example"
    _set_claims(provider, subject, preferred_username="visiteur", groups=["porters"])
    client: FlaskClient = app.server.test_client()
    back = _consent(_to_provider(client, provider), subject)
    parts = urlsplit(back)
    refused = client.get(f"{parts.path}?{parts.query}", headers=FRENCH)
    assert refused.status_code == 403
    page = unescape(refused.get_data(as_text=True))
    assert "aucun de vos groupes ne donne de rôle dans Taperwatch" in page
    assert "none of your groups" not in page
    # A state that is not ours: the same French page, no account made.
    again: FlaskClient = app.server.test_client()
    back = _consent(_to_provider(again, provider), subject)
    parts = urlsplit(back)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    forged = again.get(f"{parts.path}?{urlencode(query | {'state': 'forged'})}", headers=FRENCH)
    assert forged.status_code == 400
    assert "La connexion par l'hôpital n'a pas abouti\u00a0; recommencez." in unescape(
        forged.get_data(as_text=True)
    )


def test_every_refusal_of_a_hospital_sign_in_is_in_french() -> None:
    from dashboard.oidc import NOT_ANSWERING, NOT_COMPLETED
    from models.i18n import translator

    french = translator("fr")
    for message in (NOT_ANSWERING, NOT_COMPLETED):
        assert french.gettext(message) != message
    refusal = provider_sign_in_refusals()
    assert len(refusal) == 4
    for message in refusal:
        assert french.gettext(message) != message, message


def provider_sign_in_refusals() -> list[str]:
    """Every sentence models.oidc_accounts refuses a sign-in with, read from its source."""
    import ast
    import inspect

    import models.oidc_accounts as accounts

    tree = ast.parse(inspect.getsource(accounts))
    return [
        node.args[1].args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") == "ProviderSignIn"
        and len(node.args) == 2
        and isinstance(node.args[1], ast.Call)
        and getattr(node.args[1].func, "id", "") == "N_"
        and isinstance(node.args[1].args[0], ast.Constant)
    ]
