"""The benzodiazepines a ward tapers, their dispensable units, codes and diazepam equivalents.

Doses are integer micrograms everywhere inside Taperwatch (0.125 mg = 125 ug); mg appears only
at the edges (forms, CLI, charts), through ``mg_to_ug`` / ``ug_to_mg`` / ``format_mg``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from models.clinical.sources import ClinicalNumber
from models.errors import FieldError, Number, Phrase, Words
from models.i18n import N_


@dataclass(frozen=True)
class Drug:
    name: str  # lower-case generic name, the key everywhere
    unit_ug: int  # smallest dispensable dose by default (a ward sets its own: models.ward_units)
    rxnorm: str  # RxNorm ingredient RXCUI
    atc: str  # WHO ATC code
    label_max_ug: int  # the highest adult oral daily dose its prescribing information gives
    label_max_indication: str  # the indication that figure is for, and the source (marked N_)
    long_acting: bool  # by half-life [S12]: a switch from long- to short-acting is warned
    half_life: str  # hours, for the warning [S12][S13]
    largest_tablet_ug: int  # the largest tablet strength [S61][S62]: a unit is never above it


# Units: local policy, the smallest step the ward dispenses (docs/recipes.md; clonazepam
# 0.125 mg exists as an ODT [S58]). ATC codes [S52]. RxNorm: diazepam 3322 [S53]; the others
# are consistent across public mappings but not checked on RxNav (verify before relying on them).
# Oxazepam, temazepam and chlordiazepoxide are left out: no source gives their dispensable
# unit or (except temazepam's RXCUI) their codes; they remain in the equivalence tables.
#
# Label maxima (FDA prescribing information, adult, oral). Where a label gives
# several by indication, the "label maximum" is the highest adult figure, and its indication is
# named wherever it is shown: clonazepam 20 mg/day for seizure disorders (panic disorder
# 4 mg/day) [S61]; alprazolam 10 mg/day for panic disorder, immediate release (anxiety 4 mg/day)
# [S62]; lorazepam 10 mg/day (usual 2-6, range 1-10) [S63]; diazepam 40 mg/day (anxiety,
# 2-10 mg two to four times daily) [S64]. Detox patients can exceed these (Busto 1989 [S4]):
# above one a physician confirms with a reason (models.clinical.dose_limits).
#
# Long- or short-acting by half-life in hours (active metabolite) [S12]: diazepam 20-100
# (36-200) and clonazepam 18-50 are long-acting; lorazepam 10-20 and alprazolam 6-20 [S13] are
# short-acting. The founding article (docs/recipes.md) substitutes a short-acting drug such as
# alprazolam with a long-acting one such as clonazepam or diazepam, never the other way.
# Largest tablet strengths (US labels) [S61][S62]: clonazepam 2 mg, alprazolam 2 mg, lorazepam
# 2 mg, diazepam 10 mg.
DRUGS: dict[str, Drug] = {
    "clonazepam": Drug(
        "clonazepam",
        unit_ug=125,
        rxnorm="2598",
        atc="N03AE01",
        label_max_ug=20_000,  # [S61]
        label_max_indication=N_("seizure disorders; panic disorder 4 mg/day [S61]"),
        long_acting=True,  # [S12]
        half_life="18-50 h",  # [S12]
        largest_tablet_ug=2000,  # [S61]
    ),
    "alprazolam": Drug(
        "alprazolam",
        unit_ug=125,
        rxnorm="596",
        atc="N05BA12",
        label_max_ug=10_000,  # [S62]
        label_max_indication=N_("panic disorder, immediate release; anxiety 4 mg/day [S62]"),
        long_acting=False,  # [S12][S13]
        half_life="6-20 h",  # [S13]
        largest_tablet_ug=2000,  # [S62]
    ),
    "lorazepam": Drug(
        "lorazepam",
        unit_ug=250,
        rxnorm="6470",
        atc="N05BA06",
        label_max_ug=10_000,  # [S63]
        label_max_indication=N_("usual 2-6 mg/day, range 1-10 [S63]"),
        long_acting=False,  # [S12]
        half_life="10-20 h",  # [S12]
        largest_tablet_ug=2000,  # [S62]
    ),
    "diazepam": Drug(
        "diazepam",
        unit_ug=1000,
        rxnorm="3322",
        atc="N05BA01",
        label_max_ug=40_000,  # [S64]
        label_max_indication=N_("anxiety, 2-10 mg two to four times daily [S64]"),
        long_acting=True,  # [S12]
        half_life="20-100 h (metabolite 36-200 h)",  # [S12]
        largest_tablet_ug=10_000,  # [S62]
    ),
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
        raise FieldError(
            "drug",
            N_("unknown drug {name}; known: {known}"),
            values={"name": repr(name), "known": ", ".join(sorted(DRUGS))},
        )
    return drug


def equivalence_table(table: str) -> dict[str, float]:
    found = EQUIVALENCE_TABLES.get(table)
    if found is None:
        known = ", ".join(sorted(EQUIVALENCE_TABLES))
        raise FieldError(
            "table",
            N_("unknown equivalence table {table}; known: {known}"),
            values={"table": repr(table), "known": known},
        )
    return found


def _mg_per_reference(drug: str, table: str) -> Fraction:
    mg = equivalence_table(table).get(drug)
    if mg is None:
        raise FieldError(
            "drug",
            N_("{drug} is not in the {table} equivalence table"),
            values={"drug": repr(drug), "table": table},
        )
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


# No dose of any of these drugs is a thousand grams: a number past this is a typing slip (or
# an attack), refused before any arithmetic on it. Far above any ward's hard ceiling.
MAX_DOSE_MG = 10_000
_MAX_DOSE_TEXT = 24  # characters of a dose typed in mg ("1234.125" is 8)


def mg_to_ug(mg: float | str | Decimal, *, field: str = "dose_mg") -> int:
    """Exact mg -> ug through Decimal (so 0.1 mg is 100 ug, not 99.999...); refuses text that
    is not a plain number (no exponent: "1e3" is refused), any fraction of a microgram, and
    anything above MAX_DOSE_MG. A refused text is quoted only when it is short."""
    example = Number("0.5")
    if isinstance(mg, bool) or not isinstance(mg, int | float | str | Decimal):
        raise FieldError(
            field, N_("is not a dose in mg; write e.g. {example}"), values={"example": example}
        )
    text = str(mg).strip()
    # Quoted as typed: a text longer than _MAX_DOSE_TEXT is refused as too long just below,
    # unless it is an int (accepted, or refused as more than MAX_DOSE_MG without being quoted);
    # a float's text is never that long.
    shown = repr(text)
    if len(text) > _MAX_DOSE_TEXT and not isinstance(mg, int | float):
        raise FieldError(
            field,
            N_("this is not a dose in mg (too long); write e.g. {example}"),
            values={"example": example},
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise FieldError(
            field,
            N_("{shown} is not a dose in mg; write e.g. {example}"),
            values={"shown": shown, "example": example},
        ) from None
    exponent_written = isinstance(mg, str) and "e" in text.lower()
    if not amount.is_finite() or exponent_written:
        raise FieldError(
            field,
            N_("{shown} is not a dose in mg; write a plain number, e.g. {example}"),
            values={"shown": shown, "example": example},
        )
    if abs(amount) > MAX_DOSE_MG:
        raise FieldError(
            field,
            N_("more than {most} mg is not a dose; check the number"),
            values={"most": Number(MAX_DOSE_MG, text=f"{MAX_DOSE_MG:,}")},
        )
    ug = amount.scaleb(3)
    if ug != ug.to_integral_value():
        raise FieldError(
            field,
            N_("{dose} mg is not a whole number of micrograms; use at most {decimals} decimals"),
            values={"dose": Number(amount, text=str(mg), exact=True), "decimals": 3},
        )
    return int(ug)


def label_maximum_text(drug: str) -> str:
    """'20 mg/day (seizure disorders; panic disorder 4 mg/day [S61])', a ``Phrase``."""
    found = get_drug(drug)
    return Phrase(
        N_("{dose} mg/day ({indication})"),
        {"dose": Number.mg(found.label_max_ug), "indication": Words((found.label_max_indication,))},
    )


def acting_text(drug: str) -> str:
    """'alprazolam (short-acting, half-life 6-20 h)'."""
    found = get_drug(drug)
    kind = "long-acting" if found.long_acting else "short-acting"
    return f"{found.name} ({kind}, half-life {found.half_life})"


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
    ClinicalNumber(
        "Label maximum daily dose (adult, oral)",
        "; ".join(f"{d.name} {format_mg(d.label_max_ug)} mg" for d in DRUGS.values()),
        ("S61", "S62", "S63", "S64", "S4"),
        "The highest adult figure each label gives, its indication named where shown; detox "
        "patients can need more, so above it a physician confirms with a reason.",
    ),
    ClinicalNumber(
        "Long- or short-acting, by half-life",
        "; ".join(
            f"{d.name} {d.half_life} ({'long' if d.long_acting else 'short'})"
            for d in DRUGS.values()
        ),
        ("S12", "S13"),
    ),
    ClinicalNumber(
        "Largest tablet strength",
        ", ".join(f"{d.name} {format_mg(d.largest_tablet_ug)} mg" for d in DRUGS.values()),
        ("S61", "S62"),
        "A ward's dispensable unit is never above it (US labels; check the formulary).",
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
