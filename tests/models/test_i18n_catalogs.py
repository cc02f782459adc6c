"""Every string marked for translation has a checked French translation: none missing, none
fuzzy, none left over from a string the code no longer has, and each keeps its {fields}. A
failure here means: run `make messages`, translate what it added to the French catalog, clear
any fuzzy mark (docs/i18n.md)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from models.i18n.catalogs import catalog_path
from models.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = sorted(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)

MessageId = str | tuple[str, ...]


def _source_messages() -> dict[MessageId, str]:
    """What `make messages` would extract now: message id -> the file it is in."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, "babel.cfg")
    found: dict[MessageId, str] = {}
    for filename, _line, message, _comments, context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        assert context is None, f"{filename}: contexts are not used yet ({message!r})"
        found[message if isinstance(message, str) else tuple(message)] = filename
    return found


def _catalog(code: str) -> Catalog:
    with catalog_path(code).open("rb") as po:
        return read_po(po, locale=LANGUAGES[code].locale)


def _key(message: Message) -> MessageId:
    return message.id if isinstance(message.id, str) else tuple(message.id)


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_source_has_marked_strings_to_check() -> None:
    found = _source_messages()
    assert ("every day", "every {n} days") in found
    assert found["{cut} {every} until {dose}"] == "models/clinical/recipe_words.py"


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_marked_string_is_translated_and_checked(code: str) -> None:
    catalog = _catalog(code)
    entries = {_key(m): m for m in catalog if m.id}
    source = _source_messages()
    missing = sorted(str(k) for k in source if k not in entries)
    assert missing == [], f"not in the {code} catalog (run make messages): {missing}"
    stale = sorted(str(k) for k in entries if k not in source)
    assert stale == [], f"in the {code} catalog but no longer in the code: {stale}"
    fuzzy = sorted(str(k) for k, m in entries.items() if m.fuzzy)
    assert fuzzy == [], f"fuzzy in the {code} catalog (check, then clear the mark): {fuzzy}"
    assert not catalog.obsolete, f"obsolete entries in the {code} catalog"
    for key, message in entries.items():
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        assert forms and all(f.strip() for f in forms), f"untranslated in {code}: {key!r}"
        if isinstance(key, str):
            assert len(forms) == 1
            assert _fields(forms[0]) == _fields(key), f"{code} {key!r}: {forms[0]!r}"
        else:
            assert len(forms) == catalog.num_plurals, f"{code} {key!r}: every plural form"
            allowed = _fields(key[0]) | _fields(key[1])
            for form in forms:
                assert _fields(form) <= allowed, f"{code} {key!r}: {form!r}"
            # the general form must say how many (the one form may spell it: "chaque semaine")
            assert _fields(forms[-1]) == _fields(key[1]), f"{code} {key!r}: {forms[-1]!r}"


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_catalog_plural_rule_is_the_languages(code: str) -> None:
    catalog = _catalog(code)
    expected = Catalog(locale=LANGUAGES[code].locale)
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr == expected.plural_expr
