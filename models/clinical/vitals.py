"""Checking charted vital signs: impossible values are refused, abnormal ones accepted and marked.

The plausible-value limits below are LOCAL POLICY (no source): they catch typing and device
errors (HR 0 or 400, 50 °C), not clinical abnormality. What counts as abnormal is NEWS2's
non-zero scores, the defensible default (no published standard was found for HR > 110,
SBP > 160 or T > 38.0 in benzodiazepine withdrawal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

from models.clinical.news2 import (
    CONSCIOUSNESS_LEVELS,
    HEART_RATE_BANDS,
    RESP_RATE_BANDS,
    SPO2_SCALES,
    SYSTOLIC_BANDS,
    TEMPERATURE_BANDS,
    Bands,
    Vitals,
    consciousness_score,
    side_of_normal,
    spo2_bands,
)
from models.clinical.sources import ClinicalNumber
from models.errors import FieldError, Number, ValidationFailed, Words
from models.i18n import N_


@dataclass(frozen=True)
class PlausibleRange:
    label: str  # marked N_: a page says it in the reader's language
    low: float
    high: float
    unit: str
    whole: bool  # charted as a whole number


# Local policy, no source: the widest values a living adult on a ward could show.
PLAUSIBLE: dict[str, PlausibleRange] = {
    "heart_rate": PlausibleRange(N_("heart rate"), 20, 250, "/min", whole=True),
    "systolic": PlausibleRange(N_("systolic BP"), 40, 300, "mmHg", whole=True),
    "diastolic": PlausibleRange(N_("diastolic BP"), 20, 200, "mmHg", whole=True),
    "temperature_c": PlausibleRange(N_("temperature"), 25.0, 45.0, "°C", whole=False),
    "resp_rate": PlausibleRange(N_("respiratory rate"), 3, 80, "/min", whole=True),
    "spo2": PlausibleRange(N_("SpO2"), 50, 100, "%", whole=True),
}


def validate_vitals(
    *,
    heart_rate: object,
    systolic: object,
    diastolic: object,
    temperature_c: object,
    resp_rate: object,
    spo2: object,
    supplemental_o2: object,
    consciousness: object,
    spo2_scale: object = 1,
) -> Vitals:
    """Numbers may come as numbers or as text from a form; all faults are reported at once."""
    raw = {
        "heart_rate": heart_rate,
        "systolic": systolic,
        "diastolic": diastolic,
        "temperature_c": temperature_c,
        "resp_rate": resp_rate,
        "spo2": spo2,
    }
    errors: list[FieldError] = []
    values: dict[str, Decimal] = {}
    for field, value in raw.items():
        checked = _number(field, value)
        if isinstance(checked, FieldError):
            errors.append(checked)
        else:
            values[field] = checked
    if "systolic" in values and "diastolic" in values and values["systolic"] <= values["diastolic"]:
        errors.append(
            FieldError(
                "systolic",
                N_(
                    "systolic {systolic} mmHg must be above diastolic {diastolic} mmHg; "
                    "check the reading"
                ),
                values={
                    "systolic": _typed(values["systolic"]),
                    "diastolic": _typed(values["diastolic"]),
                },
            )
        )
    if not isinstance(supplemental_o2, bool):
        errors.append(
            FieldError("supplemental_o2", N_("answer yes or no: is the patient on oxygen?"))
        )
    level = consciousness.strip().upper() if isinstance(consciousness, str) else None
    if level not in CONSCIOUSNESS_LEVELS:
        errors.append(
            FieldError(
                "consciousness",
                N_("{value} is not an ACVPU level; use A, C, V, P or U"),
                values={"value": repr(consciousness)},
            )
        )
    if isinstance(spo2_scale, bool) or spo2_scale not in SPO2_SCALES:
        errors.append(FieldError("spo2_scale", N_("the SpO2 scale is 1 or 2")))
    if errors:
        raise ValidationFailed(errors)
    assert level is not None and isinstance(supplemental_o2, bool)
    assert isinstance(spo2_scale, int)
    return Vitals(
        heart_rate=int(values["heart_rate"]),
        systolic=int(values["systolic"]),
        diastolic=int(values["diastolic"]),
        temperature_c=float(values["temperature_c"]),
        resp_rate=int(values["resp_rate"]),
        spo2=int(values["spo2"]),
        supplemental_o2=supplemental_o2,
        consciousness=level,
        spo2_scale=spo2_scale,
    )


def _number(field: str, value: object) -> Decimal | FieldError:
    limits = PLAUSIBLE[field]
    label = Words((limits.label,))
    if limits.whole:
        enter = N_("enter the {label} as a whole number ({unit})")
        not_number = N_("{value} is not a whole number; enter the {label} in {unit}")
    else:
        enter = N_("enter the {label} as a number ({unit})")
        not_number = N_("{value} is not a number; enter the {label} in {unit}")
    asked = FieldError(field, enter, values={"label": label, "unit": limits.unit})
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return asked
    if isinstance(value, float) and not math.isfinite(value):
        return asked
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return FieldError(
            field, not_number, values={"value": repr(value), "label": label, "unit": limits.unit}
        )
    if not number.is_finite():
        return asked
    typed = Number(number, text=str(value), exact=True)
    if limits.whole and number != number.to_integral_value():
        return FieldError(
            field,
            N_("the {label} is charted as a whole number, got {value}"),
            values={"label": label, "value": typed},
        )
    if not limits.low <= number <= limits.high:
        return FieldError(
            field,
            N_(
                "{label} {value} {unit} is outside the plausible range {low}-{high} {unit} "
                "(local limit); check the reading"
            ),
            values={
                "label": label,
                "value": typed,
                "unit": limits.unit,
                "low": Number(limits.low),  # "25" for 25.0, as f"{low:g}" writes it
                "high": Number(limits.high),
            },
        )
    return number


def _typed(number: Decimal) -> Number:
    """A checked reading as the form sent it (``120``, ``120.0``), the reader's way elsewhere
    (a whole number: no decimal is ever cut)."""
    return Number(number, text=str(number))


class VitalsReading(Protocol):
    """A stored set of vital signs (a VitalSigns row, or the board's columns of one)."""

    @property
    def heart_rate(self) -> int: ...

    @property
    def systolic(self) -> int: ...

    @property
    def diastolic(self) -> int: ...

    @property
    def temperature_c(self) -> float: ...

    @property
    def resp_rate(self) -> int: ...

    @property
    def spo2(self) -> int: ...

    @property
    def supplemental_o2(self) -> bool: ...

    @property
    def consciousness(self) -> str: ...

    @property
    def spo2_scale(self) -> int: ...


def reading_abnormal_fields(reading: VitalsReading) -> dict[str, str]:
    """:func:`abnormal_fields` of a stored reading, on the SpO2 scale it was scored on."""
    return abnormal_fields(
        Vitals(
            heart_rate=reading.heart_rate,
            systolic=reading.systolic,
            diastolic=reading.diastolic,
            temperature_c=reading.temperature_c,
            resp_rate=reading.resp_rate,
            spo2=reading.spo2,
            supplemental_o2=reading.supplemental_o2,
            consciousness=reading.consciousness,
            spo2_scale=reading.spo2_scale,
        )
    )


def abnormal_fields(v: Vitals) -> dict[str, str]:
    """Fields with a non-zero NEWS2 score -> "high" or "low" (the side of NEWS2's 0-scoring band
    the value lies on); consciousness other than Alert -> "abnormal". Supplemental oxygen scores
    in NEWS2 but is a treatment, not a reading, so it is not listed; diastolic BP is not scored
    by NEWS2 and never listed."""
    readings: dict[str, tuple[Bands, float]] = {
        "heart_rate": (HEART_RATE_BANDS, v.heart_rate),
        "systolic": (SYSTOLIC_BANDS, v.systolic),
        "temperature_c": (TEMPERATURE_BANDS, v.temperature_c),
        "resp_rate": (RESP_RATE_BANDS, v.resp_rate),
        "spo2": (spo2_bands(v.spo2_scale, v.supplemental_o2), v.spo2),
    }
    marks = {
        field: side
        for field, (bands, value) in readings.items()
        if (side := side_of_normal(bands, value)) is not None
    }
    if consciousness_score(v.consciousness):
        marks["consciousness"] = "abnormal"
    return marks


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Plausible values when charting vital signs",
        "; ".join(f"{r.label} {r.low:g}-{r.high:g} {r.unit}" for r in PLAUSIBLE.values()),
        (),
        "Local policy: catches typing and device errors, not clinical abnormality (NEWS2 marks "
        "what is abnormal).",
    ),
)
