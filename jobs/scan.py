"""One scan: every review rule over every ward, each rule in its own transaction, recorded as
a JobRun. A rule that fails is recorded and the others still run; a scan killed mid-way
leaves every rule either wholly applied or not at all, and the next scan completes it."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from jobs.flags import FlagChange, sync_flags
from jobs.rules import RULES, Rule
from jobs.runs import recorded_run
from jobs.sql_time import prepare_connection
from models.db import transaction
from models.types import utcnow

log = logging.getLogger(__name__)

SCAN_JOB = "scan"


@dataclass
class ScanReport:
    now: datetime
    changes: list[FlagChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def raised(self) -> int:
        return self.count("raise")

    @property
    def resolved(self) -> int:
        return self.count("resolve")


def scan_rule(engine: Engine, rule: Rule, now: datetime) -> list[FlagChange]:
    with transaction(engine) as session:
        prepare_connection(session)
        findings = rule.find(session, now)
        return sync_flags(
            session,
            rule=rule.name,
            cleared=rule.cleared,
            findings=findings,
            now=now,
            judges_every_subject=rule.info.judges_every_subject,
        )


def run_scan(
    engine: Engine, *, now: datetime | None = None, rules: Sequence[Rule] = RULES
) -> ScanReport:
    """Run ``rules`` once at ``now`` (default: the clock) and record the run."""
    report = ScanReport(now=now or utcnow())
    with recorded_run(engine, SCAN_JOB) as tally:
        for rule in rules:
            try:
                report.changes += scan_rule(engine, rule, report.now)
            except Exception as exc:  # one broken rule must not silence the others
                log.exception("review rule %s failed", rule.name)
                report.errors.append(f"{rule.name}: {type(exc).__name__}: {exc}")
        tally.raised, tally.resolved = report.raised, report.resolved
        tally.errors = list(report.errors)
    return report
