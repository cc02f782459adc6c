"""T1 charting and T4 review scan: the write path and the background scan, in process."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from bench import sql
from bench.data import LoadedWard, WardShape, bench_database, load_ward
from bench.stats import Result, time_calls, time_interleaved
from jobs.rules import RULES
from jobs.scan import run_scan
from models.audit import Actor
from models.charting import record_vitals
from models.db import make_engine, transaction
from models.schemas import VitalSignsCreate

T1 = "T1 charting"
T4 = "T4 review scan"
T1_FLOOR_MS = 25.0
T1_P95_FACTOR = 2.0
T1_MEDIAN_RATIO = 3.0
T1_ROUNDS = 10  # app and raw writes take turns in this many blocks
T4_P95_MS = 500.0
T4_RATIO = 5.0
T4_SCALE_RATIO = 12.0
# The scan benchmark's wards: 40-bed wards, three days into their stay, observed 4-hourly.
SCAN_SMALL = WardShape(wards=50, beds=40, days=3, vitals_hours=4, ciwa_hours=4, staff=0)
SCAN_LARGE = WardShape(wards=500, beds=40, days=3, vitals_hours=4, ciwa_hours=4, staff=0)


# --- T1 --------------------------------------------------------------------------------------


def vitals_writer(engine: Engine, loaded: LoadedWard) -> Callable[[], None]:
    """One audited set of vitals for the next patient, through the domain operation (T1's
    write, and what makes T2's board work out its rows again)."""
    nurse = Actor(user_id=loaded.nurse_id, username="bench-nurse", role="nurse")
    admissions = itertools.cycle(loaded.admission_ids)

    def write() -> None:
        now = datetime.now(UTC)
        with transaction(engine) as session:
            record_vitals(
                session=session,
                actor=nurse,
                now=now,
                data=VitalSignsCreate(
                    admission_id=next(admissions),
                    taken_at=now - timedelta(minutes=1),
                    heart_rate=82,
                    systolic=124,
                    diastolic=78,
                    temperature_c=36.9,
                    resp_rate=16,
                    spo2=97,
                    supplemental_o2=False,
                    consciousness="A",
                    # What the charting form sends: the SpO2 scale it showed. The insert checks
                    # it against the admission's in the same statement (None would read it
                    # first).
                    spo2_scale=1,
                ),
            )

    return write


def charting(engine: Engine, loaded: LoadedWard, backend: str, runs: int) -> list[Result]:
    """One set of vitals end to end (validate, NEWS2, write, audit, commit) against the same
    statements typed by hand on the bare driver (check the admission, insert, audit, commit)."""
    app_write = vitals_writer(engine, loaded)
    admissions = itertools.cycle(loaded.admission_ids)

    raw = sql.Raw(engine)
    after = json.dumps({"heart_rate": 80, "systolic": 120, "diastolic": 75, "spo2": 97})

    def raw_write() -> None:
        now = datetime.now(UTC)
        admission = next(admissions)
        cursor = raw.connection.cursor()
        raw.begin_write(cursor)
        cursor.execute(raw.sql(sql.ADMISSION_OPEN), raw.params({"admission": admission}))
        if cursor.fetchone() is None:
            raise RuntimeError("admission not open")
        cursor.execute(
            raw.sql(sql.INSERT_VITALS + " RETURNING id"),
            raw.params(
                {
                    "admission": admission,
                    "taken_at": now - timedelta(minutes=1),
                    "now": now,
                    "nurse": loaded.nurse_id,
                    "false": False,
                }
            ),
        )
        inserted = cursor.fetchone()
        assert inserted is not None
        entity_id = inserted[0]
        cursor.execute(
            raw.sql(sql.INSERT_AUDIT),
            raw.params(
                {"now": now, "nurse": loaded.nurse_id, "entity_id": entity_id, "after": after}
            ),
        )
        raw.connection.commit()
        cursor.close()

    try:
        app, base = time_interleaved([app_write, raw_write], runs=runs, rounds=T1_ROUNDS)
    finally:
        raw.close()
    limit = max(T1_FLOOR_MS, T1_P95_FACTOR * base.p95)
    ratio = app.median / base.median
    return [
        Result(
            T1,
            "p95 <= max(25 ms, 2x raw p95)",
            backend,
            app.p95,
            limit,
            "ms",
            app.median,
            app.p95,
            base.p95,
            app.p95 / base.p95,
            note=f"{runs} writes; raw = admission check, insert, audit, commit on the driver",
        ),
        Result(
            T1,
            "median app/raw",
            backend,
            ratio,
            T1_MEDIAN_RATIO,
            "x",
            app.median,
            app.p95,
            base.median,
            ratio,
        ),
    ]


# --- T4 --------------------------------------------------------------------------------------


@contextmanager
def _scan_ward(backend: str, shape: WardShape) -> Iterator[tuple[Engine, datetime, float]]:
    """A freshly loaded database of ``shape`` after its first scan (which raises the flags):
    (engine, the ward's now, the first scan's ms)."""
    with bench_database(backend) as url:
        loaded = load_ward(url, shape)
        engine = make_engine(url)
        try:
            first = time_calls(lambda: run_scan(engine, now=loaded.now), runs=1, warmup=0)
            yield engine, loaded.now, first.median
        finally:
            engine.dispose()


def review_scan(backend: str, *, runs_small: int, runs_large: int) -> list[Result]:
    """Steady-state scans of 2,000 and of 20,000 admissions and the aggregate SQL baseline (on
    the 2,000), taking turns in rounds so that noise on the machine lands on all three."""
    with (
        _scan_ward(backend, SCAN_SMALL) as (small_engine, now, first_small),
        _scan_ward(backend, SCAN_LARGE) as (large_engine, large_now, first_large),
    ):
        raw = sql.Raw(small_engine)
        due = now - timedelta(minutes=60)
        try:
            small, base, large = time_interleaved(
                [
                    lambda: run_scan(small_engine, now=now),
                    lambda: raw.fetch(sql.SCAN, {"due": due, "day_ago": now - timedelta(days=1)}),
                    lambda: run_scan(large_engine, now=large_now),
                ],
                runs=[runs_small, runs_small, runs_large],
                rounds=runs_large,
                warmup=1,
            )
        finally:
            raw.close()
    n_small, n_large = SCAN_SMALL.admissions, SCAN_LARGE.admissions
    ratio = small.median / base.median
    scale = large.median / small.median
    return [
        Result(
            T4,
            f"{n_small:,} admissions p95",
            backend,
            small.p95,
            T4_P95_MS,
            "ms",
            small.median,
            small.p95,
            note=f"{len(RULES)} rules over {SCAN_SMALL.wards} wards of {SCAN_SMALL.beds}; "
            f"first scan (raising) {first_small:.0f} ms",
        ),
        Result(
            T4,
            "median scan/aggregate SQL",
            backend,
            ratio,
            T4_RATIO,
            "x",
            small.median,
            small.p95,
            base.median,
            ratio,
        ),
        Result(
            T4,
            f"{n_large:,}/{n_small:,} median",
            backend,
            scale,
            T4_SCALE_RATIO,
            "x",
            large.median,
            large.p95,
            small.median,
            scale,
            note=f"first scan (raising) {first_large:.0f} ms",
        ),
    ]
