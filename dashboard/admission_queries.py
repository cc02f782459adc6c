"""An admission's reads that several pages share: who and where, its plan's versions, the
drugs and steps the plan gives, and the doses given (the total load).

Each question is a few set-based queries, turned into the plain data the pure builders take.
Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.components.taper_chart_data import DoseStep
from models.clinical.drugs import DEFAULT_TABLE
from models.clinical.load import DailyLoad, GivenDose, daily_loads
from models.clinical.taper import PlannedStep
from models.plans import stored_steps
from models.tables import (
    Admission,
    DoseAdministration,
    Patient,
    TaperPlan,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)


def valid_rows(
    record: type[VitalSigns | WithdrawalAssessment | DoseAdministration], admission_id: int
) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a charted record being the admission's and not entered in error
    ("= false", as the partial indexes are declared)."""
    return (col(record.admission_id) == admission_id, col(record.entered_in_error) == false())


# --- the admission and its plan --------------------------------------------------------------


@dataclass(frozen=True)
class AdmissionView:
    admission: Admission
    patient: Patient
    ward: Ward
    attending: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.ward.timezone)

    @property
    def name(self) -> str:
        return f"{self.patient.family_name.upper()}, {self.patient.given_name}"


def admission_view(session: Session, admission_id: int) -> AdmissionView | None:
    row = session.exec(
        select(Admission, Patient, Ward, User)
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(User, col(User.id) == col(Admission.attending_id))
        .where(col(Admission.id) == admission_id)
    ).first()
    if row is None:
        return None
    admission, patient, ward, attending = row
    return AdmissionView(admission, patient, ward, attending.display_name)


@dataclass(frozen=True)
class PlanVersion:
    plan: TaperPlan
    author: str


def plan_versions(session: Session, admission_id: int) -> list[PlanVersion]:
    """Every version of the admission's plan, newest first, with its author's name."""
    rows = session.exec(
        select(TaperPlan, User)
        .join(User, col(User.id) == col(TaperPlan.author_id))
        .where(col(TaperPlan.admission_id) == admission_id)
        .order_by(col(TaperPlan.version).desc())
    ).all()
    return [PlanVersion(plan, user.display_name) for plan, user in rows]


class AdmissionPlan(NamedTuple):
    view: AdmissionView
    versions: list[PlanVersion]  # newest first
    active: TaperPlan | None  # the version in force
    steps: list[PlannedStep]  # the version in force's; none without one


def admission_plan(session: Session, admission_id: int) -> AdmissionPlan | None:
    """The admission with every version of its plan, the one in force and its steps (the
    chart and the plan panel start from them); None when there is no such admission."""
    view = admission_view(session, admission_id)
    if view is None:
        return None
    versions = plan_versions(session, admission_id)
    active = next((v.plan for v in versions if v.plan.status == "active"), None)
    steps = stored_steps(session, active) if active is not None else []
    return AdmissionPlan(view, versions, active, steps)


def plan_drugs(plan: TaperPlan | None, admission: Admission) -> tuple[str, ...]:
    if plan is None:
        return (admission.baseline_drug,)
    return (plan.drug,) if plan.to_drug is None else (plan.drug, plan.to_drug)


def dose_steps(steps: Iterable[PlannedStep]) -> list[DoseStep]:
    return [
        DoseStep(
            index=s.index,
            start=s.start,
            daily_mg={drug: ug / 1000 for drug, ug in s.daily_ug.items()},
            diazepam_eq_mg=s.diazepam_eq_mg,
            kind=s.kind,
        )
        for s in steps
    ]


# --- the total load -----------------------------------------------------------------------------


def given_doses(
    session: Session, ids: Sequence[int], *, since: datetime, until: datetime, tz: ZoneInfo
) -> dict[int, list[GivenDose]]:
    """Every dose given (scheduled and PRN, not in error) to these admissions in the span, by
    admission, each on its ward-local day: one query."""
    rows = (
        session.connection()
        .execute(
            sa_select(
                col(DoseAdministration.admission_id),
                col(DoseAdministration.administered_at),
                col(DoseAdministration.drug),
                col(DoseAdministration.dose_ug),
                col(DoseAdministration.prn),
            ).where(
                col(DoseAdministration.admission_id).in_(list(ids)),
                col(DoseAdministration.status) == "given",
                col(DoseAdministration.entered_in_error) == false(),
                col(DoseAdministration.administered_at) >= since,
                col(DoseAdministration.administered_at) < until,
            )
        )
        .all()
    )
    out: dict[int, list[GivenDose]] = defaultdict(list)
    for admission_id, at, drug, ug, prn in rows:
        out[admission_id].append(GivenDose(at.astimezone(tz).date(), drug, ug, bool(prn)))
    return out


def admission_loads(
    session: Session, view: AdmissionView, plan: TaperPlan | None, *, now: datetime
) -> list[DailyLoad]:
    """The admission's load per ward-local day, from admission to today (or discharge), by
    the active plan's equivalence table."""
    admission = view.admission
    assert admission.id is not None
    end = admission.discharged_at or now
    first = admission.admitted_at.astimezone(view.tz).date()
    last = end.astimezone(view.tz).date()
    since = datetime.combine(first, time(0), view.tz)
    doses = given_doses(
        session, [admission.id], since=since, until=end + timedelta(seconds=1), tz=view.tz
    )
    table = plan.equivalence_table if plan is not None else DEFAULT_TABLE
    return daily_loads(doses.get(admission.id, []), first=first, last=last, table=table)
