"""Downloads from the patient page: the stay's vital signs, withdrawal scores and MAR as CSV (for
audits and research) and the stay as a FHIR R4 bundle.

The headings are in the reader's language: in English the columns' own names (``taken_local``,
as scripts read them); in another language each column's description, translated. The cells
keep their machine values in every language (``yes``/``no``, statuses, reason codes, times as
``YYYY-MM-DD HH:MM``), so a script reads a French download as it reads an English one.

CSV times are the ward's local time (``*_local``, the ward's IANA zone) with the UTC instant of
the main time beside it, so a reading in the repeated hour of a daylight-saving change stays
unambiguous; doses are mg. Entries marked in error are kept and marked, as on the ward.
Every download is audited (``export.csv``, ``export.fhir``); anonymous requests never get here
(the sign-in guard answers 401).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import flask
from dash import html
from sqlmodel import Session, col, select

from dashboard.context import current_actor, engine
from dashboard.i18n import N_, request_translator
from models.audit import audit_event
from models.charting import REASONS_BY_STATUS
from models.clinical.drugs import format_mg
from models.db import transaction
from models.fhir_export import export_admission
from models.fhir_export_observations import SCALE_ITEMS
from models.i18n import DEFAULT_LANGUAGE
from models.tables import (
    Admission,
    DoseAdministration,
    ScheduledDose,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from models.types import utcnow

CsvRow = list[str | int | float]
Entry = TypeVar("Entry", VitalSigns, WithdrawalAssessment, DoseAdministration)
CHARTING_COLUMNS = ("charted_by", "charted_local", "entered_in_error", "error_reason")


class _Stay:
    def __init__(self, session: Session, admission_id: int) -> None:
        admission = session.get(Admission, admission_id)
        if admission is None:
            raise LookupError(f"no admission {admission_id}")
        ward = session.get(Ward, admission.ward_id)
        assert ward is not None
        self.admission = admission
        self.tz = ZoneInfo(ward.timezone)
        self.names = {u.id: u.display_name for u in session.exec(select(User)).all()}

    def local(self, at: datetime | None) -> str:
        return at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M") if at else ""

    def name(self, user_id: int | None) -> str:
        return _text(self.names.get(user_id, "")) if user_id else ""

    def local_and_utc(self, at: datetime) -> list[str]:
        """A row's main time: the ward's local time, then its UTC instant."""
        return [self.local(at), _utc(at)]

    def charting(self, entry: VitalSigns | WithdrawalAssessment | DoseAdministration) -> CsvRow:
        """Every CSV's last columns (CHARTING_COLUMNS): who charted the entry, when, and
        whether it was marked in error and why."""
        return [
            self.name(entry.charted_by),
            self.local(entry.charted_at),
            _yes(entry.entered_in_error),
            _text(entry.error_reason),
        ]


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: str | None) -> str:
    """Free text, defused: a cell starting with = + - @ would run as a spreadsheet formula."""
    value = value or ""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


# Each column's heading in a language other than English (English keeps the column's name).
HEADINGS: dict[str, str] = {
    "taken_local": N_("Taken (ward time)"),
    "taken_utc": N_("Taken (UTC)"),
    "heart_rate_per_min": N_("Heart rate (/min)"),
    "systolic_mmhg": N_("Systolic (mmHg)"),
    "diastolic_mmhg": N_("Diastolic (mmHg)"),
    "temperature_c": N_("Temperature (°C)"),
    "resp_rate_per_min": N_("Respiratory rate (/min)"),
    "spo2_percent": N_("SpO2 (%)"),
    "supplemental_o2": N_("Supplemental oxygen"),
    "acvpu": N_("ACVPU"),
    "news2_total": N_("NEWS2 total"),
    "news2_single_parameter_3": N_("NEWS2: a single parameter scoring 3"),
    "source": N_("Source"),
    "scale": N_("Scale"),
    "item_{n}": N_("Item {n}"),
    "total": N_("Total"),
    "band": N_("Band"),
    "due_local": N_("Due (ward time)"),
    "due_utc": N_("Due (UTC)"),
    "drug": N_("Drug"),
    "scheduled_mg": N_("Scheduled (mg)"),
    "status": N_("Status"),
    "given_mg": N_("Given (mg)"),
    "at_local": N_("Charted for (ward time)"),
    "minutes_from_due": N_("Minutes from due"),
    "prn": N_("PRN"),
    "reason_code": N_("Reason code"),
    "reason": N_("Reason"),
    "reason_text": N_("Reason (typed)"),
    "charted_by": N_("Charted by"),
    "charted_local": N_("Charted at (ward time)"),
    "entered_in_error": N_("Entered in error"),
    "error_reason": N_("Why in error"),
}
_ITEM = "item_"


def heading(column: str) -> str:
    """A column's heading in the request's language (English: the column's name)."""
    t = request_translator()
    if t.code == DEFAULT_LANGUAGE:
        return column
    if column.startswith(_ITEM) and column[len(_ITEM) :].isdigit():
        return t.gettext(HEADINGS["item_{n}"], n=column[len(_ITEM) :])
    return t.gettext(HEADINGS[column])


def _csv(header: Sequence[str], rows: Iterable[CsvRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(column) for column in header])
    writer.writerows(rows)
    return out.getvalue()


def _stay_entries(
    session: Session, table: type[Entry], admission_id: int, at: datetime
) -> Sequence[Entry]:
    """The stay's entries of one kind, entries in error included, in order of ``at`` (a column
    of ``table``), then of entry."""
    return session.exec(
        select(table).where(table.admission_id == admission_id).order_by(col(at), col(table.id))
    ).all()


def vitals_csv(session: Session, admission_id: int, *, now: datetime | None = None) -> str:
    stay = _Stay(session, admission_id)
    rows = _stay_entries(session, VitalSigns, admission_id, VitalSigns.taken_at)
    header = [
        "taken_local",
        "taken_utc",
        "heart_rate_per_min",
        "systolic_mmhg",
        "diastolic_mmhg",
        "temperature_c",
        "resp_rate_per_min",
        "spo2_percent",
        "supplemental_o2",
        "acvpu",
        "news2_total",
        "news2_single_parameter_3",
        "source",
        *CHARTING_COLUMNS,
    ]
    return _csv(
        header,
        (
            [
                *stay.local_and_utc(v.taken_at),
                v.heart_rate,
                v.systolic,
                v.diastolic,
                v.temperature_c,
                v.resp_rate,
                v.spo2,
                _yes(v.supplemental_o2),
                v.consciousness,
                v.news2_total,
                _yes(v.news2_any_three),
                "EHR import" if v.external_id else "charted",
                *stay.charting(v),
            ]
            for v in rows
        ),
    )


def scores_csv(session: Session, admission_id: int, *, now: datetime | None = None) -> str:
    stay = _Stay(session, admission_id)
    rows = _stay_entries(session, WithdrawalAssessment, admission_id, WithdrawalAssessment.taken_at)
    n_items = max(len(items) for items in SCALE_ITEMS.values())  # CIWA-B's 20
    header = [
        "taken_local",
        "taken_utc",
        "scale",
        *(f"item_{n}" for n in range(1, n_items + 1)),
        "total",
        "band",
        *CHARTING_COLUMNS,
    ]
    return _csv(
        header,
        (
            [
                *stay.local_and_utc(a.taken_at),
                a.scale,
                *(a.items.get(str(n), "") for n in range(1, n_items + 1)),
                a.total,
                a.band,
                *stay.charting(a),
            ]
            for a in rows
        ),
    )


def mar_csv(session: Session, admission_id: int, *, now: datetime | None = None) -> str:
    """Every charted dose (PRN included, entries in error marked), and every dose that fell due
    during the stay with nothing charted ("not charted"), in order of the time due."""
    stay = _Stay(session, admission_id)
    now = now or utcnow()
    until = min(now, stay.admission.discharged_at or now)
    slots = {
        slot.id: slot
        for slot in session.exec(
            select(ScheduledDose).where(
                ScheduledDose.admission_id == admission_id,
                col(ScheduledDose.cancelled_at).is_(None),
            )
        ).all()
    }
    charted = _stay_entries(
        session, DoseAdministration, admission_id, DoseAdministration.administered_at
    )
    entries: list[tuple[datetime, int, CsvRow]] = []
    valid_slots = set()
    for dose in charted:
        slot = slots.get(dose.scheduled_dose_id) if dose.scheduled_dose_id else None
        if slot is not None and not dose.entered_in_error:
            valid_slots.add(slot.id)
        due = slot.scheduled_at if slot else dose.administered_at
        entries.append((due, 1, _mar_row(stay, slot, dose)))
    for slot in slots.values():
        if slot.id not in valid_slots and slot.scheduled_at <= until:
            entries.append((slot.scheduled_at, 0, _mar_row(stay, slot, None)))
    header = [
        "due_local",
        "due_utc",
        "drug",
        "scheduled_mg",
        "status",
        "given_mg",
        "at_local",
        "minutes_from_due",
        "prn",
        "reason_code",
        "reason",
        "reason_text",
        *CHARTING_COLUMNS,
    ]
    return _csv(header, (row for _, _, row in sorted(entries, key=lambda e: (e[0], e[1]))))


def _mar_row(stay: _Stay, slot: ScheduledDose | None, dose: DoseAdministration | None) -> CsvRow:
    due = stay.local_and_utc(slot.scheduled_at) if slot else ["", ""]
    scheduled = format_mg(slot.dose_ug) if slot else ""
    if dose is None:
        assert slot is not None
        return [*due, slot.drug, scheduled, "not charted", *[""] * 11]
    late = ""
    if slot is not None:
        late = str(round((dose.administered_at - slot.scheduled_at).total_seconds() / 60))
    reason = REASONS_BY_STATUS.get(dose.status, {}).get(dose.reason_code or "", "")
    return [
        *due,
        dose.drug,
        scheduled,
        dose.status,
        format_mg(dose.dose_ug) if dose.status == "given" else "",
        stay.local(dose.administered_at),
        late,
        _yes(dose.prn),
        dose.reason_code or "",
        reason,
        _text(dose.reason_text),
        *stay.charting(dose),
    ]


CSV_EXPORTS: dict[str, Callable[..., str]] = {
    "vitals": vitals_csv,
    "scores": scores_csv,
    "mar": mar_csv,
}


def export_links(admission_id: int) -> html.Div:
    """The patient page's download links (the page places them)."""
    base = f"/patient/{admission_id}/export"
    links = [
        ("Vitals (CSV)", f"{base}/vitals.csv"),
        ("Scores (CSV)", f"{base}/scores.csv"),
        ("MAR (CSV)", f"{base}/mar.csv"),
        ("FHIR R4 bundle (JSON)", f"{base}/fhir.json"),
    ]
    return html.Div(
        [
            html.A(label, href=href, download="", className="tw-export-link")
            for label, href in links
        ],
        className="tw-export-links",
    )


def _download(body: str, filename: str, mimetype: str) -> flask.Response:
    response = flask.Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # patient data stays off shared caches
    return response


MAX_ID = 2**31 - 1  # ids are 32-bit: a longer number names no admission


def register_export_routes(server: flask.Flask) -> None:
    @server.get("/patient/<int:admission_id>/export/<kind>.csv")
    def export_csv(admission_id: int, kind: str) -> flask.Response:
        build = CSV_EXPORTS.get(kind)
        if build is None or admission_id > MAX_ID:
            flask.abort(404)
        actor = current_actor()
        with transaction(engine()) as session:
            try:
                body = build(session, admission_id, now=utcnow())
            except LookupError:
                flask.abort(404)
            audit_event(
                session,
                actor=actor,
                action="export.csv",
                entity="admission",
                entity_id=admission_id,
                after={"kind": kind},
            )
        return _download(body, f"admission-{admission_id}-{kind}.csv", "text/csv")

    @server.get("/patient/<int:admission_id>/export/fhir.json")
    def export_fhir(admission_id: int) -> flask.Response:
        actor = current_actor()
        if admission_id > MAX_ID:
            flask.abort(404)
        with transaction(engine()) as session:
            if session.get(Admission, admission_id) is None:
                flask.abort(404)
            bundle = export_admission(session, admission_id, now=utcnow())
            audit_event(
                session,
                actor=actor,
                action="export.fhir",
                entity="admission",
                entity_id=admission_id,
                after={"entries": len(bundle["entry"])},
            )
        return _download(
            json.dumps(bundle, ensure_ascii=False),
            f"admission-{admission_id}-fhir.json",
            "application/fhir+json",
        )
