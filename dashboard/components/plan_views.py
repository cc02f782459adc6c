"""Views of a taper plan: its steps with how each was tolerated, the pace check and the version
history. (Its header and the panel's other notes are plan_header.py.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import dash_mantine_components as dmc
from dash import html

from dashboard.clinical_words import drug_name, recipe_words
from dashboard.components.charting_common import attrs, mg_number
from dashboard.components.citations import cited
from dashboard.components.plan_words import (
    VERDICT_WORDS,
    change_label,
    check_words,
    made_when,
    mg_value,
    plan_day,
)
from dashboard.components.static_markup import static_block
from dashboard.i18n import N_, _, language, ngettext, request_translator
from dashboard.plan_panel_queries import PlanPanelData
from models.clinical.step_tolerance import StepTolerance
from models.clinical.taper import PaceWarning, PlannedStep
from models.clinical.tolerance import StepVerdict
from models.flag_text import flag_message
from models.tables import TaperPlan

KIND_LABELS: dict[str, str] = {
    "baseline": N_("start"),
    "crossover": N_("crossover"),
    "cut": N_("cut"),
    "final": N_("stop"),
    "hold": N_("hold"),
    "back": N_("back a step"),
}


WARNING_TAGS: dict[str, str] = {
    "pace": N_("⚠ faster than ASAM"),
    "increase": N_("⚠ dose rises"),
    "substitution": N_("⚠ to short-acting"),
}


# Mantine's Table as dmc.Table draws it (its classes, attributes and spacing variable), written
# as dash.html so the read-only tables go to the page as markup (static_markup): a plan's
# steps were a few hundred components that every store update of the page visited.
_TABLE_STYLE = {"--table-vertical-spacing": "calc(0.4375rem * var(--mantine-scale))"}


def _td(children: Any = None, className: str = "") -> html.Td:
    return html.Td(children, className=f"m_4e7aa4ef mantine-Table-td {className}".strip())


def _th(children: Any = None, className: str = "") -> html.Th:
    return html.Th(children, className=f"m_4e7aa4f3 mantine-Table-th {className}".strip())


def _tr(cells: list[Any], className: str = "", *, hover: bool = False) -> html.Tr:
    hovered = attrs(data_hover="true") if hover else {}
    return html.Tr(
        cells,
        className=f"m_4e7aa4fd mantine-Table-tr {className}".strip(),
        **attrs(data_with_row_border="true"),
        **hovered,
    )


def _table(head: list[Any], rows: list[Any], className: str, *, hover: bool = False) -> html.Table:
    return html.Table(
        [
            html.Thead(_tr(head, hover=hover), className="m_b242d975 mantine-Table-thead"),
            html.Tbody(rows, className="m_b2404537 mantine-Table-tbody"),
        ],
        className=f"{className} m_b23fa0ef mantine-Table-table",
        style=_TABLE_STYLE,
        **attrs(data_with_table_border="true"),
    )


def _mean(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _top(value: int | None) -> str:
    return "–" if value is None else str(value)


_VERDICT_CLASS = {
    StepVerdict.NOT_TOLERATED: "tw-verdict tw-worse",
    StepVerdict.TOLERATED: "tw-verdict tw-verdict-ok",
}


def _verdict_cell(tolerance: StepTolerance, margin: int) -> Any:
    judgement = tolerance.judgement
    explain = {
        StepVerdict.NO_BASELINE: _("Too few CIWA-B before the step to compare with"),
        StepVerdict.TOO_EARLY: _("Too few CIWA-B since the step yet"),
    }.get(
        judgement.verdict,
        "; ".join(_reason_words(r, tolerance, margin) for r in judgement.reasons),
    )
    return _td(
        html.Span(
            _(VERDICT_WORDS[judgement.verdict]),
            className=_VERDICT_CLASS.get(judgement.verdict, "tw-verdict tw-muted"),
            title=explain or None,
        )
    )


def _reason_words(reason: str, tolerance: StepTolerance, margin: int) -> str:
    """A step's evidence (models.clinical.tolerance words it in English) as the flag messages
    word it (models.flag_text), in the reader's language."""
    t = request_translator()
    if reason.startswith("CIWA-B mean") and tolerance.rise is not None:
        values = {"after": _mean(tolerance.after_mean), "before": _mean(tolerance.before_mean),
                  "rise": f"{tolerance.rise:.0f}", "margin": margin}  # fmt: skip
        return flag_message("step_ciwa_rise", values, reason, t)
    if reason.endswith("before") and "PRN" in reason:
        values = {"after": tolerance.prn_after, "before": tolerance.prn_before}
        return flag_message("step_prn_rise", values, reason, t)
    return reason


def _tolerance_cells(tolerance: StepTolerance | None, margin: int) -> list[Any]:
    if tolerance is None:
        return [_td("–", className="tw-number") for _ in range(6)]
    rise = "" if tolerance.rise is None else f"{tolerance.rise:+.0f}"
    before = f"{_mean(tolerance.before_mean)} ({_top(tolerance.before_max)})"
    after = f"{_mean(tolerance.after_mean)} ({_top(tolerance.after_max)})"
    return [
        _td(f"{before} → {after}", className="tw-number"),
        _td(
            html.Span(
                f"▲ {rise}" if tolerance.worse else rise or "–",
                className="tw-worse" if tolerance.worse else "",
                title=_(
                    "Mean after minus mean before; {margin} or more is marked ▲ "
                    "(ward local policy)",
                    margin=margin,
                ),
            ),
            className="tw-number",
        ),
        _td(
            f"{tolerance.prn_before} → {tolerance.prn_after}",
            className="tw-number tw-worse"
            if tolerance.prn_after > tolerance.prn_before
            else "tw-number",
        ),
        _td(
            str(tolerance.abnormal_vitals),
            className="tw-number tw-worse" if tolerance.abnormal_vitals else "tw-number",
        ),
        _td(
            str(tolerance.missed_doses),
            className="tw-number tw-worse" if tolerance.missed_doses else "tw-number",
        ),
        _verdict_cell(tolerance, margin),
    ]


def steps_table(
    steps: Sequence[PlannedStep],
    *,
    drugs: Sequence[str],
    today: date,
    warnings: Mapping[int, PaceWarning],
    tolerance: dict[int, StepTolerance] | None = None,
    margin: int = 0,
    window_days: int = 0,
    changed_from: date | None = None,
    table_id: str | None = None,
    notes: dict[int, list[PaceWarning]] | None = None,
) -> html.Div:
    """The plan's steps (read-only: one block of markup, static_markup; ``table_id`` is the
    block's): date, mg per drug, diazepam-equivalent, pace warnings (and, in a
    preview, ``notes``: rises and switches), and (for a stored plan) how each step was
    tolerated. The step in force today is marked; planned ones are in italics; with
    ``changed_from`` the steps a preview changes are highlighted."""
    current = max((s.start for s in steps if s.start <= today), default=None)
    head = [_th(_("Step")), _th(_("From")), _th(_("Kind"))]
    head += [
        _th(_("{drug} mg/day", drug=drug_name(d).capitalize()), className="tw-number")
        for d in drugs
    ]
    head += [_th(html.Abbr(_("DE mg/day"), title=_("Diazepam-equivalent")), className="tw-number")]
    if tolerance is not None:
        head += _tolerance_head(window_days)
    head += [_th(_("Checks"))]
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
            _td(
                [str(step.index), html.Span(_(" ◀ now"), className="tw-now-tag")]
                if step.start == current
                else str(step.index),
                className="tw-date",
            ),
            _td(plan_day(step.start, year=True), className="tw-date"),
            _td(_(KIND_LABELS[step.kind]) if step.kind in KIND_LABELS else step.kind),
        ]
        cells += [
            _td(
                mg_number(step.daily_ug[d], language()) if d in step.daily_ug else "–",
                className="tw-number",
            )
            for d in drugs
        ]
        cells.append(_td(mg_value(step.diazepam_eq_mg), className="tw-number"))
        if tolerance is not None:
            cells += _tolerance_cells(tolerance.get(step.index), margin)
        tags = [(WARNING_TAGS["pace"], warnings[step.index])] if step.index in warnings else []
        tags += [
            (WARNING_TAGS.get(w.kind, N_("⚠ check")), w) for w in (notes or {}).get(step.index, [])
        ]
        cells.append(_td([_pace_tag(tag, warning) for tag, warning in tags]))
        rows.append(_tr(cells, " ".join(classes), hover=True))
    kwargs = {"id": table_id} if table_id else {}
    return static_block(_table(head, rows, "tw-steps", hover=True), **kwargs)


def _tolerance_head(window_days: int) -> list[Any]:
    span = ngettext("{n} d", "{n} d", window_days, n=window_days)
    return [
        _th(
            html.Abbr(
                _("CIWA-B {span} before → after", span=span),
                title=_(
                    "Mean (maximum) CIWA-B in the {span} before the step and after it", span=span
                ),
            ),
            className="tw-number",
        ),
        _th(_("Change"), className="tw-number"),
        _th(
            html.Abbr(
                _("PRN"), title=_("PRN doses in the {span} before the step → after it", span=span)
            ),
            className="tw-number",
        ),
        _th(
            html.Abbr(
                _("Abn. vitals"),
                title=_("NEWS2 5 or more, or a single parameter scoring 3 (RCP 2017)"),
            ),
            className="tw-number",
        ),
        _th(_("Missed"), className="tw-number"),
        _th(_("Verdict")),
    ]


def _pace_tag(tag: str, warning: PaceWarning) -> Any:
    """A check's tag; its details in the reader's language on hover."""
    return html.Div(_(tag), className="tw-pace", title=check_words(warning))


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


def pace_alert(warnings: Sequence[PaceWarning]) -> Any:
    """One line, and the details on demand: a long taper can have many fast late steps. The
    details are models.clinical.taper's checks in the reader's language."""
    if not warnings:
        return None
    return html.Details(
        [
            html.Summary(
                cited(
                    ngettext(
                        "⚠ Pace check: {n} step faster than the ASAM 2025 ceiling of 25 % per 2 "
                        "weeks [S16][S17] (marked in the table; a warning, not a refusal)",
                        "⚠ Pace check: {n} steps faster than the ASAM 2025 ceiling of 25 % per 2 "
                        "weeks [S16][S17] (marked in the table; a warning, not a refusal)",
                        len(warnings),
                        n=len(warnings),
                    )
                )
            ),
            html.Ul([html.Li(check_words(w)) for w in warnings], className="tw-pace-list"),
        ],
        className="tw-pace-alert",
    )


# A plan version's status (models.tables.PLAN_STATUSES) in words.
STATUS_WORDS: dict[str, str] = {
    "active": N_("active"),
    "superseded": N_("superseded"),
    "completed": N_("completed"),
}


def version_history(data: PlanPanelData) -> Any:
    rows = [
        _tr(
            [
                _td(_("v{version}", version=v.plan.version)),
                _td(change_label(v.plan.change)),
                _td(plan_day(v.plan.effective_from)),
                _td(v.author),
                _td(made_when(v.plan.created_at, data.view.tz)),
                _td(recipe_words(v.plan.recipe)),
                _td(v.plan.reason),
                _td(_(STATUS_WORDS.get(v.plan.status, v.plan.status))),
            ],
            "tw-step-current" if v.plan.status == "active" else "",
        )
        for v in data.versions
    ]
    head = [
        _("Version"),
        _("Change"),
        _("Effective"),
        _("By"),
        _("Made"),
        _("Recipe"),
        _("Reason"),
        _("Status"),
    ]
    return static_block(_table([_th(h) for h in head], rows, "tw-versions"), id="plan-versions")
