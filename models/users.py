"""Users, password hashes (argon2), sign-in with lockout after repeated failures, and the admin's
account changes (password reset, role, deactivation), which never leave the ward without an
active admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from models.audit import (
    Actor,
    audit_account_change,
    audit_event,
    insert_audited,
    snapshot,
    update_audited,
)
from models.errors import FieldError
from models.i18n import N_, check_language
from models.tables import ROLES, SignInLock, User
from models.types import utcnow
from models.user_sessions import end_user_sessions
from models.ward_policy import new_account_language

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
# Local policy (no clinical source). Five failed sign-ins to one account from one address
# within 15 minutes lock that pair for 15 minutes: the same account from another computer, and
# other accounts from this one, are not locked, so nobody can lock a colleague out. Five
# failures from anywhere slow the account down for 15 minutes: each attempt then waits
# SLOW_DOWN_S before its answer (a guesser spread over many addresses gets a few guesses a
# minute; the right person still signs in).
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
SLOW_DOWN_S = 2.0
ADDRESS_MAX = 64


ADMIN_ROLE = "admin"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError(
            "password", N_("use at least {least} characters"), values={"least": MIN_PASSWORD_LENGTH}
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise FieldError(
            "role",
            N_("unknown role {role}; use one of {roles}"),
            values={"role": repr(role), "roles": ", ".join(ROLES)},
        )


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise FieldError("user", N_("no user {user}"), values={"user": user_id})
    return user


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    password: str,
    language: str | None = None,
) -> User:
    """A new local account, speaking ``language`` (None: the ward's default language)."""
    actor.require("admin", "system")
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").isalnum():
        raise FieldError("username", N_("use letters, digits, dots and dashes only"))
    _check_role(role)
    _check_password(password)
    language = new_account_language(session) if language is None else check_language(language)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise FieldError("username", N_("{username} is taken"), values={"username": repr(username)})
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=hash_password(password),
        language=language,
    )
    insert_audited(session, actor=actor, action="user.create", record=user)
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class SignInAttempt:
    """What a sign-in found: the user (None when refused, whatever the reason) and whether the
    account is slowed down (the caller then waits SLOW_DOWN_S before answering)."""

    user: User | None
    slowed: bool = False


def sign_in(
    *, session: Session, username: str, password: str, address: str, now: datetime
) -> SignInAttempt:
    """Check credentials from ``address``. Every refusal costs one password hash check, the
    same as a wrong password, so the time taken does not tell an unknown, inactive or locked
    account from a real one."""
    address = (address or "unknown")[:ADDRESS_MAX]
    name = username.strip().lower()
    user = None
    if "\x00" not in name and len(name) <= 64:  # no stored username could match otherwise
        user = session.exec(select(User).where(User.username == name)).first()
    if user is None or not user.active or user.id is None:
        _verify(_dummy_hash(), password)
        return SignInAttempt(None)
    slowed = user.locked_until is not None and user.locked_until > now
    pair = session.exec(
        select(SignInLock).where(SignInLock.user_id == user.id, SignInLock.address == address)
    ).first()
    if pair is not None and pair.locked_until is not None and pair.locked_until > now:
        _verify(_dummy_hash(), password)
        return SignInAttempt(None, slowed)
    if not _verify(user.password_hash, password):
        _count_failure(session, user, pair, address, now)
        return SignInAttempt(None, slowed)
    if pair is not None:
        session.delete(pair)
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return SignInAttempt(user, slowed)


def _count_failure(
    session: Session, user: User, pair: SignInLock | None, address: str, now: datetime
) -> None:
    if pair is None:
        pair = SignInLock(user_id=user.id or 0, address=address, failures=0, last_failure_at=now)
    elif pair.last_failure_at <= now - LOCKOUT:
        pair.failures = 0  # old failures are forgotten
    pair.failures += 1
    pair.last_failure_at = now
    if pair.failures >= MAX_FAILED_LOGINS:
        pair.failures = 0
        pair.locked_until = now + LOCKOUT
        audit_event(
            session,
            actor=Actor(user.id, user.username, user.role),
            action="user.locked",
            entity="app_user",
            entity_id=user.id,
            after={"address": address, "locked_until": pair.locked_until.isoformat()},
        )
    session.add(pair)
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.failed_logins = 0
        user.locked_until = now + LOCKOUT  # slowed down, not locked (see SLOW_DOWN_S)
    session.add(user)


def authenticate(
    *, session: Session, username: str, password: str, now: datetime, address: str = "unknown"
) -> User | None:
    """The active user with these credentials, or None (see :func:`sign_in`)."""
    return sign_in(
        session=session, username=username, password=password, address=address, now=now
    ).user


def unlock(*, session: Session, actor: Actor, user_id: int, now: datetime) -> User:
    """An admin lifts every sign-in lock and the slow-down of an account."""
    actor.require(ADMIN_ROLE)
    user = _get_user(session, user_id)
    before = snapshot(user)
    locks = session.exec(select(SignInLock).where(SignInLock.user_id == user_id)).all()
    for lock in locks:
        session.delete(lock)
    user.failed_logins = 0
    user.locked_until = None
    update_audited(
        session,
        actor=actor,
        action="user.unlock",
        record=user,
        before=before,
        noted={"locks_lifted": len(locks)},
        at=now,
    )
    return user


def is_locked_somewhere(session: Session, user_id: int, now: datetime) -> bool:
    found = session.exec(
        select(SignInLock.id).where(
            SignInLock.user_id == user_id, col(SignInLock.locked_until) > now
        )
    ).first()
    return found is not None


def sign_out_everywhere(*, session: Session, actor: Actor, user_id: int, now: datetime) -> int:
    """An admin (or the user themself) ends every session of ``user_id``, on every computer."""
    if actor.user_id != user_id:
        actor.require(ADMIN_ROLE)
    user = _get_user(session, user_id)
    ended = end_user_sessions(session=session, user_id=user_id, now=now, reason="everywhere")
    audit_event(
        session,
        actor=actor,
        action="user.sign_out_everywhere",
        entity="app_user",
        entity_id=user.id,
        after={"sessions_ended": ended},
        at=now,
    )
    return ended


def set_password(
    *, session: Session, actor: Actor, user_id: int, password: str, now: datetime
) -> User:
    """An admin sets a new password (a forgotten one, or a locked account); it also lifts any
    sign-in lockout. The audit event is dated ``now`` and, like every snapshot, has no hash."""
    actor.require(ADMIN_ROLE, "system")
    _check_password(password)
    user = _get_user(session, user_id)
    before = snapshot(user)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    for lock in session.exec(select(SignInLock).where(SignInLock.user_id == user_id)).all():
        session.delete(lock)
    end_user_sessions(session=session, user_id=user_id, now=now, reason="password reset")
    session.flush()
    update_audited(
        session,
        actor=actor,
        action="user.password",
        record=user,
        before=before,
        at=now,
    )
    return user


def set_role(*, session: Session, actor: Actor, user_id: int, role: str, now: datetime) -> User:
    """Change a user's role (it applies from their next request); the last active admin keeps
    theirs. Setting the role a user already has writes nothing."""
    actor.require(ADMIN_ROLE, "system")
    _check_role(role)
    _lock_active_admins(session)
    user = _get_user(session, user_id)
    return _change_account_field(
        session, actor=actor, user=user, field="role", value=role, now=now, keep_an_admin=True
    )


def set_language(
    *, session: Session, actor: Actor, user_id: int, language: str, now: datetime
) -> User:
    """Choose the language the app speaks to ``user_id`` (models.i18n): users choose their own,
    an admin (or the console) may set anyone's. It applies from their next page. Setting the
    language a user already has writes nothing."""
    if actor.user_id != user_id:
        actor.require(ADMIN_ROLE, "system")
    language = check_language(language)
    user = _get_user(session, user_id)
    return _change_account_field(
        session, actor=actor, user=user, field="language", value=language, now=now
    )


def _change_account_field(
    session: Session,
    *,
    actor: Actor,
    user: User,
    field: str,
    value: str,
    now: datetime,
    keep_an_admin: bool = False,
) -> User:
    """Set one field of an account (role, language), audited as an account change; the same
    value writes nothing. ``keep_an_admin``: refuse a change that leaves no active admin."""
    previous = getattr(user, field)
    if previous == value:
        return user
    setattr(user, field, value)
    session.add(user)
    session.flush()
    if keep_an_admin:
        _keep_an_active_admin(session, actor, user, field=field)
    audit_account_change(
        session, actor=actor, user_id=user.id, field=field, before=previous, after=value, now=now
    )
    return user


def set_active(
    *, session: Session, actor: Actor, user_id: int, active: bool, now: datetime | None = None
) -> User:
    """Deactivate or reactivate an account. Either way every session it had ends: a
    reactivated account signs in afresh, its old cookies stay dead."""
    actor.require(ADMIN_ROLE)
    _lock_active_admins(session)
    user = _get_user(session, user_id)
    before = snapshot(user)
    user.active = active
    session.add(user)
    reason = "reactivated" if active else "deactivated"
    end_user_sessions(session=session, user_id=user_id, now=now or utcnow(), reason=reason)
    session.flush()
    if not active:
        _keep_an_active_admin(session, actor, user, field="active")
    update_audited(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        record=user,
        before=before,
    )
    return user


def _lock_active_admins(session: Session) -> None:
    """PostgreSQL: hold the active admins' rows until commit, so two admins demoting each other
    at once are taken one after the other and the second sees the first's change. (SQLite
    takes one writer at a time; :func:`_keep_an_active_admin` counts after this write.)"""
    session.exec(
        select(User.id).where(User.role == ADMIN_ROLE, col(User.active)).with_for_update()
    ).all()


def _keep_an_active_admin(session: Session, actor: Actor, user: User, *, field: str) -> None:
    """Refuse a change, already flushed, that left no active admin (the caller's transaction
    rolls back): nobody could then manage accounts or the ward's policy from the app."""
    count = select(func.count()).select_from(User)
    if session.exec(count.where(User.role == ADMIN_ROLE, col(User.active))).one():
        return
    if user.id == actor.user_id:
        raise FieldError(
            field, N_("you are the last active admin; make another user an admin first")
        )
    raise FieldError(
        field,
        N_("{username} is the last active admin; make another user an admin first"),
        values={"username": user.username},
    )
