"""Withdrawal scales: CIWA-B (benzodiazepines, the ward's scale) and CIWA-Ar (alcohol).

Bands support staff review; no source we found links a CIWA-B score to a dose.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from models.clinical.sources import ClinicalNumber
from models.errors import FieldError, Phrase, ValidationFailed
from models.i18n import N_


class Band(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    VERY_SEVERE = "very_severe"

    @property
    def label(self) -> str:
        return _BAND_LABELS[self]

    @property
    def order(self) -> int:
        """For comparisons such as "the band rose": none 0 ... very_severe 4."""
        return list(Band).index(self)


_BAND_LABELS = {
    Band.NONE: N_("No signs"),
    Band.MILD: N_("Mild"),
    Band.MODERATE: N_("Moderate"),
    Band.SEVERE: N_("Severe"),
    Band.VERY_SEVERE: N_("Very severe"),
}


@dataclass(frozen=True)
class ScaleItem:
    number: int
    text: str
    rater: str  # "patient" | "observer"
    min: int
    max: int
    anchors: tuple[str, ...]  # one label per score from min to max; "" where the form names none

    @property
    def anchor_text(self) -> str:
        """ "0 very restful … 4 not at all restful", or "" when the form names no anchors."""
        low, high = self.anchors[0], self.anchors[-1]
        if not (low and high):
            return ""
        return f"{self.min} {low} … {self.max} {high}"


def own_anchors(item: ScaleItem, items: Sequence[ScaleItem]) -> bool:
    """True when ``item`` is rated on other anchors than the first item of its rater (the
    anchors a form shows once, at the head of the section)."""
    first = next(i for i in items if i.rater == item.rater)
    return item.anchors != first.anchors


@dataclass(frozen=True)
class ScaleResult:
    total: int
    band: Band


# --- CIWA-B -------------------------------------------------------------------------------
# Busto, Sykora, Sellers 1989: 20 items, each 0-4, total 0-80 [S1][S2][S3]. Wording and rater
# from a hospital form [S4] (wording UNVERIFIED against the original paper).
CIWA_B_ITEM_MAX = 4  # [S1][S3]
_PATIENT_ANCHORS = ("not at all", "", "", "", "very much so")  # items 1-17 [S4]
# Items 12 and 14 ask about sleep in positive words ("how restful", "enough sleep"), so the
# common anchors would score a well-rested patient 4. Higher must mean more withdrawal
# everywhere: these items carry their own anchors (published copies give each item its own
# rating descriptions [S65]), 0 the good answer and 4 the worst.
_SLEEP_ANCHORS: dict[int, tuple[str, ...]] = {
    12: ("very restful", "", "", "", "not at all restful"),  # [S4][S65]
    14: ("yes, enough", "", "", "", "not at all enough"),  # [S4][S65]
}
# [S4] names no anchors for the observer items.
_OBSERVER_ANCHORS = ("", "", "", "", "")
_CIWA_B_PATIENT = (
    "Do you feel irritable?",
    "Do you feel fatigued?",
    "Do you feel tense?",
    "Do you have difficulty concentrating?",
    "Do you have any loss of appetite?",
    "Have you any numbness or burning on your face, hands or feet?",
    "Do you feel your heart racing?",
    "Does your head feel full or achy?",
    "Do your muscles ache or feel stiff?",
    "Do you feel anxious, nervous or jittery?",
    "Do you feel upset?",
    "How restful was your sleep last night?",
    "Do you feel weak?",
    "Do you think you had enough sleep last night?",
    "Do you have any visual disturbances (sensitivity to light, blurred vision)?",
    "Are you fearful?",
    "Have you been worrying about possible misfortunes lately?",
)
_CIWA_B_OBSERVER = (
    "Restlessness and agitation",
    "Tremor (arms extended, fingers spread apart)",
    "Sweating (feel palms)",
)
CIWA_B_ITEMS: tuple[ScaleItem, ...] = tuple(
    ScaleItem(n, text, "patient", 0, CIWA_B_ITEM_MAX, _SLEEP_ANCHORS.get(n, _PATIENT_ANCHORS))
    for n, text in enumerate(_CIWA_B_PATIENT, start=1)
) + tuple(
    ScaleItem(n, text, "observer", 0, CIWA_B_ITEM_MAX, _OBSERVER_ANCHORS)
    for n, text in enumerate(_CIWA_B_OBSERVER, start=18)
)
CIWA_B_MAX = 80  # [S4]
# Upper edge of each band: 0 none; 1-20 mild; 21-40 moderate; 41-60 severe; 61-80 very
# severe [S4].
CIWA_B_BANDS: tuple[tuple[int, Band], ...] = (
    (0, Band.NONE),
    (20, Band.MILD),
    (40, Band.MODERATE),
    (60, Band.SEVERE),
    (80, Band.VERY_SEVERE),
)


def ciwa_b_band(total: int) -> Band:
    return _band(total, CIWA_B_BANDS, "CIWA-B")


def score_ciwa_b(items: Mapping[int, object]) -> ScaleResult:
    """Every one of the 20 items is required; all faults are reported at once."""
    total = _total(items, CIWA_B_ITEMS, "CIWA-B")
    return ScaleResult(total=total, band=ciwa_b_band(total))


# --- CIWA-Ar ------------------------------------------------------------------------------
# Sullivan 1989: 10 observer-rated items, 9 scored 0-7 and orientation 0-4, max 67 [S6][S7].
# [S6][S7] give no anchor wording here, so anchors are left blank.
_CIWA_AR = (
    ("Nausea and vomiting", 7),  # [S6][S7]
    ("Tremor", 7),
    ("Paroxysmal sweats", 7),
    ("Anxiety", 7),
    ("Agitation", 7),
    ("Tactile disturbances", 7),
    ("Auditory disturbances", 7),
    ("Visual disturbances", 7),
    ("Headache, fullness in head", 7),
    ("Orientation and clouding of sensorium", 4),  # [S6][S7]
)
CIWA_AR_ITEMS: tuple[ScaleItem, ...] = tuple(
    ScaleItem(n, text, "observer", 0, top, ("",) * (top + 1))
    for n, (text, top) in enumerate(_CIWA_AR, start=1)
)
CIWA_AR_MAX = 67  # [S6][S7]
# Cut-offs vary between guidelines [S7][S9]; this is one named guideline.
CIWA_AR_BANDS_SOURCE = N_(
    "ASAM 2020 alcohol withdrawal guideline: <10 mild, 10-18 moderate, >=19 severe [S9]"
)
CIWA_AR_BANDS: tuple[tuple[int, Band], ...] = (
    (9, Band.MILD),  # < 10 [S9]
    (18, Band.MODERATE),  # 10-18 [S9]
    (CIWA_AR_MAX, Band.SEVERE),  # >= 19 [S9]
)


def ciwa_ar_band(total: int) -> Band:
    return _band(total, CIWA_AR_BANDS, "CIWA-Ar")


def score_ciwa_ar(items: Mapping[int, object]) -> ScaleResult:
    total = _total(items, CIWA_AR_ITEMS, "CIWA-Ar")
    return ScaleResult(total=total, band=ciwa_ar_band(total))


# --- shared -------------------------------------------------------------------------------


def _band(total: int, bands: Sequence[tuple[int, Band]], scale: str) -> Band:
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= bands[-1][0]:
        raise ValueError(f"{total!r} is not a {scale} total (0-{bands[-1][0]})")
    return next(band for top, band in bands if total <= top)


def _total(items: Mapping[int, object], scale_items: Sequence[ScaleItem], scale: str) -> int:
    errors: list[FieldError] = []
    known = {item.number for item in scale_items}
    for number in sorted((n for n in items if n not in known), key=str):
        errors.append(
            FieldError(
                f"item_{number}",
                N_("{scale} has no item {number}; items are 1-{count}"),
                values={"scale": scale, "number": number, "count": len(known)},
            )
        )
    total = 0
    for item in scale_items:
        score = items.get(item.number)
        problem = _item_problem(item, score)
        if problem is not None:
            errors.append(FieldError(f"item_{item.number}", problem))
        elif isinstance(score, int):
            total += score
    if errors:
        raise ValidationFailed(errors)
    return total


def _item_problem(item: ScaleItem, score: object) -> Phrase | None:
    # The item's wording stays the scale's own (no validated translation is used).
    values: dict[str, object] = {
        "number": item.number,
        "text": item.text,
        "low": item.min,
        "high": item.max,
    }
    if score is None:
        return Phrase(
            N_("item {number} ({text}) is missing; score it a whole number from {low} to {high}"),
            values,
        )
    if isinstance(score, bool) or not isinstance(score, int):
        got = repr(score)
    elif not item.min <= score <= item.max:
        got = str(score)
    else:
        return None
    return Phrase(
        N_("item {number} ({text}) must be a whole number from {low} to {high}, got {got}"),
        {**values, "got": got},
    )


# --- sources (models.clinical.sources) ------------------------------------------------------


def bands_text(bands: Sequence[tuple[int, Band]]) -> str:
    """ "0 no signs; 1-20 mild; ..." from a band table."""
    parts, low = [], 0
    for top, band in bands:
        parts.append(f"{top if top == low else f'{low}-{top}'} {band.label.lower()}")
        low = top + 1
    return "; ".join(parts)


CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "CIWA-B items",
        f"{len(CIWA_B_ITEMS)} items, each scored 0-{CIWA_B_ITEM_MAX}",
        ("S1", "S2", "S3"),
    ),
    ClinicalNumber(
        "CIWA-B item wording and raters",
        f"items 1-{len(_CIWA_B_PATIENT)} rated by the patient ('{_PATIENT_ANCHORS[0]}' to "
        f"'{_PATIENT_ANCHORS[-1]}'), {len(_CIWA_B_PATIENT) + 1}-{len(CIWA_B_ITEMS)} by the nurse",
        ("S4",),
    ),
    ClinicalNumber(
        "CIWA-B sleep items' own anchors",
        "; ".join(
            f"item {n}: 0 '{anchors[0]}' … 4 '{anchors[-1]}'"
            for n, anchors in _SLEEP_ANCHORS.items()
        ),
        ("S4", "S65"),
        "Higher always means more withdrawal: the positively worded sleep items are rated on "
        "their own anchors.",
    ),
    ClinicalNumber("CIWA-B total", f"0-{CIWA_B_MAX}", ("S4",)),
    ClinicalNumber("CIWA-B bands", bands_text(CIWA_B_BANDS), ("S4",)),
    ClinicalNumber(
        "CIWA-Ar items",
        f"{len(CIWA_AR_ITEMS)} observer-rated items: "
        f"{sum(top == 7 for _, top in _CIWA_AR)} scored 0-7, "
        + ", ".join(f"{text.lower()} 0-{top}" for text, top in _CIWA_AR if top != 7),
        ("S6", "S7"),
    ),
    ClinicalNumber("CIWA-Ar total", f"0-{CIWA_AR_MAX}", ("S6", "S7")),
    ClinicalNumber("CIWA-Ar bands", bands_text(CIWA_AR_BANDS), ("S9",)),
)
