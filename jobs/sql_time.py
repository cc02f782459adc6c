"""Time arithmetic inside SQL, the same on PostgreSQL and SQLite, so the review rules can
compare rows with each other and with each ward's policy without a per-row Python loop.

SQLite stores instants as UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'). Shifting by seconds uses its
built-in ``strftime`` (millisecond precision, ample for minute-scale policy; the shorter text
compares correctly with stored values). Time zones it does not have: ``local_midnight_utc``
calls a Python function registered on the connection by :func:`prepare_connection` (call it
once per transaction before using it).
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
    """``shift_seconds(instant, seconds)``: the UTC instant moved by a number of seconds (an
    expression: a ward's policy column times 60, say). Compare with it; do not select it."""

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


@compiles(shift_seconds, "sqlite")
def _shift_sqlite(element: shift_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    instant, seconds = list(element.clauses)
    return (
        f"strftime('%Y-%m-%d %H:%M:%f', {compiler.process(instant, **kw)}, "
        f"CAST({compiler.process(seconds, **kw)} AS TEXT) || ' seconds')"
    )


@compiles(local_midnight_utc, "sqlite")
def _midnight_sqlite(element: local_midnight_utc, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{element.name}({compiler.process(element.clauses, **kw)})"


@lru_cache(maxsize=4096)
def _sqlite_midnight(day: str | None, days: int | None, tz: str | None) -> str | None:
    if day is None or days is None or tz is None:
        return None
    local_day = date.fromisoformat(day[:10]) + timedelta(days=days)
    midnight = datetime.combine(local_day, time(0), tzinfo=ZoneInfo(tz))
    return midnight.astimezone(UTC).replace(tzinfo=None).strftime(_SQLITE_FORMAT)


_SQLITE_FUNCTIONS = "taperwatch.sql_time.functions"  # key in the pooled connection's info


def prepare_connection(session: Session) -> None:
    """Ready the session's connection for the review rules: on SQLite register the Python
    implementations. On PostgreSQL, for this transaction only (one round trip): JIT compilation
    off (the rules' queries run in tens of milliseconds; compiling them would cost more than it
    saves), and a plan made for each execution's values rather than the generic plan the server
    adopts for a statement prepared (by psycopg) and run more than five times: without the
    scan's instant the generic plans misjudge the rows due, and run up to twice as long."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT set_config('jit', 'off', true),"
            " set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
        return
    if connection.dialect.name != "sqlite":
        return
    # Once per database connection: SQLite discards every statement it has compiled on a
    # connection whenever a function is registered again, and would compile the rules anew.
    pooled = connection.connection
    if pooled.info.get(_SQLITE_FUNCTIONS):
        return
    raw = pooled.driver_connection
    assert raw is not None
    raw.create_function("tw_local_midnight_utc", 3, _sqlite_midnight, deterministic=True)
    pooled.info[_SQLITE_FUNCTIONS] = True
