"""CIWA-Ar entry, for a patient who also withdraws from alcohol: the physician turns it on for
the admission (audited), and the CIWA tab then has a CIWA-Ar form beside CIWA-B's, built by the
same builders (components.charting_ciwa): ten items, nine scored 0-7 and orientation 0-4, the
running total and its band, one Save. A PRN order can be triggered by a CIWA-Ar score."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.components.charting_ciwa import (
    ciwa_form,
    running_answer,
    running_io,
    save_answer,
    save_io,
)
from dashboard.components.charting_ciwa_scale import ScaleForm
from dashboard.context import engine, record_id, require_role
from dashboard.i18n import N_, _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.admissions import set_ciwa_ar
from models.clinical.scales import CIWA_AR_BANDS_SOURCE, CIWA_AR_ITEMS, ciwa_ar_band
from models.tables import Admission
from models.types import utcnow

CIWA_AR_FORM = ScaleForm(
    "CIWA-Ar",
    "ciwar",
    CIWA_AR_ITEMS,
    ciwa_ar_band,
    ((N_("Observe and ask (items 1–10; orientation 0–4)"), "observer"),),
)


def ciwa_ar_form(now: datetime, tz: ZoneInfo) -> html.Div:
    # The bands' source in the reader's language (the scale's items stay in English).
    note = html.Div(
        [_("Bands:"), " ", html.Span(_(CIWA_AR_BANDS_SOURCE))],
        className="tw-muted tw-ciwa-note",
    )
    return html.Div(
        [
            html.Div(_("CIWA-Ar (alcohol withdrawal)"), className="tw-section-title"),
            ciwa_form(now, tz, CIWA_AR_FORM, note=note),
        ],
        id="ciwar-section",
    )


def ciwa_ar_switch(admission: Admission) -> dmc.Switch:
    """The physician's choice for this admission (audited when it changes)."""
    return dmc.Switch(
        id="ciwa-ar-switch",
        checked=admission.ciwa_ar,
        label=_("Chart CIWA-Ar too (the patient also withdraws from alcohol)"),
        size="md",
    )


@callback(**running_io(CIWA_AR_FORM), prevent_initial_call=True)
def ciwar_running(values: list[object], attempted: bool | None) -> dict[str, Any]:
    return running_answer(CIWA_AR_FORM, values, attempted)


@callback(**save_io(CIWA_AR_FORM), prevent_initial_call=True)
def ciwar_save(
    clicks: int | None,
    values: list[object],
    time_text: str | None,
    submission_id: Any,
    admission_id: int,
) -> dict[str, Any]:
    return save_answer(CIWA_AR_FORM, values, time_text, submission_id, admission_id)


@callback(
    output={
        "reload": Output("patient-reload", "data", allow_duplicate=True),
        "message": Output("ciwa-ar-message", "children"),
    },
    inputs={
        "checked": Input("ciwa-ar-switch", "checked"),
        "admission_id": State("patient-admission", "data"),
    },
    prevent_initial_call=True,
)
def ciwa_ar_toggle(checked: bool | None, admission_id: int) -> dict[str, Any]:
    actor = require_role("physician")
    if checked is None:
        raise PreventUpdate
    admission_id = record_id(admission_id)
    now = utcnow()
    outcome = attempt(
        engine(),
        lambda session: set_ciwa_ar(
            session=session,
            actor=actor,
            admission_id=admission_id,
            charted=bool(checked),
            now=now,
        ),
    )
    if isinstance(outcome, Refusal):
        return {"reload": no_update, "message": outcome.message}
    return {"reload": now.isoformat(), "message": ""}
