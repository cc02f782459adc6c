"""Read-side queries for the patient chart: its observations, flags and the cursor that lets
the chart append what is new (the admission, MAR and plan reads it draws on have their own
modules).

Each question is a few set-based queries (one per kind of record, never one per step or per
patient), turned into the plain data the pure builders take. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from dashboard.admission_queries import (
    AdmissionView,
    admission_loads,
    admission_plan,
    admission_view,
    dose_steps,
    plan_drugs,
    valid_rows,
)
from dashboard.components.taper_chart_data import (
    AssessmentPoint,
    ChartAppend,
    ChartInput,
    DoseEvent,
    FlagMark,
    PlanVersionMark,
    Readings,
    VitalsPoint,
)
from dashboard.i18n import _, request_translator
from dashboard.mar_queries import (
    MarEntry,
    dose_event,
    mar_entries,
    prn_entry,
    slot_columns,
    slot_entry,
)
from models.clinical.dose_timing import DoseStatus
from models.clinical.taper import PlannedStep
from models.flag_text import flag_message
from models.flags import REVIEW_RULE_BY_NAME
from models.tables import (
    DoseAdministration,
    Flag,
    ScheduledDose,
    TaperPlan,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)

# Flags drawn on the chart: the newest this many (older ones are on the review queue).
CHART_FLAG_LIMIT = 40


# --- observations -----------------------------------------------------------------------------


def _ciwa_b_after(admission_id: int, after_id: int) -> tuple[ColumnElement[bool], ...]:
    """The admission's CIWA-B scores after row ``after_id``, none entered in error."""
    return (
        *valid_rows(WithdrawalAssessment, admission_id),
        col(WithdrawalAssessment.scale) == "CIWA-B",
        col(WithdrawalAssessment.id) > after_id,
    )


def assessments(
    session: Session, admission_id: int, *, since: datetime | None = None, after_id: int = 0
) -> list[WithdrawalAssessment]:
    query = select(WithdrawalAssessment).where(*_ciwa_b_after(admission_id, after_id))
    if since is not None:
        query = query.where(col(WithdrawalAssessment.taken_at) >= since)
    return list(session.exec(query.order_by(col(WithdrawalAssessment.taken_at))))


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
        .where(*_ciwa_b_after(admission_id, after_id))
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
        .where(*valid_rows(VitalSigns, admission_id), col(VitalSigns.id) > after_id)
        .order_by(col(VitalSigns.taken_at))
    )
    return Readings.from_rows(VitalsPoint, rows.all())


def _flag_mark(row: Flag) -> FlagMark:
    """A flag as the chart marks it, in the reader's language: the rule's label (marked in
    models.flags) and the message rendered from its code and values (models.flag_text; a row
    without a code shows its stored English)."""
    rule = REVIEW_RULE_BY_NAME.get(row.rule)
    return FlagMark(
        at=row.subject_at or row.raised_at,
        rule=row.rule,
        severity=row.severity,
        status=row.status,
        message=flag_message(
            row.message_code, row.message_values, row.message, request_translator()
        ),
        label=_(rule.label) if rule else "",
    )


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
    found = admission_plan(session, admission_id)
    if found is None:
        return None
    view, versions, active, steps = found
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
            WithdrawalAssessment.taken_at, *valid_rows(WithdrawalAssessment, admission_id)
        ),
        vitals_last_at=last(VitalSigns.taken_at, *valid_rows(VitalSigns, admission_id)),
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
            *slot_columns(DoseAdministration),
            col(DoseAdministration.drug).label("given_drug"),
            col(DoseAdministration.dose_ug).label("given_ug"),
        )
        .outerjoin(
            ScheduledDose, col(ScheduledDose.id) == col(DoseAdministration.scheduled_dose_id)
        )
        .join(User, col(User.id) == col(DoseAdministration.charted_by))
        .where(
            *valid_rows(DoseAdministration, admission_id),
            col(DoseAdministration.id) > after_id,
        )
        .order_by(col(DoseAdministration.administered_at))
    )
    out = []
    for row in rows:
        if row.id is None:  # no slot: a PRN dose
            out.append(
                prn_entry(
                    row.given_id,
                    row.given_drug,
                    row.given_ug,
                    row.administered_at,
                    row.display_name,
                    row.reason_text,
                )
            )
        else:
            out.append(slot_entry(row, ward, now))
    return out
