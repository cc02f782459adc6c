"""Sessions kept on the server: idle activity written at most once a minute, the idle lock
ending a session once (audited, no patient data), and the purge of long-ended sessions. On
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.db import transaction
from models.tables import AuditEvent, UserSession
from models.user_sessions import (
    ACTIVITY_WRITE_S,
    activity_write_every,
    end_session,
    forget_ended_sessions,
    idle_remaining,
    lock_idle_session,
    note_activity,
    start_session,
    token_hash,
)
from tests.conftest import NOW
from tests.factories import make_staff

IDLE = timedelta(minutes=15)


def _note(engine: Engine, token: str, at: datetime, idle: timedelta = IDLE) -> bool:
    with transaction(engine) as session:
        return note_activity(session=session, token=token, idle=idle, now=at)


def _row(engine: Engine, token: str) -> UserSession:
    with Session(engine) as session:
        return session.exec(
            select(UserSession).where(UserSession.token_hash == token_hash(token))
        ).one()


def _new_session(engine: Engine) -> tuple[str, int]:
    with transaction(engine) as session:
        user_id = make_staff(session)["nurse1"].user_id
        assert user_id is not None
        token = start_session(session=session, user_id=user_id, now=NOW)
    return token, user_id


def test_activity_is_written_at_most_once_a_minute_and_never_revives_an_idle_session(
    engine: Engine,
) -> None:
    token, _ = _new_session(engine)
    assert activity_write_every(IDLE) == timedelta(seconds=ACTIVITY_WRITE_S)
    with transaction(engine) as session:  # 30 s after sign-in: too soon to write again
        assert not note_activity(
            session=session, token=token, idle=IDLE, now=NOW + timedelta(seconds=30)
        )
    assert _row(engine, token).last_active_at is None
    later = NOW + timedelta(seconds=ACTIVITY_WRITE_S + 1)
    assert _note(engine, token, later)
    assert _row(engine, token).last_active_at == later
    with transaction(engine) as session:  # 20 s after that write: not written
        assert not note_activity(
            session=session, token=token, idle=IDLE, now=later + timedelta(seconds=20)
        )
    assert _row(engine, token).last_active_at == later
    # Idle for longer than the ward's time: activity no longer counts (the page must sign in).
    too_late = later + IDLE + timedelta(seconds=1)
    assert not _note(engine, token, too_late)
    assert _row(engine, token).last_active_at == later


def test_a_short_idle_time_writes_activity_often_enough_not_to_lock_a_page_in_use(
    engine: Engine,
) -> None:
    idle = timedelta(minutes=1)
    assert activity_write_every(idle) == timedelta(seconds=15)
    token, _ = _new_session(engine)
    now = NOW
    for _ in range(12):  # three minutes of use, a request every 15 s
        now += timedelta(seconds=15)
        row = _row(engine, token)
        left = idle_remaining(
            created_at=row.created_at, last_active_at=row.last_active_at, idle=idle, now=now
        )
        assert left > timedelta(0), f"locked while in use at {now - NOW}"
        _note(engine, token, now, idle)


def test_an_ended_session_is_not_revived_by_activity(engine: Engine) -> None:
    token, _ = _new_session(engine)
    with transaction(engine) as session:
        assert end_session(session=session, token=token, now=NOW + timedelta(seconds=5))
    with transaction(engine) as session:
        assert not note_activity(
            session=session, token=token, idle=IDLE, now=NOW + timedelta(minutes=2)
        )
    assert _row(engine, token).last_active_at is None


def test_the_idle_lock_ends_the_session_once_and_is_audited_without_patient_data(
    engine: Engine,
) -> None:
    token, user_id = _new_session(engine)
    actor = Actor(user_id, "nurse1", "nurse")
    at = NOW + IDLE + timedelta(seconds=1)
    with transaction(engine) as session:
        assert lock_idle_session(session=session, actor=actor, token=token, now=at)
    with transaction(engine) as session:
        assert not lock_idle_session(session=session, actor=actor, token=token, now=at)
    row = _row(engine, token)
    assert (row.ended_at, row.ended_reason) == (at, "idle")
    with Session(engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "session.lock")).all()
    assert len(events) == 1
    [event] = events
    assert (event.user_id, event.entity, event.entity_id) == (user_id, "app_user", user_id)
    assert event.after == {"reason": "idle"} and event.before is None
    assert event.at == at


def test_forgetting_ended_sessions_deletes_only_those_ended_before_the_cutoff(
    engine: Engine,
) -> None:
    with transaction(engine) as session:
        user_id = make_staff(session)["nurse1"].user_id
        assert user_id is not None
        tokens = {
            name: start_session(session=session, user_id=user_id, now=NOW - timedelta(days=60))
            for name in ("ended long ago", "ended lately", "still open")
        }
    with transaction(engine) as session:
        end_session(session=session, token=tokens["ended long ago"], now=NOW - timedelta(days=31))
        end_session(session=session, token=tokens["ended lately"], now=NOW - timedelta(days=29))
    with transaction(engine) as session:
        assert forget_ended_sessions(session=session, before=NOW - timedelta(days=30)) == 1
    with Session(engine) as session:
        left = session.exec(select(UserSession).order_by(col(UserSession.id))).all()
    assert {row.token_hash for row in left} == {
        token_hash(tokens["ended lately"]),
        token_hash(tokens["still open"]),
    }
