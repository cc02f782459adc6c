"""Errors a user can cause, each naming the field at fault and what to do about it."""

from __future__ import annotations

from collections.abc import Mapping


class FieldError(ValueError):
    """A value a user entered is refused; ``field`` names the input, ``message`` says why.

    A message with a value is written as a template (marked ``N_``) with its ``values``:
    ``FieldError("hold_days", N_("hold for 1 to {most} days"), values={"most": 90})``.
    ``message`` is then the English sentence; ``template`` and ``values`` let a page say it in
    the reader's language (dashboard.refusals)."""

    def __init__(
        self, field: str, message: str, *, values: Mapping[str, object] | None = None
    ) -> None:
        self.template = message if values is not None else None
        self.values = dict(values or {})
        self.message = message.format(**self.values) if values is not None else message
        super().__init__(f"{field}: {self.message}")
        self.field = field


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
    """Someone else changed the record first (e.g. two nurses charting the same dose)."""
