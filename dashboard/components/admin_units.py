"""The admin page's dispensable units: the smallest dose of each drug the ward's formulary can
give (models.ward_units). New plans, plan previews, admission doses and PRN orders are made in
them; a plan already made keeps its own units."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.context import default_ward, engine, require_role
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.clinical.drugs import DRUGS, format_mg
from models.db import read_session
from models.types import utcnow
from models.ward_units import MIN_UNIT_UG, update_ward_units, ward_units


def units_section(db: Engine) -> html.Section:
    with read_session(db) as session:
        ward = default_ward(session)
        assert ward.id is not None
        units = ward_units(session, ward.id)
    inputs = [
        dmc.TextInput(
            id={"type": "ward-unit", "drug": drug},
            label=drug.capitalize(),
            description=(
                f"Default {format_mg(spec.unit_ug)} mg; {format_mg(MIN_UNIT_UG)} mg to the "
                f"largest tablet, {format_mg(spec.largest_tablet_ug)} mg"
            ),
            value=format_mg(units[drug]),
            rightSection=html.Span("mg", className="tw-admin-unit"),
            size="md",
            w=300,
        )
        for drug, spec in DRUGS.items()
    ]
    return html.Section(
        [
            html.H3(f"Dispensable units — {ward.name}", className="tw-section-title"),
            html.P(
                "The smallest dose of each drug the ward can give (its tablets, and which may be "
                "halved: a formulary fact). New plans and PRN orders are made in these units; a "
                "plan already made keeps its own. Local policy.",
                className="tw-muted",
            ),
            dmc.Group(inputs, align="flex-start"),
            html.Div(id="units-message", className="tw-form-message", role="status"),
            dmc.Button("Save units", id="units-save", size="md"),
        ],
        className="tw-card tw-admin-section",
        id="units-section",
    )


def save_units(values: dict[str, Any]) -> dict[str, int] | Refusal:
    actor = require_role("admin")
    now = utcnow()

    def write(session: Session) -> dict[str, int]:
        ward = default_ward(session)
        assert ward.id is not None
        return update_ward_units(
            session=session, actor=actor, ward_id=ward.id, values=values, now=now
        )

    return attempt(engine(), write)


@callback(
    output={
        "errors": Output({"type": "ward-unit", "drug": ALL}, "error"),
        "message": Output("units-message", "children"),
        "style": Output("units-message", "className"),
    },
    inputs={
        "clicks": Input("units-save", "n_clicks"),
        "values": State({"type": "ward-unit", "drug": ALL}, "value"),
    },
    prevent_initial_call=True,
)
def _save_units(clicks: Any, values: list[Any]) -> dict[str, Any]:
    require_role("admin")
    if not clicks:
        raise PreventUpdate
    drugs = [item["id"]["drug"] for item in ctx.states_list[0]]
    outcome = save_units(dict(zip(drugs, values, strict=True)))
    if isinstance(outcome, Refusal):
        errors = [outcome.fields.get(f"unit_{drug}") for drug in drugs]
        message = "Not saved: correct the fields marked in red." if any(errors) else outcome.message
        return {"errors": errors, "message": message, "style": "tw-form-message"}
    shown = ", ".join(f"{d} {format_mg(ug)} mg" for d, ug in outcome.items())
    return {"errors": [None] * len(drugs), "message": f"Saved: {shown}.",
            "style": "tw-form-message tw-form-ok"}  # fmt: skip
