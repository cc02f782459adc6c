"""What a run of withdrawal scores calls for: a standing severity flag while the latest score is
high, and a worsening flag when it climbs. One definition for the review rules, the board and
the rounds page.

- Standing severity: while the latest CIWA-B is at or above the ward's threshold (default 41,
  the lower edge of the severe band [S4]) a flag says so whatever the trend; its severity
  follows the band (moderate: moderate; severe: high; very severe: emergency, the top). CIWA-Ar,
  where charted, likewise (default 19, ASAM 2020's severe [S9]). Raising a flag at a band is
  LOCAL POLICY: no source links a score to an action (the bands are the sources').
- Worsening: the latest CIWA-B rose into a higher band, moderate or worse, than the score before
  it, or is at least the ward's points above the lowest score of the ward's hours before it.
  No published "rise of N points in M hours" rule exists: LOCAL POLICY (defaults +10 in 24 h).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.clinical.levels import LEVEL_SEVERITY, band_level
from models.clinical.scales import Band, ciwa_ar_band, ciwa_b_band
from models.clinical.sources import ClinicalNumber

STANDING_CIWA_B_TOTAL = 41  # lower edge of the severe band [S4]; flagging there: local policy
STANDING_CIWA_AR_TOTAL = 19  # ASAM 2020: >= 19 severe [S9]; flagging there: local policy
WORSENING_FROM = Band.MODERATE  # a band rise counts from moderate up (local policy)
WORSENING_HIGH_FROM = Band.SEVERE  # a worsening into severe or worse is high (local policy)


@dataclass(frozen=True)
class Standing:
    band: Band
    severity: str


def standing_severity(scale: str, total: int, threshold: int) -> Standing | None:
    """The flag a latest score of ``total`` on ``scale`` calls for, or None below the
    threshold. Its severity is its band's level (at least low)."""
    if total < threshold:
        return None
    band = ciwa_b_band(total) if scale == "CIWA-B" else ciwa_ar_band(total)
    return Standing(band, LEVEL_SEVERITY[max(1, band.order)])


@dataclass(frozen=True)
class Worsening:
    band_rise: bool
    point_rise: bool
    severity: str


def judge_worsening(
    *,
    total: int,
    band: str,
    previous_band: str | None,
    window_low: int | None,
    points: int,
) -> Worsening | None:
    """``window_low``: the lowest score of the ward's hours before the latest (None if none)."""
    level = band_level(band)
    band_rise = (
        previous_band is not None
        and level >= WORSENING_FROM.order
        and level > band_level(previous_band)
    )
    point_rise = window_low is not None and total - window_low >= points
    if not (band_rise or point_rise):
        return None
    return Worsening(
        band_rise, point_rise, "high" if level >= WORSENING_HIGH_FROM.order else "moderate"
    )


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Severe withdrawal flag, CIWA-B (default)",
        f"latest score {STANDING_CIWA_B_TOTAL} or more (severe band)",
        ("S4",),
        "Local policy: the band is the source's; flagging at it is the ward's choice.",
    ),
    ClinicalNumber(
        "Severe withdrawal flag, CIWA-Ar (default)",
        f"latest score {STANDING_CIWA_AR_TOTAL} or more (severe)",
        ("S9",),
        "Local policy: the band is the source's; flagging at it is the ward's choice.",
    ),
)
