"""Errors a user can cause, each naming the field at fault and what to do about it."""

from __future__ import annotations


class FieldError(ValueError):
    """A value a user entered is refused; ``field`` names the input, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def required_text(text: str, *, field: str, missing: str, limit: int) -> str:
    """Text a user must write (a reason, a note), stripped: refused when empty, ``missing``
    saying what to write, or when longer than ``limit`` characters."""
    text = text.strip()
    if not text:
        raise FieldError(field, missing)
    if len(text) > limit:
        raise FieldError(field, f"keep the reason under {limit} characters")
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
