"""A plan change's preview as the physician sees it before saving: the new schedule, its pace
checks, the label-maximum confirmation, and a refusal's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import dash_mantine_components as dmc
from dash import html

from dashboard.components.plan_views import pace_alert, steps_table
from dashboard.refusals import Refusal
from models.clinical.taper import PaceWarning, in_force_step
from models.plan_changes import (
    CHANGE_LABELS,
    Preview,
    describe_regimen,
)


def check_alert(warnings: Sequence[PaceWarning]) -> Any:
    """Rises above the ward's margin and switches to a short-acting drug: listed before saving
    (warnings, not refusals)."""
    if not warnings:
        return None
    return dmc.Alert(
        html.Ul([html.Li(w.message) for w in warnings], className="tw-pace-list"),
        title="Check before saving",
        color="yellow",
        variant="light",
        id="plan-checks",
    )


def label_alert(preview: Preview) -> Any:
    """Doses above a label maximum: the physician confirms them with a reason below."""
    if not preview.above_label:
        return None
    carried = preview.previous.above_label_reason if preview.previous is not None else None
    if carried and preview.change != "create":
        text = f"Confirmed with the plan it changes: {carried}"
    else:
        text = "To save this plan, confirm it with your reason in the field below."
    return dmc.Alert(
        [html.Div(a.message + ".") for a in preview.above_label] + [html.Div(text)],
        title="Above a label maximum",
        color="orange",
        variant="light",
        id="plan-above-label",
    )


def preview_view(preview: Preview, *, today: date, drugs: Sequence[str]) -> Any:
    """What a change would do, before it is saved."""
    previous = preview.previous
    what = CHANGE_LABELS.get(preview.change, preview.change)
    if preview.change == "create" and previous is None:
        intro = f"{what}: version 1 from {preview.effective_from:%a %d %b}."
    elif previous is None:
        intro = f"{what}: version 1 from {preview.effective_from:%a %d %b}."
    else:
        intro = (
            f"{what}: version {previous.version + 1} replaces version {previous.version} from "
            f"now (today, {preview.effective_from:%a %d %b})."
        )
    pace = {w.step_index: w.message for w in preview.schedule.warnings if w.kind == "pace"}
    others = [w for w in preview.schedule.warnings if w.kind != "pace"]
    notes: dict[int, list[PaceWarning]] = {}
    for warning in others:
        notes.setdefault(warning.step_index, []).append(warning)
    table = preview.schedule.table
    in_force = in_force_step(preview.in_force, before=today, table=table)
    facts = [
        f"Dose in force now: {describe_regimen(preview.in_force)}"
        + (
            f" = {in_force.diazepam_eq_mg:g} mg diazepam-equivalent ({table})."
            if preview.in_force
            else "."
        ),
    ]
    if preview.start is not None and preview.start.note:
        facts.append(preview.start.note[0].upper() + preview.start.note[1:] + ".")
    return dmc.Stack(
        [
            dmc.Text(intro, fw=600),
            *[dmc.Text(fact, size="sm", className="tw-plan-fact") for fact in facts],
            dmc.Text(
                "The dose in force continues until the first change; doses from now on are made "
                "anew on the MAR; doses already given, charted or past stay as they are. "
                "Highlighted rows are what changes.",
                size="sm",
                c="dimmed",
            ),
            label_alert(preview),
            check_alert(others),
            pace_alert(list(pace.values())),
            dmc.ScrollArea(
                steps_table(
                    preview.schedule.steps,
                    drugs=drugs,
                    today=today,
                    warnings=pace,
                    notes=notes,
                    changed_from=preview.effective_from,
                    table_id="preview-steps",
                ),
                mah=360,
                type="auto",
            ),
        ],
        gap="xs",
    )


def refusal_message(refused: Refusal, *, saved: bool) -> Any:
    prefix = "Not saved. " if saved else ""
    return dmc.Alert(
        prefix + refused.detail[:1].upper() + refused.detail[1:],
        color="red",
        variant="light",
        id="plan-refusal",
    )


def label_box_style(preview: Preview) -> dict[str, str]:
    """The confirmation field shows when the preview has doses above a label maximum that the
    plan does not carry a confirmation for already."""
    carried = preview.previous is not None and preview.previous.above_label_reason
    needed = preview.above_label and (preview.change == "create" or not carried)
    return {} if needed else {"display": "none"}


def schedule_drugs(preview: Preview) -> list[str]:
    """The drugs a schedule uses, the original first."""
    seen: list[str] = []
    for step in preview.schedule.steps:
        for drug in step.daily_ug:
            if drug not in seen:
                seen.append(drug)
    return seen
