"""Errors a user can cause, each naming the field at fault and what to do about it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.i18n.catalogs import Translator


class Shown:
    """A value of a message that the reader's language writes its own way: ``str()`` is the
    English the domain writes, :meth:`shown` the reader's (dashboard.refusals)."""

    def shown(self, t: Translator) -> str:
        raise NotImplementedError


def shown(value: object, t: Translator) -> object:
    """A message's value as the reader's language writes it: a :class:`Shown` its own way,
    anything else (a name, a count, text someone typed) as it is."""
    return value.shown(t) if isinstance(value, Shown) else value


class Words(Shown):
    """Marked words (``N_``) a message shows, joined by ", ": a unit, a list of choices;
    ``lower`` writes them in lower case (a scale's term inside a sentence)."""

    def __init__(self, words: Iterable[str], *, lower: bool = False) -> None:
        self.words = tuple(words)
        self.lower = lower

    def __str__(self) -> str:
        text = ", ".join(self.words)
        return text.lower() if self.lower else text

    def __repr__(self) -> str:
        return f"Words({self.words!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and other.words == self.words

    def __hash__(self) -> int:
        return hash(self.words)

    def shown(self, t: Translator) -> str:
        text = ", ".join(t.gettext(word) for word in self.words)
        return text.lower() if self.lower else text


class Number(Shown):
    """A decimal number a message shows (a dose in mg, hours): ``1.5`` in English, with the
    language's decimal sign elsewhere (``1,5``), up to three decimals; ``exact`` keeps every
    decimal (a number someone typed, quoted back to them: ``1,0005``)."""

    def __init__(
        self, value: Decimal | int | float | str, text: str | None = None, *, exact: bool = False
    ) -> None:
        self.value = Decimal(str(value))
        self.text = text  # the English as the domain writes it, when not the plain number
        self.exact = exact

    @classmethod
    def mg(cls, ug: int) -> Number:
        """A dose given in micrograms, shown in mg (the number only; the message says "mg")."""
        return cls(Decimal(ug).scaleb(-3))

    def __str__(self) -> str:
        return self.text if self.text is not None else f"{self.value.normalize():f}"

    def __repr__(self) -> str:
        return f"Number({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Number) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def shown(self, t: Translator) -> str:
        from models.i18n.formats import format_number  # here: models.i18n imports this module
        from models.i18n.languages import DEFAULT_LANGUAGE

        if t.code == DEFAULT_LANGUAGE:
            return str(self)
        if self.exact:
            from babel.numbers import format_decimal

            from models.i18n.languages import babel_locale

            return format_decimal(
                self.value.normalize(),
                format="#,##0.###",
                locale=babel_locale(t.code),
                decimal_quantization=False,
            )
        return format_number(self.value.normalize(), t.code)


class When(Shown):
    """An instant a message shows in the ward's zone, as near ``now`` it is: "14:20" today,
    "yesterday 23:40", else with its day. ``text`` is the English as the domain writes it."""

    def __init__(self, instant: datetime, tz: tzinfo, now: datetime, text: str) -> None:
        self.instant, self.tz, self.now, self.text = instant, tz, now, text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"When({self.text!r})"

    def shown(self, t: Translator) -> str:
        from models.i18n.formats import format_day
        from models.i18n.languages import DEFAULT_LANGUAGE

        if t.code == DEFAULT_LANGUAGE:
            return self.text
        local = self.instant.astimezone(self.tz)
        clock = f"{local:%H:%M}"
        days = (local.date() - self.now.astimezone(self.tz).date()).days
        if days == 0:
            return clock
        if days == -1:
            return t.gettext("yesterday {clock}", clock=clock)
        if days == 1:
            return t.gettext("tomorrow {clock}", clock=clock)
        return f"{format_day(local.date(), t.code)} {clock}"


class Phrase(str, Shown):
    """A sentence, or a part of one, the domain writes: the string itself is its English
    (what the CLI, the scan and the logs read), and it carries the template (an English source
    string marked ``N_``) and the values a page says it from in the reader's language. A value
    may be a :class:`Shown` of its own, another phrase included.

    ``Phrase(N_("RR {rate}/min"), {"rate": 7})`` is the string ``"RR 7/min"``; without values
    the template is the sentence as it is (like ``Translator.gettext``)."""

    template: str
    values: dict[str, object]

    def __new__(cls, template: str, values: Mapping[str, object] | None = None) -> Phrase:
        values = dict(values or {})
        phrase = super().__new__(cls, template.format(**values) if values else template)
        phrase.template, phrase.values = template, values
        return phrase

    def __reduce__(self) -> tuple[object, ...]:
        return (Phrase, (self.template, self.values))

    def shown(self, t: Translator) -> str:
        return t.gettext(self.template, **{k: shown(v, t) for k, v in self.values.items()})


class FieldError(ValueError):
    """A value a user entered is refused; ``field`` names the input, ``message`` says why.

    A message with a value is written as a template (marked ``N_``) with its ``values``:
    ``FieldError("hold_days", N_("hold for 1 to {most} days"), values={"most": 90})``.
    ``message`` is then the English sentence; ``template`` and ``values`` let a page say it in
    the reader's language (dashboard.refusals). A value the reader's language writes its own
    way is a :class:`Shown`: marked words (:class:`Words`, a unit or a list of choices) or a
    decimal number (:class:`Number`). A :class:`Phrase` as the message gives its template and
    values."""

    def __init__(
        self, field: str, message: str, *, values: Mapping[str, object] | None = None
    ) -> None:
        if isinstance(message, Phrase) and values is None:
            values = message.values or None
            message = message.template
        self.template = message if values is not None else None
        self.values = dict(values or {})
        self.message = message.format(**self.values) if values is not None else message
        super().__init__(f"{field}: {self.message}")
        self.field = field

    @property
    def phrase(self) -> Phrase:
        """The refusal as a :class:`Phrase`, to say it inside another message."""
        if self.template is None:
            return Phrase(self.message)
        return Phrase(self.template, self.values)


def required_text(text: str, *, field: str, missing: str, limit: int) -> str:
    """Text a user must write (a reason, a note), stripped: refused when empty, ``missing``
    saying what to write, or when longer than ``limit`` characters."""
    from models.i18n import N_  # here: models.i18n imports this module

    text = text.strip()
    if not text:
        raise FieldError(field, missing)
    if len(text) > limit:
        raise FieldError(
            field, N_("keep the reason under {limit} characters"), values={"limit": limit}
        )
    return text


class ValidationFailed(ValueError):
    """Several fields refused at once (a form is checked whole, not field by field)."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}


class PermissionDenied(PermissionError):
    """The signed-in user's role may not do this (enforced in the domain, not only the UI)."""


class ConflictError(ValueError):
    """Someone else changed the record first (e.g. two nurses charting the same dose).

    Like :class:`FieldError`, a message with a value is a template (marked ``N_``) with its
    ``values`` (who, when: :class:`Shown` where the reader's language writes it its own way);
    ``str()`` is then the English sentence, ``template`` and ``values`` let a page say it in the
    reader's language (dashboard.refusals)."""

    def __init__(self, message: str, *, values: Mapping[str, object] | None = None) -> None:
        self.template = message if values is not None else None
        self.values = dict(values or {})
        super().__init__(message.format(**self.values) if values is not None else message)
