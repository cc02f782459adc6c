"""Numbers, doses, dates and times in a language's own formats (Babel, CLDR data).

Doses are integer micrograms everywhere else; here they become ``1.5 mg`` or ``1,5 mg``.
Instants are stored UTC and shown in the ward's time zone, whatever the reader's language:
the language changes how a time is written, never which time it is. Clocks are 24-hour in
every language (a ward's dose times are ``08:00`` and ``20:00``).
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal

from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, format_percent, get_decimal_symbol

from models.errors import FieldError
from models.i18n.catalogs import translator
from models.i18n.languages import DEFAULT_LANGUAGE, babel_locale

NBSP = "\u00a0"  # between a number and its unit, so "1,5 mg" never breaks across lines
MINUS = "\u2212"  # a reduction: "−0.25 mg"
NUMBER_MAX_CHARS = 16  # longer input is a slip, refused unread
_SPACES = (" ", NBSP, "\u202f")  # what people and locale formats put inside numbers


def format_number(value: Decimal | int, code: str) -> str:
    """Up to three decimals, as the language writes them: 1.5 / 1,5; 1,250 / 1 250."""
    return format_decimal(value, format="#,##0.###", locale=babel_locale(code))


def format_mg(ug: int, code: str) -> str:
    """A dose in mg from integer micrograms: 1500 -> '1.5 mg' (en), '1,5 mg' (fr)."""
    return f"{format_number(Decimal(ug).scaleb(-3), code)}{NBSP}mg"


def format_percent_value(percent: Decimal | int, code: str) -> str:
    """A percentage given as a number of percent: 12.5 -> '12.5%' (en), '12,5 %' (fr)."""
    return format_percent(
        Decimal(percent).scaleb(-2), locale=babel_locale(code), decimal_quantization=False
    )


def format_day(day: date, code: str) -> str:
    """A day with its weekday, as on a schedule: 'Mon 7 Dec' (en), 'lun. 7 déc.' (fr)."""
    return format_skeleton("MMMEd", day, locale=babel_locale(code))


def format_full_date(day: date, code: str) -> str:
    """A day with its year: 'Mon, 7 Dec 2026' (en), 'lun. 7 déc. 2026' (fr)."""
    return format_skeleton("yMMMEd", day, locale=babel_locale(code))


def format_weekday(day: date, code: str, *, short: bool = False) -> str:
    """'Monday' / 'lundi'; short: 'Mon' / 'lun.'."""
    return format_date(day, "EEE" if short else "EEEE", locale=babel_locale(code))


def format_clock(at: time | datetime, code: str, *, tz: tzinfo | None = None) -> str:
    """A 24-hour time, '08:05' in every supported language. An aware datetime is shown in
    ``tz`` (the ward's zone); a wall-clock time (a dose time) is shown as it is."""
    if isinstance(at, datetime):
        at = _in_zone(at, tz)
    return format_skeleton("Hm", at, locale=babel_locale(code))


def format_when(at: datetime, code: str, *, tz: tzinfo) -> str:
    """An instant in the ward's zone: 'Mon 7 Dec 08:00' (en), 'lun. 7 déc. 08:00' (fr)."""
    local = _in_zone(at, tz)
    return f"{format_day(local.date(), code)} {format_clock(local.time(), code)}"


def first_weekday(code: str) -> int:
    """The first day of a calendar week (0 = Monday, as ``date.weekday``): Monday for both
    supported languages (en is British English)."""
    return int(babel_locale(code).first_week_day)


def _in_zone(at: datetime, tz: tzinfo | None) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a stored instant must be timezone-aware (UTC)")
    if tz is None:
        raise ValueError("give the ward's time zone to show an instant")
    return at.astimezone(tz)


def plotly_locale(code: str) -> dict[str, object] | None:
    """The language's day and month names and decimal separator as a plotly.js locale
    (``config.locales``), from Babel's CLDR data; None for English (plotly's own).
    Plotly counts weekdays from Sunday."""
    if code == DEFAULT_LANGUAGE:
        return None
    locale = babel_locale(code)
    days, short_days = locale.days["format"]["wide"], locale.days["format"]["abbreviated"]
    months, short_months = locale.months["format"]["wide"], locale.months["format"]["abbreviated"]
    from_sunday = (6, 0, 1, 2, 3, 4, 5)
    pattern = str(locale.date_formats["short"].pattern)
    for cldr, d3 in (("yyyy", "%Y"), ("y", "%Y"), ("MM", "%m"), ("dd", "%d")):
        pattern = pattern.replace(cldr, d3)
    return {
        "format": {
            "days": [str(days[d]) for d in from_sunday],
            "shortDays": [str(short_days[d]) for d in from_sunday],
            "months": [str(months[m]) for m in range(1, 13)],
            "shortMonths": [str(short_months[m]) for m in range(1, 13)],
            "date": pattern,
            "decimal": decimal_separator(code),
            "thousands": NBSP,
        }
    }


def decimal_separator(code: str) -> str:
    return str(get_decimal_symbol(babel_locale(code)))


def parse_number(text: str, code: str, *, field: str) -> Decimal:
    """A number typed in a form. A language whose decimal separator is a comma takes a comma
    or a point (a number pad gives a point): '1,5' and '1.5' are 1.5 in French. In English a
    comma is refused rather than guessed (``1,5`` could be 15 or 1.5). Spaces around are
    ignored; grouping separators are not accepted (no dose or vital sign needs them)."""
    t = translator(code)
    cleaned = text.strip()
    for space in _SPACES:
        cleaned = cleaned.strip(space)
    if not cleaned:
        raise FieldError(field, t.gettext("enter a number"))
    if len(cleaned) > NUMBER_MAX_CHARS:
        raise FieldError(field, t.gettext("this number is too long"))
    separator = decimal_separator(code)
    if separator != "." and cleaned.count(separator) + cleaned.count(".") <= 1:
        cleaned = cleaned.replace(separator, ".")
    if not _plain_decimal(cleaned):
        example = format_number(Decimal("1.5"), code)
        raise FieldError(field, t.gettext("enter a number such as {example}", example=example))
    return Decimal(cleaned)


def _plain_decimal(text: str) -> bool:
    """ASCII digits with at most one point and an optional leading minus: no exponent, no NaN,
    no other script's digits."""
    whole, _, fraction = text.removeprefix("-").partition(".")
    digits = whole + fraction
    return bool(digits) and digits.isascii() and digits.isdigit()
