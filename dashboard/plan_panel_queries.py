"""The plan panel's read: the plan in force, its versions, the doses to come and the step
tolerance the panel shows beside them.

Each question is a few set-based queries, turned into the plain data the pure builders take.
Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from dashboard.admission_queries import (
    AdmissionView,
    PlanVersion,
    admission_plan,
    valid_rows,
)
from dashboard.mar_queries import mar_entries
from models.clinical.dose_timing import DoseStatus
from models.clinical.news2 import news2_response
from models.clinical.step_tolerance import StepTolerance, step_tolerance
from models.clinical.taper import PaceWarning, PlannedStep, pace_warnings
from models.going_home import going_home
from models.tables import (
    TaperPlan,
    VitalSigns,
    WithdrawalAssessment,
)
from models.ward_policy import step_policy
from models.ward_units import ward_units


@dataclass(frozen=True)
class PlanPanelData:
    view: AdmissionView
    versions: list[PlanVersion]
    plan: TaperPlan | None
    steps: list[PlannedStep]
    warnings: dict[int, PaceWarning]  # step index -> its pace warning
    tolerance: dict[int, StepTolerance]
    today: date
    units: dict[str, int]  # the ward's dispensable units (a new plan is made in them)
    # (drug, ug) of doses still to come that the ward's tablets cannot make (models.going_home)
    tablet_gaps: tuple[tuple[str, int], ...] = ()


def plan_panel_data(session: Session, admission_id: int, *, now: datetime) -> PlanPanelData | None:
    found = admission_plan(session, admission_id)
    if found is None:
        return None
    view, versions, active, steps = found
    end = view.admission.discharged_at or now
    tolerance: dict[int, StepTolerance] = {}
    if steps:
        earliest = datetime.combine(
            steps[0].start - timedelta(days=view.ward.step_window_days), time(0), view.tz
        )
        scores, abnormal = _scores_and_urgent_vitals(session, admission_id, since=earliest)
        entries = mar_entries(session, admission_id, view.ward, now=end, since=earliest)
        tolerance = step_tolerance(
            steps,
            scores=scores,
            prn_at=[m.administered_at for m in entries if m.status == "prn" and m.administered_at],
            abnormal_at=abnormal,
            missed_at=[
                m.scheduled_at
                for m in entries
                if m.status == DoseStatus.MISSED.value and m.scheduled_at is not None
            ],
            dose_times=[m.scheduled_at for m in entries if m.scheduled_at is not None],
            admitted_at=view.admission.admitted_at,
            policy=step_policy(view.ward),
            tz=view.tz,
            now=end,
        )
    return PlanPanelData(
        view=view,
        versions=versions,
        plan=active,
        steps=steps,
        warnings={w.step_index: w for w in pace_warnings(steps)},
        tolerance=tolerance,
        today=now.astimezone(view.tz).date(),
        units=ward_units(session, view.admission.ward_id),
        tablet_gaps=tuple(going_home(session, admission_id, now=now).unmakeable)
        if active is not None
        else (),
    )


def _scores_and_urgent_vitals(
    session: Session, admission_id: int, *, since: datetime
) -> tuple[list[tuple[datetime, int]], list[datetime]]:
    """CIWA-B (time, total) and the times of vital signs calling for urgent review since
    ``since``, oldest first: two column queries (a long stay has hundreds of each; ORM rows
    cost ten times the reading)."""
    connection = session.connection()
    scores = [
        (taken_at, total)
        for taken_at, total in connection.execute(
            sa_select(col(WithdrawalAssessment.taken_at), col(WithdrawalAssessment.total))
            .where(
                *valid_rows(WithdrawalAssessment, admission_id),
                col(WithdrawalAssessment.scale) == "CIWA-B",
                col(WithdrawalAssessment.taken_at) >= since,
            )
            .order_by(col(WithdrawalAssessment.taken_at))
        )
    ]
    urgent = [
        taken_at
        for taken_at, total, any_three in connection.execute(
            sa_select(
                col(VitalSigns.taken_at),
                col(VitalSigns.news2_total),
                col(VitalSigns.news2_any_three),
            )
            .where(*valid_rows(VitalSigns, admission_id), col(VitalSigns.taken_at) >= since)
            .order_by(col(VitalSigns.taken_at))
        )
        if news2_response(total, any_three).urgent
    ]
    return scores, urgent
