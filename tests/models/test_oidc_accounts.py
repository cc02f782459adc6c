"""A hospital sign-in's account, made by (issuer, subject): two first sign-ins of one person at
once make one account, and both sign in to it (no server error)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import models.oidc_accounts as oidc_accounts
from models.oidc_accounts import NO_PASSWORD, provider_sign_in
from models.tables import AuditEvent, User

ISSUER = "https://idp.example.org"
NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _sign_in(session: Session, subject: str = "sub-1") -> oidc_accounts.ProviderSignIn:
    return provider_sign_in(
        session=session,
        issuer=ISSUER,
        subject=subject,
        username_hint="a.nurse@example.org",
        display_name="A Nurse",
        role="nurse",
        now=NOW,
    )


def test_a_first_sign_in_makes_one_account(engine: Engine) -> None:
    with Session(engine) as session:
        made = _sign_in(session)
        session.commit()
        assert made.user is not None and made.user.username == "a.nurse"
    with Session(engine) as session:
        again = _sign_in(session)
        assert again.user is not None and again.user.id == made.user.id


def test_the_same_persons_first_sign_in_twice_at_once_signs_in_to_one_account(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other request makes the account between this one's look-up and its insert. Only on
    PostgreSQL: SQLite lets one transaction at a time read-then-write, so the race cannot arise
    there (the other writer waits for the lock)."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises the two sign-ins: no race to test")
    free_username = oidc_accounts._free_username

    def other_request_first(session: Session, hint: str) -> str:
        with Session(engine) as other:
            other.add(
                User(
                    username="made-by-the-other-request",
                    display_name="A Nurse",
                    role="nurse",
                    password_hash=NO_PASSWORD,
                    oidc_issuer=ISSUER,
                    oidc_subject="sub-1",
                )
            )
            other.commit()
        monkeypatch.setattr(oidc_accounts, "_free_username", free_username)
        return free_username(session, hint)

    monkeypatch.setattr(oidc_accounts, "_free_username", other_request_first)
    with Session(engine) as session:
        signed_in = _sign_in(session)
        session.commit()
        assert signed_in.user is not None
        assert signed_in.user.username == "made-by-the-other-request"
    with Session(engine) as session:
        users = session.exec(select(User).where(col(User.oidc_subject) == "sub-1")).all()
        assert len(users) == 1
        created = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "user.create")
        ).all()
        assert created == []  # the insert that lost was rolled back with its audit row
