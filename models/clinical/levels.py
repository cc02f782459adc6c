"""One 0-4 severity scale for everything the ward reads at a glance: CIWA-B and CIWA-Ar bands, the
NEWS2 response and review flags. Pages colour a level the same way wherever it appears
(dashboard.theme maps a level to its tone), so "orange" means the same on the board, the chart,
the rounds page and the review queue.

    0 normal   no signs; NEWS2 0
    1 low      mild band; NEWS2 1-4; a low flag
    2 medium   moderate band; a single NEWS2 parameter scoring 3; a moderate flag
    3 high     severe band; NEWS2 5-6; a high flag
    4 top      very severe band; NEWS2 7 or more; an emergency flag
"""

from __future__ import annotations

from models.clinical.news2 import news2_response
from models.clinical.scales import Band
from models.clinical.sources import ClinicalNumber

# Review flag severities, mildest first: FHIR DetectedIssue's low | moderate | high [S51], plus
# "emergency" for what calls for an emergency response (NEWS2 7 or more [S35]; the very severe
# band).
FLAG_SEVERITIES = ("low", "moderate", "high", "emergency")
SEVERITY_LEVEL: dict[str, int] = {
    severity: rank + 1 for rank, severity in enumerate(FLAG_SEVERITIES)
}
# The severity of a flag at each level (level 0 raises no flag).
LEVEL_SEVERITY: dict[int, str] = {level: severity for severity, level in SEVERITY_LEVEL.items()}


def band_level(band: str | None) -> int:
    """A stored band name's level (Band.order); 0 for none or an unknown name."""
    try:
        return Band(band).order if band is not None else 0
    except ValueError:
        return 0


def news2_level(total: int, any_single_three: bool) -> int:
    return news2_response(total, any_single_three).level


def severity_level(severity: str | None) -> int:
    return SEVERITY_LEVEL.get(severity or "", 0)


def worst(severities: list[str]) -> str | None:
    """The most severe of ``severities`` (None if empty)."""
    return max(severities, key=severity_level, default=None)


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Review flag severities",
        ", ".join(FLAG_SEVERITIES),
        ("S51", "S35"),
        "FHIR DetectedIssue's low, moderate and high, and emergency for NEWS2's emergency "
        "response.",
    ),
)
