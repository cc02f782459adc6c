"""Acting on a review-queue flag: the acknowledge/resolve modal and its callbacks (a note is
optional to acknowledge, required to resolve), and the nav badge counting the flags nobody has
acknowledged yet, kept current on every page and at once after an action."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, hooks, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from dashboard.components.charting_common import level_chip
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.text_box import text_box
from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.flag_queries import flag_text, open_flag_count
from dashboard.i18n import N_, _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from dashboard.theme import FLAG_LEVEL
from models.db import read_session
from models.flags import FLAG_ROLES, acknowledge_flag, resolve_flag
from models.tables import Admission, Flag, Patient
from models.types import utcnow

REFRESH_MS = 30_000
BADGE_ID = "nav-queue-badge"
BADGE_INTERVAL_ID = "nav-queue-interval"

SEVERITY_LABEL = {
    "emergency": N_("Emergency"),
    "high": N_("High"),
    "moderate": N_("Moderate"),
    "low": N_("Low"),
}
ACTIONS = {"acknowledge": N_("Acknowledge"), "resolve": N_("Resolve")}
ACTION_TITLES = {"acknowledge": N_("Acknowledge flag"), "resolve": N_("Resolve flag")}


def severity_label(severity: str) -> str:
    label = SEVERITY_LABEL.get(severity)
    return _(label) if label is not None else severity


def _with_badge_interval(layout: Any) -> Any:
    """Every page gets the interval that keeps the nav badge current (the badge is in the
    shell, on every page)."""
    return html.Div([layout, dcc.Interval(id=BADGE_INTERVAL_ID, interval=REFRESH_MS)])


hooks.layout()(_with_badge_interval)  # once per process, at import, for the app's layout


def action_modal() -> dmc.Modal:
    return dmc.Modal(
        id="queue-modal",
        title="",
        opened=False,
        size="lg",
        children=dmc.Stack(
            [
                html.Div(id="queue-modal-what", className="tw-queue-modal-what"),
                text_box("queue-note", _("Note"), rows=3, **{"data-autofocus": True}),
                html.Div(id="queue-modal-message", className="tw-form-message", role="alert"),
                modal_buttons("queue-cancel", dmc.Button(_("Save"), id="queue-confirm", size="md")),
            ],
            gap="sm",
        ),
    )


def act_on_flag(
    db: Engine, *, action: str, flag_id: int, note: str | None, now: datetime
) -> Flag | Refusal:
    """Acknowledge or resolve as the signed-in user: the flag, or a Refusal to show."""
    actor = require_role(*FLAG_ROLES)
    operation = acknowledge_flag if action == "acknowledge" else resolve_flag
    return attempt(
        db,
        lambda session: operation(
            session=session, actor=actor, flag_id=flag_id, note=note, now=now
        ),
    )


def badge_text(db: Engine) -> str:
    with read_session(db) as session:
        ward = default_ward(session)
        assert ward.id is not None
        count = open_flag_count(session, ward.id)
    return str(count) if count else ""


@callback(
    output=Output(BADGE_ID, "children"),
    inputs={
        "tick": Input(BADGE_INTERVAL_ID, "n_intervals"),
        "pathname": Input("_pages_location", "pathname"),
    },
)
def _badge(tick: Any, pathname: Any) -> str:
    current_actor()
    return badge_text(engine())


@callback(
    output={
        "opened": Output("queue-modal", "opened"),
        "title": Output("queue-modal", "title"),
        "what": Output("queue-modal-what", "children"),
        "note_label": Output("queue-note", "label"),
        "note": Output("queue-note", "value"),
        "note_error": Output("queue-note", "error"),
        "message": Output("queue-modal-message", "children"),
        "confirm_label": Output("queue-confirm", "children"),
        "pending": Output("queue-pending", "data"),
    },
    inputs={"clicks": Input({"type": "queue-act", "flag": ALL, "action": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open(clicks: list[Any]) -> dict[str, Any]:
    # Drawing the queue fires the dialog's callbacks with no click, for an admin too (who reads
    # the queue and may not act): nothing to do, and no 403 to answer, which the page would
    # show as "This page is out of date" (assets/connection.js).
    trigger = ctx.triggered_id
    clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
    if not clicked or not isinstance(trigger, dict) or trigger.get("action") not in ACTIONS:
        raise PreventUpdate
    require_role(*FLAG_ROLES)
    action, flag_id = str(trigger["action"]), int(trigger["flag"])
    return {
        "opened": True,
        "title": _(ACTION_TITLES[action]),
        "what": _flag_summary(flag_id),
        "note_label": _("Note (optional)")
        if action == "acknowledge"
        else _("How was it dealt with?"),
        "note": "",
        "note_error": None,
        "message": "",
        "confirm_label": _(ACTIONS[action]),
        "pending": {"action": action, "flag": flag_id},
    }


@callback(
    output={
        "opened": Output("queue-modal", "opened", allow_duplicate=True),
        "note_error": Output("queue-note", "error", allow_duplicate=True),
        "message": Output("queue-modal-message", "children", allow_duplicate=True),
        "changed": Output("queue-changed", "data"),
        "badge": Output(BADGE_ID, "children", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("queue-confirm", "n_clicks"),
        "note": State("queue-note", "value"),
        "pending": State("queue-pending", "data"),
    },
    prevent_initial_call=True,
)
def _confirm(clicks: Any, note: Any, pending: Any) -> dict[str, Any]:
    if not clicks or not isinstance(pending, dict):  # drawn, not clicked: as _open
        raise PreventUpdate
    require_role(*FLAG_ROLES)
    action, flag_id = pending.get("action"), pending.get("flag")
    closed = {"opened": False, "note_error": None, "message": ""}
    if action not in ACTIONS or not isinstance(flag_id, int):
        return {**closed, "changed": no_update, "badge": no_update}
    now = utcnow()
    outcome = act_on_flag(
        engine(),
        action=str(action),
        flag_id=flag_id,
        note=note if isinstance(note, str) else None,
        now=now,
    )
    if isinstance(outcome, Refusal):
        at_field = outcome.fields.get("note")
        # A problem with the note is shown at the note; anything else under it.
        return {
            "opened": True,
            "note_error": at_field,
            "message": "" if at_field else outcome.message,
            "changed": now.isoformat() if outcome.conflict else no_update,
            "badge": no_update,
        }
    return {**closed, "changed": now.isoformat(), "badge": badge_text(engine())}


@callback(
    output=Output("queue-modal", "opened", allow_duplicate=True),
    inputs={"clicks": Input("queue-cancel", "n_clicks")},
    prevent_initial_call=True,
)
def _cancel(clicks: Any) -> bool:
    if not clicks:  # drawn, not clicked: as _open
        raise PreventUpdate
    require_role(*FLAG_ROLES)
    return False


def _flag_summary(flag_id: int) -> Any:
    with read_session(engine()) as session:
        row = session.exec(
            select(Flag, Admission, Patient)
            .join(Admission, col(Admission.id) == col(Flag.admission_id))
            .join(Patient, col(Patient.id) == col(Admission.patient_id))
            .where(col(Flag.id) == flag_id)
        ).first()
    if row is None:
        return _("This flag no longer exists; refresh the queue.")
    flag, admission, patient = row
    level = FLAG_LEVEL.get(flag.severity, 0)
    return [
        html.Div(
            f"{admission.bed} · {patient.family_name.upper()}, {patient.given_name}",
            className="tw-queue-modal-patient",
        ),
        html.Div(
            [
                level_chip(severity_label(flag.severity), level),
                " ",
                flag_text(flag),
            ],
        ),
    ]
