"""Discharge, from the patient page: confirm (the time may be typed), then the MAR's future slots
are cancelled and the record is read-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components.charting_common import format_local, ward_clock
from dashboard.components.modal_buttons import modal_buttons
from dashboard.context import engine, require_role
from dashboard.i18n import _, request_translator
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.admissions import (
    discharge,
)
from models.audit import Actor
from models.tables import Admission
from models.types import utcnow

DISCHARGE_ROLES = ("nurse", "physician", "admin")


def discharge_modal(admission_id: int) -> dmc.Modal:
    return dmc.Modal(
        id="discharge-modal",
        title=_("Discharge this patient?"),
        opened=False,
        children=dmc.Stack(
            [
                dmc.Text(
                    _(
                        "Discharge closes the MAR (future doses are cancelled) and makes the "
                        "record read-only. It cannot be undone here."
                    ),
                    size="md",
                ),
                dmc.TextInput(
                    id="discharge-time",
                    label=_("Time of discharge"),
                    placeholder=_("now"),
                    size="md",
                    w=200,
                ),
                html.Div(id="discharge-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "discharge-cancel",
                    dmc.Button(_("Discharge"), id="discharge-confirm", color="red", size="md"),
                ),
                dcc.Store(id="discharge-admission", data=admission_id),
            ],
            gap="sm",
        ),
    )


def discharge_now(
    *, actor: Actor, admission_id: int, time_text: str | None, now: datetime
) -> Admission | Refusal:
    def write(session: Session) -> Admission:
        at = ward_clock(session, time_text, now=now, field_name="discharged_at")
        return discharge(session=session, actor=actor, admission_id=admission_id, at=at, now=now)

    return attempt(engine(), write)


@callback(
    output=Output("discharge-modal", "opened"),
    inputs={
        "opened": Input("discharge-open", "n_clicks"),
        "cancel": Input("discharge-cancel", "n_clicks"),
    },
    prevent_initial_call=True,
)
def toggle_discharge(opened: int | None, cancel: int | None) -> bool:
    require_role(*DISCHARGE_ROLES)
    if ctx.triggered_id == "discharge-open" and not opened:
        raise PreventUpdate
    return bool(ctx.triggered_id == "discharge-open")


@callback(
    output={
        "message": Output("discharge-message", "children"),
        "opened": Output("discharge-modal", "opened", allow_duplicate=True),
        "reload": Output("patient-reload", "data"),
    },
    inputs={
        "clicks": Input("discharge-confirm", "n_clicks"),
        "admission_id": State("discharge-admission", "data"),
        "time_text": State("discharge-time", "value"),
    },
    prevent_initial_call=True,
)
def confirm_discharge(
    clicks: int | None, admission_id: int, time_text: str | None
) -> dict[str, Any]:
    actor = require_role(*DISCHARGE_ROLES)
    now = utcnow()
    outcome = discharge_now(actor=actor, admission_id=admission_id, time_text=time_text, now=now)
    if isinstance(outcome, Refusal):
        return {"message": outcome.message, "opened": no_update, "reload": no_update}
    return {"message": "", "opened": False, "reload": now.isoformat()}


def discharged_note(admission: Admission, now: datetime, tz: ZoneInfo) -> str:
    assert admission.discharged_at is not None
    when = format_local(admission.discharged_at, tz, now, always_day=True, t=request_translator())
    return _("Discharged {when}", when=when)
