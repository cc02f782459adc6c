from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from models.clinical.news2 import Vitals
from models.clinical.vitals import abnormal_fields, validate_vitals
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


def test_good_vitals_pass_and_text_numbers_are_read() -> None:
    assert validate_vitals(**GOOD) == Vitals(**GOOD)
    from_form = validate_vitals(
        **{
            **GOOD,
            "heart_rate": " 72 ",
            "temperature_c": "36.8",
            "spo2": "98",
            "consciousness": "a",
        }
    )
    assert from_form == Vitals(**GOOD)
    assert isinstance(from_form.heart_rate, int)


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("heart_rate", 0, "outside the plausible range 20-250 /min (local limit)"),
        ("heart_rate", 400, "outside the plausible range"),
        ("heart_rate", 19, "outside the plausible range"),
        ("heart_rate", 72.5, "whole number"),
        ("heart_rate", "fast", "is not a whole number"),
        ("heart_rate", None, "enter the heart rate"),
        ("heart_rate", True, "enter the heart rate"),
        ("heart_rate", float("nan"), "enter the heart rate"),
        ("temperature_c", 50, "outside the plausible range 25-45"),
        ("temperature_c", 24.9, "outside the plausible range"),
        ("temperature_c", "warm", "is not a number"),
        ("resp_rate", 0, "outside the plausible range 3-80"),
        ("spo2", 101, "outside the plausible range 50-100 %"),
        ("systolic", 310, "outside the plausible range"),
        ("diastolic", 10, "outside the plausible range"),
        ("systolic", 80, "must be above diastolic 80 mmHg"),  # equal
        ("systolic", 70, "must be above diastolic"),  # below
        ("consciousness", "X", "use A, C, V, P or U"),
        ("consciousness", None, "use A, C, V, P or U"),
        ("supplemental_o2", "no", "answer yes or no"),
    ],
)
def test_impossible_values_are_refused(field: str, value: object, text: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_vitals(**{**GOOD, field: value})
    assert text in exc.value.by_field()[field]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("heart_rate", 20),
        ("heart_rate", 250),
        ("temperature_c", 25.0),
        ("temperature_c", 45),
        ("resp_rate", 3),
        ("spo2", 50),
        ("spo2", 100),
        ("systolic", 300),
        ("diastolic", 20),
    ],
)
def test_plausible_limits_are_inclusive(field: str, value: object) -> None:
    validate_vitals(**{**GOOD, field: value})


def test_every_bad_field_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_vitals(
            **{**GOOD, "heart_rate": 0, "temperature_c": 50, "spo2": 101, "resp_rate": 0}
        )
    assert set(exc.value.by_field()) == {"heart_rate", "temperature_c", "spo2", "resp_rate"}


def test_abnormal_but_possible_values_are_accepted_and_marked() -> None:
    normal = Vitals(**GOOD)
    assert abnormal_fields(normal) == {}
    assert abnormal_fields(replace(normal, heart_rate=120, temperature_c=38.5)) == {
        "heart_rate": "high",
        "temperature_c": "high",
    }
    assert abnormal_fields(
        replace(normal, heart_rate=45, systolic=100, resp_rate=10, spo2=93, temperature_c=35.5)
    ) == {
        "heart_rate": "low",
        "systolic": "low",
        "resp_rate": "low",
        "spo2": "low",
        "temperature_c": "low",
    }
    assert abnormal_fields(replace(normal, systolic=230, resp_rate=25)) == {
        "systolic": "high",
        "resp_rate": "high",
    }
    assert abnormal_fields(replace(normal, consciousness="C", supplemental_o2=True)) == {
        "consciousness": "abnormal"
    }
    # NEWS2 edges: 90 and 91 /min.
    assert abnormal_fields(replace(normal, heart_rate=90)) == {}
    assert abnormal_fields(replace(normal, heart_rate=91)) == {"heart_rate": "high"}
    validate_vitals(**{**GOOD, "heart_rate": 180, "systolic": 230, "temperature_c": 40.5})
