"""The scheduler service: APScheduler 3 runs the review scan every minute, tops up the MAR
every hour and deletes long-ended sign-in sessions once a day, with exactly one service active
per database.

PostgreSQL: the active service holds a session-level advisory lock on a connection of its own;
the others poll for the lock and take over when the holder dies (its connection closes and the
lock goes with it). SQLite: an exclusive lock on a file beside the database does the same
between processes. A service that loses its lock (its connection dropped) stops its scheduler
and goes back to waiting. Should two scans ever overlap during a hand-over, the flags stay
right: the database refuses duplicates and every update checks what it read (jobs.flags).

``taperwatch serve`` on SQLite runs the service on a daemon thread: once per process (a second
call does nothing), and once per database across processes (the file lock), so a reloader's
parent and child never both run it.
"""

from __future__ import annotations

import atexit
import fcntl
import logging
import os
import signal
import threading
from datetime import UTC, timedelta
from types import FrameType
from typing import Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from jobs.runs import recorded_run
from jobs.scan import run_scan
from models.db import transaction
from models.plans import top_up_mar
from models.types import utcnow
from models.user_sessions import forget_ended_sessions

log = logging.getLogger(__name__)

SCAN_EVERY = timedelta(minutes=1)
MAR_TOP_UP_EVERY = timedelta(hours=1)  # models.plans.MAR_HORIZON_DAYS ahead, every hour
LOCK_POLL = timedelta(seconds=10)  # how often a waiting service tries to take over
HEARTBEAT = timedelta(seconds=15)  # how often the active service checks it still leads
ADVISORY_LOCK_KEY = 0x7461_7065_7277_6A62  # "taperwjb": one key for every Taperwatch database
MAR_TOP_UP_JOB = "mar_top_up"
# Ended sign-in sessions (models.users) are kept this long, then deleted: long enough to answer
# "which sessions did this account have last week", and the table stays small. Local policy;
# the audit log keeps sign-outs and locks for good.
ENDED_SESSIONS_KEPT = timedelta(days=30)
SESSION_PURGE_EVERY = timedelta(days=1)
SESSION_PURGE_JOB = "session_purge"


class LeaderLock(Protocol):
    def try_acquire(self) -> bool: ...

    def still_held(self) -> bool: ...

    def release(self) -> None: ...


class PgAdvisoryLock:
    """``pg_try_advisory_lock`` on a dedicated, unpooled connection: the lock lives exactly as
    long as that database session, so a crashed holder frees it."""

    def __init__(self, engine: Engine) -> None:
        self._engine = create_engine(engine.url, poolclass=NullPool)
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        try:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except DBAPIError as exc:
            log.warning("scheduler lock: database unreachable (%s)", exc.__class__.__name__)
            return False
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY}
            ).scalar()
        except DBAPIError:
            connection.close()
            return False
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
            return True
        except DBAPIError:
            self._drop()
            return False

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
            )
        except DBAPIError:
            pass  # the session is gone, and the lock with it
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except DBAPIError:
                pass
            self._connection = None


class FileLock:
    """An exclusive ``flock`` on ``path``: released by the kernel when the holder dies. Each
    instance opens its own file description, so two in one process also exclude each other."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def still_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class ProcessLock:
    """For an in-memory SQLite database, which only this process can see."""

    _held: set[str] = set()
    _guard = threading.Lock()

    def __init__(self, key: str) -> None:
        self.key = key
        self._mine = False

    def try_acquire(self) -> bool:
        with self._guard:
            if self.key in self._held:
                return False
            self._held.add(self.key)
            self._mine = True
            return True

    def still_held(self) -> bool:
        return self._mine

    def release(self) -> None:
        with self._guard:
            if self._mine:
                self._held.discard(self.key)
                self._mine = False


def lock_for(engine: Engine) -> LeaderLock:
    if engine.dialect.name == "postgresql":
        return PgAdvisoryLock(engine)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return FileLock(os.path.abspath(database) + ".jobs-lock")
    return ProcessLock(engine.url.render_as_string(hide_password=True))


# --- the jobs --------------------------------------------------------------------------------


def scan_job(engine: Engine) -> None:
    report = run_scan(engine)
    if report.changes or report.errors:
        log.info(
            "scan: %d raised, %d resolved, %d other changes, %d errors",
            report.raised,
            report.resolved,
            len(report.changes) - report.raised - report.resolved,
            len(report.errors),
        )


def mar_top_up_job(engine: Engine) -> None:
    with recorded_run(engine, MAR_TOP_UP_JOB), transaction(engine) as session:
        made = top_up_mar(session=session, now=utcnow())
    if made:
        log.info("MAR top-up: %d slots made", made)


def session_purge_job(engine: Engine) -> None:
    with recorded_run(engine, SESSION_PURGE_JOB), transaction(engine) as session:
        purged = forget_ended_sessions(session=session, before=utcnow() - ENDED_SESSIONS_KEPT)
    if purged:
        log.info("sessions: %d ended more than %s ago deleted", purged, ENDED_SESSIONS_KEPT)


def build_scheduler(engine: Engine, *, scan_every: timedelta = SCAN_EVERY) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    first = utcnow()
    for job, job_id, name, every in (
        (scan_job, "scan", "review scan", scan_every),
        (mar_top_up_job, MAR_TOP_UP_JOB, "MAR top-up", MAR_TOP_UP_EVERY),
        (session_purge_job, SESSION_PURGE_JOB, "ended sessions purge", SESSION_PURGE_EVERY),
    ):
        scheduler.add_job(
            job,
            "interval",
            args=[engine],
            id=job_id,
            name=name,
            seconds=every.total_seconds(),
            next_run_time=first,
        )
    return scheduler


def run_service(
    engine: Engine,
    stop: threading.Event,
    *,
    lock: LeaderLock | None = None,
    scan_every: timedelta = SCAN_EVERY,
    poll: timedelta = LOCK_POLL,
    heartbeat: timedelta = HEARTBEAT,
) -> None:
    """Wait to lead, then run the jobs while leading; until ``stop`` is set."""
    lock = lock or lock_for(engine)
    waiting_logged = False
    while not stop.is_set():
        if not lock.try_acquire():
            if not waiting_logged:
                log.info("another scheduler is active for this database; standing by")
                waiting_logged = True
            stop.wait(poll.total_seconds())
            continue
        waiting_logged = False
        log.info("scheduler active (scan every %s)", scan_every)
        scheduler = build_scheduler(engine, scan_every=scan_every)
        scheduler.start()
        try:
            while not stop.wait(heartbeat.total_seconds()):
                if not lock.still_held():
                    log.warning("scheduler lock lost; stopping the jobs and standing by")
                    break
        finally:
            scheduler.shutdown(wait=True)
            lock.release()


def run_forever(
    engine: Engine, *, scan_every: timedelta = SCAN_EVERY, poll: timedelta = LOCK_POLL
) -> int:
    """``taperwatch jobs``: the service in the foreground until SIGINT or SIGTERM."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping after the running job", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    run_service(engine, stop, scan_every=scan_every, poll=poll)
    return 0


# --- inside the web process ------------------------------------------------------------------

_in_process: dict[str, tuple[threading.Event, threading.Thread]] = {}
_in_process_guard = threading.Lock()


def start_in_process_scheduler(engine: Engine) -> bool:
    """Run the service on a daemon thread of this process; False if it already runs here."""
    key = engine.url.render_as_string(hide_password=True)
    with _in_process_guard:
        if key in _in_process:
            return False
        stop = threading.Event()
        thread = threading.Thread(
            target=run_service, args=(engine, stop), name="taperwatch-jobs", daemon=True
        )
        _in_process[key] = (stop, thread)
        thread.start()
    atexit.register(stop_in_process_scheduler, engine)
    return True


def stop_in_process_scheduler(engine: Engine, timeout: float = 30) -> None:
    key = engine.url.render_as_string(hide_password=True)
    with _in_process_guard:
        entry = _in_process.pop(key, None)
    if entry is not None:
        stop, thread = entry
        stop.set()
        thread.join(timeout)
