"""Sedation edges a wrong word or operator would move: the MAR's check prompt, the refusals a
nurse reads when a RASS or POSS is charted wrong, the RASS shown beside a reading, and the
"dose may be too high" reason naming every sign."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.clinical.sedation import (
    TOO_HIGH_MESSAGE,
    SedationReading,
    SedationThresholds,
    check_prompt,
    dose_too_high,
    rass_text,
    sedation_concern,
    validate_poss,
    validate_rass,
)
from models.errors import FieldError

CALM = SedationReading(rass=0, poss=None, resp_rate=16, spo2=97)
DEFAULT = SedationThresholds()
CHECK_AGAIN = (
    "Check sedation, respiratory rate and SpO2 again before this dose; chart the fresh check "
    "with the vitals. If still sedated, hold the dose for sedation and tell the physician."
)


def test_check_prompt_names_the_signs_and_asks_for_a_fresh_check() -> None:
    concern = sedation_concern(replace(CALM, rass=-3), DEFAULT)
    assert check_prompt(concern, "14:05") == (
        f"Latest observations at 14:05: RASS -3 moderate sedation. {CHECK_AGAIN}"
    )


def test_check_prompt_says_when_breathing_is_depressed_too() -> None:
    concern = sedation_concern(replace(CALM, rass=-3, resp_rate=8), DEFAULT)
    assert concern.dangerous
    assert check_prompt(concern, "02:00") == (
        "Latest observations at 02:00: RASS -3 moderate sedation, RR 8/min with depressed "
        f"breathing. {CHECK_AGAIN}"
    )


def test_check_prompt_for_depressed_breathing_alone_is_not_called_dangerous() -> None:
    concern = sedation_concern(replace(CALM, spo2=91), DEFAULT)
    assert not concern.dangerous
    assert check_prompt(concern, "09:30") == (
        f"Latest observations at 09:30: SpO2 91%. {CHECK_AGAIN}"
    )


def test_too_high_reason_lists_every_sign_of_the_newest_reading() -> None:
    sedated = replace(CALM, rass=-3, poss="3", consciousness="V")
    found = dose_too_high(held_for_sedation_24h=0, latest=[sedated, sedated], thresholds=DEFAULT)
    assert found is not None
    assert found.message == (
        "sedated in the last 2 readings (RASS -3 moderate sedation, POSS 3, ACVPU V): "
        f"{TOO_HIGH_MESSAGE}"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "choose a RASS level from -5 to +4"),
        ("x", "'x' is not a RASS level; choose -5 to +4"),
        ("-6", "RASS runs from -5 to +4; got -6"),
        ("5", "RASS runs from -5 to +4; got 5"),
        ("--1", "'--1' is not a RASS level; choose -5 to +4"),
    ],
)
def test_validate_rass_says_what_to_chart(raw: object, message: str) -> None:
    with pytest.raises(FieldError) as refused:
        validate_rass(raw)
    assert (refused.value.field, refused.value.message) == ("rass", message)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (True, "choose a POSS level: S, 1, 2, 3 or 4"),
        (3.0, "choose a POSS level: S, 1, 2, 3 or 4"),
        ("0", "'0' is not a POSS level; choose S, 1, 2, 3 or 4"),
        (5, "5 is not a POSS level; choose S, 1, 2, 3 or 4"),
    ],
)
def test_validate_poss_says_what_to_chart(raw: object, message: str) -> None:
    with pytest.raises(FieldError) as refused:
        validate_poss(raw)
    assert (refused.value.field, refused.value.message) == ("poss", message)


def test_rass_text_is_the_charted_label_or_blank() -> None:
    assert rass_text(-2) == "-2 Light sedation"
    assert rass_text(0) == "0 Alert and calm"
    assert rass_text(4) == "+4 Combative"
    assert rass_text(None) == ""
