"""The last check before the database: a value it cannot store is refused as a FieldError (a
message the user can act on, nothing written), the same on SQLite and PostgreSQL, instead of
failing as a server error on PostgreSQL only.

- text longer than its column (PostgreSQL refuses it; SQLite would silently keep it);
- a NUL character in any text sent to the database (PostgreSQL cannot hold one, not even in a
  query parameter such as a looked-up MRN or username);
- a whole number outside its column's range (PostgreSQL INTEGER is 32-bit).

The domain operations check what they know about (a reason's length, a dose's units); this
catches what the schema knows, for every operation, present and future.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction

from models.errors import FieldError

INT32 = (-(2**31), 2**31 - 1)
_PARAM_SUFFIX = re.compile(r"(_\d+)+$")  # SQLAlchemy names bound parameters mrn_1, id_1_2...


def _field(name: str) -> str:
    return _PARAM_SUFFIX.sub("", name) or name


def _check_value(field: str, value: object, column_type: object) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise FieldError(field, "contains a NUL character, which cannot be stored; remove it")
        length = getattr(column_type, "length", None)
        if isinstance(column_type, String) and length is not None and len(value) > length:
            raise FieldError(field, f"keep it under {length} characters (got {len(value)})")
    elif isinstance(value, int) and not isinstance(value, bool):
        is_int32 = isinstance(column_type, Integer) and not isinstance(column_type, BigInteger)
        if is_int32 and not INT32[0] <= value <= INT32[1]:
            raise FieldError(field, f"{value} is too large to store; check the number")


def check_row(table: Table, values: Mapping[str, Any]) -> None:
    """A row about to be inserted outside the ORM: the same checks as a flush."""
    for column in table.columns:
        if column.name in values:
            _check_value(column.name, values[column.name], column.type)


def refuse_unstorable_rows(
    session: OrmSession, _context: UOWTransaction, _instances: object
) -> None:
    """Before a flush: every new or changed row's text and whole numbers fit their columns."""
    for instance in [*session.new, *session.dirty]:
        table = getattr(instance, "__table__", None)
        if table is None:
            continue
        for column in table.columns:
            _check_value(column.name, getattr(instance, column.key, None), column.type)


def _parameter_sets(parameters: object) -> Iterable[Mapping[str, Any] | Iterable[Any]]:
    if isinstance(parameters, Mapping):
        return [parameters]
    if (
        isinstance(parameters, list | tuple)
        and parameters
        and isinstance(parameters[0], Mapping | list | tuple)
    ):
        return parameters
    return [parameters] if isinstance(parameters, list | tuple) else []


def refuse_nul_parameters(
    _conn: object,
    _cursor: object,
    _statement: str,
    parameters: object,
    context: object,
    _executemany: bool,
) -> None:
    """Before any statement: no text parameter carries a NUL (a lookup by a pasted MRN with
    one would otherwise be a PostgreSQL error, not a refusal)."""
    positions = getattr(getattr(context, "compiled", None), "positiontup", None) or []
    for parameter_set in _parameter_sets(parameters):
        items = (
            parameter_set.items()
            if isinstance(parameter_set, Mapping)
            else (
                (positions[n] if n < len(positions) else str(n), v)
                for n, v in enumerate(parameter_set)
            )
        )
        for name, value in items:
            if isinstance(value, str) and "\x00" in value:
                raise FieldError(
                    _field(name), "contains a NUL character, which cannot be stored; remove it"
                )


def install_storage_checks(engine: Engine) -> None:
    """Refuse unstorable values on ``engine`` (and, once per process, on every ORM flush)."""
    event.listen(engine, "before_cursor_execute", refuse_nul_parameters)
    if not event.contains(OrmSession, "before_flush", refuse_unstorable_rows):
        event.listen(OrmSession, "before_flush", refuse_unstorable_rows)
