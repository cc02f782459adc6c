"""Languages, translated text and locale formats (docs/i18n.md). Pure: no session, no clock."""

from models.i18n.catalogs import N_, Translator, translator
from models.i18n.formats import (
    first_weekday,
    format_clock,
    format_day,
    format_full_date,
    format_mg,
    format_number,
    format_percent_value,
    format_weekday,
    format_when,
    parse_number,
)
from models.i18n.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    Language,
    check_language,
    negotiate_language,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Language",
    "N_",
    "Translator",
    "check_language",
    "first_weekday",
    "format_clock",
    "format_day",
    "format_full_date",
    "format_mg",
    "format_number",
    "format_percent_value",
    "format_weekday",
    "format_when",
    "negotiate_language",
    "parse_number",
    "translator",
]
