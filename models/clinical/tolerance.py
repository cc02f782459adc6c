"""Was a taper step tolerated? One definition for the review rule, the plan panel, the rounds page
and the MAR.

After every cut, check for withdrawal and slow or pause when it is significant [S16]; symptoms
may take up to a week to show after a cut [S22] (the ward's window, default 7 days). A step is
judged on the CIWA-B scores of the window before it and of the window after it, and on the PRN
doses given in each: ASAM asks to watch withdrawal, and a patient asking for more as-needed
doses after a cut is withdrawal showing. The margins and the minimum number of scores are
LOCAL POLICY (the ward's settings): no source gives a number.

When a step takes effect: at ward-local midnight of its start date; but a step starting on the
day of admission (the patient arrived after that midnight) takes effect at its first dose after
admission, so the scores charted between admission and that dose are its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.clinical.sources import ClinicalNumber

# Steps that change what the patient takes; after a hold or a go-back the physician has acted.
CHANGING_STEP_KINDS = ("cut", "final", "crossover")


class StepVerdict(StrEnum):
    NOT_STARTED = "not_started"  # the step is in the future
    NO_BASELINE = "no_baseline"  # too few scores before the step to compare with
    TOO_EARLY = "too_early"  # too few scores after it yet
    TOLERATED = "tolerated"
    NOT_TOLERATED = "not_tolerated"

    @property
    def label(self) -> str:
        return _VERDICT_LABELS[self]


_VERDICT_LABELS = {
    StepVerdict.NOT_STARTED: "Not started",
    StepVerdict.NO_BASELINE: "No baseline",
    StepVerdict.TOO_EARLY: "Too early to judge",
    StepVerdict.TOLERATED: "Tolerated",
    StepVerdict.NOT_TOLERATED: "Not tolerated",
}


@dataclass(frozen=True)
class StepPolicy:
    """A ward's step-tolerance settings (local policy)."""

    window_days: int = 7  # [S22]: symptoms may take up to a week after a cut
    margin_points: int = 5  # CIWA-B mean rise that counts as significant
    min_readings: int = 2  # scores needed on each side before the means are compared
    prn_margin: int = 2  # more PRN doses after the step than before that counts


@dataclass(frozen=True)
class StepEvidence:
    """What was charted in the window before a step and in the window after it."""

    before_n: int
    before_mean: float | None
    after_n: int
    after_mean: float | None
    prn_before: int = 0
    prn_after: int = 0


@dataclass(frozen=True)
class StepJudgement:
    verdict: StepVerdict
    rise: float | None  # CIWA-B mean after minus before (None unless both sides have scores)
    prn_rise: int  # PRN doses after minus before
    severity: str | None  # the review flag's severity when not tolerated
    reasons: tuple[str, ...]  # why, in words ("CIWA-B mean 32 after, 18 before (+14)")


def judge_step(evidence: StepEvidence, policy: StepPolicy) -> StepJudgement:
    """Not tolerated when the CIWA-B mean rose by the margin (with enough scores on each side)
    or PRN use rose by the PRN margin; high when the mean rose by twice the margin."""
    e = evidence
    rise = None
    if e.before_mean is not None and e.after_mean is not None and e.before_n and e.after_n:
        rise = e.after_mean - e.before_mean
    scores_judged = e.before_n >= policy.min_readings and e.after_n >= policy.min_readings
    scores_worse = scores_judged and rise is not None and rise >= policy.margin_points
    prn_rise = e.prn_after - e.prn_before
    prn_worse = prn_rise >= policy.prn_margin
    reasons: list[str] = []
    if scores_worse:
        assert rise is not None and e.after_mean is not None and e.before_mean is not None
        reasons.append(
            f"CIWA-B mean {e.after_mean:.0f} after, {e.before_mean:.0f} before (+{rise:.0f}; "
            f"margin {policy.margin_points})"
        )
    if prn_worse:
        reasons.append(f"{e.prn_after} PRN doses after, {e.prn_before} before")
    if reasons:
        high = scores_worse and rise is not None and rise >= 2 * policy.margin_points
        return StepJudgement(
            StepVerdict.NOT_TOLERATED,
            rise,
            prn_rise,
            "high" if high else "moderate",
            tuple(reasons),
        )
    if e.before_n < policy.min_readings:
        verdict = StepVerdict.NO_BASELINE
    elif e.after_n < policy.min_readings:
        verdict = StepVerdict.TOO_EARLY
    else:
        verdict = StepVerdict.TOLERATED
    return StepJudgement(verdict, rise, prn_rise, None, ())


def step_takes_effect(
    start_date_midnight: datetime,
    admitted_at: datetime,
    first_dose_after_admission: datetime | None,
) -> datetime:
    """The instant a step takes effect (see the module's docstring): its start date's local
    midnight, or, for a step starting on the day of admission, its first dose after admission
    (the admission itself if no dose is scheduled)."""
    if admitted_at <= start_date_midnight:
        return start_date_midnight
    return first_dose_after_admission or admitted_at


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The ward-local midnight starting ``day``, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=tz)


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Step tolerance: days compared before and after a step (default)",
        f"{StepPolicy().window_days} days",
        ("S22",),
    ),
    ClinicalNumber(
        "Step not tolerated (defaults)",
        f"CIWA-B mean up {StepPolicy().margin_points} points with {StepPolicy().min_readings} "
        f"scores each side, or {StepPolicy().prn_margin} more PRN doses",
        ("S16",),
        "Local policy: ASAM says to slow or pause when withdrawal after a cut is significant; "
        "no source gives a number.",
    ),
)
