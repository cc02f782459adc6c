"""The ``taperwatch jobs`` and ``taperwatch scan`` commands (plugged into taperwatch.cli)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from jobs.flags import FlagChange
from models.tables import Admission, Patient

Handler = Callable[[argparse.Namespace], int]


def register(sub: Any) -> dict[str, Handler]:
    """Add the subcommands to ``sub`` (an argparse subparsers object); returns their handlers."""
    jobs = sub.add_parser("jobs", help="the scheduler service (one active per database)")
    jobs.add_argument(
        "--scan-every",
        type=float,
        default=60,
        metavar="SECONDS",
        help="seconds between review scans (default 60)",
    )
    jobs.add_argument(
        "--poll",
        type=float,
        default=10,
        metavar="SECONDS",
        help="seconds between a standby service's attempts to take over (default 10)",
    )
    sub.add_parser("scan", help="run every review rule once and print what changed")
    return {"jobs": cmd_jobs, "scan": cmd_scan}


def cmd_jobs(args: argparse.Namespace) -> int:
    from jobs.service import run_forever
    from models.db import get_engine

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return run_forever(
        get_engine(),
        scan_every=timedelta(seconds=args.scan_every),
        poll=timedelta(seconds=args.poll),
    )


def cmd_scan(args: argparse.Namespace) -> int:
    from jobs.scan import run_scan
    from models.db import get_engine

    engine = get_engine()
    report = run_scan(engine)
    for line in describe(engine, report.changes):
        print(line)
    cleared = report.count("clear")
    others = len(report.changes) - report.raised - report.resolved - cleared
    print(
        f"{report.raised} raised, {cleared} cleared (awaiting a person), "
        f"{report.resolved} resolved, {others} updated"
    )
    for error in report.errors:
        print(f"taperwatch: error: rule {error}", file=sys.stderr)
    return 1 if report.errors else 0


def describe(engine: Engine, changes: list[FlagChange]) -> list[str]:
    """One line per change, naming the patient's bed and name (one query for all)."""
    ids = {c.admission_id for c in changes}
    with Session(engine) as session:
        rows = (
            session.connection()
            .execute(
                select(
                    col(Admission.id),
                    col(Admission.bed),
                    col(Patient.family_name),
                    col(Patient.given_name),
                )
                .join(Patient, col(Patient.id) == col(Admission.patient_id))
                .where(col(Admission.id).in_(ids))
            )
            .all()
            if ids
            else []
        )
    who = {row[0]: f"{row[1]} {row[2].upper()}, {row[3]}" for row in rows}
    return [
        f"{c.action:<9} {c.severity:<9} {who.get(c.admission_id, c.admission_id)!s:<28} "
        f"{c.rule}: {c.message}"
        for c in changes
    ]
