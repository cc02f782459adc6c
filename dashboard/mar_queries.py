"""The MAR's reads: each scheduled slot with its charting, as the MAR table and the chart's dose
markers show it.

Each question is a few set-based queries, turned into the plain data the pure builders take.
Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from dashboard.components.taper_chart import (
    DoseEvent,
    figure_text,
)
from models.charting import REASONS_BY_STATUS
from models.clinical.dose_timing import AdministrationFact, DoseStatus, dose_status
from models.clinical.drugs import format_mg
from models.tables import (
    DoseAdministration,
    ScheduledDose,
    User,
    Ward,
)
from models.ward_policy import slot_window_min

_DOSE_CATEGORY: dict[DoseStatus, str] = {
    DoseStatus.GIVEN: "given",
    DoseStatus.GIVEN_LATE: "late",
    DoseStatus.HELD: "held",
    DoseStatus.REFUSED: "refused",
    DoseStatus.NOT_GIVEN: "not_given",
    DoseStatus.MISSED: "missed",
}


# --- MAR --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarEntry:
    """A scheduled dose (or a PRN dose, ``slot_id`` None) and what became of it."""

    slot_id: int | None
    drug: str
    dose_ug: int
    scheduled_at: datetime | None
    status: str  # a DoseStatus value, or "prn"
    administered_at: datetime | None
    charted_by: str | None
    reason: str | None
    administration_id: int | None


def mar_entries(
    session: Session,
    admission_id: int,
    ward: Ward,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[MarEntry]:
    """Live scheduled doses in [since, until) with their valid administration, plus PRN doses,
    in time order (two queries)."""
    da = aliased(DoseAdministration)
    query = (
        select(ScheduledDose, da, User)
        .outerjoin(
            da,
            (col(da.scheduled_dose_id) == col(ScheduledDose.id))
            & col(da.entered_in_error).is_(False),
        )
        .outerjoin(User, col(User.id) == col(da.charted_by))
        .where(
            col(ScheduledDose.admission_id) == admission_id,
            col(ScheduledDose.cancelled_at).is_(None),
        )
    )
    if since is not None:
        query = query.where(col(ScheduledDose.scheduled_at) >= since)
    if until is not None:
        query = query.where(col(ScheduledDose.scheduled_at) < until)
    entries = [
        slot_entry(slot, given, user, ward, now)
        for slot, given, user in session.exec(query.order_by(col(ScheduledDose.scheduled_at)))
    ]
    prn = (
        select(DoseAdministration, User)
        .join(User, col(User.id) == col(DoseAdministration.charted_by))
        .where(
            col(DoseAdministration.admission_id) == admission_id,
            col(DoseAdministration.prn).is_(True),
            col(DoseAdministration.entered_in_error).is_(False),
        )
    )
    if since is not None:
        prn = prn.where(col(DoseAdministration.administered_at) >= since)
    if until is not None:
        prn = prn.where(col(DoseAdministration.administered_at) < until)
    for given, user in session.exec(prn):
        entries.append(
            MarEntry(
                None,
                given.drug,
                given.dose_ug,
                None,
                "prn",
                given.administered_at,
                user.display_name,
                given.reason_text,
                given.id,
            )
        )
    return sorted(entries, key=lambda e: e.scheduled_at or e.administered_at or now)


def slot_entry(
    slot: ScheduledDose,
    given: DoseAdministration | None,
    user: User | None,
    ward: Ward,
    now: datetime,
) -> MarEntry:
    fact = AdministrationFact(given.status, given.administered_at) if given else None
    status = dose_status(
        scheduled_at=slot.scheduled_at,
        now=now,
        window_min=slot_window_min(ward, slot.doses_per_day),
        administration=fact,
    )
    reason = None
    if given is not None and given.status != "given":
        reason = REASONS_BY_STATUS.get(given.status, {}).get(
            given.reason_code or "", given.reason_code
        )
        if given.reason_text:
            reason = f"{reason} — {given.reason_text}"
    return MarEntry(
        slot_id=slot.id,
        drug=slot.drug,
        dose_ug=slot.dose_ug,
        scheduled_at=slot.scheduled_at,
        status=str(status.value),
        administered_at=given.administered_at if given else None,
        charted_by=user.display_name if user else None,
        reason=reason,
        administration_id=given.id if given else None,
    )


def dose_event(entry: MarEntry, tz: ZoneInfo) -> DoseEvent | None:
    """The chart marker of a MAR entry; None while the dose is not yet due or still due."""
    if entry.status == "prn":
        category = "prn"
    else:
        found = _DOSE_CATEGORY.get(DoseStatus(entry.status))
        if found is None:
            return None
        category = found
    at = entry.administered_at or entry.scheduled_at
    assert at is not None
    lines = [f"{entry.drug.capitalize()} {format_mg(entry.dose_ug)} mg"]
    if entry.scheduled_at is not None:
        lines[0] += f", due {entry.scheduled_at.astimezone(tz):%a %d %b %H:%M}"
    if category == "missed":
        lines.append("Not charted within the dose window")
    else:
        when = entry.administered_at.astimezone(tz) if entry.administered_at else None
        verb = "PRN given" if category == "prn" else entry.status.replace("_", " ").capitalize()
        lines.append(f"{verb} {when:%H:%M}" if when else verb)
        if entry.charted_by:
            lines[-1] += f" by {figure_text(entry.charted_by)}"
        if entry.reason:
            lines.append(figure_text(entry.reason))
    return DoseEvent(
        at=at,
        drug=entry.drug,
        mg=entry.dose_ug / 1000,
        category=category,
        detail="<br>".join(lines),
    )
