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
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Integer, String, Table, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlalchemy.orm.attributes import instance_dict, manager_of_class
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

from models.errors import FieldError
from models.i18n.catalogs import N_

INT32 = (-(2**31), 2**31 - 1)
_PARAM_SUFFIX = re.compile(r"(_\d+)+$")  # SQLAlchemy names bound parameters mrn_1, id_1_2...


def _field(name: str) -> str:
    return _PARAM_SUFFIX.sub("", name) or name


def _storage_type(column_type: object) -> object:
    """The type the database stores: a TypeDecorator (SQLModel's AutoString, UTCDateTime) is
    checked as the type it wraps, so its length and range apply too."""
    while isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type


def _check_value(field: str, value: object, column_type: object) -> None:
    column_type = _storage_type(column_type)
    if isinstance(value, str):
        if "\x00" in value:
            raise FieldError(
                field, N_("contains a NUL character, which cannot be stored; remove it")
            )
        length = getattr(column_type, "length", None)
        if isinstance(column_type, String) and length is not None and len(value) > length:
            raise FieldError(
                field,
                N_("keep it under {limit} characters (got {got})"),
                values={"limit": length, "got": len(value)},
            )
    elif isinstance(value, int) and not isinstance(value, bool):
        is_int32 = isinstance(column_type, Integer) and not isinstance(column_type, BigInteger)
        if is_int32 and not INT32[0] <= value <= INT32[1]:
            raise FieldError(
                field,
                N_("{value} is too large to store; check the number"),
                values={"value": value},
            )


def check_row(table: Table, values: Mapping[str, Any]) -> None:
    """A row about to be inserted outside the ORM: the same checks as a flush."""
    for column in table.columns:
        if column.name in values:
            _check_value(column.name, values[column.name], column.type)


Model = TypeVar("Model", bound=SQLModel)


@lru_cache(maxsize=32)
def _new_row_fields(model: type[SQLModel]) -> tuple[tuple[str, bool, Any, Any], ...]:
    """(column, required, default, default factory) of each column of a new ``model`` row but
    its id."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    fields = []
    for column in table.columns:
        if column.primary_key:
            continue
        if column.key != column.name:
            raise TypeError(f"{model.__name__}.{column.key}: attribute and column names differ")
        info = model.model_fields[column.key]
        fields.append((column.name, info.is_required(), info.default, info.default_factory))
    return tuple(fields)


def new_row_values(model: type[SQLModel], given: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of a new ``model`` row but its id, as ``model(**given)`` would set them
    (``given``, then the model's defaults), without building the object: for the busiest
    writes, which insert with a Core statement (models.audit.insert_values_audited)."""
    values: dict[str, Any] = {}
    for name, required, default, factory in _new_row_fields(model):
        if name in given:
            values[name] = given[name]
        elif required:
            raise TypeError(f"{model.__name__}: no value for {name}")
        else:
            values[name] = factory() if factory is not None else default
    if not given.keys() <= values.keys():
        unknown = sorted(set(given) - set(values))
        raise TypeError(f"{model.__name__} has no column {', '.join(unknown)}")
    return values


def stored_row(model: type[Model], row_id: int, values: Mapping[str, Any]) -> Model:
    """The ``model`` object of a row a Core statement has just inserted, built the way the
    ORM builds a row it loads (attributes set directly, no change events), at a tenth of the
    cost of ``model(**values)``. It belongs to no session: read it, do not change it."""
    row = manager_of_class(model).new_instance()
    state = instance_dict(row)
    state.update(values)
    state["id"] = row_id
    return row


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
                    _field(name), N_("contains a NUL character, which cannot be stored; remove it")
                )


def install_storage_checks(engine: Engine) -> None:
    """Refuse unstorable values on ``engine`` (and, once per process, on every ORM flush)."""
    event.listen(engine, "before_cursor_execute", refuse_nul_parameters)
    if not event.contains(OrmSession, "before_flush", refuse_unstorable_rows):
        event.listen(OrmSession, "before_flush", refuse_unstorable_rows)
