"""Sedation, the other direction of the safety net: RASS and POSS, the thresholds that prompt a
fresh check before a dose, and the rules that say a dose may be too high.

RASS (Richmond Agitation-Sedation Scale, -5 unarousable to +4 combative) [S66] measures
agitation as well as sedation, so it suits withdrawal too; ASAM lists it for withdrawal
monitoring [S67]. POSS (Pasero Opioid-induced Sedation Scale: S, 1-4) [S68] is charted as well
when an opioid is on board. South Australia's benzodiazepine withdrawal guideline charts a
sedation score and holds doses for sedation [S71]; in a fixed-dose inpatient detox a quarter of
patients had a dose held for sedation [S72].

The thresholds are ward settings (models.ward_policy): RASS at or below -2 is LOCAL POLICY (no
source sets a RASS threshold for withholding a benzodiazepine dose); POSS 3 or more is where
Pasero calls the level unacceptable [S68]. Respiratory depression is read with NEWS2's own
bands (models.clinical.news2): a respiratory rate of 8 or less (NEWS2's band scoring 3) or an
SpO2 below the 0-scoring band of the patient's SpO2 scale [S34].

Taperwatch never holds a dose by itself: these definitions only prompt a person and raise
flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from models.clinical.news2 import RESP_RATE_BANDS, side_of_normal, spo2_bands
from models.clinical.sources import ClinicalNumber
from models.errors import FieldError, Phrase, Words
from models.i18n import N_


@dataclass(frozen=True)
class SedationLevel:
    code: str  # as charted: "-3" for RASS, "S" or "3" for POSS
    term: str  # the scale's own name for the level
    description: str  # what the nurse sees or does

    @property
    def label(self) -> str:
        return f"{self.code} {self.term}"


# --- RASS [S66] -------------------------------------------------------------------------------
RASS_MIN = -5  # [S66]
RASS_MAX = 4  # [S66]
RASS_LEVELS: dict[int, SedationLevel] = {
    4: SedationLevel("+4", "Combative", "Overtly combative, violent, immediate danger to staff"),
    3: SedationLevel("+3", "Very agitated", "Pulls or removes tubes or catheters; aggressive"),
    2: SedationLevel("+2", "Agitated", "Frequent non-purposeful movement"),
    1: SedationLevel("+1", "Restless", "Anxious but movements not aggressive or vigorous"),
    0: SedationLevel("0", "Alert and calm", ""),
    -1: SedationLevel(
        "-1", "Drowsy", "Not fully alert, sustained awakening to voice (eyes open 10 s or more)"
    ),
    -2: SedationLevel("-2", "Light sedation", "Briefly awakens to voice (eye contact under 10 s)"),
    -3: SedationLevel(
        "-3", "Moderate sedation", "Movement or eye opening to voice, but no eye contact"
    ),
    -4: SedationLevel(
        "-4",
        "Deep sedation",
        "No response to voice; movement or eye opening to physical stimulation",
    ),
    -5: SedationLevel("-5", "Unarousable", "No response to voice or physical stimulation"),
}
# Ward policy default (models.ward_policy): a score at or below this prompts a fresh check
# before a dose and counts towards the "dose may be too high" rule. LOCAL POLICY: RASS -2 is
# the first level at which the patient no longer stays awake to voice [S66].
DEFAULT_RASS_THRESHOLD = -2

# --- POSS [S68] -------------------------------------------------------------------------------
POSS_CODES = ("S", "1", "2", "3", "4")  # [S68]
POSS_LEVELS: dict[str, SedationLevel] = {
    "S": SedationLevel("S", "Sleep, easy to arouse", "Acceptable; no action necessary"),
    "1": SedationLevel("1", "Awake and alert", "Acceptable; no action necessary"),
    "2": SedationLevel("2", "Slightly drowsy, easily aroused", "Acceptable; no action necessary"),
    "3": SedationLevel(
        "3",
        "Frequently drowsy, arousable, drifts off to sleep during conversation",
        "Unacceptable: monitor closely and reduce the sedating dose",
    ),
    "4": SedationLevel(
        "4",
        "Somnolent, minimal or no response to verbal or physical stimulation",
        "Unacceptable: stop the sedating medicine, consider naloxone, call the physician",
    ),
}
# Pasero: 3 and 4 are unacceptable [S68]; the ward may set its own (models.ward_policy).
DEFAULT_POSS_THRESHOLD = 3


def poss_rank(code: str) -> int:
    """How sedated a POSS level is: S (asleep, easy to arouse) ranks with 1, awake and alert."""
    return 1 if code == "S" else int(code)


# --- thresholds and findings ------------------------------------------------------------------


@dataclass(frozen=True)
class SedationThresholds:
    """A ward's thresholds (Ward.sedation_rass_threshold, Ward.sedation_poss_threshold)."""

    rass: int = DEFAULT_RASS_THRESHOLD
    poss: int = DEFAULT_POSS_THRESHOLD


def rass_beyond(rass: int | None, thresholds: SedationThresholds) -> bool:
    return rass is not None and rass <= thresholds.rass


def poss_beyond(poss: str | None, thresholds: SedationThresholds) -> bool:
    return poss is not None and poss_rank(poss) >= thresholds.poss


# ACVPU levels that mean the patient is not awake to voice at once: V, P, U score 3 in NEWS2
# [S34]; C (new confusion) is not sedation and is left to NEWS2.
SEDATED_ACVPU = ("V", "P", "U")


@dataclass(frozen=True)
class SedationReading:
    """What one set of vitals says of sedation (a VitalSigns row's columns)."""

    rass: int | None
    poss: str | None
    resp_rate: int
    spo2: int
    spo2_scale: int = 1
    supplemental_o2: bool = False
    consciousness: str = "A"


def respiratory_depression(reading: SedationReading) -> list[str]:
    """What in the reading says breathing is depressed: RR in NEWS2's lowest band (8 or less)
    or SpO2 below the 0-scoring band of the patient's scale [S34]; [] when neither. Each is a
    ``Phrase`` (its English, and its words for another language)."""
    found: list[str] = []
    if reading.resp_rate <= RESP_RATE_BANDS[0][0]:
        found.append(Phrase(N_("RR {rate}/min"), {"rate": reading.resp_rate}))
    bands = spo2_bands(reading.spo2_scale, reading.supplemental_o2)
    if side_of_normal(bands, reading.spo2) == "low":
        found.append(Phrase(N_("SpO2 {spo2}%"), {"spo2": reading.spo2}))
    return found


def sedation_signs(reading: SedationReading, thresholds: SedationThresholds) -> list[str]:
    """What in the reading is beyond the ward's sedation thresholds: the RASS, the POSS, or an
    ACVPU of V, P or U; [] when none. Each is a ``Phrase``; the RASS term is the scale's."""
    found: list[str] = []
    if rass_beyond(reading.rass, thresholds):
        assert reading.rass is not None
        level = RASS_LEVELS[reading.rass]
        found.append(
            Phrase(
                N_("RASS {code} {term}"),
                {"code": level.code, "term": Words((level.term,), lower=True)},
            )
        )
    if poss_beyond(reading.poss, thresholds):
        found.append(Phrase(N_("POSS {level}"), {"level": reading.poss}))
    if reading.consciousness in SEDATED_ACVPU:
        found.append(Phrase(N_("ACVPU {level}"), {"level": reading.consciousness}))
    return found


@dataclass(frozen=True)
class SedationConcern:
    signs: tuple[str, ...]  # sedation beyond threshold
    breathing: tuple[str, ...]  # respiratory depression

    @property
    def dangerous(self) -> bool:
        """Sedated AND breathing depressed: the top severity."""
        return bool(self.signs) and bool(self.breathing)

    @property
    def any(self) -> bool:
        return bool(self.signs) or bool(self.breathing)

    @property
    def text(self) -> str:
        return ", ".join((*self.signs, *self.breathing))


def sedation_concern(reading: SedationReading, thresholds: SedationThresholds) -> SedationConcern:
    """What the MAR asks a fresh check for before a dose: any sign of sedation beyond the ward's
    thresholds, or of respiratory depression."""
    return SedationConcern(
        tuple(sedation_signs(reading, thresholds)), tuple(respiratory_depression(reading))
    )


def check_prompt(concern: SedationConcern, when: str) -> str:
    """What the MAR says at a due dose while the latest reading is beyond the thresholds: it
    asks for a fresh check and leaves the decision to the nurse."""
    what = concern.text
    danger = " with depressed breathing" if concern.dangerous else ""
    return (
        f"Latest observations at {when}: {what}{danger}. Check sedation, respiratory rate and "
        "SpO2 again before this dose; chart the fresh check with the vitals. If still "
        "sedated, hold the dose for sedation and tell the physician."
    )


# "Dose may be too high": held for sedation twice within a day, or sedation beyond the
# threshold in two readings in a row. LOCAL POLICY: no source sets a count; held doses and a
# sedation score are charted in SA Health's guideline [S71], and Pasero asks to reduce the
# sedating dose at POSS 3 [S68].
HELD_FOR_SEDATION_COUNT = 2
HELD_FOR_SEDATION_HOURS = 24
CONSECUTIVE_SEDATED_READINGS = 2
# The hold reason that links a dose to the latest sedation score (models.charting).
HELD_FOR_SEDATION = "too_drowsy"
TOO_HIGH_MESSAGE = "dose may be too high — consider a reduction"


@dataclass(frozen=True)
class TooHighFinding:
    severity: str  # models.clinical.levels.FLAG_SEVERITIES
    reasons: tuple[str, ...]

    @property
    def message(self) -> str:
        return f"{'; '.join(self.reasons)}: {TOO_HIGH_MESSAGE}"


def dose_too_high(
    *,
    held_for_sedation_24h: int,
    latest: Sequence[SedationReading],
    thresholds: SedationThresholds,
) -> TooHighFinding | None:
    """Judge one patient. ``held_for_sedation_24h``: scheduled doses held for sedation in the
    last HELD_FOR_SEDATION_HOURS; ``latest``: the patient's most recent valid readings, newest
    first (at least CONSECUTIVE_SEDATED_READINGS of them when there are). High when the doses
    were held or the latest readings in a row are beyond the thresholds; emergency when the
    newest reading shows sedation with respiratory depression (opioid-benzodiazepine danger
    [S69])."""
    reasons: list[str] = []
    newest = sedation_concern(latest[0], thresholds) if latest else None
    if newest is not None and newest.dangerous:
        return TooHighFinding(
            "emergency",
            (f"sedated with depressed breathing ({newest.text})",),
        )
    if held_for_sedation_24h >= HELD_FOR_SEDATION_COUNT:
        reasons.append(
            f"{held_for_sedation_24h} doses held for sedation in {HELD_FOR_SEDATION_HOURS} h"
        )
    recent = latest[:CONSECUTIVE_SEDATED_READINGS]
    if len(recent) == CONSECUTIVE_SEDATED_READINGS and all(
        sedation_signs(reading, thresholds) for reading in recent
    ):
        reasons.append(
            f"sedated in the last {CONSECUTIVE_SEDATED_READINGS} readings "
            f"({', '.join(sedation_signs(recent[0], thresholds))})"
        )
    return TooHighFinding("high", tuple(reasons)) if reasons else None


# Opioids on board (POSS is charted for them): what every page shows with a co-prescribed opioid.
OPIOID_WARNING_TEXT = (
    "Opioids with benzodiazepines can cause profound sedation, respiratory depression, coma "
    "and death (FDA boxed warning)"
)
OPIOID_WARNING = f"{OPIOID_WARNING_TEXT} [S69]"
NALOXONE_ADVICE_TEXT = "Offer naloxone to a patient prescribed an opioid and a benzodiazepine"
NALOXONE_ADVICE = f"{NALOXONE_ADVICE_TEXT} [S70]"


# Other CNS depressants kept on the admission (models.co_medications): their class decides what
# the pages say (an opioid: the boxed warning [S69] and the naloxone check [S70]).
CNS_DEPRESSANT_CLASSES: dict[str, str] = {
    "opioid": "Opioid (incl. methadone, buprenorphine)",
    "gabapentinoid": "Gabapentinoid (gabapentin, pregabalin)",
    "z_drug": "Z-drug (zolpidem, zopiclone)",
    "alcohol": "Alcohol",
    "other": "Other CNS depressant",
}
OPIOID = "opioid"
# What was done about naloxone for a patient on an opioid, recorded before discharge [S70].
NALOXONE_STATUSES: dict[str, str] = {
    "supplied": "Naloxone supplied",
    "offered": "Naloxone offered",
    "declined": "Naloxone offered, declined",
}


# --- charting ----------------------------------------------------------------------------------


def validate_rass(value: object) -> int | None:
    """A RASS as charted: blank for not scored, else a whole number -5..+4 [S66]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise FieldError("rass", N_("choose a RASS level from -5 to +4"))
    text = str(value).strip().replace("−", "-")
    try:
        score = int(text)
    except ValueError:
        raise FieldError(
            "rass",
            N_("{value} is not a RASS level; choose -5 to +4"),
            values={"value": repr(value)},
        ) from None
    if str(score) != text.lstrip("+") or not RASS_MIN <= score <= RASS_MAX:
        raise FieldError(
            "rass",
            N_("RASS runs from {low} to +{high}; got {value}"),
            values={"low": RASS_MIN, "high": RASS_MAX, "value": value},
        )
    return score


def validate_poss(value: object) -> str | None:
    """A POSS level as charted: blank for not scored, else S, 1, 2, 3 or 4 [S68]."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldError("poss", N_("choose a POSS level: S, 1, 2, 3 or 4"))
    code = str(value).strip().upper()
    if code not in POSS_CODES:
        raise FieldError(
            "poss",
            N_("{value} is not a POSS level; choose S, 1, 2, 3 or 4"),
            values={"value": repr(value)},
        )
    return code


def rass_text(rass: int | None) -> str:
    return RASS_LEVELS[rass].label if rass is not None else ""


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "RASS levels",
        "; ".join(level.label for level in RASS_LEVELS.values()),
        ("S66", "S67"),
    ),
    ClinicalNumber(
        "POSS levels",
        "; ".join(f"{level.code} {level.term}" for level in POSS_LEVELS.values()),
        ("S68",),
        "Charted when an opioid is on board; 3 and 4 are unacceptable.",
    ),
    ClinicalNumber(
        "Respiratory depression with sedation",
        f"RR ≤{RESP_RATE_BANDS[0][0]:g}/min, or SpO2 below the 0-scoring band of the "
        "patient's NEWS2 scale",
        ("S34", "S69"),
        "NEWS2's own bands; opioids with benzodiazepines can cause respiratory depression.",
    ),
    ClinicalNumber("Opioid with a benzodiazepine", OPIOID_WARNING_TEXT, ("S69",)),
    ClinicalNumber(
        "Naloxone with an opioid",
        f"{NALOXONE_ADVICE_TEXT}; recorded before discharge as "
        + ", ".join(t.lower() for t in NALOXONE_STATUSES.values()),
        ("S70",),
    ),
    ClinicalNumber(
        "Dose may be too high",
        f"{HELD_FOR_SEDATION_COUNT} or more doses held for sedation in "
        f"{HELD_FOR_SEDATION_HOURS} h, or sedation beyond the ward's threshold in "
        f"{CONSECUTIVE_SEDATED_READINGS} readings in a row",
        ("S71", "S72", "S68"),
        "Local policy: no source sets the counts; doses are held for sedation [S71][S72] and "
        "POSS 3 calls for a smaller sedating dose [S68].",
    ),
)
