"""As-needed (PRN) benzodiazepine use: when it calls for review.

A taper whose PRN use climbs is not being tolerated, and PRN doses are part of the patient's
benzodiazepine load. No source sets a number: every threshold here is LOCAL POLICY, a ward
setting (defaults below). A PRN dose given for withdrawal calls for a reassessment of the
withdrawal score soon after it (the alcohol order set reassesses after each treatment [S10]);
the time allowed is the ward's (default 60 min).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.clinical.sources import ClinicalNumber

PRN_FLAG_DOSES_24H = 3  # local policy: this many PRN doses in 24 h raise a flag
PRN_FLAG_DE_MG_24H = 20  # local policy: this much diazepam-equivalent PRN in 24 h raises a flag
PRN_REASSESS_MIN = 60  # local policy after [S10]: reassess the score within this time


@dataclass(frozen=True)
class PrnUse:
    doses: int
    diazepam_eq_mg: float
    severity: str
    reasons: tuple[str, ...]


def judge_prn_use(
    *, doses: int, diazepam_eq_mg: float, max_doses: int, max_de_mg: int
) -> PrnUse | None:
    """PRN use over 24 h at or above either ward limit: moderate; at or above both, or twice
    either, high."""
    over_count = doses >= max_doses
    over_mg = diazepam_eq_mg >= max_de_mg
    if not (over_count or over_mg):
        return None
    reasons = []
    if over_count:
        reasons.append(f"{doses} PRN doses (limit {max_doses})")
    if over_mg:
        reasons.append(f"{diazepam_eq_mg:.3g} mg diazepam-equivalent (limit {max_de_mg} mg)")
    high = (over_count and over_mg) or doses >= 2 * max_doses or diazepam_eq_mg >= 2 * max_de_mg
    return PrnUse(doses, diazepam_eq_mg, "high" if high else "moderate", tuple(reasons))


def reassessment_due(given_at: datetime, within_min: int) -> datetime:
    """When a withdrawal score must have been charted after a PRN dose given at ``given_at``."""
    return given_at + timedelta(minutes=within_min)


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Withdrawal score after a PRN dose (default)",
        f"within {PRN_REASSESS_MIN} min",
        ("S10",),
        "Local policy modelled on the alcohol order set, which reassesses after each treatment.",
    ),
)
