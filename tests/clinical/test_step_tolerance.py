"""How a started step was tolerated: which CIWA-B scores, PRN doses, abnormal vitals and missed
doses fall in the window before and after it (each edge), when a step takes effect (local
midnight, or the first dose after admission on the admission day), and which steps are judged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.clinical.step_tolerance import StepTolerance, step_tolerance
from models.clinical.taper import make_step
from models.clinical.tolerance import StepPolicy, StepVerdict

LONDON = ZoneInfo("Europe/London")  # British Summer Time in June: local midnight is 23:00 UTC
SECOND = timedelta(seconds=1)
POLICY = StepPolicy(window_days=3, margin_points=5, min_readings=2, prn_margin=2)
STEPS = [
    make_step(index=0, start=date(2026, 6, 1), daily_ug={"clonazepam": 2000}, kind="baseline"),
    make_step(index=4, start=date(2026, 6, 10), daily_ug={"clonazepam": 1750}, kind="cut"),
    make_step(index=5, start=date(2026, 6, 20), daily_ug={"clonazepam": 1500}, kind="cut"),
]


def bst(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=LONDON)


STEP_STARTS = bst(10, 0)  # local midnight of 10 June
WINDOW_FROM = bst(7, 0)  # 3 days before, local midnight
WINDOW_TO = bst(13, 0)  # 3 days after, local midnight
DOSES = [bst(d, h) for d in range(1, 25) for h in (8, 20)]
ADMITTED = bst(1, 9)
NOW = bst(15, 9)


def _judge(
    *,
    scores: Sequence[tuple[datetime, int]] = (),
    prn_at: Sequence[datetime] = (),
    abnormal_at: Sequence[datetime] = (),
    missed_at: Sequence[datetime] = (),
    dose_times: Sequence[datetime] = DOSES,
    admitted_at: datetime = ADMITTED,
    now: datetime = NOW,
) -> dict[int, StepTolerance]:
    return step_tolerance(
        STEPS,
        scores=scores,
        prn_at=prn_at,
        abnormal_at=abnormal_at,
        missed_at=missed_at,
        dose_times=dose_times,
        admitted_at=admitted_at,
        policy=POLICY,
        tz=LONDON,
        now=now,
    )


def test_each_window_includes_its_start_and_excludes_its_end() -> None:
    result = _judge(
        scores=[
            (WINDOW_FROM - SECOND, 100),  # before the window
            (WINDOW_FROM, 10),
            (STEP_STARTS - SECOND, 14),
            (STEP_STARTS, 20),
            (WINDOW_TO - SECOND, 30),
            (WINDOW_TO, 100),  # after the window
        ],
        prn_at=[WINDOW_FROM - SECOND, WINDOW_FROM, STEP_STARTS - SECOND, STEP_STARTS, WINDOW_TO],
        abnormal_at=[STEP_STARTS - SECOND, STEP_STARTS, WINDOW_TO - SECOND, WINDOW_TO],
        missed_at=[STEP_STARTS - SECOND, STEP_STARTS, WINDOW_TO],
    )
    assert set(result) == {4}  # not the baseline, not the step of 20 June (after now)
    step = result[4]
    assert step.step_index == 4
    assert step.starts_at == STEP_STARTS
    assert step.starts_at == datetime(2026, 6, 9, 23, tzinfo=ZoneInfo("UTC"))
    assert (step.before_mean, step.before_max) == (12.0, 14)
    assert (step.after_mean, step.after_max) == (25.0, 30)
    assert (step.prn_before, step.prn_after) == (2, 1)
    assert (step.abnormal_vitals, step.missed_doses) == (2, 1)
    assert step.rise == 13.0 and step.worse
    assert step.judgement.verdict is StepVerdict.NOT_TOLERATED
    assert step.judgement.severity == "high"
    assert step.judgement.reasons == ("CIWA-B mean 25 after, 12 before (+13; margin 5)",)


def test_prn_use_alone_is_judged_with_the_counts_of_each_window() -> None:
    result = _judge(prn_at=[STEP_STARTS, STEP_STARTS + SECOND, WINDOW_TO - SECOND])
    step = result[4]
    assert (step.prn_before, step.prn_after) == (0, 3)
    assert step.judgement.reasons == ("3 PRN doses after, 0 before",)
    assert step.judgement.severity == "moderate"


def test_a_step_with_nothing_charted_has_no_means_and_no_baseline() -> None:
    step = _judge()[4]
    assert (step.before_mean, step.before_max, step.after_mean, step.after_max) == (
        None,
        None,
        None,
        None,
    )
    assert (step.prn_before, step.prn_after, step.abnormal_vitals, step.missed_doses) == (
        0,
        0,
        0,
        0,
    )
    assert step.rise is None and not step.worse
    assert step.judgement.verdict is StepVerdict.NO_BASELINE


def test_a_step_is_judged_from_the_moment_it_takes_effect_not_before() -> None:
    assert set(_judge(now=STEP_STARTS)) == {4}
    assert _judge(now=STEP_STARTS - SECOND) == {}


def test_on_the_admission_day_a_step_takes_effect_at_the_first_dose_after_admission() -> None:
    admitted = bst(10, 14)
    # Unsorted, one dose before admission and one at its very minute.
    doses = [bst(10, 20), bst(11, 8), bst(10, 14), bst(10, 8)]
    result = _judge(admitted_at=admitted, dose_times=doses, scores=[(bst(10, 15), 9)])
    assert result[4].starts_at == admitted
    assert result[4].after_max == 9
    later = _judge(admitted_at=bst(10, 14, 1), dose_times=doses, scores=[(bst(10, 15), 9)])
    assert later[4].starts_at == bst(10, 20)
    # The score at 15:00 came before the step took effect.
    assert (later[4].before_max, later[4].after_max) == (9, None)


def test_on_the_admission_day_with_no_dose_scheduled_the_step_takes_effect_on_admission() -> None:
    result = _judge(admitted_at=bst(10, 14), dose_times=[bst(9, 20)])
    assert result[4].starts_at == bst(10, 14)
