"""A ward's tablet list as the admin page shows and reads it in the reader's language.

The domain reads one syntax, "0.5 scored, 1, 2" (models.ward_tablets). In a language with a
decimal comma the list is shown "0,5 sécable ; 1 ; 2": strengths with the language's decimal
sign, separated by semicolons, the word for a scored tablet translated. What such an admin
types is turned back into the domain's syntax before it is checked, so the domain's own
refusals (quoting the part at fault) stay the one check."""

from __future__ import annotations

import re
from decimal import Decimal

from dashboard.i18n import _, language
from models.clinical.tablets import Tablet
from models.i18n import DEFAULT_LANGUAGE, format_number
from models.ward_tablets import tablets_text

# A list's parts: split at a semicolon, or at a comma that is no decimal comma (not between
# two digits: "0,5, 1" is 0.5 and 1).
_SEPARATOR = re.compile(r";|,(?!\d)|(?<!\d),")
_STRENGTH = re.compile(r"^\s*(?P<number>\d+(?:[.,]\d+)?)(?P<rest>.*)$", re.DOTALL)


def shown_tablets(tablets: tuple[Tablet, ...]) -> str:
    """A list as this request's language writes it: "0.5 scored, 1, 2" in English (the
    domain's own text), "0,5 sécable ; 1 ; 2" in French."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return tablets_text(tablets)
    scored = _("scored")
    parts = [
        format_number(Decimal(t.strength_ug).scaleb(-3).normalize(), code)
        + (f" {scored}" if t.scored else "")
        for t in sorted(tablets)
    ]
    return " ; ".join(parts)


def typed_tablets(text: object) -> object:
    """What an admin typed, in the domain's syntax: in English as typed; in another language
    each part's decimal comma read as a point and its word for "scored" as "scored". A part
    that is no strength is passed on as typed, for the domain to refuse by name."""
    if language() == DEFAULT_LANGUAGE or not isinstance(text, str):
        return text
    scored = _("scored").casefold()
    parts = []
    for part in _SEPARATOR.split(text):
        if not part.strip():
            continue
        match = _STRENGTH.match(part)
        if match is None:
            parts.append(part.strip())
            continue
        number = match["number"].replace(",", ".")
        rest = match["rest"].strip()
        if rest.casefold() in {scored, f"mg {scored}"}:
            rest = rest.casefold().replace(scored, "scored")
        parts.append(f"{number} {rest}".strip())
    return ", ".join(parts)
