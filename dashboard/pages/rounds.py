"""Rounds: the attending's patients, each with what happened since the last signed rounds note,
and the decision (continue, advance, hold, go back, adjust) signed with its reason.

Physicians and admins see the page; only a physician signs a decision (the callbacks answer 403
to anyone else, and models.rounds refuses the write). A decision other than "continue" carries
out the plan change in the same transaction as the note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components import (
    patient_overview,
    plan_change_form,
    plan_preview,
    plan_views,
    plan_write,
)
from dashboard.components.charting_common import format_day_time, level_style
from dashboard.components.charting_prn import order_text
from dashboard.components.citations import cited
from dashboard.components.plan_change_form import form_states
from dashboard.components.plan_preview import refusal_message
from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback, register_page
from dashboard.rounds_queries import RoundsSummary, rounds_summaries
from dashboard.theme import BAND_LABEL, BAND_LEVEL, FLAG_LEVEL, LEVELS, news2_level
from models.audit import Actor
from models.clinical.drugs import format_mg
from models.clinical.load import trend as load_trend
from models.errors import FieldError
from models.flags import REVIEW_RULE_BY_NAME
from models.plan_changes import MAX_HOLD_DAYS, on_open_hold
from models.rounds import DECISION_LABELS, preview_decision, rounds_notes, sign_rounds_note
from models.tables import RoundsNote, User, Ward
from models.types import utcnow

register_page(__name__, path="/rounds", title="Rounds")
ROLES = ("physician", "admin")
DECISION_ORDER = ("continue", "advance", "hold", "back", "adjust")
DECISION_KIND = {"hold": "hold", "adjust": "recipe"}  # the change-form fields each needs


@dataclass(frozen=True)
class Suggestion:
    decision: str | None  # the decision the rule points to, if it points to one
    text: str
    source: str


# What each review rule's open flag suggests at rounds (jobs/rules.py names the rules). Only the
# sources cited back a decision; the rest ask for a look before deciding.
SUGGESTIONS: dict[str, Suggestion] = {
    "step_not_tolerated": Suggestion(
        "hold",
        "Hold the taper: CIWA-B rose after the last step",
        "ASAM 2025: check for withdrawal after every cut; if significant, slow or pause [S16]",
    ),
    "severe_withdrawal": Suggestion(
        "hold",
        "Consider holding: withdrawal is severe now",
        "Bands [S4]; ASAM 2025: if withdrawal is significant, slow or pause [S16]",
    ),
    "worsening": Suggestion(
        "hold",
        "Consider holding: the CIWA-B is rising",
        "Worsening rule thresholds: ward local policy",
    ),
    "prn_use": Suggestion(
        "hold",
        "Consider holding: PRN use is high, the taper may not be holding",
        "PRN limits: ward local policy",
    ),
    "news2": Suggestion(
        None,
        "Urgent clinical review first: NEWS2 trigger",
        "RCP NEWS2 clinical response [S35]",
    ),
    "dose_too_high": Suggestion(
        None,
        "Sedation: the dose may be too high — consider a reduction",
        "Held for sedation [S71]; POSS 3 or more: reduce the sedating dose [S68]",
    ),
    "missed_dose": Suggestion(
        None,
        "Doses were missed: review before cutting further",
        "Skipped doses worsen withdrawal [S23]",
    ),
    "dose_skipped": Suggestion(
        None,
        "Doses were held or refused: review before cutting further",
        "Skipped doses worsen withdrawal [S23]",
    ),
    "prn_reassessment": Suggestion(
        None,
        "A PRN dose has no score after it: reassess before deciding",
        "Reassessment after PRN: ward local policy",
    ),
    "assessment_overdue": Suggestion(
        None,
        "A CIWA-B is overdue: get a current score before deciding",
        "Reassessment interval: ward local policy",
    ),
    "vitals_overdue": Suggestion(
        None, "Vital signs are overdue", "Observation interval: ward local policy / NEWS2 [S35]"
    ),
    "dose_unconfirmed": Suggestion(
        None,
        "Confirm the admission dose: it is above its label maximum",
        "Label maxima [S61][S62][S63][S64]",
    ),
    "no_plan": Suggestion(
        None, "No taper plan in force: write one", "Every admitted patient needs a plan"
    ),
}
SUGGESTION_ORDER = tuple(SUGGESTIONS)


def suggestions(summary: RoundsSummary) -> list[Suggestion]:
    """One suggestion per rule with an open flag, most decisive first."""
    rules = {f.rule for f in summary.open_flags}
    known = [SUGGESTIONS[r] for r in SUGGESTION_ORDER if r in rules]
    unknown = sorted(rules - set(SUGGESTIONS))
    return known + [Suggestion(None, f"Open flag: {flag_label(r)}", "") for r in unknown]


def flag_label(rule: str) -> str:
    found = REVIEW_RULE_BY_NAME.get(rule)
    return found.label if found else rule.replace("_", " ")


# --- pieces -----------------------------------------------------------------------------------


def level_badge(text: str, level: int, **attrs: Any) -> html.Span:
    """A severity badge on a rounds card (the card's own style; charting forms use
    ``level_chip``)."""
    return html.Span(text, className="tw-level", style=level_style(level), **attrs)


def _ciwa_tile(summary: RoundsSummary) -> Any:
    scores = summary.scores
    if not scores:
        return _tile("CIWA-B", [dmc.Text("No score since", size="sm", c="dimmed")])
    first, last = scores[0], scores[-1]
    highest = max(t for _, t, _ in scores)
    change = last[1] - first[1]
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    body: list[Any] = [
        dmc.Group(
            [
                html.Span(str(last[1]), className="tw-big"),
                level_badge(BAND_LABEL.get(last[2], last[2]), BAND_LEVEL.get(last[2], 0)),
            ],
            gap="xs",
        ),
        dmc.Text(
            f"{arrow} {first[1]} → {last[1]}, max {highest} ({len(scores)} scores)",
            size="sm",
            className="tw-trend",
        ),
    ]
    if len(scores) >= 2:
        body.append(
            dmc.Sparkline(
                data=[t for _, t, _ in scores[-40:]],
                h=36,
                w=170,
                color="#1F2933",
                curveType="linear",
                fillOpacity=0.1,
                strokeWidth=1.5,
            )
        )
    return _tile("CIWA-B", body)


def _news2_tile(summary: RoundsSummary, tz: ZoneInfo) -> Any:
    top = summary.highest_news2
    if top is None:
        return _tile("Highest NEWS2", [dmc.Text("No vital signs since", size="sm", c="dimmed")])
    level = news2_level(top.news2_total, top.news2_any_three)
    return _tile(
        "Highest NEWS2",
        [
            dmc.Group(
                [
                    html.Span(str(top.news2_total), className="tw-big"),
                    level_badge(LEVELS[level].label, level),
                ],
                gap="xs",
            ),
            dmc.Text(
                f"{format_day_time(top.taken_at, tz)}; {summary.abnormal_vitals} abnormal set(s)",
                size="sm",
            ),
        ],
    )


def _doses_tile(summary: RoundsSummary) -> Any:
    missing = ", ".join(
        f"{n} {status.replace('_', ' ')}" for status, n in sorted(summary.doses_not_given.items())
    )
    return _tile(
        "Doses given",
        [
            html.Span(f"{summary.doses_given} of {summary.doses_planned}", className="tw-big"),
            dmc.Text(missing or "none missed", size="sm", className="tw-worse" if missing else ""),
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


def _step_tile(summary: RoundsSummary, today: Any) -> Any:
    step = summary.current_step
    if summary.plan is None or step is None:
        return _tile("Taper step", [dmc.Text("No taper plan", size="sm")])
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
            dmc.Text(f"{doses}/day (DE {step.diazepam_eq_mg:g} mg), day {days_on}", size="sm"),
            dmc.Text(after, size="sm", c="dimmed"),
            *(
                [
                    dmc.Text(
                        warning,
                        size="sm",
                        className="tw-worse",
                        id=f"rounds-not-tolerated-{summary.admission_id}",
                    )
                ]
                if warning
                else []
            ),
        ],
    )


def _load_tile(summary: RoundsSummary) -> Any:
    """The total benzodiazepine load given today (scheduled + PRN, diazepam-equivalent mg) and
    its last days: a PRN use that climbs while the taper falls shows here."""
    if not summary.loads:
        return _tile("Load given (DE)", [dmc.Text("Nothing given", size="sm")])
    today = summary.loads[-1]
    prn_days = sum(1 for d in summary.loads if d.prn_doses)
    body: list[Any] = [
        html.Span(f"{today.total_de_mg:g} mg", className="tw-big"),
        dmc.Text(
            f"today {today.scheduled_de_mg:g} scheduled + {today.prn_de_mg:g} PRN",
            size="sm",
        ),
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
        dmc.Sparkline(
            data=[round(d.total_de_mg, 1) for d in summary.loads],
            h=36,
            w=170,
            color="#009E73",
            curveType="linear",
            fillOpacity=0.1,
            strokeWidth=1.5,
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


def _flags_tile(summary: RoundsSummary) -> Any:
    if not summary.open_flags:
        return _tile("Open flags", [dmc.Text("None", size="sm")])
    shown = summary.open_flags[:4]
    chips = [
        level_badge(
            f"⚑ {flag_label(f.rule)}" + (" (cleared)" if f.status == "cleared" else ""),
            FLAG_LEVEL.get(f.severity, 1) if f.status != "cleared" else 0,
            title=f.message,
        )
        for f in shown
    ]
    more = len(summary.open_flags) - len(shown)
    if more:
        chips.append(dmc.Text(f"+{more} more", size="sm"))
    return _tile("Open flags", [dmc.Stack(chips, gap=4)])


def _tile(title: str, body: list[Any]) -> Any:
    return html.Div([html.Div(title, className="tw-tile-title"), *body], className="tw-tile")


def suggestion_line(summary: RoundsSummary) -> Any:
    found = suggestions(summary)
    if not found:
        return dmc.Text(
            "Review rules: no open flags.",
            size="sm",
            c="dimmed",
            className="tw-suggestion",
        )
    return html.Div(
        [
            html.Span("Review rules suggest: ", className="tw-suggest-lead"),
            *[
                html.Span(
                    [
                        html.B(s.text),
                        html.Span(
                            [" (", *cited(s.source), ")"] if s.source else "", className="tw-source"
                        ),
                    ],
                    className="tw-suggest-item",
                )
                for s in found
            ],
        ],
        className="tw-suggestion",
    )


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
    return dmc.Paper(
        [
            dmc.Group(
                [
                    dmc.Group(
                        [
                            html.Span(summary.bed, className="tw-bed"),
                            html.Span(summary.name, className="tw-name"),
                            dmc.Text(
                                f"MRN {summary.mrn} · day {day} · {drug}", size="sm", c="dimmed"
                            ),
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
                justify="space-between",
            ),
            dmc.Text(since_line(summary, tz), size="sm", c="dimmed", className="tw-since"),
            html.Div(
                [
                    _ciwa_tile(summary),
                    _news2_tile(summary, tz),
                    _doses_tile(summary),
                    _step_tile(summary, today),
                    _load_tile(summary),
                    _flags_tile(summary),
                ],
                className="tw-tiles",
            ),
            depressant_line(summary),
            suggestion_line(summary),
            prn_line(summary),
        ],
        className=f"tw-rounds-card tw-level-edge-{worst}",
        withBorder=True,
        p="md",
        id=f"rounds-card-{summary.admission_id}",
        **{"data-name": summary.name},
    )


def cards(scope: str, actor: Actor) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        attending = actor.user_id if scope == "mine" else None
        summaries = rounds_summaries(session, ward, now=now, attending_id=attending)
    tz = ZoneInfo(ward.timezone)
    if not summaries:
        text = (
            "No admitted patients under your care. Choose 'All ward' to see everyone."
            if scope == "mine"
            else "No admitted patients."
        )
        return dmc.Text(text, id="rounds-empty")
    can_sign = actor.role == "physician"
    return dmc.Stack(
        [patient_card(s, tz=tz, now=now, can_sign=can_sign) for s in summaries], gap="md"
    )


# --- the review drawer -----------------------------------------------------------------------


def notes_list(notes: list[RoundsNote], authors: dict[int, str], tz: ZoneInfo) -> Any:
    if not notes:
        return dmc.Text("No rounds notes yet.", size="sm", c="dimmed")
    return html.Ul(
        [
            html.Li(
                f"{format_day_time(n.signed_at, tz)} — {authors.get(n.author_id, '?')}: "
                f"{DECISION_LABELS.get(n.decision, n.decision)}. {n.reason}"
            )
            for n in notes[:6]
        ],
        className="tw-notes",
    )


def _notes(session: Session, admission_id: int, tz: ZoneInfo) -> Any:
    notes = rounds_notes(session, admission_id)
    authors = {
        u.id: u.display_name for u in (session.get(User, n.author_id) for n in notes) if u and u.id
    }
    return notes_list(notes, authors, tz)


def plan_table(admission_id: int, now: datetime) -> Any:
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    if data is None or data.plan is None:
        return dmc.Text("No taper plan.", id="rd-no-plan")
    plan = data.plan
    drugs = (plan.drug,) if plan.to_drug is None else (plan.drug, plan.to_drug)
    return dmc.Stack(
        [
            plan_views.plan_header(
                plan,
                next((v.author for v in data.versions if v.plan.id == plan.id), ""),
                data.view.tz,
            ),
            dmc.ScrollArea(
                plan_views.steps_table(
                    data.steps,
                    drugs=drugs,
                    today=data.today,
                    warnings=data.warnings,
                    tolerance=data.tolerance,
                    margin=data.view.ward.step_margin_points,
                    window_days=data.view.ward.step_window_days,
                    table_id="rd-steps",
                ),
                mah=320,
                type="auto",
            ),
        ],
        gap="xs",
    )


def decision_form(summary: RoundsSummary, *, ward: Ward, today: Any) -> Any:
    suggested = next((s.decision for s in suggestions(summary) if s.decision), None)
    hint = (
        f"The review rules point to: {DECISION_LABELS[suggested].lower()}."
        if suggested
        else "No review rule points to a change."
    )
    drug = summary.plan.drug if summary.plan else "clonazepam"
    form = plan_change_form.change_form(
        "rd",
        start=plan_change_form.FormStart(drug, ""),
        times=ward.admin_times,
        today=today,
        initial_kind=None,
        save_label="Sign decision",
        reason_label="Reason (signed with the decision)",
    )
    return dmc.Stack(
        [
            dmc.Title("Decision", order=3),
            dmc.Text(
                hint + " Taperwatch never changes a dose by itself: you decide.",
                size="sm",
                c="dimmed",
            ),
            dmc.SegmentedControl(
                id="rd-decision",
                **{"aria-label": "Decision"},
                value="continue",
                size="md",
                fullWidth=True,
                data=[{"value": d, "label": DECISION_LABELS[d]} for d in DECISION_ORDER],
            ),
            form,
        ],
        gap="sm",
        className="tw-decision",
    )


def review_content(admission_id: int, actor: Actor) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        found = rounds_summaries(session, ward, now=now, admission_id=admission_id)
        tz = ZoneInfo(ward.timezone)
        notes = _notes(session, admission_id, tz)
    if not found:
        return dmc.Alert("This patient is not admitted any more.", color="red")
    summary = found[0]
    today = now.astimezone(tz).date()
    parts: list[Any] = [
        html.Div(
            [
                html.Div(
                    [
                        _ciwa_tile(summary),
                        _news2_tile(summary, tz),
                        _doses_tile(summary),
                        _step_tile(summary, today),
                        _load_tile(summary),
                        _flags_tile(summary),
                    ],
                    className="tw-tiles",
                ),
                suggestion_line(summary),
                prn_line(summary),
                dmc.Text(since_line(summary, tz), size="sm", c="dimmed"),
            ]
        ),
        patient_overview.chart_block(admission_id),
        html.Section(plan_table(admission_id, now), id="rd-plan", className="tw-section-card"),
    ]
    if actor.role == "physician":
        parts.append(
            html.Section(
                decision_form(summary, ward=ward, today=today), className="tw-section-card"
            )
        )
    else:
        parts.append(dmc.Text("Decisions are signed by a physician.", c="dimmed"))
    parts.append(
        html.Section(
            [dmc.Title("Rounds notes", order=4), html.Div(notes, id="rd-notes")],
            className="tw-section-card",
        )
    )
    return dmc.Stack(parts, gap="md")


# --- page ----------------------------------------------------------------------------------


def layout(**_: Any) -> Any:
    actor = current_actor()
    if actor.role not in ROLES:
        return dmc.Alert("Rounds are for physicians and admins.", color="red", id="rounds-denied")
    scope = "mine" if actor.role == "physician" else "all"
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
    today = now.astimezone(ZoneInfo(ward.timezone))
    return html.Div(
        [
            dmc.Group(
                [
                    dmc.Group(
                        [
                            dmc.Title("Rounds", order=2, className="tw-page-title"),
                            dmc.Text(f"{today:%A} {today.day} {today:%B %Y}", size="lg"),
                        ],
                        gap="md",
                        align="baseline",
                    ),
                    dmc.Group(
                        [
                            dmc.SegmentedControl(
                                id="rounds-scope",
                                **{"aria-label": "Whose patients"},
                                value=scope,
                                size="md",
                                data=[
                                    {"value": "mine", "label": "My patients"},
                                    {"value": "all", "label": "All ward"},
                                ],
                            ),
                            dmc.Anchor(
                                "Print rounds sheet",
                                href=f"/rounds/print?scope={scope}",
                                id="rounds-print-link",
                                target="_blank",
                                size="md",
                            ),
                        ],
                        gap="md",
                    ),
                ],
                justify="space-between",
                className="tw-no-print",
            ),
            html.Div(cards(scope, actor), id="rounds-list"),
            dmc.Drawer(
                html.Div(id="rounds-review"),
                id="rounds-drawer",
                opened=False,
                position="right",
                size="88%",
                title="",
                padding="md",
                closeOnClickOutside=False,
            ),
            dcc.Store(id="rounds-admission", data=None),
        ],
        className="tw-rounds",
    )


plan_change_form.form_callbacks("rd")


def _scoped(scope: str | None) -> str:
    return scope if scope in ("mine", "all") else "all"


@callback(
    output={
        "cards": Output("rounds-list", "children", allow_duplicate=True),
        "print_link": Output("rounds-print-link", "href"),
    },
    inputs={"scope": Input("rounds-scope", "value")},
    prevent_initial_call=True,
)
def _scope(scope: str | None) -> dict[str, Any]:
    actor = require_role(*ROLES)
    scope = _scoped(scope)
    return {"cards": cards(scope, actor), "print_link": f"/rounds/print?scope={scope}"}


@callback(
    output={
        "opened": Output("rounds-drawer", "opened"),
        "title": Output("rounds-drawer", "title"),
        "review": Output("rounds-review", "children"),
        "admission": Output("rounds-admission", "data"),
    },
    inputs={"clicks": Input({"type": "rounds-review-open", "admission": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open(clicks: list[int | None]) -> dict[str, Any]:
    actor = require_role(*ROLES)
    if not any(clicks) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    admission_id = int(ctx.triggered_id["admission"])
    with Session(engine()) as session:
        ward = default_ward(session)
        found = rounds_summaries(session, ward, now=utcnow(), admission_id=admission_id)
    title = f"{found[0].bed} · {found[0].name} · MRN {found[0].mrn}" if found else ""
    return {
        "opened": True,
        "title": html.Span(title, className="tw-drawer-title"),
        "review": review_content(admission_id, actor),
        "admission": admission_id,
    }


@callback(
    output={
        "styles": [Output(f"rd-{part}-fields", "style") for part in ("new", "hold", "recipe")],
        "preview": Output("rd-preview", "children", allow_duplicate=True),
        "save_disabled": Output("rd-save-btn", "disabled", allow_duplicate=True),
    },
    inputs={"decision": Input("rd-decision", "value")},
    prevent_initial_call="initial_duplicate",
)
def _decision(decision: str | None) -> dict[str, Any]:
    styles = plan_change_form.field_styles(DECISION_KIND.get(decision or "", "none"))
    return {"styles": styles, "preview": None, "save_disabled": True}


def _preview_decision(admission_id: int, decision: str, form: dict[str, Any]) -> Any:
    """The plan a decision would make (None: the plan stays as it is), or a Refusal."""
    values = plan_change_form.form_values("change", form)
    now = utcnow()

    def run(session: Session) -> Any:
        change = _change_values(decision, values)
        return preview_decision(
            session=session, admission_id=admission_id, decision=decision, now=now, **change
        )

    return attempt(engine(), run, write=False)


@callback(
    output={
        "preview": Output("rd-preview", "children"),
        "message": Output("rd-message", "children"),
        "save_disabled": Output("rd-save-btn", "disabled"),
        "label_box": Output("rd-label-box", "style"),
    },
    inputs={
        "clicks": Input("rd-preview-btn", "n_clicks"),
        "admission_id": State("rounds-admission", "data"),
        "decision": State("rd-decision", "value"),
        "form": form_states("rd"),
    },
    prevent_initial_call=True,
)
def _preview(
    clicks: int | None, admission_id: int | None, decision: str | None, form: dict[str, Any]
) -> dict[str, Any]:
    require_role("physician")
    if not clicks or admission_id is None or decision is None:
        return {"preview": no_update, "message": no_update, "save_disabled": True,
                "label_box": no_update}  # fmt: skip
    result = _preview_decision(admission_id, decision, form)
    if isinstance(result, Refusal):
        return {"preview": None, "message": refusal_message(result, saved=False),
                "save_disabled": True, "label_box": no_update}  # fmt: skip
    if result is None:
        unchanged = "No change to the plan: the note is signed with the plan as it is."
        return {"preview": dmc.Text(unchanged, fw=600, id="rd-no-change"), "message": None,
                "save_disabled": False, "label_box": {"display": "none"}}  # fmt: skip
    return {
        "preview": plan_preview.preview_view(
            result, today=result.effective_from, drugs=plan_preview.schedule_drugs(result)
        ),
        "message": None,
        "save_disabled": False,
        "label_box": plan_preview.label_box_style(result),
    }


def _signed_alert(decision: str, note: RoundsNote, tz: ZoneInfo) -> Any:
    return dmc.Alert(
        f"Signed: {DECISION_LABELS[decision].lower()} at {format_day_time(note.signed_at, tz)}."
        + (" The new plan version is on the chart." if decision != "continue" else ""),
        color="green",
        variant="light",
        id="rd-signed",
    )


@callback(
    output={
        "message": Output("rd-message", "children", allow_duplicate=True),
        "preview": Output("rd-preview", "children", allow_duplicate=True),
        "save_disabled": Output("rd-save-btn", "disabled", allow_duplicate=True),
        "plan": Output("rd-plan", "children"),
        "notes": Output("rd-notes", "children"),
        "refresh": Output("ov-refresh", "data", allow_duplicate=True),
        "cards": Output("rounds-list", "children", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("rd-save-btn", "n_clicks"),
        "admission_id": State("rounds-admission", "data"),
        "decision": State("rd-decision", "value"),
        "scope": State("rounds-scope", "value"),
        "form": form_states("rd"),
    },
    prevent_initial_call=True,
)
def _sign(
    clicks: int | None,
    admission_id: int | None,
    decision: str | None,
    scope: str | None,
    form: dict[str, Any],
) -> dict[str, Any]:
    actor = require_role("physician")
    if not clicks or admission_id is None or decision is None:
        raise PreventUpdate
    values = plan_change_form.form_values("change", form)
    now = utcnow()

    def run(session: Session) -> RoundsNote:
        return sign_rounds_note(
            session=session,
            actor=actor,
            admission_id=admission_id,
            decision=decision,
            reason=values.get("reason") or "",
            now=now,
            **_change_values(decision, values),
        )

    result = attempt(engine(), run)
    if isinstance(result, Refusal):
        unchanged = ("preview", "save_disabled", "plan", "notes", "refresh", "cards")
        return {"message": refusal_message(result, saved=True),
                **dict.fromkeys(unchanged, no_update)}  # fmt: skip
    with Session(engine()) as session:
        tz = ZoneInfo(default_ward(session).timezone)
        notes = _notes(session, admission_id, tz)
    return {
        "message": _signed_alert(decision, result, tz),
        "preview": None,
        "save_disabled": True,
        "plan": plan_table(admission_id, now),
        "notes": notes,
        "refresh": {"note_id": result.id, "at": now.isoformat()},
        "cards": cards(_scoped(scope), actor),
    }


def _change_values(decision: str, values: dict[str, Any]) -> dict[str, Any]:
    """The plan-change parameters of a rounds decision, read from the form."""
    confirm = {"above_label_reason": values.get("above_label_reason") or None}
    return _decision_values(decision, values) | confirm


def _decision_values(decision: str, values: dict[str, Any]) -> dict[str, Any]:
    if decision == "hold":
        if values.get("until_resumed"):
            return {"hold_days": None}
        days = values.get("hold_days")
        if days in (None, ""):
            raise FieldError(
                "hold_days", f"enter 1 to {MAX_HOLD_DAYS} days, or tick 'until resumed'"
            )
        return {"hold_days": int(days)}
    if decision == "adjust":
        return {"recipe": plan_write.recipe_text(values.get("preset"), values.get("custom_recipe"))}
    return {}
