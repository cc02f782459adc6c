"""Languages, Accept-Language negotiation, translated text and locale formats (models.i18n)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from models.errors import FieldError
from models.i18n import (
    DEFAULT_LANGUAGE,
    check_language,
    first_weekday,
    format_clock,
    format_day,
    format_full_date,
    format_mg,
    format_number,
    format_percent_value,
    format_weekday,
    format_when,
    negotiate_language,
    parse_number,
    translator,
)

NBSP = "\u00a0"
MONDAY = date(2026, 12, 7)
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("fr_FR", "fr"),
        ("FR", "fr"),
        ("en-US,en;q=0.9,fr;q=0.8", "en"),
        ("de-DE, fr;q=0.7, en;q=0.5", "fr"),  # the first we speak, by weight
        ("en;q=0.5, fr;q=0.5", "en"),  # equal weights: the header's order
        ("fr;q=0, en", "en"),  # q=0: not French
        ("fr;q=0", DEFAULT_LANGUAGE),
        ("de, es", DEFAULT_LANGUAGE),
        ("*", DEFAULT_LANGUAGE),
        ("fr;q=abc, en;q=0.1", "en"),  # a malformed weight skips its entry
        ("fr;q=2, en;q=0.1", "en"),
        ("fr;level=1, en;q=0.1", "en"),
        ("", DEFAULT_LANGUAGE),
        (None, DEFAULT_LANGUAGE),
        (";;,,;", DEFAULT_LANGUAGE),
    ],
)
def test_accept_language_chooses_the_preferred_supported_language(
    header: str | None, language: str
) -> None:
    assert negotiate_language(header) == language


def test_negotiation_falls_back_to_the_given_default() -> None:
    assert negotiate_language("de", default="fr") == "fr"
    assert negotiate_language("en", default="fr") == "en"


def test_a_long_accept_language_header_is_read_only_so_far() -> None:
    assert negotiate_language("de, " * 40 + "fr") == DEFAULT_LANGUAGE
    assert negotiate_language("de, " * 10 + "fr") == "fr"


def test_check_language_accepts_supported_codes_only() -> None:
    assert check_language(" FR ") == "fr"
    assert check_language("en") == "en"
    with pytest.raises(FieldError) as refused:
        check_language("de", field="default_language")
    assert refused.value.field == "default_language"
    assert "en, fr" in refused.value.message


def test_english_is_the_source_text_and_french_comes_from_the_catalog() -> None:
    assert translator("en").gettext("enter a number") == "enter a number"
    assert translator("fr").gettext("enter a number") == "saisissez un nombre"
    assert translator("fr").gettext("not in any catalog") == "not in any catalog"
    assert translator("fr") is translator("fr")  # compiled once
    with pytest.raises(KeyError):
        translator("de")


def test_plural_forms_follow_each_language() -> None:
    fr, en = translator("fr"), translator("en")
    assert fr.ngettext("every day", "every {n} days", 1, n=1) == "tous les jours"
    assert fr.ngettext("every day", "every {n} days", 3, n=3) == "tous les 3 jours"
    assert en.ngettext("every week", "every {n} weeks", 2, n=2) == "every 2 weeks"
    assert en.pgettext("menu", "every week") == "every week"


@pytest.mark.parametrize(
    ("ug", "en", "fr"),
    [
        (1500, "1.5", "1,5"),
        (125, "0.125", "0,125"),
        (2000, "2", "2"),
        (0, "0", "0"),
        (1_250_000, "1,250", "1\u202f250"),
    ],
)
def test_doses_in_each_language(ug: int, en: str, fr: str) -> None:
    assert format_mg(ug, "en") == f"{en}{NBSP}mg"
    assert format_mg(ug, "fr") == f"{fr}{NBSP}mg"


def test_numbers_and_percentages() -> None:
    assert format_number(Decimal("12.5"), "fr") == "12,5"
    assert format_number(7, "en") == "7"
    assert format_percent_value(Decimal("12.5"), "en") == "12.5%"
    assert format_percent_value(Decimal("12.5"), "fr") == f"12,5{NBSP}%"
    assert format_percent_value(25, "fr") == f"25{NBSP}%"


def test_dates_weekdays_and_the_first_day_of_the_week() -> None:
    assert format_day(MONDAY, "en") == "Mon 7 Dec"
    assert format_day(MONDAY, "fr") == "lun. 7 déc."
    assert format_full_date(MONDAY, "en") == "Mon, 7 Dec 2026"
    assert format_full_date(MONDAY, "fr") == "lun. 7 déc. 2026"
    assert format_weekday(MONDAY, "fr") == "lundi"
    assert format_weekday(MONDAY, "en", short=True) == "Mon"
    assert format_weekday(date(2026, 12, 13), "fr", short=True) == "dim."
    assert first_weekday("fr") == first_weekday("en") == 0  # Monday


def test_times_are_24_hour_and_in_the_ward_zone() -> None:
    assert format_clock(time(20, 5), "en") == "20:05"
    assert format_clock(time(8, 0), "fr") == "08:00"
    instant = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)
    assert format_clock(instant, "fr", tz=PARIS) == "20:30"
    assert format_when(instant, "fr", tz=PARIS) == "lun. 7 déc. 20:30"
    assert format_when(instant, "en", tz=ZoneInfo("Pacific/Auckland")) == "Tue 8 Dec 08:30"
    summer = datetime(2026, 7, 6, 6, 0, tzinfo=UTC)  # the zone's own offset, DST included
    assert format_when(summer, "fr", tz=PARIS) == "lun. 6 juil. 08:00"


def test_an_instant_needs_a_zone_and_an_aware_time() -> None:
    with pytest.raises(ValueError, match="time zone"):
        format_clock(datetime(2026, 12, 7, 8, tzinfo=UTC), "en")
    with pytest.raises(ValueError, match="aware"):
        format_when(datetime(2026, 12, 7, 8), "en", tz=PARIS)


@pytest.mark.parametrize(
    ("text", "code", "value"),
    [
        ("1,5", "fr", "1.5"),
        ("1.5", "fr", "1.5"),  # a number pad's point
        (" 0,125\u00a0", "fr", "0.125"),
        ("2", "fr", "2"),
        (",5", "fr", "0.5"),
        ("-1,5", "fr", "-1.5"),
        ("1.5", "en", "1.5"),
        ("37", "en", "37"),
    ],
)
def test_numbers_typed_in_each_language(text: str, code: str, value: str) -> None:
    assert parse_number(text, code, field="dose") == Decimal(value)


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [
        ("1,5", "en", "enter a number such as 1.5"),  # 15 or 1.5? refused, not guessed
        ("1,5.2", "fr", "saisissez un nombre, par exemple 1,5"),
        ("1 250", "fr", "saisissez un nombre, par exemple 1,5"),
        ("1e3", "en", "enter a number such as 1.5"),
        ("NaN", "fr", "saisissez un nombre, par exemple 1,5"),
        ("١٫٥", "en", "enter a number such as 1.5"),  # Arabic-Indic digits
        ("-", "en", "enter a number such as 1.5"),
        ("  ", "fr", "saisissez un nombre"),
        ("1" * 17, "en", "this number is too long"),
    ],
)
def test_numbers_refused_with_the_readers_message(text: str, code: str, message: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_number(text, code, field="dose")
    assert (refused.value.field, refused.value.message) == ("dose", message)
