"""``taperwatch scan`` prints what it raised, naming the patient; a second run raises nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from models.types import utcnow
from tests.jobs.conftest import Ward7

ROOT = Path(__file__).resolve().parents[2]


def _scan(ward7: Ward7) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TAPERWATCH_DATABASE_URL": ward7.engine.url.render_as_string(hide_password=False),
        "TAPERWATCH_DEMO": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "taperwatch", "scan"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_scan_prints_what_it_raised_and_then_nothing(ward7: Ward7) -> None:
    now = utcnow()
    patient = ward7.admit("B7", at=now - timedelta(hours=3))
    ward7.dose(patient, now - timedelta(hours=2))
    ward7.ciwa(patient, now - timedelta(minutes=30), 5)
    ward7.vitals(patient, now - timedelta(minutes=30))
    first = _scan(ward7)
    assert first.returncode == 0, first.stderr
    [line] = [ln for ln in first.stdout.splitlines() if "missed_dose" in ln]
    assert line.startswith("raise") and "B7 PATIENTB7, Test" in line and "not charted" in line
    assert first.stdout.splitlines()[-1] == (
        "1 raised, 0 cleared (awaiting a person), 0 resolved, 0 updated"
    )
    second = _scan(ward7)
    assert second.returncode == 0 and second.stdout.strip() == (
        "0 raised, 0 cleared (awaiting a person), 0 resolved, 0 updated"
    )
