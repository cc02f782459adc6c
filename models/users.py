"""Users, password hashes (argon2), sign-in with lockout after repeated failures, and the admin's
account changes (password reset, role, deactivation), which never leave the ward without an
active admin."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, func, select

from models.audit import Actor, audited_insert, record_audit, snapshot
from models.errors import FieldError
from models.tables import ROLES, User

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
# Local policy (no clinical source): lock an account for 15 minutes after 5 failed sign-ins.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


ADMIN_ROLE = "admin"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", f"use at least {MIN_PASSWORD_LENGTH} characters")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise FieldError("role", f"unknown role {role!r}; use one of {', '.join(ROLES)}")


def _get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise FieldError("user", f"no user {user_id}")
    return user


def create_user(
    *,
    session: Session,
    actor: Actor,
    username: str,
    display_name: str,
    role: str,
    password: str,
) -> User:
    actor.require("admin", "system")
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").isalnum():
        raise FieldError("username", "use letters, digits, dots and dashes only")
    _check_role(role)
    _check_password(password)
    if session.exec(select(User).where(User.username == username)).first() is not None:
        raise FieldError("username", f"{username!r} is taken")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=hash_password(password),
    )
    audited_insert(session, actor=actor, action="user.create", record=user)
    return user


def authenticate(*, session: Session, username: str, password: str, now: datetime) -> User | None:
    """The active user with these credentials, or None. Failures count towards a lockout;
    a locked account is refused even with the right password until the lock expires."""
    if "\x00" in username:  # no stored username has a NUL (models.storable)
        return None
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.active:
        return None
    if user.locked_until is not None and user.locked_until > now:
        return None
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
            record_audit(
                session,
                actor=Actor(user.id, user.username, user.role),
                action="user.locked",
                entity="app_user",
                entity_id=user.id,
                after={"locked_until": user.locked_until.isoformat()},
            )
        session.add(user)
        return None
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


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
    session.flush()
    event = record_audit(
        session,
        actor=actor,
        action="user.password",
        entity="app_user",
        entity_id=user.id,
        before=before,
        after=snapshot(user),
    )
    event.at = now
    return user


def set_role(*, session: Session, actor: Actor, user_id: int, role: str, now: datetime) -> User:
    """Change a user's role (it applies from their next request); the last active admin keeps
    theirs. Setting the role a user already has writes nothing."""
    actor.require(ADMIN_ROLE, "system")
    _check_role(role)
    _lock_active_admins(session)
    user = _get_user(session, user_id)
    previous = user.role
    if previous == role:
        return user
    user.role = role
    session.add(user)
    session.flush()
    _keep_an_active_admin(session, actor, user, field="role")
    event = record_audit(
        session,
        actor=actor,
        action="user.role",
        entity="app_user",
        entity_id=user.id,
        before={"role": previous},
        after={"role": role},
    )
    event.at = now
    return user


def set_active(*, session: Session, actor: Actor, user_id: int, active: bool) -> User:
    actor.require(ADMIN_ROLE)
    _lock_active_admins(session)
    user = _get_user(session, user_id)
    before = snapshot(user)
    user.active = active
    session.add(user)
    session.flush()
    if not active:
        _keep_an_active_admin(session, actor, user, field="active")
    record_audit(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        entity="app_user",
        entity_id=user.id,
        before=before,
        after=snapshot(user),
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
    who = "you are" if user.id == actor.user_id else f"{user.username} is"
    raise FieldError(field, f"{who} the last active admin; make another user an admin first")
