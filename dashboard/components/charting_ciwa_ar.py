"""CIWA-Ar entry, for a patient who also withdraws from alcohol: the physician turns it on for
the admission (audited), and the CIWA tab then has a CIWA-Ar form beside CIWA-B's, built by the
same builders (components.charting_ciwa): ten items, nine scored 0-7 and orientation 0-4, the
running total and its band, one Save. A PRN order can be triggered by a CIWA-Ar score."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.components.charting_ciwa import (
    ScaleForm,
    _total_box,
    ciwa_form,
    item_scores,
    refusal_message,
    running_total,
    save_ciwa,
    saved_message,
)
from dashboard.context import current_actor, engine, record_id, require_role
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.admissions import set_ciwa_ar
from models.charting import CHARTING_ROLES, new_submission_id
from models.clinical.scales import CIWA_AR_BANDS_SOURCE, CIWA_AR_ITEMS, ciwa_ar_band
from models.tables import Admission
from models.types import utcnow

CIWA_AR_FORM = ScaleForm(
    "CIWA-Ar",
    "ciwar",
    CIWA_AR_ITEMS,
    ciwa_ar_band,
    (("Observe and ask (items 1–10; orientation 0–4)", "observer"),),
)


def ciwa_ar_form(now: datetime, tz: ZoneInfo) -> html.Div:
    note = html.Div(f"Bands: {CIWA_AR_BANDS_SOURCE}", className="tw-muted tw-ciwa-note")
    return html.Div(
        [
            html.Div("CIWA-Ar (alcohol withdrawal)", className="tw-section-title"),
            ciwa_form(now, tz, CIWA_AR_FORM, note=note),
        ],
        id="ciwar-section",
    )


def ciwa_ar_switch(admission: Admission) -> dmc.Switch:
    """The physician's choice for this admission (audited when it changes)."""
    return dmc.Switch(
        id="ciwa-ar-switch",
        checked=admission.ciwa_ar,
        label="Chart CIWA-Ar too (the patient also withdraws from alcohol)",
        size="md",
    )


p = CIWA_AR_FORM.prefix


@callback(
    output={
        "total": Output(f"{p}-total", "children"),
        "total_style": Output(f"{p}-total", "style"),
        "row_classes": Output({"type": f"{p}-row", "item": ALL}, "className"),
    },
    inputs={
        "values": Input({"type": f"{p}-item", "item": ALL}, "value"),
        "attempted": Input(f"{p}-attempted", "data"),
    },
    prevent_initial_call=True,
)
def ciwar_running(values: list[object], attempted: bool | None) -> dict[str, Any]:
    current_actor()
    scores = item_scores(values, CIWA_AR_FORM)
    box, style = _total_box(running_total(scores, CIWA_AR_FORM), CIWA_AR_FORM)
    classes = [
        "tw-ciwa-item tw-missing" if attempted and n not in scores else "tw-ciwa-item"
        for n in CIWA_AR_FORM.numbers
    ]
    return {"total": box, "total_style": style, "row_classes": classes}


@callback(
    output={
        "message": Output(f"{p}-message", "children"),
        "message_style": Output(f"{p}-message", "className"),
        "attempted": Output(f"{p}-attempted", "data"),
        "items": Output({"type": f"{p}-item", "item": ALL}, "value"),
        "time": Output(f"{p}-taken_at", "value"),
        "time_error": Output(f"{p}-taken_at", "error"),
        "changed": Output("patient-changed", "data", allow_duplicate=True),
        "submission": Output(f"{p}-submission", "data"),
    },
    inputs={
        "clicks": Input(f"{p}-save", "n_clicks"),
        "values": State({"type": f"{p}-item", "item": ALL}, "value"),
        "time_text": State(f"{p}-taken_at", "value"),
        "submission_id": State(f"{p}-submission", "data"),
        "admission_id": State("patient-admission", "data"),
    },
    prevent_initial_call=True,
)
def ciwar_save(
    clicks: int | None,
    values: list[object],
    time_text: str | None,
    submission_id: Any,
    admission_id: int,
) -> dict[str, Any]:
    actor = require_role(*CHARTING_ROLES)
    now = utcnow()
    outcome = save_ciwa(
        actor=actor,
        admission_id=admission_id,
        values=values,
        time_text=time_text,
        now=now,
        submission_id=submission_id,
        form=CIWA_AR_FORM,
    )
    if isinstance(outcome, Refusal):
        return {
            "message": refusal_message(outcome, CIWA_AR_FORM),
            "message_style": "tw-form-message",
            "attempted": True,
            "items": [no_update] * len(values),
            "time": no_update,
            "time_error": outcome.fields.get("taken_at"),
            "changed": no_update,
            "submission": new_submission_id() if "submission_id" in outcome.fields else no_update,
        }
    return {
        "message": saved_message(outcome, now),
        "message_style": "tw-form-message tw-form-ok",
        "attempted": False,
        "items": [""] * len(values),
        "time": "",
        "time_error": None,
        "changed": now.isoformat(),
        "submission": new_submission_id(),
    }


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
