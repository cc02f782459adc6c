"""One 0-4 level for bands, the NEWS2 response and flags: what a colour means everywhere."""

from __future__ import annotations

from models.clinical.levels import (
    FLAG_SEVERITIES,
    LEVEL_SEVERITY,
    SEVERITY_LEVEL,
    band_level,
    news2_level,
    severity_level,
    worst,
)


def test_band_levels() -> None:
    names = ("none", "mild", "moderate", "severe", "very_severe")
    assert [band_level(b) for b in names] == [0, 1, 2, 3, 4]
    assert band_level(None) == 0 and band_level("nonsense") == 0


def test_news2_levels_follow_the_response() -> None:
    assert [news2_level(t, False) for t in (0, 1, 4, 5, 6, 7, 20)] == [0, 1, 1, 3, 3, 4, 4]
    assert news2_level(3, True) == 2 and news2_level(5, True) == 3


def test_flag_severities_and_levels() -> None:
    assert FLAG_SEVERITIES == ("low", "moderate", "high", "emergency")
    assert SEVERITY_LEVEL == {"low": 1, "moderate": 2, "high": 3, "emergency": 4}
    assert LEVEL_SEVERITY == {1: "low", 2: "moderate", 3: "high", 4: "emergency"}
    assert severity_level(None) == 0 and severity_level("emergency") == 4
    assert worst(["low", "emergency", "high"]) == "emergency" and worst([]) is None


def test_a_band_a_response_and_a_flag_of_the_same_level_share_it() -> None:
    # Severe band, NEWS2 5-6 and a high flag are one colour on every page.
    assert band_level("severe") == news2_level(5, False) == severity_level("high") == 3
    assert band_level("very_severe") == news2_level(7, False) == severity_level("emergency") == 4
