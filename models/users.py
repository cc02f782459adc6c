"""Users, password hashes (argon2) and sign-in with lockout after repeated failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from models.audit import Actor, audited_insert, record_audit, snapshot
from models.errors import FieldError
from models.tables import ROLES, User

_hasher = PasswordHasher()

MIN_PASSWORD_LENGTH = 10
# Local policy (no clinical source): lock an account for 15 minutes after 5 failed sign-ins.
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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
    if role not in ROLES:
        raise FieldError("role", f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", f"use at least {MIN_PASSWORD_LENGTH} characters")
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


def set_active(*, session: Session, actor: Actor, user_id: int, active: bool) -> User:
    actor.require("admin")
    user = session.get(User, user_id)
    if user is None:
        raise FieldError("user", f"no user {user_id}")
    before = snapshot(user)
    user.active = active
    session.add(user)
    session.flush()
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
