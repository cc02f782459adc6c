"""RASS, POSS, the ward thresholds and the "dose may be too high" judgement, at every edge."""

from __future__ import annotations

from dataclasses import replace

import pytest

from models.clinical.news2 import RESP_RATE_BANDS
from models.clinical.sedation import (
    CONSECUTIVE_SEDATED_READINGS,
    HELD_FOR_SEDATION_COUNT,
    POSS_CODES,
    POSS_LEVELS,
    RASS_LEVELS,
    RASS_MAX,
    RASS_MIN,
    TOO_HIGH_MESSAGE,
    SedationReading,
    SedationThresholds,
    dose_too_high,
    poss_beyond,
    poss_rank,
    rass_beyond,
    respiratory_depression,
    sedation_concern,
    sedation_signs,
    validate_poss,
    validate_rass,
)
from models.errors import FieldError

CALM = SedationReading(rass=0, poss=None, resp_rate=16, spo2=97)
DEFAULT = SedationThresholds()


def test_rass_has_ten_levels_with_the_published_terms() -> None:
    assert sorted(RASS_LEVELS) == list(range(RASS_MIN, RASS_MAX + 1)) == list(range(-5, 5))
    assert RASS_LEVELS[4].term == "Combative"
    assert RASS_LEVELS[0].term == "Alert and calm"
    assert RASS_LEVELS[-1].term == "Drowsy"
    assert RASS_LEVELS[-2].term == "Light sedation"
    assert RASS_LEVELS[-3].term == "Moderate sedation"
    assert RASS_LEVELS[-4].term == "Deep sedation"
    assert RASS_LEVELS[-5].term == "Unarousable"
    assert RASS_LEVELS[-3].label == "-3 Moderate sedation"
    assert RASS_LEVELS[2].label == "+2 Agitated"


def test_poss_levels_and_ranks() -> None:
    assert POSS_CODES == ("S", "1", "2", "3", "4")
    assert list(POSS_LEVELS) == list(POSS_CODES)
    assert "Unacceptable" in POSS_LEVELS["3"].description
    assert "naloxone" in POSS_LEVELS["4"].description
    assert "Acceptable" in POSS_LEVELS["2"].description
    assert [poss_rank(c) for c in POSS_CODES] == [1, 1, 2, 3, 4]


def test_default_thresholds_are_rass_minus_2_and_poss_3() -> None:
    assert (DEFAULT.rass, DEFAULT.poss) == (-2, 3)


@pytest.mark.parametrize(
    ("rass", "beyond"), [(None, False), (4, False), (0, False), (-1, False), (-2, True), (-5, True)]
)
def test_rass_threshold_edges(rass: int | None, beyond: bool) -> None:
    assert rass_beyond(rass, DEFAULT) is beyond


def test_rass_threshold_follows_the_ward() -> None:
    strict = SedationThresholds(rass=-1, poss=2)
    assert rass_beyond(-1, strict) and not rass_beyond(0, strict)
    lax = SedationThresholds(rass=-3, poss=4)
    assert not rass_beyond(-2, lax) and rass_beyond(-3, lax)


@pytest.mark.parametrize(
    ("poss", "beyond"),
    [(None, False), ("S", False), ("1", False), ("2", False), ("3", True), ("4", True)],
)
def test_poss_threshold_edges(poss: str | None, beyond: bool) -> None:
    assert poss_beyond(poss, DEFAULT) is beyond


def test_poss_threshold_follows_the_ward() -> None:
    assert poss_beyond("2", SedationThresholds(poss=2))
    assert not poss_beyond("3", SedationThresholds(poss=4))
    assert not poss_beyond("S", SedationThresholds(poss=2))


@pytest.mark.parametrize("consciousness", ["V", "P", "U"])
def test_acvpu_below_voice_counts_as_sedation(consciousness: str) -> None:
    assert sedation_signs(replace(CALM, consciousness=consciousness), DEFAULT) == [
        f"ACVPU {consciousness}"
    ]


@pytest.mark.parametrize("consciousness", ["A", "C"])
def test_alert_or_confused_is_not_sedation(consciousness: str) -> None:
    assert sedation_signs(replace(CALM, consciousness=consciousness), DEFAULT) == []


def test_respiratory_rate_edge_is_news2s_lowest_band() -> None:
    top = int(RESP_RATE_BANDS[0][0])
    assert top == 8
    assert respiratory_depression(replace(CALM, resp_rate=8)) == ["RR 8/min"]
    assert respiratory_depression(replace(CALM, resp_rate=9)) == []


def test_spo2_below_target_on_scale_1() -> None:
    assert respiratory_depression(replace(CALM, spo2=96)) == []
    assert respiratory_depression(replace(CALM, spo2=95)) == ["SpO2 95%"]


def test_spo2_below_target_on_scale_2() -> None:
    scale_2 = replace(CALM, spo2_scale=2)
    assert respiratory_depression(replace(scale_2, spo2=88)) == []
    assert respiratory_depression(replace(scale_2, spo2=87)) == ["SpO2 87%"]
    # Above target on oxygen scores in NEWS2 but is not respiratory depression.
    assert respiratory_depression(replace(scale_2, spo2=97, supplemental_o2=True)) == []


def test_concern_dangerous_only_with_both_sedation_and_depressed_breathing() -> None:
    sedated = replace(CALM, rass=-3)
    assert sedation_concern(sedated, DEFAULT).any
    assert not sedation_concern(sedated, DEFAULT).dangerous
    breathing = replace(CALM, resp_rate=8)
    assert sedation_concern(breathing, DEFAULT).any
    assert not sedation_concern(breathing, DEFAULT).dangerous
    both = replace(CALM, rass=-3, spo2=90)
    concern = sedation_concern(both, DEFAULT)
    assert concern.dangerous
    assert concern.text == "RASS -3 moderate sedation, SpO2 90%"
    assert not sedation_concern(CALM, DEFAULT).any


def test_too_high_quiet_for_a_calm_patient() -> None:
    assert dose_too_high(held_for_sedation_24h=0, latest=[CALM, CALM], thresholds=DEFAULT) is None
    assert dose_too_high(held_for_sedation_24h=0, latest=[], thresholds=DEFAULT) is None


def test_too_high_at_two_holds_not_one() -> None:
    assert HELD_FOR_SEDATION_COUNT == 2
    assert dose_too_high(held_for_sedation_24h=1, latest=[CALM], thresholds=DEFAULT) is None
    found = dose_too_high(held_for_sedation_24h=2, latest=[CALM], thresholds=DEFAULT)
    assert found is not None
    assert found.severity == "high"
    assert found.message == f"2 doses held for sedation in 24 h: {TOO_HIGH_MESSAGE}"


def test_too_high_at_two_sedated_readings_in_a_row_not_one() -> None:
    assert CONSECUTIVE_SEDATED_READINGS == 2
    sedated = replace(CALM, rass=-2)
    assert dose_too_high(held_for_sedation_24h=0, latest=[sedated], thresholds=DEFAULT) is None
    # The newest calm, the one before sedated: not in a row.
    assert (
        dose_too_high(held_for_sedation_24h=0, latest=[CALM, sedated], thresholds=DEFAULT) is None
    )
    assert (
        dose_too_high(held_for_sedation_24h=0, latest=[sedated, CALM], thresholds=DEFAULT) is None
    )
    found = dose_too_high(
        held_for_sedation_24h=0, latest=[sedated, replace(CALM, poss="3")], thresholds=DEFAULT
    )
    assert found is not None and found.severity == "high"
    assert "sedated in the last 2 readings (RASS -2 light sedation)" in found.message


def test_both_reasons_are_given() -> None:
    sedated = replace(CALM, rass=-4)
    found = dose_too_high(held_for_sedation_24h=3, latest=[sedated, sedated], thresholds=DEFAULT)
    assert found is not None
    assert len(found.reasons) == 2


def test_sedation_with_depressed_breathing_is_the_top_severity_at_once() -> None:
    danger = replace(CALM, rass=-3, resp_rate=7)
    found = dose_too_high(held_for_sedation_24h=0, latest=[danger], thresholds=DEFAULT)
    assert found is not None
    assert found.severity == "emergency"
    assert "RR 7/min" in found.message
    # Depressed breathing alone is NEWS2's business, not this rule's.
    assert (
        dose_too_high(
            held_for_sedation_24h=0, latest=[replace(CALM, resp_rate=7)], thresholds=DEFAULT
        )
        is None
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("0", 0),
        ("-3", -3),
        ("−3", -3),
        ("+4", 4),
        (4, 4),
        (-5, -5),
    ],
)
def test_validate_rass_accepts(raw: object, expected: int | None) -> None:
    assert validate_rass(raw) == expected


@pytest.mark.parametrize("raw", ["-6", "5", "x", "-2.5", 2.5, True, "--1"])
def test_validate_rass_refuses_at_the_field(raw: object) -> None:
    with pytest.raises(FieldError) as refused:
        validate_rass(raw)
    assert refused.value.field == "rass"


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, None), ("", None), ("s", "S"), ("3", "3"), (4, "4")]
)
def test_validate_poss_accepts(raw: object, expected: str | None) -> None:
    assert validate_poss(raw) == expected


@pytest.mark.parametrize("raw", ["0", "5", "x", True, 3.0])
def test_validate_poss_refuses_at_the_field(raw: object) -> None:
    with pytest.raises(FieldError) as refused:
        validate_poss(raw)
    assert refused.value.field == "poss"
