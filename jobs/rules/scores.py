"""Review rules on withdrawal scores: a CIWA-B overdue, a standing severe score, a worsening one.
The definitions are models.clinical.observations and models.clinical.withdrawal; the SQL finds
the patients they may apply to and reads the ward's policy in the same statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    and_,
    case,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from jobs.rules.common import (
    ADMITTED,
    NOW,
    Finding,
    band_level,
    dialect_of,
    fetch,
    is_ciwa_b,
    labelled,
    latest_readings,
    materialized,
    overdue_findings,
    overdue_query,
    reading_finding,
    valid,
)
from jobs.sql_time import shift_seconds
from models.clinical.observations import SHORTER_REASSESSMENT_FROM, assessment_overdue
from models.clinical.withdrawal import WORSENING_FROM, judge_worsening, standing_severity
from models.flag_text import Part, instant, joined, message, minutes, word
from models.statements import built_once
from models.tables import Admission, Ward, WithdrawalAssessment


@built_once
def _assessment_overdue_query(dialect: str) -> Executable:
    readings = latest_readings(dialect, WithdrawalAssessment, ("taken_at", "band"), scale="CIWA-B")
    return overdue_query(
        readings,
        band_level(readings.c.latest_band) >= SHORTER_REASSESSMENT_FROM.order,
        col(Ward.reassess_interval_min),
        col(Ward.reassess_interval_moderate_min),
        readings.c.latest_band.label("band"),
    )


def assessment_overdue_rule(session: Session, now: datetime) -> list[Finding]:
    """No valid CIWA-B within the ward's reassessment interval, counted from the last score or
    from admission (models.clinical.observations: local policy after [S10][S56])."""
    rows = fetch(session, _assessment_overdue_query(dialect_of(session)), {NOW: now})
    return overdue_findings(
        rows,
        lambda row: assessment_overdue(
            last_at=row.taken_at,
            last_band=row.band,
            admitted_at=row.admitted_at,
            routine_min=row.routine,
            shortened_min=row.shortened,
            now=now,
        ),
        "ciwa_overdue",
        lambda overdue: message(
            "every_while_moderate" if overdue.shortened else "every",
            interval=minutes(overdue.interval_min),
        ),
    )


# --- standing severity -------------------------------------------------------------------------

_THRESHOLD = {"CIWA-B": "standing_ciwa_b_total", "CIWA-Ar": "standing_ciwa_ar_total"}


@built_once
def _standing_query(dialect: str, scale: str) -> Executable:
    """CIWA-B, every patient's scale: each admitted patient's latest score. CIWA-Ar, charted for
    few patients: driven from its own rows (a partial index), so the patients who have none
    cost nothing."""
    threshold = col(getattr(Ward, _THRESHOLD[scale]))
    if scale == "CIWA-B":
        readings = latest_readings(
            dialect, WithdrawalAssessment, ("taken_at", "charted_at", "total"), scale=scale
        )
        return (
            select(
                readings.c.admission_id,
                readings.c.latest_total.label("total"),
                readings.c.latest_taken_at.label("taken_at"),
                readings.c.latest_charted_at.label("charted_at"),
                threshold.label("threshold"),
                col(Ward.timezone).label("timezone"),
            )
            .join(Ward, col(Ward.id) == readings.c.ward_id)
            .where(readings.c.latest_total >= threshold)
        )
    score, newer = aliased(WithdrawalAssessment, name="score"), aliased(WithdrawalAssessment)
    # The partial index's own predicate, written out (a bound parameter would not match it).
    rare: ColumnElement[str] = literal_column(f"'{scale}'")
    latest_id = (
        select(col(newer.id))
        .where(
            col(newer.admission_id) == col(score.admission_id),
            col(newer.scale) == rare,
            valid(newer.entered_in_error),
        )
        .order_by(col(newer.taken_at).desc())
        .limit(1)
        .correlate(score)
        .scalar_subquery()
    )
    return (
        select(
            *labelled(score, "admission_id", "total", "taken_at", "charted_at"),
            threshold.label("threshold"),
            col(Ward.timezone).label("timezone"),
        )
        .join(Admission, col(Admission.id) == col(score.admission_id))
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .where(
            col(score.scale) == rare,
            valid(score.entered_in_error),
            ADMITTED,
            col(score.id) == latest_id,
            col(score.total) >= threshold,
        )
    )


def standing_severity_rule(session: Session, now: datetime) -> list[Finding]:
    """While the latest CIWA-B (or CIWA-Ar, where charted) is at or above the ward's threshold,
    a flag says so whatever the trend; very severe is the top severity
    (models.clinical.withdrawal: bands [S4][S9], the threshold local policy)."""
    dialect = dialect_of(session)
    findings = []
    for scale in _THRESHOLD:
        for row in fetch(session, _standing_query(dialect, scale)):
            standing = standing_severity(scale, row.total, row.threshold)
            if standing is None:
                continue
            text = message(
                "severe_withdrawal",
                scale=scale,
                total=row.total,
                band=word(standing.band.label.lower()),
                when=instant(row.taken_at, row.timezone),
                threshold=row.threshold,
            )
            findings.append(reading_finding(row, scale, standing.severity, text))
    return findings


# --- worsening ---------------------------------------------------------------------------------


@built_once
def _worsening_query(dialect: str) -> Executable:
    readings = latest_readings(
        dialect, WithdrawalAssessment, ("taken_at", "charted_at", "total", "band"), scale="CIWA-B"
    )
    # The score before the latest, looked up only when the latest is high enough for a band
    # rise to count: below that there is none to find.
    before = aliased(WithdrawalAssessment, name="before_latest")
    previous_band = (
        select(col(before.band))
        .where(
            col(before.admission_id) == readings.c.admission_id,
            is_ciwa_b(before),
            valid(before.entered_in_error),
        )
        .order_by(col(before.taken_at).desc())
        .limit(1)
        .offset(1)
        .correlate(readings)
        .scalar_subquery()
    )
    # The window's lowest score, looked up only when the latest total reaches the ward's points:
    # totals are never negative, so below that the rise cannot reach them.
    earlier = aliased(WithdrawalAssessment, name="earlier")
    window_low = (
        select(func.min(col(earlier.total)))
        .where(
            col(earlier.admission_id) == readings.c.admission_id,
            is_ciwa_b(earlier),
            valid(earlier.entered_in_error),
            col(earlier.taken_at) < readings.c.latest_taken_at,
            col(earlier.taken_at)
            >= shift_seconds(readings.c.latest_taken_at, -col(Ward.worsening_hours) * 3600),
        )
        .correlate(readings, Ward)
        .scalar_subquery()
    )
    band_counts = band_level(readings.c.latest_band) >= WORSENING_FROM.order
    scores = materialized(
        select(
            readings.c.admission_id,
            readings.c.latest_total.label("total"),
            readings.c.latest_band.label("band"),
            readings.c.latest_taken_at.label("taken_at"),
            readings.c.latest_charted_at.label("charted_at"),
            case((band_counts, previous_band), else_=null()).label("previous_band"),
            case(
                (readings.c.latest_total >= col(Ward.worsening_points), window_low), else_=null()
            ).label("window_low"),
            col(Ward.timezone).label("timezone"),
            col(Ward.worsening_hours).label("hours"),
            col(Ward.worsening_points).label("points"),
        )
        .join(Ward, col(Ward.id) == readings.c.ward_id)
        .where(readings.c.latest_taken_at.is_not(None)),
        "latest_scores",
    )
    band_rise = band_level(scores.c.band) > band_level(scores.c.previous_band)
    point_rise = scores.c.total - scores.c.window_low >= scores.c.points
    return select(scores).where(
        or_(and_(scores.c.previous_band.is_not(None), band_rise), point_rise)
    )


def worsening_rule(session: Session, now: datetime) -> list[Finding]:
    """The latest CIWA-B rose into a higher band (moderate or worse) than the score before it,
    or is at least ``worsening_points`` above the lowest score of the ``worsening_hours``
    before it (models.clinical.withdrawal: local policy, defaults +10 points in 24 h)."""
    rows = fetch(session, _worsening_query(dialect_of(session)))
    findings = []
    for row in rows:
        worse = judge_worsening(
            total=row.total,
            band=row.band,
            previous_band=row.previous_band,
            window_low=row.window_low,
            points=row.points,
        )
        if worse is None:
            continue
        reasons: list[Part] = []
        if worse.band_rise:
            reasons.append(message("up_from", band=word(_band_words(row.previous_band))))
        if worse.point_rise:
            reasons.append(
                message("points_within", points=row.total - row.window_low, hours=row.hours)
            )
        text = message(
            "worsening",
            total=row.total,
            band=word(_band_words(row.band)),
            when=instant(row.taken_at, row.timezone),
            reasons=joined("and", reasons),
        )
        findings.append(reading_finding(row, "admission", worse.severity, text))
    return findings


def _band_words(band: Any) -> str:
    return str(band).replace("_", " ")
