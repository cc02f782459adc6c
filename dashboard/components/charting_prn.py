"""PRN (as-needed) doses on the MAR tab: the admission's orders in force with what was given in
the last 24 hours and when the next dose may be; a nurse gives a dose against an order (its dose,
interval and 24-h maxima are checked on the server, and a refusal names the next allowed time at
the time field). Doses given are listed below. A physician's orders: prn_orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import attrs, format_local, mg, ward_clock
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.prn_orders import order_modal
from dashboard.components.prn_orders_stop import stop_modal
from dashboard.components.prn_reads import (
    availability,
    limits_text,
    order_text,
    prn_order,
    ward_tz,
)
from dashboard.context import engine, require_role
from dashboard.i18n import _, language, request_translator
from dashboard.refusals import Refusal, attempt, form_message
from dashboard.registry import callback
from models.audit import Actor
from models.charting import CHARTING_ROLES, chart_prn
from models.clinical import prn
from models.db import read_session
from models.prn_orders import (
    check_dose,
    limits,
)
from models.schemas import PrnAdministrationCreate
from models.tables import DoseAdministration, PrnOrder
from models.types import utcnow


def orders_table(
    rows: list[tuple[PrnOrder, prn.PrnCheck]],
    *,
    tz: ZoneInfo,
    now: datetime,
    can_chart: bool,
    can_order: bool,
) -> html.Div:
    if not rows:
        return html.Div(
            _(
                "No PRN order in force. A physician writes one; a PRN dose is given only "
                "against an order."
            ),
            className="tw-empty",
            id="prn-no-orders",
        )
    body = []
    for order, check in rows:
        actions: list[Any] = []
        if can_chart:
            actions.append(
                dmc.Button(
                    _("Give…"),
                    id={"type": "prn-give", "order": order.id},
                    size="sm",
                    color="indigo",
                    variant="filled" if check.allowed else "default",
                )
            )
        if can_order:
            actions += [
                dmc.Button(
                    _("Change…"),
                    id={"type": "prn-change", "order": order.id},
                    size="sm",
                    variant="subtle",
                ),
                dmc.Button(
                    _("Stop…"),
                    id={"type": "prn-stop", "order": order.id},
                    size="sm",
                    variant="subtle",
                    color="red",
                ),
            ]
        label = [html.Div(order_text(order), className="tw-prn-what")]
        if order.above_label_reason:
            label.append(
                html.Div(
                    _(
                        "Above the label maximum, confirmed: {reason}",
                        reason=order.above_label_reason,
                    ),
                    className="tw-mar-detail",
                )
            )
        body.append(
            html.Tr(
                [
                    html.Td(label),
                    html.Td(limits_text(order, tz, now), className="tw-mar-detail"),
                    html.Td(
                        availability(limits(order), check, tz, now),
                        className="tw-prn-ok" if check.allowed else "tw-prn-wait",
                    ),
                    html.Td(html.Div(actions, className="tw-mar-actions")),
                ],
                **attrs(data_order=str(order.id), data_allowed=str(check.allowed).lower()),
            )
        )
    head = html.Tr([html.Th(h) for h in (_("Order"), _("Limits"), _("Last 24 hours"), "")])
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(body)], className="tw-table tw-prn-orders"),
        className="tw-table-scroll",
    )


def doses_table(
    doses: list[DoseAdministration],
    names: Mapping[int, str],
    *,
    tz: ZoneInfo,
    now: datetime,
    can_chart: bool,
) -> html.Div | html.Table:
    if not doses:
        return html.Div(_("No PRN doses in this period."), className="tw-empty")
    rows = []
    for dose in doses:
        action: Any = ""
        if dose.entered_in_error:
            action = html.Span(
                _("In error: {reason}", reason=dose.error_reason), className="tw-mar-error-note"
            )
        elif can_chart:
            action = dmc.Button(
                _("Mark in error…"),
                size="sm",
                variant="subtle",
                id={"type": "in-error-open", "entity": "dose", "id": dose.id},
            )
        rows.append(
            html.Tr(
                [
                    html.Td(
                        format_local(dose.administered_at, tz, now, t=request_translator()),
                        className="tw-mar-when",
                    ),
                    html.Td(f"{drug_name(dose.drug)} {mg(dose.dose_ug, language())}"),
                    html.Td(dose.reason_text or ""),
                    html.Td(names.get(dose.charted_by, ""), className="tw-who"),
                    html.Td(action, className="tw-keep"),
                ],
                className="tw-in-error" if dose.entered_in_error else "",
            )
        )
    head = html.Tr([html.Th(h) for h in (_("Given"), _("Dose"), _("Reason"), _("Charted by"), "")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="tw-table")


def prn_section(*, orders: Any, doses: Any, can_chart: bool, can_order: bool) -> html.Div:
    """The MAR tab's PRN part; the tables are filled by the page's refresh."""
    title: list[Any] = [html.Div(_("PRN (as-needed) orders"), className="tw-section-title")]
    if can_order:
        title.append(
            dmc.Button(_("Write a PRN order…"), id="prn-write-open", size="sm", variant="light")
        )
    return html.Div(
        [
            html.Div(title, className="tw-prn-head"),
            html.Div(id="prn-alert", className="tw-alert", role="status"),
            html.Div(orders, id="prn-orders"),
            html.Div(
                _("PRN doses (last 24 hours and today)"),
                className="tw-section-title",
                style={"marginTop": "14px"},
            ),
            html.Div(doses, id="prn-table"),
            give_modal() if can_chart else html.Div(),
            order_modal() if can_order else html.Div(),
            stop_modal() if can_order else html.Div(),
        ],
        className="tw-card",
        style={"marginTop": "18px"},
    )


def give_modal() -> dmc.Modal:
    return dmc.Modal(
        id="prn-modal",
        title=_("Give a PRN dose"),
        opened=False,
        size="lg",
        children=html.Div(
            dmc.Stack(
                [
                    html.Div(id="prn-modal-what", className="tw-banner-value"),
                    html.Div(id="prn-modal-limits", className="tw-mar-detail"),
                    dmc.TextInput(
                        id="prn-reason",
                        label=_("Reason"),
                        placeholder=_("e.g. anxious and tremulous, CIWA-B 24"),
                        size="md",
                        autoComplete="off",
                        **{"data-autofocus": True},
                    ),
                    dmc.TextInput(
                        id="prn-time",
                        label=_("Time given"),
                        placeholder=_("now"),
                        description=_("Blank means now; type e.g. 08:05 for an earlier time"),
                        inputWrapperOrder=["label", "input", "description", "error"],
                        size="md",
                        w=300,
                        autoComplete="off",
                    ),
                    html.Div(id="prn-message", className="tw-form-message", role="alert"),
                    modal_buttons(
                        "prn-cancel",
                        dmc.Button(
                            _("Chart PRN dose"),
                            id="prn-save",
                            size="md",
                            **attrs(data_save_button="true"),
                        ),
                    ),
                    dcc.Store(id="prn-pending"),
                ],
                gap="sm",
            ),
            **attrs(data_enter_saves="true"),
        ),
    )


def give_dose(
    *,
    actor: Actor,
    admission_id: int,
    order_id: int,
    reason_text: str | None,
    time_text: str | None,
    now: datetime,
) -> DoseAdministration | Refusal:
    def write(session: Session) -> DoseAdministration:
        at = ward_clock(session, time_text, now=now, field_name="at")
        return chart_prn(
            session=session,
            actor=actor,
            now=now,
            data=PrnAdministrationCreate(
                admission_id=admission_id,
                prn_order_id=order_id,
                administered_at=at,
                reason_text=reason_text or "",
            ),
        )

    return attempt(engine(), write)


@callback(
    output={
        "opened": Output("prn-modal", "opened"),
        "what": Output("prn-modal-what", "children"),
        "limits": Output("prn-modal-limits", "children"),
        "pending": Output("prn-pending", "data"),
        "reason": Output("prn-reason", "value"),
        "reason_error": Output("prn-reason", "error"),
        "time": Output("prn-time", "value"),
        "time_error": Output("prn-time", "error"),
        "message": Output("prn-message", "children"),
    },
    inputs={"clicks": Input({"type": "prn-give", "order": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def prn_open(clicks: list[int | None]) -> dict[str, Any]:
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    require_role(*CHARTING_ROLES)
    order = prn_order(int(ctx.triggered_id["order"]))
    if order is None:
        raise PreventUpdate
    now = utcnow()
    tz = ward_tz()
    with read_session(engine()) as session:
        check = check_dose(session, order, now)
    status = f"{limits_text(order, tz, now)}. {availability(limits(order), check, tz, now)}."
    return {"opened": True, "what": order_text(order), "limits": status,
            "pending": {"order": order.id}, "reason": "", "reason_error": None, "time": "",
            "time_error": None, "message": ""}  # fmt: skip


@callback(
    output={
        "opened": Output("prn-modal", "opened", allow_duplicate=True),
        "message": Output("prn-message", "children", allow_duplicate=True),
        "reason_error": Output("prn-reason", "error", allow_duplicate=True),
        "time_error": Output("prn-time", "error", allow_duplicate=True),
        "alert": Output("prn-alert", "children"),
        "changed": Output("patient-changed", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("prn-save", "n_clicks"),
        "pending": State("prn-pending", "data"),
        "reason": State("prn-reason", "value"),
        "time_text": State("prn-time", "value"),
        "admission_id": State("patient-admission", "data"),
    },
    prevent_initial_call=True,
)
def prn_save(
    clicks: int | None,
    pending: dict[str, Any] | None,
    reason: str | None,
    time_text: str | None,
    admission_id: int,
) -> dict[str, Any]:
    actor = require_role(*CHARTING_ROLES)
    if not pending:
        raise PreventUpdate
    now = utcnow()
    outcome = give_dose(
        actor=actor,
        admission_id=admission_id,
        order_id=int(pending["order"]),
        reason_text=reason,
        time_text=time_text,
        now=now,
    )
    if isinstance(outcome, Refusal):
        f = outcome.fields
        message = form_message(outcome, {"at", "reason_text"})
        return {"opened": True, "message": message, "reason_error": f.get("reason_text"),
                "time_error": f.get("at"), "alert": no_update, "changed": no_update}  # fmt: skip
    saved = _(
        "Saved: PRN {dose} at {when}.",
        dose=f"{drug_name(outcome.drug)} {mg(outcome.dose_ug, language())}",
        when=format_local(outcome.administered_at, ward_tz(), now, t=request_translator()),
    )
    return {"opened": False, "message": "", "reason_error": None, "time_error": None,
            "alert": saved, "changed": now.isoformat()}  # fmt: skip


@callback(
    output=Output("prn-modal", "opened", allow_duplicate=True),
    inputs={"clicks": Input("prn-cancel", "n_clicks")},
    prevent_initial_call=True,
)
def prn_cancel(clicks: int | None) -> bool:
    require_role(*CHARTING_ROLES)
    return False
