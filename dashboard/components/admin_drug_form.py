"""The admin page's per-drug ward settings (dispensable units, tablets supplied): one text field
a drug, one Save, and the fields the domain refuses marked in red. Each setting's module says
what its fields mean and which domain function stores them; this one lays them out alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import typed_number
from dashboard.context import default_ward, engine, require_role
from dashboard.i18n import _, language
from dashboard.refusals import Refusal, attempt
from models.audit import Actor
from models.clinical.drugs import DRUGS
from models.db import read_session
from models.errors import FieldError, ValidationFailed
from models.types import utcnow

T = TypeVar("T")
V = TypeVar("V")


def ward_setting(db: Engine, read: Callable[[Session, int], T]) -> tuple[str, T]:
    """The default ward's name and ``read(session, ward_id)``: what a section shows."""
    with read_session(db) as session:
        ward = default_ward(session)
        assert ward.id is not None
        return ward.name, read(session, ward.id)


def drug_form_section(
    *,
    name: str,
    field_type: str,
    title: str,
    save_label: str,
    explanation: Any,
    values: Mapping[str, str],
    defaults: Mapping[str, str],
) -> html.Section:
    """Ids: ``{"type": field_type, "drug": …}`` a field, ``<name>-message``, ``<name>-save``."""
    inputs = [
        dmc.TextInput(
            id={"type": field_type, "drug": drug},
            label=drug_name(drug).capitalize(),
            description=defaults[drug],
            value=values[drug],
            rightSection=html.Span("mg", className="tw-admin-unit"),
            size="md",
            w=300,
        )
        for drug in DRUGS
    ]
    return html.Section(
        [
            html.H3(title, className="tw-section-title"),
            html.P(explanation, className="tw-muted"),
            dmc.Group(inputs, align="flex-start"),
            html.Div(id=f"{name}-message", className="tw-form-message", role="status"),
            dmc.Button(save_label, id=f"{name}-save", size="md"),
        ],
        className="tw-card tw-admin-section",
        id=f"{name}-section",
    )


def drug_form_io(name: str, field_type: str) -> dict[str, Any]:
    """The Save callback's outputs and inputs, for ``@callback(**drug_form_io(...))``."""
    return {
        "output": {
            "errors": Output({"type": field_type, "drug": ALL}, "error"),
            "message": Output(f"{name}-message", "children"),
            "style": Output(f"{name}-message", "className"),
        },
        "inputs": {
            "clicks": Input(f"{name}-save", "n_clicks"),
            "values": State({"type": field_type, "drug": ALL}, "value"),
        },
    }


def form_drugs() -> list[str]:
    """The drugs of the fields the Save sent, in their order."""
    return [item["id"]["drug"] for item in ctx.states_list[0]]


def typed_numbers(values: Mapping[str, Any], field: Callable[[str], str]) -> dict[str, Any]:
    """The numbers an admin typed (key -> value), as the domain reads them: in a language with a
    decimal comma read by ``parse_number`` ("0,125" is 0.125), in English as they come.
    ``field(key)`` names a value's field; every refusal is raised together. Call it inside the
    write (``attempt``), so a refusal is shown at its field."""
    code = language()
    read: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, value in values.items():
        try:
            read[key] = typed_number(value, code, field=field(key))
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise ValidationFailed(errors)
    return read


def save_for_ward(update: Callable[..., T], values: dict[str, Any]) -> T | Refusal:
    """``update(session=, actor=, ward_id=, values=, now=)`` for the default ward, as an admin."""
    actor: Actor = require_role("admin")
    now = utcnow()

    def write(session: Session) -> T:
        ward = default_ward(session)
        assert ward.id is not None
        return update(session=session, actor=actor, ward_id=ward.id, values=values, now=now)

    return attempt(engine(), write)


def drug_form_answer(
    drugs: list[str], outcome: Refusal | str, *, field_prefix: str
) -> dict[str, Any]:
    """The Save's answer: the refused fields (``<field_prefix><drug>``) in red, or ``outcome``,
    the settings as saved, in words."""
    if isinstance(outcome, Refusal):
        errors = [outcome.fields.get(f"{field_prefix}{drug}") for drug in drugs]
        message = (
            _("Not saved: correct the fields marked in red.") if any(errors) else outcome.message
        )
        return {"errors": errors, "message": message, "style": "tw-form-message"}
    return {"errors": [None] * len(drugs), "message": _("Saved: {what}.", what=outcome),
            "style": "tw-form-message tw-form-ok"}  # fmt: skip


def answer_save(
    clicks: Any,
    values: list[Any],
    update: Callable[..., Mapping[str, V]],
    *,
    field_prefix: str,
    shown: Callable[[Mapping[str, V]], str],
) -> dict[str, Any]:
    """A Save callback's body: the fields by drug stored by ``update`` (see
    :func:`save_for_ward`), as an admin, and the answer: the refused fields, or the settings as
    saved, ``shown`` in words."""
    require_role("admin")
    if not clicks:
        raise PreventUpdate
    drugs = form_drugs()
    outcome = save_for_ward(update, dict(zip(drugs, values, strict=True)))
    if isinstance(outcome, Refusal):
        return drug_form_answer(drugs, outcome, field_prefix=field_prefix)
    return drug_form_answer(drugs, shown(outcome), field_prefix=field_prefix)
