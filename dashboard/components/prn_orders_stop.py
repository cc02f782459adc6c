"""Stopping a PRN order on the MAR tab: the physician gives a reason, and the order is stopped
as a new audited version (models.prn_orders.stop_prn_order)."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.prn_reads import order_text, prn_order
from dashboard.components.text_box import text_box
from dashboard.context import engine, require_role
from dashboard.i18n import _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.prn_orders import stop_prn_order
from models.types import utcnow


def stop_modal() -> dmc.Modal:
    return dmc.Modal(
        id="prn-stop-modal",
        title=_("Stop this PRN order"),
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id="prn-stop-what", className="tw-banner-value"),
                text_box("prn-stop-reason", _("Reason")),
                html.Div(id="prn-stop-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "prn-stop-cancel",
                    dmc.Button(_("Stop order"), id="prn-stop-save", size="md", color="red"),
                ),
                dcc.Store(id="prn-stop-pending"),
            ],
            gap="sm",
        ),
    )


@callback(
    output={
        "opened": Output("prn-stop-modal", "opened"),
        "what": Output("prn-stop-what", "children"),
        "pending": Output("prn-stop-pending", "data"),
        "reason": Output("prn-stop-reason", "value"),
        "message": Output("prn-stop-message", "children"),
    },
    inputs={"clicks": Input({"type": "prn-stop", "order": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def prn_stop_open(clicks: list[int | None]) -> dict[str, Any]:
    require_role("physician")
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    order = prn_order(int(ctx.triggered_id["order"]))
    if order is None:
        raise PreventUpdate
    return {"opened": True, "what": order_text(order), "pending": {"order": order.id},
            "reason": "", "message": ""}  # fmt: skip


@callback(
    output={
        "opened": Output("prn-stop-modal", "opened", allow_duplicate=True),
        "message": Output("prn-stop-message", "children", allow_duplicate=True),
        "alert": Output("prn-alert", "children", allow_duplicate=True),
        "changed": Output("patient-changed", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("prn-stop-save", "n_clicks"),
        "pending": State("prn-stop-pending", "data"),
        "reason": State("prn-stop-reason", "value"),
    },
    prevent_initial_call=True,
)
def prn_stop_save(
    clicks: int | None, pending: dict[str, Any] | None, reason: str | None
) -> dict[str, Any]:
    actor = require_role("physician")
    if not pending:
        raise PreventUpdate
    now = utcnow()
    outcome = attempt(
        engine(),
        lambda session: stop_prn_order(
            session=session,
            actor=actor,
            order_id=int(pending["order"]),
            reason=reason or "",
            now=now,
        ),
    )
    if isinstance(outcome, Refusal):
        return {"opened": True, "message": outcome.message, "alert": no_update,
                "changed": no_update}  # fmt: skip
    stopped = _("Stopped: PRN order {order}.", order=order_text(outcome))
    return {"opened": False, "message": "", "alert": stopped,
            "changed": now.isoformat()}  # fmt: skip


@callback(
    output=Output("prn-stop-modal", "opened", allow_duplicate=True),
    inputs={"clicks": Input("prn-stop-cancel", "n_clicks")},
    prevent_initial_call=True,
)
def prn_stop_cancel(clicks: int | None) -> bool:
    require_role("physician")
    return False
