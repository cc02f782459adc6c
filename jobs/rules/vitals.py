"""Review rules on vital signs: an urgent NEWS2 and vital signs overdue (models.clinical.news2
and models.clinical.observations)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Executable, false, func, select
from sqlmodel import Session, col

from jobs.rules.common import (
    NOW,
    Finding,
    dialect_of,
    fetch,
    latest_readings,
    news2_urgent,
    overdue_findings,
    overdue_query,
    reading_finding,
    urgent_obs_interval,
)
from models.clinical.news2 import News2Response, news2_response
from models.clinical.observations import vitals_overdue
from models.flag_text import instant, message, minutes, word
from models.statements import built_once
from models.tables import VitalSigns, Ward

_WHY = {
    News2Response.HIGH: "emergency response",
    News2Response.MEDIUM: "urgent review",
    News2Response.LOW_SINGLE_3: "a single parameter scores 3: inform the team",
}


@built_once
def _news2_query(dialect: str) -> Executable:
    readings = latest_readings(
        dialect, VitalSigns, ("taken_at", "charted_at", "news2_total", "news2_any_three")
    )
    return (
        select(
            readings.c.admission_id,
            readings.c.latest_news2_total.label("news2_total"),
            readings.c.latest_news2_any_three.label("any_three"),
            readings.c.latest_taken_at.label("taken_at"),
            readings.c.latest_charted_at.label("charted_at"),
            col(Ward.timezone).label("timezone"),
        )
        .join(Ward, col(Ward.id) == readings.c.ward_id)
        .where(news2_urgent(readings.c.latest_news2_total, readings.c.latest_news2_any_three))
    )


def news2_rule(session: Session, now: datetime) -> list[Finding]:
    """The latest NEWS2: 5 or more, or any single parameter scoring 3, calls for urgent review
    (high); 7 or more for an emergency response (emergency) [S35]."""
    findings = []
    for row in fetch(session, _news2_query(dialect_of(session))):
        response = news2_response(row.news2_total, bool(row.any_three))
        severity = response.flag_severity
        if severity is None:
            continue
        text = message(
            "news2",
            total=row.news2_total,
            when=instant(row.taken_at, row.timezone),
            why=word(_WHY[response]),
        )
        findings.append(reading_finding(row, "admission", severity, text))
    return findings


@built_once
def _vitals_overdue_query(dialect: str) -> Executable:
    readings = latest_readings(dialect, VitalSigns, ("taken_at", "news2_total", "news2_any_three"))
    urgent = func.coalesce(
        news2_urgent(readings.c.latest_news2_total, readings.c.latest_news2_any_three), false()
    )
    return overdue_query(
        readings,
        urgent,
        col(Ward.vitals_interval_min),
        urgent_obs_interval(col(Ward.vitals_interval_min)),  # while urgent: hourly at most
        readings.c.latest_news2_total.label("news2_total"),
        readings.c.latest_news2_any_three.label("any_three"),
    )


def vitals_overdue_rule(session: Session, now: datetime) -> list[Finding]:
    """No valid vital signs within the ward's interval, or within an hour while the last NEWS2
    was urgent (obs at least hourly [S35]); models.clinical.observations.vitals_overdue."""
    rows = fetch(session, _vitals_overdue_query(dialect_of(session)), {NOW: now})
    return overdue_findings(
        rows,
        lambda row: vitals_overdue(
            last_at=row.taken_at,
            news2_total=row.news2_total,
            any_single_three=bool(row.any_three),
            admitted_at=row.admitted_at,
            routine_min=row.routine,
            now=now,
        ),
        "vitals_overdue",
        lambda overdue: (
            message("hourly_while_urgent")
            if overdue.shortened
            else message("every", interval=minutes(overdue.interval_min))
        ),
    )
