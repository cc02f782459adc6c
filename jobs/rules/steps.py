"""The step-tolerance rule: each admitted patient's latest taper step, judged by
models.clinical.tolerance (the definition the plan panel, the rounds page and the MAR use).

The SQL gathers each latest step's evidence (CIWA-B count and mean in the window before the step
and after it, PRN doses in each) through the patients' indexes; the judgement is Python. The
rule judges only the latest step: a flag on an earlier step (the next cut has begun since) is
left for a person to close, so the next cut never silences the warning about the last one.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    outerjoin,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col

from jobs.rules.common import (
    ADMITTED,
    Finding,
    ReasonPattern,
    dialect_of,
    fetch,
    is_ciwa_b,
    is_prn,
    judged_clear,
    materialized,
    reason_part,
    valid,
    ward_dates,
    ward_today,
    ward_zones,
    worded,
)
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
    UNRESOLVED_FLAG_STATUSES,
    Admission,
    DoseAdministration,
    Flag,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    Ward,
    WithdrawalAssessment,
)

_STEP_COLUMNS = (
    "admission_id",
    "start_date",
    "start_at",
    "margin",
    "min_readings",
    "prn_margin",
    "window_days",
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


def _in_window(taken_at: Any, steps: Any, start: str, end: str) -> ColumnElement[bool]:
    return and_(taken_at >= steps.c[start], taken_at < steps.c[end])


def _step_scores(score: Any, steps: Any, start: str, end: str) -> tuple[ColumnElement[bool], ...]:
    """The step's admission's CIWA-B scores, none entered in error, taken from ``start`` to
    ``end`` (columns of ``steps``)."""
    return (
        col(score.admission_id) == steps.c.admission_id,
        is_ciwa_b(score),
        valid(score.entered_in_error),
        _in_window(col(score.taken_at), steps, start, end),
    )


def _step_prn(prn: Any, steps: Any, start: str, end: str) -> tuple[ColumnElement[bool], ...]:
    """The step's admission's PRN doses, none entered in error, given from ``start`` to
    ``end``."""
    return (
        col(prn.admission_id) == steps.c.admission_id,
        is_prn(prn),
        valid(prn.entered_in_error),
        _in_window(col(prn.administered_at), steps, start, end),
    )


def _evidence_pg(steps: CTE) -> Select[Any]:
    """PostgreSQL: one LATERAL aggregate of the scores and one of the PRN doses per step."""
    score = aliased(WithdrawalAssessment, name="score")
    before = _in_window(col(score.taken_at), steps, "window_from", "start_at")
    after = _in_window(col(score.taken_at), steps, "start_at", "window_to")
    scores = (
        select(
            func.count(case((before, col(score.id)))).label("before_n"),
            func.avg(case((before, col(score.total)))).label("before_mean"),
            func.count(case((after, col(score.id)))).label("after_n"),
            func.avg(case((after, col(score.total)))).label("after_mean"),
            func.max(col(score.charted_at)).label("scores_charted_at"),
        )
        .where(*_step_scores(score, steps, "window_from", "window_to"))
        .correlate(steps)
        .lateral("window_scores")
    )
    prn = aliased(DoseAdministration, name="prn")
    prn_before = _in_window(col(prn.administered_at), steps, "window_from", "start_at")
    prn_after = _in_window(col(prn.administered_at), steps, "start_at", "window_to")
    doses = (
        select(
            func.count(case((prn_before, col(prn.id)))).label("prn_before"),
            func.count(case((prn_after, col(prn.id)))).label("prn_after"),
            func.max(col(prn.charted_at)).label("prn_charted_at"),
        )
        .where(*_step_prn(prn, steps, "window_from", "window_to"))
        .correlate(steps)
        .lateral("window_prn")
    )
    return (
        select(
            *(steps.c[name] for name in _STEP_COLUMNS),
            scores.c.before_n,
            scores.c.before_mean,
            scores.c.after_n,
            scores.c.after_mean,
            doses.c.prn_before,
            doses.c.prn_after,
            func.greatest(scores.c.scores_charted_at, doses.c.prn_charted_at).label("evidence_at"),
        )
        .select_from(outerjoin(outerjoin(steps, scores, true()), doses, true()))
        .where(
            or_(
                scores.c.after_mean - scores.c.before_mean >= steps.c.margin,
                doses.c.prn_after - doses.c.prn_before >= steps.c.prn_margin,
                _step_flag_unresolved(steps),
            )
        )
    )


def _evidence_sqlite(steps: CTE) -> Select[Any]:
    """SQLite (no LATERAL): correlated aggregates, each an index range scan. The two means and
    the PRN counts (a partial index of the few PRN doses) for every step; the score counts and
    the latest charting only for the steps whose means or PRN use rise by their margins (few):
    only those can be not tolerated (models.clinical.tolerance.judge_step), the rest are judged
    tolerated by the rule whatever their counts."""
    score = aliased(WithdrawalAssessment, name="score")
    prn = aliased(DoseAdministration, name="prn")

    def of_scores(of: CTE, value: Any, start: str, end: str) -> ColumnElement[Any]:
        return (
            select(value)
            .where(*_step_scores(score, of, start, end))
            .correlate(of)
            .scalar_subquery()
        )

    def of_prn(of: CTE, value: Any, start: str, end: str) -> ColumnElement[Any]:
        return select(value).where(*_step_prn(prn, of, start, end)).correlate(of).scalar_subquery()

    mean, count = func.avg(col(score.total)), func.count(col(prn.id))
    means = materialized(
        select(
            *steps.c,
            of_scores(steps, mean, "window_from", "start_at").label("before_mean"),
            of_scores(steps, mean, "start_at", "window_to").label("after_mean"),
            of_prn(steps, count, "window_from", "start_at").label("prn_before"),
            of_prn(steps, count, "start_at", "window_to").label("prn_after"),
        ),
        "step_means",
    )
    candidate = or_(
        means.c.after_mean - means.c.before_mean >= means.c.margin,
        means.c.prn_after - means.c.prn_before >= means.c.prn_margin,
    )
    wanted = or_(candidate, _step_flag_unresolved(means))

    def if_candidate(value: ColumnElement[Any]) -> ColumnElement[Any]:
        return case((candidate, value), else_=null())

    scores_count = func.count(col(score.id))
    return select(
        *(means.c[name] for name in _STEP_COLUMNS),
        if_candidate(of_scores(means, scores_count, "window_from", "start_at")).label("before_n"),
        means.c.before_mean,
        if_candidate(of_scores(means, scores_count, "start_at", "window_to")).label("after_n"),
        means.c.after_mean,
        means.c.prn_before,
        means.c.prn_after,
        if_candidate(
            _later(
                of_scores(means, func.max(col(score.charted_at)), "window_from", "window_to"),
                of_prn(means, func.max(col(prn.charted_at)), "window_from", "window_to"),
            )
        ).label("evidence_at"),
    ).where(wanted)


def _step_flag_unresolved(steps: CTE) -> ColumnElement[bool]:
    """The patient has a step-not-tolerated flag nobody has closed: its latest step is reported
    (judged), so the flag can clear. Every other step whose margins are not reached would only
    be reported as judged with nothing to clear, and is left out."""
    return (
        exists()
        .where(
            col(Flag.admission_id) == steps.c.admission_id,
            col(Flag.rule) == "step_not_tolerated",
            col(Flag.status).in_(UNRESOLVED_FLAG_STATUSES),
        )
        .correlate(steps)
    )


def _later(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The later of two instants, either of which may be NULL (SQLite's two-argument max is
    NULL if either is)."""
    return func.max(func.coalesce(a, b), func.coalesce(b, a))


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
        return _evidence_pg(steps)
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
    return _evidence_sqlite(steps)


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
