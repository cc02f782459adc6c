"""``make soak``: Taperwatch under load and under faults, on SQLite and PostgreSQL.

For each database: a ward is loaded, gunicorn serves the app (2 workers x 4 threads, on
127.0.0.1 only), and 12 simulated staff chart through Dash's real callback endpoint for 60 s
(bench.load). Then a fault while they chart:

- PostgreSQL is restarted (``pg_ctlcluster --skip-systemctl-redirect 15 main restart``). Only
  here, never in ``make test``: that server is shared with the other tests.
- SQLite's write lock is held by another connection for longer than the busy timeout.

Pass: no error and no lost write in the load runs (rows stored == saves the app confirmed);
during a fault every failed save says clearly that nothing was saved, saves succeed again once
it is over, and nothing is stored that the app did not confirm (a retry cannot duplicate it).
No patient identifier appears in gunicorn's log. Exit status 1 on any failure, 2 if a database
is missing. Bounded: every run has a deadline and gunicorn is stopped whatever happens.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.data import (
    PG_ADMIN_URL,
    STAFF_PASSWORD,
    WardShape,
    bench_database,
    load_ward,
    postgres_problem,
)
from bench.load import (
    LoadResult,
    Sample,
    Server,
    StaffMember,
    _Shared,
    count_rows_since,
    run_load,
    start_gunicorn,
)
from bench.stats import percentile
from models.db import make_engine
from models.migrate import upgrade

USERS = 12
LOAD_SECONDS = 60.0
FAULT_SECONDS = 45.0
FAULT_AFTER_S = 12.0  # the fault starts this long into the fault run
SQLITE_LOCK_S = 8.0  # longer than the 5 s busy timeout
RECOVERY_GRACE_S = 8.0  # after the fault ends, saves must succeed again within this
PG_CLUSTER = ("15", "main")
# A ward like the bench's board ward, smaller: 40 patients, a week in, a day's doses uncharted.
# Staff: the 12 of the load and one probe nurse for the fault runs.
SOAK_WARD = WardShape(
    wards=1, beds=40, days=7, vitals_hours=4, ciwa_hours=4, uncharted_hours=24, staff=USERS + 1
)
# What a failed save says when the database is at fault (dashboard.security, models.db).
CLEAR_ERRORS = ("nothing was saved", "database did not answer", "database is not answering")


@dataclass
class Report:
    backend: str
    run: str
    result: LoadResult
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def lost_writes(self) -> int:
        """Saves the app confirmed that are not in the database."""
        return max(0, self.result.writes_ok - self.result.rows_stored)

    @property
    def unconfirmed_rows(self) -> int:
        """Rows in the database the app did not confirm (a retry would duplicate them)."""
        return max(0, self.result.rows_stored - self.result.writes_ok)


def _log(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- checks --------------------------------------------------------------------------------


def _patient_identifiers(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT mrn, family_name FROM patient")).all()
    finally:
        engine.dispose()
    return [str(value) for row in rows for value in row if value and len(str(value)) >= 4]


def _check_writes(report: Report) -> None:
    if report.lost_writes:
        report.problems.append(f"{report.lost_writes} confirmed saves not stored (lost writes)")
    if report.unconfirmed_rows:
        report.problems.append(
            f"{report.unconfirmed_rows} rows stored that the app reported as not saved"
        )


def _check_log(report: Report, server: Server, identifiers: Sequence[str]) -> None:
    log = server.log_path.read_text(errors="replace") if server.log_path.exists() else ""
    leaked = sorted({i for i in identifiers if i in log})
    if leaked:
        report.problems.append(f"patient identifiers in gunicorn's log: {leaked[:3]}")


def _check_clean(report: Report) -> None:
    result = report.result
    for error in result.errors[:5]:
        report.problems.append(f"error: {error}")
    if len(result.errors) > 5:
        report.problems.append(f"... {len(result.errors) - 5} more errors")
    for line in result.server_errors[:3]:
        report.problems.append(f"server: {line}")
    _check_writes(report)


def _check_fault(report: Report, probe: Probe, fault_start: float, fault_end: float) -> None:
    """During the fault every failed save says nothing was saved; once it is over, saves
    succeed again (the probe nurse saves every half second and notes when)."""
    result = report.result
    failed = [s for s in result.samples if not s.ok] + [s for _, s in probe.samples if not s.ok]
    unclear = [s for s in failed if not any(c in s.error for c in CLEAR_ERRORS)]
    for sample in unclear[:5]:
        report.problems.append(f"unclear error during the fault: {sample.action}: {sample.error}")
    recovered_at = fault_end + RECOVERY_GRACE_S
    late = [s for at, s in probe.samples if at > recovered_at and not s.ok]
    for sample in late[:3]:
        report.problems.append(f"still failing {RECOVERY_GRACE_S:.0f} s after: {sample.error}")
    saved_after = [s for at, s in probe.samples if at > fault_end and s.wrote]
    if not saved_after:
        report.problems.append("no save succeeded after the fault")
    during = [s for at, s in probe.samples if fault_start <= at <= fault_end]
    report.notes.append(
        f"fault lasted {fault_end - fault_start:.1f} s: {len(failed)} saves refused, "
        f"{len(failed) - len(unclear)} of them saying nothing was saved; the probe nurse saved "
        f"{sum(s.wrote for s in during)}/{len(during)} during it and "
        f"{len(saved_after)}/{sum(1 for at, _ in probe.samples if at > fault_end)} after"
    )
    if probe.rows_stored != sum(s.wrote for _, s in probe.samples):
        report.problems.append(
            f"probe: {sum(s.wrote for _, s in probe.samples)} saves confirmed, "
            f"{probe.rows_stored} rows stored"
        )
    _check_writes(report)


@dataclass
class Probe:
    """One more nurse, saving vitals every half second through a fault, each save timed."""

    member: StaffMember
    username: str
    samples: list[tuple[float, Sample]] = field(default_factory=list)
    rows_stored: int = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            sample = self.member.act("vitals")
            self.samples.append((time.monotonic(), sample))


# --- runs ----------------------------------------------------------------------------------


def _run(
    url: str, server: Server, usernames: Sequence[str], seconds: float, seed: int
) -> LoadResult:
    return run_load(
        database_url=url,
        users=USERS,
        seconds=seconds,
        usernames=usernames,
        password=STAFF_PASSWORD,
        server=server,
        seed=seed,
    )


@contextmanager
def _gunicorn(url: str, logs: Path) -> Iterator[Server]:
    server = start_gunicorn(database_url=url, workers=2, threads=4, log_dir=logs)
    try:
        yield server
    finally:
        server.stop()


def _with_fault(
    url: str,
    server: Server,
    usernames: Sequence[str],
    admission_ids: Sequence[int],
    fault: Callable[[], None],
) -> tuple[LoadResult, Probe, float, float]:
    """A fault run: the load for FAULT_SECONDS and the probe nurse, ``fault()`` started
    FAULT_AFTER_S into it."""
    outcome: dict[str, LoadResult] = {}
    probe_user = usernames[USERS]
    member = StaffMember(
        server.base_url, probe_user, STAFF_PASSWORD, admission_ids, _Shared([]), 99
    )
    member.sign_in()
    probe = Probe(member, probe_user)
    since = datetime.now(UTC)
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=lambda: outcome.setdefault("r", _run(url, server, usernames, FAULT_SECONDS, 7)),
            daemon=True,
        ),
        threading.Thread(target=probe.run, args=(stop,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    time.sleep(FAULT_AFTER_S)
    fault_start = time.monotonic()
    try:
        fault()
    finally:
        fault_end = time.monotonic()
        threads[0].join(timeout=FAULT_SECONDS + 180)
        stop.set()
        threads[1].join(timeout=60)
    if "r" not in outcome:
        raise RuntimeError("the fault run did not finish")
    probe.rows_stored = count_rows_since(url, [probe_user], since)
    return outcome["r"], probe, fault_start, fault_end


def _restart_postgresql() -> None:
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", *PG_CLUSTER, "restart"]
    _log("fault: " + " ".join(command))
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"pg_ctlcluster failed: {(done.stderr or done.stdout).strip()}")
    _wait_for_postgresql()


def _wait_for_postgresql(timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if postgres_problem() is None:
            return
        time.sleep(0.5)
    raise RuntimeError(f"PostgreSQL did not come back within {timeout_s:.0f} s")


def _lock_sqlite(url: str) -> Callable[[], None]:
    path = url.removeprefix("sqlite:///")

    def hold() -> None:
        _log(f"fault: another connection holds SQLite's write lock for {SQLITE_LOCK_S:.0f} s")
        blocker = sqlite3.connect(path, isolation_level=None)
        try:
            blocker.execute("BEGIN IMMEDIATE")
            time.sleep(SQLITE_LOCK_S)
            blocker.execute("ROLLBACK")
        finally:
            blocker.close()

    return hold


@contextmanager
def _soak_database(backend: str) -> Iterator[str]:
    """A new migrated database (bench.data's, except that PostgreSQL's is dropped through a
    fresh connection: the restart ended every connection made before it)."""
    if backend == "sqlite":
        with bench_database("sqlite") as url:
            yield url
        return
    name = f"tw_soak_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        engine = make_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        yield url
    finally:
        _wait_for_postgresql()
        _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(statement: str) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def soak_backend(backend: str, seconds: float) -> list[Report]:
    reports: list[Report] = []
    with _soak_database(backend) as url, tempfile.TemporaryDirectory(prefix="tw-soak-") as logs:
        _log(f"{backend}: loading the ward")
        loaded = load_ward(url, SOAK_WARD)
        identifiers = _patient_identifiers(url)
        with _gunicorn(url, Path(logs)) as server:
            _log(f"{backend}: {USERS} staff charting for {seconds:.0f} s")
            load = Report(backend, "load", _run(url, server, loaded.staff_usernames, seconds, 1))
            _check_clean(load)
            _check_log(load, server, identifiers)
            reports.append(load)

            fault = _restart_postgresql if backend == "postgresql" else _lock_sqlite(url)
            name = "PostgreSQL restart" if backend == "postgresql" else "SQLite locked"
            _log(f"{backend}: {name} while {USERS} staff chart ({FAULT_SECONDS:.0f} s)")
            result, probe, start, end = _with_fault(
                url, server, loaded.staff_usernames, loaded.admission_ids, fault
            )
            faulted = Report(backend, name, result)
            _check_fault(faulted, probe, start, end)
            _check_log(faulted, server, identifiers)
            reports.append(faulted)
    return reports


# --- report --------------------------------------------------------------------------------


def _table(reports: Sequence[Report]) -> str:
    head = (
        f"{'database':<11} {'run':<19} {'requests':>8} {'saves':>6} {'stored':>6} {'errors':>6} "
        f"{'lost':>4} {'p95 ms':>7} {'p95 board':>9} {'p95 save':>8}"
    )
    lines = [head, "-" * len(head)]
    for r in reports:
        res = r.result
        saves = [s.ms for s in res.samples if s.action != "board"]
        lines.append(
            f"{r.backend:<11} {r.run:<19} {res.requests:>8} {res.writes_ok:>6} "
            f"{res.rows_stored:>6} {len(res.errors):>6} {r.lost_writes:>4} {res.p95():>7.0f} "
            f"{res.p95('board'):>9.0f} {percentile(saves, 95):>8.0f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--seconds", type=float, default=LOAD_SECONDS, help="load run length")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], action="append")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", "postgresql"]
    if "postgresql" in backends:
        problem = postgres_problem() or (
            None if shutil.which("pg_ctlcluster") else "pg_ctlcluster is not installed"
        )
        if problem:
            print(f"soak: {problem}", file=sys.stderr)
            return 2
    reports: list[Report] = []
    failed = False
    for backend in backends:
        try:
            reports += soak_backend(backend, args.seconds)
        except Exception as exc:  # noqa: BLE001 - reported as a failure, the others still run
            failed = True
            print(f"FAIL {backend}: the soak stopped: {type(exc).__name__}: {exc}")
    print(_table(reports))
    for r in reports:
        for note in r.notes:
            print(f"{r.backend} {r.run}: {note}")
        for problem in r.problems:
            failed = True
            print(f"FAIL {r.backend} {r.run}: {problem}")
    print("soak: FAIL" if failed else "soak: pass (no errors, no lost writes)")
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
