"""models.flag_text: a flag's message as a code and values, rendered in each language; the
French catalog keeps every template's fields; unknown or damaged data falls back to English."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from models.charting import REASONS_BY_STATUS
from models.flag_text import (
    TEMPLATES,
    WORDS,
    day,
    dose,
    english,
    flag_message,
    instant,
    joined,
    message,
    minutes,
    number,
    render,
    word,
)
from models.i18n import translator

AT = datetime(2026, 12, 7, 19, 30, tzinfo=UTC)  # Monday; 20:30 in Paris


def test_each_kind_of_value_in_english_and_french() -> None:
    assert english(instant(AT, "Europe/Paris")) == "07 Dec 20:30"
    assert render(instant(AT, "Europe/Paris"), "fr") == "lun. 7 déc. 20:30"
    assert (english(dose(1500)), render(dose(1500), "fr")) == ("1.5 mg", "1,5\u00a0mg")
    assert (english(day(date(2026, 12, 7))), render(day(date(2026, 12, 7)), "fr")) == (
        "07 Dec",
        "lun. 7 déc.",
    )
    assert [english(minutes(n)) for n in (120, 90)] == ["2 h", "90 min"]
    assert (english(number(12.345, ".3g")), render(number(12.345, ".3g"), "fr")) == (
        "12.3",
        "12,3",
    )
    assert render(number(1500.0, ".3g"), "fr") == "1.5e+03"  # an exponent is left as it is
    assert (english(word("refused")), render(word("refused"), "fr")) == ("refused", "refusée")
    assert render(word("not in the catalog"), "fr") == "not in the catalog"


def test_lists_join_in_the_language() -> None:
    three = joined("and", ["a", "b", "c"])
    assert (english(three), render(three, "fr")) == ("a and b and c", "a et b et c")
    assert english(joined(";", ["a", "b"])) == "a; b"
    assert english(joined(",", ["a", "b"])) == "a, b"
    assert english(joined("and", [])) == ""
    with pytest.raises(ValueError):
        joined("or", ["a"])


def test_messages_nest_and_fill_their_fields() -> None:
    text = message(
        "prn_use",
        now=instant(AT, "UTC"),
        reasons=joined("and", [message("prn_doses", doses=4, limit=3)]),
        last=instant(AT, "UTC"),
    )
    assert english(text) == (
        "PRN in the 24 h to 07 Dec 19:30: 4 PRN doses (limit 3); last at 07 Dec 19:30"
    )
    assert render(text, "fr") == (
        "Si besoin sur les 24 h jusqu'à lun. 7 déc. 19:30 : 4 prises si besoin (limite 3) ; "
        "dernière prise lun. 7 déc. 19:30"
    )
    with pytest.raises(KeyError):
        message("no_such_message")


def test_a_row_without_a_code_or_with_damaged_values_shows_its_english() -> None:
    assert flag_message(None, None, "stored", "fr") == "stored"
    assert flag_message("not_a_code", {}, "stored", "fr") == "stored"
    assert flag_message("news2", None, "stored", "fr") == "stored"
    assert flag_message("news2", {"total": 5}, "stored", "fr") == "stored"  # fields missing
    bad_instant = {"total": 5, "when": {"instant": "yesterday", "tz": "UTC"}, "why": "x"}
    assert flag_message("news2", bad_instant, "stored", "fr") == "stored"
    bad_zone = {"total": 5, "when": {"instant": AT.isoformat(), "tz": "Mars/Olympus"}, "why": "x"}
    assert flag_message("news2", bad_zone, "stored", "fr") == "stored"
    good = {"total": 5, "when": instant(AT, "UTC"), "why": word("urgent review")}
    assert flag_message("news2", good, "stored", "fr") == (
        "NEWS2 5 à lun. 7 déc. 19:30 : évaluation urgente"
    )


def test_the_french_catalog_keeps_every_templates_fields() -> None:
    french = translator("fr")
    fields = re.compile(r"\{(\w+)\}")
    for code, source in TEMPLATES.items():
        translated = french.gettext(source)
        assert translated != source or code in ("reason_with_text", "hours", "minutes"), code
        assert sorted(fields.findall(translated)) == sorted(fields.findall(source)), code


def test_the_words_cover_the_reasons_a_dose_is_not_given() -> None:
    labels = {label for reasons in REASONS_BY_STATUS.values() for label in reasons.values()}
    assert labels <= set(WORDS)
    assert {status.replace("_", " ") for status in REASONS_BY_STATUS} <= set(WORDS)
    french = translator("fr")
    assert all(french.gettext(w) != w for w in WORDS)


def test_english_is_the_same_when_kept_and_for_what_cannot_be_kept() -> None:
    """english() keeps a part's English by its JSON: the same text as rendering it afresh, a
    second time too; a part that is not plain JSON (a datetime inside) is rendered as it is,
    and refused as render refuses it."""
    from datetime import UTC, datetime

    from models.flag_text import english, render

    part = {"code": "news2", "values": {"total": 7, "when": "08:00", "why": "resp rate 25"}}
    assert english(part) == render(part, "en") == english(dict(part))
    odd = {"code": "news2", "values": {"total": 7, "when": datetime(2026, 12, 7, tzinfo=UTC),
                                       "why": "x"}}  # fmt: skip
    with pytest.raises(TypeError, match="not a message part"):
        render(odd, "en")
    with pytest.raises(TypeError, match="not a message part"):
        english(odd)
