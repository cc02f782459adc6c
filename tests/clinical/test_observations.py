"""When the next CIWA-B and vital signs are due, and how an overdue one is read: the one
definition the board, the chart and the review rules share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.clinical.observations import (
    assessment_interval_min,
    assessment_overdue,
    due_at,
    is_overdue,
    vitals_interval_min,
    vitals_overdue,
)

T = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("band", "expected"),
    [(None, 240), ("none", 240), ("mild", 240), ("moderate", 120), ("severe", 120),
     ("very_severe", 120)],
)  # fmt: skip
def test_the_shorter_reassessment_interval_applies_from_moderate(
    band: str | None, expected: int
) -> None:
    assert assessment_interval_min(band, 240, 120) == expected


def test_vitals_are_hourly_while_news2_is_urgent_and_never_less_often_than_the_ward_asks() -> None:
    assert vitals_interval_min(None, False, 240) == 240
    assert vitals_interval_min(2, False, 240) == 240
    assert vitals_interval_min(3, True, 240) == 60
    assert vitals_interval_min(5, False, 240) == 60
    assert vitals_interval_min(5, False, 45) == 45


def test_the_first_reading_is_due_one_interval_after_admission() -> None:
    assert due_at(None, T, 240) == T + timedelta(hours=4)
    assert due_at(T + M, T, 60) == T + 61 * M


def test_a_reading_is_due_at_its_minute_and_overdue_after_it() -> None:
    assert not is_overdue(T, T) and is_overdue(T, T + timedelta(microseconds=1))


def test_an_overdue_ciwa_b_is_moderate_then_high_after_a_second_interval() -> None:
    kwargs = {"last_band": "mild", "admitted_at": T, "routine_min": 240, "shortened_min": 120}
    assert assessment_overdue(last_at=T, now=T + 240 * M, **kwargs) is None
    first = assessment_overdue(last_at=T, now=T + 241 * M, **kwargs)
    assert first is not None and first.severity == "moderate" and first.due == T + 240 * M
    assert first.evidence_at == first.due and not first.shortened
    second = assessment_overdue(last_at=T, now=T + 480 * M, **kwargs)
    assert second is not None and second.severity == "high" and second.evidence_at == T + 480 * M


def test_an_overdue_ciwa_b_after_a_raised_score_is_high_at_once() -> None:
    found = assessment_overdue(
        last_at=T,
        last_band="moderate",
        admitted_at=T,
        routine_min=240,
        shortened_min=120,
        now=T + 121 * M,
    )
    assert found is not None and found.severity == "high" and found.shortened
    assert found.interval_min == 120


def test_overdue_vitals_low_then_moderate_and_high_while_urgent() -> None:
    calm = {"news2_total": 1, "any_single_three": False, "admitted_at": T, "routine_min": 240}
    low = vitals_overdue(last_at=T, now=T + 241 * M, **calm)
    assert low is not None and low.severity == "low"
    moderate = vitals_overdue(last_at=T, now=T + 480 * M, **calm)
    assert moderate is not None and moderate.severity == "moderate"
    urgent = vitals_overdue(
        last_at=T, news2_total=5, any_single_three=False, admitted_at=T, routine_min=240,
        now=T + 61 * M,
    )  # fmt: skip
    assert urgent is not None and urgent.severity == "high" and urgent.interval_min == 60
    assert vitals_overdue(last_at=None, news2_total=None, any_single_three=False,
                          admitted_at=T, routine_min=240, now=T + 240 * M) is None  # fmt: skip
