"""The discharge summary (/patient/<admission_id>/summary), printable, for the next prescriber:
the stay, the doses at admission and discharge, every plan version, how each step was tolerated,
the last CIWA-B and NEWS2, the flags and how they ended, the rest of the taper in tablets and
the quantities to dispense until a date the reader chooses (``?until=YYYY-MM-DD``; default the
last step; those two parts are summary_taper.py). Before discharge it previews the summary from
today.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html
from sqlmodel import Session

from dashboard.clinical_words import drug_name, recipe_words
from dashboard.components.citations import cited, sources_footnote
from dashboard.components.plan_words import (
    VERDICT_WORDS,
    change_label,
    dose_mg,
    mg_value,
)
from dashboard.components.queue_actions import severity_label
from dashboard.context import current_user_name, engine
from dashboard.flag_queries import flag_text
from dashboard.i18n import N_, _
from dashboard.pages.print_views import (
    print_bar,
    printed_when,
    sheet_date,
    sheet_dated_time,
    sheet_day,
)
from dashboard.pages.summary_taper import (
    daily_doses,
    dispense_lines,
    dispense_until,
    remaining_steps,
)
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.registry import register_page
from dashboard.theme import BAND_LABEL, LEVELS, news2_level
from models.errors import FieldError
from models.going_home import GoingHome, StayFacts, going_home, stay_facts
from models.types import utcnow

register_page(__name__, path_template="/patient/<admission_id>/summary", title="Discharge summary")
TOLERANCE_TEXT = N_(
    "Tolerance: CIWA-B mean in the window before and after each step, and PRN doses; a step "
    "is not tolerated when the scores rise after it (symptoms may take up to a week [S22])."
)
FLAG_END = {
    "open": N_("still open"),
    "acknowledged": N_("seen"),
    "resolved": N_("resolved"),
}


def _facts_table(home: GoingHome, facts: StayFacts) -> Any:
    tz = home.tz
    drug, ug, de = facts.admission_dose
    discharge = daily_doses(facts.discharge_dose)
    if facts.discharge_de_mg is not None:
        discharge += _(" (diazepam-equivalent {de} mg)", de=mg_value(facts.discharge_de_mg))
    rows = [
        (_("Admitted"), sheet_dated_time(facts.admitted_at, tz)),
        (
            _("Discharged"),
            sheet_dated_time(facts.discharged_at, tz)
            if facts.discharged_at
            else _("not yet (preview)"),
        ),
        (_("Attending"), facts.attending or _("unknown")),
        (
            _("Dose at admission"),
            _(
                "{drug} {dose} a day (diazepam-equivalent {de} mg)",
                drug=drug_name(drug),
                dose=dose_mg(ug),
                de=mg_value(de),
            ),
        ),
        (_("Dose at discharge"), discharge),
    ]
    ciwa = facts.last_ciwa_b
    rows.append(
        (
            _("Last CIWA-B"),
            _(
                "{total} ({band}) at {when}",
                total=ciwa.total,
                band=_(BAND_LABEL.get(ciwa.band, ciwa.band)),
                when=sheet_dated_time(ciwa.taken_at, tz),
            )
            if ciwa
            else _("none charted"),
        )
    )
    vitals = facts.last_vitals
    if vitals is not None:
        level = LEVELS[news2_level(vitals.news2_total, vitals.news2_any_three)].label
        news2 = _(
            "{total} ({band}) at {when}",
            total=vitals.news2_total,
            band=_(level),
            when=sheet_dated_time(vitals.taken_at, tz),
        )
    else:
        news2 = _("none charted")
    rows.append((_("Last NEWS2"), news2))
    return html.Table(
        html.Tbody([html.Tr([html.Th(k), html.Td(v)]) for k, v in rows]),
        className="tw-print-facts",
        id="summary-facts",
    )


def _versions(facts: StayFacts, tz: ZoneInfo) -> Any:
    if not facts.versions:
        return html.P(_("No taper plan was made."))
    return html.Table(
        [
            html.Thead(
                html.Tr(
                    [
                        html.Th(_(h))
                        for h in (
                            N_("Version"),
                            N_("When"),
                            N_("Change"),
                            N_("Recipe"),
                            N_("By"),
                            N_("Why"),
                        )
                    ]
                )
            ),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(str(v.version)),
                            html.Td(sheet_dated_time(v.created_at, tz)),
                            html.Td(
                                _("{change} (in force)", change=change_label(v.change))
                                if v.status == "active"
                                else change_label(v.change)
                            ),
                            html.Td(recipe_words(v.recipe)),
                            html.Td(v.author or _("unknown")),
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
        return html.P(_("No steps on the ward to judge."))
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
                    html.Td(sheet_day(step.start)),
                    html.Td(daily_doses(step.daily_ug)),
                    html.Td(f"{mean(tol.before_mean)} → {mean(tol.after_mean)}"),
                    html.Td(f"{tol.prn_before} → {tol.prn_after}"),
                    html.Td(_(VERDICT_WORDS[tol.judgement.verdict])),
                ]
            )
        )
    if not rows:
        return html.P(_("No steps on the ward to judge."))
    head = (
        _("Step from"),
        _("Dose"),
        _("CIWA-B mean before → after"),
        _("PRN before → after"),
        _("Verdict"),
    )
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="tw-grid",
        id="summary-tolerance",
    )


def _flags(facts: StayFacts, tz: ZoneInfo) -> Any:
    if not facts.flags:
        return html.P(_("No flags were raised."))
    rows = []
    for flag in facts.flags:
        ended = _(FLAG_END[flag.status]) if flag.status in FLAG_END else flag.status
        note = flag.resolve_note or flag.acknowledge_note or flag.cleared_note or ""
        rows.append(
            html.Tr(
                [
                    html.Td(sheet_dated_time(flag.raised_at, tz)),
                    html.Td(severity_label(flag.severity)),
                    html.Td(flag_text(flag)),
                    html.Td(ended + (f": {note}" if note else "")),
                ]
            )
        )
    return html.Table(
        [
            html.Thead(
                html.Tr(
                    [html.Th(_(h)) for h in (N_("Raised"), N_("Severity"), N_("Flag"), N_("Ended"))]
                )
            ),
            html.Tbody(rows),
        ],
        className="tw-grid",
        id="summary-flags",
    )


def summary_page(admission_id: int, until_text: str) -> Any:
    printed_by = current_user_name()  # also refuses a request with no one signed in
    now = utcnow()
    try:
        with Session(engine()) as session:
            home = going_home(session, admission_id, now=now)
            facts = stay_facts(session, home)
    except FieldError:
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    tz = home.tz
    patient = home.patient
    until, until_problem = dispense_until(home, until_text)
    who = _(
        "{name} · MRN {mrn} · born {born} · {ward}",
        name=f"{patient.given_name} {patient.family_name}",
        mrn=patient.mrn,
        born=sheet_date(patient.birth_date),
        ward=home.ward.name,
    )
    unmakeable: list[Any] = []
    if home.unmakeable:
        doses = ", ".join(f"{drug_name(d)} {dose_mg(ug)}" for d, ug in home.unmakeable)
        unmakeable = [
            dmc.Alert(
                _(
                    "These doses cannot be made from the ward's tablets: {doses}. Change the plan "
                    "or the tablets supplied (admin page) before discharge.",
                    doses=doses,
                ),
                color="red",
                title=_("Doses the tablets cannot make"),
                id="summary-unmakeable",
            )
        ]
    body = [
        html.H1(_("Discharge summary · {who}", who=who)),
        *([] if home.discharged else [html.P(_("Preview: the patient is still on the ward."))]),
        *unmakeable,
        _facts_table(home, facts),
        html.H2(_("Taper plan versions")),
        _versions(facts, tz),
        html.H2(_("How each step was tolerated")),
        html.P(cited(_(TOLERANCE_TEXT)), className="tw-print-small"),
        _tolerance(admission_id, now, tz),
        html.H2(_("Flags raised and how they ended")),
        _flags(facts, tz),
        html.H2(_("The rest of the taper")),
        remaining_steps(home),
        html.H2(_("To dispense")),
        *([html.P(until_problem, id="summary-until-problem")] if until_problem else []),
        *dispense_lines(home, until, admission_id),
        html.H2(_("Who continues the taper")),
        html.Div(_("Name, service and telephone:"), className="tw-print-line"),
        html.Div(_("First review on:"), className="tw-print-line"),
        html.P(
            _("Printed {when} by {user}.", when=printed_when(now, tz), user=printed_by),
            className="tw-print-small",
        ),
        sources_footnote([TOLERANCE_TEXT]),
    ]
    return html.Div(
        [
            print_bar(_("Discharge summary"), f"/patient/{admission_id}"),
            html.Div(body, className="tw-print", id="print-summary"),
        ]
    )


def layout(admission_id: str = "", until: str = "", **_query: Any) -> Any:
    if not admission_id.isdigit():
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    return summary_page(int(admission_id), until if isinstance(until, str) else "")
