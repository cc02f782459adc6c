"""The review rules. Each is one set-based SQL query over every ward at once (never a loop over
the patients' rows), with its thresholds read from each ward's policy row in the same query,
and returns Findings: what a human should look at. Rules never act on a patient; jobs.flags
turns Findings into flags.

Everywhere: entered-in-error rows and discharged admissions are ignored. Instants are UTC in
the database; messages show the ward's local time. "The latest reading" is found per admission
through the (admission_id, taken_at) indexes, so a scan costs about the same per patient
however long the stays grow.

A finding's ``subject`` says what the flag is about. Doses and administrations are their own
subjects; the continuing conditions (overdue, worsening, NEWS2) have one subject per admission,
so a patient carries at most one flag of each kind and a new reading updates it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Date,
    Executable,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    outerjoin,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col

from jobs.sql_time import local_midnight_utc, shift_seconds
from models.charting import REASONS_BY_STATUS
from models.clinical.drugs import format_mg
from models.clinical.news2 import HIGH_TOTAL, MEDIUM_TOTAL
from models.clinical.scales import Band
from models.flags import REVIEW_RULE_BY_NAME, ReviewRule
from models.tables import (
    Admission,
    DoseAdministration,
    Flag,
    ScheduledDose,
    TaperPlan,
    TaperStep,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from models.types import UTCDateTime

# CIWA-B bands in order of severity [S4]; the band names and edges live in models.clinical.
BAND_LEVEL: dict[str, int] = {band.value: band.order for band in Band}
MODERATE = Band.MODERATE.order
SEVERE = Band.SEVERE.order

# NEWS2 clinical response (RCP 2017 [S35]; thresholds owned by models.clinical.news2): a single
# parameter scoring 3 or a total of MEDIUM_TOTAL (5) or more calls for urgent review and at
# least hourly observations; HIGH_TOTAL (7) or more for an emergency response.
NEWS2_HOURLY_OBS = timedelta(hours=1)  # [S35]: obs at least hourly once urgent

# Step tolerance needs a trend, not one reading: at least this many CIWA-B scores on each side
# of the step before the means are compared (local policy).
STEP_MIN_READINGS = 2
# Steps that change what the patient takes; after a hold or a go-back the physician has acted.
CHANGING_STEP_KINDS = ("cut", "final", "crossover")
SKIPPED_STATUSES = ("held", "refused", "not_given")
# A hold or refusal is raised for review when charted within this span; an older one stays
# listed only while its flag is open, so a new ward's history does not flood the queue
# (local policy).
SKIPPED_REVIEW_SPAN = timedelta(hours=48)


@dataclass(frozen=True)
class Finding:
    admission_id: int
    subject: str
    severity: str  # one of models.tables.FLAG_SEVERITIES
    message: str  # one line: why
    subject_at: datetime  # the moment the finding is about (the queue links the chart there)
    evidence_at: datetime  # when the evidence arose; a human resolution after it stands


RuleFunction = Callable[[Session, datetime], list[Finding]]


@dataclass(frozen=True)
class Rule:
    info: ReviewRule  # name, label, source and clearing reason (models.flags)
    find: RuleFunction

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def cleared(self) -> str:
        return self.info.cleared


# --- shared pieces ---------------------------------------------------------------------------

ADMITTED = col(Admission.discharged_at).is_(None)


def _valid(entered_in_error: Any) -> ColumnElement[bool]:
    # "= false", not "IS false": the partial indexes are declared on "entered_in_error = false".
    return entered_in_error == false()  # type: ignore[no-any-return]


def _dialect(session: Session) -> str:
    return session.connection().dialect.name


def _rows(
    session: Session, statement: Executable, params: Mapping[str, Any] | None = None
) -> list[Any]:
    """The statement's rows as named tuples: the rules read most fields of every row, and a
    SQLAlchemy Row resolves the name on each attribute read (several times slower)."""
    result = session.connection().execute(statement, dict(params or {}))
    record = _record(tuple(result.keys()))
    return [record(*row) for row in result.all()]


@lru_cache(maxsize=64)
def _record(fields: tuple[str, ...]) -> Callable[..., Any]:
    return namedtuple("Record", fields)


# Each rule's statement is built once per dialect (lru_cache) with the scan's instant as a bound
# parameter, so building it costs nothing per scan and SQLAlchemy's compiled cache serves it.
NOW = "now"


def _now() -> ColumnElement[datetime]:
    """The scan's instant: pass ``{NOW: now}`` when executing."""
    return bindparam(NOW, type_=UTCDateTime())


def _before_now(minutes: Any) -> ColumnElement[datetime]:
    """The scan's instant minus ``minutes`` (a ward's policy column, or an expression of them)."""
    return shift_seconds(_now(), -minutes * 60)


def _materialized(query: Select[Any] | Any, name: str) -> CTE:
    """A CTE computed once (not inlined), so per-patient values are not recomputed per row."""
    return query.cte(name).prefix_with("MATERIALIZED")


def _wards(**deadlines: Any) -> CTE:
    """The wards (their policy columns by name) with, for each keyword, the scan's instant minus
    that many minutes (a policy column, or a number): each ward's deadlines are computed once,
    not once per patient."""
    return _materialized(
        select(Ward, *(_before_now(minutes).label(name) for name, minutes in deadlines.items())),
        "ward_deadlines",
    )


def _band_level(band: Any) -> ColumnElement[int]:
    return case(BAND_LEVEL, value=band, else_=0)


def _when(instant: datetime, timezone: str) -> str:
    return instant.astimezone(ZoneInfo(timezone)).strftime("%d %b %H:%M")


def _minutes(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _reading_conditions(row: Any, *, ciwa_b: bool) -> list[ColumnElement[bool]]:
    conditions = [col(row.admission_id) == col(Admission.id), _valid(row.entered_in_error)]
    if ciwa_b:
        conditions.append(_is_ciwa_b(row))
    return conditions


def _latest_readings(
    dialect: str, model: Any, fields: tuple[str, ...], *, ciwa_b: bool = False
) -> CTE:
    """Each admitted patient (``admission_id``, ``admitted_at``, ``ward_id``) with ``fields``
    of its latest valid reading of ``model`` as ``latest_<field>`` (NULL when there is none),
    found by walking the (admission_id, taken_at) index backwards once per patient: a LATERAL
    subquery on PostgreSQL (computed once, MATERIALIZED); on SQLite a correlated id lookup
    joined by primary key (no LATERAL there), which SQLite joins into the query using it
    rather than copying every patient's row into a temporary table first."""
    columns: list[Any] = [
        col(Admission.id).label("admission_id"),
        col(Admission.admitted_at).label("admitted_at"),
        col(Admission.ward_id).label("ward_id"),
    ]
    row = aliased(model, name="latest_row")
    name = f"{model.__tablename__}_latest"
    if dialect == "postgresql":
        reading = (
            select(*(col(getattr(row, f)).label(f) for f in fields))
            .where(*_reading_conditions(row, ciwa_b=ciwa_b))
            .order_by(col(row.taken_at).desc())
            .limit(1)
            .correlate(Admission)
            .lateral("latest_reading")
        )
        columns += [reading.c[f].label(f"latest_{f}") for f in fields]
        source = outerjoin(Admission, reading, true())
        return _materialized(select(*columns).select_from(source).where(ADMITTED), name)
    found = aliased(model, name="latest_found")
    reading_id = (
        select(col(found.id))
        .where(*_reading_conditions(found, ciwa_b=ciwa_b))
        .order_by(col(found.taken_at).desc())
        .limit(1)
        .correlate(Admission)
        .scalar_subquery()
    )
    columns += [col(getattr(row, f)).label(f"latest_{f}") for f in fields]
    source = outerjoin(Admission, row, col(row.id) == reading_id)
    return select(*columns).select_from(source).where(ADMITTED).cte(name)


def _is_ciwa_b(model: Any) -> ColumnElement[bool]:
    return col(model.scale) == "CIWA-B"


@lru_cache(maxsize=1)
def _zones_query() -> Executable:
    return select(col(Ward.timezone)).distinct()


def _ward_zones(session: Session) -> tuple[str, ...]:
    """The time zones of the wards (few), sorted."""
    return tuple(sorted(session.connection().execute(_zones_query()).scalars().all()))


def _ward_today(zones: tuple[str, ...]) -> ColumnElement[Any]:
    """Each ward's local date at the scan's instant: one CASE branch per time zone in ``zones``,
    its date bound as ``today_<i>`` (see :func:`_ward_dates`)."""
    return case(
        {zone: bindparam(f"today_{i}", type_=Date()) for i, zone in enumerate(zones)},
        value=col(Ward.timezone),
        else_=null(),
    )


def _ward_dates(zones: tuple[str, ...], now: datetime) -> dict[str, date]:
    return {f"today_{i}": now.astimezone(ZoneInfo(zone)).date() for i, zone in enumerate(zones)}


# --- doses -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _missed_dose_query() -> Executable:
    sd = ScheduledDose
    charted = exists().where(
        col(DoseAdministration.scheduled_dose_id) == col(sd.id),
        _valid(DoseAdministration.entered_in_error),
    )
    wards = _wards(due_before=col(Ward.dose_window_min))
    return (
        select(
            col(sd.id).label("id"),
            col(sd.admission_id).label("admission_id"),
            col(sd.drug).label("drug"),
            col(sd.dose_ug).label("dose_ug"),
            col(sd.scheduled_at).label("scheduled_at"),
            func.count().over(partition_by=col(sd.admission_id)).label("missed"),
            wards.c.timezone,
            wards.c.dose_window_min.label("window"),
        )
        .select_from(wards)
        .join(Admission, col(Admission.ward_id) == wards.c.id)
        .join(sd, col(sd.admission_id) == col(Admission.id))
        .where(
            ADMITTED,
            col(sd.cancelled_at).is_(None),
            col(sd.scheduled_at) < wards.c.due_before,
            # Implied (every ward's window is positive), but it lets the database drop the
            # doses still to come before joining the rest.
            col(sd.scheduled_at) < _now(),
            col(sd.scheduled_at) >= col(Admission.admitted_at),
            ~charted,
        )
    )


def missed_dose_rule(session: Session, now: datetime) -> list[Finding]:
    """A live scheduled dose with no valid administration record once the ward's window after
    its time has passed [S41]. The window is the ward's (ISMP +/-1 h for non-time-critical
    doses [S37]; BZD doses are time-critical by no source: local policy). A second missed dose
    makes every missed-dose flag of the patient high: skipped doses worsen withdrawal [S23]."""
    rows = _rows(session, _missed_dose_query(), {NOW: now})
    return [
        Finding(
            admission_id=row.admission_id,
            subject=f"dose:{row.id}",
            severity="high" if row.missed > 1 else "moderate",
            message=(
                f"{row.drug.title()} {format_mg(row.dose_ug)} mg due "
                f"{_when(row.scheduled_at, row.timezone)} not charted "
                f"(window ±{_minutes(row.window)})"
                + (f"; {row.missed} doses missed" if row.missed > 1 else "")
            ),
            subject_at=row.scheduled_at,
            evidence_at=row.scheduled_at + timedelta(minutes=row.window),
        )
        for row in rows
    ]


@lru_cache(maxsize=1)
def _dose_skipped_query() -> Executable:
    da, sd = DoseAdministration, ScheduledDose
    flagged = exists().where(
        col(Flag.admission_id) == col(da.admission_id),
        col(Flag.rule) == "dose_skipped",
        col(Flag.status) != "resolved",
        col(Flag.subject) == literal("administration:") + cast(col(da.id), String),
    )
    return (
        select(
            col(da.id).label("id"),
            col(da.admission_id).label("admission_id"),
            col(da.status).label("status"),
            col(da.reason_code).label("reason_code"),
            col(da.reason_text).label("reason_text"),
            col(da.drug).label("drug"),
            col(sd.dose_ug).label("dose_ug"),
            func.coalesce(col(sd.scheduled_at), col(da.administered_at)).label("due_at"),
            col(da.charted_at).label("charted_at"),
            col(Ward.timezone).label("timezone"),
        )
        .select_from(Admission)
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(da, col(da.admission_id) == col(Admission.id))
        .outerjoin(sd, col(sd.id) == col(da.scheduled_dose_id))
        .where(
            ADMITTED,
            col(da.status).in_(SKIPPED_STATUSES),
            col(da.prn).is_(False),
            _valid(da.entered_in_error),
            or_(col(da.charted_at) >= bindparam("charted_since", type_=UTCDateTime()), flagged),
        )
    )


def dose_skipped_rule(session: Session, now: datetime) -> list[Finding]:
    """A scheduled dose charted held, refused or not given, for review: skipped doses worsen
    withdrawal [S23]; for critical medicines one refused dose counts as missed [S41]. A hold is
    a clinical decision (low); a refusal or omission moderate; raised when charted within
    SKIPPED_REVIEW_SPAN (local policy)."""
    since = now - SKIPPED_REVIEW_SPAN
    rows = _rows(session, _dose_skipped_query(), {"charted_since": since})
    findings = []
    for row in rows:
        reason = REASONS_BY_STATUS.get(row.status, {}).get(row.reason_code, row.reason_code)
        if row.reason_text:
            reason = f"{reason} — {row.reason_text}"
        dose = f" {format_mg(row.dose_ug)} mg" if row.dose_ug else ""
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject=f"administration:{row.id}",
                severity="low" if row.status == "held" else "moderate",
                message=(
                    f"{row.drug.title()}{dose} due {_when(row.due_at, row.timezone)} "
                    f"{row.status.replace('_', ' ')}: {reason}"
                ),
                subject_at=row.due_at,
                evidence_at=row.charted_at,
            )
        )
    return findings


# --- withdrawal scores -----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _assessment_overdue_query(dialect: str) -> Executable:
    readings = _latest_readings(dialect, WithdrawalAssessment, ("taken_at", "band"), ciwa_b=True)
    wards = _wards(
        due_before=col(Ward.reassess_interval_min),
        due_before_moderate=col(Ward.reassess_interval_moderate_min),
    )
    shortened = _band_level(readings.c.latest_band) >= MODERATE
    interval = case(
        (shortened, wards.c.reassess_interval_moderate_min),
        else_=wards.c.reassess_interval_min,
    )
    due_before = case((shortened, wards.c.due_before_moderate), else_=wards.c.due_before)
    last_at = func.coalesce(readings.c.latest_taken_at, readings.c.admitted_at)
    return (
        select(
            readings.c.admission_id,
            readings.c.admitted_at,
            readings.c.latest_taken_at.label("taken_at"),
            shortened.label("shortened"),
            interval.label("interval"),
            wards.c.timezone,
        )
        .select_from(wards)
        .join(readings, readings.c.ward_id == wards.c.id)
        .where(last_at < due_before)
    )


def assessment_overdue_rule(session: Session, now: datetime) -> list[Finding]:
    """No valid CIWA-B within the ward's reassessment interval, counted from the last score or
    from admission; the shorter interval applies while the last band was moderate or worse.
    Intervals are local policy modelled on the alcohol order set (q4h; q1-2h when >= moderate)
    [S10][S56]. Overdue by a second interval raises the severity (local policy)."""
    rows = _rows(session, _assessment_overdue_query(_dialect(session)), {NOW: now})
    findings = []
    for row in rows:
        due = (row.taken_at or row.admitted_at) + timedelta(minutes=row.interval)
        since = f"since {_when(row.taken_at, row.timezone)}" if row.taken_at else "since admission"
        late_twice = due + timedelta(minutes=row.interval)
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity="high" if now >= late_twice or row.shortened else "moderate",
                message=(
                    f"No CIWA-B {since}; due {_when(due, row.timezone)} (every "
                    f"{_minutes(row.interval)}"
                    + (" while moderate or worse)" if row.shortened else ")")
                ),
                subject_at=due,
                # Overdue by a second interval is new evidence: a reminder after a review.
                evidence_at=late_twice if now >= late_twice else due,
            )
        )
    return findings


@lru_cache(maxsize=8)
def _worsening_query(dialect: str) -> Executable:
    readings = _latest_readings(
        dialect, WithdrawalAssessment, ("taken_at", "charted_at", "total", "band"), ciwa_b=True
    )
    # The score before the latest, looked up only when the latest is moderate or worse: below
    # that there is no band rise to find.
    before = aliased(WithdrawalAssessment, name="before_latest")
    previous_band = (
        select(col(before.band))
        .where(
            col(before.admission_id) == readings.c.admission_id,
            _is_ciwa_b(before),
            _valid(before.entered_in_error),
        )
        .order_by(col(before.taken_at).desc())
        .limit(1)
        .offset(1)
        .correlate(readings)
        .scalar_subquery()
    )
    # The window's lowest score, looked up only when the latest total reaches the ward's points:
    # totals are never negative, so below that the rise cannot reach them.
    earlier = aliased(WithdrawalAssessment, name="earlier")
    window_low = (
        select(func.min(col(earlier.total)))
        .where(
            col(earlier.admission_id) == readings.c.admission_id,
            _is_ciwa_b(earlier),
            _valid(earlier.entered_in_error),
            col(earlier.taken_at) < readings.c.latest_taken_at,
            col(earlier.taken_at)
            >= shift_seconds(readings.c.latest_taken_at, -col(Ward.worsening_hours) * 3600),
        )
        .correlate(readings, Ward)
        .scalar_subquery()
    )
    # Each admitted patient's latest score, the one before and the window's lowest, once.
    scores = _materialized(
        select(
            readings.c.admission_id,
            readings.c.latest_total.label("total"),
            readings.c.latest_band.label("band"),
            readings.c.latest_taken_at.label("taken_at"),
            readings.c.latest_charted_at.label("charted_at"),
            case(
                (_band_level(readings.c.latest_band) >= MODERATE, previous_band), else_=null()
            ).label("previous_band"),
            case(
                (readings.c.latest_total >= col(Ward.worsening_points), window_low), else_=null()
            ).label("window_low"),
            col(Ward.timezone).label("timezone"),
            col(Ward.worsening_hours).label("hours"),
            col(Ward.worsening_points).label("points"),
        )
        .join(Ward, col(Ward.id) == readings.c.ward_id)
        .where(readings.c.latest_taken_at.is_not(None)),
        "latest_scores",
    )
    band_rise = and_(
        scores.c.previous_band.is_not(None),
        _band_level(scores.c.band) >= MODERATE,
        _band_level(scores.c.band) > _band_level(scores.c.previous_band),
    )
    point_rise = scores.c.total - scores.c.window_low >= scores.c.points
    return select(scores, band_rise.label("band_rise"), point_rise.label("point_rise")).where(
        or_(band_rise, point_rise)
    )


def worsening_rule(session: Session, now: datetime) -> list[Finding]:
    """The latest CIWA-B rose into a higher band (moderate or worse) than the score before it,
    or is at least ``worsening_points`` above the lowest score of the ``worsening_hours``
    before it. No published delta rule was found: local policy, the ward's
    parameters (defaults +10 points in 24 h). Severe or very severe: high."""
    rows = _rows(session, _worsening_query(_dialect(session)))
    findings = []
    for row in rows:
        reasons = []
        if row.band_rise:
            reasons.append(f"up from {row.previous_band.replace('_', ' ')}")
        if row.point_rise:
            reasons.append(f"+{row.total - row.window_low} points within {row.hours} h")
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity="high" if BAND_LEVEL.get(row.band, 0) >= SEVERE else "moderate",
                message=(
                    f"CIWA-B {row.total} ({row.band.replace('_', ' ')}) at "
                    f"{_when(row.taken_at, row.timezone)}, {' and '.join(reasons)}"
                ),
                subject_at=row.taken_at,
                evidence_at=row.charted_at,
            )
        )
    return findings


def _step_scores(dialect: str, steps: CTE) -> Select[Any]:
    """The steps whose CIWA-B mean after them, within their window, exceeds the mean before
    by the margin, with at least STEP_MIN_READINGS scores on each side: each step's figures
    (means, counts, latest charting) read through the (admission_id, taken_at) index per
    patient. On PostgreSQL one LATERAL aggregate per step. On SQLite (no LATERAL) a correlated
    aggregate per figure: the two means for every step, then the counts and the charting time
    only for the steps whose means rise by the margin (few)."""
    score = aliased(WithdrawalAssessment, name="score")
    step_names = ("admission_id", "start_date", "start_at", "margin")
    if dialect == "postgresql":
        in_before = and_(
            col(score.taken_at) >= steps.c.window_from, col(score.taken_at) < steps.c.start_at
        )
        in_after = and_(
            col(score.taken_at) >= steps.c.start_at, col(score.taken_at) < steps.c.window_to
        )
        window = (
            select(
                func.avg(case((in_before, col(score.total)))).label("before_mean"),
                func.count(case((in_before, col(score.id)))).label("before_n"),
                func.avg(case((in_after, col(score.total)))).label("after_mean"),
                func.count(case((in_after, col(score.id)))).label("after_n"),
                func.max(col(score.charted_at)).label("evidence_at"),
            )
            .where(
                col(score.admission_id) == steps.c.admission_id,
                _is_ciwa_b(score),
                _valid(score.entered_in_error),
                col(score.taken_at) >= steps.c.window_from,
                col(score.taken_at) < steps.c.window_to,
            )
            .correlate(steps)
            .lateral("window_scores")
        )
        scores = _materialized(
            select(*(steps.c[name] for name in step_names), *window.c).select_from(
                outerjoin(steps, window, true())
            ),
            "step_scores",
        )
        return select(scores).where(
            scores.c.before_n >= STEP_MIN_READINGS,
            scores.c.after_n >= STEP_MIN_READINGS,
            scores.c.after_mean - scores.c.before_mean >= scores.c.margin,
        )

    def figure(of: CTE, value: Any, start: str, end: str) -> ColumnElement[Any]:
        return (
            select(value)
            .where(
                col(score.admission_id) == of.c.admission_id,
                _is_ciwa_b(score),
                _valid(score.entered_in_error),
                col(score.taken_at) >= of.c[start],
                col(score.taken_at) < of.c[end],
            )
            .correlate(of)
            .scalar_subquery()
        )

    mean = func.avg(col(score.total))
    means = _materialized(
        select(
            *steps.c,
            figure(steps, mean, "window_from", "start_at").label("before_mean"),
            figure(steps, mean, "start_at", "window_to").label("after_mean"),
        ),
        "step_means",
    )
    count = func.count(col(score.id))
    before_n = figure(means, count, "window_from", "start_at")
    after_n = figure(means, count, "start_at", "window_to")
    return select(
        *(means.c[name] for name in step_names),
        means.c.before_mean,
        before_n.label("before_n"),
        means.c.after_mean,
        after_n.label("after_n"),
        figure(means, func.max(col(score.charted_at)), "window_from", "window_to").label(
            "evidence_at"
        ),
    ).where(
        # The means' rise first: SQLite evaluates the counts only for the steps it keeps.
        means.c.after_mean - means.c.before_mean >= means.c.margin,
        before_n >= STEP_MIN_READINGS,
        after_n >= STEP_MIN_READINGS,
    )


@lru_cache(maxsize=8)
def _step_query(dialect: str, zones: tuple[str, ...]) -> Executable:
    today = _ward_today(zones)
    candidate, plan = aliased(TaperStep, name="candidate"), aliased(TaperPlan, name="plan")
    latest_first = (
        col(candidate.plan_id) == col(plan.id),
        col(candidate.kind) != "baseline",
        col(candidate.start_date) <= today,
    )
    latest_order = (col(candidate.start_date).desc(), col(candidate.step_index).desc())
    admitted = (
        select()
        .select_from(Admission)
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(plan, and_(col(plan.admission_id) == col(Admission.id), col(plan.status) == "active"))
        .where(ADMITTED)
    )
    days, zone = col(Ward.step_window_days), col(Ward.timezone)

    def window(start_date: Any) -> list[ColumnElement[Any]]:
        return [
            local_midnight_utc(start_date, -days, zone).label("window_from"),
            local_midnight_utc(start_date, literal(0), zone).label("start_at"),
            local_midnight_utc(start_date, days, zone).label("window_to"),
            col(Ward.step_margin_points).label("margin"),
        ]

    # Each admitted patient's latest step (looked up once per patient, through its plan's
    # steps) and its window in UTC, computed once per patient rather than per score.
    if dialect == "postgresql":
        latest = (
            select(col(candidate.start_date).label("start_date"), col(candidate.kind).label("kind"))
            .where(*latest_first)
            .order_by(*latest_order)
            .limit(1)
            .correlate(plan, Ward)
            .lateral("latest_step")
        )
        steps = _materialized(
            admitted.add_columns(
                col(Admission.id).label("admission_id"),
                latest.c.start_date,
                *window(latest.c.start_date),
            )
            .join(latest, true())
            .where(latest.c.kind.in_(CHANGING_STEP_KINDS)),
            "latest_steps",
        )
        return _step_scores(dialect, steps)
    latest_step_id = (
        select(col(candidate.id))
        .where(*latest_first)
        .order_by(*latest_order)
        .limit(1)
        .correlate(plan, Ward)
        .scalar_subquery()
    )
    current = admitted.add_columns(
        col(Admission.id).label("admission_id"),
        col(Admission.ward_id).label("ward_id"),
        latest_step_id.label("step_id"),
    ).cte("current_steps")
    step = aliased(TaperStep, name="step")
    steps = _materialized(
        select(
            current.c.admission_id,
            col(step.start_date).label("start_date"),
            *window(col(step.start_date)),
        )
        .select_from(current)
        .join(Ward, col(Ward.id) == current.c.ward_id)
        .join(step, col(step.id) == current.c.step_id)
        .where(col(step.kind).in_(CHANGING_STEP_KINDS)),
        "latest_steps",
    )
    return _step_scores(dialect, steps)


def step_not_tolerated_rule(session: Session, now: datetime) -> list[Finding]:
    """The mean CIWA-B in the ``step_window_days`` after the latest taper step (a cut or a
    crossover stage) exceeds the mean of the same span before it by ``step_margin_points``:
    suggest holding at rounds. Check for withdrawal after every cut and slow or pause if it is
    significant [S16]; symptoms may take up to a week after a cut [S22] (default window 7
    days). The margin is local policy. Twice the margin: high. Steps start at ward-local
    midnight of their start date."""
    zones = _ward_zones(session)
    if not zones:
        return []
    statement = _step_query(_dialect(session), zones)
    rows = _rows(session, statement, _ward_dates(zones, now))
    findings = []
    for row in rows:
        before, after_value = float(row.before_mean), float(row.after_mean)
        rise = after_value - before
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject=f"step:{row.start_date.isoformat()}",
                severity="high" if rise >= 2 * row.margin else "moderate",
                message=(
                    f"CIWA-B mean {after_value:.0f} since the step on {row.start_date:%d %b}, "
                    f"{before:.0f} before (+{rise:.0f}; margin {row.margin}): consider a hold"
                ),
                subject_at=row.start_at,
                evidence_at=row.evidence_at,
            )
        )
    return findings


# --- vital signs -----------------------------------------------------------------------------


def _news2_urgent(readings: CTE) -> ColumnElement[bool]:
    return or_(
        readings.c.latest_news2_total >= MEDIUM_TOTAL,
        readings.c.latest_news2_any_three.is_(True),
    )


@lru_cache(maxsize=8)
def _news2_query(dialect: str) -> Executable:
    readings = _latest_readings(
        dialect, VitalSigns, ("taken_at", "charted_at", "news2_total", "news2_any_three")
    )
    return (
        select(
            readings.c.admission_id,
            readings.c.latest_news2_total.label("news2_total"),
            readings.c.latest_taken_at.label("taken_at"),
            readings.c.latest_charted_at.label("charted_at"),
            col(Ward.timezone).label("timezone"),
        )
        .join(Ward, col(Ward.id) == readings.c.ward_id)
        .where(_news2_urgent(readings))
    )


def news2_rule(session: Session, now: datetime) -> list[Finding]:
    """The latest NEWS2: 5 or more, or any single parameter scoring 3, calls for urgent review
    (high); 7 or more for an emergency response (emergency) [S35]."""
    rows = _rows(session, _news2_query(_dialect(session)))
    findings = []
    for row in rows:
        emergency = row.news2_total >= HIGH_TOTAL
        if emergency:
            why = "emergency response"
        elif row.news2_total >= MEDIUM_TOTAL:
            why = "urgent review"
        else:
            why = "a single parameter scores 3: inform the team"
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity="emergency" if emergency else "high",
                message=f"NEWS2 {row.news2_total} at {_when(row.taken_at, row.timezone)}: {why}",
                subject_at=row.taken_at,
                evidence_at=row.charted_at,
            )
        )
    return findings


@lru_cache(maxsize=8)
def _vitals_overdue_query(dialect: str) -> Executable:
    readings = _latest_readings(dialect, VitalSigns, ("taken_at", "news2_total", "news2_any_three"))
    hour = literal(int(NEWS2_HOURLY_OBS.total_seconds() // 60))
    wards = _wards(due_before=col(Ward.vitals_interval_min), due_before_hourly=hour)
    hourly = func.coalesce(_news2_urgent(readings), false())
    interval = case((hourly, hour), else_=wards.c.vitals_interval_min)
    due_before = case((hourly, wards.c.due_before_hourly), else_=wards.c.due_before)
    last_at = func.coalesce(readings.c.latest_taken_at, readings.c.admitted_at)
    return (
        select(
            readings.c.admission_id,
            readings.c.admitted_at,
            readings.c.latest_taken_at.label("taken_at"),
            hourly.label("hourly"),
            interval.label("interval"),
            wards.c.timezone,
        )
        .select_from(wards)
        .join(readings, readings.c.ward_id == wards.c.id)
        .where(last_at < due_before)
    )


def vitals_overdue_rule(session: Session, now: datetime) -> list[Finding]:
    """No valid vital signs within the ward's interval (local policy, default 4 h after NEWS2
    1-4: obs at least 4-6 hourly [S35]), or within an hour while the last NEWS2 was urgent
    (obs at least hourly [S35]; high). Overdue by a second interval: moderate (local policy)."""
    rows = _rows(session, _vitals_overdue_query(_dialect(session)), {NOW: now})
    findings = []
    for row in rows:
        due = (row.taken_at or row.admitted_at) + timedelta(minutes=row.interval)
        since = f"since {_when(row.taken_at, row.timezone)}" if row.taken_at else "since admission"
        every = "hourly while NEWS2 is urgent" if row.hourly else f"every {_minutes(row.interval)}"
        late_twice = due + timedelta(minutes=row.interval)
        if row.hourly:
            severity = "high"
        else:
            severity = "moderate" if now >= late_twice else "low"
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity=severity,
                message=f"No vital signs {since}; due {_when(due, row.timezone)} ({every})",
                subject_at=due,
                evidence_at=late_twice if now >= late_twice else due,
            )
        )
    return findings


RULES: tuple[Rule, ...] = tuple(
    Rule(REVIEW_RULE_BY_NAME[name], find)
    for name, find in (
        ("news2", news2_rule),
        ("missed_dose", missed_dose_rule),
        ("dose_skipped", dose_skipped_rule),
        ("worsening", worsening_rule),
        ("step_not_tolerated", step_not_tolerated_rule),
        ("assessment_overdue", assessment_overdue_rule),
        ("vitals_overdue", vitals_overdue_rule),
    )
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}
