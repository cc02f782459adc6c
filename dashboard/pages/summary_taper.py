"""The discharge summary's rest of the taper (paper_summary.py): each step still to come with
its tablets, and the quantities to dispense until a day the reader chooses (``?until=``;
default the last step).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dash import dcc, html

from dashboard.clinical_words import drug_name
from dashboard.components.plan_words import dispense_text, dose_mg, mg_value, tablet_words
from dashboard.i18n import _, ngettext
from dashboard.pages.print_views import sheet_day
from models.going_home import GoingHome


def daily_doses(daily: dict[str, int]) -> str:
    doses = [
        _("{drug} {dose} a day", drug=drug_name(d), dose=dose_mg(ug))
        for d, ug in sorted(daily.items())
    ]
    return ", ".join(doses) or _("none")


def remaining_steps(home: GoingHome) -> Any:
    if not home.steps:
        return html.P(_("No taper to continue."))
    rows = []
    for position, step in enumerate(home.steps):
        end = (
            home.steps[position + 1].start - timedelta(days=1)
            if position + 1 < len(home.steps)
            else None
        )
        doses = [
            html.Li(
                f"{d.time:%H:%M} {drug_name(d.drug)} {dose_mg(d.ug)} = "
                f"{tablet_words(home.choices[d.drug], d.ug)}"
            )
            for d in step.doses
            if d.ug > 0
        ]
        rows.append(
            html.Tr(
                [
                    html.Td(sheet_day(step.start, "%a %d %b %Y")),
                    html.Td(sheet_day(end, "%a %d %b %Y") if end else "–"),
                    html.Td(daily_doses(step.daily_ug) if doses else _("stop")),
                    html.Td(mg_value(step.diazepam_eq_mg), className="tw-number"),
                    html.Td(html.Ul(doses) if doses else _("no tablets")),
                ]
            )
        )
    head = (_("From"), _("To"), _("Daily dose"), _("DE mg"), _("Tablets"))
    return html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
        className="tw-grid",
        id="summary-remaining",
    )


def dispense_lines(home: GoingHome, until: date, admission_id: int) -> list[Any]:
    quantities = home.dispense(until)
    lines = [
        # TRANSLATORS: a drug and the tablets to dispense of it: "clonazepam: 29 tablets of 0.5 mg".
        html.Li(
            _("{drug}: {tablets}", drug=drug_name(drug), tablets=dispense_text(q)),
            id=f"summary-dispense-{drug}",
        )
        for drug, q in quantities.items()
    ]
    missing = sorted({d for q in quantities.values() for d in q.unmakeable_days})
    if missing:
        lines.append(
            html.Li(
                ngettext(
                    "Not counted: doses on {n} day the ward's tablets cannot make (from {day}).",
                    "Not counted: doses on {n} days the ward's tablets cannot make (from {day}).",
                    len(missing),
                    n=len(missing),
                    day=sheet_day(missing[0], "%d %b"),
                ),
            )
        )
    return [
        html.P(
            _(
                "From {first} to {last} (inclusive), whole tablets (a half left over is kept for "
                "the next dose):",
                first=sheet_day(home.first_day, "%a %d %b %Y"),
                last=sheet_day(until, "%a %d %b %Y"),
            )
        ),
        html.Ul(lines, id="summary-dispense"),
        html.Form(
            [
                html.Label(_("Dispense until (YYYY-MM-DD)") + " ", htmlFor="summary-until"),
                dcc.Input(
                    id="summary-until",
                    name="until",
                    type="text",
                    value=until.isoformat(),
                    placeholder=_("YYYY-MM-DD"),
                ),
                html.Button(_("Recount"), type="submit", className="tw-print-button"),
            ],
            method="get",
            action=f"/patient/{admission_id}/summary",
            className="tw-no-print tw-summary-until",
        ),
    ]


def dispense_until(home: GoingHome, raw: str) -> tuple[date, str | None]:
    if not raw:
        return home.last_day, None
    try:
        chosen = date.fromisoformat(raw)
    except ValueError:
        return home.last_day, _("{raw} is not a date: showing until the last step.", raw=repr(raw))
    if chosen < home.first_day:
        return home.last_day, _("That date is before discharge: showing until the last step.")
    return chosen, None
