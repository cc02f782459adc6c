"""Translated text: the gettext catalogs in ``models/i18n/locale`` and a translator per language.

Source strings are English and use named ``{fields}`` (a translator may reorder them). The
French catalog is ``locale/fr/LC_MESSAGES/messages.po``; ``make messages`` extracts the marked
strings into ``locale/messages.pot`` and merges them into every catalog. Catalogs are read and
compiled in memory on first use (no ``.mo`` files to build or forget); fuzzy entries are
ignored, so a string nobody has checked shows in English rather than half-translated.

Mark a string where it is shown: ``t.gettext("Saved")``, ``t.ngettext("{n} dose", "{n} doses",
n, n=n)``; a string defined ahead of time is marked with :func:`N_` and translated when shown.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from models.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark, translate later"
    """Mark ``message`` for extraction without translating it here."""
    return message


def catalog_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


class Translator:
    """One language's strings. Missing translations fall back to the English source."""

    def __init__(self, code: str, translations: gettext.NullTranslations) -> None:
        self.code = code
        self._translations = translations

    def gettext(self, message: str, /, **values: object) -> str:
        text = self._translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The form for ``count`` by the language's plural rule (French: 0 and 1 singular)."""
        text = self._translations.ngettext(singular, plural, count)
        return text.format(**values) if values else text

    def pgettext(self, context: str, message: str, /, **values: object) -> str:
        """A string whose translation depends on where it appears (``context``)."""
        text = self._translations.pgettext(context, message)
        return text.format(**values) if values else text


@lru_cache(maxsize=len(LANGUAGES))
def translator(code: str) -> Translator:
    """The translator of a supported language (English: the source strings themselves)."""
    if code not in LANGUAGES:
        raise KeyError(f"unsupported language {code!r}")
    if code == DEFAULT_LANGUAGE:
        return Translator(code, gettext.NullTranslations())
    with catalog_path(code).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[code].locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translator(code, gettext.GNUTranslations(compiled))
