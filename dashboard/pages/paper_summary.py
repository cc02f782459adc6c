"""The discharge summary (/patient/<admission_id>/summary), printable, for the next prescriber:
the stay, the doses at admission and discharge, every plan version, how each step was tolerated,
the last CIWA-B and NEWS2, the flags and how they ended, the rest of the taper in tablets and
the quantities to dispense until a date the reader chooses (``?until=YYYY-MM-DD``; default the
last step). Before discharge it previews the summary from today.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import dcc, html
from sqlmodel import Session

from dashboard.components.charting_common import format_dated_time
from dashboard.components.citations import cited, sources_footnote
from dashboard.context import current_actor, engine
from dashboard.flag_queries import flag_text
from dashboard.pages.print_views import print_bar
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.registry import register_page
from dashboard.theme import BAND_LABEL, LEVELS, news2_level
from models.clinical.drugs import format_mg
from models.clinical.tablets import dispense_words
from models.errors import FieldError
from models.going_home import GoingHome, StayFacts, going_home, stay_facts
from models.types import utcnow

register_page(__name__, path_template="/patient/<admission_id>/summary", title="Discharge summary")
TOLERANCE_TEXT = (
    "Tolerance: CIWA-B mean in the window before and after each step, and PRN doses; a step "
    "is not tolerated when the scores rise after it (symptoms may take up to a week [S22])."
)
FLAG_END = {
    "open": "still open",
    "acknowledged": "seen",
    "resolved": "resolved",
}


def _doses(daily: dict[str, int]) -> str:
    return ", ".join(f"{d} {format_mg(ug)} mg a day" for d, ug in sorted(daily.items())) or "none"


def _facts_table(home: GoingHome, facts: StayFacts) -> Any:
    tz = home.tz
    drug, ug, de = facts.admission_dose
    rows = [
        ("Admitted", format_dated_time(facts.admitted_at, tz)),
        (
            "Discharged",
            format_dated_time(facts.discharged_at, tz)
            if facts.discharged_at
            else "not yet (preview)",
        ),
        ("Attending", facts.attending),
        ("Dose at admission", f"{drug} {format_mg(ug)} mg a day (diazepam-equivalent {de:g} mg)"),
        (
            "Dose at discharge",
            _doses(facts.discharge_dose)
            + (
                f" (diazepam-equivalent {facts.discharge_de_mg:g} mg)"
                if facts.discharge_de_mg is not None
                else ""
            ),
        ),
    ]
    ciwa = facts.last_ciwa_b
    rows.append(
        (
            "Last CIWA-B",
            f"{ciwa.total} ({BAND_LABEL.get(ciwa.band, ciwa.band)}) "
            f"at {format_dated_time(ciwa.taken_at, tz)}"
            if ciwa
            else "none charted",
        )
    )
    vitals = facts.last_vitals
    if vitals is not None:
        level = LEVELS[news2_level(vitals.news2_total, vitals.news2_any_three)].label
        news2 = f"{vitals.news2_total} ({level}) at {format_dated_time(vitals.taken_at, tz)}"
    else:
        news2 = "none charted"
    rows.append(("Last NEWS2", news2))
    return html.Table(
        html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows]),
        className="tw-print-facts",
        id="summary-facts",
    )


def _versions(facts: StayFacts, tz: ZoneInfo) -> Any:
    if not facts.versions:
        return html.P("No taper plan was made.")
    return html.Table(
        [
            html.Thead(
                html.Tr([html.Th(h) for h in ("Version", "When", "Change", "Recipe", "By", "Why")])
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(str(v.version)),
                            html.Td(format_dated_time(v.created_at, tz)),
                            html.Td(v.change + (" (in force)" if v.status == "active" else "")),
                            html.Td(v.recipe),
                            html.Td(v.author),
                            html.Td(v.reason),
                        ]
                    )
                    for v in facts.versions
                ]
            ),
        ],
        className="tw-grid",
        id="summary-versions",
    )


def _tolerance(admission_id: int, now: datetime, tz: ZoneInfo) -> Any:
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    if data is None or not data.tolerance:
        return html.P("No steps on the ward to judge.")
    rows = []
    for step in data.steps:
        tol = data.tolerance.get(step.index)
        if tol is None or tol.starts_at > now:
            continue

        def mean(value: float | None) -> str:
            return f"{value:.0f}" if value is not None else "–"

        rows.append(
            html.Tr(
                [
                    html.Td(f"{step.start:%a %d %b}"),
                    html.Td(_doses(step.daily_ug)),
                    html.Td(f"{mean(tol.before_mean)} → {mean(tol.after_mean)}"),
                    html.Td(f"{tol.prn_before} → {tol.prn_after}"),
                    html.Td(tol.judgement.verdict.label),
                ]
            )
        )
    if not rows:
        return html.P("No steps on the ward to judge.")
    head = ("Step from", "Dose", "CIWA-B mean before → after", "PRN before → after", "Verdict")
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="tw-grid",
        id="summary-tolerance",
    )


def _flags(facts: StayFacts, tz: ZoneInfo) -> Any:
    if not facts.flags:
        return html.P("No flags were raised.")
    rows = []
    for flag in facts.flags:
        ended = FLAG_END.get(flag.status, flag.status)
        note = flag.resolve_note or flag.acknowledge_note or flag.cleared_note or ""
        rows.append(
            html.Tr(
                [
                    html.Td(format_dated_time(flag.raised_at, tz)),
                    html.Td(flag.severity),
                    html.Td(flag_text(flag)),
                    html.Td(ended + (f": {note}" if note else "")),
                ]
            )
        )
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in ("Raised", "Severity", "Flag", "Ended")])),
            html.Tbody(rows),
        ],
        className="tw-grid",
        id="summary-flags",
    )


def _remaining(home: GoingHome) -> Any:
    if not home.steps:
        return html.P("No taper to continue.")
    rows = []
    for position, step in enumerate(home.steps):
        end = (
            home.steps[position + 1].start - timedelta(days=1)
            if position + 1 < len(home.steps)
            else None
        )
        doses = [
            f"{d.time:%H:%M} {d.drug} {format_mg(d.ug)} mg = {home.choices[d.drug].words(d.ug)}"
            for d in step.doses
            if d.ug > 0
        ]
        rows.append(
            html.Tr(
                [
                    html.Td(f"{step.start:%a %d %b %Y}"),
                    html.Td(f"{end:%a %d %b %Y}" if end else "–"),
                    html.Td(_doses(step.daily_ug) if doses else "stop"),
                    html.Td(f"{step.diazepam_eq_mg:g}", className="tw-number"),
                    html.Td(html.Ul([html.Li(d) for d in doses]) if doses else "no tablets"),
                ]
            )
        )
    head = ("From", "To", "Daily dose", "DE mg", "Tablets")
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="tw-grid",
        id="summary-remaining",
    )


def _dispense(home: GoingHome, until: date, admission_id: int) -> list[Any]:
    quantities = home.dispense(until)
    lines = [
        html.Li(f"{drug}: {dispense_words(q)}", id=f"summary-dispense-{drug}")
        for drug, q in quantities.items()
    ]
    missing = sorted({d for q in quantities.values() for d in q.unmakeable_days})
    if missing:
        lines.append(
            html.Li(
                f"Not counted: doses on {len(missing)} day(s) the ward's tablets cannot make "
                f"(from {missing[0]:%d %b}).",
            )
        )
    return [
        html.P(
            f"From {home.first_day:%a %d %b %Y} to {until:%a %d %b %Y} (inclusive), whole "
            "tablets (a half left over is kept for the next dose):"
        ),
        html.Ul(lines, id="summary-dispense"),
        html.Form(
            [
                html.Label("Dispense until (YYYY-MM-DD) ", htmlFor="summary-until"),
                dcc.Input(
                    id="summary-until",
                    name="until",
                    type="text",
                    value=until.isoformat(),
                    placeholder="YYYY-MM-DD",
                ),
                html.Button("Recount", type="submit", className="tw-print-button"),
            ],
            method="get",
            action=f"/patient/{admission_id}/summary",
            className="tw-no-print tw-summary-until",
        ),
    ]


def _until(home: GoingHome, raw: str) -> tuple[date, str | None]:
    if not raw:
        return home.last_day, None
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        return home.last_day, f"{raw!r} is not a date: showing until the last step."
    if chosen < home.first_day:
        return home.last_day, "That date is before discharge: showing until the last step."
    return chosen, None


def summary_page(admission_id: int, until_text: str) -> Any:
    actor = current_actor()
    now = utcnow()
    try:
        with Session(engine()) as session:
            home = going_home(session, admission_id, now=now)
            facts = stay_facts(session, home)
    except FieldError:
        return dmc.Alert("No such admission.", color="red", id="print-missing")
    tz = home.tz
    patient = home.patient
    until, until_problem = _until(home, until_text)
    who = (
        f"{patient.given_name} {patient.family_name} · MRN {patient.mrn} · born "
        f"{patient.birth_date:%d %b %Y} · {home.ward.name}"
    )
    unmakeable: list[Any] = []
    if home.unmakeable:
        doses = ", ".join(f"{d} {format_mg(ug)} mg" for d, ug in home.unmakeable)
        unmakeable = [
            dmc.Alert(
                f"These doses cannot be made from the ward's tablets: {doses}. Change the plan "
                "or the tablets supplied (admin page) before discharge.",
                color="red",
                title="Doses the tablets cannot make",
                id="summary-unmakeable",
            )
        ]
    body = [
        html.H1(f"Discharge summary · {who}"),
        *([] if home.discharged else [html.P("Preview: the patient is still on the ward.")]),
        *unmakeable,
        _facts_table(home, facts),
        html.H2("Taper plan versions"),
        _versions(facts, tz),
        html.H2("How each step was tolerated"),
        html.P(cited(TOLERANCE_TEXT), className="tw-print-small"),
        _tolerance(admission_id, now, tz),
        html.H2("Flags raised and how they ended"),
        _flags(facts, tz),
        html.H2("The rest of the taper"),
        _remaining(home),
        html.H2("To dispense"),
        *([html.P(until_problem, id="summary-until-problem")] if until_problem else []),
        *_dispense(home, until, admission_id),
        html.H2("Who continues the taper"),
        html.Div("Name, service and telephone:", className="tw-print-line"),
        html.Div("First review on:", className="tw-print-line"),
        html.P(
            f"Printed {now.astimezone(tz):%d %b %Y %H:%M} by {actor.username}.",
            className="tw-print-small",
        ),
        sources_footnote([TOLERANCE_TEXT]),
    ]
    return html.Div(
        [
            print_bar("Discharge summary", f"/patient/{admission_id}"),
            html.Div(body, className="tw-print", id="print-summary"),
        ]
    )


def layout(admission_id: str = "", until: str = "", **_: Any) -> Any:
    if not admission_id.isdigit():
        return dmc.Alert("No such admission.", color="red", id="print-missing")
    return summary_page(int(admission_id), until if isinstance(until, str) else "")
