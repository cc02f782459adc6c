"""A taper plan's header and the notes the plan panel shows around its steps: the version, its
change and facts, who wrote it, the admission dose still to confirm, the doses the ward's
tablets cannot make and the step tolerance rule in words. (The steps, the pace check and the
version history are plan_views.py.)
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html

from dashboard.clinical_words import drug_name, recipe_words, table_name
from dashboard.components.plan_words import change_label, dose_mg, plan_day, plan_when
from dashboard.i18n import _
from dashboard.plan_panel_queries import PlanPanelData
from models.admissions import dose_needs_confirmation
from models.tables import TaperPlan, Ward


def plan_author(data: PlanPanelData, plan: TaperPlan) -> str:
    """Who wrote ``plan``'s version."""
    return next((v.author for v in data.versions if v.plan.id == plan.id), "")


def _badge_text(plan: TaperPlan) -> str:
    label = change_label(plan.change)
    if plan.change != "hold":
        return label
    if plan.hold_until:
        return _("{change} until {day}", change=label, day=plan_day(plan.hold_until))
    return _("{change} until resumed", change=label)


def plan_header(plan: TaperPlan, author: str, tz: ZoneInfo) -> Any:
    if plan.to_drug is None:
        drugs = drug_name(plan.drug)
    else:
        drugs = _(
            "{drug} → {to_drug} (substitution)",
            drug=drug_name(plan.drug),
            to_drug=drug_name(plan.to_drug),
        )
    facts = [
        html.Span(
            [
                _("Recipe") + " ",
                html.Strong(recipe_words(plan.recipe), className="tw-recipe-words"),
                " ",
                html.Code(plan.recipe, className="tw-recipe", title=_("The recipe as stored")),
            ]
        ),
        html.Span(_("Drug: {drugs}, from {dose}/day", drugs=drugs, dose=dose_mg(plan.daily_ug))),
        html.Span(_("Equivalence table: {table}", table=table_name(plan.equivalence_table))),
    ]
    if plan.units:
        units = ", ".join(f"{drug_name(d)} {dose_mg(ug)}" for d, ug in sorted(plan.units.items()))
        facts.append(html.Span(_("Units: {units}", units=units)))
    made = _(
        "Version {version} by {author}, {made}, effective {day}: {reason}",
        version=plan.version,
        author=author,
        made=plan_when(plan.created_at, tz),
        day=plan_day(plan.effective_from),
        reason=plan.reason,
    )
    return dmc.Stack(
        [
            dmc.Group(
                [
                    dmc.Title(_("Taper plan"), order=3),
                    dmc.Badge(
                        _("version {version}", version=plan.version),
                        color="indigo",
                        variant="filled",
                        id="plan-version-badge",
                    ),
                    dmc.Badge(
                        _badge_text(plan),
                        color="red" if plan.change == "stop" else "gray",
                        variant="light",
                    ),
                ],
                gap="sm",
            ),
            dmc.Group(facts, gap="xl", className="tw-plan-facts"),
            dmc.Text(made, size="sm", c="dimmed"),
            dmc.Text(
                _(
                    "Above a label maximum, confirmed by the physician: {reason}",
                    reason=plan.above_label_reason,
                ),
                size="sm",
                className="tw-label-confirmed",
                id="plan-label-confirmed",
            )
            if plan.above_label_reason
            else None,
        ],
        gap=6,
    )


def tablet_alert(data: PlanPanelData) -> Any:
    """Doses still to come that the ward's tablets cannot make: seen before discharge."""
    if not data.tablet_gaps:
        return None
    doses = ", ".join(f"{drug_name(drug)} {dose_mg(ug)}" for drug, ug in data.tablet_gaps)
    return dmc.Alert(
        _(
            "Not makeable from the ward's tablets: {doses}. Before discharge, change the plan (a "
            "unit the tablets make) or the tablets supplied (admin page).",
            doses=doses,
        ),
        title=_("Tablets for going home"),
        color="yellow",
        variant="light",
        id="plan-tablet-gaps",
        className="tw-tablet-alert",
    )


def admission_dose_note(data: PlanPanelData) -> Any:
    """An admission dose above its label maximum that no physician has confirmed yet."""
    admission = data.view.admission
    if not dose_needs_confirmation(admission):
        return None
    return dmc.Alert(
        _(
            "The admission dose, {drug} {dose} a day, is above its label maximum and not yet "
            "confirmed by a physician (confirm it from the patient banner).",
            drug=drug_name(admission.baseline_drug),
            dose=dose_mg(admission.baseline_daily_ug),
        ),
        color="orange",
        variant="light",
        id="plan-dose-unconfirmed",
    )


def step_tolerance_note(ward: Ward) -> str:
    return _(
        "Step tolerance: CIWA-B and PRN doses in the {days} days before and after each step; "
        "not tolerated when the CIWA-B mean rises by {margin} or more (with {readings} scores "
        "each side) or PRN doses rise by {prn} or more (ward local policy; symptoms may take "
        "up to a week after a cut [S22]).",
        days=ward.step_window_days,
        margin=ward.step_margin_points,
        readings=ward.step_min_readings,
        prn=ward.step_prn_margin,
    )
