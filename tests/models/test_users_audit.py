"""Users and the audit trail: every write records who did what, in the same transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import admit
from models.audit import Actor
from models.db import transaction
from models.errors import FieldError, PermissionDenied, ValidationFailed
from models.tables import Admission, AuditEvent, Patient, User, Ward
from models.users import authenticate, create_user, set_active
from tests.conftest import SYSTEM

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _audit(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


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
    args: dict[str, object] = {
        "mrn": "mrn77",
        "family_name": "Doe",
        "given_name": "Jo",
        "birth_date": date(1980, 5, 1),
        "sex": "female",
        "bed": "b3",
        "attending_id": staff["doctor1"].user_id,
        "drug": "clonazepam",
        "daily_ug": 2000,
        "admitted_at": NOW - timedelta(hours=1),
    } | overrides
    return admit(session=session, actor=staff["nurse1"], ward_id=ward.id or 0, now=NOW, **args)  # type: ignore[arg-type]


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
