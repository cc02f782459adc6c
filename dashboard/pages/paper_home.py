"""The patient's taper calendar (/patient/<admission_id>/calendar): printable, week by week from
the day of discharge to the last tablet, one row per dose time, the tablets in plain words and a
box to tick; the days the dose changes are marked. Large type, no jargon: it is for the patient.

Before discharge it previews the handout from today. (Module name sorts before
dashboard.pages.patient so its route wins: see paper_patient.)
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import html
from sqlmodel import Session

from dashboard.context import current_actor, engine
from dashboard.pages.print_views import print_bar
from dashboard.registry import register_page
from models.clinical.drugs import format_mg
from models.clinical.home_calendar import CalendarDay, CalendarWeek
from models.errors import FieldError
from models.going_home import GoingHome, going_home
from models.types import utcnow

register_page(__name__, path_template="/patient/<admission_id>/calendar", title="Taper calendar")


def _time_words(at: Any) -> str:
    hour = at.hour
    part = "morning" if hour < 12 else "afternoon" if hour < 17 else "evening"
    return f"{at:%H:%M} ({part})"


def _head(day: CalendarDay | None) -> Any:
    if day is None:
        return html.Th("", className="tw-cal-day tw-cal-out")
    label = [html.Div(f"{day.day:%a}"), html.Div(f"{day.day.day} {day.day:%b}")]
    if day.stopped and day.change:
        label.append(html.Div("STOP: no more tablets", className="tw-cal-flag"))
    elif day.change:
        label.append(html.Div("NEW DOSE", className="tw-cal-flag"))
    classes = "tw-cal-day" + (" tw-cal-change" if day.change else "")
    return html.Th(label, className=classes)


def _week(home: GoingHome, week: CalendarWeek, number: int) -> Any:
    several = len(home.drugs) > 1
    rows = []
    for row in week.rows:
        cells = []
        for day, cell in zip(week.days, row.cells, strict=True):
            if day is None or cell is None:
                cells.append(html.Td("", className="tw-cal-out"))
                continue
            change = " tw-cal-change" if day.change else ""
            if not cell.take:
                cells.append(html.Td("No tablet", className="tw-cal-none" + change))
                continue
            cells.append(
                html.Td(
                    [
                        html.Div(cell.words, className="tw-cal-words"),
                        html.Div("☐ taken", className="tw-cal-tick"),
                    ],
                    className=("tw-cal-ask" if cell.unmakeable else "tw-cal-take") + change,
                )
            )
        label = _time_words(row.time) + (f" · {row.drug}" if several else "")
        rows.append(html.Tr([html.Th(label, className="tw-cal-time"), *cells]))
    first = next(d for d in week.days if d is not None)
    return html.Section(
        [
            html.H2(f"Week {number}: from {first.day:%A %d %B}"),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th("Time"), *[_head(d) for d in week.days]])),
                    html.Tbody(rows),
                ],
                className="tw-grid tw-cal-grid",
            ),
        ],
        className="tw-cal-week",
    )


def _tablet_list(home: GoingHome) -> list[Any]:
    items = []
    for drug, choice in sorted(home.choices.items()):
        for strength in choice.strengths:
            scored = next(t.scored for t in choice.tablets if t.strength_ug == strength)
            note = " (may be broken in half along the line)" if scored else " (do not break)"
            items.append(html.Li(f"{drug.capitalize()} {format_mg(strength)} mg tablets{note}"))
    return items


def calendar_page(admission_id: int) -> Any:
    actor = current_actor()
    now = utcnow()
    try:
        with Session(engine()) as session:
            home = going_home(session, admission_id, now=now)
    except FieldError:
        return dmc.Alert("No such admission.", color="red", id="print-missing")
    name = f"{home.patient.given_name} {home.patient.family_name}".strip()
    back = f"/patient/{admission_id}"
    bar = print_bar("Taper calendar", back)
    if not any(d.ug > 0 for s in home.steps for d in s.doses):
        return html.Div(
            [
                bar,
                html.Div(
                    html.P(
                        "No tablets to take at home: the taper plan has ended or there is none.",
                        id="calendar-empty",
                    ),
                    className="tw-print",
                ),
            ]
        )
    weeks = home.weeks()
    intro = (
        f"Your tablets from {home.first_day:%A %d %B %Y} until you stop on "
        f"{home.last_day:%A %d %B %Y}. Each box says which tablets to take at that time. "
        "Tick the box when you have taken them. The dose changes on the days marked NEW DOSE."
    )
    warning: list[Any] = []
    if home.unmakeable:
        doses = ", ".join(f"{drug} {format_mg(ug)} mg" for drug, ug in home.unmakeable)
        warning = [
            html.P(
                f"Ask the pharmacy before you go home: these doses cannot be made from the "
                f"tablets we supply ({doses}).",
                className="tw-cal-warning",
                id="calendar-unmakeable",
            )
        ]
    return html.Div(
        [
            bar,
            html.Div(
                [
                    html.H1(f"My tablet calendar · {name}"),
                    html.P(intro, className="tw-cal-intro"),
                    *warning,
                    html.P("Your tablets:"),
                    html.Ul(_tablet_list(home)),
                    html.P(
                        "Do not stop suddenly or take extra tablets. If you feel much worse "
                        "after a change, or miss doses, call the clinic before the next change.",
                        className="tw-cal-intro",
                    ),
                    *[_week(home, week, n) for n, week in enumerate(weeks, start=1)],
                    html.P(
                        f"Printed {now.astimezone(home.tz):%d %b %Y %H:%M} by {actor.username}, "
                        f"{home.ward.name}. Questions: call the ward or your clinic.",
                        className="tw-print-small",
                    ),
                ],
                className="tw-print tw-cal",
                id="print-calendar",
            ),
        ]
    )


def layout(admission_id: str = "", **_: Any) -> Any:
    if not admission_id.isdigit():
        return dmc.Alert("No such admission.", color="red", id="print-missing")
    return calendar_page(int(admission_id))
