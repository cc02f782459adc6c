"""A ward's dispensable units: the smallest dose of each drug its formulary can give (which
tablets it stocks, which may be halved). New taper plans, plan previews, admission doses and PRN
orders are made in them; a plan version keeps the units it was made in (taper_plan.units), so
a later change of the ward's units never makes an old plan's doses unsplittable.

Set by an admin on the admin page, validated, audited. A drug without a row has the default of
models.clinical.drugs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, select

from models.audit import Actor, insert_audited, snapshot, update_audited
from models.clinical.drugs import DRUGS, format_mg, get_drug, mg_to_ug
from models.errors import FieldError, ValidationFailed
from models.tables import Ward, WardDrugUnit

# Sanity floor, local policy (no source): no ward dispenses less than 0.1 mg of these drugs
# (the smallest tablet is clonazepam's 0.125 mg ODT [S58]). The ceiling of each drug is its
# largest tablet strength [S61][S62] (models.clinical.drugs).
MIN_UNIT_UG = 100


def ward_units(session: Session, ward_id: int) -> dict[str, int]:
    """Every drug's unit on the ward (ug): its row, else the default."""
    units = {name: drug.unit_ug for name, drug in DRUGS.items()}
    for row in session.exec(select(WardDrugUnit).where(WardDrugUnit.ward_id == ward_id)):
        units[row.drug] = row.unit_ug
    return units


def unit_problem(drug: str, unit_ug: int) -> str | None:
    """Why ``unit_ug`` cannot be the ward's unit of ``drug`` (None if it can)."""
    largest = get_drug(drug).largest_tablet_ug
    if not MIN_UNIT_UG <= unit_ug <= largest:
        return (
            f"enter {format_mg(MIN_UNIT_UG)} to {format_mg(largest)} mg (the largest {drug} tablet)"
        )
    return None


def update_ward_units(
    *, session: Session, actor: Actor, ward_id: int, values: Mapping[str, object], now: datetime
) -> dict[str, int]:
    """Set units (drug -> mg, as typed) for the ward; every value is checked before any is
    written. Admins only. Returns the ward's units after the change."""
    actor.require("admin")
    if session.get(Ward, ward_id) is None:
        raise FieldError("ward", f"no ward {ward_id}")
    parsed: dict[str, int] = {}
    errors: list[FieldError] = []
    for drug, raw in values.items():
        field = f"unit_{drug}"
        if drug not in DRUGS:
            errors.append(FieldError(field, f"unknown drug {drug!r}"))
            continue
        try:
            ug = mg_to_ug(raw if isinstance(raw, int | float | str) else "", field=field)
        except FieldError as exc:
            errors.append(exc)
            continue
        problem = unit_problem(drug, ug)
        if problem:
            errors.append(FieldError(field, problem))
        else:
            parsed[drug] = ug
    if errors:
        raise ValidationFailed(errors)
    rows = {
        row.drug: row
        for row in session.exec(select(WardDrugUnit).where(WardDrugUnit.ward_id == ward_id))
    }
    current = ward_units(session, ward_id)
    for drug, ug in parsed.items():
        if current[drug] == ug:
            continue
        row = rows.get(drug)
        if row is None:
            row = WardDrugUnit(
                ward_id=ward_id, drug=drug, unit_ug=ug, updated_at=now, updated_by=actor.user_id
            )
            insert_audited(session, actor=actor, action="ward.unit", record=row)
            continue
        before = snapshot(row)
        row.unit_ug, row.updated_at, row.updated_by = ug, now, actor.user_id
        update_audited(
            session,
            actor=actor,
            action="ward.unit",
            record=row,
            before=before,
        )
    return ward_units(session, ward_id)


def check_whole_units(daily_ug: int, drug: str, units: Mapping[str, int], *, field: str) -> None:
    """A dose the ward can give: a positive whole number of its unit of ``drug``."""
    unit = units.get(drug, get_drug(drug).unit_ug)
    if daily_ug <= 0 or daily_ug % unit:
        raise FieldError(field, f"enter a positive dose in steps of {format_mg(unit)} mg")
