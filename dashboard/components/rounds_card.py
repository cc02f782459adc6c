"""A patient's card on the rounds page: tiles for CIWA, NEWS2, doses, the step and the load,
the flags, co-medications and PRN, and what happened since the last rounds note.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html

from dashboard.components.charting_common import attrs, format_day_time, level_style
from dashboard.components.citations import cited
from dashboard.components.prn_reads import order_text
from dashboard.components.rounds_suggestions import flag_label, suggestion_line
from dashboard.components.sparkline import sparkline
from dashboard.flag_queries import flag_text
from dashboard.rounds_queries import RoundsSummary
from dashboard.theme import BAND_LABEL, BAND_LEVEL, FLAG_LEVEL, LEVELS, news2_level
from models.clinical.drugs import format_mg
from models.clinical.load import trend as load_trend
from models.plan_changes import on_open_hold
from models.rounds import DECISION_LABELS


def _text(children: Any, *, dimmed: bool = False, className: str = "", **props: Any) -> html.Div:
    """A line of small text (Mantine's Text, size "sm"), as a plain element: a ward's rounds are
    some 40 cards of 40 elements each, and plain elements draw several times faster."""
    classes = " ".join(c for c in ("tw-text-sm", "tw-dimmed" if dimmed else "", className) if c)
    return html.Div(children, className=classes, **props)


def _row(children: list[Any], *, gap: str = "xs", className: str = "") -> html.Div:
    """Items side by side, wrapping, centred (Mantine's Group), as a plain element."""
    return html.Div(children, className=f"tw-row tw-gap-{gap} {className}".strip())


def level_badge(text: str, level: int, **props: Any) -> html.Span:
    """A severity badge on a rounds card (the card's own style; charting forms use
    ``level_chip``)."""
    return html.Span(text, className="tw-level", style=level_style(level), **props)


def ciwa_tile(summary: RoundsSummary) -> Any:
    scores = summary.scores
    if scores is None:
        return _tile("CIWA-B", [_text("No score since", dimmed=True)])
    change = scores.last - scores.first
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    body: list[Any] = [
        _row(
            [
                html.Span(str(scores.last), className="tw-big"),
                level_badge(
                    BAND_LABEL.get(scores.band, scores.band), BAND_LEVEL.get(scores.band, 0)
                ),
            ]
        ),
        _text(
            f"{arrow} {scores.first} → {scores.last}, max {scores.highest} ({scores.count} scores)",
            className="tw-trend",
        ),
    ]
    if len(scores.recent) >= 2:
        body.append(
            sparkline(
                scores.recent,
                color="#1F2933",
                label=f"CIWA-B trend: the last {len(scores.recent)} scores, "
                f"{scores.recent[0]} to {scores.last}",
            )
        )
    return _tile("CIWA-B", body)


def news2_tile(summary: RoundsSummary, tz: ZoneInfo) -> Any:
    top = summary.highest_news2
    if top is None:
        return _tile("Highest NEWS2", [_text("No vital signs since", dimmed=True)])
    level = news2_level(top.news2_total, top.news2_any_three)
    return _tile(
        "Highest NEWS2",
        [
            _row(
                [
                    html.Span(str(top.news2_total), className="tw-big"),
                    level_badge(LEVELS[level].label, level),
                ]
            ),
            _text(
                f"{format_day_time(top.taken_at, tz)}; {summary.abnormal_vitals} abnormal set(s)"
            ),
        ],
    )


def doses_tile(summary: RoundsSummary) -> Any:
    missing = ", ".join(
        f"{n} {status.replace('_', ' ')}" for status, n in sorted(summary.doses_not_given.items())
    )
    return _tile(
        "Doses given",
        [
            html.Span(f"{summary.doses_given} of {summary.doses_planned}", className="tw-big"),
            _text(missing or "none missed", className="tw-worse" if missing else ""),
        ],
    )


def not_tolerated_warning(summary: RoundsSummary) -> str | None:
    """While a step-not-tolerated flag is unresolved, the next cut comes after a step the
    patient did not tolerate: said wherever that cut is shown (models.clinical.tolerance)."""
    flags = [f for f in summary.open_flags if f.rule == "step_not_tolerated"]
    if not flags:
        return None
    when = ", ".join(
        f"{date.fromisoformat(s.removeprefix('step:')):%d %b}"
        for s in sorted(f.subject for f in flags if f.subject.startswith("step:"))
    )
    return f"⚠ The step of {when} was not tolerated (flag open): review before the next cut"


def step_tile(summary: RoundsSummary, today: Any) -> Any:
    step = summary.current_step
    if summary.plan is None or step is None:
        return _tile("Taper step", [_text("No taper plan")])
    doses = ", ".join(f"{d} {format_mg(ug)} mg" for d, ug in step.daily_ug.items())
    days_on = (today - step.start).days + 1
    if on_open_hold(summary.steps, today):
        after = "on hold until resumed"
    elif summary.next_step is not None:
        nxt = summary.next_step
        after = f"next {nxt.start:%a} {nxt.start.day} {nxt.start:%b}: " + ", ".join(
            f"{format_mg(ug)} mg" for ug in nxt.daily_ug.values()
        )
    else:
        after = "last step"
    warning = not_tolerated_warning(summary)
    return _tile(
        "Taper step",
        [
            html.Span(f"Step {step.index}", className="tw-big"),
            _text(f"{doses}/day (DE {step.diazepam_eq_mg:g} mg), day {days_on}"),
            _text(after, dimmed=True),
            *(
                [
                    _text(
                        warning,
                        className="tw-worse",
                        id=f"rounds-not-tolerated-{summary.admission_id}",
                    )
                ]
                if warning
                else []
            ),
        ],
    )


def load_tile(summary: RoundsSummary) -> Any:
    """The total benzodiazepine load given today (scheduled + PRN, diazepam-equivalent mg) and
    its last days: a PRN use that climbs while the taper falls shows here."""
    if not summary.loads:
        return _tile("Load given (DE)", [_text("Nothing given")])
    today = summary.loads[-1]
    prn_days = sum(1 for d in summary.loads if d.prn_doses)
    body: list[Any] = [
        html.Span(f"{today.total_de_mg:g} mg", className="tw-big"),
        _text(f"today {today.scheduled_de_mg:g} scheduled + {today.prn_de_mg:g} PRN"),
    ]
    change = load_trend(summary.loads)
    if change is not None:
        arrow = "▲" if change > 0.5 else "▼" if change < -0.5 else "="
        body.append(
            html.Div(
                f"{arrow} {change:+.1f} mg/day over 3 days · PRN on {prn_days} of "
                f"{len(summary.loads)} days",
                className="tw-trend tw-worse tw-small" if change > 0.5 else "tw-trend tw-small",
                title="Mean of the last 3 days minus the mean of the 3 days before",
            )
        )
    body.append(
        sparkline(
            [round(d.total_de_mg, 1) for d in summary.loads],
            color="#009E73",
            label=f"Load given each day (diazepam-equivalent mg), the last "
            f"{len(summary.loads)} days",
        )
    )
    return _tile("Load given (DE)", body)


def depressant_line(summary: RoundsSummary) -> Any:
    """Other CNS depressants on board, with the boxed warning and the naloxone check."""
    if summary.depressants is None:
        return None
    return html.Div(
        ["⚠ ", *cited(summary.depressants.text)],
        className="tw-mar-warning tw-depressant-line",
        role="note",
    )


def prn_line(summary: RoundsSummary) -> Any:
    """The PRN orders in force, one line each."""
    if not summary.prn_orders:
        return None
    return html.Div(
        [html.Span("PRN orders: ", className="tw-suggest-lead")]
        + [
            html.Span(order_text(order) + ". ", className="tw-suggest-item")
            for order in summary.prn_orders
        ],
        className="tw-suggestion tw-prn-line",
    )


def flags_tile(summary: RoundsSummary) -> Any:
    if not summary.open_flags:
        return _tile("Open flags", [_text("None")])
    shown = summary.open_flags[:4]
    chips: list[Any] = [
        level_badge(
            f"⚑ {flag_label(f.rule)}" + (" (cleared)" if f.status == "cleared" else ""),
            FLAG_LEVEL.get(f.severity, 1) if f.status != "cleared" else 0,
            title=flag_text(f),
        )
        for f in shown
    ]
    more = len(summary.open_flags) - len(shown)
    if more:
        chips.append(_text(f"+{more} more"))
    return _tile("Open flags", [html.Div(chips, className="tw-stack")])


def _tile(title: str, body: list[Any]) -> Any:
    return html.Div([html.Div(title, className="tw-tile-title"), *body], className="tw-tile")


def since_line(summary: RoundsSummary, tz: ZoneInfo) -> str:
    note = summary.last_note
    if note is None:
        return f"No rounds note yet: since admission {format_day_time(summary.admitted_at, tz)}"
    return (
        f"Since the rounds note of {format_day_time(note.signed_at, tz)} "
        f"by {summary.last_note_author}: "
        f"{DECISION_LABELS.get(note.decision, note.decision).lower()} — {note.reason}"
    )


def patient_card(summary: RoundsSummary, *, tz: ZoneInfo, now: datetime, can_sign: bool) -> Any:
    today = now.astimezone(tz).date()
    day = (today - summary.admitted_at.astimezone(tz).date()).days + 1
    drug = ""
    if summary.plan is not None:
        drug = summary.plan.drug + (f" → {summary.plan.to_drug}" if summary.plan.to_drug else "")
    worst = max((FLAG_LEVEL.get(f.severity, 1) for f in summary.open_flags), default=0)
    return html.Div(
        [
            _row(
                [
                    _row(
                        [
                            html.Span(summary.bed, className="tw-bed"),
                            html.Span(summary.name, className="tw-name"),
                            _text(f"MRN {summary.mrn} · day {day} · {drug}", dimmed=True),
                        ],
                        gap="sm",
                    ),
                    dmc.Button(
                        "Review and decide" if can_sign else "Review",
                        id={"type": "rounds-review-open", "admission": summary.admission_id},
                        color="indigo",
                        size="md",
                        className="tw-no-print",
                    ),
                ],
                gap="md",
                className="tw-row-between",
            ),
            _text(since_line(summary, tz), dimmed=True, className="tw-since"),
            html.Div(
                [
                    ciwa_tile(summary),
                    news2_tile(summary, tz),
                    doses_tile(summary),
                    step_tile(summary, today),
                    load_tile(summary),
                    flags_tile(summary),
                ],
                className="tw-tiles",
            ),
            depressant_line(summary),
            suggestion_line(summary),
            prn_line(summary),
        ],
        className=f"tw-paper tw-rounds-card tw-level-edge-{worst}",
        id=f"rounds-card-{summary.admission_id}",
        **attrs(data_name=summary.name),
    )
