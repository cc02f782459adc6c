"""The review rules. Each looks at one ward with set-based SQL (one query, never a loop over the
patients' rows), takes its thresholds from the ward's policy row and returns Findings: what a
human should look at. Rules never act on a patient; jobs.flags turns Findings into flags.

Everywhere: entered-in-error rows and discharged admissions are ignored. Instants are UTC in
the database; messages show the ward's local time.

A finding's ``subject`` says what the flag is about. Doses and administrations are their own
subjects; the continuing conditions (overdue, worsening, NEWS2) have one subject per admission,
so a patient carries at most one flag of each kind and a new reading updates it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Executable,
    Row,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
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
    ScheduledDose,
    TaperPlan,
    TaperStep,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)

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


@dataclass(frozen=True)
class Finding:
    admission_id: int
    subject: str
    severity: str  # one of models.tables.FLAG_SEVERITIES
    message: str  # one line: why
    subject_at: datetime  # the moment the finding is about (the queue links the chart there)
    evidence_at: datetime  # when the evidence arose; a human resolution after it stands


RuleFunction = Callable[[Session, Ward, datetime], list[Finding]]


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


def _admitted_to(ward: Ward) -> list[ColumnElement[bool]]:
    return [col(Admission.ward_id) == ward.id, col(Admission.discharged_at).is_(None)]


def _valid(entered_in_error: Any) -> ColumnElement[bool]:
    # "= false", not "IS false": the partial indexes are declared on "entered_in_error = false".
    return entered_in_error == false()  # type: ignore[no-any-return]


def _rows(session: Session, statement: Executable) -> Sequence[Row[Any]]:
    return session.connection().execute(statement).all()


def _band_level(band: Any) -> ColumnElement[int]:
    return case(BAND_LEVEL, value=band, else_=0)


def _when(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%d %b %H:%M")


def _minutes(minutes: int) -> str:
    if minutes % 60 == 0:
        return f"{minutes // 60} h"
    return f"{minutes} min"


def _latest_ciwa_b(ward: Ward) -> CTE:
    """Valid CIWA-B scores of the ward's admitted patients, ranked newest first (rn = 1)."""
    wa = WithdrawalAssessment
    return (
        select(
            col(wa.id).label("id"),
            col(wa.admission_id).label("admission_id"),
            col(wa.taken_at).label("taken_at"),
            col(wa.charted_at).label("charted_at"),
            col(wa.total).label("total"),
            col(wa.band).label("band"),
            func.row_number()
            .over(
                partition_by=col(wa.admission_id),
                order_by=(col(wa.taken_at).desc(), col(wa.id).desc()),
            )
            .label("rn"),
        )
        .join(Admission, col(Admission.id) == col(wa.admission_id))
        .where(*_admitted_to(ward), col(wa.scale) == "CIWA-B", _valid(wa.entered_in_error))
        .cte("ciwa_b_ranked")
    )


def _latest_vitals(ward: Ward) -> CTE:
    vs = VitalSigns
    return (
        select(
            col(vs.admission_id).label("admission_id"),
            col(vs.taken_at).label("taken_at"),
            col(vs.charted_at).label("charted_at"),
            col(vs.news2_total).label("news2_total"),
            col(vs.news2_any_three).label("news2_any_three"),
            func.row_number()
            .over(
                partition_by=col(vs.admission_id),
                order_by=(col(vs.taken_at).desc(), col(vs.id).desc()),
            )
            .label("rn"),
        )
        .join(Admission, col(Admission.id) == col(vs.admission_id))
        .where(*_admitted_to(ward), _valid(vs.entered_in_error))
        .cte("vitals_ranked")
    )


# --- doses -----------------------------------------------------------------------------------


def missed_dose_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """A live scheduled dose with no valid administration record once the ward's window after
    its time has passed [S41]. The window is the ward's (ISMP +/-1 h for non-time-critical
    doses [S37]; BZD doses are time-critical by no source: local policy). A second missed dose
    makes every missed-dose flag of the patient high: skipped doses worsen withdrawal [S23]."""
    sd = ScheduledDose
    window = timedelta(minutes=ward.dose_window_min)
    charted = exists().where(
        col(DoseAdministration.scheduled_dose_id) == col(sd.id),
        _valid(DoseAdministration.entered_in_error),
    )
    rows = _rows(
        session,
        select(
            col(sd.id).label("id"),
            col(sd.admission_id).label("admission_id"),
            col(sd.drug).label("drug"),
            col(sd.dose_ug).label("dose_ug"),
            col(sd.scheduled_at).label("scheduled_at"),
            func.count().over(partition_by=col(sd.admission_id)).label("missed"),
        )
        .join(Admission, col(Admission.id) == col(sd.admission_id))
        .where(
            *_admitted_to(ward),
            col(sd.cancelled_at).is_(None),
            col(sd.scheduled_at) < now - window,
            col(sd.scheduled_at) >= col(Admission.admitted_at),
            ~charted,
        ),
    )
    tz = ZoneInfo(ward.timezone)
    return [
        Finding(
            admission_id=row.admission_id,
            subject=f"dose:{row.id}",
            severity="high" if row.missed > 1 else "moderate",
            message=(
                f"{row.drug.title()} {format_mg(row.dose_ug)} mg due {_when(row.scheduled_at, tz)}"
                f" not charted (window ±{_minutes(ward.dose_window_min)})"
                + (f"; {row.missed} doses missed" if row.missed > 1 else "")
            ),
            subject_at=row.scheduled_at,
            evidence_at=row.scheduled_at + window,
        )
        for row in rows
    ]


def dose_skipped_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """A scheduled dose charted held, refused or not given, for review: skipped doses worsen
    withdrawal [S23]; for critical medicines one refused dose counts as missed [S41]. A hold is
    a clinical decision (low); a refusal or omission moderate (local policy)."""
    da, sd = DoseAdministration, ScheduledDose
    rows = _rows(
        session,
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
        )
        .join(Admission, col(Admission.id) == col(da.admission_id))
        .outerjoin(sd, col(sd.id) == col(da.scheduled_dose_id))
        .where(
            *_admitted_to(ward),
            col(da.status).in_(SKIPPED_STATUSES),
            col(da.prn).is_(False),
            _valid(da.entered_in_error),
        ),
    )
    tz = ZoneInfo(ward.timezone)
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
                    f"{row.drug.title()}{dose} due {_when(row.due_at, tz)} "
                    f"{row.status.replace('_', ' ')}: {reason}"
                ),
                subject_at=row.due_at,
                evidence_at=row.charted_at,
            )
        )
    return findings


# --- withdrawal scores -----------------------------------------------------------------------


def assessment_overdue_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """No valid CIWA-B within the ward's reassessment interval, counted from the last score or
    from admission; the shorter interval applies while the last band was moderate or worse.
    Intervals are local policy modelled on the alcohol order set (q4h; q1-2h when >= moderate)
    [S10][S56]. Overdue by a second interval raises the severity (local policy)."""
    latest = _latest_ciwa_b(ward)
    normal = timedelta(minutes=ward.reassess_interval_min)
    short = timedelta(minutes=ward.reassess_interval_moderate_min)
    last_at = func.coalesce(latest.c.taken_at, col(Admission.admitted_at))
    shortened = _band_level(latest.c.band) >= MODERATE
    rows = _rows(
        session,
        select(
            col(Admission.id).label("admission_id"),
            col(Admission.admitted_at).label("admitted_at"),
            latest.c.taken_at,
            latest.c.band,
            shortened.label("shortened"),
        )
        .outerjoin(latest, and_(latest.c.admission_id == col(Admission.id), latest.c.rn == 1))
        .where(
            *_admitted_to(ward),
            or_(
                and_(shortened, last_at < now - short),
                and_(~shortened, last_at < now - normal),
            ),
        ),
    )
    tz = ZoneInfo(ward.timezone)
    findings = []
    for row in rows:
        minutes = (
            ward.reassess_interval_moderate_min if row.shortened else ward.reassess_interval_min
        )
        due = (row.taken_at or row.admitted_at) + timedelta(minutes=minutes)
        since = f"since {_when(row.taken_at, tz)}" if row.taken_at else "since admission"
        base = "high" if row.shortened else "moderate"
        late_twice = now >= due + timedelta(minutes=minutes)
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity="high" if late_twice else base,
                message=(
                    f"No CIWA-B {since}; due {_when(due, tz)} (every {_minutes(minutes)}"
                    + (" while moderate or worse)" if row.shortened else ")")
                ),
                subject_at=due,
                evidence_at=due,
            )
        )
    return findings


def worsening_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """The latest CIWA-B rose into a higher band (moderate or worse) than the score before it,
    or is at least ``worsening_points`` above the lowest score of the ``worsening_hours``
    before it. No published delta rule exists (CLINICAL.md section 6): local policy, the ward's
    parameters (defaults +10 points in 24 h). Severe or very severe: high."""
    ranked = _latest_ciwa_b(ward)
    latest, previous = ranked.alias("latest"), ranked.alias("previous")
    wa = aliased(WithdrawalAssessment)
    window_low = (
        select(func.min(col(wa.total)))
        .where(
            col(wa.admission_id) == latest.c.admission_id,
            col(wa.scale) == "CIWA-B",
            _valid(wa.entered_in_error),
            col(wa.taken_at) < latest.c.taken_at,
            col(wa.taken_at) >= shift_seconds(latest.c.taken_at, -ward.worsening_hours * 3600),
        )
        .scalar_subquery()
    )
    scores = (
        select(
            latest.c.admission_id,
            latest.c.total,
            latest.c.band,
            latest.c.taken_at,
            latest.c.charted_at,
            previous.c.band.label("previous_band"),
            window_low.label("window_low"),
        )
        .outerjoin(
            previous,
            and_(previous.c.admission_id == latest.c.admission_id, previous.c.rn == 2),
        )
        .where(latest.c.rn == 1)
        .subquery("scores")
    )
    band_rise = and_(
        scores.c.previous_band.is_not(None),
        _band_level(scores.c.band) >= MODERATE,
        _band_level(scores.c.band) > _band_level(scores.c.previous_band),
    )
    point_rise = scores.c.total - scores.c.window_low >= ward.worsening_points
    rows = _rows(
        session,
        select(scores, band_rise.label("band_rise"), point_rise.label("point_rise")).where(
            or_(band_rise, point_rise)
        ),
    )
    tz = ZoneInfo(ward.timezone)
    findings = []
    for row in rows:
        reasons = []
        if row.band_rise:
            reasons.append(f"up from {row.previous_band.replace('_', ' ')}")
        if row.point_rise:
            reasons.append(f"+{row.total - row.window_low} points within {ward.worsening_hours} h")
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity="high" if BAND_LEVEL.get(row.band, 0) >= SEVERE else "moderate",
                message=(
                    f"CIWA-B {row.total} ({row.band.replace('_', ' ')}) at "
                    f"{_when(row.taken_at, tz)}, {' and '.join(reasons)}"
                ),
                subject_at=row.taken_at,
                evidence_at=row.charted_at,
            )
        )
    return findings


def step_not_tolerated_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """The mean CIWA-B in the ``step_window_days`` after the latest taper step (a cut or a
    crossover stage) exceeds the mean of the same span before it by ``step_margin_points``:
    suggest holding at rounds. Check for withdrawal after every cut and slow or pause if it is
    significant [S16]; symptoms may take up to a week after a cut [S22] (default window 7
    days). The margin is local policy. Twice the margin: high. Steps start at ward-local
    midnight of their start date."""
    tz_name = ward.timezone
    today = now.astimezone(ZoneInfo(tz_name)).date()
    ts, tp = TaperStep, TaperPlan
    steps = (
        select(
            col(tp.admission_id).label("admission_id"),
            col(ts.start_date).label("start_date"),
            col(ts.kind).label("kind"),
            func.row_number()
            .over(
                partition_by=col(tp.admission_id),
                order_by=(col(ts.start_date).desc(), col(ts.step_index).desc()),
            )
            .label("rn"),
        )
        .join(tp, col(tp.id) == col(ts.plan_id))
        .join(Admission, col(Admission.id) == col(tp.admission_id))
        .where(
            *_admitted_to(ward),
            col(tp.status) == "active",
            col(ts.kind) != "baseline",
            col(ts.start_date) <= today,
        )
        .cte("latest_step")
    )
    days = ward.step_window_days
    start_at = local_midnight_utc(steps.c.start_date, literal(0), literal(tz_name))
    window_from = local_midnight_utc(steps.c.start_date, literal(-days), literal(tz_name))
    window_to = local_midnight_utc(steps.c.start_date, literal(days), literal(tz_name))
    wa = WithdrawalAssessment
    after = col(wa.taken_at) >= start_at
    before_mean = func.avg(case((~after, col(wa.total))))
    after_mean = func.avg(case((after, col(wa.total))))
    before_n = func.count(case((~after, col(wa.id))))
    after_n = func.count(case((after, col(wa.id))))
    rows = _rows(
        session,
        select(
            steps.c.admission_id,
            steps.c.start_date,
            start_at.label("start_at"),
            before_mean.label("before_mean"),
            after_mean.label("after_mean"),
            func.max(col(wa.charted_at)).label("evidence_at"),
        )
        .join(
            wa,
            and_(
                col(wa.admission_id) == steps.c.admission_id,
                col(wa.scale) == "CIWA-B",
                _valid(wa.entered_in_error),
                col(wa.taken_at) >= window_from,
                col(wa.taken_at) < window_to,
            ),
        )
        .where(steps.c.rn == 1, steps.c.kind.in_(CHANGING_STEP_KINDS))
        .group_by(steps.c.admission_id, steps.c.start_date)
        .having(
            before_n >= STEP_MIN_READINGS,
            after_n >= STEP_MIN_READINGS,
            after_mean - before_mean >= ward.step_margin_points,
        ),
    )
    findings = []
    for row in rows:
        before, after_value = float(row.before_mean), float(row.after_mean)
        rise = after_value - before
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject=f"step:{row.start_date.isoformat()}",
                severity="high" if rise >= 2 * ward.step_margin_points else "moderate",
                message=(
                    f"CIWA-B mean {after_value:.0f} since the step on {row.start_date:%d %b}, "
                    f"{before:.0f} before (+{rise:.0f}; margin {ward.step_margin_points}): "
                    "consider a hold"
                ),
                subject_at=row.start_at,
                evidence_at=row.evidence_at,
            )
        )
    return findings


# --- vital signs -----------------------------------------------------------------------------


def news2_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """The latest NEWS2: 5 or more, or any single parameter scoring 3, calls for urgent review
    (high); 7 or more for an emergency response (emergency) [S35]."""
    latest = _latest_vitals(ward)
    rows = _rows(
        session,
        select(latest).where(
            latest.c.rn == 1,
            or_(
                latest.c.news2_total >= MEDIUM_TOTAL,
                latest.c.news2_any_three.is_(True),
            ),
        ),
    )
    tz = ZoneInfo(ward.timezone)
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
                message=f"NEWS2 {row.news2_total} at {_when(row.taken_at, tz)}: {why}",
                subject_at=row.taken_at,
                evidence_at=row.charted_at,
            )
        )
    return findings


def vitals_overdue_rule(session: Session, ward: Ward, now: datetime) -> list[Finding]:
    """No valid vital signs within the ward's interval (local policy, default 4 h after NEWS2
    1-4: obs at least 4-6 hourly [S35]), or within an hour while the last NEWS2 was urgent
    (obs at least hourly [S35]; high)."""
    latest = _latest_vitals(ward)
    normal = timedelta(minutes=ward.vitals_interval_min)
    last_at = func.coalesce(latest.c.taken_at, col(Admission.admitted_at))
    hourly = or_(latest.c.news2_total >= MEDIUM_TOTAL, latest.c.news2_any_three.is_(True))
    rows = _rows(
        session,
        select(
            col(Admission.id).label("admission_id"),
            col(Admission.admitted_at).label("admitted_at"),
            latest.c.taken_at,
            func.coalesce(hourly, false()).label("hourly"),
        )
        .outerjoin(latest, and_(latest.c.admission_id == col(Admission.id), latest.c.rn == 1))
        .where(
            *_admitted_to(ward),
            or_(
                and_(hourly, last_at < now - NEWS2_HOURLY_OBS),
                and_(~func.coalesce(hourly, false()), last_at < now - normal),
            ),
        ),
    )
    tz = ZoneInfo(ward.timezone)
    findings = []
    for row in rows:
        interval = NEWS2_HOURLY_OBS if row.hourly else normal
        due = (row.taken_at or row.admitted_at) + interval
        since = f"since {_when(row.taken_at, tz)}" if row.taken_at else "since admission"
        every = (
            "hourly while NEWS2 is urgent"
            if row.hourly
            else f"every {_minutes(int(interval.total_seconds() // 60))}"
        )
        findings.append(
            Finding(
                admission_id=row.admission_id,
                subject="admission",
                severity="high" if row.hourly else "low",
                message=f"No vital signs {since}; due {_when(due, tz)} ({every})",
                subject_at=due,
                evidence_at=due,
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
