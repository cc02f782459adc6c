"""Backups of the whole database, and restoring one: SQLite through its online backup API (a
consistent copy while the app keeps writing), PostgreSQL through pg_dump and pg_restore (custom
format, restored in one transaction: all or nothing).

A backup is written to a temporary file beside the target and renamed into place when complete,
so a half-written backup never has the final name. Restoring checks the file is a backup for
this kind of database first; stop the web app and the jobs while restoring, then run
``taperwatch db upgrade`` (a backup from an older version is migrated forward).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# pg_dump/pg_restore are given this long before the command is called stuck.
PG_TOOL_TIMEOUT_S = 3600


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    kind: str  # "sqlite" or "postgresql"


def backup_database(database_url: str, target: Path) -> BackupResult:
    """Write a backup of the database at ``database_url`` to ``target`` (which must not exist)."""
    url = make_url(database_url)
    target = Path(target)
    if target.exists():
        raise BackupError(
            f"{target} exists; choose a new file name (backups are never overwritten)"
        )
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            kind = "sqlite"
            _sqlite_backup(_sqlite_path(url), partial)
        elif url.get_backend_name() == "postgresql":
            kind = "postgresql"
            _pg_tool("pg_dump", url, ["--format=custom", "--no-owner", f"--file={partial}"])
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(target, target.stat().st_size, kind)


def restore_database(database_url: str, source: Path) -> BackupResult:
    """Replace the contents of the database at ``database_url`` with the backup ``source``."""
    url = make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"no backup file {source}")
    with source.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{source} is not a SQLite backup ({_looks_like(head)})")
        _check_sqlite_backup(source)
        _sqlite_restore(source, _sqlite_path(url))
    elif backend == "postgresql":
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError(f"{source} is not a pg_dump backup ({_looks_like(head)})")
        _pg_tool(
            "pg_restore",
            url,
            ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
            + [str(source)],
        )
    else:
        raise BackupError(f"cannot restore a {backend} database")
    return BackupResult(source, source.stat().st_size, backend)


def _looks_like(head: bytes) -> str:
    if head.startswith(SQLITE_MAGIC):
        return "it is a SQLite database"
    if head.startswith(PG_DUMP_MAGIC):
        return "it is a PostgreSQL pg_dump file"
    return "it is not a Taperwatch backup"


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _sqlite_backup(database: Path, target: Path) -> None:
    if not database.is_file():
        raise BackupError(f"no SQLite database at {database}")
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # pages copied under a read lock: a consistent snapshot
    finally:
        copy.close()
        source.close()


def _check_sqlite_backup(source: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        ok = backup.execute("PRAGMA quick_check").fetchone()
        tables = {r[0] for r in backup.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is damaged: {exc}") from exc
    finally:
        backup.close()
    if not ok or ok[0] != "ok":
        raise BackupError(f"{source} is damaged: {ok[0] if ok else 'no answer'}")
    if "alembic_version" not in tables:
        raise BackupError(f"{source} is a SQLite file but not a Taperwatch database")


def _sqlite_restore(source: Path, database: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(database, timeout=30)
    try:
        backup.backup(live)  # replaces every page of the live database in one write
    except sqlite3.OperationalError as exc:
        raise BackupError(f"could not restore into {database}: {exc}; stop the app first") from exc
    finally:
        live.close()
        backup.close()


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_tool(tool: str, url: URL, arguments: list[str]) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    env = dict(os.environ)
    settings = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,  # in the environment, not on the command line (ps)
        "PGDATABASE": url.database,
    }
    env.update({name: value for name, value in settings.items() if value})
    try:
        done = subprocess.run(
            [program, *arguments, f"--dbname={url.database}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=PG_TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{tool} did not finish within {PG_TOOL_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{tool} failed: {detail[-1] if detail else f'exit {done.returncode}'}")
