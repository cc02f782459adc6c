"""The scheduler service: one active per database, the others standing by to take over; once
per web process; every run recorded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from jobs.service import (
    ADVISORY_LOCK_KEY,
    lock_for,
    run_service,
    start_in_process_scheduler,
    stop_in_process_scheduler,
)
from models.db import make_engine
from models.tables import JobRun

ROOT = Path(__file__).resolve().parents[2]


def _wait_until(check: Callable[[], bool], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _runs(engine: Engine) -> list[JobRun]:
    with Session(engine) as session:
        return list(session.exec(select(JobRun).order_by(col(JobRun.id))).all())


def _hosts(engine: Engine) -> set[str]:
    return {run.host for run in _runs(engine)}


def test_one_lock_holder_per_database(engine: Engine) -> None:
    first, second = lock_for(engine), lock_for(engine)
    try:
        assert first.try_acquire()
        assert first.still_held()
        assert not second.try_acquire()
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


@pytest.fixture
def pg_engine(_fresh_postgresql: str) -> Iterator[Engine]:
    """PostgreSQL only: a database session dying (SQLite's file lock dies with its process,
    tested with real processes below)."""
    engine = make_engine(_fresh_postgresql)
    yield engine
    engine.dispose()


def test_a_holder_whose_session_dies_loses_the_lock_to_the_standby(pg_engine: Engine) -> None:
    engine = pg_engine
    holder, standby = lock_for(engine), lock_for(engine)
    try:
        assert holder.try_acquire()
        with engine.connect() as connection:
            killed = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND granted AND objid = :low AND classid = :high"
                ),
                {"low": ADVISORY_LOCK_KEY & 0xFFFFFFFF, "high": ADVISORY_LOCK_KEY >> 32},
            ).all()
        assert len(killed) == 1
        assert _wait_until(standby.try_acquire, timeout=10)
        assert not holder.still_held()
    finally:
        holder.release()
        standby.release()


@pytest.fixture
def service_env(engine: Engine) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TAPERWATCH_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "TAPERWATCH_DEMO": "1",
    }


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_a_standby_jobs_process_takes_over_when_the_active_one_dies(
    engine: Engine, service_env: dict[str, str], processes: list[subprocess.Popen[bytes]]
) -> None:
    command = [sys.executable, "-m", "taperwatch", "jobs", "--scan-every", "1", "--poll", "0.5"]

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            command, cwd=ROOT, env=service_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        processes.append(process)
        return process

    def host(process: subprocess.Popen[bytes]) -> str:
        return next(h for h in _hosts(engine) if h.endswith(f":{process.pid}"))

    active = start()
    assert _wait_until(lambda: any(h.endswith(f":{active.pid}") for h in _hosts(engine)))
    standby = start()
    time.sleep(3)  # the standby polls six times meanwhile, and must not run anything
    assert _hosts(engine) == {host(active)}
    active.send_signal(signal.SIGKILL)
    active.wait(10)
    assert _wait_until(lambda: any(h.endswith(f":{standby.pid}") for h in _hosts(engine)))
    standby.send_signal(signal.SIGTERM)
    assert standby.wait(30) == 0
    scans = [r for r in _runs(engine) if r.job == "scan"]
    assert scans and all(r.error is None for r in scans)


def test_the_in_process_scheduler_runs_once_per_process(sqlite_engine: Engine) -> None:
    try:
        assert start_in_process_scheduler(sqlite_engine) is True
        assert start_in_process_scheduler(sqlite_engine) is False
        assert _wait_until(
            lambda: {r.job for r in _runs(sqlite_engine) if r.finished_at} >= {"scan", "mar_top_up"}
        )
    finally:
        stop_in_process_scheduler(sqlite_engine)
    assert {r.host for r in _runs(sqlite_engine)} == {next(iter(_hosts(sqlite_engine)))}


class _LosingLock:
    """Granted once, then lost at the first heartbeat, never granted again."""

    def __init__(self) -> None:
        self.granted = 0
        self.released = 0

    def try_acquire(self) -> bool:
        self.granted += 1
        return self.granted == 1

    def still_held(self) -> bool:
        return False

    def release(self) -> None:
        self.released += 1


def test_a_service_that_loses_its_lock_stops_its_jobs(sqlite_engine: Engine) -> None:
    lock, stop = _LosingLock(), threading.Event()
    service = threading.Thread(
        target=run_service,
        args=(sqlite_engine, stop),
        kwargs={
            "lock": lock,
            "heartbeat": timedelta(seconds=0.5),
            "poll": timedelta(seconds=0.2),
            "scan_every": timedelta(seconds=0.2),
        },
    )
    service.start()
    assert _wait_until(lambda: lock.granted >= 3)  # stood down and is polling again
    runs_when_stood_down = len(_runs(sqlite_engine))
    time.sleep(1)
    stop.set()
    service.join(10)
    assert not service.is_alive()
    assert lock.released == 1
    assert runs_when_stood_down >= 1
    assert len(_runs(sqlite_engine)) == runs_when_stood_down  # nothing ran after standing down


def test_the_scheduler_purges_ended_sessions_daily_keeping_thirty_days(engine: Engine) -> None:
    from apscheduler.triggers.interval import IntervalTrigger

    from jobs.service import (
        ENDED_SESSIONS_KEPT,
        SESSION_PURGE_JOB,
        build_scheduler,
        session_purge_job,
    )
    from models.db import transaction
    from models.tables import UserSession
    from models.types import utcnow
    from models.user_sessions import end_session, start_session
    from tests.factories import make_staff

    job = build_scheduler(engine).get_job(SESSION_PURGE_JOB)
    assert job is not None and job.func is session_purge_job and job.args == (engine,)
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.interval == timedelta(days=1)
    assert ENDED_SESSIONS_KEPT == timedelta(days=30)

    now = utcnow()
    with transaction(engine) as session:
        user_id = make_staff(session)["nurse1"].user_id or 0
        old, recent, open_ = (
            start_session(session=session, user_id=user_id, now=now - timedelta(days=40))
            for _ in range(3)
        )
    with transaction(engine) as session:
        end_session(session=session, token=old, now=now - timedelta(days=31))
        end_session(session=session, token=recent, now=now - timedelta(days=29))
    session_purge_job(engine)
    with Session(engine) as session:
        assert len(session.exec(select(UserSession)).all()) == 2
        assert session.exec(select(UserSession).where(col(UserSession.ended_at).is_(None))).one()
    assert [run.job for run in _runs(engine)] == [SESSION_PURGE_JOB]
    assert _runs(engine)[0].error is None
