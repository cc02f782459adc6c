"""``python -m bench`` (``make bench``): every benchmark target (T1-T6, listed in the README) on
SQLite and PostgreSQL, one table on stdout and bench/results.json.

    python -m bench                      # everything, both backends
    python -m bench --backends sqlite --targets T2,T3 --quick
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench import browser_targets, db_targets, page_targets
from bench.data import (
    BACKENDS,
    STAFF_PASSWORD,
    WardShape,
    bench_database,
    load_ward,
    postgres_problem,
)
from bench.load import LoadResult, Server, run_load, start_gunicorn
from bench.stats import Result
from models.db import make_engine

RESULTS = Path(__file__).with_name("results.json")
TARGETS = ("T1", "T2", "T3", "T4", "T5", "T6")
# The ward board's ward (T1, T2, T5, T6): 40 patients, 30 days of hourly vitals and CIWA-B;
# the last day's doses left uncharted for the load test's nurses.
BOARD_WARD = WardShape(wards=1, beds=40, days=30, uncharted_hours=24, staff=12)
CHART_WARD = WardShape(wards=1, beds=2, days=90, staff=1)  # T3: a 90-day stay
T5 = "T5 concurrency"
T5_USERS = 12
T5_P95_MS = 300.0
T5_RATIO = 3.0


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def concurrency(
    server: Server, url: str, usernames: Sequence[str], backend: str, seconds: float
) -> list[Result]:
    """12 staff for ``seconds`` against 1 staff member for half as long, same server."""
    one = run_load(
        database_url=url,
        users=1,
        seconds=max(10.0, seconds / 2),
        usernames=usernames,
        password=STAFF_PASSWORD,
        server=server,
    )
    many = run_load(
        database_url=url,
        users=T5_USERS,
        seconds=seconds,
        usernames=usernames,
        password=STAFF_PASSWORD,
        server=server,
        seed=100,
    )
    ratio = many.p95() / one.p95()
    errors = len(many.errors) + len(one.errors) + len(many.server_errors)
    lost = many.writes_ok - many.rows_stored
    return [
        Result(T5, f"p95 at {T5_USERS} users", backend, many.p95(), T5_P95_MS, "ms",
               many.median(), many.p95(), note=_load_note(many)),
        Result(T5, "errors (and writes lost)", backend, float(errors + abs(lost)), 0.0,
               "errors", note=_errors_note(many, one)),
        Result(T5, f"p95 {T5_USERS} users/1 user", backend, ratio, T5_RATIO, "x",
               many.median(), many.p95(), one.p95(), ratio,
               note=f"1 user: {one.requests} requests, median {one.median():.0f} ms"),
    ]  # fmt: skip


def _load_note(result: LoadResult) -> str:
    mix = ", ".join(f"{k} {v}" for k, v in sorted(result.by_action().items()))
    return (
        f"{result.requests} requests in {result.seconds:.0f} s ({mix}); board p95 "
        f"{result.p95('board'):.0f} ms; {result.writes_ok} writes, {result.rows_stored} rows"
    )


def _errors_note(many: LoadResult, one: LoadResult) -> str:
    problems = many.errors + one.errors + many.server_errors
    if many.writes_ok != many.rows_stored:
        problems.append(f"{many.writes_ok} writes confirmed, {many.rows_stored} rows stored")
    return "; ".join(problems[:3]) if problems else "none"


def run_backend(backend: str, targets: set[str], quick: bool, seconds: float) -> list[Result]:
    results: list[Result] = []
    runs = 40 if quick else 200
    if targets & {"T1", "T2", "T5", "T6"}:
        with bench_database(backend) as url:
            _log(f"{backend}: loading the board ward")
            loaded = load_ward(url, BOARD_WARD)
            engine = make_engine(url)
            try:
                if "T1" in targets:
                    _log(f"{backend}: T1 charting")
                    results += db_targets.charting(engine, loaded, backend, runs * 4)
                if "T2" in targets:
                    _log(f"{backend}: T2 ward board")
                    results += page_targets.ward_board(url, engine, loaded, backend, runs // 4)
                if "T5" in targets:
                    with tempfile.TemporaryDirectory(prefix="tw-bench-logs-") as logs:
                        server = start_gunicorn(database_url=url, log_dir=Path(logs))
                        try:
                            _log(f"{backend}: T5 concurrency ({seconds:.0f} s)")
                            results += concurrency(
                                server, url, loaded.staff_usernames, backend, seconds
                            )
                        finally:
                            server.stop()
                if "T6" in targets and backend == "sqlite":
                    _log("T6 the pages in headless Chromium (T6a-T6d)")
                    results += browser_targets.browser_targets(url, engine, loaded)
            finally:
                engine.dispose()
    if "T3" in targets:
        with bench_database(backend) as url:
            _log(f"{backend}: T3 patient chart")
            loaded = load_ward(url, CHART_WARD)
            engine = make_engine(url)
            try:
                results += page_targets.patient_chart_target(engine, loaded, backend, runs // 4)
            finally:
                engine.dispose()
    if "T4" in targets:
        _log(f"{backend}: T4 review scan (2,000 and 20,000 admissions)")
        results += db_targets.review_scan(
            backend, runs_small=5 if quick else 20, runs_large=1 if quick else 5
        )
    return results


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def table(results: Sequence[Result]) -> str:
    head = ("target", "check", "backend", "median", "p95", "baseline", "ratio", "measured",
            "limit", "")  # fmt: skip
    lines = [head]
    for r in results:
        lines.append(
            (
                r.target,
                r.check,
                r.backend,
                _fmt(r.median),
                _fmt(r.p95),
                _fmt(r.baseline),
                _fmt(r.ratio, "x"),
                f"{_fmt(r.measured, r.unit)} {r.unit if r.unit != 'x' else ''}".strip(),
                f"{_fmt(r.limit, r.unit)} {r.unit if r.unit != 'x' else ''}".strip(),
                "pass" if r.passed else "FAIL",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def markdown(rows: Sequence[dict[str, object]]) -> str:
    """bench/results.json as the README's table."""
    lines = [
        "| target | check | backend | median ms | p95 ms | baseline | ratio | measured | limit | |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in rows:
        unit = str(r["unit"])

        def cell(key: str, suffix: str = "", r: dict[str, object] = r) -> str:
            value = r.get(key)
            return f"{_fmt(float(value), suffix)}" if isinstance(value, int | float) else ""

        measured = f"{cell('measured', unit)} {'' if unit == 'x' else unit}".strip()
        limit = f"{cell('limit', unit)} {'' if unit == 'x' else unit}".strip()
        lines.append(
            f"| {r['target']} | {r['check']} | {r['backend']} | {cell('median')} | "
            f"{cell('p95')} | {cell('baseline')} | {cell('ratio', 'x')} | {measured} | "
            f"{limit} | {'pass' if r['pass'] else '**FAIL**'} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--quick", action="store_true", help="fewer runs (a smoke run)")
    parser.add_argument("--seconds", type=float, default=60.0, help="T5 load duration")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--markdown", action="store_true", help="print --output's table as markdown, run nothing"
    )
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown(json.loads(args.output.read_text())))
        return 0
    targets = {t.strip().upper() for t in args.targets.split(",") if t.strip()}
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    started = time.monotonic()
    results: list[Result] = []
    for backend in backends:
        if backend == "postgresql" and (problem := postgres_problem()):
            _log(f"skipping PostgreSQL: {problem}")
            continue
        results += run_backend(backend, targets, args.quick, args.seconds)
    results.sort(key=lambda r: (r.target, r.backend != "sqlite"))
    elapsed = time.monotonic() - started
    print(table(results))
    failed = [r for r in results if not r.passed]
    print(
        f"\n{len(results) - len(failed)} of {len(results)} checks held in {elapsed / 60:.1f} min "
        f"on {platform.node() or 'this machine'}"
    )
    for r in results:
        if r.note:
            print(f"  {r.target} / {r.check} / {r.backend}: {r.note}")
    args.output.write_text(json.dumps([r.to_json() for r in results], indent=2) + "\n")
    _log(f"wrote {args.output}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
