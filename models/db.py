"""Engines and transactions: SQLite with WAL, foreign keys and a busy timeout; PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlmodel import Session, create_engine

from models.i18n.catalogs import N_
from models.storable import install_storage_checks

# How long a SQLite writer waits for a lock before failing with "database is locked": long enough
# for another nurse's save to finish, short enough that a stuck database surfaces as an error.
SQLITE_BUSY_TIMEOUT_S = 5
# Execution option of a connection whose transaction will write: on SQLite it begins with BEGIN
# IMMEDIATE, taking the one write lock at the start (see make_engine).
WRITES = "taperwatch_writes"
# Execution option of a connection that runs one read statement: on SQLite no BEGIN (the
# statement is its own read transaction, one round trip instead of three).
ONE_READ = "taperwatch_one_read"

# Faults of the database, not of the input: locked past the busy timeout, disk full, restarting
# or unreachable, no pooled connection free. A write that meets one is rolled back whole, so the
# user is told nothing was saved and that trying again is safe.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeoutError)
DATABASE_UNAVAILABLE = N_(
    "the database did not answer (busy, full or restarting), so nothing was saved; "
    "try again in a moment, and call IT if it keeps happening"
)

_log = logging.getLogger("taperwatch.db")

_engines: dict[str, Engine] = {}


def log_database_fault(exc: BaseException) -> None:
    """One line for the operators: the driver's error, never the statement or its values."""
    cause = getattr(exc, "orig", None) or exc
    first = (str(cause).strip().splitlines() or [""])[0]
    _log.warning("database unavailable: %s: %s", type(cause).__name__, first[:200])


def make_engine(url: str) -> Engine:
    """A new engine for ``url``; use :func:`get_engine` to share one per process."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            hide_parameters=True,  # error messages and logs never carry patient data
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # SQLAlchemy begins the transactions (_sqlite_begin below), not the driver, whose
            # own BEGIN comes only before the first INSERT or UPDATE: its reads before that ran
            # outside the transaction, and a SAVEPOINT opened the transaction itself, so its
            # RELEASE committed and a later rollback undid nothing (SQLAlchemy docs, SQLite,
            # "Serializable isolation / Savepoints / Transactional DDL").
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit reaches the disk before the nurse is told "saved". In WAL mode
            # NORMAL is safe against a crash of the app but may lose the last commits on a
            # power cut or an OS crash (sqlite.org/pragma.html#pragma_synchronous); charted
            # care must not. PostgreSQL's default (synchronous_commit=on) is the same promise.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            options = conn.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT" or options.get(ONE_READ):
                return
            # A writing transaction takes the write lock now, waiting up to the busy timeout
            # for another writer, so what it read stays true until it commits; a deferred one
            # that read first and then wrote would fail outright if another had written since.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITES) else "BEGIN")

        install_storage_checks(engine)
        return engine
    engine = create_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )
    install_storage_checks(engine)  # unstorable input is a FieldError, not a server error
    return engine


def get_engine(url: str | None = None) -> Engine:
    if url is None:
        from models.settings import get_settings

        url = get_settings().database_url
    engine = _engines.get(url)
    if engine is None:
        engine = _engines[url] = make_engine(url)
    return engine


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit if the block succeeds, roll back everything if it raises. On
    SQLite it holds the database's one write lock from its start: keep it short, and never
    open another inside it."""
    with Session(engine, expire_on_commit=False, execution_options={WRITES: True}) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def read_one(engine: Engine) -> Connection:
    """A connection for one read statement (``with read_one(engine) as connection:``); its
    answer is consistent by itself. Several statements that must agree: :func:`read_session`."""
    return engine.connect().execution_options(**{ONE_READ: True})


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
