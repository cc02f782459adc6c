"""Staff actions on flags: role-checked, validated, audited, and safe against the scanner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from models.audit import Actor
from models.db import transaction
from models.errors import ConflictError, FieldError, PermissionDenied
from models.flags import acknowledge_flag, resolve_flag
from models.tables import Admission, AuditEvent, Flag, Patient, Ward

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def flag_id(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> int:
    with transaction(engine) as session:
        patient = Patient(
            mrn="F1",
            family_name="Flag",
            given_name="Fiona",
            birth_date=datetime(1980, 1, 1).date(),
            sex="female",
        )
        session.add(patient)
        session.flush()
        admission = Admission(
            patient_id=patient.id or 0,
            ward_id=ward.id or 0,
            bed="B1",
            admitted_at=T0 - timedelta(days=1),
            attending_id=staff["doctor1"].user_id or 0,
            baseline_drug="clonazepam",
            baseline_daily_ug=1000,
        )
        session.add(admission)
        session.flush()
        flag = Flag(
            admission_id=admission.id or 0,
            rule="news2",
            subject="admission",
            severity="high",
            message="NEWS2 5",
            raised_at=T0,
            updated_at=T0,
        )
        session.add(flag)
        session.flush()
        assert flag.id is not None
        return flag.id


def _flag(engine: Engine, flag_id: int) -> Flag:
    with Session(engine) as session:
        flag = session.get(Flag, flag_id)
        assert flag is not None
        return flag


def test_acknowledge_with_or_without_a_note_is_audited(
    engine: Engine, staff: dict[str, Actor], flag_id: int
) -> None:
    with transaction(engine) as session:
        acknowledge_flag(
            session=session,
            actor=staff["nurse1"],
            flag_id=flag_id,
            note="  ",
            now=T0 + timedelta(minutes=5),
        )
    flag = _flag(engine, flag_id)
    assert flag.status == "acknowledged" and flag.acknowledge_note is None
    assert flag.acknowledged_by == staff["nurse1"].user_id
    assert flag.acknowledged_at == T0 + timedelta(minutes=5)
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.entity == "flag")).all()
    assert event.action == "flag.acknowledge" and event.user_id == staff["nurse1"].user_id
    assert event.before and event.before["status"] == "open"
    assert event.after and event.after["status"] == "acknowledged"


def test_resolve_needs_a_note(engine: Engine, staff: dict[str, Actor], flag_id: int) -> None:
    with transaction(engine) as session, pytest.raises(FieldError) as refused:
        resolve_flag(session=session, actor=staff["nurse1"], flag_id=flag_id, note=" ", now=T0)
    assert refused.value.field == "note"
    assert _flag(engine, flag_id).status == "open"
    with transaction(engine) as session:
        resolve_flag(
            session=session,
            actor=staff["doctor1"],
            flag_id=flag_id,
            note="Seen; obs hourly",
            now=T0 + timedelta(minutes=9),
        )
    flag = _flag(engine, flag_id)
    assert (flag.status, flag.resolve_note, flag.resolved_by) == (
        "resolved",
        "Seen; obs hourly",
        staff["doctor1"].user_id,
    )


def test_an_acknowledged_flag_can_be_resolved_but_not_acknowledged_again(
    engine: Engine, staff: dict[str, Actor], flag_id: int
) -> None:
    with transaction(engine) as session:
        acknowledge_flag(
            session=session, actor=staff["nurse1"], flag_id=flag_id, note="on it", now=T0
        )
    with transaction(engine) as session, pytest.raises(ConflictError, match="Nurse1"):
        acknowledge_flag(session=session, actor=staff["nurse2"], flag_id=flag_id, note=None, now=T0)
    with transaction(engine) as session:
        resolve_flag(session=session, actor=staff["nurse2"], flag_id=flag_id, note="done", now=T0)
    with transaction(engine) as session, pytest.raises(ConflictError, match="already resolved"):
        resolve_flag(
            session=session, actor=staff["nurse1"], flag_id=flag_id, note="done too", now=T0
        )


def test_only_clinical_staff_act_on_flags(
    engine: Engine, staff: dict[str, Actor], flag_id: int
) -> None:
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        resolve_flag(session=session, actor=staff["admin1"], flag_id=flag_id, note="x", now=T0)
    assert _flag(engine, flag_id).status == "open"


def test_a_change_made_meanwhile_is_not_overwritten(
    engine: Engine, staff: dict[str, Actor], flag_id: int
) -> None:
    """A session that read the flag before the scanner changed it then tries to acknowledge
    it. PostgreSQL: the version check refuses it. SQLite: the session's read snapshot is older
    than the last commit, so SQLite refuses the write itself ("database is locked"); the app
    never meets this there, since its writing transactions take the lock before reading."""
    postgresql = engine.dialect.name == "postgresql"
    refused: type[Exception] = ConflictError if postgresql else OperationalError
    with Session(engine) as session:
        stale = session.get(Flag, flag_id)
        assert stale is not None
        # The scanner escalates the flag after the nurse's screen read it.
        with transaction(engine) as other:
            fresh = other.get(Flag, flag_id)
            assert fresh is not None
            fresh.severity, fresh.updated_at = "emergency", T0 + timedelta(minutes=1)
            other.add(fresh)
        with pytest.raises(refused, match="changed" if postgresql else "locked"):
            acknowledge_flag(
                session=session,
                actor=staff["nurse1"],
                flag_id=flag_id,
                note=None,
                now=T0 + timedelta(minutes=2),
            )
    flag = _flag(engine, flag_id)
    assert (flag.status, flag.severity) == ("open", "emergency")


def test_unknown_flag_and_long_note_are_refused_at_the_field(
    engine: Engine, staff: dict[str, Actor], flag_id: int
) -> None:
    with transaction(engine) as session, pytest.raises(FieldError) as unknown:
        resolve_flag(session=session, actor=staff["nurse1"], flag_id=999_999, note="x", now=T0)
    assert unknown.value.field == "flag"
    with transaction(engine) as session, pytest.raises(FieldError) as long_note:
        resolve_flag(
            session=session, actor=staff["nurse1"], flag_id=flag_id, note="x" * 1001, now=T0
        )
    assert long_note.value.field == "note"
