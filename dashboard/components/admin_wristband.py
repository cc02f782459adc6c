"""Admin: the ward's latest wristband overrides (doses given without a band scan), newest
first, for the ward manager to review: when, who, which patient, why, and how many doses were
given on the strength of each. The "scan before giving" setting itself is in the ward policy
form (models.ward_policy)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from dash import html
from sqlalchemy.engine import Engine

from dashboard.components.charting_common import attrs, format_local
from dashboard.context import default_ward
from dashboard.i18n import N_, _, request_translator
from models.db import read_session
from models.types import utcnow
from models.wristband import OVERRIDE_REASONS, recent_overrides

OVERRIDES_SHOWN = 50


def _reason(code: str | None, typed: str | None) -> str:
    """Why the band was not scanned: the reason in the reader's words (a code this version does
    not know is shown as stored), then what the nurse typed, as typed."""
    label = OVERRIDE_REASONS.get(code or "")
    reason = _(label) if label else (code or "")
    if not typed:
        return reason
    # TRANSLATORS: a wristband override's reason, then what the nurse typed.
    return _("{reason}: {typed}", reason=reason, typed=typed) if reason else typed


def overrides_section(db: Engine) -> html.Section:
    now = utcnow()
    with read_session(db) as session:
        ward = default_ward(session)
        assert ward.id is not None
        overrides = recent_overrides(session, ward.id, limit=OVERRIDES_SHOWN)
    tz = ZoneInfo(ward.timezone)
    setting = (
        _("On: “Given” needs a scan or an override.")
        if ward.scan_before_giving
        else _("Off: scanning is optional.")
    )
    if overrides:
        head = html.Thead(
            html.Tr(
                [
                    html.Th(_(h), className="tw-num" if h == "Doses given" else None)
                    for h in (
                        N_("When"),
                        N_("Patient"),
                        N_("Bed"),
                        N_("By"),
                        N_("Reason"),
                        N_("Doses given"),
                    )
                ]
            )
        )
        rows = [
            html.Tr(
                [
                    html.Td(
                        format_local(
                            entry.check.checked_at, tz, now, always_day=True, t=request_translator()
                        )
                    ),
                    html.Td(_("{name} · MRN {mrn}", name=entry.patient_name, mrn=entry.mrn)),
                    html.Td(entry.bed),
                    html.Td(entry.nurse),
                    html.Td(_reason(entry.check.reason_code, entry.check.reason_text)),
                    html.Td(str(entry.doses_given), className="tw-num"),
                ],
                **attrs(data_check=str(entry.check.id)),
            )
            for entry in overrides
        ]
        table: html.Div | html.P = html.Div(
            html.Table([head, html.Tbody(rows)], className="tw-table", id="band-overrides"),
            className="tw-table-scroll",
        )
    else:
        table = html.P(_("No wristband overrides."), className="tw-muted", id="band-overrides")
    return html.Section(
        [
            html.H3(_("Wristband overrides"), className="tw-section-title"),
            html.P(
                _(
                    "Scan before giving: {setting} Below, the latest {n} overrides (a patient "
                    "identified without a scan), newest first; each is also in the audit log.",
                    setting=setting,
                    n=OVERRIDES_SHOWN,
                ),
                className="tw-muted",
                id="band-setting-summary",
            ),
            table,
        ],
        className="tw-card tw-admin-section",
        id="band-overrides-section",
    )
