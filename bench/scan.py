"""The review scan at 2,000 and 20,000 active admissions (not a test; ``make bench`` runs the
T4 target, this prints the detail): load time, the first scan (which raises the flags), the
median of the steady-state scans, and each rule's median, on SQLite and PostgreSQL.

    python -m bench.scan                                  # both backends, 2,000 and 20,000
    python -m bench.scan --backends sqlite --sizes 2000 --runs 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial

from bench.data import BACKENDS, WardShape, bench_database, load_ward, postgres_problem
from jobs.rules import RULES
from jobs.scan import run_scan, scan_rule
from models.db import make_engine

BEDS_PER_WARD = 40


def shape_for(admissions: int) -> WardShape:
    """40-bed wards three days into their stay, observed 4-hourly (as the T4 target)."""
    wards = max(1, admissions // BEDS_PER_WARD)
    return WardShape(wards=wards, beds=BEDS_PER_WARD, days=3, vitals_hours=4, ciwa_hours=4, staff=0)


def _median_ms(call: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_size(backend: str, admissions: int, runs: int) -> list[str]:
    shape = shape_for(admissions)
    lines = []
    with bench_database(backend) as url:
        start = time.perf_counter()
        loaded = load_ward(url, shape)
        load_s = time.perf_counter() - start
        engine = make_engine(url)
        now = loaded.now
        try:
            start = time.perf_counter()
            first = run_scan(engine, now=now)
            first_ms = (time.perf_counter() - start) * 1000
            steady = _median_ms(lambda: run_scan(engine, now=now), runs)
            per_rule = {
                rule.name: _median_ms(partial(scan_rule, engine, rule, now), runs) for rule in RULES
            }
        finally:
            engine.dispose()
    lines.append(
        f"{backend:<10} {shape.admissions:>6,} admissions ({shape.wards} wards; loaded in "
        f"{load_s:.0f} s): first scan {first_ms:,.0f} ms raising {first.raised:,} flags; "
        f"steady-state median {steady:,.0f} ms over {runs} runs"
    )
    lines += [f"{'':<12}{name:<20} {ms:>8,.1f} ms" for name, ms in per_rule.items()]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    for backend in args.backends.split(","):
        if backend == "postgresql" and (problem := postgres_problem()):
            print(f"postgresql skipped: {problem}", file=sys.stderr)
            continue
        for size in (int(s) for s in args.sizes.split(",")):
            for line in bench_size(backend, size, args.runs):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
