"""The rounds page's CIWA-B since each patient's last note (dashboard.rounds_readings.
ciwa_b_since), summarised by the database, against the same summary made score by score in
Python. SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.rounds_readings import CIWA_TREND, CiwaSince, ciwa_b_since
from models.audit import Actor
from models.clinical.scales import ciwa_ar_band, ciwa_b_band
from models.db import transaction
from models.tables import Ward, WithdrawalAssessment
from tests.dashboard.test_rounds_vitals import START, _admitted


def _reference(
    rows: list[WithdrawalAssessment], since: dict[int, datetime]
) -> dict[int, CiwaSince]:
    kept: dict[int, list[WithdrawalAssessment]] = {}
    for row in sorted(rows, key=lambda r: r.taken_at):
        if row.scale != "CIWA-B" or row.entered_in_error or row.taken_at < since[row.admission_id]:
            continue
        kept.setdefault(row.admission_id, []).append(row)
    return {
        admission: CiwaSince(
            first=scores[0].total,
            last=scores[-1].total,
            band=scores[-1].band,
            highest=max(s.total for s in scores),
            count=len(scores),
            recent=[s.total for s in scores[-CIWA_TREND:]],
        )
        for admission, scores in kept.items()
    }


def test_the_database_summarises_as_the_scores_read_one_by_one(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    ids = _admitted(engine, staff, ward, 5)
    rng = random.Random(11)
    rows: list[WithdrawalAssessment] = []
    nurse = staff["nurse1"].user_id or 0
    with transaction(engine) as session:
        for admission, hours in zip(ids, (70, 30, 45, 60, 0), strict=True):
            for hour in range(hours):
                scale = "CIWA-Ar" if rng.random() < 0.1 else "CIWA-B"
                total = rng.randint(0, 67 if scale == "CIWA-Ar" else 80)
                band = (ciwa_ar_band if scale == "CIWA-Ar" else ciwa_b_band)(total).value
                row = WithdrawalAssessment(
                    admission_id=admission, scale=scale, taken_at=START + timedelta(hours=hour),
                    items={}, total=total, band=band, charted_by=nurse,
                )  # fmt: skip
                if rng.random() < 0.1:  # marked in error: never counted
                    row.entered_in_error = True
                    row.error_reason = "Wrong patient"
                    row.error_marked_by = nurse
                    row.error_marked_at = row.taken_at + timedelta(minutes=5)
                session.add(row)
                rows.append(row)
        session.flush()
        rows = [WithdrawalAssessment(**r.model_dump()) for r in rows]
    since = {
        ids[0]: START,  # no note: 70 hours of scores, more than the trend line draws
        ids[1]: START + timedelta(hours=12),  # a note: fewer scores than the trend line
        ids[2]: START + timedelta(hours=40, minutes=30),  # the last few scores
        ids[3]: START + timedelta(hours=61),  # a note after the last score: nothing since
        ids[4]: START,  # never scored
    }
    with Session(engine) as session:
        got = ciwa_b_since(session, ids, since)
    expected = _reference(rows, since)
    assert got == expected
    assert set(got) == {ids[0], ids[1], ids[2]}
    assert got[ids[0]].count > CIWA_TREND and len(got[ids[0]].recent) == CIWA_TREND
    assert got[ids[1]].count == len(got[ids[1]].recent) < CIWA_TREND
    assert 1 <= got[ids[2]].count <= 4
    # The data has what the rule must leave out, and a first score that is not the highest.
    assert any(r.entered_in_error for r in rows) and any(r.scale == "CIWA-Ar" for r in rows)
    assert got[ids[0]].first != got[ids[0]].highest


def test_the_count_and_highest_read_the_totals_index_alone(sqlite_engine: Engine) -> None:
    """Each patient's count and highest CIWA-B are one range of ix_withdrawal_assessment_totals
    (admission, then time), read without the rows: a month of hourly scores each."""
    from dashboard.rounds_readings import _bounds, _ciwa_statements

    counts, _ = _ciwa_statements(2)
    compiled = counts.compile(sqlite_engine)
    bounds = compiled.construct_params(_bounds([1, 2], {1: START, 2: START}))
    with sqlite_engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + str(compiled),
            tuple(str(bounds[name]) for name in compiled.positiontup or ()),
        ).all()
    details = " / ".join(str(row[-1]) for row in plan)
    index = "USING COVERING INDEX ix_withdrawal_assessment_totals (admission_id=? AND taken_at>?)"
    assert details.count(index) == 2, details
    assert "SCAN withdrawal_assessment" not in details, details
