"""Time arithmetic inside SQL, the same on PostgreSQL and SQLite, so the review rules can
compare rows with each other without a per-row Python loop.

SQLite has no time zones or intervals and stores instants as UTC text
('YYYY-MM-DD HH:MM:SS.ffffff'); there the constructs call Python functions registered on the
connection by :func:`prepare_connection` (call it once per transaction before using them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from models.types import UTCDateTime

# SQLAlchemy's SQLite DateTime storage format: shifted values compare as text with stored ones.
_SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class shift_seconds(FunctionElement[datetime]):  # noqa: N801 - SQL function style
    """``shift_seconds(instant, seconds)``: the UTC instant moved by a number of seconds."""

    type = UTCDateTime()
    inherit_cache = True
    name = "tw_shift_seconds"


class local_midnight_utc(FunctionElement[datetime]):  # noqa: N801 - SQL function style
    """``local_midnight_utc(day, days, tz)``: the UTC instant of the ward-local midnight that
    starts ``day + days`` in the IANA zone ``tz`` (daylight saving handled by the zone)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "tw_local_midnight_utc"


@compiles(shift_seconds, "postgresql")
def _shift_pg(element: shift_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    instant, seconds = list(element.clauses)
    return (
        f"({compiler.process(instant, **kw)} + "
        f"make_interval(secs => CAST({compiler.process(seconds, **kw)} AS double precision)))"
    )


@compiles(local_midnight_utc, "postgresql")
def _midnight_pg(element: local_midnight_utc, compiler: SQLCompiler, **kw: Any) -> str:
    day, days, tz = list(element.clauses)
    return (
        f"(CAST(({compiler.process(day, **kw)} + CAST({compiler.process(days, **kw)} AS integer))"
        f" AS timestamp) AT TIME ZONE CAST({compiler.process(tz, **kw)} AS text))"
    )


@compiles(shift_seconds)
@compiles(local_midnight_utc)
def _registered_function(
    element: shift_seconds | local_midnight_utc, compiler: SQLCompiler, **kw: Any
) -> str:
    """Elsewhere (SQLite): a call of the Python function registered under the same name."""
    return f"{element.name}({compiler.process(element.clauses, **kw)})"


def _sqlite_shift(value: str | None, seconds: float | None) -> str | None:
    if value is None or seconds is None:
        return None
    moved = datetime.fromisoformat(value) + timedelta(seconds=seconds)
    return moved.strftime(_SQLITE_FORMAT)


@lru_cache(maxsize=4096)
def _sqlite_midnight(day: str | None, days: int | None, tz: str | None) -> str | None:
    if day is None or days is None or tz is None:
        return None
    local_day = date.fromisoformat(day[:10]) + timedelta(days=days)
    midnight = datetime.combine(local_day, time(0), tzinfo=ZoneInfo(tz))
    return midnight.astimezone(UTC).replace(tzinfo=None).strftime(_SQLITE_FORMAT)


def prepare_connection(session: Session) -> None:
    """Register the SQLite implementations on the session's connection (no-op elsewhere)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.create_function("tw_shift_seconds", 2, _sqlite_shift, deterministic=True)
    raw.create_function("tw_local_midnight_utc", 3, _sqlite_midnight, deterministic=True)
