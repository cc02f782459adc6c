"""The taper plan panel: the current plan version, its steps with how each was tolerated, the
version history, and the physician's plan changes (each previewed before it is saved).

The change form is shared with the rounds page (``change_form`` with its own id prefix).
Every change is refused server-side unless the signed-in user is a physician: the callbacks
answer 403 and the domain (models.plan_changes) raises PermissionDenied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components.citations import cited
from dashboard.context import current_actor, engine, record_id, require_role
from dashboard.plan_panel_queries import PlanPanelData, plan_panel_data
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.admissions import dose_needs_confirmation
from models.clinical.drugs import DRUGS, EQUIVALENCE_TABLES, format_mg, mg_to_ug
from models.clinical.recipes import PRESETS
from models.clinical.step_tolerance import StepTolerance
from models.clinical.taper import PaceWarning, PlannedStep, in_force_step
from models.clinical.tolerance import StepVerdict
from models.errors import FieldError
from models.plan_changes import (
    CHANGE_LABELS,
    MAX_HOLD_DAYS,
    NewPlan,
    PlanChange,
    Preview,
    apply_change,
    create_plan,
    describe_regimen,
    on_open_hold,
    preview_change,
    preview_new_plan,
    regimen_in_force,
)
from models.tables import TaperPlan, Ward
from models.types import utcnow

T = TypeVar("T")
CUSTOM_RECIPE = "custom"
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


# --- reading and writing ---------------------------------------------------------------------


def recipe_text(preset: str | None, custom: str | None) -> str:
    if preset and preset != CUSTOM_RECIPE:
        return PRESETS[preset].recipe
    text = (custom or "").strip()
    if not text:
        raise FieldError("recipe", "choose a preset or write a recipe, e.g. -10%/14d")
    return text


def read_change(
    kind: str,
    *,
    reason: str | None,
    hold_days: Any,
    until_resumed: bool | None,
    preset: str | None,
    custom_recipe: str | None,
    above_label_reason: str | None = None,
) -> PlanChange:
    confirm = above_label_reason or None
    if kind == "hold":
        days = None
        if not until_resumed:
            if hold_days in (None, ""):
                raise FieldError("hold_days", "enter the number of days, or tick 'until resumed'")
            days = int(hold_days)
        return PlanChange("hold", reason or "", hold_days=days, above_label_reason=confirm)
    if kind == "recipe":
        return PlanChange(
            "recipe",
            reason or "",
            recipe=recipe_text(preset, custom_recipe),
            above_label_reason=confirm,
        )
    return PlanChange(kind=kind, reason=reason or "", above_label_reason=confirm)


def read_new_plan(
    *,
    drug: str | None,
    daily_mg: str | None,
    substitution: bool,
    to_drug: str | None,
    table: str | None,
    stages: Any,
    start: str | None,
    times: str | None,
    preset: str | None,
    custom_recipe: str | None,
    reason: str | None,
    above_label_reason: str | None = None,
) -> NewPlan:
    if not drug:
        raise FieldError("drug", "choose the drug the patient takes")
    if not start:
        raise FieldError("start", "choose the day of the first change")
    if substitution and not to_drug:
        raise FieldError("to_drug", "choose the drug to cross over to")
    return NewPlan(
        drug=drug,
        daily_ug=mg_to_ug(daily_mg or "", field="daily_mg"),
        recipe=recipe_text(preset, custom_recipe),
        start=date.fromisoformat(str(start)[:10]),
        reason=reason or "",
        to_drug=to_drug if substitution else None,
        table=table or "ashton",
        stages=int(stages or 4),
        times=(times or "").strip() or None,
        above_label_reason=above_label_reason or None,
    )


# --- views ------------------------------------------------------------------------------------


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


def check_alert(warnings: Sequence[PaceWarning]) -> Any:
    """Rises above the ward's margin and switches to a short-acting drug: listed before saving
    (warnings, not refusals)."""
    if not warnings:
        return None
    return dmc.Alert(
        html.Ul([html.Li(w.message) for w in warnings], className="tw-pace-list"),
        title="Check before saving",
        color="yellow",
        variant="light",
        id="plan-checks",
    )


def label_alert(preview: Preview) -> Any:
    """Doses above a label maximum: the physician confirms them with a reason below."""
    if not preview.above_label:
        return None
    carried = preview.previous.above_label_reason if preview.previous is not None else None
    if carried and preview.change != "create":
        text = f"Confirmed with the plan it changes: {carried}"
    else:
        text = "To save this plan, confirm it with your reason in the field below."
    return dmc.Alert(
        [html.Div(a.message + ".") for a in preview.above_label] + [html.Div(text)],
        title="Above a label maximum",
        color="orange",
        variant="light",
        id="plan-above-label",
    )


def preview_view(preview: Preview, *, today: date, drugs: Sequence[str]) -> Any:
    """What a change would do, before it is saved."""
    previous = preview.previous
    what = CHANGE_LABELS.get(preview.change, preview.change)
    if preview.change == "create" and previous is None:
        intro = f"{what}: version 1 from {preview.effective_from:%a %d %b}."
    elif previous is None:
        intro = f"{what}: version 1 from {preview.effective_from:%a %d %b}."
    else:
        intro = (
            f"{what}: version {previous.version + 1} replaces version {previous.version} from "
            f"now (today, {preview.effective_from:%a %d %b})."
        )
    pace = {w.step_index: w.message for w in preview.schedule.warnings if w.kind == "pace"}
    others = [w for w in preview.schedule.warnings if w.kind != "pace"]
    notes: dict[int, list[PaceWarning]] = {}
    for warning in others:
        notes.setdefault(warning.step_index, []).append(warning)
    table = preview.schedule.table
    in_force = in_force_step(preview.in_force, before=today, table=table)
    facts = [
        f"Dose in force now: {describe_regimen(preview.in_force)}"
        + (
            f" = {in_force.diazepam_eq_mg:g} mg diazepam-equivalent ({table})."
            if preview.in_force
            else "."
        ),
    ]
    if preview.start is not None and preview.start.note:
        facts.append(preview.start.note[0].upper() + preview.start.note[1:] + ".")
    return dmc.Stack(
        [
            dmc.Text(intro, fw=600),
            *[dmc.Text(fact, size="sm", className="tw-plan-fact") for fact in facts],
            dmc.Text(
                "The dose in force continues until the first change; doses from now on are made "
                "anew on the MAR; doses already given, charted or past stay as they are. "
                "Highlighted rows are what changes.",
                size="sm",
                c="dimmed",
            ),
            label_alert(preview),
            check_alert(others),
            pace_alert(list(pace.values())),
            dmc.ScrollArea(
                steps_table(
                    preview.schedule.steps,
                    drugs=drugs,
                    today=today,
                    warnings=pace,
                    notes=notes,
                    changed_from=preview.effective_from,
                    table_id="preview-steps",
                ),
                mah=360,
                type="auto",
            ),
        ],
        gap="xs",
    )


def step_tolerance_note(ward: Ward) -> str:
    return (
        f"Step tolerance: CIWA-B and PRN doses in the {ward.step_window_days} days before and "
        "after each step; not tolerated when the CIWA-B mean rises by "
        f"{ward.step_margin_points} or more (with {ward.step_min_readings} scores each side) or "
        f"PRN doses rise by {ward.step_prn_margin} or more (ward local policy; symptoms may take "
        "up to a week after a cut [S22])."
    )


def panel_body(data: PlanPanelData, *, can_change: bool, prefix: str = "pp") -> Any:
    plan = data.plan
    tz = data.view.tz
    if plan is None:
        children: list[Any] = [
            dmc.Title("Taper plan", order=3),
            dmc.Text("No taper plan yet.", id="plan-none"),
            admission_dose_note(data),
        ]
    else:
        author = next((v.author for v in data.versions if v.plan.id == plan.id), "")
        drugs = (plan.drug,) if plan.to_drug is None else (plan.drug, plan.to_drug)
        children = [
            plan_header(plan, author, tz),
            admission_dose_note(data),
            pace_alert(list(data.warnings.values())),
            tablet_alert(data),
            dmc.Text(
                cited(step_tolerance_note(data.view.ward)),
                size="sm",
                c="dimmed",
            ),
            dmc.ScrollArea(
                steps_table(
                    data.steps,
                    drugs=drugs,
                    today=data.today,
                    warnings=data.warnings,
                    tolerance=data.tolerance,
                    margin=data.view.ward.step_margin_points,
                    window_days=data.view.ward.step_window_days,
                    table_id="plan-steps",
                ),
                mah=440,
                type="auto",
            ),
        ]
    if can_change and data.view.admission.discharged_at is None:
        children.append(action_buttons(prefix, data))
    elif data.view.admission.discharged_at is None:
        children.append(
            dmc.Text(
                "Plan changes are made by a physician.", size="sm", c="dimmed", id="plan-read-only"
            )
        )
    if data.versions:
        children += [dmc.Title("Version history", order=4, mt="md"), version_history(data)]
    return dmc.Stack([c for c in children if c is not None], gap="sm")


def action_buttons(prefix: str, data: PlanPanelData) -> Any:
    has_plan = data.plan is not None
    open_hold = has_plan and on_open_hold(data.steps, data.today)
    buttons = []
    for kind, label in (
        ("advance", "Advance: next cut today"),
        ("hold", "Hold"),
        ("resume", "Resume"),
        ("back", "Go back one step"),
        ("recipe", "Change recipe"),
        ("create", "New plan" if has_plan else "Create a plan"),
        ("stop", "Stop now…"),
    ):
        if kind != "create" and not has_plan:
            continue
        if kind == "stop" and not regimen_in_force(data.steps, data.today, data.view.admission):
            continue
        if kind == "resume" and not open_hold:
            continue
        buttons.append(
            dmc.Button(
                label,
                id={"type": f"{prefix}-action", "kind": kind},
                variant="filled"
                if kind in ("hold", "create") and not has_plan or kind == "hold"
                else "light",
                color="indigo",
                size="md",
            )
        )
    return dmc.Group(buttons, gap="sm", className="tw-plan-actions tw-no-print")


# --- the change form ---------------------------------------------------------------------------


def recipe_fields(prefix: str) -> Any:
    presets = [{"value": p.key, "label": f"({p.key}) {p.recipe}"} for p in PRESETS.values()] + [
        {"value": CUSTOM_RECIPE, "label": "Write a recipe…"}
    ]
    return html.Div(
        [
            dmc.Select(
                id=f"{prefix}-preset",
                label="Recipe",
                data=presets,
                value="d",
                allowDeselect=False,
                size="md",
            ),
            dmc.Text(
                PRESETS["d"].description, id=f"{prefix}-preset-text", size="sm", c="dimmed", mt=4
            ),
            dmc.TextInput(
                id=f"{prefix}-recipe",
                label="Recipe text",
                placeholder="-0.5mg/14d until 1mg; -0.25mg/7d",
                size="md",
                description="A cut and an interval per phase, phases separated by ';'",
                style={"display": "none"},
                className=f"{prefix}-custom",
            ),
        ],
    )


def hold_fields(prefix: str) -> Any:
    return dmc.Group(
        [
            dmc.NumberInput(
                id=f"{prefix}-hold-days",
                label="Hold for (days)",
                value=7,
                min=1,
                max=MAX_HOLD_DAYS,
                w=180,
                size="md",
            ),
            dmc.Checkbox(
                id=f"{prefix}-hold-open", label="Until resumed", checked=False, mt=28, size="md"
            ),
        ],
        align="flex-start",
    )


@dataclass(frozen=True)
class FormStart:
    """The new-plan form's defaults: the dose in force, the whole regimen. Mid-crossover the
    form offers to continue the crossover (a direct taper of one drug converts the whole
    regimen; the preview shows it)."""

    drug: str
    daily_mg: str
    mode: str = "direct"  # direct | substitution
    to_drug: str = "diazepam"
    stages: int = 4
    regimen: str = ""  # "Dose in force: ... = 40 mg diazepam-equivalent (ashton)"


def form_start(data: PlanPanelData, units: dict[str, int] | None = None) -> FormStart:
    """What a new plan starts from by default: the dose in force today (every drug of it)."""
    admission = data.view.admission
    regimen = regimen_in_force(data.steps, data.today, admission)
    table = data.plan.equivalence_table if data.plan else "ashton"
    de = in_force_step(regimen, before=data.today, table=table).diazepam_eq_mg
    text = f"Dose in force: {describe_regimen(regimen)}"
    if regimen:
        text += f" = {de:g} mg diazepam-equivalent ({table} table)"
    if not regimen:
        return FormStart(admission.baseline_drug, "", regimen=text + ".")
    if len(regimen) == 1:
        [(drug, ug)] = regimen.items()
        return FormStart(drug, format_mg(ug), regimen=text + ".")
    plan = data.plan
    old = plan.drug if plan is not None and plan.drug in regimen else sorted(regimen)[0]
    new = next(d for d in regimen if d != old)
    unit = (units or {}).get(old) or DRUGS[old].unit_ug
    stages = max(1, min(plan.stages if plan else 4, regimen[old] // unit))
    return FormStart(
        old,
        format_mg(regimen[old]),
        mode="substitution",
        to_drug=new,
        stages=stages,
        regimen=text
        + ". A new plan starts from the whole regimen: a substitution continues the crossover; "
        "a direct taper of one drug converts all of it to that drug.",
    )


def new_plan_fields(prefix: str, *, start: FormStart, times: str, today: date) -> Any:
    drugs = [{"value": d, "label": d.capitalize()} for d in DRUGS]
    return html.Div(
        dmc.Stack(
            [
                dmc.Text(start.regimen, size="sm", id=f"{prefix}-in-force", fw=500)
                if start.regimen
                else None,
                dmc.SegmentedControl(
                    id=f"{prefix}-mode",
                    **{"aria-label": "Kind of taper"},
                    value=start.mode,
                    size="md",
                    data=[
                        {"value": "direct", "label": "Direct taper"},
                        {"value": "substitution", "label": "Substitution taper"},
                    ],
                ),
                dmc.Group(
                    [
                        dmc.Select(
                            id=f"{prefix}-drug",
                            label="Drug now taken",
                            data=drugs,
                            value=start.drug,
                            allowDeselect=False,
                            w=200,
                            size="md",
                        ),
                        dmc.TextInput(
                            id=f"{prefix}-daily-mg",
                            label="Daily dose (mg)",
                            value=start.daily_mg,
                            w=160,
                            size="md",
                        ),
                        dmc.Select(
                            id=f"{prefix}-to-drug",
                            label="Cross over to",
                            data=drugs,
                            value=start.to_drug,
                            allowDeselect=False,
                            w=200,
                            size="md",
                            disabled=start.mode != "substitution",
                        ),
                        dmc.Select(
                            id=f"{prefix}-table",
                            label="Equivalence table",
                            size="md",
                            w=210,
                            data=[
                                {"value": t, "label": "Ashton" if t == "ashton" else "VA/DoD"}
                                for t in EQUIVALENCE_TABLES
                            ],
                            value="ashton",
                            allowDeselect=False,
                            disabled=start.mode != "substitution",
                        ),
                        dmc.NumberInput(
                            id=f"{prefix}-stages",
                            label="Crossover stages",
                            value=start.stages,
                            min=1,
                            max=12,
                            w=160,
                            size="md",
                            disabled=start.mode != "substitution",
                        ),
                    ],
                    align="flex-end",
                ),
                dmc.Group(
                    [
                        dmc.DateInput(
                            id=f"{prefix}-start",
                            label="First change on",
                            value=today.isoformat(),
                            minDate=today.isoformat(),
                            valueFormat="ddd D MMM YYYY",
                            w=220,
                            size="md",
                        ),
                        dmc.TextInput(
                            id=f"{prefix}-times", label="Dose times", value=times, w=200, size="md"
                        ),
                    ]
                ),
            ],
            gap="sm",
        ),
    )


def change_form(
    prefix: str,
    *,
    start: FormStart,
    times: str,
    today: date,
    save_label: str = "Save plan version",
    reason_label: str = "Reason (kept with the plan version)",
    initial_kind: str | None = None,
) -> Any:
    """The fields of every change; those ``initial_kind`` needs are shown, and a callback shows
    those of the change chosen later."""
    new_style, hold_style, recipe_style = field_styles(initial_kind)
    return dmc.Stack(
        [
            html.Div(
                new_plan_fields(prefix, start=start, times=times, today=today),
                style=new_style,
                id=f"{prefix}-new-fields",
            ),
            html.Div(hold_fields(prefix), style=hold_style, id=f"{prefix}-hold-fields"),
            html.Div(recipe_fields(prefix), style=recipe_style, id=f"{prefix}-recipe-fields"),
            dmc.Textarea(
                id=f"{prefix}-reason",
                label=reason_label,
                placeholder="Why this change, e.g. CIWA-B rose from 12 to 30 after the last cut",
                autosize=True,
                minRows=2,
                size="md",
                required=True,
            ),
            html.Div(
                dmc.Textarea(
                    id=f"{prefix}-label-reason",
                    label="Confirm the dose above the label maximum: your reason",
                    description="Kept with the plan version and shown on the chart",
                    autosize=True,
                    minRows=2,
                    size="md",
                ),
                id=f"{prefix}-label-box",
                style={"display": "none"},
            ),
            html.Div(id=f"{prefix}-message", role="status"),
            dmc.Group(
                [
                    dmc.Button(
                        "Preview schedule",
                        id=f"{prefix}-preview-btn",
                        size="md",
                        variant="light",
                        color="indigo",
                    ),
                    dmc.Button(
                        save_label,
                        id=f"{prefix}-save-btn",
                        size="md",
                        color="indigo",
                        disabled=True,
                    ),
                ],
                gap="sm",
            ),
            html.Div(id=f"{prefix}-preview"),
        ],
        gap="sm",
    )


FIELDS_BY_KIND: dict[str, tuple[bool, bool, bool]] = {
    # kind: (new plan fields, hold fields, recipe fields)
    "create": (True, False, True),
    "hold": (False, True, False),
    "recipe": (False, False, True),
    "advance": (False, False, False),
    "resume": (False, False, False),
    "back": (False, False, False),
    "stop": (False, False, False),
}


def field_styles(kind: str | None) -> list[dict[str, str]]:
    shown = FIELDS_BY_KIND.get(kind or "", (False, False, False))
    return [{} if s else {"display": "none"} for s in shown]


# --- the panel ---------------------------------------------------------------------------------


def panel(admission_id: int) -> Any:
    actor = current_actor()
    now = utcnow()
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    if data is None:
        return dmc.Alert("No such admission.", color="red")
    can_change = actor.role == "physician"
    admission = data.view.admission
    modal: Any = None
    if can_change and admission.discharged_at is None:
        modal = dmc.Modal(
            change_form(
                "pp",
                start=form_start(data, data.units),
                times=data.view.ward.admin_times,
                today=data.today,
            ),
            id="pp-modal",
            opened=False,
            size="xl",
            title="Change the taper plan",
            closeOnClickOutside=False,
        )
    return html.Section(
        [
            html.Div(panel_body(data, can_change=can_change), id="pp-body"),
            html.Div(id="pp-notice", role="status"),
            dcc.Store(id="pp-kind", data=None),
            dcc.Store(id="pp-admission", data=admission_id),
            modal,
        ],
        className="tw-section-card tw-plan-panel",
        id="plan-panel",
    )


def preview_for(
    admission_id: int, kind: str, values: dict[str, Any], now: datetime
) -> Preview | Refusal:
    def run(session: Session) -> Preview:
        if kind == "create":
            return preview_new_plan(
                session=session,
                admission_id=admission_id,
                new_plan=read_new_plan(**values),
                now=now,
            )
        change = read_change(
            kind,
            reason=values.get("reason"),
            hold_days=values.get("hold_days"),
            until_resumed=values.get("until_resumed"),
            preset=values.get("preset"),
            custom_recipe=values.get("custom_recipe"),
            above_label_reason=values.get("above_label_reason"),
        )
        return preview_change(session=session, admission_id=admission_id, change=change, now=now)

    return attempt(engine(), run, write=False)


def save_for(
    admission_id: int, kind: str, values: dict[str, Any], now: datetime
) -> TaperPlan | Refusal:
    actor = require_role("physician")

    def run(session: Session) -> TaperPlan:
        if kind == "create":
            return create_plan(
                session=session,
                actor=actor,
                admission_id=admission_id,
                new_plan=read_new_plan(**values),
                now=now,
            )
        change = read_change(
            kind,
            reason=values.get("reason"),
            hold_days=values.get("hold_days"),
            until_resumed=values.get("until_resumed"),
            preset=values.get("preset"),
            custom_recipe=values.get("custom_recipe"),
            above_label_reason=values.get("above_label_reason"),
        )
        return apply_change(
            session=session, actor=actor, admission_id=admission_id, change=change, now=now
        )

    return attempt(engine(), run)


def refusal_message(refused: Refusal, *, saved: bool) -> Any:
    prefix = "Not saved. " if saved else ""
    return dmc.Alert(
        prefix + refused.detail[:1].upper() + refused.detail[1:],
        color="red",
        variant="light",
        id="plan-refusal",
    )


FORM_STATES = [
    "reason",
    "label-reason",
    "hold-days",
    "hold-open",
    "preset",
    "recipe",
    "drug",
    "daily-mg",
    "mode",
    "to-drug",
    "table",
    "stages",
    "start",
    "times",
]


def form_states(prefix: str) -> dict[str, State]:
    """The change form's fields as a callback's keyword states, by their names in FORM_STATES."""
    props = {"hold-open": "checked"}
    return {name: State(f"{prefix}-{name}", props.get(name, "value")) for name in FORM_STATES}


def form_values(kind: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The domain's arguments for a ``kind`` of change (or "create") from the form's fields."""
    common = {
        "reason": form["reason"],
        "preset": form["preset"],
        "custom_recipe": form["recipe"],
        "above_label_reason": form["label-reason"],
    }
    if kind == "create":
        return {
            "drug": form["drug"],
            "daily_mg": form["daily-mg"],
            "substitution": form["mode"] == "substitution",
            "to_drug": form["to-drug"],
            "table": form["table"],
            "stages": form["stages"],
            "start": form["start"],
            "times": form["times"],
            **common,
        }
    return {"hold_days": form["hold-days"], "until_resumed": form["hold-open"], **common}


def form_callbacks(prefix: str) -> None:
    """Callbacks every change form has: the recipe preset text and the custom recipe field,
    the substitution fields, and disabling Save until the current inputs are previewed."""

    @callback(
        output={
            "text": Output(f"{prefix}-preset-text", "children"),
            "recipe_style": Output(f"{prefix}-recipe", "style"),
        },
        inputs={"preset": Input(f"{prefix}-preset", "value")},
    )
    def _preset(preset: str | None) -> dict[str, Any]:
        if preset in PRESETS:
            note = "" if PRESETS[preset].matches_asam else " (faster than ASAM 2025 [S16][S17])"
            return {"text": cited(PRESETS[preset].description + note),
                    "recipe_style": {"display": "none"}}  # fmt: skip
        return {"text": "Write the recipe below.", "recipe_style": {}}

    @callback(
        output={
            name: Output(f"{prefix}-{name}", "disabled") for name in ("to-drug", "table", "stages")
        },
        inputs={"mode": Input(f"{prefix}-mode", "value")},
    )
    def _mode(mode: str | None) -> dict[str, bool]:
        direct = mode != "substitution"
        return dict.fromkeys(("to-drug", "table", "stages"), direct)

    @callback(
        output=Output(f"{prefix}-save-btn", "disabled", allow_duplicate=True),
        inputs={
            "form": {
                name: Input(f"{prefix}-{name}", "checked" if name == "hold-open" else "value")
                for name in FORM_STATES
                if name != "reason"
            }
        },
        prevent_initial_call=True,
    )
    def _changed(form: dict[str, Any]) -> bool:
        return True  # inputs changed since the preview: preview again before saving


form_callbacks("pp")


@callback(
    output={
        "opened": Output("pp-modal", "opened"),
        "title": Output("pp-modal", "title"),
        "kind": Output("pp-kind", "data"),
        "styles": [Output(f"pp-{part}-fields", "style") for part in ("new", "hold", "recipe")],
        "preview": Output("pp-preview", "children", allow_duplicate=True),
        "message": Output("pp-message", "children", allow_duplicate=True),
        "save_disabled": Output("pp-save-btn", "disabled", allow_duplicate=True),
        "reason": Output("pp-reason", "value"),
    },
    inputs={"clicks": Input({"type": "pp-action", "kind": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open(clicks: list[int | None]) -> dict[str, Any]:
    require_role("physician")
    if not any(clicks) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    kind = str(ctx.triggered_id["kind"])
    return {"opened": True, "title": CHANGE_LABELS.get(kind, kind), "kind": kind,
            "styles": field_styles(kind), "preview": None, "message": None,
            "save_disabled": True, "reason": ""}  # fmt: skip


@callback(
    output={
        "preview": Output("pp-preview", "children"),
        "message": Output("pp-message", "children"),
        "save_disabled": Output("pp-save-btn", "disabled"),
        "label_box": Output("pp-label-box", "style"),
    },
    inputs={
        "clicks": Input("pp-preview-btn", "n_clicks"),
        "kind": State("pp-kind", "data"),
        "admission_id": State("pp-admission", "data"),
        "form": form_states("pp"),
    },
    prevent_initial_call=True,
)
def _preview(
    clicks: int | None, kind: str | None, admission_id: int, form: dict[str, Any]
) -> dict[str, Any]:
    require_role("physician")
    if not clicks or not kind:
        return {"preview": no_update, "message": no_update, "save_disabled": True,
                "label_box": no_update}  # fmt: skip
    admission_id = record_id(admission_id)
    result = preview_for(admission_id, kind, form_values(kind, form), utcnow())
    if isinstance(result, Refusal):
        return {"preview": None, "message": refusal_message(result, saved=False),
                "save_disabled": True, "label_box": no_update}  # fmt: skip
    return {
        "preview": preview_view(result, today=result.effective_from, drugs=schedule_drugs(result)),
        "message": None,
        "save_disabled": False,
        "label_box": label_box_style(result),
    }


@callback(
    output={
        "body": Output("pp-body", "children"),
        "opened": Output("pp-modal", "opened", allow_duplicate=True),
        "message": Output("pp-message", "children", allow_duplicate=True),
        "notice": Output("pp-notice", "children"),
        "refresh": Output("ov-refresh", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("pp-save-btn", "n_clicks"),
        "kind": State("pp-kind", "data"),
        "admission_id": State("pp-admission", "data"),
        "form": form_states("pp"),
    },
    prevent_initial_call=True,
)
def _save(
    clicks: int | None, kind: str | None, admission_id: int, form: dict[str, Any]
) -> dict[str, Any]:
    require_role("physician")
    if not clicks or not kind:
        raise PreventUpdate
    now = utcnow()
    result = save_for(admission_id, kind, form_values(kind, form), now)
    if isinstance(result, Refusal):
        return {"body": no_update, "opened": True, "message": refusal_message(result, saved=True),
                "notice": no_update, "refresh": no_update}  # fmt: skip
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    assert data is not None
    notice = dmc.Alert(
        f"Saved: plan version {result.version} "
        f"({CHANGE_LABELS.get(result.change, result.change)}). "
        "The MAR from now on follows it.",
        color="green",
        variant="light",
        withCloseButton=True,
        id="plan-saved",
    )
    return {"body": panel_body(data, can_change=True), "opened": False, "message": None,
            "notice": notice, "refresh": {"plan_id": result.id, "at": now.isoformat()}}  # fmt: skip


def label_box_style(preview: Preview) -> dict[str, str]:
    """The confirmation field shows when the preview has doses above a label maximum that the
    plan does not carry a confirmation for already."""
    carried = preview.previous is not None and preview.previous.above_label_reason
    needed = preview.above_label and (preview.change == "create" or not carried)
    return {} if needed else {"display": "none"}


def schedule_drugs(preview: Preview) -> list[str]:
    """The drugs a schedule uses, the original first."""
    seen: list[str] = []
    for step in preview.schedule.steps:
        for drug in step.daily_ug:
            if drug not in seen:
                seen.append(drug)
    return seen
