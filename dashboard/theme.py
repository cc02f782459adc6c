"""Colours and labels that mean the same on every page.

Severity levels 0-4 are shared by CIWA-B bands, the NEWS2 response and flag severities, so
"orange" means the same thing on the board, the chart and the review queue. Every coloured cell
also carries its text label, so nothing depends on colour alone (colour-blind readers, print).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tone:
    background: str
    text: str
    label: str


# Level -> tone. Calm neutrals for 0, then yellow, orange, red, deep red (text contrast >= 4.5:1).
LEVELS: dict[int, Tone] = {
    0: Tone("#EEF1F4", "#3B4754", "normal"),
    1: Tone("#FFF1B8", "#6B4E00", "low"),
    2: Tone("#FFD6A5", "#7A3300", "medium"),
    3: Tone("#FFB3B3", "#7D1111", "high"),
    4: Tone("#B3261E", "#FFFFFF", "very high"),
}

# CIWA-B band (models.clinical.scales.Band values) -> level.
BAND_LEVEL: dict[str, int] = {
    "none": 0,
    "mild": 1,
    "moderate": 2,
    "severe": 3,
    "very_severe": 4,
}
BAND_LABEL: dict[str, str] = {
    "none": "No signs",
    "mild": "Mild",
    "moderate": "Moderate",
    "severe": "Severe",
    "very_severe": "Very severe",
}

# Flag severity -> level.
FLAG_LEVEL: dict[str, int] = {"low": 1, "moderate": 2, "high": 3, "emergency": 4}


def news2_level(total: int, any_single_three: bool) -> int:
    """NEWS2 clinical response bands (RCP 2017 [S35]): 0; 1-4 low; single 3 or 5-6 medium;
    >= 7 high."""
    if total >= 7:
        return 4
    if total >= 5:
        return 3
    if any_single_three:
        return 2
    if total >= 1:
        return 1
    return 0


def band_tone(band: str) -> Tone:
    return LEVELS[BAND_LEVEL.get(band, 0)]


# Mantine theme for the whole app: one font size scale, calm primary colour.
MANTINE_THEME = {
    "primaryColor": "indigo",
    "fontFamily": "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
    "defaultRadius": "sm",
    "fontSizes": {"xs": "13px", "sm": "15px", "md": "16px", "lg": "18px", "xl": "22px"},
}
