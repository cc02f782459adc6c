"""Admin: the ward's policy (the review rules' thresholds and the dose ceilings, each with its
source or marked local policy), the ward's dispensable units and tablets, the last job runs with
their durations and errors, and the staff accounts (add one, reset a password, change a role,
deactivate, unlock, sign out everywhere). Each section is a component module (admin_*); this
module lays them out."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import dcc, html

from dashboard.components import admin_tablets, admin_units, admin_wristband
from dashboard.components.admin_policy import policy_form
from dashboard.components.admin_runs import runs_section
from dashboard.components.admin_users import users_section
from dashboard.context import ADMIN, current_actor, default_ward, engine
from dashboard.i18n import _
from dashboard.registry import register_page
from models.db import read_session

register_page(__name__, path="/admin", title="Admin")


REFRESH_MS = 30_000


def layout(**_query: Any) -> html.Div:
    actor = current_actor()
    if actor.role != ADMIN:
        return html.Div(
            [
                dmc.Title(_("Admin"), order=2, className="tw-page-title"),
                html.Div(_("This page is for admins."), className="tw-readonly-note"),
            ]
        )
    db = engine()
    with read_session(db) as session:
        ward = default_ward(session)
    return html.Div(
        [
            dmc.Title(_("Admin"), order=2, className="tw-page-title"),
            policy_form(ward),
            admin_units.units_section(db),
            admin_wristband.overrides_section(db),
            admin_tablets.tablets_section(db),
            html.Section(runs_section(db), id="runs-section", className="tw-card tw-admin-section"),
            users_section(db, actor.user_id),
            dcc.Interval(id="admin-refresh", interval=REFRESH_MS),
        ],
        className="tw-admin",
    )
