"""Edges of charting vital signs that a wrong name, operator or argument would move: each refusal
at its field in words, the SpO2 scale kept, scale 2 on oxygen marked from its own bands, and a
stored reading marked like a fresh one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from models.clinical.news2 import Vitals
from models.clinical.vitals import (
    PLAUSIBLE,
    abnormal_fields,
    reading_abnormal_fields,
    validate_vitals,
)
from models.errors import ValidationFailed

GOOD: dict[str, Any] = {
    "heart_rate": 72,
    "systolic": 120,
    "diastolic": 80,
    "temperature_c": 36.8,
    "resp_rate": 16,
    "spo2": 98,
    "supplemental_o2": False,
    "consciousness": "A",
}


def _refusals(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as exc:
        validate_vitals(**{**GOOD, **changes})
    return exc.value.by_field()


def test_the_spo2_scale_is_kept() -> None:
    assert validate_vitals(**GOOD, spo2_scale=2).spo2_scale == 2
    assert validate_vitals(**GOOD).spo2_scale == 1


@pytest.mark.parametrize("scale", [3, 0, True, "2", None])
def test_an_spo2_scale_other_than_1_or_2_is_refused_at_its_field(scale: object) -> None:
    assert _refusals(spo2_scale=scale) == {"spo2_scale": "the SpO2 scale is 1 or 2"}


@pytest.mark.parametrize("answer", ["yes", 1, None])
def test_oxygen_must_be_answered_yes_or_no(answer: object) -> None:
    assert _refusals(supplemental_o2=answer) == {
        "supplemental_o2": "answer yes or no: is the patient on oxygen?"
    }


@pytest.mark.parametrize("value", [None, [72], float("nan"), float("inf"), True])
def test_a_value_that_is_no_number_is_refused_at_its_field(value: object) -> None:
    assert _refusals(heart_rate=value) == {
        "heart_rate": "enter the heart rate as a whole number (/min)"
    }
    assert _refusals(temperature_c=value) == {
        "temperature_c": "enter the temperature as a number (°C)"
    }


def test_scale_2_on_oxygen_is_marked_from_the_oxygen_bands() -> None:
    on_oxygen = Vitals(**{**GOOD, "spo2": 97, "supplemental_o2": True, "spo2_scale": 2})
    assert abnormal_fields(on_oxygen) == {"spo2": "high"}
    on_air = Vitals(**{**GOOD, "spo2": 97, "spo2_scale": 2})
    assert abnormal_fields(on_air) == {}


@dataclass(frozen=True)
class _Stored:
    heart_rate: int = 130
    systolic: int = 95
    diastolic: int = 60
    temperature_c: float = 35.0
    resp_rate: int = 16
    spo2: int = 97
    supplemental_o2: bool = True
    consciousness: str = "C"
    spo2_scale: int = 2


def test_a_stored_reading_is_marked_on_the_scale_it_was_scored_on() -> None:
    assert reading_abnormal_fields(_Stored()) == {
        "heart_rate": "high",
        "systolic": "low",
        "temperature_c": "low",
        "spo2": "high",
        "consciousness": "abnormal",
    }
    assert reading_abnormal_fields(_Stored(spo2_scale=1)) == {
        "heart_rate": "high",
        "systolic": "low",
        "temperature_c": "low",
        "consciousness": "abnormal",
    }


@pytest.mark.parametrize("level", [5, None, "X"])
def test_a_consciousness_that_is_no_acvpu_letter_is_refused_at_its_field(level: object) -> None:
    assert _refusals(consciousness=level) == {
        "consciousness": f"{level!r} is not an ACVPU level; use A, C, V, P or U"
    }


@pytest.mark.parametrize("text", ["nan", "Infinity", "-inf", "sNaN"])
def test_text_that_reads_as_no_finite_number_is_refused_at_its_field(text: str) -> None:
    assert _refusals(spo2=text) == {"spo2": "enter the SpO2 as a whole number (%)"}


# The ward's plausible limits (local policy): a reading on the limit is charted, one past is not.
LIMITS = {
    "heart_rate": (20, 250),
    "systolic": (40, 300),
    "diastolic": (20, 200),
    "temperature_c": (25.0, 45.0),
    "resp_rate": (3, 80),
    "spo2": (50, 100),
}


def test_the_plausible_limits_are_the_wards() -> None:
    assert {f: (r.low, r.high) for f, r in PLAUSIBLE.items()} == LIMITS


@pytest.mark.parametrize("field", LIMITS)
def test_each_plausible_limit_is_inclusive(field: str) -> None:
    low, high = LIMITS[field]
    step = 0.1 if field == "temperature_c" else 1
    others = {"systolic": 250, "diastolic": 30} if field in ("systolic", "diastolic") else {}
    for value in (low, high):
        fixed = {**others, field: value}
        if field == "systolic":
            fixed["diastolic"] = 20
        if field == "diastolic":
            fixed["systolic"] = 300
        assert getattr(validate_vitals(**{**GOOD, **fixed}), field) == value
    for value in (round(low - step, 1), round(high + step, 1)):
        assert "outside the plausible range" in _refusals(**{field: value})[field]
