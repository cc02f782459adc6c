"""Everything charted for a patient, newest first, with entries marked in error struck
through beside their correction; and the "mark in error" dialog every tab uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_ciwa_table import scale_name
from dashboard.components.charting_common import attrs, format_local, level_chip, mg
from dashboard.components.charting_mar import describe_entry
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.static_markup import static_block
from dashboard.components.text_box import text_box
from dashboard.context import engine, require_role
from dashboard.i18n import N_, _, language, request_translator
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from dashboard.theme import BAND_LABEL, BAND_LEVEL, news2_level
from models.audit import Actor
from models.charting import CHARTING_ROLES, mark_in_error
from models.i18n.formats import decimal_separator
from models.tables import DoseAdministration, VitalSigns, WithdrawalAssessment
from models.types import utcnow

HISTORY_DAYS = 7
# What the "mark in error" dialog says it marks.
ENTITY_WHAT = {
    "vitals": N_("This vital signs will be marked entered in error."),
    "assessment": N_("This CIWA-B score will be marked entered in error."),
    "dose": N_("This dose entry will be marked entered in error."),
}


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    kind: str  # vitals | assessment | dose
    record_id: int
    what: str
    detail: Any
    charted_by: int
    in_error: bool
    error_note: str


def history_entries(
    vitals: list[VitalSigns],
    assessments: list[WithdrawalAssessment],
    doses: list[DoseAdministration],
    names: Mapping[int, str],
    *,
    tz: ZoneInfo,
    now: datetime,
) -> list[HistoryEntry]:
    def note(row: VitalSigns | WithdrawalAssessment | DoseAdministration) -> str:
        if not row.entered_in_error:
            return ""
        who = names.get(row.error_marked_by or 0, "")
        when = (
            format_local(row.error_marked_at, tz, now, t=request_translator())
            if row.error_marked_at
            else ""
        )
        return _(
            "Entered in error ({who}, {when}): {reason}",
            who=who,
            when=when,
            reason=row.error_reason,
        )

    entries: list[HistoryEntry] = []
    point = decimal_separator(language())
    for v in vitals:
        level = news2_level(v.news2_total, v.news2_any_three)
        detail: Any = [
            _(
                "RR {rr} · SpO₂ {spo2}% · {oxygen} · BP {systolic}/{diastolic} · pulse {pulse} · "
                "{acvpu} · {temperature} °C",
                rr=v.resp_rate,
                spo2=v.spo2,
                # TRANSLATORS: breathing supplemental oxygen (O₂) or room air.
                oxygen=_("O₂") if v.supplemental_o2 else _("air"),
                systolic=v.systolic,
                diastolic=v.diastolic,
                pulse=v.heart_rate,
                acvpu=v.consciousness,
                temperature=f"{v.temperature_c:.1f}".replace(".", point),
            )
            + "  ",
            level_chip(_("NEWS2 {total}", total=v.news2_total), level),
        ]
        entries.append(
            HistoryEntry(
                v.taken_at,
                "vitals",
                v.id or 0,
                _("Vital signs"),
                detail,
                v.charted_by,
                v.entered_in_error,
                note(v),
            )
        )
    for a in assessments:
        level = BAND_LEVEL.get(a.band, 0)
        detail_chip: Any = level_chip(f"{a.total} {_(BAND_LABEL.get(a.band, a.band))}", level)
        entries.append(
            HistoryEntry(
                a.taken_at,
                "assessment",
                a.id or 0,
                scale_name(a.scale),
                detail_chip,
                a.charted_by,
                a.entered_in_error,
                note(a),
            )
        )
    for d in doses:
        what = _("PRN dose") if d.prn else _("Scheduled dose")
        amount = f" {mg(d.dose_ug, language())}" if d.status == "given" else ""
        dose_text = f"{drug_name(d.drug)}{amount} — {describe_entry(d, names, tz, now)}"
        entries.append(
            HistoryEntry(
                d.administered_at,
                "dose",
                d.id or 0,
                what,
                dose_text,
                d.charted_by,
                d.entered_in_error,
                note(d),
            )
        )
    return sorted(entries, key=lambda e: (e.at, e.kind, e.record_id), reverse=True)


def history_table(
    entries: list[HistoryEntry], names: Mapping[int, str], *, tz: ZoneInfo, now: datetime
) -> html.Div:
    if not entries:
        return html.Div(
            _("Nothing charted in the last {n} days.", n=HISTORY_DAYS), className="tw-empty"
        )
    head = html.Tr([html.Th(h) for h in (_("When"), _("Entry"), _("Details"), _("Charted by"), "")])
    rows = [
        html.Tr(
            [
                html.Td(
                    format_local(e.at, tz, now, always_day=True, t=request_translator()),
                    className="tw-mar-when",
                ),
                html.Td(e.what, className="tw-nowrap"),
                html.Td(e.detail),
                html.Td(names.get(e.charted_by, ""), className="tw-who"),
                html.Td(e.error_note, className="tw-keep tw-mar-error-note"),
            ],
            className="tw-in-error" if e.in_error else "",
            **attrs(data_kind=e.kind),
        )
        for e in entries
    ]
    return static_block(
        html.Table([html.Thead(head), html.Tbody(rows)], className="tw-table"),
        className="tw-table-scroll",
        style={"maxHeight": "640px"},
    )


HISTORY_SPAN = timedelta(days=HISTORY_DAYS)


# --- mark in error ------------------------------------------------------------------------


def mark_entry_in_error(
    *, actor: Actor, entity: str, record_id: int, reason: str | None, now: datetime
) -> VitalSigns | WithdrawalAssessment | DoseAdministration | Refusal:
    def write(session: Session) -> VitalSigns | WithdrawalAssessment | DoseAdministration:
        return mark_in_error(
            session=session,
            actor=actor,
            entity=entity,
            record_id=record_id,
            reason=reason or "",
            now=now,
        )

    return attempt(engine(), write)


def in_error_modal() -> dmc.Modal:
    return dmc.Modal(
        id="in-error-modal",
        title=_("Mark an entry in error"),
        opened=False,
        size="lg",
        children=dmc.Stack(
            [
                dmc.Text(
                    _(
                        "The entry stays in the record, struck through, with your reason; it "
                        "can then be charted again."
                    ),
                    size="md",
                ),
                html.Div(id="in-error-what", className="tw-banner-value"),
                text_box(
                    "in-error-reason",
                    _("What was wrong with it?"),
                    placeholder=_("e.g. charted on the wrong patient"),
                    **{"data-autofocus": True},
                ),
                html.Div(id="in-error-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "in-error-cancel",
                    dmc.Button(_("Mark in error"), id="in-error-confirm", color="red", size="md"),
                ),
                dcc.Store(id="in-error-target"),
                # Set by the "Mark in error…" buttons of tables sent as markup (static_markup.js).
                dcc.Store(id="in-error-request"),
            ],
            gap="sm",
        ),
    )


@callback(
    output={
        "opened": Output("in-error-modal", "opened"),
        "target": Output("in-error-target", "data"),
        "what": Output("in-error-what", "children"),
        "reason": Output("in-error-reason", "value"),
        "reason_error": Output("in-error-reason", "error"),
        "message": Output("in-error-message", "children"),
    },
    inputs={
        "clicks": Input({"type": "in-error-open", "entity": ALL, "id": ALL}, "n_clicks"),
        "request": Input("in-error-request", "data"),
    },
    prevent_initial_call=True,
)
def open_in_error(clicks: list[int | None], request: dict[str, Any] | None) -> dict[str, Any]:
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    require_role(*CHARTING_ROLES)
    target = request if ctx.triggered_id == "in-error-request" else ctx.triggered_id
    if not isinstance(target, dict) or not str(target.get("id", "")).isdigit():
        raise PreventUpdate
    entity = str(target["entity"])
    found = ENTITY_WHAT.get(entity)
    what = _(found) if found else _("This {entity} will be marked entered in error.", entity=entity)
    return {"opened": True, "target": {"entity": entity, "id": int(target["id"])}, "what": what,
            "reason": "", "reason_error": None, "message": ""}  # fmt: skip


@callback(
    output={
        "opened": Output("in-error-modal", "opened", allow_duplicate=True),
        "reason_error": Output("in-error-reason", "error", allow_duplicate=True),
        "message": Output("in-error-message", "children", allow_duplicate=True),
        "changed": Output("patient-changed", "data", allow_duplicate=True),
    },
    inputs={
        "confirm": Input("in-error-confirm", "n_clicks"),
        "cancel": Input("in-error-cancel", "n_clicks"),
        "target": State("in-error-target", "data"),
        "reason": State("in-error-reason", "value"),
    },
    prevent_initial_call=True,
)
def confirm_in_error(
    confirm: int | None,
    cancel: int | None,
    target: dict[str, Any] | None,
    reason: str | None,
) -> dict[str, Any]:
    actor = require_role(*CHARTING_ROLES)
    closed = {"opened": False, "reason_error": None, "message": ""}
    if ctx.triggered_id == "in-error-cancel" or not target:
        return {**closed, "changed": no_update}
    now = utcnow()
    outcome = mark_entry_in_error(
        actor=actor,
        entity=str(target["entity"]),
        record_id=int(target["id"]),
        reason=reason,
        now=now,
    )
    if isinstance(outcome, Refusal):
        return {"opened": True, "reason_error": outcome.fields.get("error_reason"),
                "message": outcome.message, "changed": no_update}  # fmt: skip
    return {**closed, "changed": now.isoformat()}
