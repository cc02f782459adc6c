"""Printable sheets: the rounds sheet and, per patient, the current plan, MAR and a CIWA-B grid.

They double as the downtime pack: printed while the system is up, they let the ward carry on
on paper (blank columns to chart in, the schedule for the next days, the scale with its
wording). Plain tables, black on white, every colour also said in words (print CSS:
dashboard/assets/print.css). Not a page itself: print_rounds and print_patient show these.

Over ~400 lines: every printed sheet shares one plain table style and its helpers; each sheet
is one function.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Input, Output, html
from sqlmodel import Session

from dashboard.admission_queries import admission_view
from dashboard.chart_queries import assessments
from dashboard.components.charting_common import format_day_time
from dashboard.components.citations import cited, sources_footnote
from dashboard.components.rounds_suggestions import suggestions
from dashboard.context import default_ward, engine
from dashboard.flag_queries import flag_text
from dashboard.mar_queries import MarEntry, mar_entries
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.registry import clientside_callback
from dashboard.rounds_queries import RoundsSummary, rounds_summaries
from dashboard.theme import BAND_LABEL, LEVELS, news2_level
from models.access_log import record_read
from models.audit import Actor
from models.clinical.drugs import format_mg
from models.clinical.scales import CIWA_B_BANDS, CIWA_B_ITEMS, CIWA_B_MAX, own_anchors
from models.clinical.taper import PlannedStep
from models.co_medications import co_medications, depressant_warning
from models.db import transaction
from models.plans import parse_times
from models.rounds import DECISION_LABELS
from models.types import utcnow

CIWA_B_TEXT = (
    "Clinical Institute Withdrawal Assessment for Benzodiazepines (Busto et al. 1989 [S1]): "
    "items 1–17 rated by the patient (P), 18–20 by the observer (O) [S4]; each 0–4 [S3]. Items "
    "12 and 14 are positively worded: check the anchor direction on the form."
)
CIWA_B_BANDS_TEXT = "Band [S4]: {bands}"
PACE_TEXT = (
    "Pace check: {count} step(s) faster than the ASAM 2025 ceiling of 25 % per 2 weeks [S16][S17]."
)
MAR_DAYS_AHEAD = 2  # the MAR sheet covers today and this many days after (downtime pack)
MAR_HOURS_BACK = 24  # and the last day's doses with what became of them
CIWA_COLUMNS = 8  # blank assessment columns on the CIWA-B grid
RECENT_SCORES = 12
STATUS_TEXT = {
    "given": "Given",
    "given_late": "Given (late)",
    "held": "Held",
    "refused": "Refused",
    "not_given": "Not given",
    "missed": "MISSED (not charted)",
    "late": "Due, late",
    "due": "Due",
    "not_yet_due": "",
    "prn": "PRN given",
}


def print_bar(title: str, back_href: str) -> Any:
    """On screen only: what this is and a Print button."""
    return html.Div(
        [
            html.Span(title, className="tw-print-bar-title"),
            html.Button("Print", id="print-now", className="tw-print-button"),
            html.A("Back", href=back_href, className="tw-print-back"),
        ],
        className="tw-print-bar tw-no-print",
    )


def printed_line(actor: Actor, now: datetime, tz: ZoneInfo) -> Any:
    return html.P(
        f"Printed {format_day_time(now, tz)} ({tz.key}) by {actor.username}. A snapshot: when the "
        "system is back, chart what was done on paper and check it against the live record.",
        className="tw-print-small",
    )


def _steps_rows(steps: list[PlannedStep], drugs: tuple[str, ...], today: date) -> list[Any]:
    current = max((s.start for s in steps if s.start <= today), default=None)
    rows = []
    for step in steps:
        mark = "◀ now" if step.start == current else ""
        rows.append(
            html.Tr(
                [
                    html.Td(f"{step.index} {mark}"),
                    html.Td(f"{step.start:%a %d %b %Y}"),
                    html.Td(step.kind),
                    *[
                        html.Td(
                            format_mg(step.daily_ug[d]) if d in step.daily_ug else "–",
                            className="tw-number",
                        )
                        for d in drugs
                    ],
                    html.Td(f"{step.diazepam_eq_mg:g}", className="tw-number"),
                    html.Td(
                        ", ".join(
                            f"{dose.time:%H:%M} {dose.drug} {format_mg(dose.ug)} mg"
                            for dose in step.doses
                        )
                    ),
                ],
                className="tw-print-current" if mark else "",
            )
        )
    return rows


# --- rounds sheet ------------------------------------------------------------------------------


def _rounds_block(summary: RoundsSummary, tz: ZoneInfo, now: datetime) -> Any:
    today = now.astimezone(tz).date()
    day = (today - summary.admitted_at.astimezone(tz).date()).days + 1
    step = summary.current_step
    plan_line = "No taper plan."
    if summary.plan is not None and step is not None:
        doses = ", ".join(f"{d} {format_mg(ug)} mg/day" for d, ug in step.daily_ug.items())
        plan_line = (
            f"Plan v{summary.plan.version} ({summary.plan.recipe}); step {step.index} since "
            f"{step.start:%a %d %b}: {doses} (DE {step.diazepam_eq_mg:g} mg)"
        )
        if summary.next_step is not None:
            nxt = summary.next_step
            plan_line += f"; next {nxt.start:%a %d %b}: " + ", ".join(
                f"{d} {format_mg(ug)} mg" for d, ug in nxt.daily_ug.items()
            )
    scores = summary.scores
    ciwa = "no CIWA-B since"
    if scores is not None:
        ciwa = (
            f"{scores.first} → {scores.last} ({BAND_LABEL.get(scores.band, scores.band)}), "
            f"max {scores.highest}, {scores.count} scores"
        )
    news2 = "no vital signs since"
    if summary.highest_news2 is not None:
        top = summary.highest_news2
        level = LEVELS[news2_level(top.news2_total, top.news2_any_three)].label
        news2 = f"highest {top.news2_total} ({level}) at {format_day_time(top.taken_at, tz)}"
    missing = ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in summary.doses_not_given.items())
    since = (
        f"since the note of {format_day_time(summary.last_note.signed_at, tz)}"
        if summary.last_note
        else "since admission"
    )
    flags = [html.Li(f"{f.severity}: {flag_text(f)}") for f in summary.open_flags[:6]]
    return html.Section(
        [
            html.H3(
                f"{summary.bed} · {summary.name} · MRN {summary.mrn} · day {day} · "
                f"{summary.attending}"
            ),
            html.P(plan_line),
            *(
                [html.P(cited("⚠ " + summary.depressants.text), className="tw-print-warning")]
                if summary.depressants is not None
                else []
            ),
            html.P(
                cited("Review rules suggest: " + suggestion_text(summary)),
                className="tw-print-suggest",
            ),
            html.Table(
                html.Tbody(
                    [
                        html.Tr([html.Th(f"CIWA-B {since}"), html.Td(ciwa)]),
                        html.Tr([html.Th("NEWS2"), html.Td(news2)]),
                        html.Tr(
                            [
                                html.Th("Doses"),
                                html.Td(
                                    f"{summary.doses_given} of {summary.doses_planned} given"
                                    + (f"; {missing}" if missing else "")
                                ),
                            ]
                        ),
                        html.Tr(
                            [
                                html.Th("Open flags"),
                                html.Td(html.Ul(flags) if flags else "none"),
                            ]
                        ),
                    ]
                ),
                className="tw-print-facts",
            ),
            html.Div(
                [
                    html.Span("Decision: "),
                    *[
                        html.Span(f"☐ {DECISION_LABELS[d]}", className="tw-print-box")
                        for d in ("continue", "advance", "hold", "back", "adjust")
                    ],
                ],
                className="tw-print-decision",
            ),
            html.Div("Reason:", className="tw-print-line"),
            html.Div("", className="tw-print-line"),
            html.Div(
                [html.Span("Signed:"), html.Span("Time:", className="tw-print-time")],
                className="tw-print-line",
            ),
        ],
        className="tw-print-block tw-print-patient",
    )


def suggestion_text(summary: RoundsSummary) -> str:
    found = suggestions(summary)
    return "; ".join(f"{s.text} ({s.source})" if s.source else s.text for s in found) or (
        "nothing open"
    )


def rounds_sheet(actor: Actor, scope: str) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        attending = actor.user_id if scope == "mine" and actor.role == "physician" else None
        summaries = rounds_summaries(session, ward, now=now, attending_id=attending)
    tz = ZoneInfo(ward.timezone)
    title = f"Rounds sheet · {ward.name} · {now.astimezone(tz):%A %d %B %Y}"
    return html.Div(
        [
            print_bar("Rounds sheet", "/rounds"),
            html.Div(
                [
                    html.H1(title),
                    html.P(
                        ("Patients of " + actor.username if attending else "All patients")
                        + f": {len(summaries)}. Each summary covers the time since the patient's "
                        "last signed rounds note.",
                    ),
                    printed_line(actor, now, tz),
                    *[_rounds_block(s, tz, now) for s in summaries],
                    sources_footnote(
                        [suggestion_text(s) for s in summaries]
                        + [s.depressants.text for s in summaries if s.depressants is not None]
                    ),
                ],
                className="tw-print",
                id="print-rounds",
            ),
        ]
    )


# --- per patient: plan, MAR, CIWA-B grid --------------------------------------------------------


def _mar_rows(entries: list[MarEntry], tz: ZoneInfo) -> list[Any]:
    rows = []
    for entry in entries:
        at = entry.scheduled_at or entry.administered_at
        assert at is not None
        local = at.astimezone(tz)
        done = ""
        if entry.administered_at is not None:
            done = f"{entry.administered_at.astimezone(tz):%H:%M}"
            if entry.charted_by:
                done += f" {entry.charted_by}"
        status = STATUS_TEXT.get(entry.status, entry.status)
        rows.append(
            html.Tr(
                [
                    html.Td(f"{local:%a %d %b}"),
                    html.Td(f"{local:%H:%M}" if entry.scheduled_at else "PRN"),
                    html.Td(entry.drug),
                    html.Td(format_mg(entry.dose_ug), className="tw-number"),
                    html.Td(status + (f": {entry.reason}" if entry.reason else "")),
                    html.Td(done),
                    html.Td(""),
                    html.Td(""),
                ],
                className="tw-print-missed" if entry.status == "missed" else "",
            )
        )
    return rows


def _ciwa_grid() -> Any:
    blanks = [html.Td("", className="tw-print-cell") for _ in range(CIWA_COLUMNS)]
    rows = [
        html.Tr(
            [
                html.Td(str(item.number), className="tw-number"),
                html.Td(
                    f"{item.text} ({item.anchor_text})"
                    if own_anchors(item, CIWA_B_ITEMS)
                    else item.text
                ),
                html.Td("P" if item.rater == "patient" else "O"),
                *[html.Td("", className="tw-print-cell") for _ in range(CIWA_COLUMNS)],
            ]
        )
        for item in CIWA_B_ITEMS
    ]
    low = 0
    bands = []
    for high, band in CIWA_B_BANDS:
        bands.append(
            f"{low}–{high} {BAND_LABEL[band.value].lower()}"
            if high > low
            else f"{low} {BAND_LABEL[band.value].lower()}"
        )
        low = high + 1
    return html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th("#"),
                        html.Th(
                            "Item (score each 0 = not at all … 4 = very much so, unless the "
                            "item gives its own anchors)"
                        ),
                        html.Th("By"),
                        *[html.Th("Date / time", className="tw-print-cell") for _ in blanks],
                    ]
                )
            ),
            html.Tbody(
                [
                    *rows,
                    html.Tr(
                        [
                            html.Th(""),
                            html.Th(f"Total (0–{CIWA_B_MAX})"),
                            html.Th(""),
                            *[html.Td("", className="tw-print-cell") for _ in blanks],
                        ]
                    ),
                    html.Tr(
                        [
                            html.Th(""),
                            html.Th(cited(CIWA_B_BANDS_TEXT.format(bands="; ".join(bands)))),
                            html.Th(""),
                            *[html.Td("", className="tw-print-cell") for _ in blanks],
                        ]
                    ),
                    html.Tr(
                        [
                            html.Th(""),
                            html.Th("Initials"),
                            html.Th(""),
                            *[html.Td("", className="tw-print-cell") for _ in blanks],
                        ]
                    ),
                ]
            ),
        ],
        className="tw-grid tw-ciwa-grid",
    )


def patient_sheets(actor: Actor, admission_id: int) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        view = admission_view(session, admission_id)
        if view is None:
            return dmc.Alert("No such admission.", color="red", id="print-missing")
    with transaction(engine()) as writing:
        record_read(writing, actor=actor, action="read.print", admission_id=admission_id)
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
        tz = view.tz
        today = now.astimezone(tz).date()
        until = datetime.combine(today + timedelta(days=MAR_DAYS_AHEAD + 1), time(0), tz)
        entries = mar_entries(
            session,
            admission_id,
            view.ward,
            now=now,
            since=now - timedelta(hours=MAR_HOURS_BACK),
            until=until,
        )
        recent = assessments(session, admission_id, since=now - timedelta(hours=24))
        depressants = depressant_warning(
            co_medications(session, admission_id), view.admission.naloxone
        )
    assert data is not None
    patient = view.patient
    who = (
        f"{view.name} · MRN {patient.mrn} · born {patient.birth_date:%d %b %Y} · bed "
        f"{view.admission.bed} · {view.ward.name} · attending {view.attending}"
    )
    plan = data.plan
    plan_part: list[Any] = [html.H2("Taper plan")]
    if plan is None:
        plan_part.append(html.P("No taper plan."))
    else:
        drugs = (plan.drug,) if plan.to_drug is None else (plan.drug, plan.to_drug)
        times = ", ".join(t.strftime("%H:%M") for t in parse_times(plan.times))
        plan_part += [
            html.P(
                f"Version {plan.version} ({plan.change}), recipe {plan.recipe}, from "
                f"{format_mg(plan.daily_ug)} mg/day {plan.drug}"
                + (f", crossing over to {plan.to_drug}" if plan.to_drug else "")
                + f"; equivalence table {plan.equivalence_table}; dose times {times}. "
                f"Reason: {plan.reason}"
            ),
            html.Table(
                [
                    html.Thead(
                        html.Tr(
                            [html.Th("Step"), html.Th("From"), html.Th("Kind")]
                            + [html.Th(f"{d} mg/day") for d in drugs]
                            + [html.Th("DE mg/day"), html.Th("Doses")]
                        )
                    ),
                    html.Tbody(_steps_rows(data.steps, drugs, today)),
                ],
                className="tw-grid",
            ),
        ]
        if data.warnings:
            plan_part.append(
                html.P(
                    cited(PACE_TEXT.format(count=len(data.warnings))), className="tw-print-small"
                )
            )
    mar_head = [
        "Day",
        "Due",
        "Drug",
        "mg",
        "Status",
        "Charted",
        "Given at / initials",
        "Not given: reason",
    ]
    scores = ", ".join(
        f"{a.taken_at.astimezone(tz):%a %H:%M} {a.total} ({BAND_LABEL.get(a.band, a.band)})"
        for a in recent[-RECENT_SCORES:]
    )
    return html.Div(
        [
            print_bar("MAR and CIWA-B sheets", f"/patient/{admission_id}"),
            html.Div(
                [
                    html.Section(
                        [
                            html.H1(f"Medication record · {who}"),
                            printed_line(actor, now, tz),
                            *(
                                [
                                    html.P(
                                        cited("⚠ " + depressants.text),
                                        className="tw-print-warning",
                                        id="print-depressants",
                                    )
                                ]
                                if depressants is not None
                                else []
                            ),
                            html.H2(
                                f"MAR: {(today - timedelta(days=1)):%a %d %b} to "
                                f"{(today + timedelta(days=MAR_DAYS_AHEAD)):%a %d %b}"
                            ),
                            html.Table(
                                [
                                    html.Thead(html.Tr([html.Th(h) for h in mar_head])),
                                    html.Tbody(_mar_rows(entries, tz)),
                                ],
                                className="tw-grid tw-mar-grid",
                                id="print-mar",
                            ),
                            *plan_part,
                        ],
                        className="tw-print-sheet",
                    ),
                    html.Section(
                        [
                            html.H1(f"CIWA-B · {who}"),
                            html.P(cited(CIWA_B_TEXT), className="tw-print-small"),
                            html.P(f"Last 24 h: {scores or 'no scores'}"),
                            _ciwa_grid(),
                            sources_footnote(
                                [CIWA_B_TEXT, CIWA_B_BANDS_TEXT]
                                + ([PACE_TEXT] if plan is not None and data.warnings else [])
                                + ([depressants.text] if depressants is not None else [])
                            ),
                        ],
                        className="tw-print-sheet tw-page-break",
                        id="print-ciwa",
                    ),
                ],
                className="tw-print",
                id="print-patient",
            ),
        ]
    )


# The print button of every paper page (each imports this module).
clientside_callback(
    "function(n) { if (n) { window.print(); } return ''; }",
    Output("print-now", "title"),
    Input("print-now", "n_clicks"),
    prevent_initial_call=True,
)
