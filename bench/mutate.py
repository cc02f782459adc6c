"""``python -m bench.mutate`` (``make mutate``): mutation testing of ``models/clinical``.

Two passes, both run against ``tests/clinical`` only (the pure tests):

1. mutmut (configured in pyproject.toml, ``[tool.mutmut]``) mutates the code inside every
   function of ``models/clinical`` (operators, comparisons, numbers, strings, arguments) and runs
   the tests that reach each function.
2. The constants pass: mutmut 3 does not touch module-level code, so every number in a
   module-level assignment (band edges, windows, ceilings, tables) is nudged by +1 and by -1, one
   at a time, in a scratch copy of the tree, and ``tests/clinical`` must fail for each.

Mutants judged equivalent (no behaviour can tell them apart) are listed with a reason in
``mutmut-equivalent.txt``. The report is one table per pass, printed and written to
``mutants/report.md``; the run fails when a file's kill rate is under 95 % or a constant survives.

    python -m bench.mutate                  # fresh: both passes, every file
    python -m bench.mutate --keep           # reuse mutmut's results where the code is unchanged
    python -m bench.mutate --skip-mutmut    # only the constants pass
    python -m bench.mutate --skip-constants --files news2,scales
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from queue import Queue

ROOT = Path(__file__).resolve().parent.parent
CLINICAL = ROOT / "models" / "clinical"
EQUIVALENT_FILE = ROOT / "mutmut-equivalent.txt"
REPORT = ROOT / "mutants" / "report.md"
NOT_MUTATED = frozenset({"__init__.py", "sources.py"})  # sources.py: citations, no rules
TARGET_PCT = 95.0
WORKERS = 2  # the machine is shared; never more
KILLED = frozenset({"killed", "timeout", "caught by type check", "segfault"})
_MUTANT_NAME = re.compile(r"^(?P<module>[\w.]+)\.x[_\u01c1]")


def _log(message: str) -> None:
    print(f"[mutate {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def clinical_files(only: Sequence[str] = ()) -> list[Path]:
    files = [p for p in sorted(CLINICAL.glob("*.py")) if p.name not in NOT_MUTATED]
    if only:
        files = [p for p in files if p.stem in only]
    return files


# --- equivalents --------------------------------------------------------------------------------


def read_equivalents(path: Path = EQUIVALENT_FILE) -> dict[str, str]:
    """``mutant-name  reason`` per line; ``#`` starts a comment. Every entry needs a reason."""
    equivalents: dict[str, str] = {}
    if not path.exists():
        return equivalents
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path.name}:{number}: {name} has no reason")
        if name in equivalents:
            raise SystemExit(f"{path.name}:{number}: {name} is listed twice")
        equivalents[name] = reason.strip()
    return equivalents


# --- pass 1: mutmut -----------------------------------------------------------------------------


@dataclass
class FileScore:
    file: str
    mutants: int = 0
    killed: int = 0
    equivalent: int = 0
    not_run: int = 0  # "not checked": the run was stopped before mutmut reached them
    survivors: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        """Killed of the mutants run that are not equivalent."""
        judged = self.mutants - self.equivalent - self.not_run
        return 100.0 if judged == 0 else 100.0 * self.killed / judged

    @property
    def passed(self) -> bool:
        return self.not_run == 0 and self.rate >= TARGET_PCT


def run_mutmut(*, fresh: bool, mutant_globs: Sequence[str]) -> None:
    if fresh:
        shutil.rmtree(ROOT / "mutants", ignore_errors=True)
    (ROOT / "mutants").mkdir(exist_ok=True)
    log_path = ROOT / "mutants" / "mutmut-run.log"
    _log(f"mutmut run ({WORKERS} workers), output in {log_path.relative_to(ROOT)}")
    with log_path.open("w", encoding="utf-8") as log:
        done = subprocess.run(
            [_bin("mutmut"), "run", "--max-children", str(WORKERS), *mutant_globs],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
        raise SystemExit(f"mutmut run failed ({done.returncode}):\n{tail}")


def mutmut_statuses() -> dict[str, str]:
    out = subprocess.run(
        [_bin("mutmut"), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    statuses: dict[str, str] = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name:
            statuses[name] = status
    return statuses


def score_mutmut(
    statuses: dict[str, str], equivalents: dict[str, str], files: Sequence[Path]
) -> tuple[list[FileScore], list[str]]:
    """Per-file scores, and the equivalents that are not (or no longer) surviving mutants."""
    by_module = {f"models.clinical.{p.stem}": FileScore(p.name) for p in files}
    stale = [name for name in equivalents if statuses.get(name, "killed") in KILLED]
    survivors: dict[str, list[str]] = {module: [] for module in by_module}
    for name, status in statuses.items():
        match = _MUTANT_NAME.match(name)
        if match is None or match["module"] not in by_module:
            continue
        score = by_module[match["module"]]
        score.mutants += 1
        if status in KILLED:
            score.killed += 1
        elif status == "not checked":
            score.not_run += 1
        elif name in equivalents:
            score.equivalent += 1
        else:
            survivors[match["module"]].append(f"{name} ({status})")
    for module, score in by_module.items():
        score.survivors = tuple(sorted(survivors[module]))
    return list(by_module.values()), stale


# --- pass 2: module-level constants ±1 ----------------------------------------------------------


@dataclass(frozen=True)
class ConstantMutant:
    file: str  # e.g. news2.py
    name: str  # the assigned name
    line: int
    start: int  # offsets into the file's text
    end: int
    old: str
    new: str

    @property
    def label(self) -> str:
        return f"{self.file}:{self.line} {self.name} {self.old} -> {self.new}"


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def constant_mutants(path: Path) -> Iterator[ConstantMutant]:
    """Every int/float literal of a module-level assignment, +1 and -1 (CLINICAL_NUMBERS, the
    sources table of each module, only repeats these names and is left alone)."""
    text = path.read_text(encoding="utf-8")
    starts = _offsets(text)
    for statement in ast.parse(text).body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        if not isinstance(target, ast.Name) or target.id == "CLINICAL_NUMBERS":
            continue
        for node in ast.walk(value):
            if not isinstance(node, ast.Constant) or isinstance(node.value, bool):
                continue
            if not isinstance(node.value, int | float):
                continue
            number = node.value
            assert node.end_lineno is not None and node.end_col_offset is not None
            start = starts[node.lineno - 1] + node.col_offset
            end = starts[node.end_lineno - 1] + node.end_col_offset
            old = text[start:end]
            for delta in (1, -1):
                new_value = number + delta
                new = repr(new_value) if new_value >= 0 else f"({new_value!r})"
                yield ConstantMutant(path.name, target.id, node.lineno, start, end, old, new)


def _scratch_copy(into: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("models", "tests"):
        shutil.copytree(ROOT / package, into / package, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", into / "pyproject.toml")
    return into


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # a nudged file can keep its size and mtime second
    env.pop("PYTHONPATH", None)
    return env


def _check_copy_is_imported(copy: Path) -> None:
    where = subprocess.run(
        [sys.executable, "-c", "import models.clinical.news2 as m; print(m.__file__)"],
        cwd=copy,
        env=_env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(copy.resolve()):
        raise SystemExit(f"the scratch copy is not what the tests import ({where})")


def _test_files(copy: Path, first: str) -> list[str]:
    """All of the copy's tests/clinical, the mutated module's own test file first (-x stops
    sooner). Listed from the copy, not the tree: a test file added during a run would
    otherwise be missing from the copy, and pytest's "file not found" would count as caught."""
    files = sorted(p.name for p in (copy / "tests" / "clinical").glob("test_*.py"))
    own = f"test_{Path(first).stem}.py"
    ordered = ([own] if own in files else []) + [f for f in files if f != own]
    return [f"tests/clinical/{f}" for f in ordered]


def _run_constant(copy: Path, mutant: ConstantMutant) -> bool:
    """True when the tests fail (the mutant is caught)."""
    target = copy / "models" / "clinical" / mutant.file
    original = target.read_text(encoding="utf-8")
    target.write_text(original[: mutant.start] + mutant.new + original[mutant.end :], "utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
            + ["-p", "no:xdist", *_test_files(copy, mutant.file)],
            cwd=copy,
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=600,
        )
        return done.returncode != 0
    except subprocess.TimeoutExpired:
        return True
    finally:
        target.write_text(original, "utf-8")


def run_constants(files: Sequence[Path]) -> list[tuple[ConstantMutant, bool]]:
    mutants = [m for path in files for m in constant_mutants(path)]
    _log(f"constants pass: {len(mutants)} nudges, {WORKERS} workers")
    results: list[tuple[ConstantMutant, bool]] = []
    with tempfile.TemporaryDirectory(prefix="taperwatch-mutate-") as scratch:
        copies: Queue[Path] = Queue()
        for n in range(WORKERS):
            copy = _scratch_copy(Path(scratch) / f"w{n}")
            _check_copy_is_imported(copy)
            copies.put(copy)
        # The unmutated copy must pass, or every nudge would look caught.
        clean = copies.get()
        if subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
            + ["tests/clinical"],
            cwd=clean,
            env=_env(),
            stdout=subprocess.DEVNULL,
            check=False,
        ).returncode:
            raise SystemExit("tests/clinical fails without any mutant; fix that first")
        copies.put(clean)

        def one(mutant: ConstantMutant) -> tuple[ConstantMutant, bool]:
            copy = copies.get()
            try:
                return mutant, _run_constant(copy, mutant)
            finally:
                copies.put(copy)

        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            for count, result in enumerate(pool.map(one, mutants), start=1):
                results.append(result)
                if not result[1]:
                    _log(f"survived: {result[0].label}")
                if count % 50 == 0:
                    _log(f"{count}/{len(mutants)}")
    return results


# --- report -------------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "--:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return lines


def report(
    scores: Sequence[FileScore] | None,
    stale: Sequence[str],
    constants: Sequence[tuple[ConstantMutant, bool]] | None,
    minutes: float,
) -> tuple[str, bool]:
    ok = True
    lines = [f"# Mutation testing of models/clinical ({minutes:.1f} min)", ""]
    if scores is not None:
        lines += ["## mutmut (code inside functions)", ""]
        rows = []
        for s in scores:
            ok &= s.passed
            verdict = "pass" if s.passed else ("not finished" if s.not_run else "FAIL")
            rows.append(
                (s.file, s.mutants, s.killed, s.equivalent, len(s.survivors), s.not_run)
                + (f"{s.rate:.1f} %", verdict)
            )
        total = FileScore(
            "all",
            sum(s.mutants for s in scores),
            sum(s.killed for s in scores),
            sum(s.equivalent for s in scores),
            sum(s.not_run for s in scores),
        )
        rows.append(
            ("**all**", total.mutants, total.killed, total.equivalent)
            + (sum(len(s.survivors) for s in scores), total.not_run, f"{total.rate:.1f} %", "")
        )
        header = ("file", "mutants", "killed", "equivalent", "survived", "not run", "kill rate", "")
        lines += _table(header, rows)
        survivors = [name for s in scores for name in s.survivors]
        if survivors:
            lines += ["", "Surviving mutants (`mutmut show NAME`):", ""]
            lines += [f"- {name}" for name in survivors]
        if stale:
            ok = False
            lines += ["", f"Listed as equivalent in {EQUIVALENT_FILE.name} but killed or gone:"]
            lines += [f"- {name}" for name in stale]
    if constants is not None:
        lines += ["", "## Module-level constants nudged ±1", ""]
        per_file: Counter[str] = Counter()
        caught: Counter[str] = Counter()
        for mutant, was_caught in constants:
            per_file[mutant.file] += 1
            caught[mutant.file] += was_caught
        lines += _table(
            ("file", "nudged", "caught", ""),
            [
                (f, per_file[f], caught[f], "pass" if caught[f] == per_file[f] else "FAIL")
                for f in sorted(per_file)
            ],
        )
        missed = [m.label for m, was_caught in constants if not was_caught]
        if missed:
            ok = False
            lines += ["", "Constants whose nudge no test noticed:", ""]
            lines += [f"- {label}" for label in missed]
    lines += ["", "Result: " + ("pass" if ok else "FAIL")]
    return "\n".join(lines) + "\n", ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutate", description=__doc__)
    parser.add_argument("--keep", action="store_true", help="reuse mutmut's earlier results")
    parser.add_argument("--skip-mutmut", action="store_true")
    parser.add_argument("--skip-constants", action="store_true")
    parser.add_argument("--files", default="", help="comma-separated stems, e.g. news2,scales")
    args = parser.parse_args(argv)
    only = [f.strip().removesuffix(".py") for f in args.files.split(",") if f.strip()]
    files = clinical_files(only)
    if not files:
        parser.error(f"no such file in models/clinical: {args.files}")
    equivalents = read_equivalents()
    began = time.monotonic()
    scores: list[FileScore] | None = None
    stale: list[str] = []
    if not args.skip_mutmut:
        globs = [f"models.clinical.{p.stem}.*" for p in files] if only else []
        run_mutmut(fresh=not args.keep, mutant_globs=globs)
        scores, stale = score_mutmut(mutmut_statuses(), equivalents, files)
        if only:
            stale = [n for n in stale if any(n.startswith(g[:-1]) for g in globs)]
    constants = None if args.skip_constants else run_constants(files)
    text, ok = report(scores, stale, constants, (time.monotonic() - began) / 60)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")
    print(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
