"""NEWS2 (RCP 2017): every cut-off from both sides, and the response bands."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from models.clinical.news2 import News2Response, Vitals, news2, news2_response, obs_interval_min

NORMAL = Vitals(
    heart_rate=70,
    systolic=120,
    diastolic=80,
    temperature_c=37.0,
    resp_rate=16,
    spo2=98,
    supplemental_o2=False,
    consciousness="A",
)

EDGES = [
    # (field, value, expected parameter score)
    ("resp_rate", 8, 3), ("resp_rate", 9, 1), ("resp_rate", 11, 1), ("resp_rate", 12, 0),
    ("resp_rate", 20, 0), ("resp_rate", 21, 2), ("resp_rate", 24, 2), ("resp_rate", 25, 3),
    ("spo2", 91, 3), ("spo2", 92, 2), ("spo2", 93, 2), ("spo2", 94, 1), ("spo2", 95, 1),
    ("spo2", 96, 0), ("spo2", 100, 0),
    ("systolic", 90, 3), ("systolic", 91, 2), ("systolic", 100, 2), ("systolic", 101, 1),
    ("systolic", 110, 1), ("systolic", 111, 0), ("systolic", 219, 0), ("systolic", 220, 3),
    ("heart_rate", 40, 3), ("heart_rate", 41, 1), ("heart_rate", 50, 1), ("heart_rate", 51, 0),
    ("heart_rate", 90, 0), ("heart_rate", 91, 1), ("heart_rate", 110, 1),
    ("heart_rate", 111, 2), ("heart_rate", 130, 2), ("heart_rate", 131, 3),
    ("temperature_c", 35.0, 3), ("temperature_c", 35.1, 1), ("temperature_c", 36.0, 1),
    ("temperature_c", 36.1, 0), ("temperature_c", 38.0, 0), ("temperature_c", 38.1, 1),
    ("temperature_c", 39.0, 1), ("temperature_c", 39.1, 2),
    ("supplemental_o2", True, 2), ("supplemental_o2", False, 0),
    ("consciousness", "A", 0), ("consciousness", "C", 3), ("consciousness", "V", 3),
    ("consciousness", "P", 3), ("consciousness", "U", 3),
]  # fmt: skip


@pytest.mark.parametrize(("field", "value", "score"), EDGES)
def test_parameter_score_on_each_side_of_every_cut_off(field: str, value: Any, score: int) -> None:
    result = news2(replace(NORMAL, **{field: value}))
    assert result.parameter_scores[field] == score
    assert result.total == score
    assert result.any_single_three is (score == 3)


def test_all_normal_scores_zero_with_routine_response() -> None:
    result = news2(NORMAL)
    assert (result.total, result.response) == (0, News2Response.NONE)
    assert "12 hours" in result.response_text
    assert set(result.parameter_scores) == {
        "resp_rate",
        "spo2",
        "supplemental_o2",
        "systolic",
        "heart_rate",
        "consciousness",
        "temperature_c",
    }


@pytest.mark.parametrize(
    ("changes", "total", "response"),
    [
        ({"heart_rate": 91}, 1, News2Response.LOW),
        ({"heart_rate": 111, "resp_rate": 21}, 4, News2Response.LOW),
        ({"heart_rate": 131}, 3, News2Response.LOW_SINGLE_3),
        ({"heart_rate": 131, "spo2": 95}, 4, News2Response.LOW_SINGLE_3),
        ({"heart_rate": 111, "resp_rate": 21, "spo2": 95}, 5, News2Response.MEDIUM),
        ({"heart_rate": 131, "resp_rate": 21}, 5, News2Response.MEDIUM),  # 3 + 2: >= 5 wins
        ({"heart_rate": 111, "resp_rate": 21, "spo2": 93}, 6, News2Response.MEDIUM),
        ({"heart_rate": 131, "resp_rate": 21, "spo2": 94, "systolic": 110}, 7, News2Response.HIGH),
        ({"consciousness": "U", "systolic": 85, "resp_rate": 30}, 9, News2Response.HIGH),
    ],
)
def test_response_band_edges(changes: dict[str, Any], total: int, response: News2Response) -> None:
    result = news2(replace(NORMAL, **changes))
    assert (result.total, result.response) == (total, response)
    assert result.response_text == response.text


def test_response_codes_and_texts() -> None:
    assert [r.value for r in News2Response] == ["none", "low", "low_single_3", "medium", "high"]
    assert "hourly" in News2Response.LOW_SINGLE_3.text
    assert "4-6 hours" in News2Response.LOW.text
    assert "urgent review" in News2Response.MEDIUM.text
    assert "HDU/ICU" in News2Response.HIGH.text


def test_maximum_total_is_20() -> None:
    worst = Vitals(
        heart_rate=140,
        systolic=80,
        diastolic=40,
        temperature_c=34.0,
        resp_rate=30,
        spo2=85,
        supplemental_o2=True,
        consciousness="U",
    )
    assert news2(worst).total == 20


# RCP 2017 chart 1, SpO2 scale 2 (prescribed target 88-92 %) [S34]: (SpO2, on oxygen, score).
SCALE_2_EDGES = [
    (83, False, 3), (84, False, 2), (85, False, 2), (86, False, 1), (87, False, 1),
    (88, False, 0), (92, False, 0), (93, False, 0), (97, False, 0), (100, False, 0),
    (83, True, 3), (84, True, 2), (85, True, 2), (86, True, 1), (87, True, 1),
    (88, True, 0), (92, True, 0), (93, True, 1), (94, True, 1), (95, True, 2), (96, True, 2),
    (97, True, 3), (100, True, 3),
]  # fmt: skip


@pytest.mark.parametrize(("spo2", "oxygen", "score"), SCALE_2_EDGES)
def test_spo2_scale_2_on_each_side_of_every_cut_off(spo2: int, oxygen: bool, score: int) -> None:
    result = news2(replace(NORMAL, spo2=spo2, supplemental_o2=oxygen, spo2_scale=2))
    assert result.parameter_scores["spo2"] == score
    assert result.parameter_scores["supplemental_o2"] == (2 if oxygen else 0)


def test_the_same_reading_scores_differently_on_each_scale() -> None:
    air_88 = replace(NORMAL, spo2=88)
    assert news2(air_88).total == 3 and news2(air_88).any_single_three
    assert news2(replace(air_88, spo2_scale=2)).total == 0
    oxygen_97 = replace(NORMAL, spo2=97, supplemental_o2=True)
    assert news2(oxygen_97).total == 2  # scale 1: 0 for SpO2, 2 for oxygen
    assert news2(replace(oxygen_97, spo2_scale=2)).total == 5


def test_an_unknown_spo2_scale_fails_loudly() -> None:
    with pytest.raises(ValueError, match="SpO2 scale"):
        news2(replace(NORMAL, spo2_scale=3))


@pytest.mark.parametrize(
    ("total", "single_three", "level", "urgent", "flag"),
    [
        (0, False, 0, False, None),
        (1, False, 1, False, None),
        (4, False, 1, False, None),
        (3, True, 2, True, "high"),
        (4, True, 2, True, "high"),
        (5, False, 3, True, "high"),
        (6, True, 3, True, "high"),
        (7, False, 4, True, "emergency"),
        (20, True, 4, True, "emergency"),
    ],
)
def test_response_levels_urgency_and_flags(
    total: int, single_three: bool, level: int, urgent: bool, flag: str | None
) -> None:
    response = news2_response(total, single_three)
    assert (response.level, response.urgent, response.flag_severity) == (level, urgent, flag)


@pytest.mark.parametrize(
    ("total", "single_three", "routine", "expected"),
    [(0, False, 240, 240), (4, False, 240, 240), (3, True, 240, 60), (5, False, 240, 60),
     (5, False, 30, 30), (7, False, 720, 60)],
)  # fmt: skip
def test_obs_interval_is_hourly_while_urgent(
    total: int, single_three: bool, routine: int, expected: int
) -> None:
    assert obs_interval_min(total, single_three, routine) == expected
