"""NEWS2 (Royal College of Physicians 2017): score and clinical response.

Chart 1 scoring [S34][S36]; chart 4 clinical response [S35]. SpO2 has two scales: scale 1 for
everyone, and scale 2 for a patient with hypercapnic respiratory failure whose prescribed target
is 88-92 %, a clinician's decision per patient (stored with the admission and with each reading,
so a reading keeps the scale it was scored on).

Temperature bands are read with their printed upper edges (<= 35.0, <= 36.0, <= 38.0,
<= 39.0): a reading between two printed values (35.05) falls in the band above the lower one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from models.clinical.sources import ClinicalNumber
from models.i18n import N_

CONSCIOUSNESS_LEVELS = ("A", "C", "V", "P", "U")  # ACVPU [S34]


@dataclass(frozen=True)
class Vitals:
    heart_rate: int  # /min
    systolic: int  # mmHg
    diastolic: int  # mmHg (not scored by NEWS2)
    temperature_c: float
    resp_rate: int  # /min
    spo2: int  # %
    supplemental_o2: bool
    consciousness: str  # A, C, V, P or U
    spo2_scale: int = 1  # SPO2_SCALES: 2 only for a prescribed 88-92 % target [S34]


class News2Response(StrEnum):
    NONE = "none"  # total 0
    LOW = "low"  # total 1-4
    LOW_SINGLE_3 = "low_single_3"  # a single parameter scoring 3, total below 5
    MEDIUM = "medium"  # total 5-6
    HIGH = "high"  # total 7 or more

    @property
    def text(self) -> str:
        return RESPONSE_TEXT[self]

    @property
    def level(self) -> int:
        """The 0-4 severity level shared with CIWA-B bands and flags (models.clinical.levels)."""
        return RESPONSE_LEVEL[self]

    @property
    def urgent(self) -> bool:
        """Urgent review or more: observations at least hourly [S35]."""
        return self.level >= RESPONSE_LEVEL[News2Response.LOW_SINGLE_3]

    @property
    def flag_severity(self) -> str | None:
        """The review flag this response raises: emergency at HIGH, high while urgent [S35]."""
        return RESPONSE_FLAG.get(self)


# Clinical response to each trigger, RCP 2017 chart 4 [S35]; marked N_, shown translated.
RESPONSE_TEXT: dict[News2Response, str] = {
    News2Response.NONE: N_("Observations at least every 12 hours; continue routine monitoring."),
    News2Response.LOW: N_(
        "Observations at least every 4-6 hours; a registered nurse assesses the patient and "
        "decides whether to increase monitoring or escalate."
    ),
    News2Response.LOW_SINGLE_3: N_(
        "Observations at least hourly; inform the medical team caring for the patient "
        "(urgent ward-based review)."
    ),
    News2Response.MEDIUM: N_(
        "Observations at least hourly; urgent review by a clinician competent in assessing "
        "acutely ill patients."
    ),
    News2Response.HIGH: N_(
        "Continuous monitoring of vital signs; emergency response by a team with "
        "critical-care skills; consider transfer to HDU/ICU."
    ),
}
# The response's level on the shared 0-4 scale: the steps of chart 4 in order [S35].
RESPONSE_LEVEL: dict[News2Response, int] = {
    News2Response.NONE: 0,
    News2Response.LOW: 1,
    News2Response.LOW_SINGLE_3: 2,
    News2Response.MEDIUM: 3,
    News2Response.HIGH: 4,
}
# A single 3 or a total of 5-6: urgent review (high); 7 or more: emergency response [S35].
RESPONSE_FLAG: dict[News2Response, str] = {
    News2Response.LOW_SINGLE_3: "high",
    News2Response.MEDIUM: "high",
    News2Response.HIGH: "emergency",
}
MEDIUM_TOTAL = 5  # [S35]
HIGH_TOTAL = 7  # [S35]
URGENT_OBS_INTERVAL_MIN = 60  # [S35]: observations at least hourly once the response is urgent


def obs_interval_min(total: int, any_single_three: bool, routine_min: int) -> int:
    """Minutes until the next set of vitals is due after one scoring ``total``: at least hourly
    when the response is urgent (a single parameter scoring 3, or MEDIUM_TOTAL or more) [S35],
    so the shorter of an hour and the ward's routine interval; otherwise the routine interval
    (``Ward.vitals_interval_min``, local policy)."""
    if news2_response(total, any_single_three).urgent:
        return min(URGENT_OBS_INTERVAL_MIN, routine_min)
    return routine_min


@dataclass(frozen=True)
class News2Result:
    total: int  # 0-20
    parameter_scores: dict[str, int]
    any_single_three: bool
    response: News2Response

    @property
    def response_text(self) -> str:
        return self.response.text


def news2(v: Vitals) -> News2Result:
    scores = {
        "resp_rate": resp_rate_score(v.resp_rate),
        "spo2": spo2_score(v.spo2, scale=v.spo2_scale, supplemental_o2=v.supplemental_o2),
        "supplemental_o2": SUPPLEMENTAL_O2_SCORE if v.supplemental_o2 else 0,
        "systolic": systolic_score(v.systolic),
        "heart_rate": heart_rate_score(v.heart_rate),
        "consciousness": consciousness_score(v.consciousness),
        "temperature_c": temperature_score(v.temperature_c),
    }
    total = sum(scores.values())
    single_three = any(score == 3 for score in scores.values())
    return News2Result(total, scores, single_three, news2_response(total, single_three))


def news2_response(total: int, single_three: bool) -> News2Response:
    """The clinical response to a total and whether a single parameter scored 3 [S35]."""
    if total >= HIGH_TOTAL:
        return News2Response.HIGH
    if total >= MEDIUM_TOTAL:
        return News2Response.MEDIUM
    if single_three:
        return News2Response.LOW_SINGLE_3
    return News2Response.LOW if total > 0 else News2Response.NONE


# Each parameter's bands as (highest value in the band, score), lowest band first; chart 1
# [S34][S36]. Integers are whole-number readings; temperature bands use the printed edges.
Bands = tuple[tuple[float, int], ...]
RESP_RATE_BANDS: Bands = ((8, 3), (11, 1), (20, 0), (24, 2), (math.inf, 3))  # [S34][S36]
SPO2_SCALE_1_BANDS: Bands = ((91, 3), (93, 2), (95, 1), (math.inf, 0))  # [S34][S36]
# Scale 2 (prescribed target 88-92 %) [S34]: <= 83 scores 3, 84-85 2, 86-87 1; 88-92, or 93 and
# above on air, 0; on oxygen 93-94 scores 1, 95-96 2, 97 and above 3 (over-oxygenation).
SPO2_SCALE_2_AIR_BANDS: Bands = ((83, 3), (85, 2), (87, 1), (math.inf, 0))  # [S34]
SPO2_SCALE_2_OXYGEN_BANDS: Bands = (  # [S34]
    (83, 3),
    (85, 2),
    (87, 1),
    (92, 0),
    (94, 1),
    (96, 2),
    (math.inf, 3),
)
SPO2_SCALES = (1, 2)
SYSTOLIC_BANDS: Bands = ((90, 3), (100, 2), (110, 1), (219, 0), (math.inf, 3))  # [S34][S36]
HEART_RATE_BANDS: Bands = ((40, 3), (50, 1), (90, 0), (110, 1), (130, 2), (math.inf, 3))  # [S34]
TEMPERATURE_BANDS: Bands = ((35.0, 3), (36.0, 1), (38.0, 0), (39.0, 1), (math.inf, 2))  # [S34]
SUPPLEMENTAL_O2_SCORE = 2  # [S34][S36]
NOT_ALERT_SCORE = 3  # new confusion, voice, pain or unresponsive [S34][S36]


def band_score(bands: Bands, value: float) -> int:
    return next(score for top, score in bands if value <= top)


def side_of_normal(bands: Bands, value: float) -> str | None:
    """ "low" or "high" when ``value`` lies below or above the parameter's 0-scoring band."""
    index = next(i for i, (top, _) in enumerate(bands) if value <= top)
    if bands[index][1] == 0:
        return None
    zero = next(i for i, (_, score) in enumerate(bands) if score == 0)
    return "low" if index < zero else "high"


def resp_rate_score(rr: int) -> int:
    return band_score(RESP_RATE_BANDS, rr)


def spo2_bands(scale: int, supplemental_o2: bool) -> Bands:
    """The SpO2 bands of ``scale`` (1 or 2); scale 2 scores differently on oxygen [S34]."""
    if scale == 1:
        return SPO2_SCALE_1_BANDS
    if scale == 2:
        return SPO2_SCALE_2_OXYGEN_BANDS if supplemental_o2 else SPO2_SCALE_2_AIR_BANDS
    raise ValueError(f"{scale!r} is not an SpO2 scale (1 or 2)")


def spo2_score(spo2: int, *, scale: int = 1, supplemental_o2: bool = False) -> int:
    return band_score(spo2_bands(scale, supplemental_o2), spo2)


def systolic_score(sbp: int) -> int:
    return band_score(SYSTOLIC_BANDS, sbp)


def heart_rate_score(hr: int) -> int:
    return band_score(HEART_RATE_BANDS, hr)


def temperature_score(temp_c: float) -> int:
    return band_score(TEMPERATURE_BANDS, temp_c)


def consciousness_score(level: str) -> int:
    if level not in CONSCIOUSNESS_LEVELS:
        raise ValueError(f"{level!r} is not an ACVPU level")
    return 0 if level == "A" else NOT_ALERT_SCORE


# --- sources (models.clinical.sources) ------------------------------------------------------


def bands_text(bands: Bands, *, step: float = 1, decimals: int = 0) -> str:
    """ "<=8: 3; 9-11: 1; ...; >=25: 3" from a band table (``step``: the charted resolution)."""
    parts: list[str] = []
    low: float | None = None
    for top, score in bands:
        if low is None:
            span = f"≤{top:.{decimals}f}"
        elif math.isinf(top):
            span = f"≥{low:.{decimals}f}"
        else:
            span = f"{low:.{decimals}f}-{top:.{decimals}f}"
        parts.append(f"{span}: {score}")
        low = round(top + step, decimals)
    return "; ".join(parts)


CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "NEWS2 respiratory rate bands (/min)", bands_text(RESP_RATE_BANDS), ("S34", "S36")
    ),
    ClinicalNumber("NEWS2 SpO2 scale 1 bands (%)", bands_text(SPO2_SCALE_1_BANDS), ("S34", "S36")),
    ClinicalNumber(
        "NEWS2 SpO2 scale 2 bands (%), on air",
        bands_text(SPO2_SCALE_2_AIR_BANDS),
        ("S34",),
        "Only for a prescribed target of 88-92 %, set by a physician per patient.",
    ),
    ClinicalNumber(
        "NEWS2 SpO2 scale 2 bands (%), on oxygen",
        bands_text(SPO2_SCALE_2_OXYGEN_BANDS),
        ("S34",),
    ),
    ClinicalNumber("NEWS2 supplemental oxygen", f"+{SUPPLEMENTAL_O2_SCORE}", ("S34", "S36")),
    ClinicalNumber("NEWS2 systolic BP bands (mmHg)", bands_text(SYSTOLIC_BANDS), ("S34", "S36")),
    ClinicalNumber("NEWS2 pulse bands (/min)", bands_text(HEART_RATE_BANDS), ("S34",)),
    ClinicalNumber(
        "NEWS2 consciousness (ACVPU)",
        f"{CONSCIOUSNESS_LEVELS[0]}: 0; {', '.join(CONSCIOUSNESS_LEVELS[1:-1])} or "
        f"{CONSCIOUSNESS_LEVELS[-1]}: {NOT_ALERT_SCORE}",
        ("S34", "S36"),
    ),
    ClinicalNumber(
        "NEWS2 temperature bands (°C)",
        bands_text(TEMPERATURE_BANDS, step=0.1, decimals=1),
        ("S34",),
    ),
    ClinicalNumber(
        "NEWS2 urgent review",
        f"total {MEDIUM_TOTAL} or more, or a single parameter scoring 3",
        ("S35",),
    ),
    ClinicalNumber("NEWS2 emergency response", f"total {HIGH_TOTAL} or more", ("S35",)),
    ClinicalNumber(
        "Observations once NEWS2 calls for urgent review",
        f"at least every {URGENT_OBS_INTERVAL_MIN} min",
        ("S35",),
    ),
)
