"""Views of a taper plan: its header, its steps with how each was tolerated, the version
history, and the alerts the panel shows beside them (pace, tablets, the admission dose).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html

from dashboard.components.citations import cited
from dashboard.plan_panel_queries import PlanPanelData
from models.admissions import dose_needs_confirmation
from models.clinical.drugs import format_mg
from models.clinical.step_tolerance import StepTolerance
from models.clinical.taper import PaceWarning, PlannedStep
from models.clinical.tolerance import StepVerdict
from models.plan_changes import (
    CHANGE_LABELS,
)
from models.tables import TaperPlan, Ward

KIND_LABELS: dict[str, str] = {
    "baseline": "start",
    "crossover": "crossover",
    "cut": "cut",
    "final": "stop",
    "hold": "hold",
    "back": "back a step",
}


WARNING_TAGS: dict[str, str] = {
    "pace": "⚠ faster than ASAM",
    "increase": "⚠ dose rises",
    "substitution": "⚠ to short-acting",
}


def _mean(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _top(value: int | None) -> str:
    return "–" if value is None else str(value)


_VERDICT_CLASS = {
    StepVerdict.NOT_TOLERATED: "tw-verdict tw-worse",
    StepVerdict.TOLERATED: "tw-verdict tw-verdict-ok",
}


def _verdict_cell(tolerance: StepTolerance) -> Any:
    judgement = tolerance.judgement
    explain = {
        StepVerdict.NO_BASELINE: "Too few CIWA-B before the step to compare with",
        StepVerdict.TOO_EARLY: "Too few CIWA-B since the step yet",
    }.get(judgement.verdict, "; ".join(judgement.reasons))
    return dmc.TableTd(
        html.Span(
            judgement.verdict.label,
            className=_VERDICT_CLASS.get(judgement.verdict, "tw-verdict tw-muted"),
            title=explain or None,
        )
    )


def _tolerance_cells(tolerance: StepTolerance | None, margin: int) -> list[Any]:
    if tolerance is None:
        return [dmc.TableTd("–", className="tw-number") for _ in range(6)]
    rise = "" if tolerance.rise is None else f"{tolerance.rise:+.0f}"
    before = f"{_mean(tolerance.before_mean)} ({_top(tolerance.before_max)})"
    after = f"{_mean(tolerance.after_mean)} ({_top(tolerance.after_max)})"
    return [
        dmc.TableTd(f"{before} → {after}", className="tw-number"),
        dmc.TableTd(
            html.Span(
                f"▲ {rise}" if tolerance.worse else rise or "–",
                className="tw-worse" if tolerance.worse else "",
                title=(
                    f"Mean after minus mean before; {margin} or more is marked ▲ "
                    "(ward local policy)"
                ),
            ),
            className="tw-number",
        ),
        dmc.TableTd(
            f"{tolerance.prn_before} → {tolerance.prn_after}",
            className="tw-number tw-worse"
            if tolerance.prn_after > tolerance.prn_before
            else "tw-number",
        ),
        dmc.TableTd(
            str(tolerance.abnormal_vitals),
            className="tw-number tw-worse" if tolerance.abnormal_vitals else "tw-number",
        ),
        dmc.TableTd(
            str(tolerance.missed_doses),
            className="tw-number tw-worse" if tolerance.missed_doses else "tw-number",
        ),
        _verdict_cell(tolerance),
    ]


def steps_table(
    steps: Sequence[PlannedStep],
    *,
    drugs: Sequence[str],
    today: date,
    warnings: dict[int, str],
    tolerance: dict[int, StepTolerance] | None = None,
    margin: int = 0,
    window_days: int = 0,
    changed_from: date | None = None,
    table_id: str | None = None,
    notes: dict[int, list[PaceWarning]] | None = None,
) -> dmc.Table:
    """The plan's steps: date, mg per drug, diazepam-equivalent, pace warnings (and, in a
    preview, ``notes``: rises and switches), and (for a stored plan) how each step was
    tolerated. The step in force today is marked; planned ones are in italics; with
    ``changed_from`` the steps a preview changes are highlighted."""
    current = max((s.start for s in steps if s.start <= today), default=None)
    head = [dmc.TableTh("Step"), dmc.TableTh("From"), dmc.TableTh("Kind")]
    head += [dmc.TableTh(f"{d.capitalize()} mg/day", className="tw-number") for d in drugs]
    head += [
        dmc.TableTh(html.Abbr("DE mg/day", title="Diazepam-equivalent"), className="tw-number")
    ]
    if tolerance is not None:
        span = f"{window_days} d"
        head += [
            dmc.TableTh(
                html.Abbr(
                    f"CIWA-B {span} before → after",
                    title=f"Mean (maximum) CIWA-B in the {span} before the step and after it",
                ),
                className="tw-number",
            ),
            dmc.TableTh("Change", className="tw-number"),
            dmc.TableTh(
                html.Abbr("PRN", title=f"PRN doses in the {span} before the step → after it"),
                className="tw-number",
            ),
            dmc.TableTh(
                html.Abbr(
                    "Abn. vitals",
                    title="NEWS2 5 or more, or a single parameter scoring 3 (RCP 2017)",
                ),
                className="tw-number",
            ),
            dmc.TableTh("Missed", className="tw-number"),
            dmc.TableTh("Verdict"),
        ]
    head += [dmc.TableTh("Checks")]
    rows = []
    for step in steps:
        classes = []
        if step.start == current:
            classes.append("tw-step-current")
        elif step.start > today:
            classes.append("tw-step-planned")
        if changed_from is not None and step.start >= changed_from:
            classes.append("tw-step-changed")
        cells = [
            dmc.TableTd(
                [str(step.index), html.Span(" ◀ now", className="tw-now-tag")]
                if step.start == current
                else str(step.index),
                className="tw-date",
            ),
            dmc.TableTd(f"{step.start:%a %d %b %y}", className="tw-date"),
            dmc.TableTd(KIND_LABELS.get(step.kind, step.kind)),
        ]
        cells += [
            dmc.TableTd(
                format_mg(step.daily_ug[d]) if d in step.daily_ug else "–", className="tw-number"
            )
            for d in drugs
        ]
        cells.append(dmc.TableTd(f"{step.diazepam_eq_mg:g}", className="tw-number"))
        if tolerance is not None:
            cells += _tolerance_cells(tolerance.get(step.index), margin)
        tags = [(WARNING_TAGS["pace"], warnings[step.index])] if step.index in warnings else []
        tags += [
            (WARNING_TAGS.get(w.kind, "⚠ check"), w.message)
            for w in (notes or {}).get(step.index, [])
        ]
        cells.append(
            dmc.TableTd(
                [html.Div(tag, className="tw-pace", title=message) for tag, message in tags]
            )
        )
        rows.append(dmc.TableTr(cells, className=" ".join(classes)))
    kwargs = {"id": table_id} if table_id else {}
    return dmc.Table(
        [dmc.TableThead(dmc.TableTr(head)), dmc.TableTbody(rows)],
        striped=False,
        highlightOnHover=True,
        withTableBorder=True,
        className="tw-steps",
        **kwargs,
    )


def active_plan_steps(data: PlanPanelData, plan: TaperPlan, *, table_id: str, height: int) -> Any:
    """The active plan's steps with how each was tolerated, scrolling within ``height`` px."""
    drugs = (plan.drug,) if plan.to_drug is None else (plan.drug, plan.to_drug)
    return dmc.ScrollArea(
        steps_table(
            data.steps,
            drugs=drugs,
            today=data.today,
            warnings=data.warnings,
            tolerance=data.tolerance,
            margin=data.view.ward.step_margin_points,
            window_days=data.view.ward.step_window_days,
            table_id=table_id,
        ),
        mah=height,
        type="auto",
    )


def plan_author(data: PlanPanelData, plan: TaperPlan) -> str:
    """Who wrote ``plan``'s version."""
    return next((v.author for v in data.versions if v.plan.id == plan.id), "")


def pace_alert(warnings: Sequence[str]) -> Any:
    """One line, and the details on demand: a long taper can have many fast late steps."""
    if not warnings:
        return None
    count = f"{len(warnings)} step{'s' if len(warnings) > 1 else ''}"
    return html.Details(
        [
            html.Summary(
                cited(
                    f"⚠ Pace check: {count} faster than the ASAM 2025 ceiling of 25 % per 2 "
                    "weeks [S16][S17] (marked in the table; a warning, not a refusal)"
                )
            ),
            html.Ul([html.Li(w) for w in warnings], className="tw-pace-list"),
        ],
        className="tw-pace-alert",
    )


def plan_header(plan: TaperPlan, author: str, tz: ZoneInfo) -> Any:
    drugs = plan.drug if plan.to_drug is None else f"{plan.drug} → {plan.to_drug} (substitution)"
    hold = ""
    if plan.change == "hold":
        hold = f" until {plan.hold_until:%a %d %b}" if plan.hold_until else " until resumed"
    facts = [
        html.Span(["Recipe ", html.Code(plan.recipe, className="tw-recipe")]),
        html.Span(f"Drug: {drugs}, from {format_mg(plan.daily_ug)} mg/day"),
        html.Span(f"Equivalence table: {plan.equivalence_table}"),
    ]
    if plan.units:
        units = ", ".join(f"{d} {format_mg(ug)} mg" for d, ug in sorted(plan.units.items()))
        facts.append(html.Span(f"Units: {units}"))
    return dmc.Stack(
        [
            dmc.Group(
                [
                    dmc.Title("Taper plan", order=3),
                    dmc.Badge(
                        f"version {plan.version}",
                        color="indigo",
                        variant="filled",
                        id="plan-version-badge",
                    ),
                    dmc.Badge(
                        CHANGE_LABELS.get(plan.change, plan.change) + hold,
                        color="red" if plan.change == "stop" else "gray",
                        variant="light",
                    ),
                ],
                gap="sm",
            ),
            dmc.Group(facts, gap="xl", className="tw-plan-facts"),
            dmc.Text(
                f"Version {plan.version} by {author}, "
                f"{plan.created_at.astimezone(tz):%a %d %b %H:%M}, effective "
                f"{plan.effective_from:%a %d %b}: {plan.reason}",
                size="sm",
                c="dimmed",
            ),
            dmc.Text(
                f"Above a label maximum, confirmed by the physician: {plan.above_label_reason}",
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
    doses = ", ".join(f"{drug} {format_mg(ug)} mg" for drug, ug in data.tablet_gaps)
    return dmc.Alert(
        f"Not makeable from the ward's tablets: {doses}. Before discharge, change the plan (a "
        "unit the tablets make) or the tablets supplied (admin page).",
        title="Tablets for going home",
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
        f"The admission dose, {admission.baseline_drug} {format_mg(admission.baseline_daily_ug)}"
        " mg a day, is above its label maximum and not yet confirmed by a physician (confirm it "
        "from the patient banner).",
        color="orange",
        variant="light",
        id="plan-dose-unconfirmed",
    )


def version_history(data: PlanPanelData) -> Any:
    rows = [
        dmc.TableTr(
            [
                dmc.TableTd(f"v{v.plan.version}"),
                dmc.TableTd(CHANGE_LABELS.get(v.plan.change, v.plan.change)),
                dmc.TableTd(f"{v.plan.effective_from:%a %d %b}"),
                dmc.TableTd(v.author),
                dmc.TableTd(f"{v.plan.created_at.astimezone(data.view.tz):%d %b %H:%M}"),
                dmc.TableTd(v.plan.recipe),
                dmc.TableTd(v.plan.reason),
                dmc.TableTd(v.plan.status),
            ],
            className="tw-step-current" if v.plan.status == "active" else "",
        )
        for v in data.versions
    ]
    head = ["Version", "Change", "Effective", "By", "Made", "Recipe", "Reason", "Status"]
    return dmc.Table(
        [dmc.TableThead(dmc.TableTr([dmc.TableTh(h) for h in head])), dmc.TableTbody(rows)],
        withTableBorder=True,
        className="tw-versions",
        id="plan-versions",
    )


def step_tolerance_note(ward: Ward) -> str:
    return (
        f"Step tolerance: CIWA-B and PRN doses in the {ward.step_window_days} days before and "
        "after each step; not tolerated when the CIWA-B mean rises by "
        f"{ward.step_margin_points} or more (with {ward.step_min_readings} scores each side) or "
        f"PRN doses rise by {ward.step_prn_margin} or more (ward local policy; symptoms may take "
        "up to a week after a cut [S22])."
    )
