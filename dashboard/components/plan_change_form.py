"""The plan change form, shared by the plan panel (prefix "pp") and the rounds page ("rd"):
its fields (their start values are plan_form_start.py), the fields each kind of change shows,
the form read by name, and the callbacks every change form has.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import dash_mantine_components as dmc
from dash import Input, Output, State, html
from dash.exceptions import PreventUpdate

from dashboard.clinical_words import drug_name, table_name
from dashboard.components.citations import cited
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.plan_form_start import FormStart
from dashboard.components.text_box import text_box
from dashboard.i18n import _, language
from dashboard.registry import callback
from models.clinical.drugs import DRUGS, EQUIVALENCE_TABLES
from models.clinical.recipes import PRESETS
from models.i18n import first_weekday
from models.plan_changes import MAX_HOLD_DAYS

CUSTOM_RECIPE = "custom"


def calendar_settings(code: str) -> dict[str, Any]:
    """The date picker's language: its calendar's month and weekday names (dayjs's locale,
    served from assets/dayjs_locales.js, never downloaded) and first day of the week
    (Mantine counts from Sunday, models.i18n from Monday)."""
    return {"locale": code, "firstDayOfWeek": (first_weekday(code) + 1) % 7}


def preset_text(key: str) -> list[Any]:
    """A preset's description (models.clinical.recipes, marked for translation) and, for one
    faster than ASAM, the note saying so."""
    preset = PRESETS[key]
    text: list[Any] = [html.Span(_(preset.description))]
    if not preset.matches_asam:
        text.append(html.Span(cited(_(" (faster than ASAM 2025 [S16][S17])"))))
    return text


def recipe_fields(prefix: str) -> Any:
    presets = [{"value": p.key, "label": f"({p.key}) {p.recipe}"} for p in PRESETS.values()] + [
        {"value": CUSTOM_RECIPE, "label": _("Write a recipe…")}
    ]
    return html.Div(
        [
            dmc.Select(
                id=f"{prefix}-preset",
                label=_("Recipe"),
                data=presets,
                value="d",
                allowDeselect=False,
                size="md",
            ),
            dmc.Text(preset_text("d"), id=f"{prefix}-preset-text", size="sm", c="dimmed", mt=4),
            dmc.TextInput(
                id=f"{prefix}-recipe",
                label=_("Recipe text"),
                # TRANSLATORS: the recipe language's own syntax; keep it as it is.
                placeholder=_("-0.5mg/14d until 1mg; -0.25mg/7d"),
                size="md",
                description=_("A cut and an interval per phase, phases separated by ';'"),
                style={"display": "none"},
                className=f"{prefix}-custom",
            ),
        ],
    )


def hold_fields(prefix: str) -> Any:
    return dmc.Group(
        [
            dmc.NumberInput(
                id=f"{prefix}-hold-days",
                label=_("Hold for (days)"),
                value=7,
                min=1,
                max=MAX_HOLD_DAYS,
                w=180,
                size="md",
            ),
            dmc.Checkbox(
                id=f"{prefix}-hold-open",
                label=_("Until resumed"),
                checked=False,
                mt=28,
                size="md",
            ),
        ],
        align="flex-start",
    )


def new_plan_fields(prefix: str, *, start: FormStart, times: str, today: date) -> Any:
    drugs = [{"value": d, "label": drug_name(d).capitalize()} for d in DRUGS]
    return html.Div(
        dmc.Stack(
            [
                dmc.Text(start.regimen, size="sm", id=f"{prefix}-in-force", fw=500)
                if start.regimen
                else None,
                dmc.SegmentedControl(
                    id=f"{prefix}-mode",
                    **{"aria-label": _("Kind of taper")},
                    value=start.mode,
                    size="md",
                    data=[
                        {"value": "direct", "label": _("Direct taper")},
                        {"value": "substitution", "label": _("Substitution taper")},
                    ],
                ),
                dmc.Group(
                    [
                        dmc.Select(
                            id=f"{prefix}-drug",
                            label=_("Drug now taken"),
                            data=drugs,
                            value=start.drug,
                            allowDeselect=False,
                            w=200,
                            size="md",
                        ),
                        dmc.TextInput(
                            id=f"{prefix}-daily-mg",
                            label=_("Daily dose (mg)"),
                            value=start.daily_mg,
                            w=160,
                            size="md",
                        ),
                        dmc.Select(
                            id=f"{prefix}-to-drug",
                            label=_("Cross over to"),
                            data=drugs,
                            value=start.to_drug,
                            allowDeselect=False,
                            w=200,
                            size="md",
                            disabled=start.mode != "substitution",
                        ),
                        dmc.Select(
                            id=f"{prefix}-table",
                            label=_("Equivalence table"),
                            size="md",
                            w=210,
                            data=[{"value": t, "label": table_name(t)} for t in EQUIVALENCE_TABLES],
                            value="ashton",
                            allowDeselect=False,
                            disabled=start.mode != "substitution",
                        ),
                        dmc.NumberInput(
                            id=f"{prefix}-stages",
                            label=_("Crossover stages"),
                            value=start.stages,
                            min=1,
                            max=12,
                            w=160,
                            size="md",
                            disabled=start.mode != "substitution",
                        ),
                    ],
                    align="flex-end",
                ),
                dmc.Group(
                    [
                        dmc.DatesProvider(
                            dmc.DateInput(
                                id=f"{prefix}-start",
                                label=_("First change on"),
                                value=today.isoformat(),
                                minDate=today.isoformat(),
                                # TRANSLATORS: a dayjs date format for the plan's first change
                                # (dayjs's tokens; the names in the language's own words).
                                valueFormat=_("ddd D MMM YYYY"),
                                w=220,
                                size="md",
                            ),
                            settings=calendar_settings(language()),
                        ),
                        dmc.TextInput(
                            id=f"{prefix}-times",
                            label=_("Dose times"),
                            value=times,
                            w=200,
                            size="md",
                        ),
                    ]
                ),
            ],
            gap="sm",
        ),
    )


def change_form(
    prefix: str,
    *,
    start: FormStart,
    times: str,
    today: date,
    save_label: str | None = None,
    reason_label: str | None = None,
    initial_kind: str | None = None,
) -> Any:
    """The fields of every change; those ``initial_kind`` needs are shown, and a callback shows
    those of the change chosen later."""
    new_style, hold_style, recipe_style = field_styles(initial_kind)
    return dmc.Stack(
        [
            html.Div(
                new_plan_fields(prefix, start=start, times=times, today=today),
                style=new_style,
                id=f"{prefix}-new-fields",
            ),
            html.Div(hold_fields(prefix), style=hold_style, id=f"{prefix}-hold-fields"),
            html.Div(recipe_fields(prefix), style=recipe_style, id=f"{prefix}-recipe-fields"),
            text_box(
                f"{prefix}-reason",
                reason_label or _("Reason (kept with the plan version)"),
                placeholder=_("Why this change, e.g. CIWA-B rose from 12 to 30 after the last cut"),
                required=True,
            ),
            html.Div(
                text_box(
                    f"{prefix}-label-reason",
                    _("Confirm the dose above the label maximum: your reason"),
                    description=_("Kept with the plan version and shown on the chart"),
                ),
                id=f"{prefix}-label-box",
                style={"display": "none"},
            ),
            html.Div(id=f"{prefix}-message", role="status"),
            # Preview at the left; Cancel and Save at the right, as every dialog closes.
            dmc.Group(
                [
                    dmc.Button(
                        _("Preview schedule"),
                        id=f"{prefix}-preview-btn",
                        size="md",
                        variant="light",
                        color="indigo",
                    ),
                    modal_buttons(
                        f"{prefix}-cancel",
                        dmc.Button(
                            save_label or _("Save plan version"),
                            id=f"{prefix}-save-btn",
                            size="md",
                            color="indigo",
                            disabled=True,
                        ),
                    ),
                ],
                justify="space-between",
                gap="sm",
            ),
            html.Div(id=f"{prefix}-preview"),
        ],
        gap="sm",
    )


FIELDS_BY_KIND: dict[str, tuple[bool, bool, bool]] = {
    # kind: (new plan fields, hold fields, recipe fields)
    "create": (True, False, True),
    "hold": (False, True, False),
    "recipe": (False, False, True),
    "advance": (False, False, False),
    "resume": (False, False, False),
    "back": (False, False, False),
    "stop": (False, False, False),
}


def field_styles(kind: str | None) -> list[dict[str, str]]:
    shown = FIELDS_BY_KIND.get(kind or "", (False, False, False))
    return [{} if s else {"display": "none"} for s in shown]


FORM_STATES = [
    "reason",
    "label-reason",
    "hold-days",
    "hold-open",
    "preset",
    "recipe",
    "drug",
    "daily-mg",
    "mode",
    "to-drug",
    "table",
    "stages",
    "start",
    "times",
]


def form_states(prefix: str) -> dict[str, State]:
    """The change form's fields as a callback's keyword states, by their names in FORM_STATES."""
    props = {"hold-open": "checked"}
    return {name: State(f"{prefix}-{name}", props.get(name, "value")) for name in FORM_STATES}


def form_values(kind: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The domain's arguments for a ``kind`` of change (or "create") from the form's fields."""
    common = {
        "reason": form["reason"],
        "preset": form["preset"],
        "custom_recipe": form["recipe"],
        "above_label_reason": form["label-reason"],
    }
    if kind == "create":
        return {
            "drug": form["drug"],
            "daily_mg": form["daily-mg"],
            "substitution": form["mode"] == "substitution",
            "to_drug": form["to-drug"],
            "table": form["table"],
            "stages": form["stages"],
            "start": form["start"],
            "times": form["times"],
            **common,
        }
    return {"hold_days": form["hold-days"], "until_resumed": form["hold-open"], **common}


# The dialog each form sits in (the plan panel's modal, the rounds page's drawer): its Cancel
# closes it.
CONTAINER = {"pp": "pp-modal", "rd": "rounds-drawer"}


def form_callbacks(prefix: str) -> None:
    """Callbacks every change form has: the recipe preset text and the custom recipe field,
    the substitution fields, disabling Save until the current inputs are previewed, and
    Cancel closing the form's dialog."""

    @callback(
        output=Output(CONTAINER[prefix], "opened", allow_duplicate=True),
        inputs={"clicks": Input(f"{prefix}-cancel", "n_clicks")},
        prevent_initial_call=True,
    )
    def _cancel(clicks: int | None) -> bool:
        # A Cancel drawn into the page (the rounds drawer's content arrives by a callback)
        # fires once with no click: only a click closes the dialog.
        if not clicks:
            raise PreventUpdate
        return False

    @callback(
        output={
            "text": Output(f"{prefix}-preset-text", "children"),
            "recipe_style": Output(f"{prefix}-recipe", "style"),
        },
        inputs={"preset": Input(f"{prefix}-preset", "value")},
    )
    def _preset(preset: str | None) -> dict[str, Any]:
        if preset in PRESETS:
            return {"text": preset_text(preset), "recipe_style": {"display": "none"}}
        return {"text": _("Write the recipe below."), "recipe_style": {}}

    @callback(
        output={
            name: Output(f"{prefix}-{name}", "disabled") for name in ("to-drug", "table", "stages")
        },
        inputs={"mode": Input(f"{prefix}-mode", "value")},
    )
    def _mode(mode: str | None) -> dict[str, bool]:
        direct = mode != "substitution"
        return dict.fromkeys(("to-drug", "table", "stages"), direct)

    @callback(
        output=Output(f"{prefix}-save-btn", "disabled", allow_duplicate=True),
        inputs={
            "form": {
                name: Input(f"{prefix}-{name}", "checked" if name == "hold-open" else "value")
                for name in FORM_STATES
                if name != "reason"
            }
        },
        prevent_initial_call=True,
    )
    def _changed(form: dict[str, Any]) -> bool:
        return True  # inputs changed since the preview: preview again before saving
