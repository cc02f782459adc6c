"""The audit trail: every domain write records who did what to which record, before and after,
in the same transaction as the write itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, SQLModel

from models.errors import PermissionDenied
from models.tables import AuditEvent


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or the review jobs (``user_id`` None, role "system")."""

    user_id: int | None
    username: str
    role: str

    def require(self, *roles: str) -> None:
        """Refuse the action unless the actor has one of ``roles`` (checked in the domain)."""
        if self.role not in roles:
            raise PermissionDenied(
                f"{self.username} ({self.role}) may not do this; it needs the role "
                + " or ".join(roles)
            )


SYSTEM = Actor(user_id=None, username="system:jobs", role="system")

# Never copied into the audit trail.
_SECRET_FIELDS = frozenset({"password_hash"})


def snapshot(record: SQLModel | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a record's columns, for the audit trail."""
    if record is None:
        return None
    out: dict[str, Any] = {}
    for key, value in record.model_dump().items():
        if key in _SECRET_FIELDS:
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[key] = value
    return out


def record_audit(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        user_id=actor.user_id,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def audited_insert(session: Session, *, actor: Actor, action: str, record: SQLModel) -> None:
    """Insert ``record`` and audit it; flushes so the audit row carries the new id."""
    session.add(record)
    session.flush()
    record_audit(
        session,
        actor=actor,
        action=action,
        entity=str(record.__tablename__),
        entity_id=getattr(record, "id", None),
        after=snapshot(record),
    )
