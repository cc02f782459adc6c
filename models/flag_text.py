"""A flag's message stored language-neutral: a message code and its values, rendered in each
reader's language (docs/i18n.md). Pure: no session, no clock.

A rule says why it raised a flag as a *part*: ``message(code, **values)``. A value is a plain
string or number (shown as it is: a drug's name, a score, a note someone typed), or a part of
its own: an instant with its ward's zone, a dose in micrograms, a day, a number of minutes, a
word of the catalog, a list joined by "and", "; " or ", ", or another message. Parts are plain
JSON (``Flag.message_code`` and ``Flag.message_values``).

The English rendering is the flag's ``message`` column, as it always was: rows written before the
codes existed keep their English text and show it to every reader, and a code or a value this
version does not know falls back to that text rather than failing a page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from models.clinical.drugs import format_mg as plain_mg
from models.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from models.i18n.formats import format_day, format_mg, format_number, format_when

Part = Any  # str | int | float | dict (JSON)

# The messages a review rule stores, by code: English source strings with named fields.
TEMPLATES: dict[str, str] = {
    "news2": N_("NEWS2 {total} at {when}: {why}"),
    "vitals_overdue": N_("No vital signs {since}; due {due} ({every})"),
    "ciwa_overdue": N_("No CIWA-B {since}; due {due} ({every})"),
    "since": N_("since {when}"),
    "since_admission": N_("since admission"),
    "every": N_("every {interval}"),
    "every_while_moderate": N_("every {interval} while moderate or worse"),
    "hourly_while_urgent": N_("hourly while NEWS2 is urgent"),
    "missed_dose": N_("{drug} {dose} due {due} not charted (window ±{window})"),
    "missed_doses": N_(
        "{drug} {dose} due {due} not charted (window ±{window}); {missed} doses missed"
    ),
    "dose_skipped": N_("{drug} {dose} due {due} {status}: {reason}"),
    "dose_skipped_no_dose": N_("{drug} due {due} {status}: {reason}"),
    "reason_with_text": N_("{reason} — {text}"),
    "no_plan": N_(
        "No taper plan since admission {when}: no dose is scheduled (flagged after {hours} h)"
    ),
    "dose_unconfirmed": N_("Admission dose: {above}; not yet confirmed by a physician"),
    "above_label": N_("{drug} {dose} a day is above its label maximum of {maximum}"),
    "label_maximum": N_("{dose}/day ({indication})"),
    "prn_use": N_("PRN in the 24 h to {now}: {reasons}; last at {last}"),
    "prn_doses": N_("{doses} PRN doses (limit {limit})"),
    "prn_de": N_("{mg} mg diazepam-equivalent (limit {limit} mg)"),
    "prn_reassessment": N_(
        "PRN {drug} {dose} given {when}: no withdrawal score charted since "
        "(reassess within {within})"
    ),
    "severe_withdrawal": N_(
        "{scale} {total} ({band}) at {when}; flagged while at or above {threshold}"
    ),
    "worsening": N_("CIWA-B {total} ({band}) at {when}, {reasons}"),
    "up_from": N_("up from {band}"),
    "points_within": N_("+{points} points within {hours} h"),
    "step_not_tolerated": N_("Step of {day} not tolerated: {reasons}: consider a hold"),
    "step_ciwa_rise": N_("CIWA-B mean {after} after, {before} before (+{rise}; margin {margin})"),
    "step_prn_rise": N_("{after} PRN doses after, {before} before"),
    "dose_too_high": N_("{reasons}: dose may be too high — consider a reduction (at {when})"),
    "sedated_breathing": N_("sedated with depressed breathing ({signs})"),
    "held_for_sedation": N_("{count} doses held for sedation in {hours} h"),
    "sedated_readings": N_("sedated in the last {count} readings ({signs})"),
    "hours": N_("{n} h"),
    "minutes": N_("{n} min"),
    "and": N_("{first} and {second}"),
}

# Words a message may carry (``word(...)``): translated when the catalog has them.
WORDS: tuple[str, ...] = (
    # what NEWS2 asks for [S35]
    N_("emergency response"),
    N_("urgent review"),
    N_("a single parameter scores 3: inform the team"),
    # a scheduled dose not given
    N_("held"),
    N_("refused"),
    N_("not given"),
    # CIWA-B bands, as a flag writes them
    N_("no signs"),
    N_("mild"),
    N_("moderate"),
    N_("severe"),
    N_("very severe"),
    # the reasons a dose is held, refused or not given (models.charting)
    N_("Held for sedation (too drowsy)"),
    N_("Held on prescriber's instruction"),
    N_("Nil by mouth"),
    N_("Patient off the ward"),
    N_("Medicine unavailable"),
    N_("Other (say why)"),
    N_("Patient declined"),
    N_("Nausea or vomiting"),
)

_SEPARATORS = {";": "; ", ",": ", "}


def message(code: str, /, **values: Part) -> dict[str, Any]:
    """A message part: its code (one of TEMPLATES) and its values."""
    if code not in TEMPLATES:
        raise KeyError(f"no flag message {code!r}")
    return {"code": code, "values": values}


def instant(at: datetime, timezone: str) -> dict[str, str]:
    """A moment, shown in the ward's zone (``timezone``) whatever the reader's language."""
    return {"instant": at.astimezone(UTC).isoformat(), "tz": timezone}


def dose(ug: int) -> dict[str, int]:
    """A dose in integer micrograms, shown in mg."""
    return {"mg": int(ug)}


def day(value: date) -> dict[str, str]:
    return {"day": value.isoformat()}


def minutes(n: int) -> dict[str, int]:
    """A span: whole hours as "2 h", else "90 min"."""
    return {"minutes": int(n)}


def word(text: str) -> dict[str, str]:
    """A word or phrase of WORDS (another is shown as it is)."""
    return {"word": text}


def number(value: float, spec: str) -> dict[str, Any]:
    """A decimal written with a format spec (``.3g``, ``.0f``) and the language's separator."""
    return {"number": float(value), "spec": spec}


def joined(separator: str, items: Sequence[Part]) -> dict[str, Any]:
    """Items joined by "and" (``and``), "; " (``;``) or ", " (``,``)."""
    if separator != "and" and separator not in _SEPARATORS:
        raise ValueError(f"no separator {separator!r}")
    return {"join": separator, "items": list(items)}


def render(part: Part, language: str) -> str:
    """A part in ``language`` (English for a language without a catalog)."""
    return _render(part, translator(language))


def english(part: Part) -> str:
    """The English text of a part: what the flag's ``message`` column stores. The review scan
    words every finding on every run, most of them the same as the run before: a part's
    English is kept by its JSON (a part is plain data)."""
    try:
        key = orjson.dumps(part, option=_KEY_OPTIONS)
    except TypeError:  # not plain JSON data: rendered, or refused, as it is
        return render(part, DEFAULT_LANGUAGE)
    return _english(key)


# JSON that reads back as the same part: a datetime, a dataclass or a subclass of str or int
# is not turned into something else (it is refused, and the part rendered uncached).
_KEY_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


@lru_cache(maxsize=32_768)
def _english(key: bytes) -> str:
    return render(orjson.loads(key), DEFAULT_LANGUAGE)


def flag_message(
    code: str | None,
    values: Mapping[str, Any] | None,
    fallback: str,
    language: str | Translator,
) -> str:
    """A stored flag's message in ``language`` (a code, or the translator to use): its code and
    values rendered, or ``fallback`` (the stored English) for a row without a code or with one
    this version cannot render."""
    if not code or code not in TEMPLATES or values is None:
        return fallback
    t = language if isinstance(language, Translator) else translator(language)
    try:
        return _render({"code": code, "values": dict(values)}, t)
    except (KeyError, ValueError, TypeError, IndexError, InvalidOperation):
        return fallback


def _render(part: Part, t: Translator) -> str:
    if isinstance(part, bool):
        return str(part)
    if isinstance(part, int | float | str):
        return str(part)
    if not isinstance(part, Mapping):
        raise TypeError(f"not a message part: {part!r}")
    for key, show in _KINDS.items():
        if key in part:
            return show(part, t)
    raise KeyError(f"unknown message part: {sorted(part)}")


def _message(part: Mapping[str, Any], t: Translator) -> str:
    code = part["code"]
    values = {k: _render(v, t) for k, v in dict(part.get("values") or {}).items()}
    return t.gettext(TEMPLATES[code], **values)


def _instant(part: Mapping[str, Any], t: Translator) -> str:
    at = datetime.fromisoformat(part["instant"])
    zone = ZoneInfo(part["tz"])
    if t.code == DEFAULT_LANGUAGE:
        return at.astimezone(zone).strftime("%d %b %H:%M")  # as flags have always been written
    return format_when(at, t.code, tz=zone)


def _dose(part: Mapping[str, Any], t: Translator) -> str:
    ug = int(part["mg"])
    if t.code == DEFAULT_LANGUAGE:
        return f"{plain_mg(ug)} mg"
    return format_mg(ug, t.code)


def _day(part: Mapping[str, Any], t: Translator) -> str:
    value = date.fromisoformat(part["day"])
    if t.code == DEFAULT_LANGUAGE:
        return f"{value:%d %b}"
    return format_day(value, t.code)


def _minutes(part: Mapping[str, Any], t: Translator) -> str:
    n = int(part["minutes"])
    if n % 60 == 0:
        return t.gettext(TEMPLATES["hours"], n=n // 60)
    return t.gettext(TEMPLATES["minutes"], n=n)


def _word(part: Mapping[str, Any], t: Translator) -> str:
    return t.gettext(str(part["word"]))


def _number(part: Mapping[str, Any], t: Translator) -> str:
    text = format(float(part["number"]), str(part["spec"]))
    if t.code == DEFAULT_LANGUAGE or not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return text
    return format_number(Decimal(text), t.code)


def _joined(part: Mapping[str, Any], t: Translator) -> str:
    items = [_render(item, t) for item in part["items"]]
    separator = part["join"]
    if separator != "and":
        return _SEPARATORS[separator].join(items)
    if not items:
        return ""
    text = items[-1]
    for item in reversed(items[:-1]):
        text = t.gettext(TEMPLATES["and"], first=item, second=text)
    return text


_KINDS: dict[str, Callable[[Mapping[str, Any], Translator], str]] = {
    "code": _message,
    "instant": _instant,
    "mg": _dose,
    "day": _day,
    "minutes": _minutes,
    "word": _word,
    "number": _number,
    "join": _joined,
}
