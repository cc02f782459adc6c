"""The patient's taper calendar (/patient/<admission_id>/calendar): printable, week by week from
the day of discharge to the last tablet, one row per dose time, the tablets in plain words and a
box to tick; the days the dose changes are marked. Large type, no jargon: it is for the patient.

Before discharge it previews the handout from today. (Module name sorts before
dashboard.pages.patient so its route wins: see paper_patient.)

It is in the reader's language, as every page; the patient may read another, so the bar (on
screen only) offers it in each language (``?language=fr``): then the calendar itself, its
tablets, days and dates are in that language and the bar stays in the reader's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dash_mantine_components as dmc
import flask
from babel.dates import format_date
from dash import html
from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import attrs
from dashboard.components.plan_words import dose_mg, tablet_words
from dashboard.context import current_user_name, engine
from dashboard.i18n import TRANSLATOR_CONFIG, _, language
from dashboard.pages.print_views import print_bar, printed_when
from dashboard.registry import register_page
from models.clinical.home_calendar import CalendarDay, CalendarWeek
from models.errors import FieldError
from models.going_home import GoingHome, going_home
from models.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    format_day,
    format_full_date,
    format_weekday,
    translator,
)
from models.i18n.languages import babel_locale
from models.types import utcnow

register_page(__name__, path_template="/patient/<admission_id>/calendar", title="Taper calendar")


def _time_words(at: Any) -> str:
    hour = at.hour
    if hour < 12:
        return _("{time} (morning)", time=f"{at:%H:%M}")
    if hour < 17:
        return _("{time} (afternoon)", time=f"{at:%H:%M}")
    return _("{time} (evening)", time=f"{at:%H:%M}")


def _long_day(day: Any, *, year: bool = False) -> str:
    """ "Monday 07 December (2026)" in English as the calendar has always written it; the
    language's own format otherwise."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{day:%A %d %B %Y}" if year else f"{day:%A %d %B}"
    return format_full_date(day, code) if year else format_day(day, code)


def _head(day: CalendarDay | None) -> Any:
    if day is None:
        return html.Th("", className="tw-cal-day tw-cal-out")
    code = language()
    if code == DEFAULT_LANGUAGE:
        label = [html.Div(f"{day.day:%a}"), html.Div(f"{day.day.day} {day.day:%b}")]
    else:
        label = [
            html.Div(format_weekday(day.day, code, short=True)),
            html.Div(format_date(day.day, format="d MMM", locale=babel_locale(code))),
        ]
    if day.stopped and day.change:
        label.append(html.Div(_("STOP: no more tablets"), className="tw-cal-flag"))
    elif day.change:
        label.append(html.Div(_("NEW DOSE"), className="tw-cal-flag"))
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
                cells.append(html.Td(_("No tablet"), className="tw-cal-none" + change))
                continue
            cells.append(
                html.Td(
                    [
                        html.Div(
                            tablet_words(home.choices[row.drug], cell.dose_ug),
                            className="tw-cal-words",
                        ),
                        html.Div(_("☐ taken"), className="tw-cal-tick"),
                    ],
                    className=("tw-cal-ask" if cell.unmakeable else "tw-cal-take") + change,
                )
            )
        label = _time_words(row.time) + (f" · {drug_name(row.drug)}" if several else "")
        rows.append(html.Tr([html.Th(label, className="tw-cal-time"), *cells]))
    first = next(d for d in week.days if d is not None)
    return html.Section(
        [
            html.H2(_("Week {number}: from {day}", number=number, day=_long_day(first.day))),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(_("Time")), *[_head(d) for d in week.days]])),
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
            # the drug's name in lower case, as in the middle of a sentence (French:
            # "Comprimés de clonazépam 0,5 mg"); the line starts with a capital
            tablets = f"{drug_name(drug)} {dose_mg(strength)}"
            if scored:
                text = _(
                    "{tablets} tablets (may be broken in half along the line)", tablets=tablets
                )
            else:
                text = _("{tablets} tablets (do not break)", tablets=tablets)
            items.append(html.Li(text[:1].upper() + text[1:]))
    return items


@contextmanager
def _speaking(code: str) -> Iterator[None]:
    """Within the block, this request's text and formats are in ``code`` (the app's own
    translator for it: dashboard.i18n); the reader's afterwards."""
    previous = flask.g.get("tw_translator")
    make = flask.current_app.config.get(TRANSLATOR_CONFIG, translator)
    flask.g.tw_translator = make(code)
    try:
        yield
    finally:
        if previous is None:
            flask.g.pop("tw_translator", None)
        else:
            flask.g.tw_translator = previous


def _languages(admission_id: int, chosen: str) -> Any:
    """The calendar in each language (on screen only), each named in itself."""
    links: list[Any] = [html.Span(_("Calendar in:"))]
    for code, lang in LANGUAGES.items():
        links.append(
            html.A(
                lang.name,
                href=f"/patient/{admission_id}/calendar?language={code}",
                lang=code,
                id=f"calendar-language-{code}",
                **attrs(aria_current="page" if code == chosen else None),
            )
        )
    return html.Div(links, className="tw-print-bar tw-no-print tw-cal-languages")


def calendar_page(admission_id: int, chosen: str | None = None) -> Any:
    """The calendar in the reader's language, or in ``chosen`` (a supported language code)."""
    code = chosen if chosen in LANGUAGES else language()
    back = f"/patient/{admission_id}"
    bar = [print_bar(_("Taper calendar"), back), _languages(admission_id, code)]
    with _speaking(code):
        page = _calendar(admission_id)
    if isinstance(page, dmc.Alert):
        return page
    return html.Div([*bar, html.Div(page, lang=code)])


def _calendar(admission_id: int) -> Any:
    printed_by = current_user_name()  # also refuses a request with no one signed in
    now = utcnow()
    try:
        with Session(engine()) as session:
            home = going_home(session, admission_id, now=now)
    except FieldError:
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    name = f"{home.patient.given_name} {home.patient.family_name}".strip()
    if not any(d.ug > 0 for s in home.steps for d in s.doses):
        return html.Div(
            html.P(
                _("No tablets to take at home: the taper plan has ended or there is none."),
                id="calendar-empty",
            ),
            className="tw-print",
        )
    weeks = home.weeks()
    intro = _(
        "Your tablets from {first} until you stop on {last}. Each box says which tablets to take "
        "at that time. Tick the box when you have taken them. The dose changes on the days "
        "marked NEW DOSE.",
        first=_long_day(home.first_day, year=True),
        last=_long_day(home.last_day, year=True),
    )
    warning: list[Any] = []
    if home.unmakeable:
        doses = ", ".join(f"{drug_name(drug)} {dose_mg(ug)}" for drug, ug in home.unmakeable)
        warning = [
            html.P(
                _(
                    "Ask the pharmacy before you go home: these doses cannot be made from the "
                    "tablets we supply ({doses}).",
                    doses=doses,
                ),
                className="tw-cal-warning",
                id="calendar-unmakeable",
            )
        ]
    return html.Div(
        [
            html.Div(
                [
                    html.H1(_("My tablet calendar · {name}", name=name)),
                    html.P(intro, className="tw-cal-intro"),
                    *warning,
                    html.P(_("Your tablets:")),
                    html.Ul(_tablet_list(home)),
                    html.P(
                        _(
                            "Do not stop suddenly or take extra tablets. If you feel much worse "
                            "after a change, or miss doses, call the clinic before the next "
                            "change."
                        ),
                        className="tw-cal-intro",
                    ),
                    *[_week(home, week, n) for n, week in enumerate(weeks, start=1)],
                    html.P(
                        _(
                            "Printed {when} by {user}, {ward}. Questions: call the ward or your "
                            "clinic.",
                            when=printed_when(now, home.tz),
                            user=printed_by,
                            ward=home.ward.name,
                        ),
                        className="tw-print-small",
                    ),
                ],
                className="tw-print tw-cal",
                id="print-calendar",
            ),
        ]
    )


def layout(admission_id: str = "", language: str = "", **_query: Any) -> Any:
    if not admission_id.isdigit():
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    return calendar_page(int(admission_id), language if isinstance(language, str) else None)
