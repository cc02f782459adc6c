"""Users and the audit trail: every write records who did what, in the same transaction."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.db import dispose_engines, transaction
from models.errors import FieldError, PermissionDenied, ValidationFailed
from models.settings import get_settings
from models.tables import Admission, AuditEvent, Patient, User, Ward
from models.users import (
    MAX_FAILED_LOGINS,
    authenticate,
    create_user,
    set_active,
    set_password,
    set_role,
)
from taperwatch.cli import main
from tests.factories import SYSTEM, admit_patient

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


OLD_PASSWORD = "correct horse battery"  # make_staff's
NEW_PASSWORD = "new staple 2026 pw"


def _audit(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _signs_in(engine: Engine, username: str, password: str, now: datetime = NOW) -> bool:
    with transaction(engine) as session:
        return (
            authenticate(session=session, username=username, password=password, now=now) is not None
        )


def _user(engine: Engine, username: str) -> User:
    with Session(engine) as session:
        return session.exec(select(User).where(User.username == username)).one()


def _active_admins(engine: Engine) -> list[str]:
    with Session(engine) as session:
        found = session.exec(
            select(User.username)
            .where(User.role == "admin", col(User.active))
            .order_by(User.username)
        )
        return list(found.all())


def _add_admin(engine: Engine, username: str) -> Actor:
    with transaction(engine) as session:
        user = create_user(
            session=session,
            actor=SYSTEM,
            username=username,
            display_name=username.title(),
            role="admin",
            password=OLD_PASSWORD,
        )
    return Actor(user.id, user.username, user.role)


def test_create_user_hashes_and_audits(engine: Engine) -> None:
    with transaction(engine) as session:
        user = create_user(
            session=session,
            actor=SYSTEM,
            username="Nurse.A",
            display_name="Nurse A",
            role="nurse",
            password="long enough pw",
        )
    with Session(engine) as session:
        stored = session.get(User, user.id)
        assert stored is not None and stored.username == "nurse.a"
        assert stored.password_hash.startswith("$argon2")
        events = _audit(session, "user.create")
        assert len(events) == 1 and events[0].entity_id == user.id
        assert events[0].after is not None and "password_hash" not in events[0].after


def test_create_user_refuses_bad_input_with_the_field(engine: Engine) -> None:
    with transaction(engine) as session:
        for kwargs, field in (
            ({"role": "surgeon"}, "role"),
            ({"password": "short"}, "password"),
            ({"username": "bad name!"}, "username"),
        ):
            args = {
                "username": "x1",
                "display_name": "X",
                "role": "nurse",
                "password": "long enough pw",
            } | kwargs
            with pytest.raises(FieldError) as caught:
                create_user(session=session, actor=SYSTEM, **args)
            assert caught.value.field == field


def test_only_admins_create_users(engine: Engine, staff: dict[str, Actor]) -> None:
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        create_user(
            session=session,
            actor=staff["nurse1"],
            username="sneaky",
            display_name="S",
            role="admin",
            password="long enough pw",
        )


def test_authenticate_and_lock_out(engine: Engine, staff: dict[str, Actor]) -> None:
    with transaction(engine) as session:
        assert (
            authenticate(
                session=session, username="nurse1", password="correct horse battery", now=NOW
            )
            is not None
        )
    for _ in range(5):
        with transaction(engine) as session:
            assert (
                authenticate(session=session, username="nurse1", password="nope", now=NOW) is None
            )
    with transaction(engine) as session:
        assert (
            authenticate(
                session=session, username="nurse1", password="correct horse battery", now=NOW
            )
            is None
        )
        assert _audit(session, "user.locked")
    later = NOW + timedelta(minutes=16)
    with transaction(engine) as session:
        assert (
            authenticate(
                session=session, username="nurse1", password="correct horse battery", now=later
            )
            is not None
        )


def test_deactivated_users_cannot_sign_in(engine: Engine, staff: dict[str, Actor]) -> None:
    with transaction(engine) as session:
        set_active(
            session=session,
            actor=staff["admin1"],
            user_id=staff["nurse2"].user_id or 0,
            active=False,
        )
    with transaction(engine) as session:
        assert (
            authenticate(
                session=session, username="nurse2", password="correct horse battery", now=NOW
            )
            is None
        )
        assert len(_audit(session, "user.deactivate")) == 1


def _admit(session: Session, ward: Ward, staff: dict[str, Actor], **overrides: object) -> Admission:
    """The test patient as mrn77, Jo Doe, in bed b3 (as typed: stored upper-case)."""
    fields: dict[str, object] = {
        "mrn": "mrn77",
        "family_name": "Doe",
        "given_name": "Jo",
        "birth_date": date(1980, 5, 1),
        "bed": "b3",
    }
    return admit_patient(session, staff=staff, ward=ward, now=NOW, **(fields | overrides))


def test_admission_is_written_with_its_audit_rows(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with transaction(engine) as session:
        admission = _admit(session, ward, staff)
    with Session(engine) as session:
        patient = session.exec(select(Patient)).one()
        assert patient.mrn == "MRN77" and admission.bed == "B3"
        assert {e.action for e in session.exec(select(AuditEvent)).all()} >= {
            "patient.create",
            "admission.create",
        }
        event = _audit(session, "admission.create")[0]
        assert event.user_id == staff["nurse1"].user_id and event.entity_id == admission.id


def test_a_failed_admission_leaves_nothing_behind(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with pytest.raises(ValidationFailed) as caught, transaction(engine) as session:
        _admit(session, ward, staff, daily_ug=2100, bed="", sex="x")
    assert set(caught.value.by_field()) == {"daily_mg", "bed", "sex"}
    with Session(engine) as session:
        assert session.exec(select(Patient)).all() == []
        assert (
            session.exec(
                select(AuditEvent).where(col(AuditEvent.entity).in_(["patient", "admission"]))
            ).all()
            == []
        )


def test_a_database_failure_mid_write_rolls_back_the_audit_too(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        _admit(session, ward, staff)
        raise RuntimeError("connection lost")
    with Session(engine) as session:
        assert session.exec(select(Admission)).all() == []
        assert _audit(session, "admission.create") == []


# --- password reset, role changes, the last admin ---------------------------------------------


def test_an_admin_resets_a_password_only_the_new_one_signs_in_and_the_lock_is_lifted(
    engine: Engine, staff: dict[str, Actor]
) -> None:
    for _ in range(MAX_FAILED_LOGINS):
        assert not _signs_in(engine, "nurse1", "wrong guess")
    assert _user(engine, "nurse1").locked_until == NOW + timedelta(minutes=15)
    nurse_id = staff["nurse1"].user_id or 0
    with transaction(engine) as session:
        set_password(
            session=session,
            actor=staff["admin1"],
            user_id=nurse_id,
            password=NEW_PASSWORD,
            now=NOW,
        )
    stored = _user(engine, "nurse1")
    assert (stored.failed_logins, stored.locked_until) == (0, None)
    assert stored.password_hash.startswith("$argon2")
    assert not _signs_in(engine, "nurse1", OLD_PASSWORD)
    assert _signs_in(engine, "nurse1", NEW_PASSWORD)  # at NOW: inside the old lock's 15 minutes
    with Session(engine) as session:
        (event,) = _audit(session, "user.password")
    assert (event.user_id, event.actor, event.entity, event.entity_id, event.at) == (
        staff["admin1"].user_id,
        "admin1",
        "app_user",
        nurse_id,
        NOW,
    )
    assert event.before is not None and event.after is not None
    assert event.before["locked_until"] == (NOW + timedelta(minutes=15)).isoformat()
    assert (event.after["locked_until"], event.after["failed_logins"]) == (None, 0)
    trail = json.dumps([event.before, event.after])
    for secret in ("password", NEW_PASSWORD, OLD_PASSWORD, "$argon2", stored.password_hash):
        assert secret not in trail


@pytest.mark.parametrize("who", ["nurse1", "doctor1"])
def test_only_admins_reset_passwords_and_change_roles(
    engine: Engine, staff: dict[str, Actor], who: str
) -> None:
    target = staff["nurse2"].user_id or 0
    before = _user(engine, "nurse2")
    with transaction(engine) as session, pytest.raises(PermissionDenied, match=r"needs the role"):
        set_password(
            session=session, actor=staff[who], user_id=target, password=NEW_PASSWORD, now=NOW
        )
    with transaction(engine) as session, pytest.raises(PermissionDenied, match=r"needs the role"):
        set_role(session=session, actor=staff[who], user_id=target, role="admin", now=NOW)
    after = _user(engine, "nurse2")
    assert (after.password_hash, after.role) == (before.password_hash, "nurse")
    with Session(engine) as session:
        assert _audit(session, "user.password") == _audit(session, "user.role") == []


def test_a_weak_password_or_unknown_user_is_refused_at_its_field_and_nothing_written(
    engine: Engine, staff: dict[str, Actor]
) -> None:
    before = _user(engine, "nurse1").password_hash
    nurse1 = staff["nurse1"].user_id or 0
    for user_id, password, error in (
        (nurse1, "nine char", "password: use at least 10 characters"),
        (nurse1, "", "password: use at least 10 characters"),
        (9999, NEW_PASSWORD, "user: no user 9999"),
    ):
        with pytest.raises(FieldError) as caught, transaction(engine) as session:
            set_password(
                session=session,
                actor=staff["admin1"],
                user_id=user_id,
                password=password,
                now=NOW,
            )
        assert str(caught.value) == error
    assert _user(engine, "nurse1").password_hash == before
    assert _signs_in(engine, "nurse1", OLD_PASSWORD)
    with Session(engine) as session:
        assert _audit(session, "user.password") == []


def test_a_role_change_is_audited_with_the_roles_before_and_after(
    engine: Engine, staff: dict[str, Actor]
) -> None:
    nurse2 = staff["nurse2"].user_id or 0
    with transaction(engine) as session:
        changed = set_role(
            session=session, actor=staff["admin1"], user_id=nurse2, role="physician", now=NOW
        )
        assert changed.role == "physician"
    with transaction(engine) as session:  # the role it already has: nothing to record
        set_role(session=session, actor=staff["admin1"], user_id=nurse2, role="physician", now=NOW)
    with pytest.raises(FieldError) as caught, transaction(engine) as session:
        set_role(session=session, actor=staff["admin1"], user_id=nurse2, role="surgeon", now=NOW)
    assert caught.value.field == "role" and "nurse, physician, admin" in caught.value.message
    assert _user(engine, "nurse2").role == "physician"
    with Session(engine) as session:
        (event,) = _audit(session, "user.role")
    assert (event.user_id, event.entity, event.entity_id, event.at) == (
        staff["admin1"].user_id,
        "app_user",
        nurse2,
        NOW,
    )
    assert (event.before, event.after) == ({"role": "nurse"}, {"role": "physician"})


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    engine: Engine, staff: dict[str, Actor]
) -> None:
    admin1 = staff["admin1"]
    me = admin1.user_id or 0

    def refused(actor: Actor, change: str, user_id: int = me) -> FieldError:
        with pytest.raises(FieldError) as caught, transaction(engine) as session:
            if change == "deactivate":
                set_active(session=session, actor=actor, user_id=user_id, active=False)
            else:
                set_role(session=session, actor=actor, user_id=user_id, role=change, now=NOW)
        return caught.value

    mine = refused(admin1, "nurse")
    assert mine.field == "role"
    assert mine.message == "you are the last active admin; make another user an admin first"
    assert refused(admin1, "deactivate").field == "active"
    by_the_console = refused(SYSTEM, "physician")
    assert by_the_console.message.startswith("admin1 is the last active admin")

    admin2 = _add_admin(engine, "admin2")  # a deactivated admin does not count
    with transaction(engine) as session:
        set_active(session=session, actor=admin1, user_id=admin2.user_id or 0, active=False)
    refused(admin1, "nurse")
    assert _active_admins(engine) == ["admin1"]
    with Session(engine) as session:
        assert _audit(session, "user.role") == []
        assert len(_audit(session, "user.deactivate")) == 1  # admin2's only

    with transaction(engine) as session:
        set_active(session=session, actor=admin1, user_id=admin2.user_id or 0, active=True)
    with transaction(engine) as session:  # with another admin, admin1 may step down
        set_role(session=session, actor=admin1, user_id=me, role="physician", now=NOW)
    assert _active_admins(engine) == ["admin2"]
    assert refused(admin2, "deactivate", admin2.user_id or 0).message.startswith("you are the")
    assert refused(admin1, "nurse", admin2.user_id or 0).message.startswith("admin2 is the")
    assert _active_admins(engine) == ["admin2"]


def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    engine: Engine, staff: dict[str, Actor]
) -> None:
    """The second change waits for the first (PostgreSQL: the admins' rows are locked; SQLite:
    one writer), then sees it and is refused."""
    admin1, admin2 = staff["admin1"], _add_admin(engine, "admin2")
    outcome: list[object] = []

    def second() -> None:
        try:
            with transaction(engine) as session:
                set_role(
                    session=session,
                    actor=admin2,
                    user_id=admin1.user_id or 0,
                    role="nurse",
                    now=NOW,
                )
            outcome.append("demoted")
        except FieldError as exc:
            outcome.append(exc)

    with transaction(engine) as first:
        set_role(session=first, actor=admin1, user_id=admin2.user_id or 0, role="nurse", now=NOW)
        racer = threading.Thread(target=second)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive(), "the second change did not wait for the first"
    racer.join(timeout=15)
    assert not racer.is_alive()
    (result,) = outcome
    assert isinstance(result, FieldError) and result.field == "role"
    assert result.message.startswith("admin1 is the last active admin")
    assert _active_admins(engine) == ["admin1"]


# --- the `taperwatch user` commands ------------------------------------------------------------


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TAPERWATCH_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("TAPERWATCH_DEMO", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    dispose_engines()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _typed(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    """A terminal where getpass returns ``answers`` in turn; the prompts shown are returned."""
    prompts: list[str] = []
    replies = iter(answers)

    def getpass(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return next(replies)

    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("getpass.getpass", getpass)
    return prompts


def test_user_passwd_asks_twice_and_sets_the_password(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts = _typed(monkeypatch, NEW_PASSWORD, NEW_PASSWORD)
    assert main(["user", "passwd", "Nurse1"]) == 0
    assert prompts == ["Password: ", "Again: "]
    assert capsys.readouterr().out == "password set for nurse1; any sign-in lockout is lifted\n"
    assert _signs_in(engine, "nurse1", NEW_PASSWORD)
    with Session(engine) as session:
        (event,) = _audit(session, "user.password")
    assert (event.actor, event.user_id, event.entity_id) == ("cli", None, staff["nurse1"].user_id)


def test_user_passwd_reads_a_line_of_stdin_when_it_is_not_a_terminal(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert main(["user", "passwd", "nurse1"]) == 0
    assert _signs_in(engine, "nurse1", NEW_PASSWORD)


def test_user_passwd_refusals_are_one_line_and_write_nothing(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    prompts = _typed(monkeypatch, NEW_PASSWORD, NEW_PASSWORD + "x", "short", "short")
    assert main(["user", "passwd", "nurse1"]) == 2
    assert capsys.readouterr().err == "taperwatch: error: the passwords differ\n"
    assert main(["user", "passwd", "nurse1"]) == 2
    assert capsys.readouterr().err == ("taperwatch: error: password: use at least 10 characters\n")
    assert main(["user", "passwd", "ghost"]) == 2
    assert capsys.readouterr().err == "taperwatch: error: no user 'ghost'\n"
    assert len(prompts) == 4  # nobody is asked for a password for a user that does not exist
    assert _signs_in(engine, "nurse1", OLD_PASSWORD)
    with Session(engine) as session:
        assert _audit(session, "user.password") == []


def test_user_role_changes_a_role_and_refuses_what_the_domain_refuses(
    cli: None,
    engine: Engine,
    staff: dict[str, Actor],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["user", "role", "nurse2", "physician"]) == 0
    assert capsys.readouterr().out == "nurse2 is now physician\n"
    assert _user(engine, "nurse2").role == "physician"
    for argv, error in (
        (
            ["admin1", "nurse"],
            "role: admin1 is the last active admin; make another user an admin first",
        ),
        (["nurse1", "surgeon"], "role: unknown role 'surgeon'; use one of nurse, physician, admin"),
        (["ghost", "nurse"], "no user 'ghost'"),
    ):
        assert main(["user", "role", *argv]) == 2
        assert capsys.readouterr().err == f"taperwatch: error: {error}\n"
    assert _active_admins(engine) == ["admin1"]
    assert _user(engine, "nurse1").role == "nurse"
    with Session(engine) as session:
        (event,) = _audit(session, "user.role")
    assert (event.actor, event.before, event.after) == (
        "cli",
        {"role": "nurse"},
        {"role": "physician"},
    )
