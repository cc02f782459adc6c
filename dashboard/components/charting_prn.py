"""PRN (as-needed) orders on the MAR tab: the admission's orders in force with what was given in
the last 24 hours and when the next dose may be; a nurse gives a dose against an order (its dose,
interval and 24-h maxima are checked on the server, and a refusal names the next allowed time at
the time field); a physician writes, changes and stops orders. Doses given are listed below.
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

from dashboard.components.charting_common import attrs, format_local, parse_clock
from dashboard.context import default_ward, engine, require_role
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.audit import Actor
from models.charting import CHARTING_ROLES, chart_prn
from models.clinical import prn
from models.clinical.drugs import DRUGS, format_mg, mg_to_ug
from models.db import read_session
from models.errors import FieldError
from models.prn_orders import (
    PrnOrderForm,
    change_prn_order,
    check_dose,
    current_orders,
    limits,
    stop_prn_order,
    write_prn_order,
)
from models.tables import DoseAdministration, PrnOrder
from models.types import utcnow

ORDER_FIELDS = (
    "drug",
    "dose",
    "interval",
    "max-doses",
    "max-mg",
    "indication",
    "scale",
    "threshold",
    "days",
    "label-reason",
    "reason",
)
# The domain's field names -> this form's inputs.
FIELD_INPUTS = {
    "drug": "drug",
    "dose_mg": "dose",
    "min_interval": "interval",
    "max_doses_24h": "max-doses",
    "max_mg_24h": "max-mg",
    "indication": "indication",
    "scale": "scale",
    "threshold": "threshold",
    "days": "days",
    "above_label_reason": "label-reason",
    "reason": "reason",
}


# --- reading ---------------------------------------------------------------------------------


def order_rows(
    session: Session, admission_id: int, now: datetime
) -> list[tuple[PrnOrder, prn.PrnCheck]]:
    """The orders in force now, each with whether a dose may be given now."""
    return [(o, check_dose(session, o, now)) for o in current_orders(session, admission_id, now)]


def order_text(order: PrnOrder) -> str:
    trigger = f"; when {order.scale} ≥ {order.threshold}" if order.scale else ""
    return f"{order.drug} {format_mg(order.dose_ug)} mg for {order.indication}{trigger}"


def limits_text(order: PrnOrder, tz: ZoneInfo, now: datetime) -> str:
    until = f"; until {format_local(order.stop_at, tz, now)}" if order.stop_at else ""
    return (
        f"at least {order.min_interval_min / 60:g} h apart; at most {order.max_doses_24h} "
        f"doses and {format_mg(order.max_ug_24h)} mg in 24 h{until}"
    )


# --- layout ----------------------------------------------------------------------------------


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
            "No PRN order in force. A physician writes one; a PRN dose is given only against "
            "an order.",
            className="tw-empty",
            id="prn-no-orders",
        )
    body = []
    for order, check in rows:
        actions: list[Any] = []
        if can_chart:
            actions.append(
                dmc.Button(
                    "Give…",
                    id={"type": "prn-give", "order": order.id},
                    size="sm",
                    color="indigo",
                    variant="filled" if check.allowed else "default",
                )
            )
        if can_order:
            actions += [
                dmc.Button(
                    "Change…",
                    id={"type": "prn-change", "order": order.id},
                    size="sm",
                    variant="subtle",
                ),
                dmc.Button(
                    "Stop…",
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
                    f"Above the label maximum, confirmed: {order.above_label_reason}",
                    className="tw-mar-detail",
                )
            )
        body.append(
            html.Tr(
                [
                    html.Td(label),
                    html.Td(limits_text(order, tz, now), className="tw-mar-detail"),
                    html.Td(
                        prn.availability(limits(order), check, tz, now),
                        className="tw-prn-ok" if check.allowed else "tw-prn-wait",
                    ),
                    html.Td(html.Div(actions, className="tw-mar-actions")),
                ],
                **attrs(data_order=str(order.id), data_allowed=str(check.allowed).lower()),
            )
        )
    head = html.Tr([html.Th(h) for h in ("Order", "Limits", "Last 24 hours", "")])
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
        return html.Div("No PRN doses in this period.", className="tw-empty")
    rows = []
    for dose in doses:
        action: Any = ""
        if dose.entered_in_error:
            action = html.Span(f"In error: {dose.error_reason}", className="tw-mar-error-note")
        elif can_chart:
            action = dmc.Button(
                "Correct…",
                size="sm",
                variant="subtle",
                id={"type": "in-error-open", "entity": "dose", "id": dose.id},
            )
        rows.append(
            html.Tr(
                [
                    html.Td(format_local(dose.administered_at, tz, now), className="tw-mar-when"),
                    html.Td(f"{dose.drug} {format_mg(dose.dose_ug)} mg"),
                    html.Td(dose.reason_text or ""),
                    html.Td(names.get(dose.charted_by, ""), className="tw-who"),
                    html.Td(action, className="tw-keep"),
                ],
                className="tw-in-error" if dose.entered_in_error else "",
            )
        )
    head = html.Tr([html.Th(h) for h in ("Given", "Dose", "Reason", "Charted by", "")])
    return html.Table([html.Thead(head), html.Tbody(rows)], className="tw-table")


def prn_section(*, orders: Any, doses: Any, can_chart: bool, can_order: bool) -> html.Div:
    """The MAR tab's PRN part; the tables are filled by the page's refresh."""
    title: list[Any] = [html.Div("PRN (as-needed) orders", className="tw-section-title")]
    if can_order:
        title.append(
            dmc.Button("Write a PRN order…", id="prn-write-open", size="sm", variant="light")
        )
    return html.Div(
        [
            html.Div(title, className="tw-prn-head"),
            html.Div(id="prn-alert", className="tw-alert", role="status"),
            html.Div(orders, id="prn-orders"),
            html.Div(
                "PRN doses (last 24 hours and today)",
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
        title="Give a PRN dose",
        opened=False,
        size="lg",
        children=html.Div(
            dmc.Stack(
                [
                    html.Div(id="prn-modal-what", className="tw-banner-value"),
                    html.Div(id="prn-modal-limits", className="tw-mar-detail"),
                    dmc.TextInput(
                        id="prn-reason",
                        label="Reason",
                        placeholder="e.g. anxious and tremulous, CIWA-B 24",
                        size="md",
                        autoComplete="off",
                        **{"data-autofocus": True},
                    ),
                    dmc.TextInput(
                        id="prn-time",
                        label="Time given",
                        placeholder="now",
                        description="Blank means now; type e.g. 08:05 for an earlier time",
                        inputWrapperOrder=["label", "input", "description", "error"],
                        size="md",
                        w=300,
                        autoComplete="off",
                    ),
                    html.Div(id="prn-message", className="tw-form-message", role="alert"),
                    dmc.Group(
                        [
                            dmc.Button("Cancel", id="prn-cancel", variant="default", size="md"),
                            dmc.Button(
                                "Chart PRN dose",
                                id="prn-save",
                                size="md",
                                **attrs(data_save_button="true"),
                            ),
                        ],
                        justify="flex-end",
                    ),
                    dcc.Store(id="prn-pending"),
                ],
                gap="sm",
            ),
            **attrs(data_enter_saves="true"),
        ),
    )


def _number(field: str, label: str, **kwargs: Any) -> dmc.NumberInput:
    return dmc.NumberInput(id=f"prn-order-{field}", label=label, size="md", **kwargs)


def order_modal() -> dmc.Modal:
    drugs = [{"value": d, "label": d.capitalize()} for d in DRUGS]
    scales = [{"value": s, "label": s} for s in ("CIWA-B", "CIWA-Ar")]
    return dmc.Modal(
        id="prn-order-modal",
        title="PRN order",
        opened=False,
        size="xl",
        closeOnClickOutside=False,
        children=dmc.Stack(
            [
                dmc.Group(
                    [
                        dmc.Select(
                            id="prn-order-drug",
                            label="Drug",
                            data=drugs,
                            value="lorazepam",
                            allowDeselect=False,
                            w=200,
                            size="md",
                        ),
                        dmc.TextInput(
                            id="prn-order-dose", label="Dose each time (mg)", w=180, size="md"
                        ),
                        _number(
                            "interval",
                            "At least (hours apart)",
                            value=4,
                            min=0.25,
                            w=200,
                            step=0.5,
                            decimalScale=2,
                        ),
                    ],
                    align="flex-start",
                ),
                dmc.Group(
                    [
                        _number(
                            "max-doses",
                            "At most (doses in 24 h)",
                            value=2,
                            min=1,
                            w=210,
                            allowDecimal=False,
                        ),
                        dmc.TextInput(
                            id="prn-order-max-mg", label="At most (mg in 24 h)", w=200, size="md"
                        ),
                        _number(
                            "days",
                            "Stops after (days)",
                            min=1,
                            w=180,
                            allowDecimal=False,
                            description="Empty: until stopped",
                        ),
                    ],
                    align="flex-start",
                ),
                dmc.TextInput(
                    id="prn-order-indication",
                    label="Indication",
                    placeholder="e.g. withdrawal symptoms: anxiety, tremor, sweating",
                    size="md",
                ),
                dmc.Group(
                    [
                        dmc.Select(
                            id="prn-order-scale",
                            label="Only when the score is at least",
                            data=scales,
                            placeholder="no score needed",
                            clearable=True,
                            w=260,
                            size="md",
                        ),
                        _number("threshold", "Score", min=0, w=120, allowDecimal=False),
                    ],
                    align="flex-start",
                ),
                dmc.Textarea(
                    id="prn-order-label-reason",
                    label="If the 24-h maximum is above the drug's label maximum: your reason",
                    autosize=True,
                    minRows=1,
                    size="md",
                ),
                dmc.Textarea(
                    id="prn-order-reason",
                    label="Reason (kept with the order)",
                    autosize=True,
                    minRows=2,
                    size="md",
                ),
                html.Div(id="prn-order-message", className="tw-form-message", role="alert"),
                dmc.Group(
                    [
                        dmc.Button("Cancel", id="prn-order-cancel", variant="default", size="md"),
                        dmc.Button("Save order", id="prn-order-save", size="md", color="indigo"),
                    ],
                    justify="flex-end",
                ),
                dcc.Store(id="prn-order-pending"),
            ],
            gap="sm",
        ),
    )


def stop_modal() -> dmc.Modal:
    return dmc.Modal(
        id="prn-stop-modal",
        title="Stop this PRN order",
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id="prn-stop-what", className="tw-banner-value"),
                dmc.Textarea(
                    id="prn-stop-reason", label="Reason", autosize=True, minRows=2, size="md"
                ),
                html.Div(id="prn-stop-message", className="tw-form-message", role="alert"),
                dmc.Group(
                    [
                        dmc.Button("Cancel", id="prn-stop-cancel", variant="default", size="md"),
                        dmc.Button("Stop order", id="prn-stop-save", size="md", color="red"),
                    ],
                    justify="flex-end",
                ),
                dcc.Store(id="prn-stop-pending"),
            ],
            gap="sm",
        ),
    )


# --- writing ---------------------------------------------------------------------------------


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
        ward = default_ward(session)
        at = parse_clock(time_text, now=now, tz=ZoneInfo(ward.timezone), field_name="at")
        return chart_prn(
            session=session,
            actor=actor,
            admission_id=admission_id,
            prn_order_id=order_id,
            at=at,
            now=now,
            reason_text=reason_text or "",
        )

    return attempt(engine(), write)


def read_order_form(values: Mapping[str, Any]) -> PrnOrderForm:
    """The order modal's inputs as the domain's form (mg -> ug, hours -> minutes)."""
    interval = values.get("interval")
    if interval in (None, ""):
        raise FieldError("min_interval", "enter the least time between doses, in hours")
    threshold = values.get("threshold")
    days = values.get("days")
    scale = values.get("scale") or None
    return PrnOrderForm(
        drug=str(values.get("drug") or ""),
        dose_ug=mg_to_ug(values.get("dose") or "", field="dose_mg"),
        min_interval_min=round(float(interval) * 60),
        max_doses_24h=int(values.get("max-doses") or 0),
        max_ug_24h=mg_to_ug(values.get("max-mg") or "", field="max_mg_24h"),
        indication=str(values.get("indication") or ""),
        scale=scale,
        threshold=None if threshold in (None, "") or scale is None else int(threshold),
        days=None if days in (None, "") else int(days),
        above_label_reason=str(values.get("label-reason") or "") or None,
    )


def save_order(
    *, actor: Actor, admission_id: int, pending: Mapping[str, Any], values: Mapping[str, Any]
) -> PrnOrder | Refusal:
    now = utcnow()

    def write(session: Session) -> PrnOrder:
        form = read_order_form(values)
        reason = str(values.get("reason") or "")
        if pending.get("order"):
            return change_prn_order(
                session=session,
                actor=actor,
                order_id=int(pending["order"]),
                form=form,
                reason=reason,
                now=now,
            )
        return write_prn_order(
            session=session,
            actor=actor,
            admission_id=admission_id,
            form=form,
            reason=reason,
            now=now,
        )

    return attempt(engine(), write)


def _order(order_id: int) -> PrnOrder | None:
    with read_session(engine()) as session:
        return session.get(PrnOrder, order_id)


def _tz() -> ZoneInfo:
    with read_session(engine()) as session:
        return ZoneInfo(default_ward(session).timezone)


def _order_values(order: PrnOrder | None) -> dict[str, Any]:
    """The order modal's values by field: an order's, or a new order's."""
    return dict(zip(ORDER_FIELDS, _order_value_list(order), strict=True))


def _order_value_list(order: PrnOrder | None) -> list[Any]:
    """The order modal's values, in ORDER_FIELDS order."""
    if order is None:
        return ["lorazepam", "", 4, 2, "", "", None, None, None, "", ""]
    return [
        order.drug,
        format_mg(order.dose_ug),
        order.min_interval_min / 60,
        order.max_doses_24h,
        format_mg(order.max_ug_24h),
        order.indication,
        order.scale,
        order.threshold,
        None,
        order.above_label_reason or "",
        "",
    ]


# --- callbacks --------------------------------------------------------------------------------


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
    order = _order(int(ctx.triggered_id["order"]))
    if order is None:
        raise PreventUpdate
    now = utcnow()
    tz = _tz()
    with read_session(engine()) as session:
        check = check_dose(session, order, now)
    status = f"{limits_text(order, tz, now)}. {prn.availability(limits(order), check, tz, now)}."
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
        at_field = bool(f) and set(f) <= {"at", "reason_text"}
        message = "Not saved: see the field marked in red." if at_field else outcome.message
        return {"opened": True, "message": message, "reason_error": f.get("reason_text"),
                "time_error": f.get("at"), "alert": no_update, "changed": no_update}  # fmt: skip
    saved = (
        f"Saved: PRN {outcome.drug} {format_mg(outcome.dose_ug)} mg at "
        f"{format_local(outcome.administered_at, _tz(), now)}."
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


@callback(
    output={
        "opened": Output("prn-order-modal", "opened"),
        "title": Output("prn-order-modal", "title"),
        "pending": Output("prn-order-pending", "data"),
        "message": Output("prn-order-message", "children"),
        "values": {name: Output(f"prn-order-{name}", "value") for name in ORDER_FIELDS},
        "errors": {name: Output(f"prn-order-{name}", "error") for name in ORDER_FIELDS},
        "drug_fixed": Output("prn-order-drug", "disabled"),
    },
    inputs={
        "write": Input("prn-write-open", "n_clicks"),
        "change": Input({"type": "prn-change", "order": ALL}, "n_clicks"),
    },
    prevent_initial_call=True,
)
def prn_order_open(write: int | None, change: list[int | None]) -> dict[str, Any]:
    require_role("physician")
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    trigger = ctx.triggered_id
    order = _order(int(trigger["order"])) if isinstance(trigger, dict) else None
    return {
        "opened": True,
        "title": "Change a PRN order" if order else "Write a PRN order",
        "pending": {"order": order.id if order else None},
        "message": "",
        "values": _order_values(order),
        "errors": dict.fromkeys(ORDER_FIELDS),
        "drug_fixed": order is not None,
    }


@callback(
    output={
        "opened": Output("prn-order-modal", "opened", allow_duplicate=True),
        "message": Output("prn-order-message", "children", allow_duplicate=True),
        "errors": {
            name: Output(f"prn-order-{name}", "error", allow_duplicate=True)
            for name in ORDER_FIELDS
        },
        "alert": Output("prn-alert", "children", allow_duplicate=True),
        "changed": Output("patient-changed", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("prn-order-save", "n_clicks"),
        "pending": State("prn-order-pending", "data"),
        "values": {name: State(f"prn-order-{name}", "value") for name in ORDER_FIELDS},
        "admission_id": State("patient-admission", "data"),
    },
    prevent_initial_call=True,
)
def prn_order_save(
    clicks: int | None, pending: dict[str, Any] | None, values: dict[str, Any], admission_id: Any
) -> dict[str, Any]:
    actor = require_role("physician")
    admission_id = int(admission_id)
    if pending is None:
        raise PreventUpdate
    outcome = save_order(actor=actor, admission_id=admission_id, pending=pending, values=values)
    if isinstance(outcome, Refusal):
        by_input = {FIELD_INPUTS.get(k, k): v for k, v in outcome.fields.items()}
        shown = set(by_input) <= set(ORDER_FIELDS) and by_input
        return {
            "opened": True,
            "message": "Not saved: see the fields marked in red." if shown else outcome.message,
            "errors": {name: by_input.get(name) for name in ORDER_FIELDS},
            "alert": no_update,
            "changed": no_update,
        }
    return {
        "opened": False,
        "message": "",
        "errors": dict.fromkeys(ORDER_FIELDS),
        "alert": f"Saved: PRN order {order_text(outcome)} (version {outcome.version}).",
        "changed": utcnow().isoformat(),
    }


@callback(
    output=Output("prn-order-modal", "opened", allow_duplicate=True),
    inputs={"clicks": Input("prn-order-cancel", "n_clicks")},
    prevent_initial_call=True,
)
def prn_order_cancel(clicks: int | None) -> bool:
    require_role("physician")
    return False


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
    order = _order(int(ctx.triggered_id["order"]))
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
    return {"opened": False, "message": "", "alert": f"Stopped: PRN order {order_text(outcome)}.",
            "changed": now.isoformat()}  # fmt: skip


@callback(
    output=Output("prn-stop-modal", "opened", allow_duplicate=True),
    inputs={"clicks": Input("prn-stop-cancel", "n_clicks")},
    prevent_initial_call=True,
)
def prn_stop_cancel(clicks: int | None) -> bool:
    require_role("physician")
    return False
