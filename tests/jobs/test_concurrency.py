"""Two scanners at once, and a scanner killed mid-run: never a duplicate, never a loss."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

import jobs.flags
from jobs.scan import ScanReport, run_scan
from models.db import make_engine
from models.tables import AuditEvent, Flag, JobRun
from tests.jobs.conftest import NEWS2_FIVE, T0, Ward7

H = timedelta(hours=1)
ROOT = Path(__file__).resolve().parents[2]


def _ward_with_findings(ward7: Ward7, patients: int = 6) -> None:
    for i in range(patients):
        patient = ward7.admit(f"B{i}", at=T0)
        ward7.dose(patient, T0 + H)
        ward7.chart(ward7.dose(patient, T0 + 2 * H), "refused", T0 + 2 * H, "declined")
        ward7.vitals(patient, T0 + 2 * H, NEWS2_FIVE)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _flag_keys(engine: Engine) -> list[tuple[int, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Flag).where(col(Flag.status) != "resolved")).all()
    return [(f.admission_id, f.rule, f.subject) for f in rows]


def _raise_audits(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "flag.raise")
        ).one()


def test_two_scanners_at_once_raise_no_duplicates(
    ward7: Ward7, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ward_with_findings(ward7)
    if ward7.engine.dialect.name == "postgresql":
        # Both scanners read "no flags yet" before either writes: the race the index must
        # settle. (On SQLite a rule's transaction holds the write lock from its first read, so
        # the other scanner waits for it and finds its flags: no such race to arrange.)
        both_have_read = threading.Barrier(2, timeout=30)
        original = jobs.flags._raise

        def raise_together(*args: Any) -> Any:
            both_have_read.wait()
            return original(*args)

        monkeypatch.setattr(jobs.flags, "_raise", raise_together)
    engines = [make_engine(_url(ward7.engine)) for _ in range(2)]
    reports: list[ScanReport] = []
    failures: list[BaseException] = []

    def scan(engine: Engine) -> None:
        try:
            reports.append(run_scan(engine, now=T0 + 5 * H))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=scan, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for engine in engines:
        engine.dispose()
    assert failures == [] and len(reports) == 2
    assert [r.errors for r in reports] == [[], []]
    keys = _flag_keys(ward7.engine)
    assert len(keys) == len(set(keys)) == 6 * 5
    raised = Counter(
        (c.admission_id, c.rule, c.subject)
        for r in reports
        for c in r.changes
        if c.action == "raise"
    )
    assert set(raised) == set(keys) and max(raised.values()) == 1
    assert _raise_audits(ward7.engine) == len(keys)


# A scan that stops for good in the middle of its third rule's transaction, after inserting
# that rule's flags and before committing them.
_KILLED_SCAN = """
import sys, time
from datetime import datetime
import jobs.flags
from jobs.scan import run_scan
from models.db import make_engine

original = jobs.flags._raise
rules_with_news = 0

def raise_then_hang(connection, rule, new, now):
    global rules_with_news
    changes = original(connection, rule, new, now)
    if new:
        rules_with_news += 1
        if rules_with_news == 3:
            print("inserted, not committed", flush=True)
            time.sleep(600)
    return changes

jobs.flags._raise = raise_then_hang
run_scan(make_engine(sys.argv[1]), now=datetime.fromisoformat(sys.argv[2]))
"""


def test_a_scan_killed_mid_run_and_run_again_loses_and_duplicates_nothing(
    ward7: Ward7,
) -> None:
    _ward_with_findings(ward7)
    now = T0 + 5 * H
    process = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SCAN, _url(ward7.engine), now.isoformat()],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "inserted, not committed"
        committed_before_kill = _flag_keys(ward7.engine)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    # Two rules were committed before the kill; the third's inserts died with the process.
    assert {rule for _, rule, _ in committed_before_kill} == {"news2", "missed_dose"}
    assert len(committed_before_kill) == 12

    report = run_scan(ward7.engine, now=now)
    assert report.errors == []
    keys = _flag_keys(ward7.engine)
    assert len(keys) == len(set(keys)) == 6 * 5
    assert set(committed_before_kill) <= set(keys)
    assert report.raised == 6 * 5 - 12
    assert _raise_audits(ward7.engine) == len(keys)
    with Session(ward7.engine) as session:
        runs = session.exec(select(JobRun).order_by(col(JobRun.id))).all()
    assert [r.finished_at is None for r in runs] == [True, False]  # the killed run shows
    assert runs[1].raised == report.raised
