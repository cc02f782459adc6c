"""The MAR's reads: each scheduled slot with its charting, as the MAR table and the chart's dose
markers show it.

Each question is a few set-based queries, turned into the plain data the pure builders take.
Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, bindparam, false, true
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from dashboard.clinical_words import drug_name
from dashboard.components.taper_chart_data import DoseEvent
from dashboard.components.taper_chart_marks import figure_text
from dashboard.i18n import N_, _, language
from models.charting import REASONS_BY_STATUS
from models.clinical.dose_timing import AdministrationFact, DoseStatus, dose_status
from models.clinical.drugs import format_mg
from models.i18n import DEFAULT_LANGUAGE, format_when
from models.i18n import format_mg as format_mg_in
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
    slots, prn = _mar_statements(since is not None, until is not None)
    values = {"admission_id": admission_id, "since": since, "until": until}
    # Columns, not ORM rows: a long stay's MAR is hundreds of rows of three tables.
    entries = [slot_entry(row, ward, now) for row in session.execute(slots, values)]
    for given_id, drug, dose_ug, administered_at, reason_text, charted_by in session.execute(
        prn, values
    ):
        entries.append(prn_entry(given_id, drug, dose_ug, administered_at, charted_by, reason_text))
    return sorted(entries, key=lambda e: e.scheduled_at or e.administered_at or now)


def prn_entry(
    given_id: int,
    drug: str,
    dose_ug: int,
    administered_at: datetime,
    charted_by: str | None,
    reason_text: str | None,
) -> MarEntry:
    """A MAR entry for a PRN dose (no slot)."""
    return MarEntry(
        None, drug, dose_ug, None, "prn", administered_at, charted_by, reason_text, given_id
    )


_GIVEN = aliased(DoseAdministration, name="given")


@lru_cache(maxsize=4)
def _mar_statements(
    since: bool, until: bool
) -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    """:func:`mar_entries`' two statements, built once for each pair of bounds (the bounds and
    the admission are bound parameters)."""
    slots: Select[*tuple[Any, ...]] = (
        sa_select(*slot_columns(_GIVEN))
        .outerjoin(
            _GIVEN,
            (col(_GIVEN.scheduled_dose_id) == col(ScheduledDose.id))
            & (col(_GIVEN.entered_in_error) == false()),
        )
        .outerjoin(User, col(User.id) == col(_GIVEN.charted_by))
        .where(
            col(ScheduledDose.admission_id) == bindparam("admission_id"),
            col(ScheduledDose.cancelled_at).is_(None),
        )
    )
    prn: Select[*tuple[Any, ...]] = (
        sa_select(
            col(DoseAdministration.id),
            col(DoseAdministration.drug),
            col(DoseAdministration.dose_ug),
            col(DoseAdministration.administered_at),
            col(DoseAdministration.reason_text),
            col(User.display_name),
        )
        .join(User, col(User.id) == col(DoseAdministration.charted_by))
        .where(
            col(DoseAdministration.admission_id) == bindparam("admission_id"),
            col(DoseAdministration.prn) == true(),
            col(DoseAdministration.entered_in_error) == false(),
        )
    )
    if since:
        slots = slots.where(col(ScheduledDose.scheduled_at) >= bindparam("since"))
        prn = prn.where(col(DoseAdministration.administered_at) >= bindparam("since"))
    if until:
        slots = slots.where(col(ScheduledDose.scheduled_at) < bindparam("until"))
        prn = prn.where(col(DoseAdministration.administered_at) < bindparam("until"))
    return slots.order_by(col(ScheduledDose.scheduled_at)), prn


def slot_columns(given: type[DoseAdministration]) -> tuple[Any, ...]:
    """What :func:`_slot_entry` reads: the slot, its administration ``given``, who charted it."""
    return (
        col(ScheduledDose.id),
        col(ScheduledDose.drug),
        col(ScheduledDose.dose_ug),
        col(ScheduledDose.scheduled_at),
        col(ScheduledDose.doses_per_day),
        col(given.id).label("given_id"),
        col(given.status),
        col(given.administered_at),
        col(given.reason_code),
        col(given.reason_text),
        col(User.display_name),
    )


def slot_entry(row: Row[Any], ward: Ward, now: datetime) -> MarEntry:
    """A MAR entry from a row of :func:`mar_entries`' slot query."""
    given = row.given_id is not None
    fact = AdministrationFact(row.status, row.administered_at) if given else None
    status = dose_status(
        scheduled_at=row.scheduled_at,
        now=now,
        window_min=slot_window_min(ward, row.doses_per_day),
        administration=fact,
    )
    reason = None
    if given and row.status != "given":
        label = REASONS_BY_STATUS.get(row.status, {}).get(row.reason_code or "")
        reason = _(label) if label is not None else row.reason_code
        if row.reason_text:
            reason = f"{reason} — {row.reason_text}"
    return MarEntry(
        slot_id=row.id,
        drug=row.drug,
        dose_ug=row.dose_ug,
        scheduled_at=row.scheduled_at,
        status=str(status.value),
        administered_at=row.administered_at if given else None,
        charted_by=row.display_name,
        reason=reason,
        administration_id=row.given_id,
    )


# A dose's status as the chart's hover says it.
_DOSE_WORD = {
    "prn": N_("PRN given"),
    "given": N_("Given"),
    "given_late": N_("Given late"),
    "held": N_("Held"),
    "refused": N_("Refused"),
    "not_given": N_("Not given"),
}


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
    code = language()
    english = code == DEFAULT_LANGUAGE
    dose = f"{format_mg(entry.dose_ug)} mg" if english else format_mg_in(entry.dose_ug, code)
    lines = [f"{drug_name(entry.drug).capitalize()} {dose}"]
    if entry.scheduled_at is not None:
        due = (
            f"{entry.scheduled_at.astimezone(tz):%a %d %b %H:%M}"
            if english
            else format_when(entry.scheduled_at, code, tz=tz)
        )
        lines[0] = _("{dose}, due {when}", dose=lines[0], when=due)
    if category == "missed":
        lines.append(_("Not charted within the dose window"))
    else:
        when = entry.administered_at.astimezone(tz) if entry.administered_at else None
        word = _DOSE_WORD.get("prn" if category == "prn" else entry.status)
        verb = _(word) if word else entry.status.replace("_", " ").capitalize()
        lines.append(_("{status} {clock}", status=verb, clock=f"{when:%H:%M}") if when else verb)
        if entry.charted_by:
            lines[-1] = _("{what} by {who}", what=lines[-1], who=figure_text(entry.charted_by))
        if entry.reason:
            lines.append(figure_text(entry.reason))
    return DoseEvent(
        at=at,
        drug=entry.drug,
        mg=entry.dose_ug / 1000,
        category=category,
        detail="<br>".join(lines),
    )
