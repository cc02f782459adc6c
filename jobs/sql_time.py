"""Time arithmetic inside SQL, the same on PostgreSQL and SQLite, so the review rules can
compare rows with each other and with each ward's policy without a per-row Python loop.

SQLite stores instants as UTC text ('YYYY-MM-DD HH:MM:SS.ffffff'). Shifting by seconds uses its
built-in ``strftime`` (millisecond precision, ample for minute-scale policy; the shorter text
compares correctly with stored values). Time zones it does not have: ``local_midnight_utc``
calls a Python function registered on the connection by :func:`prepare_connection` (call it
once per transaction before using it).
"""

from __future__ import annotations

from collections.abc import Callable
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


# Each function's SQL on each dialect, its arguments as {0}, {1}, ... (SQLite has no time zones:
# its local_midnight_utc is the Python function prepare_connection registers).
_SQL: dict[tuple[type[FunctionElement[datetime]], str], str] = {
    (shift_seconds, "postgresql"): "({0} + make_interval(secs => CAST({1} AS double precision)))",
    (shift_seconds, "sqlite"): (
        "strftime('%Y-%m-%d %H:%M:%f', {0}, CAST({1} AS TEXT) || ' seconds')"
    ),
    (local_midnight_utc, "postgresql"): (
        "(CAST(({0} + CAST({1} AS integer)) AS timestamp) AT TIME ZONE CAST({2} AS text))"
    ),
    (local_midnight_utc, "sqlite"): "tw_local_midnight_utc({0}, {1}, {2})",
}


def _compiler(template: str) -> Callable[..., str]:
    def compile_sql(element: FunctionElement[datetime], compiler: SQLCompiler, **kw: Any) -> str:
        return template.format(*(compiler.process(clause, **kw) for clause in element.clauses))

    return compile_sql


for (_function, _dialect), _template in _SQL.items():
    compiles(_function, _dialect)(_compiler(_template))


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
