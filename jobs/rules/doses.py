"""Review rules on scheduled doses: missed (not charted within its window) and skipped (charted
held, refused or not given)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Executable,
    String,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlmodel import Session, col

from jobs.rules.common import (
    ADMITTED,
    NOW,
    Finding,
    fetch,
    labelled,
    now_param,
    valid,
    wards_with_deadlines,
    worded,
)
from models.charting import REASONS_BY_STATUS
from models.clinical.dose_timing import TIME_CRITICAL_ABOVE_PER_DAY, missed_after
from models.flag_text import Part, dose, instant, message, minutes, word
from models.flags import MISSED_DOSE_SEVERITY, REPEATED_MISSED_DOSE_SEVERITY
from models.statements import built_once
from models.tables import Admission, DoseAdministration, Flag, ScheduledDose, Ward
from models.types import UTCDateTime

SKIPPED_STATUSES = ("held", "refused", "not_given")
# A hold or refusal is raised for review when charted within this span; an older one stays
# listed only while its flag is open, so a new ward's history does not flood the queue
# (local policy).
SKIPPED_REVIEW_SPAN = timedelta(hours=48)


# Each frequency class of _by_frequency and the ward policy column holding its window (minutes).
_WINDOWS = {
    "critical": "time_critical_window_min",
    "daily": "daily_dose_window_min",
    "frequent": "dose_window_min",
}


def _by_frequency(
    doses_per_day: Any, all_time_critical: Any, *, critical: Any, daily: Any, frequent: Any
) -> ColumnElement[Any]:
    """The ISMP frequency classes of models.clinical.dose_timing.dose_window_min in SQL [S37]:
    ``critical`` for a time-critical dose, ``daily`` for a once-daily one, else ``frequent``."""
    return case(
        (or_(all_time_critical == true(), doses_per_day > TIME_CRITICAL_ABOVE_PER_DAY), critical),
        (doses_per_day <= 1, daily),
        else_=frequent,
    )


@built_once
def _missed_dose_query() -> Executable:
    sd = ScheduledDose
    charted = exists().where(
        col(DoseAdministration.scheduled_dose_id) == col(sd.id),
        valid(DoseAdministration.entered_in_error),
    )
    # A missed dose a person has already reviewed (its flag resolved by staff) closes its
    # episode: it no longer counts towards "n doses missed".
    reviewed = exists().where(
        col(Flag.admission_id) == col(sd.admission_id),
        col(Flag.status) == "resolved",
        col(Flag.rule) == "missed_dose",
        col(Flag.subject) == literal("dose:") + cast(col(sd.id), String),
        col(Flag.resolved_by).is_not(None),
    )
    wards = wards_with_deadlines(
        **{f"due_before_{kind}": col(getattr(Ward, name)) for kind, name in _WINDOWS.items()}
    )
    per_day, all_critical = col(sd.doses_per_day), wards.c.doses_time_critical
    deadline = _by_frequency(
        per_day, all_critical, **{kind: wards.c[f"due_before_{kind}"] for kind in _WINDOWS}
    )
    window = _by_frequency(
        per_day, all_critical, **{kind: wards.c[name] for kind, name in _WINDOWS.items()}
    )
    return (
        select(
            *labelled(sd, "id", "admission_id", "drug", "dose_ug", "scheduled_at"),
            func.sum(case((reviewed, 0), else_=1))
            .over(partition_by=col(sd.admission_id))
            .label("missed"),
            wards.c.timezone,
            window.label("window"),
        )
        .select_from(wards)
        .join(Admission, col(Admission.ward_id) == wards.c.id)
        .join(sd, col(sd.admission_id) == col(Admission.id))
        .where(
            ADMITTED,
            col(sd.cancelled_at).is_(None),
            col(sd.scheduled_at) < deadline,
            # Implied (every window is positive), but it lets the database drop the doses still
            # to come before joining the rest.
            col(sd.scheduled_at) < now_param(),
            col(sd.scheduled_at) >= col(Admission.admitted_at),
            ~charted,
        )
    )


def missed_dose_rule(session: Session, now: datetime) -> list[Finding]:
    """A live scheduled dose with no valid administration record once its window after its
    time has passed [S41]. The window follows how often the drug is due (ISMP [S37]; the
    ward's widths; models.clinical.dose_timing). A second missed dose in the open episode
    (missed doses nobody has reviewed yet) makes every missed-dose flag of the patient high:
    skipped doses worsen withdrawal [S23]."""
    rows = fetch(session, _missed_dose_query(), {NOW: now})
    return [
        worded(
            row.admission_id,
            f"dose:{row.id}",
            REPEATED_MISSED_DOSE_SEVERITY if row.missed > 1 else MISSED_DOSE_SEVERITY,
            _missed_text(row),
            at=row.scheduled_at,
            evidence_at=missed_after(row.scheduled_at, row.window),
        )
        for row in rows
    ]


def _missed_text(row: Any) -> Part:
    many = row.missed > 1
    return message(
        "missed_doses" if many else "missed_dose",
        drug=row.drug.title(),
        dose=dose(row.dose_ug),
        due=instant(row.scheduled_at, row.timezone),
        window=minutes(row.window),
        **({"missed": row.missed} if many else {}),
    )


@built_once
def _dose_skipped_query() -> Executable:
    da, sd = DoseAdministration, ScheduledDose
    flagged = exists().where(
        col(Flag.admission_id) == col(da.admission_id),
        col(Flag.rule) == "dose_skipped",
        col(Flag.status) != "resolved",
        col(Flag.subject) == literal("administration:") + cast(col(da.id), String),
    )
    return (
        select(
            *labelled(da, "id", "admission_id", "status", "reason_code", "reason_text", "drug"),
            col(sd.dose_ug).label("dose_ug"),
            func.coalesce(col(sd.scheduled_at), col(da.administered_at)).label("due_at"),
            col(da.charted_at).label("charted_at"),
            col(Ward.timezone).label("timezone"),
        )
        .select_from(Admission)
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(da, col(da.admission_id) == col(Admission.id))
        .outerjoin(sd, col(sd.id) == col(da.scheduled_dose_id))
        .where(
            ADMITTED,
            col(da.status).in_(SKIPPED_STATUSES),
            col(da.prn) == false(),
            valid(da.entered_in_error),
            or_(col(da.charted_at) >= bindparam("charted_since", type_=UTCDateTime()), flagged),
        )
    )


def dose_skipped_rule(session: Session, now: datetime) -> list[Finding]:
    """A scheduled dose charted held, refused or not given, for review: skipped doses worsen
    withdrawal [S23]; for critical medicines one refused dose counts as missed [S41]. A hold is
    a clinical decision (low); a refusal or omission moderate; raised when charted within
    SKIPPED_REVIEW_SPAN (local policy)."""
    rows = fetch(session, _dose_skipped_query(), {"charted_since": now - SKIPPED_REVIEW_SPAN})
    findings = []
    for row in rows:
        label = REASONS_BY_STATUS.get(row.status, {}).get(row.reason_code)
        reason: Part = row.reason_code if label is None else word(label)
        if row.reason_text:
            reason = message("reason_with_text", reason=reason, text=row.reason_text)
        due = instant(row.due_at, row.timezone)
        status = word(row.status.replace("_", " "))
        text = (
            message(
                "dose_skipped",
                drug=row.drug.title(),
                dose=dose(row.dose_ug),
                due=due,
                status=status,
                reason=reason,
            )
            if row.dose_ug
            else message(
                "dose_skipped_no_dose", drug=row.drug.title(), due=due, status=status, reason=reason
            )
        )
        severity = "low" if row.status == "held" else "moderate"
        subject = f"administration:{row.id}"
        findings.append(
            worded(
                row.admission_id, subject, severity, text, at=row.due_at, evidence_at=row.charted_at
            )
        )
    return findings
