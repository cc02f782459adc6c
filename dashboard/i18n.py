"""Text in the language of the request being answered (docs/i18n.md).

Layouts and callbacks are built per request, so a string is marked where it is built:
``_("Save vitals")``, ``_("Saved: vitals at {when}", when=...)``; a count picks its form with
``ngettext``. A table defined at import (labels, headers) is marked with ``N_`` and shown with
``_(label)``. English needs no catalog: ``_`` returns the source string, formatted.

The app may be given another translator (``TW_TRANSLATOR`` in its config: a function from a
language code to a ``Translator``); the pseudo-locale test uses it to find unmarked strings.
"""

from __future__ import annotations

from collections.abc import Callable

import flask

from dashboard.context import current_language
from models.i18n import DEFAULT_LANGUAGE, N_, Translator, translator

__all__ = ["N_", "_", "language", "ngettext", "request_translator"]

TRANSLATOR_CONFIG = "TW_TRANSLATOR"


def request_translator() -> Translator:
    """The translator of this request's language (the signed-in user's, else the browser's);
    outside a request (a unit test, a job), English."""
    if not flask.has_request_context():
        return translator(DEFAULT_LANGUAGE)
    cached = flask.g.get("tw_translator")
    if isinstance(cached, Translator):
        return cached
    make: Callable[[str], Translator] = flask.current_app.config.get(TRANSLATOR_CONFIG, translator)
    found = make(current_language())
    flask.g.tw_translator = found
    return found


def language() -> str:
    """This request's language code (for number and date formats)."""
    return request_translator().code


def _(message: str, /, **fields: object) -> str:
    """``message`` in this request's language, its ``{fields}`` filled in."""
    return request_translator().gettext(message, **fields)


def ngettext(singular: str, plural: str, count: int, /, **fields: object) -> str:
    """The form for ``count`` by the language's plural rule, its ``{fields}`` filled in."""
    return request_translator().ngettext(singular, plural, count, **fields)
