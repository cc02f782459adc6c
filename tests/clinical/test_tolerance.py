"""Step tolerance: the one definition of "not tolerated" (scores and PRN use), and when a step
takes effect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.clinical.tolerance import (
    StepEvidence,
    StepPolicy,
    StepVerdict,
    judge_step,
    step_takes_effect,
)

POLICY = StepPolicy(window_days=7, margin_points=5, min_readings=2, prn_margin=2)


def _evidence(before: list[int], after: list[int], prn: tuple[int, int] = (0, 0)) -> StepEvidence:
    return StepEvidence(
        before_n=len(before),
        before_mean=sum(before) / len(before) if before else None,
        after_n=len(after),
        after_mean=sum(after) / len(after) if after else None,
        prn_before=prn[0],
        prn_after=prn[1],
    )


@pytest.mark.parametrize(
    ("before", "after", "verdict", "severity"),
    [
        ([10, 10], [14, 14], StepVerdict.TOLERATED, None),  # +4 < 5
        ([10, 10], [15, 15], StepVerdict.NOT_TOLERATED, "moderate"),  # +5: the margin
        ([10, 10], [19, 19], StepVerdict.NOT_TOLERATED, "moderate"),  # +9
        ([10, 10], [20, 20], StepVerdict.NOT_TOLERATED, "high"),  # +10: twice the margin
        ([10], [30, 30], StepVerdict.NO_BASELINE, None),  # one score before: no trend
        ([], [30, 30], StepVerdict.NO_BASELINE, None),
        ([10, 10], [30], StepVerdict.TOO_EARLY, None),  # one score after
        ([10, 10], [], StepVerdict.TOO_EARLY, None),
    ],
)
def test_scores_on_both_sides_of_the_margin(
    before: list[int], after: list[int], verdict: StepVerdict, severity: str | None
) -> None:
    judged = judge_step(_evidence(before, after), POLICY)
    assert (judged.verdict, judged.severity) == (verdict, severity)
    assert bool(judged.reasons) == (verdict is StepVerdict.NOT_TOLERATED)


def test_the_rise_is_reported_even_when_too_few_scores_allow_no_verdict() -> None:
    judged = judge_step(_evidence([10], [30]), POLICY)
    assert judged.rise == 20 and judged.verdict is StepVerdict.NO_BASELINE


@pytest.mark.parametrize(
    ("prn", "verdict"),
    [((0, 1), StepVerdict.TOLERATED), ((0, 2), StepVerdict.NOT_TOLERATED),
     ((3, 4), StepVerdict.TOLERATED), ((3, 5), StepVerdict.NOT_TOLERATED),
     ((4, 0), StepVerdict.TOLERATED)],
)  # fmt: skip
def test_rising_prn_use_is_evidence_of_a_step_not_tolerated(
    prn: tuple[int, int], verdict: StepVerdict
) -> None:
    judged = judge_step(_evidence([10, 10], [10, 10], prn), POLICY)
    assert judged.verdict is verdict and judged.prn_rise == prn[1] - prn[0]
    if verdict is StepVerdict.NOT_TOLERATED:
        assert judged.severity == "moderate"
        assert judged.reasons == (f"{prn[1]} PRN doses after, {prn[0]} before",)


def test_prn_use_judges_a_step_even_without_a_score_baseline() -> None:
    judged = judge_step(_evidence([], [25, 25], (0, 3)), POLICY)
    assert judged.verdict is StepVerdict.NOT_TOLERATED


def test_the_wards_minimum_readings_are_used() -> None:
    policy = StepPolicy(margin_points=5, min_readings=3)
    assert judge_step(_evidence([10, 10], [20, 20, 20]), policy).verdict is StepVerdict.NO_BASELINE
    assert judge_step(_evidence([10] * 3, [20] * 3), policy).verdict is StepVerdict.NOT_TOLERATED
    one = StepPolicy(margin_points=5, min_readings=1)
    assert judge_step(_evidence([10], [20]), one).verdict is StepVerdict.NOT_TOLERATED


MIDNIGHT = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)


def test_a_step_takes_effect_at_midnight_unless_it_starts_on_the_day_of_admission() -> None:
    earlier = MIDNIGHT - timedelta(days=3)
    first_dose = MIDNIGHT + timedelta(hours=20)
    assert step_takes_effect(MIDNIGHT, earlier, first_dose) == MIDNIGHT
    assert step_takes_effect(MIDNIGHT, MIDNIGHT, first_dose) == MIDNIGHT
    admitted = MIDNIGHT + timedelta(hours=10)
    assert step_takes_effect(MIDNIGHT, admitted, first_dose) == first_dose
    assert step_takes_effect(MIDNIGHT, admitted, None) == admitted


def test_verdicts_have_words_for_the_ward() -> None:
    assert [v.label for v in StepVerdict] == [
        "Not started",
        "No baseline",
        "Too early to judge",
        "Tolerated",
        "Not tolerated",
    ]
