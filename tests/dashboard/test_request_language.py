"""The language a request is answered in: the signed-in user's own, else the browser's
preference among ours, else the ward's default (dashboard.context.current_language)."""

from __future__ import annotations

import dash
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.context import current_language
from models.audit import Actor
from models.db import transaction
from models.tables import User, Ward
from models.users import set_language
from models.ward_policy import set_default_language
from tests.conftest import NOW
from tests.dashboard.conftest import sign_in

ADMIN = Actor(user_id=None, username="admin", role="admin")


def _anonymous(app: dash.Dash, accept_language: str | None) -> str:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    with app.server.test_request_context("/login", headers=headers):
        return current_language()


def _ward_default(engine: Engine, language: str) -> None:
    with transaction(engine) as session:
        ward = session.exec(select(Ward)).one()
        set_default_language(
            session=session, actor=ADMIN, ward_id=ward.id or 0, language=language, now=NOW
        )


def test_before_sign_in_the_browser_chooses_else_the_ward(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    assert _anonymous(app, "fr-FR,fr;q=0.9,en;q=0.5") == "fr"
    assert _anonymous(app, "de-DE") == "en"
    assert _anonymous(app, None) == "en"
    _ward_default(sqlite_engine, "fr")
    assert _anonymous(app, "de-DE") == "fr"
    assert _anonymous(app, None) == "fr"
    assert _anonymous(app, "en-GB") == "en"  # the browser still wins


def test_a_signed_in_user_gets_their_own_language_from_the_next_request(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    app.server.add_url_rule("/test-language", "test_language", current_language)
    client = app.server.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    assert sign_in(client, "nurse1") == 302
    assert client.get("/test-language").get_data(as_text=True) == "en"  # hers, not the browser's
    with Session(sqlite_engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
    with transaction(sqlite_engine) as session:
        set_language(
            session=session,
            actor=Actor(nurse.id, nurse.username, nurse.role),
            user_id=nurse.id or 0,
            language="fr",
            now=NOW,
        )
    assert client.get("/test-language").get_data(as_text=True) == "fr"
