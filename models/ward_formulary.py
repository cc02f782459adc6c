"""What a ward's per-drug formulary settings (models.ward_units, models.ward_tablets) share:
every drug's value is read and checked before any is written, and each drug whose value
changes gets its row, inserted or updated, audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session, col, select

from models.audit import Actor, insert_audited, snapshot, update_audited
from models.clinical.drugs import DRUGS
from models.errors import FieldError, ValidationFailed
from models.i18n.catalogs import N_
from models.tables import WardDrugTablets, WardDrugUnit

T = TypeVar("T")
Row = TypeVar("Row", WardDrugUnit, WardDrugTablets)


def read_per_drug(
    values: Mapping[str, object], *, field_prefix: str, read: Callable[[str, object, str], T]
) -> dict[str, T]:
    """Each drug's value as typed, read by ``read(drug, raw, field)`` (a FieldError at field
    ``<field_prefix><drug>`` refuses it); every refusal is raised together."""
    parsed: dict[str, T] = {}
    errors: list[FieldError] = []
    for drug, raw in values.items():
        field = f"{field_prefix}{drug}"
        if drug not in DRUGS:
            unknown = N_("unknown drug {drug}")
            errors.append(FieldError(field, unknown, values={"drug": repr(drug)}))
            continue
        try:
            parsed[drug] = read(drug, raw, field)
        except FieldError as exc:
            errors.append(exc)
    if errors:
        raise ValidationFailed(errors)
    return parsed


def write_per_drug(
    session: Session,
    *,
    actor: Actor,
    ward_id: int,
    model: type[Row],
    column: str,
    stored: Mapping[str, object],
    action: str,
    now: datetime,
) -> None:
    """Store ``stored`` (drug -> the value of ``column``, only the drugs that change) in the
    ward's rows of ``model``: a drug without a row gets one. Admins only."""
    actor.require("admin")
    query = select(model).where(col(model.ward_id) == ward_id)
    rows = {row.drug: row for row in session.exec(query)}
    for drug, value in stored.items():
        row = rows.get(drug)
        if row is None:
            row = model.model_validate(
                {"ward_id": ward_id, "drug": drug, column: value, "updated_at": now,
                 "updated_by": actor.user_id}
            )  # fmt: skip
            insert_audited(session, actor=actor, action=action, record=row)
            continue
        before = snapshot(row)
        setattr(row, column, value)
        row.updated_at, row.updated_by = now, actor.user_id
        update_audited(session, actor=actor, action=action, record=row, before=before)
