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
from dashboard.components.plan_words import (
    change_label,
    check_words,
    mg_value,
    plan_day,
    regimen_words,
)
from dashboard.i18n import _, request_translator
from dashboard.refusals import Refusal
from models.clinical.taper import PaceWarning, in_force_step
from models.errors import Shown
from models.plan_changes import PlanStart, Preview


def start_note(start: PlanStart) -> str:
    """How the dose in force became a new plan's start, in the reader's language (the domain's
    English note word for word in English)."""
    if start.note_template is None:
        return start.note or ""
    t = request_translator()
    values = {k: v.shown(t) if isinstance(v, Shown) else v for k, v in start.note_values.items()}
    return t.gettext(start.note_template, **values)


def check_alert(warnings: Sequence[PaceWarning]) -> Any:
    """Rises above the ward's margin and switches to a short-acting drug: listed before saving
    (warnings, not refusals)."""
    if not warnings:
        return None
    return dmc.Alert(
        html.Ul([html.Li(check_words(w)) for w in warnings], className="tw-pace-list"),
        title=_("Check before saving"),
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
        text = _("Confirmed with the plan it changes: {reason}", reason=carried)
    else:
        text = _("To save this plan, confirm it with your reason in the field below.")
    return dmc.Alert(
        [html.Div(a.message + ".") for a in preview.above_label] + [html.Div(text)],
        title=_("Above a label maximum"),
        color="orange",
        variant="light",
        id="plan-above-label",
    )


def preview_view(preview: Preview, *, today: date, drugs: Sequence[str]) -> Any:
    """What a change would do, before it is saved."""
    previous = preview.previous
    what = change_label(preview.change)
    if previous is None:
        intro = _(
            "{change}: version 1 from {day}.", change=what, day=plan_day(preview.effective_from)
        )
    else:
        intro = _(
            "{change}: version {version} replaces version {previous} from now (today, {day}).",
            change=what,
            version=previous.version + 1,
            previous=previous.version,
            day=plan_day(preview.effective_from),
        )
    pace = {w.step_index: w for w in preview.schedule.warnings if w.kind == "pace"}
    others = [w for w in preview.schedule.warnings if w.kind != "pace"]
    notes: dict[int, list[PaceWarning]] = {}
    for warning in others:
        notes.setdefault(warning.step_index, []).append(warning)
    table = preview.schedule.table
    in_force = in_force_step(preview.in_force, before=today, table=table)
    regimen = regimen_words(preview.in_force)
    if preview.in_force:
        in_force_text = _(
            "Dose in force now: {regimen} = {de} mg diazepam-equivalent ({table}).",
            regimen=regimen,
            de=mg_value(in_force.diazepam_eq_mg),
            table=table,
        )
    else:
        in_force_text = _("Dose in force now: {regimen}.", regimen=regimen)
    facts = [in_force_text]
    if preview.start is not None and preview.start.note:
        note = start_note(preview.start)
        facts.append(note[0].upper() + note[1:] + ".")
    return dmc.Stack(
        [
            dmc.Text(intro, fw=600),
            *[dmc.Text(fact, size="sm", className="tw-plan-fact") for fact in facts],
            dmc.Text(
                _(
                    "The dose in force continues until the first change; doses from now on are "
                    "made anew on the MAR; doses already given, charted or past stay as they are. "
                    "Highlighted rows are what changes."
                ),
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
    """The refusal in the reader's language (dashboard.refusals): with "Not saved." when a save
    was refused; a preview's refusal names what to fix alone."""
    if saved:
        text = refused.message
    else:
        text = " ".join(refused.fields.values()) or refused.message
    return dmc.Alert(
        text,
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
