"""Read-side queries for the patient chart, the plan panel and the rounds page.

Each question is a few set-based queries (one per kind of record, never one per step or per
patient), turned into the plain data the pure builders take. Nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, bindparam, false, func, true
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from dashboard.components.taper_chart import (
    AssessmentPoint,
    ChartAppend,
    ChartInput,
    DoseEvent,
    DoseStep,
    FlagMark,
    PlanVersionMark,
    Readings,
    VitalsPoint,
    figure_text,
)
from models.charting import REASONS_BY_STATUS
from models.clinical.dose_timing import AdministrationFact, DoseStatus, dose_status
from models.clinical.drugs import DEFAULT_TABLE, format_mg
from models.clinical.load import DailyLoad, GivenDose, daily_loads
from models.clinical.news2 import news2_response
from models.clinical.step_tolerance import StepTolerance, step_tolerance
from models.clinical.taper import PlannedStep, pace_warnings, step_on
from models.co_medications import DepressantWarning, depressant_warning
from models.flags import REVIEW_RULE_BY_NAME
from models.going_home import going_home
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
    WithdrawalAssessment,
)
from models.ward_policy import slot_window_min, step_policy
from models.ward_units import ward_units

# Flags drawn on the chart: the newest this many (older ones are on the review queue).
CHART_FLAG_LIMIT = 40
LOAD_DAYS = 7  # the rounds card's load: today and the six days before
_DOSE_CATEGORY: dict[DoseStatus, str] = {
    DoseStatus.GIVEN: "given",
    DoseStatus.GIVEN_LATE: "late",
    DoseStatus.HELD: "held",
    DoseStatus.REFUSED: "refused",
    DoseStatus.NOT_GIVEN: "not_given",
    DoseStatus.MISSED: "missed",
}


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


# --- MAR --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarEntry:
    """A scheduled dose (or a PRN dose, ``slot_id`` None) and what became of it."""

    slot_id: int | None
    drug: str
    dose_ug: int
    scheduled_at: datetime | None
    status: str  # a DoseStatus value, or "prn"
    administered_at: datetime | None
    charted_by: str | None
    reason: str | None
    administration_id: int | None


def mar_entries(
    session: Session,
    admission_id: int,
    ward: Ward,
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[MarEntry]:
    """Live scheduled doses in [since, until) with their valid administration, plus PRN doses,
    in time order (two queries)."""
    slots, prn = _mar_statements(since is not None, until is not None)
    values = {"admission_id": admission_id, "since": since, "until": until}
    # Columns, not ORM rows: a long stay's MAR is hundreds of rows of three tables.
    entries = [_slot_entry(row, ward, now) for row in session.execute(slots, values)]
    for given_id, drug, dose_ug, administered_at, reason_text, charted_by in session.execute(
        prn, values
    ):
        entries.append(
            MarEntry(
                None, drug, dose_ug, None, "prn", administered_at, charted_by, reason_text, given_id
            )
        )
    return sorted(entries, key=lambda e: e.scheduled_at or e.administered_at or now)


_GIVEN = aliased(DoseAdministration, name="given")


@lru_cache(maxsize=4)
def _mar_statements(
    since: bool, until: bool
) -> tuple[Select[*tuple[Any, ...]], Select[*tuple[Any, ...]]]:
    """:func:`mar_entries`' two statements, built once for each pair of bounds (the bounds and
    the admission are bound parameters)."""
    slots: Select[*tuple[Any, ...]] = (
        sa_select(*_slot_columns(_GIVEN))
        .outerjoin(
            _GIVEN,
            (col(_GIVEN.scheduled_dose_id) == col(ScheduledDose.id))
            & (col(_GIVEN.entered_in_error) == false()),
        )
        .outerjoin(User, col(User.id) == col(_GIVEN.charted_by))
        .where(
            col(ScheduledDose.admission_id) == bindparam("admission_id"),
            col(ScheduledDose.cancelled_at).is_(None),
        )
    )
    prn: Select[*tuple[Any, ...]] = (
        sa_select(
            col(DoseAdministration.id),
            col(DoseAdministration.drug),
            col(DoseAdministration.dose_ug),
            col(DoseAdministration.administered_at),
            col(DoseAdministration.reason_text),
            col(User.display_name),
        )
        .join(User, col(User.id) == col(DoseAdministration.charted_by))
        .where(
            col(DoseAdministration.admission_id) == bindparam("admission_id"),
            col(DoseAdministration.prn) == true(),
            col(DoseAdministration.entered_in_error) == false(),
        )
    )
    if since:
        slots = slots.where(col(ScheduledDose.scheduled_at) >= bindparam("since"))
        prn = prn.where(col(DoseAdministration.administered_at) >= bindparam("since"))
    if until:
        slots = slots.where(col(ScheduledDose.scheduled_at) < bindparam("until"))
        prn = prn.where(col(DoseAdministration.administered_at) < bindparam("until"))
    return slots.order_by(col(ScheduledDose.scheduled_at)), prn


def _slot_columns(given: type[DoseAdministration]) -> tuple[Any, ...]:
    """What :func:`_slot_entry` reads: the slot, its administration ``given``, who charted it."""
    return (
        col(ScheduledDose.id),
        col(ScheduledDose.drug),
        col(ScheduledDose.dose_ug),
        col(ScheduledDose.scheduled_at),
        col(ScheduledDose.doses_per_day),
        col(given.id).label("given_id"),
        col(given.status),
        col(given.administered_at),
        col(given.reason_code),
        col(given.reason_text),
        col(User.display_name),
    )


def _slot_entry(row: Row[Any], ward: Ward, now: datetime) -> MarEntry:
    """A MAR entry from a row of :func:`mar_entries`' slot query."""
    given = row.given_id is not None
    fact = AdministrationFact(row.status, row.administered_at) if given else None
    status = dose_status(
        scheduled_at=row.scheduled_at,
        now=now,
        window_min=slot_window_min(ward, row.doses_per_day),
        administration=fact,
    )
    reason = None
    if given and row.status != "given":
        reason = REASONS_BY_STATUS.get(row.status, {}).get(row.reason_code or "", row.reason_code)
        if row.reason_text:
            reason = f"{reason} — {row.reason_text}"
    return MarEntry(
        slot_id=row.id,
        drug=row.drug,
        dose_ug=row.dose_ug,
        scheduled_at=row.scheduled_at,
        status=str(status.value),
        administered_at=row.administered_at if given else None,
        charted_by=row.display_name,
        reason=reason,
        administration_id=row.given_id,
    )


def dose_event(entry: MarEntry, tz: ZoneInfo) -> DoseEvent | None:
    """The chart marker of a MAR entry; None while the dose is not yet due or still due."""
    if entry.status == "prn":
        category = "prn"
    else:
        found = _DOSE_CATEGORY.get(DoseStatus(entry.status))
        if found is None:
            return None
        category = found
    at = entry.administered_at or entry.scheduled_at
    assert at is not None
    lines = [f"{entry.drug.capitalize()} {format_mg(entry.dose_ug)} mg"]
    if entry.scheduled_at is not None:
        lines[0] += f", due {entry.scheduled_at.astimezone(tz):%a %d %b %H:%M}"
    if category == "missed":
        lines.append("Not charted within the dose window")
    else:
        when = entry.administered_at.astimezone(tz) if entry.administered_at else None
        verb = "PRN given" if category == "prn" else entry.status.replace("_", " ").capitalize()
        lines.append(f"{verb} {when:%H:%M}" if when else verb)
        if entry.charted_by:
            lines[-1] += f" by {figure_text(entry.charted_by)}"
        if entry.reason:
            lines.append(figure_text(entry.reason))
    return DoseEvent(
        at=at,
        drug=entry.drug,
        mg=entry.dose_ug / 1000,
        category=category,
        detail="<br>".join(lines),
    )


# --- observations -----------------------------------------------------------------------------


def assessments(
    session: Session, admission_id: int, *, since: datetime | None = None, after_id: int = 0
) -> list[WithdrawalAssessment]:
    query = select(WithdrawalAssessment).where(
        col(WithdrawalAssessment.admission_id) == admission_id,
        col(WithdrawalAssessment.scale) == "CIWA-B",
        col(WithdrawalAssessment.entered_in_error) == false(),
        col(WithdrawalAssessment.id) > after_id,
    )
    if since is not None:
        query = query.where(col(WithdrawalAssessment.taken_at) >= since)
    return list(session.exec(query.order_by(col(WithdrawalAssessment.taken_at))))


def vital_signs(
    session: Session, admission_id: int, *, since: datetime | None = None, after_id: int = 0
) -> list[VitalSigns]:
    query = select(VitalSigns).where(
        col(VitalSigns.admission_id) == admission_id,
        col(VitalSigns.entered_in_error) == false(),
        col(VitalSigns.id) > after_id,
    )
    if since is not None:
        query = query.where(col(VitalSigns.taken_at) >= since)
    return list(session.exec(query.order_by(col(VitalSigns.taken_at))))


def flags(session: Session, admission_id: int, *, after_id: int = 0) -> list[Flag]:
    return list(
        session.exec(
            select(Flag)
            .where(col(Flag.admission_id) == admission_id, col(Flag.id) > after_id)
            .order_by(col(Flag.raised_at).desc())
            .limit(CHART_FLAG_LIMIT)
        )
    )


def chart_assessments(
    session: Session, admission_id: int, *, after_id: int = 0
) -> Readings[AssessmentPoint]:
    """The CIWA-B scores the chart draws, oldest first, as columns: the shape of the figure's
    traces, with only the fields drawn and no ORM object or point per row (a long stay has
    thousands of readings)."""
    rows = session.execute(
        sa_select(
            col(WithdrawalAssessment.taken_at),
            col(WithdrawalAssessment.total),
            col(WithdrawalAssessment.band),
        )
        .where(
            col(WithdrawalAssessment.admission_id) == admission_id,
            col(WithdrawalAssessment.scale) == "CIWA-B",
            col(WithdrawalAssessment.entered_in_error) == false(),
            col(WithdrawalAssessment.id) > after_id,
        )
        .order_by(col(WithdrawalAssessment.taken_at))
    )
    return Readings.from_rows(AssessmentPoint, rows.all())


def chart_vitals(
    session: Session, admission_id: int, *, after_id: int = 0
) -> Readings[VitalsPoint]:
    """The vital signs the chart draws, oldest first, like :func:`chart_assessments`."""
    rows = session.execute(
        sa_select(
            col(VitalSigns.taken_at),
            col(VitalSigns.heart_rate),
            col(VitalSigns.systolic),
            col(VitalSigns.diastolic),
            col(VitalSigns.temperature_c),
            col(VitalSigns.news2_total),
            col(VitalSigns.news2_any_three),
            col(VitalSigns.rass),
        )
        .where(
            col(VitalSigns.admission_id) == admission_id,
            col(VitalSigns.entered_in_error) == false(),
            col(VitalSigns.id) > after_id,
        )
        .order_by(col(VitalSigns.taken_at))
    )
    return Readings.from_rows(VitalsPoint, rows.all())


def _flag_mark(row: Flag) -> FlagMark:
    rule = REVIEW_RULE_BY_NAME.get(row.rule)
    return FlagMark(
        at=row.subject_at or row.raised_at,
        rule=row.rule,
        severity=row.severity,
        status=row.status,
        message=row.message,
        label=rule.label if rule else "",
    )


def is_abnormal(vitals: VitalSigns | VitalsPoint) -> bool:
    """NEWS2 calls for urgent review: 5 or more, or a single parameter scoring 3 [S35]."""
    return news2_response(vitals.news2_total, vitals.news2_any_three).urgent


# --- the chart ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartCursor:
    """What the drawn figure already shows, so a refresh can append only what is new."""

    plan_id: int | None
    vitals_id: int
    assessment_id: int
    administration_id: int
    flag_id: int
    flags_changed_at: str  # the latest flag update drawn (status changes need a redraw)
    errors: int  # entries marked in error: a removal needs a redraw
    drawn_at: str  # "now" when drawn: doses missed since then are appended
    assessment_last_at: str  # the latest CIWA-B drawn
    vitals_last_at: str  # the latest vital signs drawn

    def to_json(self) -> dict[str, object]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, value: dict[str, object]) -> ChartCursor:
        return cls(**value)  # type: ignore[arg-type]


@dataclass(frozen=True)
class PatientChart:
    view: AdmissionView
    plan: TaperPlan | None
    steps: list[PlannedStep]
    chart: ChartInput
    cursor: ChartCursor


def patient_chart(
    session: Session, admission_id: int, *, now: datetime, range_key: str = "7d"
) -> PatientChart | None:
    view = admission_view(session, admission_id)
    if view is None:
        return None
    versions = plan_versions(session, admission_id)
    active = next((v.plan for v in versions if v.plan.status == "active"), None)
    steps = stored_steps(session, active) if active is not None else []
    end = view.admission.discharged_at or now
    mar = mar_entries(session, admission_id, view.ward, now=end, until=end)
    events = [e for e in (dose_event(m, view.tz) for m in mar) if e is not None]
    flag_rows = flags(session, admission_id)
    chart = ChartInput(
        timezone=view.ward.timezone,
        now=now,
        admitted_at=view.admission.admitted_at,
        discharged_at=view.admission.discharged_at,
        drugs=plan_drugs(active, view.admission),
        steps=dose_steps(steps),
        versions=[
            PlanVersionMark(
                v.plan.version,
                v.plan.change,
                v.plan.created_at,
                v.plan.effective_from,
                v.plan.reason,
                v.author,
            )
            for v in versions
        ],
        doses=events,
        assessments=chart_assessments(session, admission_id),
        vitals=chart_vitals(session, admission_id),
        flags=[_flag_mark(f) for f in flag_rows],
        range_key=range_key,
        loads=admission_loads(session, view, active, now=now),
        rass_threshold=view.ward.sedation_rass_threshold,
    )
    cursor = chart_cursor(session, admission_id, now=now)
    return PatientChart(view, active, steps, chart, cursor)


def chart_cursor(session: Session, admission_id: int, *, now: datetime) -> ChartCursor:
    """The high-water marks of everything the chart draws (a few aggregate queries)."""

    def top(column: Any, *where: ColumnElement[bool]) -> int:
        value = session.exec(select(func.max(column)).where(*where)).one()
        return int(value or 0)

    def errors(model: type[VitalSigns | WithdrawalAssessment | DoseAdministration]) -> int:
        return int(
            session.exec(
                select(func.count()).where(
                    col(model.admission_id) == admission_id, col(model.entered_in_error)
                )
            ).one()
        )

    plan_id = session.exec(
        select(TaperPlan.id).where(
            col(TaperPlan.admission_id) == admission_id, col(TaperPlan.status) == "active"
        )
    ).first()

    def last(column: Any, *where: ColumnElement[bool]) -> str:
        value = session.exec(select(func.max(column)).where(*where)).one()
        if isinstance(value, str):  # SQLite answers an aggregate of a datetime column as text
            value = datetime.fromisoformat(value).replace(tzinfo=UTC)
        return value.isoformat() if isinstance(value, datetime) else ""

    flags_changed = last(Flag.updated_at, col(Flag.admission_id) == admission_id)
    return ChartCursor(
        plan_id=plan_id,
        vitals_id=top(VitalSigns.id, col(VitalSigns.admission_id) == admission_id),
        assessment_id=top(
            WithdrawalAssessment.id, col(WithdrawalAssessment.admission_id) == admission_id
        ),
        administration_id=top(
            DoseAdministration.id, col(DoseAdministration.admission_id) == admission_id
        ),
        flag_id=top(Flag.id, col(Flag.admission_id) == admission_id),
        flags_changed_at=flags_changed,
        errors=errors(VitalSigns) + errors(WithdrawalAssessment) + errors(DoseAdministration),
        drawn_at=now.isoformat(),
        assessment_last_at=last(
            WithdrawalAssessment.taken_at,
            col(WithdrawalAssessment.admission_id) == admission_id,
            col(WithdrawalAssessment.entered_in_error) == false(),
        ),
        vitals_last_at=last(
            VitalSigns.taken_at,
            col(VitalSigns.admission_id) == admission_id,
            col(VitalSigns.entered_in_error) == false(),
        ),
    )


def chart_append(
    session: Session, admission_id: int, cursor: ChartCursor, *, now: datetime
) -> tuple[ChartAppend, ChartCursor] | None:
    """What was charted since ``cursor`` as an append, or None when the figure must be redrawn:
    a new plan version, an entry marked in error, a flag whose status changed, a dose drawn as
    missed and charted since, or a reading back-dated before the last one drawn."""
    view = admission_view(session, admission_id)
    if view is None:
        return None
    latest = chart_cursor(session, admission_id, now=now)
    if latest.plan_id != cursor.plan_id or latest.errors != cursor.errors:
        return None
    new_flags = flags(session, admission_id, after_id=cursor.flag_id)
    newest_new_flag = max((f.updated_at.isoformat() for f in new_flags), default="")
    if latest.flags_changed_at not in (cursor.flags_changed_at, newest_new_flag):
        return None
    drawn_at = datetime.fromisoformat(cursor.drawn_at)
    window = timedelta(minutes=view.ward.dose_window_min)
    events: list[DoseEvent] = []
    for entry in _charted_since(session, admission_id, view.ward, cursor.administration_id, now):
        if entry.scheduled_at is not None and entry.scheduled_at + window < drawn_at:
            return None  # drawn as missed, charted since
        events.extend(e for e in [dose_event(entry, view.tz)] if e is not None)
    for entry in mar_entries(
        session, admission_id, view.ward, now=now, since=drawn_at - window, until=now - window
    ):
        if entry.status == DoseStatus.MISSED.value:
            events.extend(e for e in [dose_event(entry, view.tz)] if e is not None)
    new_scores = list(chart_assessments(session, admission_id, after_id=cursor.assessment_id))
    new_vitals = list(chart_vitals(session, admission_id, after_id=cursor.vitals_id))
    if _backdated(new_scores, cursor.assessment_last_at) or _backdated(
        new_vitals, cursor.vitals_last_at
    ):
        return None
    loads = None
    if latest.administration_id != cursor.administration_id:  # a dose given: every day again
        plan = session.get(TaperPlan, latest.plan_id) if latest.plan_id else None
        loads = admission_loads(session, view, plan, now=now)
    append = ChartAppend(
        timezone=view.ward.timezone,
        now=now,
        doses=events,
        assessments=new_scores,
        vitals=new_vitals,
        flags=[_flag_mark(f) for f in new_flags],
        loads=loads,
    )
    return append, latest


def _backdated(points: Sequence[VitalsPoint | AssessmentPoint], last_drawn: str) -> bool:
    """A new reading earlier than the last one drawn would draw the line back in time."""
    return bool(points and last_drawn) and min(p.at for p in points) < datetime.fromisoformat(
        last_drawn
    )


def _charted_since(
    session: Session, admission_id: int, ward: Ward, after_id: int, now: datetime
) -> list[MarEntry]:
    """Valid administrations (scheduled or PRN) with an id above ``after_id``."""
    rows = session.execute(
        sa_select(
            *_slot_columns(DoseAdministration),
            col(DoseAdministration.drug).label("given_drug"),
            col(DoseAdministration.dose_ug).label("given_ug"),
        )
        .outerjoin(
            ScheduledDose, col(ScheduledDose.id) == col(DoseAdministration.scheduled_dose_id)
        )
        .join(User, col(User.id) == col(DoseAdministration.charted_by))
        .where(
            col(DoseAdministration.admission_id) == admission_id,
            col(DoseAdministration.id) > after_id,
            col(DoseAdministration.entered_in_error) == false(),
        )
        .order_by(col(DoseAdministration.administered_at))
    )
    out = []
    for row in rows:
        if row.id is None:  # no slot: a PRN dose
            out.append(
                MarEntry(
                    None,
                    row.given_drug,
                    row.given_ug,
                    None,
                    "prn",
                    row.administered_at,
                    row.display_name,
                    row.reason_text,
                    row.given_id,
                )
            )
        else:
            out.append(_slot_entry(row, ward, now))
    return out


@dataclass(frozen=True)
class PlanPanelData:
    view: AdmissionView
    versions: list[PlanVersion]
    plan: TaperPlan | None
    steps: list[PlannedStep]
    warnings: dict[int, str]  # step index -> pace warning
    tolerance: dict[int, StepTolerance]
    today: date
    units: dict[str, int]  # the ward's dispensable units (a new plan is made in them)
    # (drug, ug) of doses still to come that the ward's tablets cannot make (models.going_home)
    tablet_gaps: tuple[tuple[str, int], ...] = ()


def plan_panel_data(session: Session, admission_id: int, *, now: datetime) -> PlanPanelData | None:
    view = admission_view(session, admission_id)
    if view is None:
        return None
    versions = plan_versions(session, admission_id)
    active = next((v.plan for v in versions if v.plan.status == "active"), None)
    steps = stored_steps(session, active) if active is not None else []
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
        warnings={w.step_index: w.message for w in pace_warnings(steps)},
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
                col(WithdrawalAssessment.admission_id) == admission_id,
                col(WithdrawalAssessment.scale) == "CIWA-B",
                col(WithdrawalAssessment.entered_in_error) == false(),
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
            .where(
                col(VitalSigns.admission_id) == admission_id,
                col(VitalSigns.entered_in_error) == false(),
                col(VitalSigns.taken_at) >= since,
            )
            .order_by(col(VitalSigns.taken_at))
        )
        if news2_response(total, any_three).urgent
    ]
    return scores, urgent


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
    scores: list[tuple[datetime, int, str]]  # CIWA-B since (time, total, band)
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
    earliest = min(since.values())
    plans = {
        p.admission_id: p
        for p in session.exec(
            select(TaperPlan).where(
                col(TaperPlan.admission_id).in_(ids), col(TaperPlan.status) == "active"
            )
        )
    }
    steps_by_plan = _steps_of(session, list(plans.values()))
    scores: dict[int, list[tuple[datetime, int, str]]] = defaultdict(list)
    # Columns, not rows: a month's stay is hundreds of scores and readings per patient, and only
    # these columns are used (the highest NEWS2's full reading is read once below).
    for admission, taken_at, total, band in session.connection().execute(
        sa_select(
            col(WithdrawalAssessment.admission_id),
            col(WithdrawalAssessment.taken_at),
            col(WithdrawalAssessment.total),
            col(WithdrawalAssessment.band),
        )
        .where(
            col(WithdrawalAssessment.admission_id).in_(ids),
            col(WithdrawalAssessment.scale) == "CIWA-B",
            col(WithdrawalAssessment.entered_in_error) == false(),
            col(WithdrawalAssessment.taken_at) >= earliest,
        )
        .order_by(col(WithdrawalAssessment.taken_at))
    ):
        if taken_at >= since[admission]:
            scores[admission].append((taken_at, total, band))
    best: dict[int, tuple[int, datetime, int | None]] = {}  # admission: (NEWS2, taken at, id)
    abnormal: dict[int, int] = defaultdict(int)
    for vitals_id, admission, taken_at, total, any_three in session.connection().execute(
        sa_select(
            col(VitalSigns.id),
            col(VitalSigns.admission_id),
            col(VitalSigns.taken_at),
            col(VitalSigns.news2_total),
            col(VitalSigns.news2_any_three),
        ).where(
            col(VitalSigns.admission_id).in_(ids),
            col(VitalSigns.entered_in_error) == false(),
            col(VitalSigns.taken_at) >= earliest,
        )
    ):
        if taken_at < since[admission]:
            continue
        found = best.get(admission)
        if found is None or (total, taken_at) > found[:2]:
            best[admission] = (total, taken_at, vitals_id)
        abnormal[admission] += news2_response(total, any_three).urgent
    highest: dict[int, VitalSigns] = {}
    if best:
        for v in session.exec(
            select(VitalSigns).where(col(VitalSigns.id).in_([b[2] for b in best.values()]))
        ):
            highest[v.admission_id] = v
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
                scores=scores[adm.id],
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
