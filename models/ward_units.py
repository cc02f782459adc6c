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

from models.audit import Actor
from models.clinical.drugs import DRUGS, get_drug, mg_to_ug
from models.errors import FieldError, Number
from models.i18n import N_
from models.tables import WardDrugUnit
from models.ward_formulary import PerDrugSetting

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


def unit_problem(drug: str, unit_ug: int, *, field: str) -> FieldError | None:
    """Why ``unit_ug`` cannot be the ward's unit of ``drug`` (None if it can)."""
    largest = get_drug(drug).largest_tablet_ug
    if not MIN_UNIT_UG <= unit_ug <= largest:
        return FieldError(
            field,
            N_("enter {least} to {most} mg (the largest {drug} tablet)"),
            values={"least": Number.mg(MIN_UNIT_UG), "most": Number.mg(largest), "drug": drug},
        )
    return None


def _read_unit(drug: str, raw: object, field: str) -> int:
    ug = mg_to_ug(raw if isinstance(raw, int | float | str) else "", field=field)
    problem = unit_problem(drug, ug, field=field)
    if problem:
        raise problem
    return ug


def update_ward_units(
    *, session: Session, actor: Actor, ward_id: int, values: Mapping[str, object], now: datetime
) -> dict[str, int]:
    """Set units (drug -> mg, as typed) for the ward; every value is checked before any is
    written. Admins only. Returns the ward's units after the change."""
    return _UNITS.update(session=session, actor=actor, ward_id=ward_id, values=values, now=now)


_UNITS = PerDrugSetting(
    model=WardDrugUnit,
    column="unit_ug",
    field_prefix="unit_",
    action="ward.unit",
    read=_read_unit,
    on_ward=ward_units,
    stored=int,
)


def check_whole_units(daily_ug: int, drug: str, units: Mapping[str, int], *, field: str) -> None:
    """A dose the ward can give: a positive whole number of its unit of ``drug``."""
    unit = units.get(drug, get_drug(drug).unit_ug)
    if daily_ug <= 0 or daily_ug % unit:
        raise FieldError(
            field,
            N_("enter a positive dose in steps of {unit} mg"),
            values={"unit": Number.mg(unit)},
        )
