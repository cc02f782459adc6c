"""The ward board's reads: a handful of set-based SQL queries, never a per-patient loop (the
board of 40 patients with a month of hourly vitals builds in a few queries whatever the ward's
size), and the audit-based version that tells the board's cache when the record changed.

Every function takes a session and plain values (``now`` included) and returns plain frozen
dataclasses; components/board_rows.py shapes them for the screen.

Over ~400 lines because it is one subject, the one statement set the board is read with: today's
doses, the next uncharted dose, flag counts and latest scores and vitals per admission, joined
by ``ward_board`` and measured together by the bench (the patient header reads today's doses
with the same statement, scoped to one admission).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, bindparam, case, false, func
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import Session

from dashboard.theme import FLAG_LEVEL
from models.clinical.dose_timing import DoseStatus, dose_status
from models.clinical.drugs import diazepam_equivalent_mg
from models.clinical.observations import assessment_interval_min, due_at, vitals_interval_min
from models.db import read_one
from models.tables import (
    UNRESOLVED_FLAG_STATUSES,
    Admission,
    AuditEvent,
    DoseAdministration,
    Flag,
    Patient,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from models.types import UTCDateTime
from models.ward_policy import slot_window_min, widest_window_min


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
    doses_per_day: int


@dataclass(frozen=True)
class LatestVitals:
    """The board's latest set of vitals (columns of VitalSigns)."""

    taken_at: datetime
    heart_rate: int
    systolic: int
    diastolic: int
    temperature_c: float
    resp_rate: int
    spo2: int
    supplemental_o2: bool
    consciousness: str
    news2_total: int
    news2_any_three: bool
    spo2_scale: int
    rass: int | None = None
    poss: str | None = None


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
    last_vitals: LatestVitals | None
    next_doses: tuple[SlotDue, ...]  # the earliest uncharted slot(s), one per drug
    next_assessment_due: datetime
    next_vitals_due: datetime
    flags: FlagSummary


# Board statements are built once, at import, with bound parameters: building a statement of
# this size costs SQLAlchemy far more than the database takes to run it (``make bench``, T2),
# and a statement built once is compiled once. They run on the session's connection as Core
# statements: rows are plain tuples, no ORM identity map.
_A = Admission.__table__  # type: ignore[attr-defined]
_P = Patient.__table__  # type: ignore[attr-defined]
_PLAN = TaperPlan.__table__  # type: ignore[attr-defined]
_STEP = TaperStep.__table__  # type: ignore[attr-defined]
_SLOT = ScheduledDose.__table__  # type: ignore[attr-defined]
_GIVEN = DoseAdministration.__table__  # type: ignore[attr-defined]
_VITALS = VitalSigns.__table__  # type: ignore[attr-defined]
_SCORES = WithdrawalAssessment.__table__  # type: ignore[attr-defined]
_FLAG = Flag.__table__  # type: ignore[attr-defined]
# Which admissions a query covers: a ward's current patients, or one admission.
Scope = Literal["ward", "admission"]


def _scope_ids(scope: Scope) -> Select[Any]:
    """The ids of the admissions in scope (parameter ``scope_id``), as a subquery."""
    if scope == "ward":
        return sa_select(_A.c.id).where(
            _A.c.ward_id == bindparam("scope_id"), _A.c.discharged_at.is_(None)
        )
    return sa_select(_A.c.id).where(_A.c.id == bindparam("scope_id"))


@lru_cache(maxsize=2)
def _todays_doses_statement(scope: Scope) -> Select[Any]:
    ids = _scope_ids(scope)
    current = (
        sa_select(_STEP.c.plan_id, func.max(_STEP.c.step_index).label("step_index"))
        .join(_PLAN, _PLAN.c.id == _STEP.c.plan_id)
        .where(
            _STEP.c.start_date <= bindparam("day"),
            _PLAN.c.status == "active",
            _PLAN.c.admission_id.in_(ids),
        )
        .group_by(_STEP.c.plan_id)
        .subquery()
    )
    return (
        sa_select(
            _PLAN.c.admission_id,
            _PLAN.c.equivalence_table,
            _STEP.c.drug,
            _STEP.c.daily_ug,
            _STEP.c.kind,
        )
        .join(current, current.c.plan_id == _PLAN.c.id)
        .join(
            _STEP,
            (_STEP.c.plan_id == _PLAN.c.id) & (_STEP.c.step_index == current.c.step_index),
        )
        .where(_PLAN.c.status == "active", _PLAN.c.admission_id.in_(ids))
        .order_by(_PLAN.c.admission_id, _STEP.c.drug)
    )


# A pure function of three small values, in exact fractions: the same few doses recur on
# every board refresh, so they are worked out once.
_diazepam_eq_mg = lru_cache(maxsize=4096)(diazepam_equivalent_mg)


def todays_doses(session: Session, scope: Scope, scope_id: int, day: date) -> dict[int, TodaysDose]:
    """Each admission's active-plan step in force on ``day`` (one query), for a ward's current
    admissions or for one admission. The step numbers are grouped over these admissions'
    active plans only, so a ward's board does not read every plan of the hospital."""
    rows = session.connection().execute(
        _todays_doses_statement(scope), {"scope_id": scope_id, "day": day}
    )
    grouped: dict[int, list[tuple[str, str, int, str]]] = defaultdict(list)
    for admission_id, table, drug, daily_ug, kind in rows:
        grouped[admission_id].append((table, drug, daily_ug, kind))
    out: dict[int, TodaysDose] = {}
    for admission_id, steps in grouped.items():
        doses = tuple(DoseOfDrug(drug, ug) for _, drug, ug, _ in steps if ug > 0)
        eq = sum(_diazepam_eq_mg(drug, ug, table) for table, drug, ug, _ in steps)
        out[admission_id] = TodaysDose(doses=doses, diazepam_eq_mg=eq, step_kind=steps[0][3])
    return out


def _uncharted(slot_id: Any) -> ColumnElement[bool]:
    """No valid administration charted for the slot; ``= false`` is the predicate of the
    partial unique index on the administrations, so each test is one index probe
    (PostgreSQL will not use that index for ``IS false``)."""
    return ~(
        sa_select(_GIVEN.c.scheduled_dose_id)
        .where(_GIVEN.c.scheduled_dose_id == slot_id, _GIVEN.c.entered_in_error == false())
        .exists()
    )


_NEXT_UNCHARTED = (
    sa_select(
        _SLOT.c.admission_id,
        _SLOT.c.scheduled_at,
        _SLOT.c.drug,
        _SLOT.c.dose_ug,
        _SLOT.c.doses_per_day,
    )
    .where(
        _SLOT.c.admission_id.in_(_scope_ids("ward")),
        _SLOT.c.cancelled_at.is_(None),
        _SLOT.c.scheduled_at >= bindparam("since", type_=UTCDateTime),
        _SLOT.c.scheduled_at < bindparam("until", type_=UTCDateTime),
        _uncharted(_SLOT.c.id),
    )
    .order_by(_SLOT.c.admission_id, _SLOT.c.scheduled_at, _SLOT.c.drug)
)
# How far ahead the board looks for a patient's next dose (doses are at least daily).
NEXT_DOSE_AHEAD = timedelta(hours=36)


def next_uncharted_doses(
    session: Session, ward: Ward, now: datetime
) -> dict[int, tuple[SlotDue, ...]]:
    """Each current admission's earliest live, uncharted MAR slots that are not yet missed (one
    query): a crossover has two drugs at the same time, so every slot at that instant is
    returned. A slot is missed once its own window (ISMP by frequency, the ward's widths) has
    passed: those are the review queue's business, not "next". Only slots from the widest window
    back to a day and a half ahead are read, through the (admission_id, scheduled_at) index."""
    since = now - timedelta(minutes=widest_window_min(ward))
    rows = session.connection().execute(
        _NEXT_UNCHARTED,
        {"scope_id": ward.id, "since": since, "until": now + NEXT_DOSE_AHEAD},
    )
    out: dict[int, list[SlotDue]] = defaultdict(list)
    for admission_id, scheduled_at, drug, dose_ug, per_day in rows:
        first = out.get(admission_id)
        if first and first[0].scheduled_at != scheduled_at:
            continue  # a later time: only the earliest due time is the next dose
        missed = dose_status(
            scheduled_at=scheduled_at,
            now=now,
            window_min=slot_window_min(ward, per_day),
            administration=None,
        )
        if missed is DoseStatus.MISSED:
            continue
        out[admission_id].append(SlotDue(scheduled_at, drug, dose_ug, per_day))
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class FlagSummary:
    open: int
    acknowledged: int
    cleared: int  # cleared before anyone saw them: still to be seen
    level: int  # the theme level of the most severe open flag (0 if none)

    @property
    def unseen(self) -> int:
        """Flags nobody has seen yet: open, or cleared before anyone looked."""
        return self.open + self.cleared


# The theme level of a flag's severity, in SQL (FLAG_LEVEL), for the board's aggregate.
_OPEN = _FLAG.c.status == "open"
_FLAG_SUMMARIES = (
    sa_select(
        _FLAG.c.admission_id,
        func.count().filter(_OPEN),
        func.count().filter(_FLAG.c.status == "acknowledged"),
        func.count().filter(_FLAG.c.status == "cleared"),
        func.max(case(FLAG_LEVEL, value=_FLAG.c.severity, else_=0)).filter(_OPEN),
    )
    .where(
        _FLAG.c.admission_id.in_(_scope_ids("ward")),
        _FLAG.c.status.in_(UNRESOLVED_FLAG_STATUSES),
    )
    .group_by(_FLAG.c.admission_id)
)


def flag_summaries(session: Session, ward_id: int) -> dict[int, FlagSummary]:
    """Each current admission's unresolved review flags, counted in the database (the review
    queue lists the same flags: open, acknowledged and cleared ones of admitted patients)."""
    rows = session.connection().execute(_FLAG_SUMMARIES, {"scope_id": ward_id})
    return {
        admission_id: FlagSummary(
            open=opened, acknowledged=acked, cleared=cleared, level=level or 0
        )
        for admission_id, opened, acked, cleared, level in rows
    }


NO_FLAGS = FlagSummary(open=0, acknowledged=0, cleared=0, level=0)


def vitals_due(last: LatestVitals | None, admitted_at: datetime, ward: Ward) -> datetime:
    """When the next set of vitals is due (models.clinical.observations): the ward's routine
    interval after the last set, or within the hour while its NEWS2 is urgent [S35]."""
    interval = vitals_interval_min(
        last.news2_total if last else None,
        bool(last and last.news2_any_three),
        ward.vitals_interval_min,
    )
    return due_at(last.taken_at if last else None, admitted_at, interval)


def assessment_due(last: Score | None, admitted_at: datetime, ward: Ward) -> datetime:
    """When the next CIWA-B is due (models.clinical.observations): the ward's interval after the
    last one, the shorter one while it was moderate or worse (local policy)."""
    interval = assessment_interval_min(
        last.band if last else None,
        ward.reassess_interval_min,
        ward.reassess_interval_moderate_min,
    )
    return due_at(last.taken_at if last else None, admitted_at, interval)


def _latest_id(table: Any, offset: int) -> ScalarSelect[Any]:
    """Correlated subquery: the id of the admission's ``offset``-th latest valid entry; each is
    an index seek on (admission_id, taken_at), so the cost does not grow with history."""
    query = sa_select(table.c.id).where(
        table.c.admission_id == _A.c.id, table.c.entered_in_error == false()
    )
    if table is _SCORES:
        query = query.where(_SCORES.c.scale == "CIWA-B")
    return (
        query.order_by(table.c.taken_at.desc(), table.c.id.desc())
        .limit(1)
        .offset(offset)
        .correlate(_A)
        .scalar_subquery()
    )


_LAST, _PREVIOUS, _LATEST_VITALS = _SCORES.alias("last"), _SCORES.alias("previous"), _VITALS.alias()
_VITALS_COLUMNS = (
    "taken_at",
    "heart_rate",
    "systolic",
    "diastolic",
    "temperature_c",
    "resp_rate",
    "spo2",
    "supplemental_o2",
    "consciousness",
    "news2_total",
    "news2_any_three",
    "spo2_scale",
    "rass",
    "poss",
)
# The latest two CIWA-B scores and the latest vitals joined in (one round trip, not three):
# each join is on a correlated index seek, so history length does not matter.
_ADMITTED = (
    sa_select(
        _A.c.id,
        _A.c.bed,
        _A.c.admitted_at,
        _A.c.baseline_drug,
        _A.c.baseline_daily_ug,
        _P.c.family_name,
        _P.c.given_name,
        _P.c.mrn,
        _LAST.c.taken_at,
        _LAST.c.total,
        _LAST.c.band,
        _PREVIOUS.c.taken_at,
        _PREVIOUS.c.total,
        _PREVIOUS.c.band,
        *(_LATEST_VITALS.c[name] for name in _VITALS_COLUMNS),
    )
    .select_from(
        _A.join(_P, _P.c.id == _A.c.patient_id)
        .outerjoin(_LAST, _LAST.c.id == _latest_id(_SCORES, 0))
        .outerjoin(_PREVIOUS, _PREVIOUS.c.id == _latest_id(_SCORES, 1))
        .outerjoin(_LATEST_VITALS, _LATEST_VITALS.c.id == _latest_id(_VITALS, 0))
    )
    .where(_A.c.ward_id == bindparam("scope_id"), _A.c.discharged_at.is_(None))
    .order_by(_A.c.bed)
)


def ward_board(session: Session, ward: Ward, now: datetime) -> list[BoardEntry]:
    """Every admitted patient of ``ward`` with what the board shows; four queries in all."""
    assert ward.id is not None
    admitted = session.connection().execute(_ADMITTED, {"scope_id": ward.id}).all()
    today = now.astimezone(ZoneInfo(ward.timezone)).date()
    doses_today = todays_doses(session, "ward", ward.id, today)
    next_doses = next_uncharted_doses(session, ward, now)
    flags = flag_summaries(session, ward.id)
    entries: list[BoardEntry] = []
    for row in admitted:
        admission_id, bed, admitted_at, drug, daily_ug, family, given, mrn = row[:8]
        last_score = Score(*row[8:11]) if row[8] is not None else None
        previous_score = Score(*row[11:14]) if row[11] is not None else None
        vitals = LatestVitals(*row[14:]) if row[14] is not None else None
        entries.append(
            BoardEntry(
                admission_id=admission_id,
                bed=bed,
                family_name=family,
                given_name=given,
                mrn=mrn,
                admitted_at=admitted_at,
                baseline_drug=drug,
                baseline_daily_ug=daily_ug,
                today=doses_today.get(admission_id),
                last_ciwa=last_score,
                previous_ciwa=previous_score,
                last_vitals=vitals,
                next_doses=next_doses.get(admission_id, ()),
                next_assessment_due=assessment_due(last_score, admitted_at, ward),
                next_vitals_due=vitals_due(vitals, admitted_at, ward),
                flags=flags.get(admission_id, NO_FLAGS),
            )
        )
    return entries


_NEWEST_AUDIT_EVENT = sa_select(func.max(AuditEvent.__table__.c.id))  # type: ignore[attr-defined]


def data_version(engine: Engine) -> int:
    """The newest audit event's id: every write is audited in its own transaction, so this
    moves whenever the record changes (one primary-key index read, one statement)."""
    with read_one(engine) as connection:
        return int(connection.execute(_NEWEST_AUDIT_EVENT).scalar() or 0)
