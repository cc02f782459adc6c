"""Accounts of the hospital's identity provider (OpenID Connect, dashboard/oidc.py). The
provider says who someone is (issuer and subject, which never change) and which groups they
are in; the ward's configuration maps groups to roles. Each sign-in finds the account by
(issuer, subject), or makes it, and brings its role in line with the groups, audited."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models.audit import Actor, audit_account_change, audit_event, insert_audited
from models.i18n import N_
from models.tables import User
from models.users import ADMIN_ROLE
from models.ward_policy import new_account_language

# Who writes an account the provider made or changed: the sign-in itself.
PROVIDER_ACTOR = Actor(user_id=None, username="system:hospital-sign-in", role="system")
# An account of the provider has no password of ours: not an argon2 hash, so none matches.
NO_PASSWORD = "!hospital-sign-in"
_NOT_IN_USERNAME = re.compile(r"[^a-z0-9.-]+")


@dataclass(frozen=True)
class ProviderSignIn:
    """The account signed in, or None and why not (a message for the person signing in: an
    English source string marked ``N_``, which the sign-in page shows in their language)."""

    user: User | None
    refusal: str = ""


def role_for_groups(groups: object, role_map: Iterable[tuple[str, str]]) -> str | None:
    """The role of the first mapped group (in the map's order) the person is in; None if none.
    ``groups`` is the claim as the provider sent it: a list of names, or one name."""
    names = {groups} if isinstance(groups, str) else groups
    if not isinstance(names, list | tuple | set):
        return None
    held = {name for name in names if isinstance(name, str)}
    return next((role for group, role in role_map if group in held), None)


def _free_username(session: Session, hint: str) -> str:
    base = _NOT_IN_USERNAME.sub("-", hint.lower().split("@")[0]).strip(".-")[:56] or "user"
    name, n = base, 1
    while session.exec(select(User.id).where(User.username == name)).first() is not None:
        n += 1
        name = f"{base}-{n}"
    return name


def _refuse(
    session: Session, user: User | None, issuer: str, subject: str, reason: str, now: datetime
) -> None:
    audit_event(
        session,
        actor=PROVIDER_ACTOR,
        action="user.sign_in_refused",
        entity="app_user",
        entity_id=user.id if user else None,
        after={"issuer": issuer[:255], "subject": subject[:255], "reason": reason},
        at=now,
    )


def provider_sign_in(
    *,
    session: Session,
    issuer: str,
    subject: str,
    username_hint: str,
    display_name: str,
    role: str | None,
    now: datetime,
    _again: bool = False,
) -> ProviderSignIn:
    """Sign in the provider's (issuer, subject) with the role its groups map to (None: no
    mapped group). Refusals are audited (``user.sign_in_refused``) and write nothing else."""
    if not issuer or not subject or len(issuer) > 255 or len(subject) > 255:
        return ProviderSignIn(None, N_("The hospital sign-in sent no usable identity."))
    user = session.exec(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    ).first()
    if role is None:
        _refuse(session, user, issuer, subject, "no mapped group", now)
        return ProviderSignIn(
            None,
            N_(
                "You are signed in at the hospital, but none of your groups gives a Taperwatch "
                "role. Ask IT to add you to the ward's group."
            ),
        )
    if user is None:
        user = User(
            username=_free_username(session, username_hint),
            display_name=(display_name.strip() or username_hint or subject)[:120],
            role=role,
            password_hash=NO_PASSWORD,
            language=new_account_language(session),
            oidc_issuer=issuer,
            oidc_subject=subject,
        )
        try:
            with session.begin_nested():  # a savepoint: the same person's first sign-in twice
                insert_audited(session, actor=PROVIDER_ACTOR, action="user.create", record=user)
        except IntegrityError:  # at once: the other request made the account; sign in to it
            if _again:
                raise
            if user in session:
                session.expunge(user)
            return provider_sign_in(
                session=session,
                issuer=issuer,
                subject=subject,
                username_hint=username_hint,
                display_name=display_name,
                role=role,
                now=now,
                _again=True,
            )
        return ProviderSignIn(user)
    if not user.active:
        _refuse(session, user, issuer, subject, "deactivated", now)
        return ProviderSignIn(
            None, N_("Your Taperwatch account is deactivated. Ask an admin to reactivate it.")
        )
    if user.role != role:
        if user.role == ADMIN_ROLE and _other_active_admins(session, user) == 0:
            _refuse(session, user, issuer, subject, "last active admin", now)
            return ProviderSignIn(
                None,
                N_(
                    "Your groups no longer make you an admin, but you are the last active admin: "
                    "make another user an admin first."
                ),
            )
        previous, user.role = user.role, role
        session.add(user)
        session.flush()
        audit_account_change(
            session,
            actor=PROVIDER_ACTOR,
            user_id=user.id,
            field="role",
            before=previous,
            after=role,
            now=now,
        )
    return ProviderSignIn(user)


def _other_active_admins(session: Session, user: User) -> int:
    count = select(func.count()).select_from(User)
    return int(
        session.exec(
            count.where(User.role == ADMIN_ROLE, col(User.active), User.id != user.id)
        ).one()
    )
