"""PRN orders on the MAR tab: a physician writes or changes an order (its drug, dose, interval,
24-h maxima and indication), each saved as a new audited version. Stopping one:
prn_orders_stop.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import mg_number, number_input_locale, typed_number
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.prn_reads import order_text, prn_order
from dashboard.components.text_box import text_box
from dashboard.context import engine, require_role
from dashboard.i18n import _, language
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.audit import Actor
from models.clinical.drugs import DRUGS, mg_to_ug
from models.errors import FieldError
from models.prn_orders import PrnOrderForm, change_prn_order, write_prn_order
from models.tables import PrnOrder
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


def _number(field: str, label: str, **kwargs: Any) -> dmc.NumberInput:
    locale = number_input_locale(language()) if kwargs.get("allowDecimal", True) else {}
    return dmc.NumberInput(id=f"prn-order-{field}", label=label, size="md", **locale, **kwargs)


def order_modal() -> dmc.Modal:
    drugs = [{"value": d, "label": drug_name(d).capitalize()} for d in DRUGS]
    scales = [{"value": s, "label": s} for s in ("CIWA-B", "CIWA-Ar")]
    return dmc.Modal(
        id="prn-order-modal",
        title=_("PRN order"),
        opened=False,
        size="xl",
        closeOnClickOutside=False,
        children=dmc.Stack(
            [
                dmc.Group(
                    [
                        dmc.Select(
                            id="prn-order-drug",
                            label=_("Drug"),
                            data=drugs,
                            value="lorazepam",
                            allowDeselect=False,
                            w=200,
                            size="md",
                        ),
                        dmc.TextInput(
                            id="prn-order-dose",
                            label=_("Dose each time (mg)"),
                            w=180,
                            size="md",
                        ),
                        _number(
                            "interval",
                            _("At least (hours apart)"),
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
                            _("At most (doses in 24 h)"),
                            value=2,
                            min=1,
                            w=210,
                            allowDecimal=False,
                        ),
                        dmc.TextInput(
                            id="prn-order-max-mg",
                            label=_("At most (mg in 24 h)"),
                            w=200,
                            size="md",
                        ),
                        _number(
                            "days",
                            _("Stops after (days)"),
                            min=1,
                            w=180,
                            allowDecimal=False,
                            description=_("Empty: until stopped"),
                        ),
                    ],
                    align="flex-start",
                ),
                dmc.TextInput(
                    id="prn-order-indication",
                    label=_("Indication"),
                    placeholder=_("e.g. withdrawal symptoms: anxiety, tremor, sweating"),
                    size="md",
                ),
                dmc.Group(
                    [
                        dmc.Select(
                            id="prn-order-scale",
                            label=_("Only when the score is at least"),
                            data=scales,
                            placeholder=_("no score needed"),
                            clearable=True,
                            w=260,
                            size="md",
                        ),
                        _number("threshold", _("Score"), min=0, w=120, allowDecimal=False),
                    ],
                    align="flex-start",
                ),
                text_box(
                    "prn-order-label-reason",
                    _("If the 24-h maximum is above the drug's label maximum: your reason"),
                    rows=1,
                ),
                text_box("prn-order-reason", _("Reason (kept with the order)")),
                html.Div(id="prn-order-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "prn-order-cancel",
                    dmc.Button(_("Save order"), id="prn-order-save", size="md", color="indigo"),
                ),
                dcc.Store(id="prn-order-pending"),
            ],
            gap="sm",
        ),
    )


def read_order_form(values: Mapping[str, Any]) -> PrnOrderForm:
    """The order modal's inputs as the domain's form (mg -> ug, hours -> minutes)."""
    interval = values.get("interval")
    if interval in (None, ""):
        raise FieldError("min_interval", _("enter the least time between doses, in hours"))
    threshold = values.get("threshold")
    days = values.get("days")
    scale = values.get("scale") or None
    code = language()
    dose = typed_number(values.get("dose"), code, field="dose_mg")
    max_mg = typed_number(values.get("max-mg"), code, field="max_mg_24h")
    return PrnOrderForm(
        drug=str(values.get("drug") or ""),
        dose_ug=mg_to_ug(dose or "", field="dose_mg"),
        min_interval_min=round(float(interval) * 60),
        max_doses_24h=int(values.get("max-doses") or 0),
        max_ug_24h=mg_to_ug(max_mg or "", field="max_mg_24h"),
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


def _order_values(order: PrnOrder | None) -> dict[str, Any]:
    """The order modal's values by field: an order's, or a new order's."""
    return dict(zip(ORDER_FIELDS, _order_value_list(order), strict=True))


def _order_value_list(order: PrnOrder | None) -> list[Any]:
    """The order modal's values, in ORDER_FIELDS order."""
    if order is None:
        return ["lorazepam", "", 4, 2, "", "", None, None, None, "", ""]
    code = language()
    return [
        order.drug,
        mg_number(order.dose_ug, code),
        order.min_interval_min / 60,
        order.max_doses_24h,
        mg_number(order.max_ug_24h, code),
        order.indication,
        order.scale,
        order.threshold,
        None,
        order.above_label_reason or "",
        "",
    ]


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
    order = prn_order(int(trigger["order"])) if isinstance(trigger, dict) else None
    return {
        "opened": True,
        "title": _("Change a PRN order") if order else _("Write a PRN order"),
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
            "message": _("Not saved: see the fields marked in red.") if shown else outcome.message,
            "errors": {name: by_input.get(name) for name in ORDER_FIELDS},
            "alert": no_update,
            "changed": no_update,
        }
    return {
        "opened": False,
        "message": "",
        "errors": dict.fromkeys(ORDER_FIELDS),
        "alert": _(
            "Saved: PRN order {order} (version {version}).",
            order=order_text(outcome),
            version=outcome.version,
        ),
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
