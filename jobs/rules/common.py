"""What every review rule shares: the Finding it returns, the Rule record, and the SQL pieces
the rules are built from (the scan's instant as a bound parameter, each ward's deadlines, each
admitted patient's latest reading).

Each rule's statement is built once per dialect (models.statements) with the scan's instant as
a bound parameter, so building it costs nothing per scan and SQLAlchemy's compiled cache serves
it. Every number a rule compares with comes from models.clinical (the definitions the pages
use) or from the ward's policy row, read in the same statement.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
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
    bindparam,
    case,
    false,
    func,
    null,
    or_,
    outerjoin,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import CTE
from sqlmodel import Session, col

from jobs.sql_time import shift_seconds
from models.clinical.news2 import MEDIUM_TOTAL, URGENT_OBS_INTERVAL_MIN
from models.clinical.observations import Overdue
from models.clinical.scales import Band
from models.flag_text import Part, english, instant, message
from models.flags import ReviewRule
from models.statements import built_once
from models.tables import Admission, Ward
from models.types import UTCDateTime


@dataclass(frozen=True)
class Finding:
    """What a rule judged of one subject. ``severity`` None means "judged, nothing to flag":
    a rule that does not judge every subject on every scan (the step rule judges only each
    patient's latest step) says so explicitly, so its other flags are left as they are."""

    admission_id: int
    subject: str
    severity: str | None  # one of models.clinical.levels.FLAG_SEVERITIES, or None
    message: str  # one line: why
    subject_at: datetime  # the moment the finding is about (the queue links the chart there)
    evidence_at: datetime  # when the evidence arose; a human resolution after it stands
    # ``message`` language-neutral (models.flag_text): its code and values; None for none
    text: Mapping[str, Any] | None = None


def judged_clear(admission_id: int, subject: str, at: datetime) -> Finding:
    return Finding(admission_id, subject, None, "", at, at)


def worded(
    admission_id: int,
    subject: str,
    severity: str,
    text: Part,
    *,
    at: datetime,
    evidence_at: datetime,
) -> Finding:
    """A finding to flag, said by ``text`` (models.flag_text): in English as its ``message`` (the
    log, the CLI) and as its code and values for each reader's language."""
    return Finding(admission_id, subject, severity, english(text), at, evidence_at, text)


def reading_finding(row: Any, subject: str, severity: str, text: Part) -> Finding:
    """A finding about a patient's reading: a row with ``admission_id``, ``taken_at`` (the
    moment the flag is about) and ``charted_at`` (when the evidence arose)."""
    return worded(
        row.admission_id, subject, severity, text, at=row.taken_at, evidence_at=row.charted_at
    )


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


ADMITTED = col(Admission.discharged_at).is_(None)
NOW = "now"


def valid(entered_in_error: Any) -> ColumnElement[bool]:
    # "= false", not "IS false": the partial indexes are declared on "entered_in_error = false".
    return entered_in_error == false()  # type: ignore[no-any-return]


def dialect_of(session: Session) -> str:
    return session.connection().dialect.name


def fetch(
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


def now_param() -> ColumnElement[datetime]:
    """The scan's instant: pass ``{NOW: now}`` when executing."""
    return bindparam(NOW, type_=UTCDateTime())


def before_now(minutes: Any) -> ColumnElement[datetime]:
    """The scan's instant minus ``minutes`` (a ward's policy column, or an expression of them)."""
    return shift_seconds(now_param(), -minutes * 60)


def materialized(query: Select[Any] | Any, name: str) -> CTE:
    """A CTE computed once (not inlined), so per-patient values are not recomputed per row."""
    return query.cte(name).prefix_with("MATERIALIZED")


def wards_with_deadlines(*columns: Any, **deadlines: Any) -> CTE:
    """The wards (their policy columns by name, and ``columns``) with, for each keyword, the
    scan's instant minus that many minutes (a policy column, or a number): each ward's deadlines
    are computed once, not once per patient."""
    due = [before_now(minutes).label(name) for name, minutes in deadlines.items()]
    return materialized(select(Ward).add_columns(*columns, *due), "ward_deadlines")


def band_level(band: Any) -> ColumnElement[int]:
    """A stored band name's 0-4 level in SQL (models.clinical.levels.band_level)."""
    return case({b.value: b.order for b in Band}, value=band, else_=0)


def news2_urgent(total: Any, any_three: Any) -> ColumnElement[bool]:
    """NEWS2 calls for urgent review (models.clinical.news2.News2Response.urgent) [S35]."""
    return or_(total >= MEDIUM_TOTAL, any_three == true())


def urgent_obs_interval(routine_min: Any) -> ColumnElement[int]:
    """The shorter of an hour and the ward's routine interval (news2.obs_interval_min) [S35]."""
    return case((routine_min < URGENT_OBS_INTERVAL_MIN, routine_min), else_=URGENT_OBS_INTERVAL_MIN)


ReasonPattern = tuple["re.Pattern[str]", Callable[["re.Match[str]"], Part]]


def reason_part(reason: str, patterns: Sequence[ReasonPattern]) -> Part:
    """A reason worded by models.clinical, as a message part of models.flag_text (so it reads in
    each reader's language); a wording no pattern knows stays as it is (English)."""
    for pattern, build in patterns:
        found = pattern.fullmatch(reason)
        if found is not None:
            return build(found)
    return reason


def labelled(model: Any, *fields: str) -> list[ColumnElement[Any]]:
    """``model``'s columns ``fields``, each selected under its own name."""
    return [col(getattr(model, field)).label(field) for field in fields]


def is_prn(model: Any) -> ColumnElement[bool]:
    # "= true", the predicate of the partial index of PRN doses (ix_dose_administration_prn).
    return col(model.prn) == true()


def is_ciwa_b(model: Any) -> ColumnElement[bool]:
    return col(model.scale) == "CIWA-B"


def _reading_conditions(row: Any, scale: str | None) -> list[ColumnElement[bool]]:
    conditions = [col(row.admission_id) == col(Admission.id), valid(row.entered_in_error)]
    if scale is not None:
        conditions.append(col(row.scale) == scale)
    return conditions


def latest_readings(
    dialect: str, model: Any, fields: tuple[str, ...], *, scale: str | None = None
) -> CTE:
    """Each admitted patient (``admission_id``, ``admitted_at``, ``ward_id``) with ``fields``
    of its latest valid reading of ``model`` (of ``scale``, for scores) as ``latest_<field>``
    (NULL when there is none), found by walking the (admission_id, taken_at) index backwards
    once per patient: a LATERAL subquery on PostgreSQL (computed once, MATERIALIZED); on SQLite a
    correlated id lookup joined by primary key (no LATERAL there), which SQLite joins into the
    query using it rather than copying every patient's row into a temporary table first."""
    columns: list[Any] = [
        col(Admission.id).label("admission_id"),
        col(Admission.admitted_at).label("admitted_at"),
        col(Admission.ward_id).label("ward_id"),
    ]
    row = aliased(model, name="latest_row")
    name = f"{model.__tablename__}_{(scale or 'any').replace('-', '_').lower()}_latest"
    if dialect == "postgresql":
        reading = (
            select(*(col(getattr(row, f)).label(f) for f in fields))
            .where(*_reading_conditions(row, scale))
            .order_by(col(row.taken_at).desc())
            .limit(1)
            .correlate(Admission)
            .lateral("latest_reading")
        )
        columns += [reading.c[f].label(f"latest_{f}") for f in fields]
        source = outerjoin(Admission, reading, true())
        return materialized(select(*columns).select_from(source).where(ADMITTED), name)
    found = aliased(model, name="latest_found")
    reading_id = (
        select(col(found.id))
        .where(*_reading_conditions(found, scale))
        .order_by(col(found.taken_at).desc())
        .limit(1)
        .correlate(Admission)
        .scalar_subquery()
    )
    columns += [col(getattr(row, f)).label(f"latest_{f}") for f in fields]
    source = outerjoin(Admission, row, col(row.id) == reading_id)
    return select(*columns).select_from(source).where(ADMITTED).cte(name)


def overdue_query(
    readings: CTE,
    shortened: ColumnElement[bool],
    routine_min: Any,
    shortened_min: Any,
    *columns: Any,
) -> Select[Any]:
    """Each admitted patient whose latest reading (none: their admission) is older than the
    ward's interval: ``routine_min``, or ``shortened_min`` where the condition ``shortened`` on
    ``readings`` holds (both expressions of the ward's policy columns). Its columns:
    ``admission_id``, ``admitted_at``, ``taken_at`` (NULL when there is no reading), ``columns``
    (of ``readings``), the two intervals as ``routine`` and ``shortened``, the ward's
    ``timezone``."""
    wards = wards_with_deadlines(
        routine_min.label("routine"),
        shortened_min.label("shortened"),
        due_before=routine_min,
        due_before_shortened=shortened_min,
    )
    due_before = case((shortened, wards.c.due_before_shortened), else_=wards.c.due_before)
    last_at = func.coalesce(readings.c.latest_taken_at, readings.c.admitted_at)
    return (
        select(
            readings.c.admission_id,
            readings.c.admitted_at,
            readings.c.latest_taken_at.label("taken_at"),
            *columns,
            wards.c.routine,
            wards.c.shortened,
            wards.c.timezone,
        )
        .select_from(wards)
        .join(readings, readings.c.ward_id == wards.c.id)
        .where(last_at < due_before)
    )


def overdue_findings(
    rows: Sequence[Any],
    judge: Callable[[Any], Overdue | None],
    code: str,
    every: Callable[[Overdue], Part],
) -> list[Finding]:
    """For each row of ``overdue_query`` that ``judge`` finds overdue, the finding "No <what>
    since …; due … (<every>)" (``code``: the message of models.flag_text saying what is
    overdue; ``every``: the interval in force, in words)."""
    findings = []
    for row in rows:
        overdue = judge(row)
        if overdue is None:
            continue
        since = (
            message("since", when=instant(row.taken_at, row.timezone))
            if row.taken_at
            else message("since_admission")
        )
        text = message(
            code, since=since, due=instant(overdue.due, row.timezone), every=every(overdue)
        )
        findings.append(
            worded(
                row.admission_id,
                "admission",
                overdue.severity,
                text,
                at=overdue.due,
                evidence_at=overdue.evidence_at,
            )
        )
    return findings


@built_once
def _zones_query() -> Executable:
    return select(col(Ward.timezone)).distinct()


def ward_zones(session: Session) -> tuple[str, ...]:
    """The time zones of the wards (few), sorted."""
    return tuple(sorted(session.connection().execute(_zones_query()).scalars().all()))


def ward_today(zones: tuple[str, ...]) -> ColumnElement[Any]:
    """Each ward's local date at the scan's instant: one CASE branch per time zone in ``zones``,
    its date bound as ``today_<i>`` (see :func:`ward_dates`)."""
    return case(
        {zone: bindparam(f"today_{i}", type_=Date()) for i, zone in enumerate(zones)},
        value=col(Ward.timezone),
        else_=null(),
    )


def ward_dates(zones: tuple[str, ...], now: datetime) -> dict[str, date]:
    return {f"today_{i}": now.astimezone(ZoneInfo(zone)).date() for i, zone in enumerate(zones)}


def review_span_start(now: datetime, span: timedelta) -> datetime:
    return now - span
