"""Signed-in sessions: a token per browser (only its hash stored), ended on sign-out, on an
account change or for want of activity (the idle lock), and forgotten once long ended."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col, func, select

from models.audit import Actor, audit_event
from models.tables import UserSession


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(*, session: Session, user_id: int, now: datetime) -> str:
    """A new signed-in session of ``user_id``: the token for its cookie (only its hash is
    stored)."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user_id, token_hash=token_hash(token), created_at=now))
    return token


def end_session(*, session: Session, token: str, now: datetime, reason: str = "sign-out") -> bool:
    """End the session of ``token`` (signing out); False if it had already ended."""
    result = session.execute(
        update(UserSession)
        .where(
            col(UserSession.token_hash) == token_hash(token),
            col(UserSession.ended_at).is_(None),
        )
        .values(ended_at=now, ended_reason=reason)
    )
    return bool(getattr(result, "rowcount", 0))


def end_user_sessions(*, session: Session, user_id: int, now: datetime, reason: str) -> int:
    """End every open session of ``user_id``; how many there were."""
    result = session.execute(
        update(UserSession)
        .where(col(UserSession.user_id) == user_id, col(UserSession.ended_at).is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- idle lock -------------------------------------------------------------------------------

DEFAULT_IDLE_LOCK_MIN = 15  # Ward.idle_lock_min's default (local policy)
# A session's last activity is written at most once a minute (one UPDATE), or four times per
# idle time when that is shorter, so a session in use is never taken for idle. The lock may
# therefore come up to that much before the idle time has passed, never after.
ACTIVITY_WRITE_S = 60


def activity_write_every(idle: timedelta) -> timedelta:
    return min(timedelta(seconds=ACTIVITY_WRITE_S), idle / 4)


def idle_remaining(
    *, created_at: datetime, last_active_at: datetime | None, idle: timedelta, now: datetime
) -> timedelta:
    """How long until a session last active then locks (zero or less: it is idle)."""
    return (last_active_at or created_at) + idle - now


def note_activity(*, session: Session, token: str, idle: timedelta, now: datetime) -> bool:
    """Someone used the page of ``token``'s session: move its last activity to ``now``, unless
    it was written less than :func:`activity_write_every` ago. An ended or already idle session
    is not revived. True if written."""
    last = func.coalesce(UserSession.last_active_at, UserSession.created_at)
    result = session.execute(
        update(UserSession)
        .where(
            col(UserSession.token_hash) == token_hash(token),
            col(UserSession.ended_at).is_(None),
            last <= now - activity_write_every(idle),
            last > now - idle,
        )
        .values(last_active_at=now)
    )
    return bool(getattr(result, "rowcount", 0))


def lock_idle_session(*, session: Session, actor: Actor, token: str, now: datetime) -> bool:
    """End ``token``'s session for want of activity (the page locks; its user signs in again to
    carry on). Audited as ``session.lock``, without patient data; False if it had ended."""
    if not end_session(session=session, token=token, now=now, reason="idle"):
        return False
    audit_event(
        session,
        actor=actor,
        action="session.lock",
        entity="app_user",
        entity_id=actor.user_id,
        after={"reason": "idle"},
        at=now,
    )
    return True


def session_user_id(session: Session, token: str) -> int | None:
    """The user whose session ``token`` was, ended or not."""
    return session.exec(
        select(UserSession.user_id).where(UserSession.token_hash == token_hash(token))
    ).first()


def record_unlock(*, session: Session, actor: Actor, same_user: bool, now: datetime) -> None:
    """A locked page was signed in again: by its own user (who carries on), or by another (whose
    own page starts afresh)."""
    audit_event(
        session,
        actor=actor,
        action="session.unlock",
        entity="app_user",
        entity_id=actor.user_id,
        after={"same_user": same_user},
        at=now,
    )


def forget_ended_sessions(*, session: Session, before: datetime) -> int:
    """Delete sessions that ended before ``before`` (housekeeping; no audit value)."""
    result = session.execute(delete(UserSession).where(col(UserSession.ended_at) < before))
    return int(getattr(result, "rowcount", 0) or 0)
