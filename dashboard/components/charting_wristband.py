"""The MAR's wristband check: a field a keyboard-wedge scanner types the band's barcode into
(the code, then Enter), checked against the patient whose chart is open (models.wristband); a
mismatch is refused at the field in red with what the band and the chart say; a band that
cannot be scanned is overridden with a reason. With the ward's "scan before giving" on, the
MAR's "Given" and PRN "Give" buttons stay disabled until this nurse's check of this patient
(the domain refuses a dose without it too); the check counts for the ward's minutes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components.charting_common import attrs, format_local
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.text_box import text_box
from dashboard.context import current_actor, engine, require_role
from dashboard.i18n import _, request_translator
from dashboard.refusals import Refusal, attempt, form_message
from dashboard.registry import callback, clientside_callback
from models.charting import CHARTING_ROLES
from models.db import read_session
from models.tables import Admission, Patient, Ward, WristbandCheck
from models.types import utcnow
from models.wristband import (
    OVERRIDE_REASONS,
    band_name,
    check_expires,
    latest_check,
    override_wristband,
    scan_wristband,
)

TICK_MS = 15_000


def _state(check: WristbandCheck, ward: Ward) -> dict[str, Any]:
    """What the page keeps of a check: enough to enable "Given" until it expires."""
    return {
        "check": check.id,
        "admission": check.admission_id,
        "method": check.method,
        "expires_ms": int(check_expires(check, ward).timestamp() * 1000),
    }


def _status(check: WristbandCheck, ward: Ward, patient: Patient, now: datetime) -> str:
    tz = ZoneInfo(ward.timezone)
    t = request_translator()
    who = _(
        "{name}, MRN {mrn}",
        name=band_name(patient.family_name, patient.given_name),
        mrn=patient.mrn,
    )
    until = format_local(check_expires(check, ward), tz, now, t=t)
    if check.method == "scan":
        return _(
            "✓ Band scanned at {when}: {who}. Until {until}.",
            when=format_local(check.checked_at, tz, now, t=t),
            who=who,
            until=until,
        )
    label = OVERRIDE_REASONS.get(check.reason_code or "")
    reason = _(label) if label is not None else check.reason_code or ""
    return _(
        "Band not scanned: {reason}. Identify {who} by name and date of birth. Until {until}.",
        reason=reason,
        who=who,
        until=until,
    )


def scan_panel(admission_id: int, *, can_chart: bool) -> html.Div:
    """The scan field, the override button and what the check says now."""
    if not can_chart:
        return html.Div()
    actor = current_actor()
    now = utcnow()
    with read_session(engine()) as session:
        admission = session.get(Admission, admission_id)
        if admission is None:
            return html.Div()
        ward = session.get(Ward, admission.ward_id)
        patient = session.get(Patient, admission.patient_id)
        assert ward is not None and patient is not None
        check = latest_check(
            session, user_id=actor.user_id or 0, admission_id=admission_id, now=now
        )
    current = check if check is not None and check_expires(check, ward) >= now else None
    required = ward.scan_before_giving
    hint = (
        _("This ward scans before giving: “Given” is enabled after a matching scan.")
        if required
        else _("Scan the band to confirm who the patient is before giving.")
    )
    return html.Div(
        [
            html.Div(
                [
                    dmc.TextInput(
                        id="band-scan",
                        label=_("Scan wristband"),
                        description=hint,
                        placeholder=_("Scan the band's barcode (or type the MRN, then Enter)"),
                        inputWrapperOrder=["label", "input", "description", "error"],
                        size="md",
                        autoComplete="off",
                        n_submit=0,
                        # The value goes with the Enter that submits it (a wedge scanner types
                        # faster than a debounced value would follow).
                        debounce=True,
                        className="tw-band-input",
                        **attrs(data_wedge_scanner="true"),
                    ),
                    dmc.Button(
                        _("Can’t scan the band…"),
                        id="band-override-open",
                        variant="default",
                        size="md",
                    ),
                    html.A(
                        _("Print a wristband label"),
                        href=f"/patient/{admission_id}/wristband",
                        target="_blank",
                        className="tw-print-link tw-band-print",
                    ),
                ],
                className="tw-band-row",
            ),
            html.Div(
                _status(current, ward, patient, now) if current else "",
                id="band-status",
                className="tw-band-status tw-band-ok" if current else "tw-band-status",
                role="status",
            ),
            dcc.Store(id="band-check", data=_state(current, ward) if current else None),
            dcc.Store(id="band-required", data=required),
            dcc.Store(id="band-admission", data=admission_id),
            # Re-checks in the browser that the scan still counts (no request to the server).
            dcc.Interval(id="band-tick", interval=TICK_MS),
            override_modal(),
        ],
        className="tw-band",
        id="band-panel",
    )


def override_modal() -> dmc.Modal:
    return dmc.Modal(
        id="band-override-modal",
        title=_("Give without scanning the band"),
        opened=False,
        size="lg",
        children=dmc.Stack(
            [
                html.P(
                    _(
                        "Check the patient's name and date of birth against the chart by eye, "
                        "and get the band replaced. Overrides are audited and listed for the "
                        "ward manager."
                    ),
                    className="tw-muted",
                ),
                dmc.Select(
                    id="band-override-reason",
                    label=_("Why can the band not be scanned?"),
                    data=[{"value": k, "label": _(v)} for k, v in OVERRIDE_REASONS.items()],
                    size="md",
                    allowDeselect=False,
                ),
                text_box("band-override-text", _("Details (needed for “Other”)")),
                html.Div(id="band-override-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "band-override-cancel",
                    dmc.Button(
                        _("Override and continue"),
                        id="band-override-save",
                        color="red",
                        size="md",
                    ),
                ),
            ],
            gap="sm",
        ),
    )


def _check_state(admission_id: int, write: Any) -> tuple[WristbandCheck, Ward, Patient] | Refusal:
    """Run the check ``write(session, actor, now)`` and read what the status line says."""
    actor = require_role(*CHARTING_ROLES)
    now = utcnow()

    def run(session: Session) -> tuple[WristbandCheck, Ward, Patient]:
        check = write(session, actor, now)
        admission = session.get(Admission, admission_id)
        assert admission is not None
        ward = session.get(Ward, admission.ward_id)
        patient = session.get(Patient, admission.patient_id)
        assert ward is not None and patient is not None
        return check, ward, patient

    return attempt(engine(), run)


# Enables "Given" (and PRN "Give") only with a current check of this patient when the ward
# requires one; runs in the browser whenever the check or the MAR's tables change.
_ENABLE_GIVING = """
function(check, required, admission, _table, _orders, _tick, given, prnGive) {
    var ok = !required || (check && check.admission === admission &&
        Date.now() < check.expires_ms);
    return [given.map(function () { return !ok; }), prnGive.map(function () { return !ok; })];
}
"""


clientside_callback(
    _ENABLE_GIVING,
    Output({"type": "mar-act", "slot": ALL, "act": "given"}, "disabled"),
    Output({"type": "prn-give", "order": ALL}, "disabled"),
    Input("band-check", "data"),
    Input("band-required", "data"),
    Input("band-admission", "data"),
    Input("mar-table", "children"),
    Input("prn-orders", "children"),
    Input("band-tick", "n_intervals"),
    State({"type": "mar-act", "slot": ALL, "act": "given"}, "id"),
    State({"type": "prn-give", "order": ALL}, "id"),
)

clientside_callback(
    "function(reason) { return null; }",  # a reason picked: its error has been answered
    Output("band-override-reason", "error", allow_duplicate=True),
    Input("band-override-reason", "value"),
    prevent_initial_call=True,
)


@callback(
    output={
        "check": Output("band-check", "data"),
        "status": Output("band-status", "children"),
        "status_class": Output("band-status", "className"),
        "error": Output("band-scan", "error"),
        "value": Output("band-scan", "value"),
    },
    inputs={
        "submitted": Input("band-scan", "n_submit"),
        "code": State("band-scan", "value"),
        "admission_id": State("band-admission", "data"),
    },
    prevent_initial_call=True,
)
def band_scanned(submitted: int | None, code: str | None, admission_id: int) -> dict[str, Any]:
    if not submitted:
        raise PreventUpdate
    outcome = _check_state(
        int(admission_id),
        lambda session, actor, now: scan_wristband(
            session=session, actor=actor, admission_id=int(admission_id), code=code, now=now
        ),
    )
    if isinstance(outcome, Refusal):
        message = outcome.fields.get("wristband") or outcome.message
        wrong = message.startswith("WRONG PATIENT")
        return {
            "check": None,
            "status": message,
            "status_class": "tw-band-status tw-band-wrong",
            # At the field, in short; the banner under it says what the band and chart say.
            "error": _("Wrong patient's band: do not give") if wrong else message,
            "value": "",
        }
    check, ward, patient = outcome
    return {
        "check": _state(check, ward),
        "status": _status(check, ward, patient, utcnow()),
        "status_class": "tw-band-status tw-band-ok",
        "error": None,
        "value": "",
    }


@callback(
    output={
        "opened": Output("band-override-modal", "opened"),
        "reason": Output("band-override-reason", "value"),
        "text": Output("band-override-text", "value"),
        "message": Output("band-override-message", "children"),
    },
    inputs={
        "open_clicks": Input("band-override-open", "n_clicks"),
        "cancel_clicks": Input("band-override-cancel", "n_clicks"),
    },
    prevent_initial_call=True,
)
def band_override_toggle(open_clicks: int | None, cancel_clicks: int | None) -> dict[str, Any]:
    require_role(*CHARTING_ROLES)
    opening = ctx.triggered_id == "band-override-open"
    return {"opened": opening, "reason": None, "text": "", "message": ""}


@callback(
    output={
        "opened": Output("band-override-modal", "opened", allow_duplicate=True),
        "message": Output("band-override-message", "children", allow_duplicate=True),
        "reason_error": Output("band-override-reason", "error"),
        "text_error": Output("band-override-text", "error"),
        "check": Output("band-check", "data", allow_duplicate=True),
        "status": Output("band-status", "children", allow_duplicate=True),
        "status_class": Output("band-status", "className", allow_duplicate=True),
        "scan_error": Output("band-scan", "error", allow_duplicate=True),
    },
    inputs={
        "save": Input("band-override-save", "n_clicks"),
        "reason": State("band-override-reason", "value"),
        "text": State("band-override-text", "value"),
        "admission_id": State("band-admission", "data"),
    },
    prevent_initial_call=True,
)
def band_override_save(
    save: int | None, reason: str | None, text: str | None, admission_id: int
) -> dict[str, Any]:
    if not save:
        raise PreventUpdate
    outcome = _check_state(
        int(admission_id),
        lambda session, actor, now: override_wristband(
            session=session,
            actor=actor,
            admission_id=int(admission_id),
            reason_code=reason,
            reason_text=text,
            now=now,
        ),
    )
    if isinstance(outcome, Refusal):
        fields = outcome.fields
        return {
            "opened": True,
            "message": form_message(outcome, {"override_reason", "override_text"}),
            "reason_error": fields.get("override_reason"),
            "text_error": fields.get("override_text"),
            "check": no_update,
            "status": no_update,
            "status_class": no_update,
            "scan_error": no_update,
        }
    check, ward, patient = outcome
    return {
        "opened": False,
        "message": "",
        "reason_error": None,
        "text_error": None,
        "check": _state(check, ward),
        "status": _status(check, ward, patient, utcnow()),
        "status_class": "tw-band-status tw-band-override",
        "scan_error": None,
    }
