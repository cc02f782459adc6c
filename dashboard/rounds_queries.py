"""The rounds page's read: one summary per patient on the ward, in a few set-based queries
(one per kind of record, never one per patient; the scores and vital signs since the last note
are rounds_readings.py). Its column reads are measured (bench): change them only with the bench
beside you.

Each question is a few set-based queries, turned into the plain data the pure builders take.
Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import false, func
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from dashboard.admission_queries import given_doses
from dashboard.rounds_readings import CiwaSince, ciwa_b_since, vitals_since
from models.clinical.dose_timing import AdministrationFact, DoseStatus, dose_status
from models.clinical.drugs import DEFAULT_TABLE
from models.clinical.load import DailyLoad, daily_loads
from models.clinical.taper import PlannedStep, step_on
from models.co_medications import DepressantWarning, depressant_warning
from models.plans import stored_steps
from models.prn_orders import in_force
from models.tables import (
    Admission,
    CoMedication,
    DoseAdministration,
    Flag,
    Patient,
    PrnOrder,
    RoundsNote,
    ScheduledDose,
    TaperPlan,
    User,
    VitalSigns,
    Ward,
)
from models.ward_policy import slot_window_min

LOAD_DAYS = 7  # the rounds card's load: today and the six days before


# --- rounds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundsSummary:
    """One patient at rounds: what happened since the last signed rounds note."""

    admission_id: int
    bed: str
    name: str
    mrn: str
    attending_id: int
    attending: str
    admitted_at: datetime
    since: datetime  # the last signed note, or the admission
    last_note: RoundsNote | None
    last_note_author: str | None
    plan: TaperPlan | None
    steps: list[PlannedStep]
    current_step: PlannedStep | None
    next_step: PlannedStep | None
    scores: CiwaSince | None  # CIWA-B since, None when no score since
    highest_news2: VitalSigns | None
    abnormal_vitals: int
    doses_planned: int
    doses_given: int
    doses_not_given: dict[str, int]  # status -> count (held, refused, not given, missed)
    open_flags: list[Flag]
    loads: list[DailyLoad] = field(default_factory=list)  # the last LOAD_DAYS days, today last
    prn_orders: list[PrnOrder] = field(default_factory=list)  # in force now
    depressants: DepressantWarning | None = None  # other CNS depressants (models.co_medications)


def rounds_summaries(
    session: Session,
    ward: Ward,
    *,
    now: datetime,
    attending_id: int | None = None,
    admission_id: int | None = None,
) -> list[RoundsSummary]:
    """Every admitted patient of the ward (or of one attending), in bed order: eight queries
    whatever the number of patients."""
    attending = aliased(User)
    query = (
        select(Admission, Patient, attending)
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .join(attending, col(attending.id) == col(Admission.attending_id))
        .where(col(Admission.ward_id) == ward.id, col(Admission.discharged_at).is_(None))
        .order_by(col(Admission.bed))
    )
    if attending_id is not None:
        query = query.where(col(Admission.attending_id) == attending_id)
    if admission_id is not None:
        query = query.where(col(Admission.id) == admission_id)
    admitted = sorted(session.exec(query), key=lambda row: bed_order(row[0].bed))
    ids = [adm.id for adm, _, _ in admitted if adm.id is not None]
    if not ids:
        return []
    tz = ZoneInfo(ward.timezone)
    notes = _last_notes(session, ids)
    since: dict[int, datetime] = {
        adm.id: notes[adm.id][0].signed_at if adm.id in notes else adm.admitted_at
        for adm, _, _ in admitted
        if adm.id is not None
    }
    plans = {
        p.admission_id: p
        for p in session.exec(
            select(TaperPlan).where(
                col(TaperPlan.admission_id).in_(ids), col(TaperPlan.status) == "active"
            )
        )
    }
    steps_by_plan = _steps_of(session, list(plans.values()))
    # Columns, not rows: a month's stay is hundreds of scores and readings per patient, and only
    # these columns are used (the highest NEWS2's full reading is read once).
    scores = ciwa_b_since(session, ids, since)
    highest, abnormal = vitals_since(session, ids, since)
    planned, given, not_given = _dose_counts(session, ids, since, ward, now)
    open_flags: dict[int, list[Flag]] = defaultdict(list)
    for f in session.exec(
        select(Flag)
        .where(col(Flag.admission_id).in_(ids), col(Flag.status) != "resolved")
        .order_by(col(Flag.raised_at).desc())
    ):
        open_flags[f.admission_id].append(f)
    today = now.astimezone(tz).date()
    first_load_day = today - timedelta(days=LOAD_DAYS - 1)
    given_by_admission = given_doses(
        session,
        ids,
        since=datetime.combine(first_load_day, time(0), tz),
        until=now + timedelta(seconds=1),
        tz=tz,
    )
    orders: dict[int, list[PrnOrder]] = defaultdict(list)
    for order in session.exec(
        select(PrnOrder)
        .where(col(PrnOrder.admission_id).in_(ids), col(PrnOrder.status) == "active")
        .order_by(col(PrnOrder.start_at))
    ):
        if in_force(order, now):
            orders[order.admission_id].append(order)
    depressants: dict[int, list[CoMedication]] = defaultdict(list)
    for row in session.exec(
        select(CoMedication)
        .where(col(CoMedication.admission_id).in_(ids), col(CoMedication.stopped_at).is_(None))
        .order_by(col(CoMedication.id))
    ):
        depressants[row.admission_id].append(row)
    out = []
    for adm, patient, doctor in admitted:
        assert adm.id is not None
        plan = plans.get(adm.id)
        steps = steps_by_plan.get(plan.id, []) if plan is not None and plan.id else []
        current = step_on(steps, today) if steps else None
        later = [s for s in steps if s.start > today]
        note = notes.get(adm.id)
        out.append(
            RoundsSummary(
                admission_id=adm.id,
                bed=adm.bed,
                name=f"{patient.family_name.upper()}, {patient.given_name}",
                mrn=patient.mrn,
                attending_id=adm.attending_id,
                attending=doctor.display_name,
                admitted_at=adm.admitted_at,
                since=since[adm.id],
                last_note=note[0] if note else None,
                last_note_author=note[1] if note else None,
                plan=plan,
                steps=steps,
                current_step=current,
                next_step=later[0] if later else None,
                scores=scores.get(adm.id),
                highest_news2=highest.get(adm.id),
                abnormal_vitals=abnormal[adm.id],
                doses_planned=planned[adm.id],
                doses_given=given[adm.id],
                doses_not_given=dict(not_given[adm.id]),
                open_flags=open_flags[adm.id],
                loads=daily_loads(
                    given_by_admission.get(adm.id, []),
                    first=first_load_day,
                    last=today,
                    table=plan.equivalence_table if plan is not None else DEFAULT_TABLE,
                ),
                prn_orders=orders[adm.id],
                depressants=depressant_warning(depressants[adm.id], adm.naloxone),
            )
        )
    return out


def bed_order(bed: str) -> tuple[str, int, str]:
    """Beds in ward order: B2 before B10."""
    digits = "".join(ch for ch in bed if ch.isdigit())
    prefix = bed.split(digits, 1)[0] if digits else bed
    return (prefix, int(digits) if digits else 0, bed)


def _last_notes(session: Session, ids: list[int]) -> dict[int, tuple[RoundsNote, str]]:
    latest = (
        select(
            col(RoundsNote.admission_id).label("admission_id"),
            func.max(RoundsNote.signed_at).label("signed_at"),
        )
        .where(col(RoundsNote.admission_id).in_(ids))
        .group_by(col(RoundsNote.admission_id))
        .subquery()
    )
    rows = session.exec(
        select(RoundsNote, User)
        .join(
            latest,
            (latest.c.admission_id == col(RoundsNote.admission_id))
            & (latest.c.signed_at == col(RoundsNote.signed_at)),
        )
        .join(User, col(User.id) == col(RoundsNote.author_id))
        .order_by(col(RoundsNote.id))
    )
    return {note.admission_id: (note, user.display_name) for note, user in rows}


def _steps_of(session: Session, plans: list[TaperPlan]) -> dict[int, list[PlannedStep]]:
    """Each plan's steps. stored_steps reads one plan; a ward has one active plan per patient,
    so this is one small query per plan (steps are a dozen rows)."""
    return {plan.id: stored_steps(session, plan) for plan in plans if plan.id is not None}


def _dose_counts(
    session: Session, ids: list[int], since: dict[int, datetime], ward: Ward, now: datetime
) -> tuple[dict[int, int], dict[int, int], dict[int, dict[str, int]]]:
    """Scheduled doses due since each admission's ``since`` (and due by now): how many, how
    many given, and what became of the others."""
    earliest = min(since.values())
    planned: dict[int, int] = defaultdict(int)
    given: dict[int, int] = defaultdict(int)
    not_given: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    da = aliased(DoseAdministration)
    rows = session.connection().execute(
        sa_select(
            col(ScheduledDose.admission_id),
            col(ScheduledDose.scheduled_at),
            col(ScheduledDose.doses_per_day),
            col(da.id),
            col(da.status),
            col(da.administered_at),
        )
        .outerjoin(
            da,
            (col(da.scheduled_dose_id) == col(ScheduledDose.id))
            & (col(da.entered_in_error) == false()),
        )
        .where(
            col(ScheduledDose.admission_id).in_(ids),
            col(ScheduledDose.cancelled_at).is_(None),
            col(ScheduledDose.scheduled_at) >= earliest,
            col(ScheduledDose.scheduled_at) <= now,
        )
    )
    for admission, scheduled_at, per_day, given_id, given_status, given_at in rows:
        if scheduled_at < since[admission]:
            continue
        fact = AdministrationFact(given_status, given_at) if given_id is not None else None
        status = dose_status(
            scheduled_at=scheduled_at,
            now=now,
            window_min=slot_window_min(ward, per_day),
            administration=fact,
        )
        if status in (DoseStatus.DUE, DoseStatus.LATE, DoseStatus.NOT_YET_DUE):
            continue  # still within its window: neither given nor missed yet
        planned[admission] += 1
        if status in (DoseStatus.GIVEN, DoseStatus.GIVEN_LATE):
            given[admission] += 1
        else:
            not_given[admission][str(status.value)] += 1
    return planned, given, not_given
