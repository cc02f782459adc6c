"""The audit trail: every domain write records who did what to which record, before and after,
in the same transaction as the write itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Insert, Table, insert
from sqlalchemy.orm import make_transient_to_detached
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


def insert_audited(session: Session, *, actor: Actor, action: str, record: SQLModel) -> int:
    """Insert a new ``record`` and its audit event, and answer the new id (set on the record).
    Two plain INSERT statements, outside the ORM's unit of work (which cost several times the
    statements themselves on the ward's busiest writes: ``make bench``, T1), with the same
    checks as a flush (storable values); the record then belongs to the session as a stored
    row, so later changes to it are written as updates."""
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
    make_transient_to_detached(record)
    session.add(record)
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
    """:func:`insert_audited` of a row given as ``values`` (every column but the id), for the
    writes that never build the object. ``statement``, if given, is an ``INSERT ... SELECT ...
    WHERE ... RETURNING id`` of ``table`` taking ``values`` as its parameters: when its
    condition holds for no row it inserts nothing, audits nothing and answers None. Otherwise
    the new row's id."""
    check_row(table, values)
    if session.new or session.dirty or session.deleted:
        session.flush()  # keep the order of writes the caller made before this one
    connection = session.connection()  # Core statements: the ORM has nothing to do here
    insert_row = statement if statement is not None else _insert_returning_id(table)
    new_id = connection.execute(insert_row, values).scalar_one_or_none()
    if new_id is None:
        return None
    write_audit_events(
        connection,
        actor=actor,
        at=utcnow(),
        entity=table.name,
        events=[(action, new_id, None, _json_safe({"id": new_id, **values}))],
    )
    return int(new_id)


def update_audited(
    session: Session,
    *,
    actor: Actor,
    action: str,
    record: SQLModel,
    before: dict[str, Any] | None,
    noted: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Write the changes made to ``record`` and audit them: ``before`` is its :func:`snapshot`
    taken before the changes, the audit's "after" its snapshot now plus ``noted`` (what the
    change did besides, e.g. the slots it cancelled)."""
    session.add(record)
    session.flush()
    return audit_event(
        session,
        actor=actor,
        action=action,
        entity=str(record.__tablename__),
        entity_id=getattr(record, "id", None),
        before=before,
        after={**(snapshot(record) or {}), **(noted or {})},
        at=at,
    )


def audit_event(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Audit what is not a row written here: a sign-in, a record read or exported, a job's
    summary, a change described by its fields (a role from one to another). Written with the
    caller's transaction; ``at``: when it happened (now if None)."""
    event = AuditEvent(
        user_id=actor.user_id,
        actor=actor.username,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
    )
    if at is not None:
        event.at = at
    session.add(event)
    return event


AuditedChange = tuple[str, int, dict[str, Any] | None, dict[str, Any] | None]


def audit_account_change(
    session: Session,
    *,
    actor: Actor,
    user_id: int | None,
    field: str,
    before: str,
    after: str,
    now: datetime,
) -> AuditEvent:
    """Audit one field of an account changed ("role", "language") as ``user.<field>``."""
    return audit_event(
        session,
        actor=actor,
        action=f"user.{field}",
        entity="app_user",
        entity_id=user_id,
        before={field: before},
        after={field: after},
        at=now,
    )


def write_audit_events(
    connection: Connection,
    *,
    actor: Actor,
    at: datetime,
    entity: str,
    events: Sequence[AuditedChange],
) -> None:
    """Audit rows written with one Core statement, for writes made outside the ORM (the Core
    inserts above, the review scan's batches of flag changes). ``events``: (action, entity id,
    before, after) each."""
    if not events:
        return
    rows = [
        {
            "at": at,
            "user_id": actor.user_id,
            "actor": actor.username,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "before": before,
            "after": after,
        }
        for action, entity_id, before, after in events
    ]
    # One row as one execute: a list, even of one, takes the driver's executemany path (the
    # busiest charting writes audit one row each: ``make bench``, T1).
    connection.execute(_audit_insert(), rows[0] if len(rows) == 1 else rows)


@built_once
def _audit_insert() -> Insert:
    return insert(AuditEvent.__table__)  # type: ignore[attr-defined]


@built_once
def _insert_returning_id(table: Table) -> ReturningInsert[Any]:
    return insert(table).returning(table.c.id)
