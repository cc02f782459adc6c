"""The taper plan panel on the patient page: the current plan version, its steps, the version
history and the physician's plan changes (each previewed before it is saved).

Its pieces have their own modules: the views (plan_header, plan_views, plan_preview), the change
form shared with the rounds page (plan_change_form) and the write adapter (plan_write). Every
change is refused server-side unless the signed-in user is a physician: the callbacks answer 403
and the domain (models.plan_changes) raises PermissionDenied.
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components.charting_common import attrs
from dashboard.components.citations import cited
from dashboard.components.plan_change_form import (
    change_form,
    field_styles,
    form_callbacks,
    form_states,
    form_values,
)
from dashboard.components.plan_form_preview import NOT_PREVIEWED, preview_answer, preview_outputs
from dashboard.components.plan_form_start import form_start
from dashboard.components.plan_header import (
    admission_dose_note,
    plan_author,
    plan_header,
    step_tolerance_note,
    tablet_alert,
)
from dashboard.components.plan_preview import refusal_message
from dashboard.components.plan_views import active_plan_steps, pace_alert, version_history
from dashboard.components.plan_words import change_label
from dashboard.components.plan_write import preview_for, save_for
from dashboard.context import current_actor, engine, record_id, require_role
from dashboard.i18n import _
from dashboard.plan_panel_queries import PlanPanelData, plan_panel_data
from dashboard.refusals import Refusal
from dashboard.registry import callback
from models.plan_changes import on_open_hold, regimen_in_force
from models.types import utcnow


def panel_body(data: PlanPanelData, *, can_change: bool, prefix: str = "pp") -> Any:
    plan = data.plan
    tz = data.view.tz
    if plan is None:
        children: list[Any] = [
            dmc.Title(_("Taper plan"), order=3),
            dmc.Text(_("No taper plan yet."), id="plan-none"),
            admission_dose_note(data),
        ]
    else:
        children = [
            plan_header(plan, plan_author(data, plan), tz),
            admission_dose_note(data),
            pace_alert(list(data.warnings.values())),
            tablet_alert(data),
            dmc.Text(
                cited(step_tolerance_note(data.view.ward)),
                size="sm",
                c="dimmed",
            ),
            active_plan_steps(data, plan, table_id="plan-steps", height=440),
        ]
    if can_change and data.view.admission.discharged_at is None:
        children.append(action_buttons(prefix, data))
    elif data.view.admission.discharged_at is None:
        children.append(
            dmc.Text(
                _("Plan changes are made by a physician."),
                size="sm",
                c="dimmed",
                id="plan-read-only",
            )
        )
    if data.versions:
        children += [dmc.Title(_("Version history"), order=4, mt="md"), version_history(data)]
    return dmc.Stack([c for c in children if c is not None], gap="sm")


def action_buttons(prefix: str, data: PlanPanelData) -> Any:
    has_plan = data.plan is not None
    open_hold = has_plan and on_open_hold(data.steps, data.today)
    buttons = []
    for kind, label in (
        ("advance", _("Advance: next cut today")),
        ("hold", _("Hold")),
        ("resume", _("Resume")),
        ("back", _("Go back one step")),
        ("recipe", _("Change recipe")),
        ("create", _("New plan") if has_plan else _("Create a plan")),
        ("stop", _("Stop now…")),
    ):
        if kind != "create" and not has_plan:
            continue
        if kind == "stop" and not regimen_in_force(data.steps, data.today, data.view.admission):
            continue
        if kind == "resume" and not open_hold:
            continue
        buttons.append(
            dmc.Button(
                label,
                id={"type": f"{prefix}-action", "kind": kind},
                variant="filled"
                if kind in ("hold", "create") and not has_plan or kind == "hold"
                else "light",
                color="indigo",
                size="md",
            )
        )
    return dmc.Group(buttons, gap="sm", className="tw-plan-actions tw-no-print")


def panel(admission_id: int) -> Any:
    """The whole panel, read now (the rounds review and tests; the patient page sends
    ``placeholder`` first and fills it with ``panel_children``)."""
    children = panel_children(admission_id)
    if children is None:
        return dmc.Alert(_("No such admission."), color="red")
    return html.Section(children, className="tw-section-card tw-plan-panel", id="plan-panel")


# The space the panel takes while it is read (a plan's header, notes, the 440 px steps table, its
# buttons and a short version history: 931 px on the bench's ward), so little jumps when it
# arrives; the panel is below the chart, so the chart itself never moves.
PLACEHOLDER_HEIGHT = 900


def placeholder(admission_id: int) -> html.Section:
    """The panel's place on the patient page's first answer: the chart is read and drawn
    without waiting for the plan. Once the chart's data is drawn (or after a short wait, when
    it is not drawn: assets/plan_panel.js), ``pp-load`` is given the admission and asks for the
    panel (``_fill``): its answer and its drawing then never compete with plotly's for the
    browser's one thread. Its components (a steps table, the version history, the change
    dialog) are not on the page while plotly draws, and dash-renderer does not take the first
    answer's store updates to them."""
    return html.Section(
        [
            html.Div(_("Loading…"), className="tw-muted"),
            dcc.Store(id="pp-load", data=None),
        ],
        className="tw-section-card tw-plan-panel",
        id="plan-panel",
        style={"minHeight": f"{PLACEHOLDER_HEIGHT}px"},
        **attrs(data_plan_admission=str(admission_id)),
    )


def panel_children(admission_id: int) -> list[Any] | None:
    """What the panel's section holds, or None when there is no such admission."""
    actor = current_actor()
    now = utcnow()
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    if data is None:
        return None
    can_change = actor.role == "physician"
    admission = data.view.admission
    modal: Any = None
    if can_change and admission.discharged_at is None:
        modal = dmc.Modal(
            change_form(
                "pp",
                start=form_start(data, data.units),
                times=data.view.ward.admin_times,
                today=data.today,
            ),
            id="pp-modal",
            opened=False,
            size="xl",
            title=_("Change the taper plan"),
            closeOnClickOutside=False,
        )
    return [
        html.Div(panel_body(data, can_change=can_change), id="pp-body"),
        html.Div(id="pp-notice", role="status"),
        dcc.Store(id="pp-kind", data=None),
        dcc.Store(id="pp-admission", data=admission_id),
        modal,
    ]


@callback(
    output={"children": Output("plan-panel", "children"), "style": Output("plan-panel", "style")},
    inputs={"admission_id": Input("pp-load", "data")},
    prevent_initial_call=True,  # the placeholder's store starts empty: nothing to ask yet
)
def _fill(admission_id: Any) -> dict[str, Any]:
    """The panel, asked for by its placeholder once the first answer (the chart) is in."""
    if admission_id is None:
        raise PreventUpdate
    children = panel_children(record_id(admission_id))
    if children is None:
        return {"children": dmc.Alert(_("No such admission."), color="red"), "style": None}
    return {"children": children, "style": None}


form_callbacks("pp")


@callback(
    output={
        "opened": Output("pp-modal", "opened"),
        "title": Output("pp-modal", "title"),
        "kind": Output("pp-kind", "data"),
        "styles": [Output(f"pp-{part}-fields", "style") for part in ("new", "hold", "recipe")],
        "preview": Output("pp-preview", "children", allow_duplicate=True),
        "message": Output("pp-message", "children", allow_duplicate=True),
        "save_disabled": Output("pp-save-btn", "disabled", allow_duplicate=True),
        "reason": Output("pp-reason", "value"),
    },
    inputs={"clicks": Input({"type": "pp-action", "kind": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open(clicks: list[int | None]) -> dict[str, Any]:
    require_role("physician")
    if not any(clicks) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    kind = str(ctx.triggered_id["kind"])
    return {"opened": True, "title": change_label(kind), "kind": kind,
            "styles": field_styles(kind), "preview": None, "message": None,
            "save_disabled": True, "reason": ""}  # fmt: skip


# What Preview and Save both send: the change's kind, the admission and the form.
_CHANGE = {
    "kind": State("pp-kind", "data"),
    "admission_id": State("pp-admission", "data"),
    "form": form_states("pp"),
}


@callback(
    output=preview_outputs("pp"),
    inputs={"clicks": Input("pp-preview-btn", "n_clicks"), **_CHANGE},
    prevent_initial_call=True,
)
def _preview(
    clicks: int | None, kind: str | None, admission_id: int, form: dict[str, Any]
) -> dict[str, Any]:
    require_role("physician")
    if not clicks or not kind:
        return NOT_PREVIEWED
    admission_id = record_id(admission_id)
    return preview_answer(preview_for(admission_id, kind, form_values(kind, form), utcnow()))


@callback(
    output={
        "body": Output("pp-body", "children"),
        "opened": Output("pp-modal", "opened", allow_duplicate=True),
        "message": Output("pp-message", "children", allow_duplicate=True),
        "notice": Output("pp-notice", "children"),
        "refresh": Output("ov-refresh", "data", allow_duplicate=True),
    },
    inputs={"clicks": Input("pp-save-btn", "n_clicks"), **_CHANGE},
    prevent_initial_call=True,
)
def _save(
    clicks: int | None, kind: str | None, admission_id: int, form: dict[str, Any]
) -> dict[str, Any]:
    require_role("physician")
    if not clicks or not kind:
        raise PreventUpdate
    admission_id = record_id(admission_id)
    now = utcnow()
    result = save_for(admission_id, kind, form_values(kind, form), now)
    if isinstance(result, Refusal):
        return {"body": no_update, "opened": True, "message": refusal_message(result, saved=True),
                "notice": no_update, "refresh": no_update}  # fmt: skip
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    assert data is not None
    notice = dmc.Alert(
        _(
            "Saved: plan version {version} ({change}). The MAR from now on follows it.",
            version=result.version,
            change=change_label(result.change),
        ),
        color="green",
        variant="light",
        withCloseButton=True,
        id="plan-saved",
    )
    return {"body": panel_body(data, can_change=True), "opened": False, "message": None,
            "notice": notice, "refresh": {"plan_id": result.id, "at": now.isoformat()}}  # fmt: skip
