"""Colours and labels that mean the same on every page.

Severity levels 0-4 are shared by CIWA-B bands, the NEWS2 response and flag severities, so
"orange" means the same thing on the board, the chart and the review queue. Every coloured cell
also carries its text label, so nothing depends on colour alone (colour-blind readers, print).
"""

from __future__ import annotations

from dataclasses import dataclass

from models.clinical import levels
from models.clinical.levels import SEVERITY_LEVEL
from models.clinical.news2 import News2Response, news2_response
from models.clinical.scales import Band
from models.i18n import N_


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

# CIWA-B band name -> level and label, NEWS2 response -> level, flag severity -> level: the
# clinical definitions (models.clinical.levels), never typed again here.
BAND_LEVEL: dict[str, int] = {band.value: band.order for band in Band}
BAND_LABEL: dict[str, str] = {band.value: band.label for band in Band}
FLAG_LEVEL: dict[str, int] = SEVERITY_LEVEL
news2_level = levels.news2_level

# NEWS2's own names for its clinical risk (RCP 2017, charts 3-4 [S35]), in every page's words:
# a total of 5 is "medium" (urgent review) in the level-3 colour, never the theme's "high".
NEWS2_WORDS: dict[News2Response, str] = {
    News2Response.NONE: N_("normal"),
    News2Response.LOW: N_("low"),
    News2Response.LOW_SINGLE_3: N_("low–medium"),
    News2Response.MEDIUM: N_("medium"),
    News2Response.HIGH: N_("high"),
}


def news2_word(total: int, any_single_three: bool) -> str:
    """The untranslated risk word for a NEWS2 total (pass it through ``_``)."""
    return NEWS2_WORDS[news2_response(total, any_single_three)]


def acuity_level(ciwa_band: str | None, news2: tuple[int, bool] | None, flags_level: int) -> int:
    """A patient's acuity, the edge colour of the board's row and the rounds card: the highest
    of the CIWA-B band's level, the NEWS2 response's level (total, any single 3) and the most
    severe open flag's level."""
    ciwa = BAND_LEVEL.get(ciwa_band, 0) if ciwa_band is not None else 0
    news = news2_level(*news2) if news2 is not None else 0
    return max(ciwa, news, flags_level)


def band_tone(band: str) -> Tone:
    return LEVELS[BAND_LEVEL.get(band, 0)]


# Mantine theme for the whole app: one font size scale, calm primary colour.
MANTINE_THEME = {
    "primaryColor": "indigo",
    # Mantine's default shade (6) is below 4.5:1 on white for text and outline buttons (indigo,
    # red, gray): the darkest shade passes WCAG AA contrast in every variant.
    "primaryShade": 9,
    "fontFamily": "Inter, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
    "defaultRadius": "sm",
    "fontSizes": {"xs": "13px", "sm": "15px", "md": "16px", "lg": "18px", "xl": "22px"},
}
