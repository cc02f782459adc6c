"""Read-side queries for the patient page: its header, recent scores and vitals, the MAR's
slots, PRN doses, who charted what, and the taper step not tolerated. (The ward board's reads
are board_queries.py.)

Every function takes a session and plain values (``now`` included) and returns plain frozen
dataclasses; the page shapes them for the screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.admission_queries import admission_view
from dashboard.board_queries import TodaysDose, todays_doses
from models.clinical.tolerance import CHANGING_STEP_KINDS
from models.tables import (
    UNRESOLVED_FLAG_STATUSES,
    Admission,
    DoseAdministration,
    Flag,
    Patient,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)


@dataclass(frozen=True)
class PatientHeader:
    admission: Admission
    patient: Patient
    ward: Ward
    attending: str
    today: TodaysDose | None
    plan: TaperPlan | None


def patient_header(session: Session, admission_id: int, now: datetime) -> PatientHeader | None:
    """The identity banner's facts for one admission (two queries), or None if unknown."""
    view = admission_view(session, admission_id)
    if view is None:
        return None
    plan = session.exec(
        select(TaperPlan).where(
            TaperPlan.admission_id == admission_id, TaperPlan.status == "active"
        )
    ).first()
    # A discharged patient's dose is the one in force on the day of discharge.
    day = (view.admission.discharged_at or now).astimezone(view.tz).date()
    return PatientHeader(
        admission=view.admission,
        patient=view.patient,
        ward=view.ward,
        attending=view.attending,
        today=todays_doses(session, "admission", admission_id, day).get(admission_id),
        plan=plan,
    )


def recent_vitals(session: Session, admission_id: int, since: datetime) -> list[VitalSigns]:
    """Vitals taken since ``since``, newest first, entries in error included."""
    return list(
        session.exec(
            select(VitalSigns)
            .where(VitalSigns.admission_id == admission_id, col(VitalSigns.taken_at) >= since)
            .order_by(col(VitalSigns.taken_at).desc(), col(VitalSigns.id).desc())
        ).all()
    )


def recent_assessments(
    session: Session, admission_id: int, since: datetime
) -> list[WithdrawalAssessment]:
    """Withdrawal scores taken since ``since``, newest first, entries in error included."""
    return list(
        session.exec(
            select(WithdrawalAssessment)
            .where(
                WithdrawalAssessment.admission_id == admission_id,
                col(WithdrawalAssessment.taken_at) >= since,
            )
            .order_by(
                col(WithdrawalAssessment.taken_at).desc(), col(WithdrawalAssessment.id).desc()
            )
        ).all()
    )


@dataclass(frozen=True)
class MarSlot:
    """A scheduled dose and everything charted against it (the valid entry and any marked in
    error), oldest first."""

    slot: ScheduledDose
    administrations: tuple[DoseAdministration, ...]

    @property
    def valid(self) -> DoseAdministration | None:
        return next((a for a in self.administrations if not a.entered_in_error), None)


def mar_slots(session: Session, admission_id: int, start: datetime, end: datetime) -> list[MarSlot]:
    """Live MAR slots due in [start, end) with their administrations (two queries)."""
    slots = session.exec(
        select(ScheduledDose)
        .where(
            ScheduledDose.admission_id == admission_id,
            col(ScheduledDose.cancelled_at).is_(None),
            col(ScheduledDose.scheduled_at) >= start,
            col(ScheduledDose.scheduled_at) < end,
        )
        .order_by(col(ScheduledDose.scheduled_at), col(ScheduledDose.drug))
    ).all()
    ids = [s.id for s in slots if s.id is not None]
    charted: dict[int, list[DoseAdministration]] = defaultdict(list)
    if ids:
        for given in session.exec(
            select(DoseAdministration)
            .where(col(DoseAdministration.scheduled_dose_id).in_(ids))
            .order_by(col(DoseAdministration.charted_at), col(DoseAdministration.id))
        ).all():
            assert given.scheduled_dose_id is not None
            charted[given.scheduled_dose_id].append(given)
    return [MarSlot(s, tuple(charted.get(s.id or 0, ()))) for s in slots]


def _doses_newest_first(
    session: Session, admission_id: int, *conditions: ColumnElement[bool]
) -> list[DoseAdministration]:
    return list(
        session.exec(
            select(DoseAdministration)
            .where(DoseAdministration.admission_id == admission_id, *conditions)
            .order_by(col(DoseAdministration.administered_at).desc())
        ).all()
    )


def prn_doses(
    session: Session, admission_id: int, start: datetime, end: datetime
) -> list[DoseAdministration]:
    given_at = col(DoseAdministration.administered_at)
    return _doses_newest_first(
        session,
        admission_id,
        col(DoseAdministration.prn) == true(),
        given_at >= start,
        given_at < end,
    )


def administrations_since(
    session: Session, admission_id: int, since: datetime
) -> list[DoseAdministration]:
    """Every dose entry (scheduled and PRN, in error included) charted since ``since``."""
    return _doses_newest_first(
        session, admission_id, col(DoseAdministration.administered_at) >= since
    )


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        sa_select(col(User.id), col(User.display_name)).where(col(User.id).in_(wanted))
    ).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


@dataclass(frozen=True)
class UntoleratedStep:
    """A step whose step-not-tolerated flag is still unresolved, and the next cut after it."""

    step_start: date
    next_cut: date | None  # None: no later cut planned


def untolerated_step(session: Session, admission_id: int) -> UntoleratedStep | None:
    """The earliest step of the admission whose "step not tolerated" flag nobody has closed, and
    the start of the next cut after it in the active plan: the MAR marks that cut's doses."""
    subjects = session.exec(
        select(Flag.subject).where(
            col(Flag.admission_id) == admission_id,
            col(Flag.rule) == "step_not_tolerated",
            col(Flag.status).in_(UNRESOLVED_FLAG_STATUSES),
        )
    ).all()
    dates = sorted(
        date.fromisoformat(s.removeprefix("step:")) for s in subjects if s.startswith("step:")
    )
    if not dates:
        return None
    flagged = dates[0]
    next_cut = session.exec(
        select(func.min(TaperStep.start_date))
        .join(TaperPlan, col(TaperPlan.id) == col(TaperStep.plan_id))
        .where(
            col(TaperPlan.admission_id) == admission_id,
            col(TaperPlan.status) == "active",
            col(TaperStep.start_date) > flagged,
            col(TaperStep.kind).in_(CHANGING_STEP_KINDS),
        )
    ).first()
    return UntoleratedStep(flagged, next_cut)
