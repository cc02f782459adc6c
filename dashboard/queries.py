"""Read-side queries for the pages: a handful of set-based SQL queries per page, never a
per-patient loop (the ward board of 40 patients with a month of hourly vitals builds in a few
queries whatever the ward's size).

Every function takes a session and plain values (``now`` included) and returns plain frozen
dataclasses; the pages shape them for the screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, false, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import Session, col, select

from dashboard.flag_queries import open_flags_by_admission
from models.clinical.drugs import diazepam_equivalent_mg
from models.tables import (
    Admission,
    DoseAdministration,
    Patient,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)

# CIWA-B bands at or above which the ward's shorter reassessment interval applies
# (Ward.reassess_interval_moderate_min, local policy).
MODERATE_OR_WORSE = frozenset({"moderate", "severe", "very_severe"})


@dataclass(frozen=True)
class DoseOfDrug:
    drug: str
    daily_ug: int


@dataclass(frozen=True)
class TodaysDose:
    """The active plan's step in force today: one or two drugs (a crossover)."""

    doses: tuple[DoseOfDrug, ...]
    diazepam_eq_mg: float
    step_kind: str


@dataclass(frozen=True)
class Score:
    taken_at: datetime
    total: int
    band: str


@dataclass(frozen=True)
class SlotDue:
    scheduled_at: datetime
    drug: str
    dose_ug: int


@dataclass(frozen=True)
class BoardEntry:
    """One admitted patient on the ward board."""

    admission_id: int
    bed: str
    family_name: str
    given_name: str
    mrn: str
    admitted_at: datetime
    baseline_drug: str
    baseline_daily_ug: int
    today: TodaysDose | None
    last_ciwa: Score | None
    previous_ciwa: Score | None
    last_vitals: VitalSigns | None
    next_doses: tuple[SlotDue, ...]  # the earliest uncharted slot(s), one per drug
    next_assessment_due: datetime
    flags: FlagSummary


AdmissionIds = Select[int | None]


def _ward_admissions(ward_id: int) -> AdmissionIds:
    """The ids of the ward's current admissions, as a subquery."""
    return sa_select(col(Admission.id)).where(
        col(Admission.ward_id) == ward_id, col(Admission.discharged_at).is_(None)
    )


# A pure function of three small values, in exact fractions: the same few doses recur on
# every board refresh, so they are worked out once.
_diazepam_eq_mg = lru_cache(maxsize=4096)(diazepam_equivalent_mg)


def todays_doses(session: Session, admission_ids: AdmissionIds, day: date) -> dict[int, TodaysDose]:
    """Each admission's active-plan step in force on ``day`` (one query). The step numbers
    are grouped over these admissions' active plans only, so a ward's board does not read
    every plan of the hospital."""
    current = (
        select(TaperStep.plan_id, func.max(TaperStep.step_index).label("step_index"))
        .join(TaperPlan, col(TaperPlan.id) == col(TaperStep.plan_id))
        .where(
            TaperStep.start_date <= day,
            col(TaperPlan.status) == "active",
            col(TaperPlan.admission_id).in_(admission_ids),
        )
        .group_by(col(TaperStep.plan_id))
        .subquery()
    )
    rows = session.execute(
        sa_select(
            col(TaperPlan.admission_id),
            col(TaperPlan.equivalence_table),
            col(TaperStep.drug),
            col(TaperStep.daily_ug),
            col(TaperStep.kind),
        )
        .join(current, col(current.c.plan_id) == col(TaperPlan.id))
        .join(
            TaperStep,
            (col(TaperStep.plan_id) == col(TaperPlan.id))
            & (col(TaperStep.step_index) == current.c.step_index),
        )
        .where(col(TaperPlan.status) == "active", col(TaperPlan.admission_id).in_(admission_ids))
        .order_by(col(TaperPlan.admission_id), col(TaperStep.drug))
    ).all()
    grouped: dict[int, list[tuple[str, str, int, str]]] = defaultdict(list)
    for admission_id, table, drug, daily_ug, kind in rows:
        grouped[admission_id].append((table, drug, daily_ug, kind))
    out: dict[int, TodaysDose] = {}
    for admission_id, steps in grouped.items():
        doses = tuple(DoseOfDrug(drug, ug) for _, drug, ug, _ in steps if ug > 0)
        eq = sum(_diazepam_eq_mg(drug, ug, table) for table, drug, ug, _ in steps)
        out[admission_id] = TodaysDose(doses=doses, diazepam_eq_mg=eq, step_kind=steps[0][3])
    return out


def _latest_id(
    model: type[VitalSigns] | type[WithdrawalAssessment], offset: int
) -> ScalarSelect[int | None]:
    """Correlated subquery: the id of the admission's ``offset``-th latest valid entry; each is
    an index seek on (admission_id, taken_at), so the cost does not grow with history."""
    query = (
        sa_select(col(model.id))
        .where(col(model.admission_id) == col(Admission.id), col(model.entered_in_error).is_(False))
        .order_by(col(model.taken_at).desc(), col(model.id).desc())
        .limit(1)
        .offset(offset)
    )
    if model is WithdrawalAssessment:
        query = query.where(col(WithdrawalAssessment.scale) == "CIWA-B")
    return query.correlate(Admission).scalar_subquery()


def next_uncharted_doses(
    session: Session, admission_ids: AdmissionIds, since: datetime
) -> dict[int, tuple[SlotDue, ...]]:
    """Each admission's earliest live, uncharted MAR slots at or after ``since`` (one query):
    a crossover has two drugs at the same time, so every slot at that instant is returned.

    The earliest time is grouped once per admission (not re-computed for every slot), and only
    slots from ``since`` on are read, through the (admission_id, scheduled_at) index; "charted"
    is tested with ``= false``, the predicate of the partial unique index on the
    administrations, so each test is one index probe (PostgreSQL will not use that index for
    ``IS false``)."""

    def uncharted(slot_id: Any) -> ColumnElement[bool]:
        return ~(
            select(DoseAdministration.scheduled_dose_id)
            .where(
                col(DoseAdministration.scheduled_dose_id) == slot_id,
                col(DoseAdministration.entered_in_error) == false(),
            )
            .exists()
        )

    inner = ScheduledDose.__table__.alias("inner_slot")  # type: ignore[attr-defined]
    first = (
        sa_select(inner.c.admission_id, func.min(inner.c.scheduled_at).label("first_at"))
        .where(
            inner.c.admission_id.in_(admission_ids),
            inner.c.cancelled_at.is_(None),
            inner.c.scheduled_at >= since,
            uncharted(inner.c.id),
        )
        .group_by(inner.c.admission_id)
        .subquery("first_uncharted")
    )
    rows = session.exec(
        select(ScheduledDose)
        .join(
            first,
            (first.c.admission_id == col(ScheduledDose.admission_id))
            & (first.c.first_at == col(ScheduledDose.scheduled_at)),
        )
        .where(col(ScheduledDose.cancelled_at).is_(None), uncharted(col(ScheduledDose.id)))
        .order_by(col(ScheduledDose.admission_id), col(ScheduledDose.drug))
    ).all()
    out: dict[int, list[SlotDue]] = defaultdict(list)
    for slot in rows:
        out[slot.admission_id].append(SlotDue(slot.scheduled_at, slot.drug, slot.dose_ug))
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class FlagSummary:
    open: int
    acknowledged: int
    level: int  # the theme level of the most severe open flag (0 if none)


def flag_summaries(session: Session, ward_id: int) -> dict[int, FlagSummary]:
    """Each admission's unresolved review flags (the review queue's own query)."""
    out: dict[int, FlagSummary] = {}
    for admission_id, flags in open_flags_by_admission(session, ward_id).items():
        open_flags = [f for f in flags if f.status == "open"]
        out[admission_id] = FlagSummary(
            open=len(open_flags),
            acknowledged=len(flags) - len(open_flags),
            level=max((f.level for f in open_flags), default=0),
        )
    return out


NO_FLAGS = FlagSummary(open=0, acknowledged=0, level=0)


def assessment_due(last: Score | None, admitted_at: datetime, ward: Ward) -> datetime:
    """When the next CIWA-B is due: the ward's interval after the last one, the shorter
    interval when it was moderate or worse (local policy); at once if none yet."""
    if last is None:
        return admitted_at
    minutes = (
        ward.reassess_interval_moderate_min
        if last.band in MODERATE_OR_WORSE
        else ward.reassess_interval_min
    )
    return last.taken_at + timedelta(minutes=minutes)


def ward_board(
    session: Session, ward: Ward, now: datetime, dose_since: datetime
) -> list[BoardEntry]:
    """Every admitted patient of ``ward`` with what the board shows; four queries in all.
    ``dose_since``: uncharted doses before it are missed (the review queue's business), not
    "next"."""
    assert ward.id is not None
    ward_ids = _ward_admissions(ward.id)
    # The latest two CIWA-B scores and the latest vitals joined in (one round trip, not three):
    # each join is on a correlated index seek, so history length does not matter.
    last, previous = aliased(WithdrawalAssessment), aliased(WithdrawalAssessment)
    latest_vitals = aliased(VitalSigns)
    admitted = session.execute(
        sa_select(
            Admission,
            Patient,
            latest_vitals,
            col(last.taken_at),
            col(last.total),
            col(last.band),
            col(previous.taken_at),
            col(previous.total),
            col(previous.band),
        )
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .outerjoin(last, col(last.id) == _latest_id(WithdrawalAssessment, 0))
        .outerjoin(previous, col(previous.id) == _latest_id(WithdrawalAssessment, 1))
        .outerjoin(latest_vitals, col(latest_vitals.id) == _latest_id(VitalSigns, 0))
        .where(col(Admission.ward_id) == ward.id, col(Admission.discharged_at).is_(None))
        .order_by(col(Admission.bed))
    ).all()
    today = now.astimezone(ZoneInfo(ward.timezone)).date()
    doses_today = todays_doses(session, ward_ids, today)
    next_doses = next_uncharted_doses(session, ward_ids, dose_since)
    flags = flag_summaries(session, ward.id)
    entries: list[BoardEntry] = []
    for admission, patient, vitals, *ciwa in admitted:
        assert admission.id is not None
        last_score = Score(*ciwa[0:3]) if ciwa[0] is not None else None
        previous_score = Score(*ciwa[3:6]) if ciwa[3] is not None else None
        entries.append(
            BoardEntry(
                admission_id=admission.id,
                bed=admission.bed,
                family_name=patient.family_name,
                given_name=patient.given_name,
                mrn=patient.mrn,
                admitted_at=admission.admitted_at,
                baseline_drug=admission.baseline_drug,
                baseline_daily_ug=admission.baseline_daily_ug,
                today=doses_today.get(admission.id),
                last_ciwa=last_score,
                previous_ciwa=previous_score,
                last_vitals=vitals,
                next_doses=next_doses.get(admission.id, ()),
                next_assessment_due=assessment_due(last_score, admission.admitted_at, ward),
                flags=flags.get(admission.id, NO_FLAGS),
            )
        )
    return entries


# --- the patient page ---------------------------------------------------------------------


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
    found = session.execute(
        sa_select(Admission, Patient, Ward, User)
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(User, col(User.id) == col(Admission.attending_id))
        .where(col(Admission.id) == admission_id)
    ).first()
    if found is None:
        return None
    admission, patient, ward, attending = found
    plan = session.exec(
        select(TaperPlan).where(
            TaperPlan.admission_id == admission_id, TaperPlan.status == "active"
        )
    ).first()
    ids = sa_select(col(Admission.id)).where(col(Admission.id) == admission_id)
    # A discharged patient's dose is the one in force on the day of discharge.
    day = (admission.discharged_at or now).astimezone(ZoneInfo(ward.timezone)).date()
    return PatientHeader(
        admission=admission,
        patient=patient,
        ward=ward,
        attending=attending.display_name,
        today=todays_doses(session, ids, day).get(admission_id),
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


def prn_doses(
    session: Session, admission_id: int, start: datetime, end: datetime
) -> list[DoseAdministration]:
    return list(
        session.exec(
            select(DoseAdministration)
            .where(
                DoseAdministration.admission_id == admission_id,
                col(DoseAdministration.prn).is_(True),
                col(DoseAdministration.administered_at) >= start,
                col(DoseAdministration.administered_at) < end,
            )
            .order_by(col(DoseAdministration.administered_at).desc())
        ).all()
    )


def administrations_since(
    session: Session, admission_id: int, since: datetime
) -> list[DoseAdministration]:
    """Every dose entry (scheduled and PRN, in error included) charted since ``since``."""
    return list(
        session.exec(
            select(DoseAdministration)
            .where(
                DoseAdministration.admission_id == admission_id,
                col(DoseAdministration.administered_at) >= since,
            )
            .order_by(col(DoseAdministration.administered_at).desc())
        ).all()
    )


def user_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(
        sa_select(col(User.id), col(User.display_name)).where(col(User.id).in_(wanted))
    ).all()
    return {user_id: name for user_id, name in rows if user_id is not None}
