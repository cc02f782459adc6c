"""Timing and the result rows every target reports.

Figures are medians and 95th percentiles of repeated runs, and each limit that can be is a
ratio to a baseline measured in the same run on the same machine, so a noisy shared machine
moves both sides together. Nothing here asserts a time: the table says pass or fail.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Timing:
    """Milliseconds of ``runs`` repeated calls."""

    samples_ms: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        return percentile(self.samples_ms, 95)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation: a p95 is a time that really happened)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def time_calls(
    call: Callable[[], object],
    *,
    runs: int,
    warmup: int = 3,
    setup: Callable[[], object] | None = None,
) -> Timing:
    """Time ``call`` ``runs`` times after ``warmup`` untimed calls; ``setup`` runs untimed
    before each call. The collector is paused while timing so a collection of garbage made
    elsewhere does not land on one sample."""
    for _ in range(warmup):
        if setup is not None:
            setup()
        call()
    samples: list[float] = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            if setup is not None:
                setup()
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        gc.enable()
    return Timing(tuple(samples))


def time_interleaved(
    calls: Sequence[Callable[[], object]],
    *,
    runs: int | Sequence[int],
    rounds: int,
    warmup: int = 3,
) -> list[Timing]:
    """Time each of ``calls`` ``runs`` times (one count for all, or one per call), taking
    turns in ``rounds`` blocks, so a burst of noise on the shared machine lands on every side,
    not on one; the timings in the order of ``calls``."""
    counts = [runs] * len(calls) if isinstance(runs, int) else list(runs)
    if len(counts) != len(calls):
        raise ValueError("one count of runs per call")
    per_round = [max(1, count // rounds) for count in counts]
    samples: list[list[float]] = [[] for _ in calls]
    for round_number in range(rounds):
        for n, call in enumerate(calls):
            timing = time_calls(call, runs=per_round[n], warmup=warmup if round_number == 0 else 0)
            samples[n].extend(timing.samples_ms)
    return [Timing(tuple(side)) for side in samples]


@dataclass
class Result:
    """One line of the table and one object of bench/results.json."""

    target: str  # "T1 charting"
    check: str  # what is compared with the limit, e.g. "p95 ms", "median ratio app/raw"
    backend: str  # sqlite, postgresql or "-" (not a database figure)
    measured: float  # the figure compared with the limit
    limit: float
    unit: str  # "ms", "x", "kB", "errors"
    median: float | None = None  # of the app's samples (ms), when timed
    p95: float | None = None
    baseline: float | None = None  # the same-run baseline's median (or p95), same unit
    ratio: float | None = None  # app / baseline
    note: str = ""

    @property
    def passed(self) -> bool:
        return bool(self.measured <= self.limit)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["pass"] = self.passed
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}
