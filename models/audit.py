"""The audit trail: every domain write records who did what to which record, before and after,
in the same transaction as the write itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, Table, insert
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, SQLModel

from models.errors import PermissionDenied
from models.statements import built_once
from models.storable import check_row
from models.tables import AuditEvent
from models.types import utcnow


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
    return _json_safe(record.model_dump())


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
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


def insert_audited(session: Session, *, actor: Actor, action: str, record: SQLModel) -> int:
    """Insert a new ``record`` and its audit event as two plain INSERT statements, outside the
    ORM's unit of work, and set the record's new id; the record stays detached (read it, do not
    change it). Same checks as a flush (storable values), same audit row as
    :func:`audited_insert`."""
    table: Table = record.__table__  # type: ignore[attr-defined]
    values = {
        column.name: getattr(record, column.key)
        for column in table.columns
        if not column.primary_key
    }
    new_id = insert_values_audited(session, actor=actor, action=action, table=table, values=values)
    if new_id is None:  # pragma: no cover - a plain INSERT always inserts
        raise RuntimeError(f"{table.name}: the insert wrote no row")
    record.id = new_id
    return new_id


def insert_values_audited(
    session: Session,
    *,
    actor: Actor,
    action: str,
    table: Table,
    values: Mapping[str, Any],
    statement: ReturningInsert[Any] | None = None,
) -> int | None:
    """Insert one row of ``table`` (``values``: every column but the id) and its audit event,
    with two Core statements: for the ward's busiest writes (vitals, scores, doses), where the
    ORM's unit of work cost several times the statements themselves (``make bench``, T1).
    ``statement``, if given, is an ``INSERT ... SELECT ... WHERE ... RETURNING id`` of
    ``table`` taking ``values`` as its parameters: when its condition holds for no row it
    inserts nothing, audits nothing and answers None. Otherwise the new row's id."""
    check_row(table, values)
    if session.new or session.dirty or session.deleted:
        session.flush()  # keep the order of writes the caller made before this one
    connection = session.connection()  # Core statements: the ORM has nothing to do here
    insert_row = statement if statement is not None else _insert_returning_id(table)
    new_id = connection.execute(insert_row, values).scalar_one_or_none()
    if new_id is None:
        return None
    connection.execute(
        _audit_insert(),
        {
            "at": utcnow(),
            "user_id": actor.user_id,
            "actor": actor.username,
            "action": action,
            "entity": table.name,
            "entity_id": new_id,
            "before": None,
            "after": _json_safe({"id": new_id, **values}),
        },
    )
    return int(new_id)


@built_once
def _audit_insert() -> Insert:
    return insert(AuditEvent.__table__)  # type: ignore[attr-defined]


@built_once
def _insert_returning_id(table: Table) -> ReturningInsert[Any]:
    return insert(table).returning(table.c.id)
