"""A patient's printable sheets (/patient/<id>/print): the MAR for the last day and the next
days with blank columns to chart in, the taper plan, and a CIWA-B grid (the scale's items in
their original English wording). Not a page itself: paper_patient shows it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html
from sqlmodel import Session

from dashboard.admission_queries import admission_view
from dashboard.chart_queries import assessments
from dashboard.clinical_words import drug_name, recipe_words, table_name
from dashboard.components.charting_common import mg_number
from dashboard.components.citations import cited, sources_footnote
from dashboard.components.co_medications import depressant_text
from dashboard.components.plan_views import KIND_LABELS
from dashboard.components.plan_words import change_label, dose_mg, mg_value
from dashboard.context import engine
from dashboard.i18n import N_, _, language, ngettext
from dashboard.mar_queries import MarEntry, mar_entries
from dashboard.pages.print_views import print_bar, printed_line, sheet_date, sheet_day
from dashboard.plan_panel_queries import PlanPanelData, plan_panel_data
from dashboard.theme import BAND_LABEL
from models.access_log import record_read
from models.audit import Actor
from models.clinical.scales import CIWA_B_BANDS, CIWA_B_ITEMS, CIWA_B_MAX, own_anchors
from models.clinical.taper import PlannedStep
from models.co_medications import co_medications, depressant_warning
from models.db import transaction
from models.plans import parse_times
from models.types import utcnow

CIWA_B_TEXT = N_(
    "Clinical Institute Withdrawal Assessment for Benzodiazepines (Busto et al. 1989 [S1]): "
    "items 1–17 rated by the patient (P), 18–20 by the observer (O) [S4]; each 0–4 [S3]. Items "
    "12 and 14 are positively worded: check the anchor direction on the form."
)
CIWA_B_BANDS_TEXT = N_("Band [S4]: {bands}")
MAR_DAYS_AHEAD = 2  # the MAR sheet covers today and this many days after (downtime pack)
MAR_HOURS_BACK = 24  # and the last day's doses with what became of them
CIWA_COLUMNS = 8  # blank assessment columns on the CIWA-B grid
RECENT_SCORES = 12
STATUS_TEXT = {
    "given": N_("Given"),
    "given_late": N_("Given (late)"),
    "held": N_("Held"),
    "refused": N_("Refused"),
    "not_given": N_("Not given"),
    "missed": N_("MISSED (not charted)"),
    "late": N_("Due, late"),
    "due": N_("Due"),
    "not_yet_due": "",
    "prn": N_("PRN given"),
}
MAR_HEAD = (
    N_("Day"),
    N_("Due"),
    N_("Drug"),
    N_("mg"),
    N_("Status"),
    N_("Charted"),
    N_("Given at / initials"),
    N_("Not given: reason"),
)


def _pace_text(count: int) -> str:
    return ngettext(
        "Pace check: {count} step faster than the ASAM 2025 ceiling of 25 % per 2 weeks "
        "[S16][S17].",
        "Pace check: {count} steps faster than the ASAM 2025 ceiling of 25 % per 2 weeks "
        "[S16][S17].",
        count,
        count=count,
    )


def _steps_rows(steps: list[PlannedStep], drugs: tuple[str, ...], today: date) -> list[Any]:
    current = max((s.start for s in steps if s.start <= today), default=None)
    code = language()
    rows = []
    for step in steps:
        mark = _("◀ now") if step.start == current else ""
        rows.append(
            html.Tr(
                [
                    html.Td(f"{step.index} {mark}"),
                    html.Td(sheet_day(step.start, "%a %d %b %Y")),
                    html.Td(_(KIND_LABELS[step.kind]) if step.kind in KIND_LABELS else step.kind),
                    *[
                        html.Td(
                            mg_number(step.daily_ug[d], code) if d in step.daily_ug else "–",
                            className="tw-number",
                        )
                        for d in drugs
                    ],
                    html.Td(mg_value(step.diazepam_eq_mg), className="tw-number"),
                    html.Td(
                        ", ".join(
                            f"{dose.time:%H:%M} {drug_name(dose.drug)} {dose_mg(dose.ug)}"
                            for dose in step.doses
                        )
                    ),
                ],
                className="tw-print-current" if mark else "",
            )
        )
    return rows


def _mar_rows(entries: list[MarEntry], tz: ZoneInfo) -> list[Any]:
    code = language()
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
        label = STATUS_TEXT.get(entry.status)
        status = (_(label) if label else "") if label is not None else entry.status
        rows.append(
            html.Tr(
                [
                    html.Td(sheet_day(local.date())),
                    html.Td(f"{local:%H:%M}" if entry.scheduled_at else _("PRN")),
                    html.Td(drug_name(entry.drug)),
                    html.Td(mg_number(entry.dose_ug, code), className="tw-number"),
                    html.Td(status + (f": {entry.reason}" if entry.reason else "")),
                    html.Td(done),
                    html.Td(""),
                    html.Td(""),
                ],
                className="tw-print-missed" if entry.status == "missed" else "",
            )
        )
    return rows


def _bands_text() -> str:
    low = 0
    bands = []
    for high, band in CIWA_B_BANDS:
        word = _(BAND_LABEL[band.value]).lower()
        bands.append(f"{low}–{high} {word}" if high > low else f"{low} {word}")
        low = high + 1
    return _(CIWA_B_BANDS_TEXT, bands="; ".join(bands))


def _blank_row(label: Any) -> Any:
    blanks = [html.Td("", className="tw-print-cell") for _column in range(CIWA_COLUMNS)]
    return html.Tr([html.Th(""), html.Th(label), html.Th(""), *blanks])


def _rater(rater: str) -> str:
    # TRANSLATORS: who rates a CIWA-B item, by its initial: the patient (P), the observer (O).
    return _("P") if rater == "patient" else _("O")


def _ciwa_grid() -> Any:
    rows = [
        html.Tr(
            [
                html.Td(str(item.number), className="tw-number"),
                html.Td(
                    f"{item.text} ({item.anchor_text})"
                    if own_anchors(item, CIWA_B_ITEMS)
                    else item.text,
                    lang="en",  # the scale's own wording (no validated translation)
                    className="tw-scale-wording",
                ),
                html.Td(_rater(item.rater)),
                *[html.Td("", className="tw-print-cell") for _column in range(CIWA_COLUMNS)],
            ]
        )
        for item in CIWA_B_ITEMS
    ]
    head = [
        html.Th("#"),
        html.Th(
            _(
                "Item (score each 0 = not at all … 4 = very much so, unless the item gives its "
                "own anchors)"
            )
        ),
        html.Th(_("By")),
        *[html.Th(_("Date / time"), className="tw-print-cell") for _column in range(CIWA_COLUMNS)],
    ]
    return html.Table(
        [
            html.Thead(html.Tr(head)),
            html.Tbody(
                [
                    *rows,
                    _blank_row(_("Total (0–{most})", most=CIWA_B_MAX)),
                    _blank_row(cited(_bands_text())),
                    _blank_row(_("Initials")),
                ]
            ),
        ],
        className="tw-grid tw-ciwa-grid",
    )


def _plan_part(data: PlanPanelData, today: date) -> list[Any]:
    plan = data.plan
    part: list[Any] = [html.H2(_("Taper plan"))]
    if plan is None:
        return [*part, html.P(_("No taper plan."))]
    drugs = (plan.drug,) if plan.to_drug is None else (plan.drug, plan.to_drug)
    times = ", ".join(t.strftime("%H:%M") for t in parse_times(plan.times))
    crossing = _(", crossing over to {drug}", drug=drug_name(plan.to_drug)) if plan.to_drug else ""
    head = [html.Th(_("Step")), html.Th(_("From")), html.Th(_("Kind"))]
    head += [html.Th(_("{drug} mg/day", drug=drug_name(d))) for d in drugs]
    head += [html.Th(_("DE mg/day")), html.Th(_("Doses"))]
    part += [
        html.P(
            _(
                "Version {version} ({change}), recipe {recipe}, from {dose}/day {drug}{crossing}; "
                "equivalence table {table}; dose times {times}. Reason: {reason}",
                version=plan.version,
                change=change_label(plan.change),
                recipe=recipe_words(plan.recipe),
                dose=dose_mg(plan.daily_ug),
                drug=drug_name(plan.drug),
                crossing=crossing,
                table=table_name(plan.equivalence_table),
                times=times,
                reason=plan.reason,
            )
        ),
        html.Table(
            [
                html.Thead(html.Tr(head)),
                html.Tbody(_steps_rows(data.steps, drugs, today)),
            ],
            className="tw-grid",
        ),
    ]
    if data.warnings:
        n = len(data.warnings)
        part.append(html.P(cited(_pace_text(n)), className="tw-print-small"))
    return part


def _who(view: Any) -> str:
    patient = view.patient
    return _(
        "{name} · MRN {mrn} · born {born} · bed {bed} · {ward} · attending {attending}",
        name=view.name,
        mrn=patient.mrn,
        born=sheet_date(patient.birth_date),
        bed=view.admission.bed,
        ward=view.ward.name,
        attending=view.attending,
    )


def patient_sheets(actor: Actor, admission_id: int) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        view = admission_view(session, admission_id)
        if view is None:
            return dmc.Alert(_("No such admission."), color="red", id="print-missing")
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
    who = _who(view)
    plan = data.plan
    scores = ", ".join(
        f"{sheet_day(a.taken_at.astimezone(tz).date(), '%a')} "
        f"{a.taken_at.astimezone(tz):%H:%M} {a.total} ({_(BAND_LABEL.get(a.band, a.band))})"
        for a in recent[-RECENT_SCORES:]
    )
    mar_title = _(
        "MAR: {first} to {last}",
        first=sheet_day(today - timedelta(days=1)),
        last=sheet_day(today + timedelta(days=MAR_DAYS_AHEAD)),
    )
    warning = (
        [
            html.P(
                cited("⚠ " + depressant_text(depressants)),
                className="tw-print-warning",
                id="print-depressants",
            )
        ]
        if depressants is not None
        else []
    )
    pace = _pace_text(len(data.warnings))
    return html.Div(
        [
            print_bar(_("MAR and CIWA-B sheets"), f"/patient/{admission_id}"),
            html.Div(
                [
                    html.Section(
                        [
                            html.H1(_("Medication record · {who}", who=who)),
                            printed_line(now, tz),
                            *warning,
                            html.H2(mar_title),
                            html.Table(
                                [
                                    html.Thead(html.Tr([html.Th(_(h)) for h in MAR_HEAD])),
                                    html.Tbody(_mar_rows(entries, tz)),
                                ],
                                className="tw-grid tw-mar-grid",
                                id="print-mar",
                            ),
                            *_plan_part(data, today),
                        ],
                        className="tw-print-sheet",
                    ),
                    html.Section(
                        [
                            html.H1(_("CIWA-B · {who}", who=who)),
                            html.P(cited(_(CIWA_B_TEXT)), className="tw-print-small"),
                            html.P(
                                _("Last 24 h: {scores}", scores=scores)
                                if scores
                                else _("Last 24 h: no scores")
                            ),
                            _ciwa_grid(),
                            sources_footnote(
                                [CIWA_B_TEXT, CIWA_B_BANDS_TEXT]
                                + ([pace] if plan is not None and data.warnings else [])
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
