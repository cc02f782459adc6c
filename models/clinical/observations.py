"""When the next CIWA-B and the next set of vital signs are due, and how an overdue one is read.

The ward board, the chart and the review rules all ask these functions (the rules' SQL is built
from the same constants, and a property test checks that both agree):

- A CIWA-B is due the ward's reassessment interval after the last one; the shorter interval
  applies while the last band was SHORTER_REASSESSMENT_FROM or worse. LOCAL POLICY modelled on
  the alcohol order set (reassess every 4 h when mild, every 1-2 h when raised) [S10][S56].
- Vital signs are due the ward's routine interval after the last set, or within the hour while
  that set's NEWS2 response is urgent [S35] (models.clinical.news2.obs_interval_min).
- The first reading of a stay is due one interval after admission.
- A reading is overdue once the clock is past its due time (at the due minute it is "due now").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.clinical.levels import band_level
from models.clinical.news2 import news2_response, obs_interval_min
from models.clinical.scales import Band
from models.clinical.sources import ClinicalNumber

SHORTER_REASSESSMENT_FROM = Band.MODERATE  # local policy after [S10][S56]


@dataclass(frozen=True)
class Overdue:
    due: datetime
    severity: str  # a flag severity (models.clinical.levels.FLAG_SEVERITIES)
    evidence_at: datetime  # when it became overdue, or overdue by a second interval
    interval_min: int
    shortened: bool  # the shorter interval applies (raised score, urgent NEWS2)


def assessment_shortened(last_band: str | None) -> bool:
    return band_level(last_band) >= SHORTER_REASSESSMENT_FROM.order


def assessment_interval_min(last_band: str | None, routine_min: int, shortened_min: int) -> int:
    return shortened_min if assessment_shortened(last_band) else routine_min


def vitals_interval_min(news2_total: int | None, any_single_three: bool, routine_min: int) -> int:
    if news2_total is None:
        return routine_min
    return obs_interval_min(news2_total, any_single_three, routine_min)


def vitals_urgent(news2_total: int | None, any_single_three: bool) -> bool:
    return news2_total is not None and news2_response(news2_total, any_single_three).urgent


def due_at(last_at: datetime | None, admitted_at: datetime, interval_min: int) -> datetime:
    return (last_at or admitted_at) + timedelta(minutes=interval_min)


def is_overdue(due: datetime, now: datetime) -> bool:
    return now > due


def assessment_overdue(
    *,
    last_at: datetime | None,
    last_band: str | None,
    admitted_at: datetime,
    routine_min: int,
    shortened_min: int,
    now: datetime,
) -> Overdue | None:
    """An overdue CIWA-B: high once overdue by a second interval or while the last band was
    raised; moderate otherwise (local policy)."""
    shortened = assessment_shortened(last_band)
    interval = shortened_min if shortened else routine_min
    due = due_at(last_at, admitted_at, interval)
    if not is_overdue(due, now):
        return None
    late_twice = due + timedelta(minutes=interval)
    twice = now >= late_twice
    return Overdue(
        due=due,
        severity="high" if twice or shortened else "moderate",
        # Overdue by a second interval is new evidence: a reminder after a review.
        evidence_at=late_twice if twice else due,
        interval_min=interval,
        shortened=shortened,
    )


def vitals_overdue(
    *,
    last_at: datetime | None,
    news2_total: int | None,
    any_single_three: bool,
    admitted_at: datetime,
    routine_min: int,
    now: datetime,
) -> Overdue | None:
    """Overdue vital signs: high while the last NEWS2 is urgent (obs at least hourly [S35]);
    moderate once overdue by a second interval, low before (local policy)."""
    urgent = vitals_urgent(news2_total, any_single_three)
    interval = vitals_interval_min(news2_total, any_single_three, routine_min)
    due = due_at(last_at, admitted_at, interval)
    if not is_overdue(due, now):
        return None
    late_twice = due + timedelta(minutes=interval)
    twice = now >= late_twice
    if urgent:
        severity = "high"
    else:
        severity = "moderate" if twice else "low"
    return Overdue(
        due=due,
        severity=severity,
        evidence_at=late_twice if twice else due,
        interval_min=interval,
        shortened=urgent,
    )


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "CIWA-B reassessment: the shorter interval applies from",
        f"the {SHORTER_REASSESSMENT_FROM.label.lower()} band",
        ("S10", "S56"),
        "Local policy modelled on the alcohol order set (every 4 h when mild, 1-2 h when "
        "raised); the intervals are the ward's settings.",
    ),
    ClinicalNumber(
        "Vital signs while NEWS2 is urgent",
        "at least hourly, or the ward's interval if shorter",
        ("S35",),
    ),
)
