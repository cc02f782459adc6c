"""dashboard.i18n: text in the request's language; the clinical words marked for it; the
header's language menu (stored, audited, back to the page); the sign-in page in the browser's
language."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.clinical_words import (
    BAND_WORDS,
    LEVEL_WORDS,
    NEWS2_RESPONSES,
    POSS_TERMS,
    RASS_TERMS,
)
from dashboard.components.charting_common import parse_clock
from dashboard.i18n import _, language, ngettext
from dashboard.theme import LEVELS
from models.clinical.news2 import RESPONSE_TEXT
from models.clinical.scales import Band
from models.clinical.sedation import POSS_LEVELS, RASS_LEVELS
from models.errors import FieldError
from models.i18n import translator
from models.tables import AuditEvent, User
from tests.dashboard.conftest import sign_in


def test_outside_a_request_the_text_is_english_and_formatted() -> None:
    assert _("Saved: vitals at {when} — NEWS2 {total} ({level}).", when="14:05", total=0,
             level="normal") == "Saved: vitals at 14:05 — NEWS2 0 (normal)."  # fmt: skip
    assert ngettext("{n} flag", "{n} flags", 1, n=1) == "1 flag"
    assert ngettext("{n} flag", "{n} flags", 2, n=2) == "2 flags"


def test_before_sign_in_the_browser_language_is_used(app: dash.Dash) -> None:
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert language() == "fr"
        assert _("Sign out") == "Se déconnecter"
        assert ngettext("{n} flag", "{n} flags", 0, n=0) == "0 alerte"  # French: 0 is singular
        assert ngettext("{n} flag", "{n} flags", 3, n=3) == "3 alertes"
    with app.server.test_request_context("/login", headers={"Accept-Language": "en-GB"}):
        assert _("Sign out") == "Sign out"


def test_the_sign_in_page_answers_in_the_browser_language(app: dash.Dash) -> None:
    client = app.server.test_client()
    french = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr">' in french and "Mot de passe" in french
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Password" in english and "Mot de passe" not in english


def test_the_clinical_words_are_the_clinical_definitions_words() -> None:
    assert BAND_WORDS == tuple(band.label for band in Band)
    assert LEVEL_WORDS == tuple(LEVELS[level].label for level in sorted(LEVELS))
    assert RASS_TERMS == tuple(level.term for level in RASS_LEVELS.values())
    assert POSS_TERMS == tuple(level.term for level in POSS_LEVELS.values())
    assert NEWS2_RESPONSES == tuple(RESPONSE_TEXT.values())


def test_the_language_menu_stores_audits_and_returns_to_the_page(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    client.get("/")
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None
    token = cookie.value
    # Without the session's token (a forged form), refused.
    assert client.post("/language", data={"language": "fr"}).status_code == 403
    answer = client.post(
        "/language",
        data={"language": "fr", "csrf": token},
        headers={"Referer": "http://localhost/queue?x=1"},
    )
    assert answer.status_code == 303 and answer.headers["Location"] == "/queue?x=1"
    with Session(sqlite_engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        events = session.exec(
            select(AuditEvent).where(AuditEvent.action == "user.language").order_by(
                col(AuditEvent.id))
        ).all()  # fmt: skip
    assert nurse.language == "fr"
    assert [(e.entity_id, e.before, e.after) for e in events] == [
        (nurse.id, {"language": "en"}, {"language": "fr"})
    ]
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in page
    # Another site's page is never where the menu returns to; an unknown language is refused.
    away = client.post(
        "/language",
        data={"language": "en", "csrf": token},
        headers={"Referer": "http://localhost//evil.example"},
    )
    assert away.headers["Location"] == "/"
    assert client.post("/language", data={"language": "xx", "csrf": token}).status_code == 400


def test_anonymous_may_not_choose_a_language(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert client.post("/language", data={"language": "fr"}).status_code == 401


def test_a_time_refused_in_the_readers_language() -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    tz = ZoneInfo("Europe/Paris")
    with pytest.raises(FieldError) as english:
        parse_clock("25:10", now=now, tz=tz, field_name="taken_at")
    assert english.value.message == "25:10 is not a time of day (00:00 to 23:59)"
    with pytest.raises(FieldError) as french:
        parse_clock("midi", now=now, tz=tz, field_name="taken_at", t=translator("fr"))
    assert french.value.message == (
        "'midi' n'est pas une heure ; saisissez-la sous la forme 14:05 ou 1405"
    )
