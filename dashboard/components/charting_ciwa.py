"""CIWA-B entry: the 20 items with their wording and 0-4 choices as large targets; number keys
score the focused item and move on (assets/charting.js); the running total and its band show
as the nurse goes; one Save, refused with the missing items named."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Dash, Input, Output, State, dcc, html, no_update
from sqlmodel import Session

from dashboard.components.charting_common import (
    Refusal,
    attempt,
    attrs,
    clock_hint,
    format_local,
    level_chip,
    level_style,
    parse_clock,
)
from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.theme import BAND_LABEL, BAND_LEVEL
from models.audit import Actor
from models.charting import CHARTING_ROLES, new_submission_id, record_assessment
from models.clinical.scales import CIWA_B_ITEMS, ScaleItem, ciwa_b_band, own_anchors
from models.db import read_session
from models.tables import WithdrawalAssessment
from models.types import utcnow

CHOICES = [str(n) for n in range(CIWA_B_ITEMS[0].min, CIWA_B_ITEMS[0].max + 1)]
ITEM_NUMBERS = tuple(item.number for item in CIWA_B_ITEMS)


@dataclass(frozen=True)
class RunningTotal:
    total: int
    scored: int
    band: str

    @property
    def level(self) -> int:
        return BAND_LEVEL.get(self.band, 0)


def item_scores(values: Sequence[object]) -> dict[int, int]:
    """The scored items of the form (values in item order; "" or None = not scored yet). A
    value none of the item's choices can send (a forged request) counts as not scored."""
    scores: dict[int, int] = {}
    for item, value in zip(CIWA_B_ITEMS, values, strict=True):
        score: int | None = None
        if isinstance(value, str) and value.strip().isdecimal():
            score = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            score = value
        if score is not None and item.min <= score <= item.max:
            scores[item.number] = score
    return scores


def running_total(scores: Mapping[int, int]) -> RunningTotal:
    total = sum(scores.values())
    return RunningTotal(total=total, scored=len(scores), band=ciwa_b_band(total).value)


def missing_items(fields: Mapping[str, str]) -> list[int]:
    """Item numbers named by the domain's refusal (fields "item_4"...)."""
    return sorted(
        int(name.removeprefix("item_"))
        for name in fields
        if name.startswith("item_") and name.removeprefix("item_").isdigit()
    )


def refusal_message(outcome: Refusal) -> str:
    missing = missing_items(outcome.fields)
    if not missing:
        return outcome.message
    listed = _and_list([str(n) for n in missing])
    noun = "item" if len(missing) == 1 else "items"
    verb = "is" if len(missing) == 1 else "are"
    return f"Not saved: {noun} {listed} {verb} not scored. Score every item from 0 to 4."


def _and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def save_ciwa(
    *,
    actor: Actor,
    admission_id: int,
    values: Sequence[object],
    time_text: str | None,
    now: datetime,
    submission_id: str | None = None,
) -> WithdrawalAssessment | Refusal:
    """Record a CIWA-B in one action; the domain refuses it whole if an item is missing. A
    save sent again with the same ``submission_id`` answers with the score already stored."""
    scores: dict[int, object] = dict.fromkeys(ITEM_NUMBERS)
    scores.update(item_scores(values))

    def write(session: Session) -> WithdrawalAssessment:
        ward = default_ward(session)
        taken_at = parse_clock(
            time_text, now=now, tz=ZoneInfo(ward.timezone), field_name="taken_at"
        )
        return record_assessment(
            session=session,
            actor=actor,
            admission_id=admission_id,
            taken_at=taken_at,
            now=now,
            items=scores,
            submission_id=submission_id,
        )

    return attempt(engine(), write)


# --- layout -------------------------------------------------------------------------------


def _item_row(item: ScaleItem) -> html.Div:
    number = item.number
    label = [html.Span(item.text)]
    if own_anchors(item, CIWA_B_ITEMS):
        # Scored on its own anchors (the sleep items): higher is always more withdrawal.
        label.append(html.Span(item.anchor_text, className="tw-ciwa-own-anchors"))
    if item.rater == "observer":
        label.append(html.Span("Observer-rated", className="tw-ciwa-rater"))
    return html.Div(
        [
            html.Div(str(number), className="tw-ciwa-num"),
            html.Div(label, className="tw-ciwa-text", id=f"ciwa-text-{number}"),
            dmc.SegmentedControl(
                id={"type": "ciwa-item", "item": number},
                data=CHOICES,
                value="",
                fullWidth=True,
                size="lg",
                className="tw-ciwa-choices",
                **{"aria-labelledby": f"ciwa-text-{number}"},
            ),
        ],
        id={"type": "ciwa-row", "item": number},
        className="tw-ciwa-item",
        **attrs(data_ciwa_item=str(number)),
    )


def _total_box(running: RunningTotal) -> tuple[list[Any], dict[str, str]]:
    label = BAND_LABEL.get(running.band, running.band)
    of = f"{running.scored} of {len(ITEM_NUMBERS)} items scored"
    return [
        html.Div("CIWA-B total", className="tw-news2-title"),
        html.Div(str(running.total), className="tw-ciwa-total-number", id="ciwa-total-number"),
        html.Div(
            label if running.scored == len(ITEM_NUMBERS) else f"{label} so far",
            className="tw-ciwa-total-band",
            id="ciwa-total-band",
        ),
        html.Div(of, className="tw-ciwa-total-count", id="ciwa-total-count"),
    ], level_style(running.level)


def ciwa_form(now: datetime, tz: ZoneInfo) -> html.Div:
    patient_items = [i for i in CIWA_B_ITEMS if i.rater == "patient"]
    observer_items = [i for i in CIWA_B_ITEMS if i.rater == "observer"]
    anchors = patient_items[0].anchors
    box, style = _total_box(running_total({}))
    items = html.Div(
        [
            html.Div(
                [
                    html.Span("Ask the patient (items 1–17)", className="tw-section-title"),
                    html.Div(
                        [html.Span(f"0 {anchors[0]}"), html.Span(f"4 {anchors[-1]}")],
                        className="tw-ciwa-anchor",
                    ),
                ],
                className="tw-ciwa-head",
            ),
            *[_item_row(i) for i in patient_items],
            html.Div(
                html.Span("Observe (items 18–20)", className="tw-section-title"),
                className="tw-ciwa-head",
            ),
            *[_item_row(i) for i in observer_items],
        ],
        className="tw-ciwa-items",
    )
    side = html.Div(
        [
            html.Div(box, id="ciwa-total", className="tw-ciwa-total", style=style),
            dmc.TextInput(
                id="ciwa-taken_at",
                label="Time taken",
                placeholder="now",
                description=clock_hint(None, now=now, tz=tz),
                inputWrapperOrder=["label", "input", "description", "error"],
                size="md",
                autoComplete="off",
            ),
            dmc.Button("Save CIWA-B", id="ciwa-save", size="lg", fullWidth=True),
            html.Span(
                [
                    html.Kbd("0"),
                    "–",
                    html.Kbd("4"),
                    " score the item and move on · ",
                    html.Kbd("Enter"),
                    " saves",
                ],
                className="tw-kbd",
            ),
            html.Div(id="ciwa-message", className="tw-form-message", role="status"),
        ],
        className="tw-ciwa-side",
    )
    return html.Div(
        [
            items,
            side,
            dcc.Store(id="ciwa-attempted", data=False),
            # This opening of the form: sent with Save, renewed after each score is stored.
            dcc.Store(id="ciwa-submission", data=new_submission_id()),
        ],
        className="tw-ciwa-layout tw-card",
    )


def _top_items(items: Mapping[str, int]) -> str:
    by_number = {str(i.number): i for i in CIWA_B_ITEMS}
    ranked = sorted(
        ((score, int(n)) for n, score in items.items() if score > 0 and n in by_number),
        reverse=True,
    )[:3]
    return ", ".join(f"{by_number[str(n)].text.rstrip('?')} {score}" for score, n in ranked)


def ciwa_table(
    rows: list[WithdrawalAssessment],
    names: Mapping[int, str],
    *,
    tz: ZoneInfo,
    now: datetime,
    can_correct: bool,
) -> html.Div:
    if not rows:
        return html.Div("No CIWA-B charted in the last 72 hours.", className="tw-empty")
    head = html.Tr(
        [html.Th(h) for h in ("Taken", "Total", "Band", "Highest items", "Charted by", "")]
    )
    body = []
    for row in rows:
        level = BAND_LEVEL.get(row.band, 0)
        action: Any = ""
        if row.entered_in_error:
            action = html.Span(f"In error: {row.error_reason}", className="tw-mar-error-note")
        elif can_correct:
            action = dmc.Button(
                "Mark in error…",
                id={"type": "in-error-open", "entity": "assessment", "id": row.id},
                variant="subtle",
                size="xs",
            )
        body.append(
            html.Tr(
                [
                    html.Td(format_local(row.taken_at, tz, now, always_day=True)),
                    html.Td(level_chip(str(row.total), level)),
                    html.Td(BAND_LABEL.get(row.band, row.band)),
                    html.Td(_top_items(row.items), className="tw-mar-detail"),
                    html.Td(names.get(row.charted_by, ""), className="tw-who"),
                    html.Td(action, className="tw-keep"),
                ],
                className="tw-in-error" if row.entered_in_error else "",
            )
        )
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(body)], className="tw-table"),
        className="tw-table-scroll",
    )


# --- callbacks ----------------------------------------------------------------------------


def register_callbacks(app: Dash) -> None:
    @app.callback(
        Output("ciwa-total", "children"),
        Output("ciwa-total", "style"),
        Output({"type": "ciwa-row", "item": ALL}, "className"),
        Input({"type": "ciwa-item", "item": ALL}, "value"),
        Input("ciwa-attempted", "data"),
        prevent_initial_call=True,
    )
    def ciwa_running(values: list[object], attempted: bool | None) -> tuple[Any, ...]:
        current_actor()
        scores = item_scores(values)
        box, style = _total_box(running_total(scores))
        classes = [
            "tw-ciwa-item tw-missing" if attempted and n not in scores else "tw-ciwa-item"
            for n in ITEM_NUMBERS
        ]
        return box, style, classes

    @app.callback(
        Output("ciwa-message", "children"),
        Output("ciwa-message", "className"),
        Output("ciwa-attempted", "data"),
        Output({"type": "ciwa-item", "item": ALL}, "value"),
        Output("ciwa-taken_at", "value"),
        Output("ciwa-taken_at", "error"),
        Output("patient-changed", "data", allow_duplicate=True),
        Output("ciwa-submission", "data"),
        Input("ciwa-save", "n_clicks"),
        State({"type": "ciwa-item", "item": ALL}, "value"),
        State("ciwa-taken_at", "value"),
        State("ciwa-submission", "data"),
        State("patient-admission", "data"),
        prevent_initial_call=True,
    )
    def ciwa_save(
        _: int | None,
        values: list[object],
        time_text: str | None,
        submission_id: Any,
        admission_id: int,
    ) -> tuple[Any, ...]:
        """The form's token stays the same until a score is stored, so a save sent again (a
        lost answer, a second press) finds that score; a stored score starts a new token."""
        actor = require_role(*CHARTING_ROLES)
        now = utcnow()
        outcome = save_ciwa(
            actor=actor,
            admission_id=admission_id,
            values=values,
            time_text=time_text,
            now=now,
            submission_id=submission_id,
        )
        if isinstance(outcome, Refusal):
            return (
                refusal_message(outcome),
                "tw-form-message",
                True,
                [no_update] * len(values),
                no_update,
                outcome.fields.get("taken_at"),
                no_update,
                new_submission_id() if "submission_id" in outcome.fields else no_update,
            )
        with read_session(engine()) as session:
            tz = ZoneInfo(default_ward(session).timezone)
        label = BAND_LABEL.get(outcome.band, outcome.band)
        message = (
            f"Saved: CIWA-B {outcome.total} ({label}) at {format_local(outcome.taken_at, tz, now)}."
        )
        return (
            message,
            "tw-form-message tw-form-ok",
            False,
            [""] * len(values),
            "",
            None,
            now.isoformat(),
            new_submission_id(),
        )
