"""The languages Taperwatch speaks, and choosing one from a browser's Accept-Language.

A language is stored as its code (``en``, ``fr``); each maps to the Babel locale whose formats
it uses. English is British English, as the app has always been written (day before month,
24-hour clock, weeks from Monday); French is France's.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel import Locale

from models.errors import FieldError


@dataclass(frozen=True)
class Language:
    code: str  # what the user and ward tables store
    locale: str  # the Babel locale of its formats (numbers, dates, weekdays)
    name: str  # in the language itself, as a language menu shows it


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "en_GB", "English"),
    "fr": Language("fr", "fr_FR", "Français"),
}
DEFAULT_LANGUAGE = "en"  # the source strings' language, and a new ward's default
LANGUAGE_MAX_CHARS = 8  # what user.language and ward.default_language hold
ACCEPT_LANGUAGE_MAX_CHARS = 1000  # a longer header is read no further
ACCEPT_LANGUAGE_MAX_TAGS = 32


def check_language(code: str, *, field: str = "language") -> str:
    """The supported language ``code`` (any case, spaces ignored), or a FieldError."""
    cleaned = code.strip().lower()
    if cleaned not in LANGUAGES:
        raise FieldError(field, f"unknown language {code!r}; use one of {', '.join(LANGUAGES)}")
    return cleaned


def babel_locale(code: str) -> Locale:
    """The Babel locale of a supported language (a programming error otherwise)."""
    return Locale.parse(LANGUAGES[code].locale)


def negotiate_language(accept_language: str | None, *, default: str = DEFAULT_LANGUAGE) -> str:
    """The supported language a browser prefers most, by its Accept-Language header
    (``fr-CA,fr;q=0.9,en;q=0.8`` -> ``fr``); ``default`` when it names none we speak.

    Only the primary subtag counts (``fr-CA`` is French). Among equal weights the header's order
    decides; ``q=0`` means "not this one"; ``*`` and malformed entries are skipped."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    entries = accept_language[:ACCEPT_LANGUAGE_MAX_CHARS].split(",")
    for position, entry in enumerate(entries[:ACCEPT_LANGUAGE_MAX_TAGS]):
        tag, _, params = entry.strip().partition(";")
        primary = tag.strip().split("-")[0].split("_")[0].lower()
        weight = _weight(params)
        if primary in LANGUAGES and weight is not None and weight > 0:
            ranked.append((-weight, position, primary))
    return min(ranked)[2] if ranked else default


def _weight(params: str) -> float | None:
    """The q value of an Accept-Language entry's parameters (1 when absent), None if malformed."""
    params = params.strip()
    if not params:
        return 1.0
    name, _, value = params.partition("=")
    if name.strip().lower() != "q":
        return None
    try:
        weight = float(value.strip())
    except ValueError:
        return None
    return weight if 0 <= weight <= 1 else None
