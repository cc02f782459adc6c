"""How the patient chart looks: its panels, colours, marker shapes, range buttons, key, and the
severity bands' edges and names.

Every series is told apart by shape or line style as well as colour (Okabe-Ito palette, safe for
colour-blind readers), and severity shading uses the theme's levels, so the chart reads the same
printed in black and white.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from dashboard.clinical_words import drug_name
from dashboard.i18n import N_, _
from dashboard.theme import news2_level, news2_word
from models.clinical.scales import CIWA_B_BANDS


@dataclass(frozen=True)
class MarkerStyle:
    label: str
    symbol: str
    colour: str
    size: int = 13


# Okabe & Ito's colour-blind-safe palette; every category also has its own marker shape, and
# filled versus open shapes, so the MAR reads without colour.
MAR_STYLES: dict[str, MarkerStyle] = {
    "given": MarkerStyle(N_("Given"), "circle", "#0072B2"),
    "late": MarkerStyle(N_("Given outside window"), "diamond", "#E69F00", 14),
    "prn": MarkerStyle(N_("PRN (as needed)"), "star", "#009E73", 16),
    "held": MarkerStyle(N_("Held"), "square", "#CC79A7"),
    "refused": MarkerStyle(N_("Refused"), "triangle-down", "#D55E00", 14),
    "not_given": MarkerStyle(N_("Not given"), "circle-open", "#3B4754"),
    "missed": MarkerStyle(N_("Missed (not charted)"), "x-thin-open", "#000000", 15),
}
DRUG_COLOURS = ("#0072B2", "#D55E00")  # original drug, substitute
DRUG_SYMBOLS = ("circle", "square")
DE_COLOUR = "#6B7785"
# The total load given per day: scheduled and PRN stacked, on the DE axis.
LOAD_SERIES: tuple[tuple[str, str, str], ...] = (
    ("load-scheduled", N_("Given per day: scheduled (DE mg, right axis)"), "#C5CCD6"),
    ("load-prn", N_("Given per day: PRN (DE mg, right axis)"), "#009E73"),
)
# Each load series' name in its hover (without the axis note).
LOAD_HOVER = {
    "load-scheduled": N_("Given per day: scheduled"),
    "load-prn": N_("Given per day: PRN"),
}
PLAN_COLOUR = "#3B4CCA"  # the app's indigo: a decision someone made
STEP_COLOUR = "#7B8794"
NOW_COLOUR = "#1F2933"
INK = "#1F2933"
BAND_OPACITY = 0.45
RANGES: dict[str, tuple[str, timedelta, timedelta]] = {
    # key: (button label, look back, look ahead at the planned taper)
    "72h": (N_("72 h"), timedelta(hours=72), timedelta(hours=24)),
    "7d": (N_("7 days"), timedelta(days=7), timedelta(days=3)),
    "30d": (N_("30 days"), timedelta(days=30), timedelta(days=7)),
    "stay": (N_("Whole stay"), timedelta(0), timedelta(days=7)),
}


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    height: float


PANELS: tuple[Panel, ...] = (
    # Titles marked for translation (the scales' names too, as on the board); RASS is a code.
    Panel("dose", N_("Dose<br>mg/day"), 0.19),
    Panel("mar", N_("MAR"), 0.08),
    Panel("rass", "RASS", 0.09),
    Panel("ciwa", N_("CIWA-B"), 0.23),
    Panel("hr", N_("HR<br>/min"), 0.12),
    Panel("bp", N_("BP<br>mmHg"), 0.14),
    Panel("temp", N_("Temp<br>°C"), 0.11),
    Panel("news2", N_("NEWS2"), 0.13),
)
ROW = {panel.key: i + 1 for i, panel in enumerate(PANELS)}
FIGURE_HEIGHT = 1130
RASS_RANGE = (-5.5, 4.5)  # RASS -5..+4 [S66], half a step of margin
RASS_COLOUR = "#CC79A7"  # Okabe-Ito reddish purple, as the MAR's "held"


@dataclass(frozen=True)
class KeyEntry:
    """One entry of the chart's key: a marker (``symbol``) or a line (``dash``)."""

    label: str
    colour: str
    symbol: str | None = None
    dash: str | None = None


def chart_key(drugs: Sequence[str]) -> list[KeyEntry]:
    """The key to every series, whether or not it has data yet (plotly's own legend hides
    empty traces, and a key that changes as doses are charted would move the layout)."""
    entries = [
        KeyEntry(drug_per_day(drug), DRUG_COLOURS[i % 2], dash="solid")
        for i, drug in enumerate(drugs)
    ]
    entries += [
        KeyEntry(_("Diazepam-equivalent mg/day (right axis)"), DE_COLOUR, dash="dot"),
        KeyEntry(_("Planned"), INK, dash="dash"),
        KeyEntry(_("Plan version"), PLAN_COLOUR, dash="solid"),
        KeyEntry(_("Taper step"), STEP_COLOUR, dash="dot"),
    ]
    entries += [KeyEntry(_(label), colour, symbol="square") for _uid, label, colour in LOAD_SERIES]
    entries += [KeyEntry(_(s.label), s.colour, symbol=s.symbol) for s in MAR_STYLES.values()]
    entries.append(KeyEntry(_("RASS (sedation)"), RASS_COLOUR, symbol="diamond"))
    return entries


def drug_per_day(drug: str) -> str:
    """ "Diazepam mg/day" in this request's language."""
    return _("{drug} mg/day", drug=drug_name(drug).capitalize())


VITALS_SERIES: tuple[tuple[str, str, str, str, str, str], ...] = (
    # uid, value key, panel, name, marker symbol, hover format
    ("hr", "hr", "hr", N_("Heart rate"), "circle", "HR %{y} /min"),
    ("bp-sys", "sys", "bp", N_("Systolic"), "triangle-up", "Systolic %{y} mmHg"),
    ("bp-dia", "dia", "bp", N_("Diastolic"), "triangle-down", "Diastolic %{y} mmHg"),
    ("temp", "temp", "temp", N_("Temperature"), "circle", "Temp %{y} °C"),
)
# The first word of each hover above, marked for translation (the rest is plotly's value).
VITALS_HOVER_WORD = {"HR": N_("HR"), "Systolic": N_("Systolic"), "Diastolic": N_("Diastolic"),
                     "Temp": N_("Temp")}  # fmt: skip


def vitals_hover(hover: str) -> str:
    """A vitals hover format in this request's language ("HR %{y} /min" -> "FC %{y} /min")."""
    word, rest = hover.split(" ", 1)
    found = VITALS_HOVER_WORD.get(word)
    return f"{_(found)} {rest}" if found else hover


def ciwa_bands() -> list[tuple[int, int, str]]:
    """(lowest, highest, band) of each CIWA-B band, from the scale's own band edges."""
    bands: list[tuple[int, int, str]] = []
    low = 0
    for high, band in CIWA_B_BANDS:
        bands.append((low, high, str(band.value)))
        low = high + 1
    return bands


def news2_bands() -> list[tuple[int, int, int]]:
    """(lowest, highest, level) of the NEWS2 response levels by total (theme.news2_level)."""
    bands: list[tuple[int, int, int]] = []
    for total in range(0, 21):
        level = news2_level(total, False)
        if bands and bands[-1][2] == level:
            bands[-1] = (bands[-1][0], total, level)
        else:
            bands.append((total, total, level))
    return bands


def ciwa_top(highest: int) -> float:
    """The CIWA-B axis top: the upper edge of the band above the highest score (at least the
    moderate band), so the scale is stable while readings arrive."""
    for _low, high, _band in ciwa_bands():
        if highest <= high and high >= 40:
            return high + 0.5
    return 80.5


def news2_top(highest: int) -> float:
    return float(max(9, highest + 1))


def news2_band_label(low: int, high: int, level: int) -> str:
    """A shading band's name: NEWS2's risk word for its totals (theme.news2_word), as the
    board and the rounds sheet say it."""
    if low == 0 and high == 0:
        return "0"
    name = _(news2_word(low, False))
    return f"{name} {low}+" if high >= 20 else f"{name} {low}–{high}"
