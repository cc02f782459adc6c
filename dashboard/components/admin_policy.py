"""The admin page's ward policy: the review rules' thresholds and the dose ceilings, each with
its source or marked local policy, saved as one audited change."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.components.admin_drug_form import typed_numbers
from dashboard.components.admin_user_table import FORM_OK
from dashboard.components.citations import cited
from dashboard.context import ADMIN, default_ward, engine, require_role
from dashboard.i18n import N_, _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.tables import Ward
from models.ward_policy import LOCAL_POLICY, POLICY_FIELDS, PolicyField, update_ward_policy

POLICY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        N_("Dose timing"),
        (
            "dose_window_min",
            "daily_dose_window_min",
            "time_critical_window_min",
            "doses_time_critical",
        ),
    ),
    (N_("CIWA-B reassessment"), ("reassess_interval_min", "reassess_interval_moderate_min")),
    (N_("Vital signs"), ("vitals_interval_min",)),
    (N_("Severe withdrawal"), ("standing_ciwa_b_total", "standing_ciwa_ar_total")),
    (N_("Worsening score"), ("worsening_points", "worsening_hours")),
    (
        N_("Step not tolerated"),
        ("step_margin_points", "step_window_days", "step_min_readings", "step_prn_margin"),
    ),
    (N_("PRN use"), ("prn_flag_doses_24h", "prn_flag_de_mg_24h", "prn_reassess_min")),
    (N_("Taper plan"), ("no_plan_grace_hours",)),
    (N_("Dose ceilings"), ("hard_ceiling_de_mg", "increase_margin_pct")),
    (N_("Sedation"), ("sedation_rass_threshold", "sedation_poss_threshold")),
    (N_("Wristband check"), ("scan_before_giving", "scan_valid_min")),
    (N_("Idle lock"), ("idle_lock_min",)),
)


def _policy_input(field: PolicyField, ward: Ward) -> dmc.NumberInput | dmc.Select:
    local = field.source.startswith(LOCAL_POLICY)
    if field.choices is not None:
        return dmc.Select(
            id={"type": "policy", "field": field.name},
            label=_(field.label),
            description=cited(_(field.source)),
            data=[{"value": str(i), "label": _(text)} for i, text in enumerate(field.choices)],
            value=str(int(getattr(ward, field.name))),
            allowDeselect=False,
            size="md",
            w=400,
            className="tw-admin-local" if local else "tw-admin-sourced",
        )
    return dmc.NumberInput(
        id={"type": "policy", "field": field.name},
        label=_(field.label),
        description=cited(_(field.source)),
        value=getattr(ward, field.name),
        rightSection=html.Span(_(field.unit) if field.unit else "", className="tw-admin-unit"),
        rightSectionWidth=88,
        hideControls=True,
        allowNegative=field.low < 0,  # the RASS threshold is negative (-2 by default)
        allowDecimal=False,
        size="md",
        w=400,
        className="tw-admin-local" if local else "tw-admin-sourced",
    )


def policy_form(ward: Ward) -> html.Section:
    by_name = {f.name: f for f in POLICY_FIELDS}
    groups = [
        html.Fieldset(
            [
                html.Legend(_(title), className="tw-admin-legend"),
                dmc.Group([_policy_input(by_name[n], ward) for n in names], align="flex-start"),
            ],
            className="tw-admin-group",
        )
        for title, names in POLICY_GROUPS
    ]
    return html.Section(
        [
            html.H3(_("Ward policy — {ward}", ward=ward.name), className="tw-section-title"),
            html.P(
                _(
                    "The review rules use these thresholds. Each says where it comes from; "
                    "“Local policy” means no published standard sets it and the ward decides."
                ),
                className="tw-muted",
            ),
            *groups,
            html.Div(id="policy-message", className="tw-form-message", role="status"),
            dmc.Button(_("Save policy"), id="policy-save", size="md"),
        ],
        className="tw-card tw-admin-section",
    )


def save_policy(db: Engine, values: dict[str, Any]) -> Ward | Refusal:
    actor = require_role(ADMIN)

    def write(session: Session) -> Ward:
        ward = default_ward(session)
        assert ward.id is not None
        typed = typed_numbers(values, str)  # a number typed as text: a decimal comma in French
        return update_ward_policy(session=session, actor=actor, ward_id=ward.id, values=typed)

    return attempt(db, write)


@callback(
    output={
        "errors": Output({"type": "policy", "field": ALL}, "error"),
        "message": Output("policy-message", "children"),
        "style": Output("policy-message", "className"),
    },
    inputs={
        "clicks": Input("policy-save", "n_clicks"),
        "values": State({"type": "policy", "field": ALL}, "value"),
    },
    prevent_initial_call=True,
)
def _save_policy(clicks: Any, values: list[Any]) -> dict[str, Any]:
    require_role(ADMIN)
    if not clicks:
        raise PreventUpdate
    ids = [item["id"]["field"] for item in ctx.states_list[0]]
    outcome = save_policy(engine(), dict(zip(ids, values, strict=True)))
    if isinstance(outcome, Refusal):
        errors = [outcome.fields.get(name) for name in ids]
        message = (
            _("Not saved: correct the fields marked in red.") if any(errors) else outcome.message
        )
        return {"errors": errors, "message": message, "style": "tw-form-message"}
    message = _("Saved. The next scan uses the new policy.")
    return {"errors": [None] * len(ids), "message": message, "style": FORM_OK}
