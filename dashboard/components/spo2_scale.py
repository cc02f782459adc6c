"""The patient's NEWS2 SpO2 scale: shown in the banner when it is scale 2, changed by a physician
(with a reason) from the patient page. NEWS2 scores the next readings on the new scale."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components.citations import cited
from dashboard.components.modal_buttons import modal_buttons, opened_by
from dashboard.context import engine, require_role
from dashboard.i18n import N_, _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.admissions import set_spo2_scale
from models.tables import Admission
from models.types import utcnow

SCALE_ROLES = ("physician",)
SCALE_TEXT = {
    1: N_("Scale 1 (usual)"),
    2: N_("Scale 2: prescribed target 88–92 % (hypercapnic respiratory failure)"),
}
BANNER_TEXT = {1: N_("Scale 1"), 2: N_("Scale 2 · target 88–92 %")}


def scale_button() -> dmc.Button:
    return dmc.Button(_("SpO₂ scale…"), id="spo2-scale-open", variant="outline", size="sm")


def scale_modal(admission_id: int, current: int) -> dmc.Modal:
    return dmc.Modal(
        id="spo2-scale-modal",
        title=_("NEWS2 SpO₂ scale"),
        opened=False,
        children=dmc.Stack(
            [
                dmc.Text(
                    cited(
                        _(
                            "Scale 2 is only for a patient with a prescribed SpO₂ target of "
                            "88–92 % (hypercapnic respiratory failure), a clinician's decision "
                            "(RCP 2017 [S34]). Readings already charted keep the scale they were "
                            "scored on."
                        )
                    ),
                    size="md",
                ),
                dmc.RadioGroup(
                    dmc.Stack(
                        [dmc.Radio(label=_(text), value=str(n)) for n, text in SCALE_TEXT.items()]
                    ),
                    id="spo2-scale-choice",
                    value=str(current),
                    label=_("Scale"),
                    size="md",
                ),
                dmc.Textarea(id="spo2-scale-reason", label=_("Reason"), autosize=True, minRows=2),
                html.Div(id="spo2-scale-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "spo2-scale-cancel",
                    dmc.Button(_("Set scale"), id="spo2-scale-confirm", size="md"),
                ),
                dcc.Store(id="spo2-scale-admission", data=admission_id),
            ],
            gap="sm",
        ),
    )


def change_scale(admission_id: int, scale_text: Any, reason: Any) -> Admission | Refusal:
    actor = require_role(*SCALE_ROLES)
    scale = int(scale_text) if isinstance(scale_text, str) and scale_text.isdigit() else None

    def write(session: Session) -> Admission:
        return set_spo2_scale(
            session=session,
            actor=actor,
            admission_id=admission_id,
            scale=scale,
            reason=reason if isinstance(reason, str) else "",
        )

    return attempt(engine(), write)


@callback(
    output={"opened": Output("spo2-scale-modal", "opened")},
    inputs={
        "open_clicks": Input("spo2-scale-open", "n_clicks"),
        "cancel_clicks": Input("spo2-scale-cancel", "n_clicks"),
    },
    prevent_initial_call=True,
)
def toggle_scale_modal(open_clicks: int | None, cancel_clicks: int | None) -> dict[str, bool]:
    require_role(*SCALE_ROLES)
    return {"opened": opened_by("spo2-scale-open", open_clicks)}


@callback(
    output={
        "message": Output("spo2-scale-message", "children"),
        "opened": Output("spo2-scale-modal", "opened", allow_duplicate=True),
        "reload": Output("patient-reload", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("spo2-scale-confirm", "n_clicks"),
        "admission_id": State("spo2-scale-admission", "data"),
        "scale": State("spo2-scale-choice", "value"),
        "reason": State("spo2-scale-reason", "value"),
    },
    prevent_initial_call=True,
)
def confirm_scale(clicks: int | None, admission_id: Any, scale: Any, reason: Any) -> dict[str, Any]:
    if not clicks or not isinstance(admission_id, int):
        raise PreventUpdate
    outcome = change_scale(admission_id, scale, reason)
    if isinstance(outcome, Refusal):
        return {"message": outcome.message, "opened": no_update, "reload": no_update}
    return {"message": "", "opened": False, "reload": utcnow().isoformat()}
