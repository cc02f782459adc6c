"""How each started step of a plan was tolerated: the CIWA-B scores and PRN doses of the window
before it and after it, and the verdict of the step rule (models.clinical.tolerance). Pure: the
patient page, the discharge summary and the FHIR export give it what was charted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.clinical.taper import PlannedStep
from models.clinical.tolerance import (
    StepEvidence,
    StepJudgement,
    StepPolicy,
    StepVerdict,
    judge_step,
    local_midnight,
    step_takes_effect,
)


@dataclass(frozen=True)
class StepTolerance:
    """How a step was tolerated (models.clinical.tolerance, the review rule's definition): the
    CIWA-B scores and PRN doses of the window before it and after it, the verdict, and what
    else happened after it."""

    step_index: int
    starts_at: datetime  # when the step took effect (its first dose, on the admission day)
    before_mean: float | None
    before_max: int | None
    after_mean: float | None
    after_max: int | None
    prn_before: int
    prn_after: int
    abnormal_vitals: int  # NEWS2 urgent (models.clinical.news2) after the step
    missed_doses: int  # scheduled doses not charted within the window after the step
    judgement: StepJudgement

    @property
    def rise(self) -> float | None:
        return self.judgement.rise

    @property
    def worse(self) -> bool:
        return self.judgement.verdict is StepVerdict.NOT_TOLERATED


def step_tolerance(
    steps: Sequence[PlannedStep],
    *,
    scores: Sequence[tuple[datetime, int]],
    prn_at: Sequence[datetime],
    abnormal_at: Sequence[datetime],
    missed_at: Sequence[datetime],
    dose_times: Sequence[datetime],
    admitted_at: datetime,
    policy: StepPolicy,
    tz: ZoneInfo,
    now: datetime,
) -> dict[int, StepTolerance]:
    """Per started step (not the baseline): its evidence and verdict. A step takes effect at
    ward-local midnight of its start date, or at its first dose after admission when it starts
    on the day of admission (models.clinical.tolerance.step_takes_effect), as in the rule."""
    out: dict[int, StepTolerance] = {}
    span = timedelta(days=policy.window_days)
    after_admission = sorted(t for t in dose_times if t >= admitted_at)
    for step in steps:
        if step.kind == "baseline":
            continue
        midnight = local_midnight(step.start, tz)
        start = step_takes_effect(
            midnight, admitted_at, after_admission[0] if after_admission else None
        )
        if start > now:
            continue
        window_from = local_midnight(step.start - span, tz)
        window_to = local_midnight(step.start + span, tz)
        before = [t for at, t in scores if window_from <= at < start]
        after = [t for at, t in scores if start <= at < window_to]
        evidence = StepEvidence(
            before_n=len(before),
            before_mean=sum(before) / len(before) if before else None,
            after_n=len(after),
            after_mean=sum(after) / len(after) if after else None,
            prn_before=sum(1 for at in prn_at if window_from <= at < start),
            prn_after=sum(1 for at in prn_at if start <= at < window_to),
        )
        out[step.index] = StepTolerance(
            step_index=step.index,
            starts_at=start,
            before_mean=evidence.before_mean,
            before_max=max(before) if before else None,
            after_mean=evidence.after_mean,
            after_max=max(after) if after else None,
            prn_before=evidence.prn_before,
            prn_after=evidence.prn_after,
            abnormal_vitals=sum(1 for at in abnormal_at if start <= at < window_to),
            missed_doses=sum(1 for at in missed_at if start <= at < window_to),
            judgement=judge_step(evidence, policy),
        )
    return out
