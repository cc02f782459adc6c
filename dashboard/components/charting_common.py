"""What the charting forms share: the "time taken" field, times in the ward's timezone, and
severity chips in the theme's colours (refusals: dashboard.refusals)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from dash import html
from sqlmodel import Session

from dashboard.context import default_ward
from dashboard.i18n import request_translator
from dashboard.theme import LEVELS
from models.charting import BACKDATE_LIMIT, FUTURE_TOLERANCE
from models.errors import FieldError
from models.i18n import (
    DEFAULT_LANGUAGE,
    N_,
    Translator,
    format_day,
    format_mg,
    format_number,
    parse_number,
)
from models.i18n.formats import decimal_separator

T = TypeVar("T")

# A patient's sex in words (models.tables.SEXES): the admit form, the banner, refusals.
SEX_WORDS = {
    "female": N_("female"),
    "male": N_("male"),
    "other": N_("other"),
    "unknown": N_("unknown"),
}

_CLOCK = re.compile(r"^\s*(\d{1,2})\s*[:.h]?\s*(\d{2})\s*$")


def _say(t: Translator | None, message: str, **fields: object) -> str:
    """``message`` (marked with N_) in the language of ``t``; None: English."""
    return t.gettext(message, **fields) if t is not None else message.format(**fields)


def parse_clock(
    text: str | None,
    *,
    now: datetime,
    tz: tzinfo,
    field_name: str,
    t: Translator | None = None,
) -> datetime:
    """A ward-local wall-clock time typed by a nurse, as an aware UTC instant.

    Blank means now. A time of day names the latest moment at or before now (with the clock
    skew tolerance) with that wall-clock time, so "23:40" typed at 01:10 is last night: charting
    is never in the future and never more than 24 h back, so the time of day is enough. A
    refusal is in the language of ``t`` (None: English).
    """
    if text is None or not text.strip():
        return now
    match = _CLOCK.match(text)
    if match is None:
        message = N_("{text} is not a time; type it as 14:05 or 1405")
        raise FieldError(field_name, _say(t, message, text=repr(text.strip())))
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        message = N_("{text} is not a time of day (00:00 to 23:59)")
        raise FieldError(field_name, _say(t, message, text=text.strip()))
    local_now = now.astimezone(tz)
    for back in (0, 1):
        day: date = local_now.date() - timedelta(days=back)
        candidate = datetime.combine(day, time(hour, minute), tzinfo=tz)
        if candidate <= now + FUTURE_TOLERANCE:
            if now - candidate > BACKDATE_LIMIT:
                break
            return candidate
    message = N_("that time is more than 24 hours ago; ask the nurse in charge")
    raise FieldError(field_name, _say(t, message))


def ward_clock(session: Session, text: str | None, *, now: datetime, field_name: str) -> datetime:
    """:func:`parse_clock` in the ward's own time zone, a refusal in the reader's language: a
    time typed on a charting form, read inside the form's write."""
    ward = default_ward(session)
    return parse_clock(
        text, now=now, tz=ZoneInfo(ward.timezone), field_name=field_name, t=request_translator()
    )


def clock_hint(text: str | None, *, now: datetime, tz: tzinfo, t: Translator | None = None) -> str:
    """What a typed time will be read as ("now, 14:05", "yesterday 23:40"), for the field's
    description; an unreadable time gets no hint (the save reports it)."""
    try:
        at = parse_clock(text, now=now, tz=tz, field_name="time")
    except FieldError:
        return ""
    if text is None or not text.strip():
        clock = format_local(at, tz, now, t=t)
        if t is None:
            return f"Now ({clock}); type a time if earlier"
        return t.gettext("Now ({clock}); type a time if earlier", clock=clock)
    return format_local(at, tz, now, always_day=True, t=t)


def format_local(
    instant: datetime,
    tz: tzinfo,
    now: datetime,
    *,
    always_day: bool = False,
    t: Translator | None = None,
) -> str:
    """14:05 today; "yesterday 23:40"; "Tue 3 Mar 14:05" further away; "tomorrow 08:00"; in
    the language of ``t`` (French: "hier 23:40", "mar. 3 mars 14:05"; None: English)."""
    local = instant.astimezone(tz)
    today = now.astimezone(tz).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if t is not None and t.code != DEFAULT_LANGUAGE:
        if days == 0:
            return t.gettext("today {clock}", clock=clock) if always_day else clock
        if days == -1:
            return t.gettext("yesterday {clock}", clock=clock)
        if days == 1:
            return t.gettext("tomorrow {clock}", clock=clock)
        return f"{format_day(local.date(), t.code)} {clock}"
    if days == 0:
        return f"today {clock}" if always_day else clock
    if days == -1:
        return f"yesterday {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    return f"{local:%a} {local.day} {local:%b} {clock}"


def format_day_time(instant: datetime, tz: tzinfo) -> str:
    """ "Tue 3 Mar 14:05" in the ward's timezone, whatever the day (rounds, printed sheets)."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def format_dated_time(instant: datetime, tz: tzinfo) -> str:
    """ "Tue 03 Mar 2026 14:05" in the ward's timezone: a document kept beyond the stay."""
    return f"{instant.astimezone(tz):%a %d %b %Y %H:%M}"


def mg(ug: int, code: str) -> str:
    """A dose in mg in the language ``code``: "1.5 mg" in English as the app has always
    written it, "1,5\u00a0mg" in French (models.i18n.format_mg)."""
    if code == DEFAULT_LANGUAGE:
        return f"{Decimal(ug).scaleb(-3).normalize():f} mg"
    return format_mg(ug, code)


def mg_number(ug: int, code: str) -> str:
    """A dose's number alone ("1.5", "1,5"), for "1.5 of 3 mg"."""
    if code == DEFAULT_LANGUAGE:
        return f"{Decimal(ug).scaleb(-3).normalize():f}"
    return format_number(Decimal(ug).scaleb(-3), code)


def typed_number(value: Any, code: str, *, field: str) -> Any:
    """A number typed in a form's text field, as the domain reads it: in English as it comes
    (the domain checks it); in a language with a decimal comma, read by ``parse_number``
    ("1,5" and "1.5" are both 1.5) and passed on written with a point. Blank stays blank."""
    if code == DEFAULT_LANGUAGE or not isinstance(value, str) or not value.strip():
        return value
    return f"{parse_number(value, code, field=field):f}"


def number_input_locale(code: str) -> dict[str, Any]:
    """A Mantine NumberInput's separator props for the language ``code``: French shows and
    takes a decimal comma (a point, as a number pad gives, is taken too)."""
    separator = decimal_separator(code)
    if separator == ".":
        return {}
    return {"decimalSeparator": separator, "allowedDecimalSeparators": [".", separator]}


def short_day(day: date, code: str) -> str:
    """ "03 Mar" in English as the app has always written it; "mar. 3 mars" in French."""
    return f"{day:%d %b}" if code == DEFAULT_LANGUAGE else format_day(day, code)


def attrs(**values: object) -> dict[str, Any]:
    """HTML attributes Python names cannot spell: ``data_slot=`` -> ``data-slot``."""
    return {key.replace("_", "-"): value for key, value in values.items()}


def level_style(level: int) -> dict[str, str]:
    tone = LEVELS[level]
    return {"backgroundColor": tone.background, "color": tone.text}


def level_chip(text: str, level: int, *, chip_id: str | None = None, **attrs: Any) -> html.Span:
    """A severity chip in the theme's colour for ``level`` (0-4); the text carries the meaning
    too, so nothing depends on colour alone."""
    kwargs: dict[str, Any] = {"className": "tw-chip", "style": level_style(level), **attrs}
    if chip_id is not None:
        kwargs["id"] = chip_id
    return html.Span(text, **kwargs)
