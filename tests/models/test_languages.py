"""Each user's language and the ward's default for new accounts: checked, permitted to whom
it should be, audited, and never touching the accounts already made."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import Actor
from models.db import dispose_engines, transaction
from models.errors import FieldError, PermissionDenied
from models.oidc_accounts import provider_sign_in
from models.settings import get_settings
from models.tables import AuditEvent, User, Ward
from models.users import create_user, set_language
from models.ward_policy import new_account_language, set_default_language
from taperwatch.cli import main
from tests.conftest import NOW
from tests.factories import SYSTEM

PASSWORD = "correct horse battery"


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _language(engine: Engine, user_id: int | None) -> str:
    with Session(engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.language


def _new_user(engine: Engine, username: str, language: str | None = None) -> User:
    with transaction(engine) as session:
        return create_user(
            session=session,
            actor=SYSTEM,
            username=username,
            display_name=username,
            role="nurse",
            password=PASSWORD,
            language=language,
        )


def test_accounts_speak_english_before_any_ward_says_otherwise(engine: Engine) -> None:
    with Session(engine) as session:
        assert new_account_language(session) == "en"
    assert _new_user(engine, "early").language == "en"


def test_new_accounts_get_the_wards_default_and_old_ones_keep_theirs(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    before = _new_user(engine, "before")
    with transaction(engine) as session:
        changed = set_default_language(
            session=session, actor=staff["admin1"], ward_id=ward.id or 0, language=" FR", now=NOW
        )
        assert changed.default_language == "fr"
    assert _new_user(engine, "after").language == "fr"
    assert _new_user(engine, "chosen", language="en").language == "en"
    assert _language(engine, before.id) == "en"
    [event] = _events(engine, "ward.language")
    assert event.user_id == staff["admin1"].user_id
    assert event.entity == "ward" and event.entity_id == ward.id
    assert event.before is not None and event.before["default_language"] == "en"
    assert event.after is not None and event.after["default_language"] == "fr"


def test_the_same_default_again_writes_nothing(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with transaction(engine) as session:
        set_default_language(
            session=session, actor=staff["admin1"], ward_id=ward.id or 0, language="en", now=NOW
        )
    assert _events(engine, "ward.language") == []


def test_only_an_admin_sets_the_wards_default(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    for who in ("nurse1", "doctor1"):
        with pytest.raises(PermissionDenied), transaction(engine) as session:
            set_default_language(
                session=session, actor=staff[who], ward_id=ward.id or 0, language="fr", now=NOW
            )
    with pytest.raises(FieldError) as refused, transaction(engine) as session:
        set_default_language(
            session=session, actor=staff["admin1"], ward_id=ward.id or 0, language="de", now=NOW
        )
    assert refused.value.field == "default_language"
    with pytest.raises(FieldError) as no_ward, transaction(engine) as session:
        set_default_language(
            session=session, actor=staff["admin1"], ward_id=999, language="fr", now=NOW
        )
    assert no_ward.value.field == "ward"
    with Session(engine) as session:
        assert session.get(Ward, ward.id).default_language == "en"  # type: ignore[union-attr]


def test_a_user_chooses_their_own_language_audited(engine: Engine, staff: dict[str, Actor]) -> None:
    nurse = staff["nurse1"]
    with transaction(engine) as session:
        user = set_language(
            session=session, actor=nurse, user_id=nurse.user_id or 0, language="fr", now=NOW
        )
        assert user.language == "fr"
    assert _language(engine, nurse.user_id) == "fr"
    [event] = _events(engine, "user.language")
    assert (event.user_id, event.entity, event.entity_id) == (
        nurse.user_id,
        "app_user",
        nurse.user_id,
    )
    assert (event.before, event.after) == ({"language": "en"}, {"language": "fr"})
    assert event.at == NOW
    with transaction(engine) as session:  # the same again: nothing written
        set_language(
            session=session, actor=nurse, user_id=nurse.user_id or 0, language="fr", now=NOW
        )
    assert len(_events(engine, "user.language")) == 1


def test_an_admin_may_set_anyones_language_and_nobody_else_may(
    engine: Engine, staff: dict[str, Actor]
) -> None:
    target = staff["nurse2"].user_id or 0
    for who in ("nurse1", "doctor1"):
        with pytest.raises(PermissionDenied), transaction(engine) as session:
            set_language(session=session, actor=staff[who], user_id=target, language="fr", now=NOW)
    assert _language(engine, target) == "en"
    with transaction(engine) as session:
        set_language(session=session, actor=staff["admin1"], user_id=target, language="fr", now=NOW)
    assert _language(engine, target) == "fr"
    [event] = _events(engine, "user.language")
    assert event.user_id == staff["admin1"].user_id and event.entity_id == target


def test_the_console_may_set_anyones_language(engine: Engine, staff: dict[str, Actor]) -> None:
    target = staff["nurse2"].user_id or 0
    with transaction(engine) as session:
        set_language(session=session, actor=SYSTEM, user_id=target, language="fr", now=NOW)
    assert _language(engine, target) == "fr"


def test_an_unknown_language_or_user_is_refused(engine: Engine, staff: dict[str, Actor]) -> None:
    nurse = staff["nurse1"]
    with pytest.raises(FieldError) as refused, transaction(engine) as session:
        set_language(
            session=session, actor=nurse, user_id=nurse.user_id or 0, language="xx", now=NOW
        )
    assert refused.value.field == "language" and "en, fr" in refused.value.message
    with pytest.raises(FieldError) as no_user, transaction(engine) as session:
        set_language(session=session, actor=staff["admin1"], user_id=999, language="fr", now=NOW)
    assert no_user.value.field == "user"
    with pytest.raises(FieldError) as on_create, transaction(engine) as session:
        create_user(
            session=session,
            actor=SYSTEM,
            username="locum",
            display_name="Locum",
            role="nurse",
            password=PASSWORD,
            language="klingon",
        )
    assert on_create.value.field == "language"
    assert _events(engine, "user.language") == []


def test_a_hospital_account_starts_in_the_wards_default(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with transaction(engine) as session:
        set_default_language(
            session=session, actor=staff["admin1"], ward_id=ward.id or 0, language="fr", now=NOW
        )
    with transaction(engine) as session:
        signed_in = provider_sign_in(
            session=session,
            issuer="https://idp.example",
            subject="abc-123",
            username_hint="jdupont",
            display_name="Jeanne Dupont",
            role="nurse",
            now=NOW,
        )
        assert signed_in.user is not None
        assert signed_in.user.language == "fr"


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TAPERWATCH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TAPERWATCH_DEMO", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    dispose_engines()


def test_the_user_commands_set_a_language(
    cli: None, engine: Engine, staff: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["user", "language", "NURSE2", "fr"]) == 0
    assert capsys.readouterr().out == "nurse2 now reads Taperwatch in fr\n"
    assert _language(engine, staff["nurse2"].user_id) == "fr"
    [event] = _events(engine, "user.language")
    assert (event.actor, event.before, event.after) == (
        "cli",
        {"language": "en"},
        {"language": "fr"},
    )
    for argv, error in (
        (["nurse1", "de"], "language: unknown language 'de'; use one of en, fr"),
        (["ghost", "fr"], "no user 'ghost'"),
    ):
        assert main(["user", "language", *argv]) == 2
        assert capsys.readouterr().err == f"taperwatch: error: {error}\n"
    assert _language(engine, staff["nurse1"].user_id) == "en"
    added = ["user", "add", "locum", "--role", "nurse", "--password", PASSWORD]
    assert main([*added, "--language", "fr"]) == 0
    assert capsys.readouterr().out == "created nurse locum (fr)\n"
    assert main(["user", "add", "locum2", "--role", "nurse", "--password", PASSWORD]) == 0
    assert capsys.readouterr().out == "created nurse locum2 (en)\n"  # the ward's default
    assert main([*added[:2], "locum3", *added[3:], "--language", "xx"]) == 2
    assert "unknown language 'xx'" in capsys.readouterr().err
