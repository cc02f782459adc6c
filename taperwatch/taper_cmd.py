"""``taperwatch taper preview``: print a taper schedule without storing anything.

Every value is checked here rather than by argparse, so any bad argument gives exit status 2
and exactly one line on stderr: ``taperwatch: error: <reason>``. It refuses what the web app
refuses: a dose that is not a plain number ("1e3"), an abrupt stop, and any step above the
default hard ceiling (models.clinical.dose_limits; a ward may set another). With no physician to
confirm it, a dose above a label maximum is printed as a warning, not refused.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, time
from typing import Any, NoReturn

from models.clinical.dose_limits import DEFAULT_HARD_CEILING_DE_MG, above_label, check_hard_ceiling
from models.clinical.drugs import DEFAULT_TABLE, DRUGS, EQUIVALENCE_TABLES, format_mg, mg_to_ug
from models.clinical.recipes import PRESETS, preset
from models.clinical.taper import (
    DEFAULT_STAGES,
    DEFAULT_TIMES,
    PaceWarning,
    PlannedStep,
    Schedule,
    build_schedule,
    plan_parameters,
)
from models.errors import FieldError, ValidationFailed

# Engine field -> the option a user typed.
_OPTION = {
    "drug": "--drug",
    "to_drug": "--to",
    "daily_mg": "--daily-mg",
    "recipe": "--recipe",
    "preset": "--preset",
    "start": "--start",
    "times": "--times",
    "table": "--table",
    "stages": "--stages",
}


class _PreviewParser(argparse.ArgumentParser):
    """Reads "-0.25mg/7d" and "-2" as values, not as unknown options, so the documented
    ``--recipe "-0.25mg/7d"`` works without "=" (plain argparse refuses it)."""

    def _parse_optional(self, arg_string: str) -> Any:
        if _NEGATIVE_AMOUNT.match(arg_string):
            return None
        return super()._parse_optional(arg_string)

    def error(self, message: str) -> NoReturn:
        _fail(f"{message} (see {self.prog} --help)")
        raise SystemExit(2)


_NEGATIVE_AMOUNT = re.compile(r"-[\d.]")


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    taper = subparsers.add_parser("taper", help="taper schedules")
    taper_sub = taper.add_subparsers(
        dest="taper_command", required=True, parser_class=_PreviewParser
    )
    p = taper_sub.add_parser(
        "preview",
        help="print a taper schedule (nothing is stored)",
        description="Print the steps of a taper, with the ASAM 2025 pace check.",
    )
    p.add_argument("--drug", help="the drug the patient is on, e.g. clonazepam")
    p.add_argument("--daily-mg", help="the current daily dose in mg, e.g. 2")
    p.add_argument("--recipe", help='the recipe, e.g. "-0.5mg/14d until 1mg; -0.25mg/7d"')
    p.add_argument(
        "--preset", help="a founding-article schedule instead of --recipe: " + ", ".join(PRESETS)
    )
    p.add_argument("--start", help="the date of the first change, YYYY-MM-DD")
    default_times = ",".join(t.strftime("%H:%M") for t in DEFAULT_TIMES)
    p.add_argument("--times", default=default_times, help=f"dose times (default {default_times})")
    p.add_argument("--to", dest="to_drug", help="substitute this drug, then taper it")
    tables = "|".join(EQUIVALENCE_TABLES)
    p.add_argument("--table", default=DEFAULT_TABLE, help=f"{tables} (default {DEFAULT_TABLE})")
    p.add_argument(
        "--stages",
        default=str(DEFAULT_STAGES),
        help=f"crossover stages, one a week (default {DEFAULT_STAGES})",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    try:
        schedule, recipe = _schedule(args)
    except ValidationFailed as exc:
        return _fail("; ".join(_reason(e) for e in exc.errors))
    except FieldError as exc:
        return _fail(_reason(exc))
    if args.json:
        print(json.dumps(_as_json(args, schedule, recipe)))
    else:
        print(_as_table(schedule, recipe))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``taperwatch taper ...`` on its own (for tests)."""
    parser = argparse.ArgumentParser(prog="taperwatch")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    return run(parser.parse_args(argv))


def _schedule(args: argparse.Namespace) -> tuple[Schedule, str]:
    for option, value in (("--drug", args.drug), ("--daily-mg", args.daily_mg)):
        if not value:
            raise FieldError(option, "is required")
    if not args.start:
        raise FieldError("--start", "is required (YYYY-MM-DD)")
    if args.recipe and args.preset:
        raise FieldError("--recipe", "give --recipe or --preset, not both")
    if not args.recipe and not args.preset:
        raise FieldError("--recipe", "give --recipe or --preset (a, b, c or d)")
    recipe = preset(args.preset).recipe if args.preset else args.recipe
    try:
        start = date.fromisoformat(args.start)
    except ValueError:
        raise FieldError(
            "--start", f"{_shown(args.start)} is not a date; write YYYY-MM-DD"
        ) from None
    if not FIRST_START <= start <= LAST_START:
        raise FieldError(
            "--start", f"give a date from {FIRST_START.isoformat()} to {LAST_START.isoformat()}"
        )
    if not args.stages.strip().isdigit() or len(args.stages.strip()) > 3:
        raise FieldError("--stages", f"{_shown(args.stages)} is not a whole number up to 999")
    daily_ug = mg_to_ug(args.daily_mg, field="daily_mg")
    if args.drug in DRUGS and args.table in EQUIVALENCE_TABLES:
        # The starting dose first: above the ceiling, no schedule is worth building (from
        # 400 mg a tapered schedule has thousands of steps).
        check_hard_ceiling(
            [{args.drug: daily_ug}],
            ceiling_de_mg=DEFAULT_HARD_CEILING_DE_MG,
            table=args.table,
            whose="the default",
        )
    try:
        schedule = build_schedule(
            plan_parameters(
                drug=args.drug,
                recipe=recipe,
                times=_times(args.times),
                to_drug=args.to_drug,
                table=args.table,
                stages=int(args.stages),
            ),
            daily_ug=daily_ug,
            start=start,
        )
    except OverflowError:  # dates or counts beyond what the calendar or a number can hold
        raise FieldError(
            "--recipe", "the schedule would run past the year 9999; check the intervals"
        ) from None
    check_hard_ceiling(
        [step.daily_ug for step in schedule.steps],
        ceiling_de_mg=DEFAULT_HARD_CEILING_DE_MG,
        table=schedule.table,
        whose="the default",
    )
    return replace(schedule, warnings=(*schedule.warnings, *_label_warnings(schedule))), recipe


def _label_warnings(schedule: Schedule) -> list[PaceWarning]:
    """Above a label maximum: a warning here (a ward's physician must confirm it)."""
    out = []
    for found in above_label(step.daily_ug for step in schedule.steps):
        first = next(s for s in schedule.steps if s.daily_ug.get(found.drug, 0) > 0)
        highest = next(s for s in schedule.steps if s.daily_ug.get(found.drug) == found.daily_ug)
        message = (
            f"{highest.start.isoformat()}: {found.message}; on a ward a physician must "
            "confirm it with a reason"
        )
        out.append(PaceWarning(first.index, first.start, message, kind="label"))
    return out


def _times(text: str) -> list[time]:
    out: list[time] = []
    for part in text.split(","):
        try:
            at = time.fromisoformat(part.strip())
        except ValueError:
            at = None
        if at is None or at.tzinfo is not None:
            raise FieldError(
                "--times",
                f"{_shown(part.strip())} is not a time; write ward times, e.g. 08:00,20:00",
            )
        out.append(at)
    return out


# The start dates a preview accepts: a taper lasts months to a couple of years.
FIRST_START = date(1900, 1, 1)
LAST_START = date(2999, 12, 31)


def _shown(value: str, limit: int = 40) -> str:
    """A value quoted back in a message, cut short: never echo a pasted page."""
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _reason(error: FieldError) -> str:
    return f"{_OPTION.get(error.field, error.field)}: {error.message}"


def _fail(reason: str) -> int:
    text = " ".join(reason.split())
    if len(text) > 300:  # a reason quoting a pasted value is cut short
        text = text[:299] + "…"
    print(f"taperwatch: error: {text}", file=sys.stderr)
    return 2


def _mg(ug: int) -> float:
    return ug / 1000


def _as_json(args: argparse.Namespace, schedule: Schedule, recipe: str) -> dict[str, Any]:
    drugs = _drug_names(schedule)
    return {
        "drug": drugs[0],
        "to": drugs[1] if len(drugs) > 1 else None,
        "table": schedule.table,
        "recipe": recipe,
        "steps": [
            {
                "index": step.index,
                "start": step.start.isoformat(),
                "kind": step.kind,
                "daily_mg": {drug: _mg(ug) for drug, ug in step.daily_ug.items()},
                "diazepam_eq_mg": round(step.diazepam_eq_mg, 3),
                "doses": [
                    {"time": d.time.strftime("%H:%M"), "drug": d.drug, "mg": _mg(d.ug)}
                    for d in step.doses
                ],
            }
            for step in schedule.steps
        ],
        "warnings": [
            {
                "step": w.step_index,
                "start": w.start.isoformat(),
                "message": w.message,
                "kind": w.kind,
            }
            for w in schedule.warnings
        ],
    }


def _drug_names(schedule: Schedule) -> list[str]:
    names: list[str] = []
    for step in schedule.steps:
        names.extend(d for d in step.daily_ug if d not in names)
    return names


def _as_table(schedule: Schedule, recipe: str) -> str:
    drugs = _drug_names(schedule)
    times = sorted({d.time for s in schedule.steps for d in s.doses})
    warned = {w.step_index for w in schedule.warnings}
    header = ["", "#", "start", "kind", *(f"{d} mg/day" for d in drugs)]
    header += [t.strftime("%H:%M") for t in times] + ["diazepam-eq mg"]
    rows = [header]
    for step in schedule.steps:
        rows.append(
            [
                "!" if step.index in warned else "",
                str(step.index),
                step.start.isoformat(),
                step.kind,
                *(format_mg(step.daily_ug[d]) if d in step.daily_ug else "" for d in drugs),
                *(_at(step, t, drugs) for t in times),
                f"{step.diazepam_eq_mg:g}",
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        f"{' then '.join(drugs)}: recipe {recipe!r}, equivalence table {schedule.table}",
    ]
    if len(drugs) > 1:
        lines.append(f"doses per time in mg: {' + '.join(drugs)}")
    lines += [_aligned(row, widths) for row in rows]
    pace = [w for w in schedule.warnings if w.kind == "pace"]
    others = [w for w in schedule.warnings if w.kind != "pace"]
    if pace:
        lines.append("")
        lines.append("Pace check (ASAM 2025: not more than 25% per 2 weeks):")
        lines += [f"! {w.message}" for w in pace]
    if others:
        lines.append("")
        lines.append("Also check before ordering:")
        lines += [f"! {w.message}" for w in others]
    return "\n".join(lines)


def _aligned(row: Sequence[str], widths: Sequence[int]) -> str:
    """Text columns (marker, #, start, kind) left-aligned, numbers right-aligned."""
    cells = (
        cell.ljust(width) if i < 4 else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(row, widths, strict=True))
    )
    return "  ".join(cells).rstrip()


def _at(step: PlannedStep, at: time, drugs: Sequence[str]) -> str:
    by_drug = {d.drug: d.ug for d in step.doses if d.time == at}
    if len(drugs) == 1:
        return format_mg(by_drug.get(drugs[0], 0))
    return " + ".join(format_mg(by_drug.get(d, 0)) for d in drugs)
