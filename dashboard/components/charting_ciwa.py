"""CIWA-B entry: the 20 items with their wording and 0-4 choices as large targets; number keys
score the focused item and move on (assets/charting.js); the running total and its band show
as the nurse goes; one Save, refused with the missing items named. The builders take the scale
(``ScaleForm``), so the CIWA-Ar form (components.charting_ciwa_ar) is the same form.

A saved score at or above a PRN order's threshold names, in the save's confirmation, the orders
that may be given now (Taperwatch never gives one).

The scale's definition, scoring, save and messages are components.charting_ciwa_scale; this
module is the form's markup and callbacks. The table of past scores is
components.charting_ciwa_table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, dcc, html, no_update

from dashboard.components.charting_ciwa_scale import (
    CIWA_B_FORM,
    RunningTotal,
    ScaleForm,
    item_scores,
    refusal_message,
    running_total,
    save_ciwa,
    saved_message,
)
from dashboard.components.charting_common import (
    attrs,
    clock_hint,
    level_style,
)
from dashboard.context import current_actor, require_role
from dashboard.i18n import _, language, request_translator
from dashboard.refusals import Refusal
from dashboard.registry import callback
from dashboard.theme import BAND_LABEL
from models.charting import CHARTING_ROLES, new_submission_id
from models.clinical.scales import (
    CIWA_B_ITEMS,
    ScaleItem,
    own_anchors,
)
from models.types import utcnow

CHOICES = [str(n) for n in range(CIWA_B_ITEMS[0].min, CIWA_B_ITEMS[0].max + 1)]


def _item_row(number: int, text: str, rater: str, form: ScaleForm, top: int) -> html.Div:
    label = [html.Span(text)]
    item = next(i for i in form.items if i.number == number)
    if own_anchors(item, form.items):
        # Scored on its own anchors (the sleep items): higher is always more withdrawal.
        label.append(html.Span(item.anchor_text, className="tw-ciwa-own-anchors"))
    if rater == "observer" and form.scale == "CIWA-B":
        label.append(html.Span(_("Observer-rated"), className="tw-ciwa-rater"))
    return html.Div(
        [
            html.Div(str(number), className="tw-ciwa-num"),
            # The scale's own English wording, whatever the page's language.
            html.Div(label, className="tw-ciwa-text", id=f"{form.prefix}-text-{number}", lang="en"),
            dmc.SegmentedControl(
                id={"type": f"{form.prefix}-item", "item": number},
                data=[str(n) for n in range(0, top + 1)],
                value="",
                fullWidth=True,
                size="lg",
                className="tw-ciwa-choices",
                **{"aria-labelledby": f"{form.prefix}-text-{number}"},
            ),
        ],
        id={"type": f"{form.prefix}-row", "item": number},
        className="tw-ciwa-item",
        **attrs(data_ciwa_item=str(number)),
    )


def _total_box(
    running: RunningTotal, form: ScaleForm = CIWA_B_FORM
) -> tuple[list[Any], dict[str, str]]:
    label = _(BAND_LABEL.get(running.band, running.band))
    of = _("{scored} of {count} items scored", scored=running.scored, count=len(form.items))
    p = form.prefix
    return [
        html.Div(_("{scale} total", scale=form.scale), className="tw-news2-title"),
        html.Div(str(running.total), className="tw-ciwa-total-number", id=f"{p}-total-number"),
        html.Div(
            label if running.scored == len(form.items) else _("{band} so far", band=label),
            className="tw-ciwa-total-band",
            id=f"{p}-total-band",
        ),
        html.Div(of, className="tw-ciwa-total-count", id=f"{p}-total-count"),
    ], level_style(running.level)


def _group_head(title: str, items: Sequence[ScaleItem]) -> html.Div:
    anchors = items[0].anchors
    parts: list[Any] = [html.Span(_(title), className="tw-section-title")]
    if anchors[0] or anchors[-1]:
        parts.append(
            html.Div(
                [html.Span(f"0 {anchors[0]}"), html.Span(f"{items[0].max} {anchors[-1]}")],
                className="tw-ciwa-anchor",
                lang="en",  # the scale's own anchors, in its original wording
            )
        )
    return html.Div(parts, className="tw-ciwa-head")


def wording_note(form: ScaleForm) -> html.Div | None:
    """Outside English: the items keep the scale's original English wording (no validated
    translation of the scale is available to us), and the form says so."""
    if language() == "en":
        return None
    return html.Div(
        _(
            "The {scale} items are shown in their original English wording: no validated "
            "translation of the scale is used.",
            scale=form.scale,
        ),
        className="tw-ciwa-wording-note",
        id=f"{form.prefix}-wording-note",
        lang=language(),
    )


def ciwa_form(
    now: datetime, tz: ZoneInfo, form: ScaleForm = CIWA_B_FORM, *, note: Any = None
) -> html.Div:
    """The scale's form; ``note`` goes above its total (e.g. CIWA-Ar's band source)."""
    p = form.prefix
    box, style = _total_box(running_total({}, form), form)
    rows: list[Any] = [wording_note(form)]
    for title, rater in form.groups:
        group = [i for i in form.items if i.rater == rater]
        rows.append(_group_head(title, group))
        rows += [_item_row(i.number, i.text, i.rater, form, i.max) for i in group]
    side = html.Div(
        [
            html.Div(box, id=f"{p}-total", className="tw-ciwa-total", style=style),
            note,
            dmc.TextInput(
                id=f"{p}-taken_at",
                label=_("Time taken"),
                placeholder=_("now"),
                description=clock_hint(None, now=now, tz=tz, t=request_translator()),
                inputWrapperOrder=["label", "input", "description", "error"],
                size="md",
                autoComplete="off",
            ),
            dmc.Button(
                _("Save {scale}", scale=form.scale), id=f"{p}-save", size="lg", fullWidth=True
            ),
            html.Span(
                [
                    html.Kbd("0"),
                    "–",  # noqa: RUF001 - a range dash, nothing to translate
                    html.Kbd(str(max(i.max for i in form.items))),
                    _(" score the item and move on · "),
                    html.Kbd(_("Enter")),
                    _(" saves"),
                ],
                className="tw-kbd",
            ),
            html.Div(id=f"{p}-message", className="tw-form-message", role="status"),
        ],
        className="tw-ciwa-side",
    )
    return html.Div(
        [
            html.Div(rows, className="tw-ciwa-items"),
            side,
            dcc.Store(id=f"{p}-attempted", data=False),
            # This opening of the form: sent with Save, renewed after each score is stored.
            dcc.Store(id=f"{p}-submission", data=new_submission_id()),
        ],
        className="tw-ciwa-layout tw-card",
        **attrs(data_ciwa_form=form.scale, data_save_id=f"{p}-save"),
    )


# --- callbacks (each scale's module declares its own, with these) --------------------------


def running_io(form: ScaleForm) -> dict[str, Any]:
    """The running total's outputs and inputs, for ``@callback(**running_io(form))``."""
    p = form.prefix
    return {
        "output": {
            "total": Output(f"{p}-total", "children"),
            "total_style": Output(f"{p}-total", "style"),
            "row_classes": Output({"type": f"{p}-row", "item": ALL}, "className"),
        },
        "inputs": {
            "values": Input({"type": f"{p}-item", "item": ALL}, "value"),
            "attempted": Input(f"{p}-attempted", "data"),
        },
    }


def running_answer(form: ScaleForm, values: list[object], attempted: bool | None) -> dict[str, Any]:
    """The total and band so far; after a refused save, the items still missing marked. Any
    signed-in user."""
    current_actor()
    scores = item_scores(values, form)
    box, style = _total_box(running_total(scores, form), form)
    classes = [
        "tw-ciwa-item tw-missing" if attempted and n not in scores else "tw-ciwa-item"
        for n in form.numbers
    ]
    return {"total": box, "total_style": style, "row_classes": classes}


def save_io(form: ScaleForm) -> dict[str, Any]:
    """The Save's outputs and inputs, for ``@callback(**save_io(form))``."""
    p = form.prefix
    return {
        "output": {
            "message": Output(f"{p}-message", "children"),
            "message_style": Output(f"{p}-message", "className"),
            "attempted": Output(f"{p}-attempted", "data"),
            "items": Output({"type": f"{p}-item", "item": ALL}, "value"),
            "time": Output(f"{p}-taken_at", "value"),
            "time_error": Output(f"{p}-taken_at", "error"),
            "changed": Output("patient-changed", "data", allow_duplicate=True),
            "submission": Output(f"{p}-submission", "data"),
        },
        "inputs": {
            "clicks": Input(f"{p}-save", "n_clicks"),
            "values": State({"type": f"{p}-item", "item": ALL}, "value"),
            "time_text": State(f"{p}-taken_at", "value"),
            "submission_id": State(f"{p}-submission", "data"),
            "admission_id": State("patient-admission", "data"),
        },
    }


def save_answer(
    form: ScaleForm,
    values: list[object],
    time_text: str | None,
    submission_id: Any,
    admission_id: int,
) -> dict[str, Any]:
    """The Save's answer, by a charting role. The form's token stays the same until a score is
    stored, so a save sent again (a lost answer, a second press) finds that score; a stored
    score starts a new token."""
    actor = require_role(*CHARTING_ROLES)
    now = utcnow()
    outcome = save_ciwa(
        actor=actor,
        admission_id=admission_id,
        values=values,
        time_text=time_text,
        now=now,
        submission_id=submission_id,
        form=form,
    )
    if isinstance(outcome, Refusal):
        return {
            "message": refusal_message(outcome, form),
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


@callback(**running_io(CIWA_B_FORM), prevent_initial_call=True)
def ciwa_running(values: list[object], attempted: bool | None) -> dict[str, Any]:
    return running_answer(CIWA_B_FORM, values, attempted)


@callback(**save_io(CIWA_B_FORM), prevent_initial_call=True)
def ciwa_save(
    clicks: int | None,
    values: list[object],
    time_text: str | None,
    submission_id: Any,
    admission_id: int,
) -> dict[str, Any]:
    return save_answer(CIWA_B_FORM, values, time_text, submission_id, admission_id)
