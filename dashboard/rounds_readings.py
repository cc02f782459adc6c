"""The rounds summary's readings since each patient's last rounds note (rounds_queries.py): the
CIWA-B scores and the NEWS2 of the vital signs, summarised by the database in a few statements
whatever the number of patients. Its column reads are measured (bench): change them only with
the bench beside you.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, bindparam, false, func, union_all
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from models.clinical.news2 import news2_response
from models.tables import VitalSigns, WithdrawalAssessment


@dataclass(frozen=True)
class CiwaSince:
    """A patient's CIWA-B scores since the last rounds note, as the card and the print sheet
    show them: first and last total, the last one's band, the highest, how many, and the last
    ``CIWA_TREND`` totals for the trend line (oldest first)."""

    first: int
    last: int
    band: str
    highest: int
    count: int
    recent: list[int]


CIWA_TREND = 40  # scores drawn in the card's trend line


# The CIWA-B summary's two statements, built once for each number of admissions with bound
# parameters (each admission and its ``since``): building them for every page cost SQLAlchemy
# more than the database took to run them. Each admission is its own branch of a UNION ALL, a
# range of the (admission, time) indexes: the count and the highest read only
# ix_withdrawal_assessment_totals' columns, the first and last scores are a short walk.
_SCORES = WithdrawalAssessment.__table__  # type: ignore[attr-defined]


def _scores_since(i: int) -> tuple[ColumnElement[bool], ...]:
    return (
        _SCORES.c.admission_id == bindparam(f"admission{i}"),
        _SCORES.c.taken_at >= bindparam(f"since{i}"),
        _SCORES.c.scale == "CIWA-B",
        _SCORES.c.entered_in_error == false(),
    )


@lru_cache(maxsize=64)
def _ciwa_statements(admissions: int) -> tuple[CompoundSelect[Any], CompoundSelect[Any]]:
    """The count and highest, and the first and last scores, of ``admissions`` admissions."""
    counts = union_all(
        *(
            sa_select(_SCORES.c.admission_id, func.count(), func.max(_SCORES.c.total))
            .where(*_scores_since(i))
            .group_by(_SCORES.c.admission_id)
            for i in range(admissions)
        )
    )
    columns = (
        _SCORES.c.admission_id,
        _SCORES.c.taken_at,
        _SCORES.c.id,
        _SCORES.c.total,
        _SCORES.c.band,
    )
    ends = union_all(
        *(
            sa_select(
                sa_select(*columns)
                .where(*_scores_since(i))
                .order_by(*order)
                .limit(limit)
                .subquery()
            )
            for i in range(admissions)
            for order, limit in (
                ((_SCORES.c.taken_at.desc(), _SCORES.c.id.desc()), CIWA_TREND),  # the last
                ((_SCORES.c.taken_at, _SCORES.c.id), 1),  # the first
            )
        )
    )
    return counts, ends


def ciwa_b_since(
    session: Session, ids: list[int], since: dict[int, datetime]
) -> dict[int, CiwaSince]:
    """Each admission's CIWA-B since its own ``since``, summarised by the database: a month of
    hourly scores for a whole ward is tens of thousands of rows, and the card needs only the
    count, the highest, the first and the last ``CIWA_TREND``. Two statements whatever the
    number of admissions: each admission's count and highest, read from the totals index
    alone, then the first and last scores of those that have any."""
    counts, _ = _ciwa_statements(len(ids))
    connection = session.connection()
    counted = {
        admission: (count, highest)
        for admission, count, highest in connection.execute(counts, _bounds(ids, since))
    }
    if not counted:
        return {}
    _, ends = _ciwa_statements(len(counted))
    rows: dict[int, dict[int, tuple[datetime, int, str]]] = defaultdict(dict)
    for admission, taken_at, row_id, total, band in connection.execute(
        ends, _bounds(list(counted), since)
    ):
        rows[admission][row_id] = (taken_at, total, band)
    out: dict[int, CiwaSince] = {}
    for admission, (count, highest) in counted.items():
        kept = sorted(rows[admission].items(), key=lambda row: (row[1][0], row[0]))
        (_, (_, first, _)), (_, (_, last, band)) = kept[0], kept[-1]
        out[admission] = CiwaSince(
            first=first,
            last=last,
            band=band,
            highest=highest,
            count=count,
            recent=[total for _, (_, total, _) in kept[-CIWA_TREND:]],
        )
    return out


def _bounds(ids: list[int], since: dict[int, datetime]) -> dict[str, object]:
    """The bound parameters of :func:`_ciwa_statements`: each admission and its ``since``."""
    bounds: dict[str, object] = {}
    for i, admission in enumerate(ids):
        bounds[f"admission{i}"] = admission
        bounds[f"since{i}"] = since[admission]
    return bounds


_VITALS = VitalSigns.__table__  # type: ignore[attr-defined]


def _readings_since(i: int) -> tuple[ColumnElement[bool], ...]:
    return (
        _VITALS.c.admission_id == bindparam(f"admission{i}"),
        _VITALS.c.taken_at >= bindparam(f"since{i}"),
        _VITALS.c.entered_in_error == false(),
    )


@lru_cache(maxsize=64)
def _news2_statements(admissions: int) -> tuple[CompoundSelect[Any], SelectOfScalar[VitalSigns]]:
    """The NEWS2 groups of ``admissions`` admissions' readings since each one's ``since``, and
    the latest reading at each one's highest total (parameter ``total{i}``); built once for each
    number of admissions, like :func:`_ciwa_statements`."""
    grouped = (_VITALS.c.admission_id, _VITALS.c.news2_total, _VITALS.c.news2_any_three)
    groups = union_all(
        *(
            sa_select(*grouped, func.count()).where(*_readings_since(i)).group_by(*grouped)
            for i in range(admissions)
        )
    )
    latest = [
        sa_select(
            sa_select(_VITALS.c.id)
            .where(*_readings_since(i), _VITALS.c.news2_total == bindparam(f"total{i}"))
            .order_by(_VITALS.c.taken_at.desc(), _VITALS.c.id.desc())
            .limit(1)
            .subquery()
        )
        for i in range(admissions)
    ]
    return groups, select(VitalSigns).where(col(VitalSigns.id).in_(union_all(*latest)))


def vitals_since(
    session: Session, ids: list[int], since: dict[int, datetime]
) -> tuple[dict[int, VitalSigns], dict[int, int]]:
    """Each admission's reading with the highest NEWS2 since its own ``since`` (the latest of
    equal ones), and how many of its readings since then called for an urgent response.

    Counted and ranked by the database (a month of hourly readings for a whole ward is tens of
    thousands of rows; turning each into Python cost more than the rest of the rounds page):
    readings are grouped by (NEWS2 total, a single 3), and each group's response is asked of
    models.clinical.news2, the rule's one home. Each admission is a branch of a UNION ALL, a
    range of the (admission, time) index."""
    groups, _ = _news2_statements(len(ids))
    abnormal: dict[int, int] = defaultdict(int)
    top: dict[int, int] = {}
    for admission, total, any_three, readings in session.connection().execute(
        groups, _bounds(ids, since)
    ):
        if news2_response(total, any_three).urgent:
            abnormal[admission] += readings
        top[admission] = max(total, top.get(admission, total))
    if not top:
        return {}, abnormal
    # The latest reading at each admission's highest total: a short walk of the
    # (admission, time) index each, newest first.
    _, latest = _news2_statements(len(top))
    bounds = _bounds(list(top), since)
    bounds |= {f"total{i}": total for i, total in enumerate(top.values())}
    highest = {v.admission_id: v for v in session.exec(latest, params=bounds)}
    return highest, abnormal
