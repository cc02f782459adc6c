"""The evidence of the step-tolerance rule (jobs.rules.steps) in SQL: for each latest step, the
CIWA-B count and mean in the ward's window before the step and after it, the PRN doses in each,
and when the latest of them was charted. PostgreSQL aggregates each step's rows once through
LATERAL joins; SQLite, which has none, through correlated aggregates, each an index range scan.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    null,
    or_,
    outerjoin,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import CTE
from sqlmodel import col

from jobs.rules.common import is_ciwa_b, is_prn, materialized, valid
from models.tables import UNRESOLVED_FLAG_STATUSES, DoseAdministration, Flag, WithdrawalAssessment

# The step's own columns, carried through to the rule's rows.
STEP_COLUMNS = (
    "admission_id",
    "start_date",
    "start_at",
    "margin",
    "min_readings",
    "prn_margin",
    "window_days",
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


def evidence_pg(steps: CTE) -> Select[Any]:
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
            *(steps.c[name] for name in STEP_COLUMNS),
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


def evidence_sqlite(steps: CTE) -> Select[Any]:
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
        *(means.c[name] for name in STEP_COLUMNS),
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
