"""What every printed sheet shares: the on-screen bar with its Print button, the "printed by"
line, and days and times in the reader's language.

The sheets themselves: the rounds sheet (print_rounds), a patient's MAR, plan and CIWA-B grid
(print_patient), the going-home papers (paper_home, paper_summary, paper_wristband). They double
as the downtime pack: printed while the system is up, they let the ward carry on on paper.
Plain tables, black on white, every colour also said in words (dashboard/assets/print.css).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from dash import Input, Output, html

from dashboard.components.charting_common import format_dated_time, format_day_time
from dashboard.context import current_user_name
from dashboard.i18n import _, language
from dashboard.registry import clientside_callback
from models.i18n import DEFAULT_LANGUAGE, format_clock, format_day, format_full_date, format_when
from models.i18n.languages import babel_locale


def print_bar(title: str, back_href: str) -> Any:
    """On screen only: what this is and a Print button (``title`` already translated)."""
    return html.Div(
        [
            html.Span(title, className="tw-print-bar-title"),
            html.Button(_("Print"), id="print-now", className="tw-print-button"),
            html.A(_("Back"), href=back_href, className="tw-print-back"),
        ],
        className="tw-print-bar tw-no-print",
    )


def printed_line(now: datetime, tz: ZoneInfo) -> Any:
    return html.P(
        _(
            "Printed {when} ({zone}) by {user}. A snapshot: when the system is back, chart what "
            "was done on paper and check it against the live record.",
            when=sheet_time(now, tz),
            zone=tz.key,
            user=current_user_name(),
        ),
        className="tw-print-small",
    )


def sheet_day(day: date, english: str = "%a %d %b") -> str:
    """A day on a sheet: in English as the sheets have always written it (``english``, a
    strftime format); in another language its own format (with the year when ``english`` has
    one)."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return day.strftime(english)
    return format_full_date(day, code) if "%Y" in english else format_day(day, code)


def sheet_time(instant: datetime, tz: ZoneInfo) -> str:
    """An instant in the ward's zone: "Tue 3 Mar 14:05" in English, the language's own format
    otherwise."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return format_day_time(instant, tz)
    return format_when(instant, code, tz=tz)


def sheet_date(day: date) -> str:
    """A date kept beyond the stay (a birth date): "14 Sep 1971" in English, the language's
    medium date otherwise ("14 sept. 1971")."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{day:%d %b %Y}"
    return format_date(day, format="medium", locale=babel_locale(code))


def sheet_dated_time(instant: datetime, tz: ZoneInfo) -> str:
    """An instant with its year, in the ward's zone (a document kept beyond the stay): "Tue 03
    Mar 2026 14:05" in English, the language's own format otherwise."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return format_dated_time(instant, tz)
    local = instant.astimezone(tz)
    return f"{format_full_date(local.date(), code)} {format_clock(instant, code, tz=tz)}"


def printed_when(now: datetime, tz: ZoneInfo) -> str:
    """When a going-home paper was printed, in the ward's zone: "03 Mar 2026 14:05" in English
    (:func:`sheet_dated_time` otherwise)."""
    if language() == DEFAULT_LANGUAGE:
        return f"{now.astimezone(tz):%d %b %Y %H:%M}"
    return sheet_dated_time(now, tz)


# The print button of every paper page (each imports this module).
clientside_callback(
    "function(n) { if (n) { window.print(); } return ''; }",
    Output("print-now", "title"),
    Input("print-now", "n_clicks"),
    prevent_initial_call=True,
)
