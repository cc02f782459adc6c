"""Standing severity and worsening: what a run of withdrawal scores calls for."""

from __future__ import annotations

import pytest

from models.clinical.scales import Band
from models.clinical.withdrawal import (
    STANDING_CIWA_AR_TOTAL,
    STANDING_CIWA_B_TOTAL,
    judge_worsening,
    standing_severity,
)


@pytest.mark.parametrize(
    ("total", "severity"),
    [(40, None), (41, "high"), (60, "high"), (61, "emergency"), (80, "emergency")],
)
def test_ciwa_b_standing_severity_at_the_default_threshold(
    total: int, severity: str | None
) -> None:
    found = standing_severity("CIWA-B", total, STANDING_CIWA_B_TOTAL)
    assert (found.severity if found else None) == severity


def test_a_lower_ward_threshold_flags_moderate_and_mild_at_their_levels() -> None:
    moderate = standing_severity("CIWA-B", 21, 15)
    mild = standing_severity("CIWA-B", 15, 15)
    assert moderate is not None and (moderate.band, moderate.severity) == (
        Band.MODERATE,
        "moderate",
    )
    assert mild is not None and (mild.band, mild.severity) == (Band.MILD, "low")
    assert standing_severity("CIWA-B", 14, 15) is None


@pytest.mark.parametrize(("total", "severity"), [(18, None), (19, "high"), (67, "high")])
def test_ciwa_ar_standing_severity(total: int, severity: str | None) -> None:
    found = standing_severity("CIWA-Ar", total, STANDING_CIWA_AR_TOTAL)
    assert (found.severity if found else None) == severity


def test_the_default_thresholds_are_the_severe_bands() -> None:
    assert STANDING_CIWA_B_TOTAL == 41 and STANDING_CIWA_AR_TOTAL == 19


@pytest.mark.parametrize(
    ("total", "band", "previous", "low", "expected"),
    [
        (25, "moderate", "mild", None, (True, False, "moderate")),  # up into moderate
        (15, "mild", "none", None, None),  # a rise below moderate is not worsening
        (30, "moderate", "moderate", None, None),  # same band
        (45, "severe", "moderate", None, (True, False, "high")),
        (20, "mild", "mild", 10, (False, True, "moderate")),  # +10 in the window
        (19, "mild", "mild", 10, None),  # +9
        (62, "very_severe", "severe", 50, (True, True, "high")),
    ],
)
def test_worsening_by_band_or_by_points(
    total: int, band: str, previous: str, low: int | None, expected: tuple[bool, bool, str] | None
) -> None:
    found = judge_worsening(
        total=total, band=band, previous_band=previous, window_low=low, points=10
    )
    assert (
        None if found is None else (found.band_rise, found.point_rise, found.severity)
    ) == expected


def test_no_previous_score_is_no_band_rise() -> None:
    assert (
        judge_worsening(total=45, band="severe", previous_band=None, window_low=None, points=10)
        is None
    )
