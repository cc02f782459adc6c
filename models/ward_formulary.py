"""What a ward's per-drug formulary settings (models.ward_units, models.ward_tablets) share:
every drug's value is read and checked before any is written, and each drug whose value
changes gets its row, inserted or updated, audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlmodel import Session, col, select

from models.audit import Actor, insert_audited, snapshot, update_audited
from models.clinical.drugs import DRUGS
from models.errors import FieldError, ValidationFailed
from models.i18n import N_
from models.tables import Ward, WardDrugTablets, WardDrugUnit

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


@dataclass(frozen=True)
class PerDrugSetting(Generic[T, Row]):
    """One per-drug setting of the ward's formulary (its units, its tablets): how an admin
    types it and where it is stored."""

    model: type[Row]
    column: str  # the column of ``model`` that holds the value
    field_prefix: str  # a drug's form field: <field_prefix><drug>
    action: str  # the audited action
    read: Callable[[str, object, str], T]  # (drug, raw, field) -> the value, or FieldError
    on_ward: Callable[[Session, int], dict[str, T]]  # every drug's value on a ward
    stored: Callable[[T], object]  # a value as ``column`` holds it

    def update(
        self,
        *,
        session: Session,
        actor: Actor,
        ward_id: int,
        values: Mapping[str, object],
        now: datetime,
    ) -> dict[str, T]:
        """Set ``values`` (drug -> as typed) for the ward; every value is checked before any
        is written, and only the drugs whose value changes are written. Admins only. Returns
        every drug's value on the ward after the change."""
        actor.require("admin")
        if session.get(Ward, ward_id) is None:
            raise FieldError("ward", N_("no ward {ward}"), values={"ward": ward_id})
        parsed = read_per_drug(values, field_prefix=self.field_prefix, read=self.read)
        current = self.on_ward(session, ward_id)
        write_per_drug(
            session,
            actor=actor,
            ward_id=ward_id,
            model=self.model,
            column=self.column,
            stored={d: self.stored(v) for d, v in parsed.items() if current[d] != v},
            action=self.action,
            now=now,
        )
        return self.on_ward(session, ward_id)
