"""The step-tolerance rule: each admitted patient's latest taper step, judged by
models.clinical.tolerance (the definition the plan panel, the rounds page and the MAR use).

The SQL finds each latest step and gathers its evidence (jobs.rules.step_evidence: CIWA-B count
and mean in the window before the step and after it, PRN doses in each) through the patients'
indexes; the judgement is Python. The rule judges only the latest step: a flag on an earlier
step (the next cut has begun since) is left for a person to close, so the next cut never
silences the warning about the last one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    and_,
    case,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from jobs.rules.common import (
    ADMITTED,
    Finding,
    ReasonPattern,
    dialect_of,
    fetch,
    judged_clear,
    materialized,
    reason_part,
    ward_dates,
    ward_today,
    ward_zones,
    worded,
)
from jobs.rules.step_evidence import evidence_pg, evidence_sqlite
from jobs.sql_time import local_midnight_utc
from models.clinical.tolerance import (
    CHANGING_STEP_KINDS,
    StepEvidence,
    StepPolicy,
    StepVerdict,
    judge_step,
)
from models.flag_text import day, joined, message
from models.statements import built_once
from models.tables import (
    Admission,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    Ward,
)

# How models.clinical.tolerance words a step's evidence, read back as messages
# (models.flag_text).
_STEP_REASONS: tuple[ReasonPattern, ...] = (
    (
        re.compile(r"CIWA-B mean (-?\d+) after, (-?\d+) before \(\+(-?\d+); margin (\d+)\)"),
        lambda m: message("step_ciwa_rise", after=m[1], before=m[2], rise=m[3], margin=m[4]),
    ),
    (
        re.compile(r"(\d+) PRN doses after, (\d+) before"),
        lambda m: message("step_prn_rise", after=int(m[1]), before=int(m[2])),
    ),
)


def _takes_effect(start_date: Any, zone: Any) -> ColumnElement[Any]:
    """models.clinical.tolerance.step_takes_effect in SQL: the start date's local midnight, or
    for a step starting on the day of admission its first dose after admission."""
    midnight = local_midnight_utc(start_date, literal(0), zone)
    first_dose = (
        select(func.min(col(ScheduledDose.scheduled_at)))
        .where(
            col(ScheduledDose.admission_id) == col(Admission.id),
            col(ScheduledDose.cancelled_at).is_(None),
            col(ScheduledDose.scheduled_at) >= col(Admission.admitted_at),
        )
        .correlate(Admission)
        .scalar_subquery()
    )
    return case(
        (
            col(Admission.admitted_at) > midnight,
            func.coalesce(first_dose, col(Admission.admitted_at)),
        ),
        else_=midnight,
    )


def _step_row(start_date: Any) -> list[ColumnElement[Any]]:
    days, zone = col(Ward.step_window_days), col(Ward.timezone)
    return [
        col(Admission.id).label("admission_id"),
        start_date.label("start_date"),
        local_midnight_utc(start_date, -days, zone).label("window_from"),
        _takes_effect(start_date, zone).label("start_at"),
        local_midnight_utc(start_date, days, zone).label("window_to"),
        col(Ward.step_margin_points).label("margin"),
        col(Ward.step_min_readings).label("min_readings"),
        col(Ward.step_prn_margin).label("prn_margin"),
        days.label("window_days"),
    ]


@built_once
def _step_query(dialect: str, zones: tuple[str, ...]) -> Executable:
    today = ward_today(zones)
    candidate, plan = aliased(TaperStep, name="candidate"), aliased(TaperPlan, name="plan")
    latest_first = (
        col(candidate.plan_id) == col(plan.id),
        col(candidate.kind) != "baseline",
        col(candidate.start_date) <= today,
    )
    latest_order = (col(candidate.start_date).desc(), col(candidate.step_index).desc())
    admitted = (
        select()
        .select_from(Admission)
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(plan, and_(col(plan.admission_id) == col(Admission.id), col(plan.status) == "active"))
        .where(ADMITTED)
    )
    # Each admitted patient's latest step (looked up once per patient, through its plan's
    # steps in order) and its windows in UTC, computed once per patient rather than per score.
    if dialect == "postgresql":
        latest = (
            select(col(candidate.start_date).label("start_date"), col(candidate.kind).label("kind"))
            .where(*latest_first)
            .order_by(*latest_order)
            .limit(1)
            .correlate(plan, Ward)
            .lateral("latest_step")
        )
        steps = materialized(
            admitted.add_columns(*_step_row(latest.c.start_date))
            .join(latest, true())
            .where(latest.c.kind.in_(CHANGING_STEP_KINDS)),
            "latest_steps",
        )
        return evidence_pg(steps)
    latest_step_id = (
        select(col(candidate.id))
        .where(*latest_first)
        .order_by(*latest_order)
        .limit(1)
        .correlate(plan, Ward)
        .scalar_subquery()
    )
    step = aliased(TaperStep, name="step")
    steps = materialized(
        admitted.add_columns(*_step_row(col(step.start_date)))
        .join(step, col(step.id) == latest_step_id)
        .where(col(step.kind).in_(CHANGING_STEP_KINDS)),
        "latest_steps",
    )
    return evidence_sqlite(steps)


def step_not_tolerated_rule(session: Session, now: datetime) -> list[Finding]:
    """Each admitted patient's latest taper step (a cut or a crossover stage), judged by
    models.clinical.tolerance: not tolerated when the CIWA-B mean in the ward's window after it
    exceeds the mean before by the margin, or PRN use rose by the PRN margin [S16][S22]:
    suggest holding at rounds. A latest step that carries an unresolved flag is reported as
    judged, so its flag clears when the evidence does; flags of earlier steps stay until a
    person closes them."""
    zones = ward_zones(session)
    if not zones:
        return []
    rows = fetch(session, _step_query(dialect_of(session), zones), ward_dates(zones, now))
    findings = []
    for row in rows:
        subject = f"step:{row.start_date.isoformat()}"
        if row.before_n is None:  # SQLite left it out: neither margin is reached
            findings.append(judged_clear(row.admission_id, subject, row.start_at))
            continue
        judgement = judge_step(
            StepEvidence(
                before_n=row.before_n,
                before_mean=_mean(row.before_mean),
                after_n=row.after_n,
                after_mean=_mean(row.after_mean),
                prn_before=row.prn_before,
                prn_after=row.prn_after,
            ),
            StepPolicy(
                window_days=row.window_days,
                margin_points=row.margin,
                min_readings=row.min_readings,
                prn_margin=row.prn_margin,
            ),
        )
        if judgement.verdict is not StepVerdict.NOT_TOLERATED or judgement.severity is None:
            findings.append(judged_clear(row.admission_id, subject, row.start_at))
            continue
        text = message(
            "step_not_tolerated",
            day=day(row.start_date),
            reasons=joined(";", [reason_part(r, _STEP_REASONS) for r in judgement.reasons]),
        )
        at = row.start_at
        findings.append(
            worded(
                row.admission_id,
                subject,
                judgement.severity,
                text,
                at=at,
                evidence_at=row.evidence_at or at,
            )
        )
    return findings


def _mean(value: Any) -> float | None:
    """A mean comes as Decimal (PostgreSQL) or float (SQLite); None when there were no scores."""
    return None if value is None else float(value)
