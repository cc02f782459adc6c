"""A physician confirms an admission dose above its label maximum, with the reason, from the
patient page (until then the banner says the dose is unconfirmed).
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import Input, Output, State, html, no_update

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import mg
from dashboard.components.modal_buttons import modal_buttons, opened_by
from dashboard.components.text_box import text_box
from dashboard.context import engine, record_id, require_role
from dashboard.i18n import _, language, request_translator
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.admissions import (
    confirm_admission_dose,
    dose_needs_confirmation,
)
from models.clinical.drugs import label_maximum_text
from models.errors import shown
from models.tables import Admission
from models.types import utcnow


def dose_confirm_modal(admission: Admission) -> Any:
    """For a physician, when the admission dose is above its label maximum and unconfirmed."""
    if not dose_needs_confirmation(admission):
        return html.Div()
    return dmc.Modal(
        id="dose-confirm-modal",
        title=_("Confirm the admission dose"),
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                dmc.Text(
                    _(
                        "{dose} a day is above its label maximum of {maximum}.",
                        dose=f"{drug_name(admission.baseline_drug)} "
                        f"{mg(admission.baseline_daily_ug, language())}",
                        maximum=shown(
                            label_maximum_text(admission.baseline_drug), request_translator()
                        ),
                    ),
                    size="md",
                ),
                text_box(
                    "dose-confirm-reason",
                    _("Your reason (kept with the admission, shown on the chart)"),
                ),
                html.Div(id="dose-confirm-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "dose-confirm-cancel",
                    dmc.Button(_("Confirm"), id="dose-confirm-save", size="md", color="orange"),
                ),
            ],
            gap="sm",
        ),
    )


@callback(
    output=Output("dose-confirm-modal", "opened"),
    inputs={
        "opened": Input("dose-confirm-open", "n_clicks"),
        "cancel": Input("dose-confirm-cancel", "n_clicks"),
    },
    prevent_initial_call=True,
)
def toggle_dose_confirm(opened: int | None, cancel: int | None) -> bool:
    require_role("physician")
    return opened_by("dose-confirm-open", opened)


@callback(
    output={
        "message": Output("dose-confirm-message", "children"),
        "reason_error": Output("dose-confirm-reason", "error"),
        "reload": Output("patient-reload", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("dose-confirm-save", "n_clicks"),
        "reason": State("dose-confirm-reason", "value"),
        "admission_id": State("patient-admission", "data"),
    },
    prevent_initial_call=True,
)
def save_dose_confirm(clicks: int | None, reason: str | None, admission_id: int) -> dict[str, Any]:
    actor = require_role("physician")
    admission_id = record_id(admission_id)
    now = utcnow()
    outcome = attempt(
        engine(),
        lambda session: confirm_admission_dose(
            session=session,
            actor=actor,
            admission_id=admission_id,
            reason=reason or "",
            now=now,
        ),
    )
    if isinstance(outcome, Refusal):
        message, error = outcome.message, outcome.fields.get("dose_confirm_reason")
        return {"message": message, "reason_error": error, "reload": no_update}
    return {"message": "", "reason_error": None, "reload": now.isoformat()}
