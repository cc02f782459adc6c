"""The benzodiazepines a ward tapers, their dispensable units, codes and diazepam equivalents.

Doses are integer micrograms everywhere inside Taperwatch (0.125 mg = 125 ug); mg appears only
at the edges (forms, CLI, charts), through ``mg_to_ug`` / ``ug_to_mg`` / ``format_mg``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from models.clinical.sources import ClinicalNumber
from models.errors import FieldError


@dataclass(frozen=True)
class Drug:
    name: str  # lower-case generic name, the key everywhere
    unit_ug: int  # smallest dispensable dose; every planned dose is a whole number of these
    rxnorm: str  # RxNorm ingredient RXCUI
    atc: str  # WHO ATC code


# Units: local policy, the smallest step the ward dispenses (docs/recipes.md; clonazepam
# 0.125 mg exists as an ODT [S58]). ATC codes [S52]. RxNorm: diazepam 3322 [S53]; the others
# are consistent across public mappings but not checked on RxNav (verify before relying on them).
# Oxazepam, temazepam and chlordiazepoxide are left out: no source gives their dispensable
# unit or (except temazepam's RXCUI) their codes; they remain in the equivalence tables.
DRUGS: dict[str, Drug] = {
    "clonazepam": Drug("clonazepam", unit_ug=125, rxnorm="2598", atc="N03AE01"),
    "alprazolam": Drug("alprazolam", unit_ug=125, rxnorm="596", atc="N05BA12"),
    "lorazepam": Drug("lorazepam", unit_ug=250, rxnorm="6470", atc="N05BA06"),
    "diazepam": Drug("diazepam", unit_ug=1000, rxnorm="3322", atc="N05BA01"),
}

# Oral mg of each drug approximately equal to diazepam 10 mg: ASAM 2025 Table 7 [S11],
# columns Ashton and VA/DoD. Sources differ up to 2x, so a plan stores which table it used.
DIAZEPAM_REFERENCE_MG = 10  # the tables' common reference dose [S11]
EQUIVALENCE_TABLES: dict[str, dict[str, float]] = {
    "ashton": {  # [S11] Ashton column
        "diazepam": 10.0,
        "alprazolam": 0.5,
        "chlordiazepoxide": 25.0,
        "clonazepam": 0.5,
        "lorazepam": 1.0,
        "oxazepam": 20.0,
        "temazepam": 20.0,
        "triazolam": 0.5,
        "clorazepate": 15.0,
    },
    "vadod": {  # [S11] VA/DoD column
        "diazepam": 10.0,
        "alprazolam": 1.0,
        "chlordiazepoxide": 25.0,
        "clonazepam": 1.0,
        "lorazepam": 2.0,
        "oxazepam": 30.0,
        "temazepam": 15.0,
        "triazolam": 0.25,
        "clorazepate": 15.0,
    },
}
DEFAULT_TABLE = "ashton"


def get_drug(name: str) -> Drug:
    drug = DRUGS.get(name.strip().lower()) if isinstance(name, str) else None
    if drug is None:
        raise FieldError("drug", f"unknown drug {name!r}; known: {', '.join(sorted(DRUGS))}")
    return drug


def equivalence_table(table: str) -> dict[str, float]:
    found = EQUIVALENCE_TABLES.get(table)
    if found is None:
        known = ", ".join(sorted(EQUIVALENCE_TABLES))
        raise FieldError("table", f"unknown equivalence table {table!r}; known: {known}")
    return found


def _mg_per_reference(drug: str, table: str) -> Fraction:
    mg = equivalence_table(table).get(drug)
    if mg is None:
        raise FieldError("drug", f"{drug!r} is not in the {table} equivalence table")
    return Fraction(str(mg))


def equivalent_ug(
    from_drug: str, dose_ug: int, to_drug: str, table: str = DEFAULT_TABLE
) -> Fraction:
    """The exact dose of ``to_drug`` equivalent to ``dose_ug`` of ``from_drug`` (unrounded)."""
    return dose_ug * _mg_per_reference(to_drug, table) / _mg_per_reference(from_drug, table)


def diazepam_equivalent_mg(drug: str, dose_ug: int, table: str = DEFAULT_TABLE) -> float:
    return float(equivalent_ug(drug, dose_ug, "diazepam", table) / 1000)


def ug_to_mg(ug: int) -> float:
    return ug / 1000


def mg_to_ug(mg: float | str | Decimal, *, field: str = "dose_mg") -> int:
    """Exact mg -> ug through Decimal (so 0.1 mg is 100 ug, not 99.999...); refuses text that
    is not a number and any fraction of a microgram."""
    if isinstance(mg, bool) or not isinstance(mg, int | float | str | Decimal):
        raise FieldError(field, f"{mg!r} is not a dose in mg; write e.g. 0.5")
    try:
        amount = Decimal(str(mg).strip())
    except InvalidOperation:
        raise FieldError(field, f"{mg!r} is not a dose in mg; write e.g. 0.5") from None
    if not amount.is_finite():
        raise FieldError(field, f"{mg!r} is not a dose in mg; write e.g. 0.5")
    ug = amount.scaleb(3)
    if ug != ug.to_integral_value():
        raise FieldError(
            field, f"{mg} mg is not a whole number of micrograms; use at most 3 decimals"
        )
    return int(ug)


def format_mg(ug: int) -> str:
    """A dose for people: 125 -> '0.125', 1500 -> '1.5', 2000 -> '2'."""
    return f"{Decimal(ug).scaleb(-3).normalize():f}"


# --- sources (models.clinical.sources) ------------------------------------------------------


def _table_text(table: str) -> str:
    doses = EQUIVALENCE_TABLES[table]
    return f"diazepam {DIAZEPAM_REFERENCE_MG} mg ≈ " + ", ".join(
        f"{drug} {mg:g}" for drug, mg in doses.items() if drug != "diazepam"
    )


CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Smallest dispensable dose",
        ", ".join(f"{d.name} {format_mg(d.unit_ug)} mg" for d in DRUGS.values()),
        ("S58",),
        "Local policy: the smallest step the ward dispenses; clonazepam 0.125 mg exists as an "
        "orally disintegrating tablet.",
    ),
    ClinicalNumber("Diazepam equivalents, Ashton column", _table_text("ashton"), ("S11",)),
    ClinicalNumber("Diazepam equivalents, VA/DoD column", _table_text("vadod"), ("S11",)),
    ClinicalNumber("ATC codes", ", ".join(f"{d.name} {d.atc}" for d in DRUGS.values()), ("S52",)),
    ClinicalNumber(
        "RxNorm ingredient codes",
        ", ".join(f"{d.name} {d.rxnorm}" for d in DRUGS.values()),
        ("S53",),
        "The source gives diazepam's; the others agree across public code mappings but were "
        "not checked on RxNav.",
    ),
)
