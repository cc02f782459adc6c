"""The admin page's tablet lists: the strengths the ward's pharmacy supplies of each drug and
which may be halved (models.ward_tablets). The discharge calendar and summary make every dose
from them."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.components.citations import cited
from dashboard.context import default_ward, engine, require_role
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.clinical.drugs import DRUGS
from models.clinical.tablets import DEFAULT_TABLETS, Tablet
from models.db import read_session
from models.types import utcnow
from models.ward_tablets import tablets_text, update_ward_tablets, ward_tablets


def tablets_section(db: Engine) -> html.Section:
    with read_session(db) as session:
        ward = default_ward(session)
        assert ward.id is not None
        tablets = ward_tablets(session, ward.id)
    inputs = [
        dmc.TextInput(
            id={"type": "ward-tablets", "drug": drug},
            label=drug.capitalize(),
            description=f"Default {tablets_text(DEFAULT_TABLETS[drug])}",
            value=tablets_text(tablets[drug]),
            rightSection=html.Span("mg", className="tw-admin-unit"),
            size="md",
            w=300,
        )
        for drug in DRUGS
    ]
    return html.Section(
        [
            html.H3(f"Tablets supplied — {ward.name}", className="tw-section-title"),
            html.P(
                cited(
                    "The strengths the pharmacy supplies, in mg, separated by commas; write "
                    '"scored" after a tablet that may be halved. The going-home calendar makes '
                    "every dose from these tablets and never halves one that is not scored. "
                    "Defaults from the US "
                    "labels [S61][S62]; the formulary decides."
                ),
                className="tw-muted",
            ),
            dmc.Group(inputs, align="flex-start"),
            html.Div(id="tablets-message", className="tw-form-message", role="status"),
            dmc.Button("Save tablets", id="tablets-save", size="md"),
        ],
        className="tw-card tw-admin-section",
        id="tablets-section",
    )


def save_tablets(values: dict[str, Any]) -> dict[str, tuple[Tablet, ...]] | Refusal:
    actor = require_role("admin")
    now = utcnow()

    def write(session: Session) -> dict[str, tuple[Tablet, ...]]:
        ward = default_ward(session)
        assert ward.id is not None
        return update_ward_tablets(
            session=session, actor=actor, ward_id=ward.id, values=values, now=now
        )

    return attempt(engine(), write)


@callback(
    output={
        "errors": Output({"type": "ward-tablets", "drug": ALL}, "error"),
        "message": Output("tablets-message", "children"),
        "style": Output("tablets-message", "className"),
    },
    inputs={
        "clicks": Input("tablets-save", "n_clicks"),
        "values": State({"type": "ward-tablets", "drug": ALL}, "value"),
    },
    prevent_initial_call=True,
)
def _save_tablets(clicks: Any, values: list[Any]) -> dict[str, Any]:
    require_role("admin")
    if not clicks:
        raise PreventUpdate
    drugs = [item["id"]["drug"] for item in ctx.states_list[0]]
    outcome = save_tablets(dict(zip(drugs, values, strict=True)))
    if isinstance(outcome, Refusal):
        errors = [outcome.fields.get(f"tablets_{drug}") for drug in drugs]
        message = "Not saved: correct the fields marked in red." if any(errors) else outcome.message
        return {"errors": errors, "message": message, "style": "tw-form-message"}
    shown = "; ".join(f"{d} {tablets_text(t)} mg" for d, t in outcome.items())
    return {"errors": [None] * len(drugs), "message": f"Saved: {shown}.",
            "style": "tw-form-message tw-form-ok"}  # fmt: skip
