"""One adapter from the domain's refusals to what a form shows: every form's write (and the
plan's preview, which only reads) runs through ``attempt``.

A refusal a user can cause (a field out of range, a conflict with a colleague's write, a role
that may not, the database busy) comes back as a ``Refusal``, nothing written; anything else is
a bug and raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.components.charting_common import SEX_WORDS
from dashboard.i18n import N_, _, request_translator
from models.db import (
    DATABASE_UNAVAILABLE,
    DATABASE_UNAVAILABLE_ERRORS,
    log_database_fault,
    read_session,
    transaction,
)
from models.errors import ConflictError, FieldError, PermissionDenied, Shown, ValidationFailed
from models.i18n import format_number
from models.tables import SEXES

T = TypeVar("T")


@dataclass(frozen=True)
class Refusal:
    """A write the domain refused, nothing saved.

    ``message`` is the sentence a charting form shows ("Not saved. ..."), ``fields`` each
    field's own sentence (shown at the field); ``detail`` is the domain's words unadorned (the
    plan's change form shows them in its own alert)."""

    message: str
    fields: dict[str, str] = field(default_factory=dict)
    conflict: bool = False
    detail: str = ""


def attempt(engine: Engine, action: Callable[[Session], T], *, write: bool = True) -> T | Refusal:
    """Run ``action`` as one unit of work, committed only if ``write`` (a preview reads and
    never commits)."""
    try:
        if write:
            with transaction(engine) as session:
                return action(session)
        with read_session(engine) as session:
            return action(session)
    except ValidationFailed as exc:
        fields = {e.field: _sentence(field_message(e)) for e in exc.errors}
        detail = "; ".join(e.message for e in exc.errors)
        return Refusal(_not_saved(" ".join(fields.values())), fields, detail=detail)
    except FieldError as exc:
        sentence = _sentence(field_message(exc))
        return Refusal(_not_saved(sentence), {exc.field: sentence}, detail=exc.message)
    except ConflictError as exc:
        sentence = _sentence(conflict_message(exc))
        return Refusal(_not_saved(sentence), conflict=True, detail=str(exc))
    except PermissionDenied as exc:
        return Refusal(_not_saved(_sentence(str(exc))), detail=str(exc))
    except DATABASE_UNAVAILABLE_ERRORS as exc:
        log_database_fault(exc)
        unavailable = _sentence(_known(DATABASE_UNAVAILABLE))
        return Refusal(_not_saved(unavailable), detail=unavailable)


def form_message(refusal: Refusal, shown: Collection[str]) -> str:
    """A modal's message line: a pointer to the red field when the form shows every field the
    domain refused (names in ``shown``), else the refusal's own sentence."""
    at_fields = bool(refusal.fields) and set(refusal.fields) <= set(shown)
    return _("Not saved: see the field marked in red.") if at_fields else refusal.message


# Domain messages that carry a value and reach a form as plain English (without the template
# and values a FieldError may carry): each read back into its fields and shown in the reader's
# language. In English the same words.
_WITH_VALUES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?P<shown>.+) is not a dose in mg; write e\.g\. 0\.5"),
        N_("{shown} is not a dose in mg; write e.g. {example}"),
    ),
    (
        re.compile(r"time is more than (?P<hours>\d+) hours ago; ask the nurse in charge"),
        N_("time is more than {hours} hours ago; ask the nurse in charge"),
    ),
    (
        re.compile("choose one of " + re.escape(", ".join(SEXES))),
        N_("choose one of {choices}"),
    ),
)


def _known(message: str) -> str:
    """A domain message in the reader's language when the catalogs know it: a fixed sentence
    (marked with ``N_`` where the domain raises it) or one of the sentences with a value above;
    else the domain's English words."""
    t = request_translator()
    for pattern, template in _WITH_VALUES:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = found.groupdict()
        if "shown" in values:
            values["example"] = format_number(Decimal("0.5"), t.code)
        if "choices" not in values and template.endswith("{choices}"):
            values["choices"] = ", ".join(t.gettext(SEX_WORDS[s]) for s in SEXES)
        return t.gettext(template, **values)
    return t.gettext(message)


def field_message(error: FieldError) -> str:
    """A field's refusal in the reader's language: its template with its values (a message
    with a value, models.errors.FieldError; its units, choices and decimals the reader's way),
    else as ``_known`` finds it."""
    if error.template is None:
        return _known(error.message)
    t = request_translator()
    values = {k: v.shown(t) if isinstance(v, Shown) else v for k, v in error.values.items()}
    return t.gettext(error.template, **values)


def conflict_message(error: ConflictError) -> str:
    """A conflict in the reader's language: its template with its values (who, when), else as
    ``_known`` finds it."""
    if error.template is None:
        return _known(str(error))
    t = request_translator()
    values = {k: v.shown(t) if isinstance(v, Shown) else v for k, v in error.values.items()}
    return t.gettext(error.template, **values)


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def _not_saved(detail: str) -> str:
    return _("Not saved. {detail}", detail=detail)
