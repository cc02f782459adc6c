"""The review rule in the other direction: a dose that may be too high. Doses held for sedation
in the last day, the latest readings beyond the ward's sedation thresholds, and sedation with
depressed breathing (models.clinical.sedation). The SQL reads each admitted patient's latest two
valid sets of vitals by the (admission_id, taken_at) index, and counts the doses held for
sedation by the (admission_id, administered_at) index, with the ward's thresholds in the same
statement; the judgement is models.clinical.sedation.dose_too_high, which the pages ask too."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Executable, bindparam, func, or_, outerjoin, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from jobs.rules.common import (
    ADMITTED,
    NOW,
    Finding,
    ReasonPattern,
    fetch,
    now_param,
    reason_part,
    valid,
    worded,
)
from models.clinical.sedation import (
    HELD_FOR_SEDATION,
    HELD_FOR_SEDATION_COUNT,
    HELD_FOR_SEDATION_HOURS,
    SEDATED_ACVPU,
    SedationReading,
    SedationThresholds,
    dose_too_high,
)
from models.flag_text import instant, joined, message
from models.statements import built_once
from models.tables import Admission, DoseAdministration, VitalSigns, Ward
from models.types import UTCDateTime

HELD_SINCE = "held_since"
HELD_REVIEW_SPAN = timedelta(hours=HELD_FOR_SEDATION_HOURS)

READING_FIELDS = (
    "id",
    "taken_at",
    "charted_at",
    "rass",
    "poss",
    "resp_rate",
    "spo2",
    "spo2_scale",
    "supplemental_o2",
    "consciousness",
)

# How models.clinical.sedation words its reasons, read back as messages (models.flag_text); the
# signs themselves (RASS, POSS, ACVPU, RR, SpO2 with their values) stay as written.
_SEDATION_REASONS: tuple[ReasonPattern, ...] = (
    (
        re.compile(r"sedated with depressed breathing \((.*)\)"),
        lambda m: message("sedated_breathing", signs=m[1]),
    ),
    (
        re.compile(r"(\d+) doses held for sedation in (\d+) h"),
        lambda m: message("held_for_sedation", count=int(m[1]), hours=int(m[2])),
    ),
    (
        re.compile(r"sedated in the last (\d+) readings \((.*)\)"),
        lambda m: message("sedated_readings", count=int(m[1]), signs=m[2]),
    ),
)


def _nth_reading_id(offset: int) -> Any:
    found = aliased(VitalSigns, name=f"sedation_found_{offset}")
    return (
        select(col(found.id))
        .where(col(found.admission_id) == col(Admission.id), valid(found.entered_in_error))
        .order_by(col(found.taken_at).desc(), col(found.id).desc())
        .limit(1)
        .offset(offset)
        .correlate(Admission)
        .scalar_subquery()
    )


def _held_for_sedation() -> Any:
    """Each admission's scheduled doses held for sedation in the last day (count, last charted)."""
    held = aliased(DoseAdministration, name="held_for_sedation")
    since = bindparam(HELD_SINCE, type_=UTCDateTime())
    return (
        select(
            col(held.admission_id).label("admission_id"),
            func.count().label("held"),
            func.max(col(held.administered_at)).label("last_held_at"),
            func.max(col(held.charted_at)).label("last_held_charted_at"),
        )
        .where(
            col(held.status) == "held",
            col(held.reason_code) == HELD_FOR_SEDATION,
            col(held.scheduled_dose_id).is_not(None),
            valid(held.entered_in_error),
            col(held.administered_at) > since,
            col(held.administered_at) <= now_param(),
        )
        .group_by(col(held.admission_id))
        .subquery("held_counts")
    )


@built_once
def _too_high_query() -> Executable:
    first = aliased(VitalSigns, name="reading_1")
    second = aliased(VitalSigns, name="reading_2")
    held = _held_for_sedation()
    source = (
        outerjoin(Admission, first, col(first.id) == _nth_reading_id(0))
        .outerjoin(second, col(second.id) == _nth_reading_id(1))
        .outerjoin(held, held.c.admission_id == col(Admission.id))
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
    )
    return (
        select(
            col(Admission.id).label("admission_id"),
            col(Ward.timezone).label("timezone"),
            col(Ward.sedation_rass_threshold).label("rass_threshold"),
            col(Ward.sedation_poss_threshold).label("poss_threshold"),
            func.coalesce(held.c.held, 0).label("held"),
            held.c.last_held_at,
            held.c.last_held_charted_at,
            *(col(getattr(first, f)).label(f"r1_{f}") for f in READING_FIELDS),
            *(col(getattr(second, f)).label(f"r2_{f}") for f in READING_FIELDS),
        )
        .select_from(source)
        .where(
            ADMITTED,
            # Only patients the judgement could flag (dose_too_high needs one of these): doses
            # held for sedation often enough, or a newest reading with a sign of sedation (a
            # RASS at or below the ward's threshold, any POSS, a sedated ACVPU). The others are
            # judged clear by their absence.
            or_(
                held.c.held >= HELD_FOR_SEDATION_COUNT,
                col(first.rass) <= col(Ward.sedation_rass_threshold),
                col(first.poss).is_not(None),
                col(first.consciousness).in_(SEDATED_ACVPU),
            ),
        )
    )


def _reading(row: Any, prefix: str) -> SedationReading | None:
    if getattr(row, f"{prefix}_id") is None:
        return None
    return SedationReading(
        rass=getattr(row, f"{prefix}_rass"),
        poss=getattr(row, f"{prefix}_poss"),
        resp_rate=getattr(row, f"{prefix}_resp_rate"),
        spo2=getattr(row, f"{prefix}_spo2"),
        spo2_scale=getattr(row, f"{prefix}_spo2_scale"),
        supplemental_o2=bool(getattr(row, f"{prefix}_supplemental_o2")),
        consciousness=getattr(row, f"{prefix}_consciousness"),
    )


def dose_too_high_rule(session: Session, now: datetime) -> list[Finding]:
    """Two or more doses held for sedation in 24 h, or the latest two readings beyond the ward's
    sedation thresholds: "dose may be too high" (high); the latest reading sedated with RR 8 or
    less or SpO2 below target: emergency (models.clinical.sedation)."""
    findings = []
    for row in fetch(session, _too_high_query(), {NOW: now, HELD_SINCE: now - HELD_REVIEW_SPAN}):
        readings = [r for r in (_reading(row, "r1"), _reading(row, "r2")) if r is not None]
        found = dose_too_high(
            held_for_sedation_24h=int(row.held),
            latest=readings,
            thresholds=SedationThresholds(rass=row.rass_threshold, poss=row.poss_threshold),
        )
        if found is None:
            continue
        moments = [m for m in (row.r1_taken_at, row.last_held_at) if m is not None]
        evidence = [m for m in (row.r1_charted_at, row.last_held_charted_at) if m is not None]
        subject_at = max(moments) if moments else now
        text = message(
            "dose_too_high",
            reasons=joined(";", [reason_part(r, _SEDATION_REASONS) for r in found.reasons]),
            when=instant(subject_at, row.timezone),
        )
        evidence_at = max(evidence) if evidence else now
        findings.append(
            worded(
                row.admission_id,
                "admission",
                found.severity,
                text,
                at=subject_at,
                evidence_at=evidence_at,
            )
        )
    return findings
