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
    Output(f"{p}-total", "children"),
    Output(f"{p}-total", "style"),
    Output({"type": f"{p}-row", "item": ALL}, "className"),
    Input({"type": f"{p}-item", "item": ALL}, "value"),
    Input(f"{p}-attempted", "data"),
    prevent_initial_call=True,
)
def ciwar_running(values: list[object], attempted: bool | None) -> tuple[Any, ...]:
    current_actor()
    scores = item_scores(values, CIWA_AR_FORM)
    box, style = _total_box(running_total(scores, CIWA_AR_FORM), CIWA_AR_FORM)
    classes = [
        "tw-ciwa-item tw-missing" if attempted and n not in scores else "tw-ciwa-item"
        for n in CIWA_AR_FORM.numbers
    ]
    return box, style, classes


@callback(
    Output(f"{p}-message", "children"),
    Output(f"{p}-message", "className"),
    Output(f"{p}-attempted", "data"),
    Output({"type": f"{p}-item", "item": ALL}, "value"),
    Output(f"{p}-taken_at", "value"),
    Output(f"{p}-taken_at", "error"),
    Output("patient-changed", "data", allow_duplicate=True),
    Output(f"{p}-submission", "data"),
    Input(f"{p}-save", "n_clicks"),
    State({"type": f"{p}-item", "item": ALL}, "value"),
    State(f"{p}-taken_at", "value"),
    State(f"{p}-submission", "data"),
    State("patient-admission", "data"),
    prevent_initial_call=True,
)
def ciwar_save(
    _: int | None,
    values: list[object],
    time_text: str | None,
    submission_id: Any,
    admission_id: int,
) -> tuple[Any, ...]:
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
        return (
            refusal_message(outcome, CIWA_AR_FORM),
            "tw-form-message",
            True,
            [no_update] * len(values),
            no_update,
            outcome.fields.get("taken_at"),
            no_update,
            new_submission_id() if "submission_id" in outcome.fields else no_update,
        )
    return (
        saved_message(outcome, now),
        "tw-form-message tw-form-ok",
        False,
        [""] * len(values),
        "",
        None,
        now.isoformat(),
        new_submission_id(),
    )


@callback(
    Output("patient-reload", "data", allow_duplicate=True),
    Output("ciwa-ar-message", "children"),
    Input("ciwa-ar-switch", "checked"),
    State("patient-admission", "data"),
    prevent_initial_call=True,
)
def ciwa_ar_toggle(checked: bool | None, admission_id: int) -> tuple[Any, ...]:
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
        return no_update, outcome.message
    return now.isoformat(), ""
