"""Dose ceilings (pure): a drug's label maximum, which a physician may exceed only by confirming
it with a reason, and the ward's hard ceiling in diazepam-equivalent mg a day, which nobody may.

The label maxima and their sources are in models.clinical.drugs. Detox patients can need more
than a label gives (Busto 1989's high-dose group took 40-500 mg diazepam-equivalent a day [S4]),
so the label is a prompt for a deliberate decision, not a refusal; any hard ceiling is local
policy (docs/medication-safety.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from models.clinical.drugs import (
    DEFAULT_TABLE,
    diazepam_equivalent_mg,
    format_mg,
    get_drug,
    label_maximum_text,
)
from models.clinical.sources import ClinicalNumber
from models.errors import FieldError

# LOCAL POLICY (ward-configurable on the admin page): the most diazepam-equivalent a day any
# order may reach. Busto 1989's high-dose group: mean 150, range 40-500 mg DE/day [S4]; 300 mg
# leaves room for the high-dose patients a ward admits and stops a typing slip (400 mg of
# alprazolam is 8,000 mg DE).
DEFAULT_HARD_CEILING_DE_MG = 300
CONFIRM_REASON_MAX = 2000


@dataclass(frozen=True)
class AboveLabel:
    drug: str
    daily_ug: int

    @property
    def message(self) -> str:
        return (
            f"{self.drug} {format_mg(self.daily_ug)} mg a day is above its label maximum of "
            f"{label_maximum_text(self.drug)}"
        )


def above_label(daily_doses: Iterable[Mapping[str, int]]) -> list[AboveLabel]:
    """Each drug whose highest daily dose in ``daily_doses`` is above its label maximum."""
    highest: dict[str, int] = {}
    for daily in daily_doses:
        for drug, ug in daily.items():
            highest[drug] = max(highest.get(drug, 0), ug)
    return [
        AboveLabel(drug, ug)
        for drug, ug in sorted(highest.items())
        if ug > get_drug(drug).label_max_ug
    ]


def diazepam_equivalent_total(daily: Mapping[str, int], table: str = DEFAULT_TABLE) -> float:
    return sum(diazepam_equivalent_mg(drug, ug, table) for drug, ug in daily.items())


def check_hard_ceiling(
    daily_doses: Iterable[Mapping[str, int]],
    *,
    ceiling_de_mg: int,
    table: str = DEFAULT_TABLE,
    field: str = "daily_mg",
    whose: str = "the ward's",
) -> None:
    """Refuse any daily dose (one drug or a crossover's two) above the ward's hard ceiling."""
    for daily in daily_doses:
        total = diazepam_equivalent_total(daily, table)
        if total > ceiling_de_mg:
            doses = " + ".join(f"{d} {format_mg(ug)} mg" for d, ug in sorted(daily.items()))
            raise FieldError(
                field,
                f"{doses} a day is {total:g} mg diazepam-equivalent ({table} table), above "
                f"{whose} hard ceiling of {ceiling_de_mg} mg a day (local policy); it cannot be "
                "ordered. Check the dose",
            )


def confirmation(
    found: list[AboveLabel], *, reason: str | None, role: str, field: str = "above_label_reason"
) -> str | None:
    """The reason to store with an order above a label maximum (None when nothing is above one).
    Only a physician confirms; anyone else is told who must."""
    text = (reason or "").strip()
    if not found:
        return None
    what = "; ".join(a.message for a in found)
    if role != "physician":
        if text:
            raise FieldError(
                field,
                f"{what}. Only a physician can confirm a dose above the label maximum; leave "
                "this empty and ask the physician",
            )
        return None
    if not text:
        raise FieldError(field, f"{what}. To order it, confirm it with your reason")
    if len(text) > CONFIRM_REASON_MAX:
        raise FieldError(field, f"keep the reason under {CONFIRM_REASON_MAX} characters")
    return text


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Hard ceiling (default)",
        f"{DEFAULT_HARD_CEILING_DE_MG} mg diazepam-equivalent a day",
        ("S4",),
        "Local policy, configurable per ward: Busto 1989's high-dose group took 40-500 mg a day.",
    ),
)
