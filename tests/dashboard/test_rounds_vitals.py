"""The rounds page's reading of vital signs since each patient's last note (dashboard.rounds_
readings.vitals_since), counted and ranked by the database, against the plain rule applied to
each reading. SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.rounds_readings import vitals_since
from models.admissions import admit
from models.audit import Actor
from models.clinical.news2 import news2_response
from models.db import transaction
from models.tables import VitalSigns, Ward

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _admitted(engine: Engine, staff: dict[str, Actor], ward: Ward, n: int) -> list[int]:
    ids = []
    with transaction(engine) as session:
        for i in range(n):
            admission = admit(
                session=session, actor=staff["nurse1"], ward_id=ward.id or 0, mrn=f"RV{i}",
                family_name=f"Fam{i}", given_name="Pat", birth_date=date(1970, 1, 1),
                sex="female", bed=f"B{i + 1}", attending_id=staff["doctor1"].user_id or 0,
                drug="diazepam", daily_ug=20_000, admitted_at=START - timedelta(hours=1),
                now=START,
            )  # fmt: skip
            assert admission.id is not None
            ids.append(admission.id)
    return ids


def _reference(
    readings: list[VitalSigns], since: dict[int, datetime]
) -> tuple[dict[int, tuple[int, datetime]], dict[int, int]]:
    """The rule applied reading by reading: the highest NEWS2 (the latest of equal ones) and
    the urgent readings, since each admission's own start, readings in error left out."""
    highest: dict[int, tuple[int, datetime]] = {}
    urgent: dict[int, int] = {}
    for v in readings:
        if v.entered_in_error or v.taken_at < since[v.admission_id]:
            continue
        best = highest.get(v.admission_id)
        if best is None or (v.news2_total, v.taken_at) > best:
            highest[v.admission_id] = (v.news2_total, v.taken_at)
        if news2_response(v.news2_total, v.news2_any_three).urgent:
            urgent[v.admission_id] = urgent.get(v.admission_id, 0) + 1
    return highest, urgent


def test_the_database_counts_and_ranks_as_the_rule_does_reading_by_reading(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    ids = _admitted(engine, staff, ward, 4)
    rng = random.Random(7)
    readings: list[VitalSigns] = []
    with transaction(engine) as session:
        for admission in ids[:3]:  # the fourth has no readings at all
            for hour in range(60):
                total = rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12])
                v = VitalSigns(
                    admission_id=admission, taken_at=START + timedelta(hours=hour),
                    heart_rate=80, systolic=120, diastolic=80, temperature_c=37.0, resp_rate=16,
                    spo2=97, news2_total=total, news2_any_three=total < 5 and rng.random() < 0.2,
                    charted_by=staff["nurse1"].user_id or 0,
                )  # fmt: skip
                if rng.random() < 0.1:  # marked in error: never counted
                    v.entered_in_error = True
                    v.error_reason = "Wrong patient"
                    v.error_marked_by = staff["nurse1"].user_id
                    v.error_marked_at = v.taken_at + timedelta(minutes=5)
                session.add(v)
                readings.append(v)
        session.flush()
        readings = [VitalSigns(**v.model_dump()) for v in readings]
    since = {
        ids[0]: START,  # no note: everything since admission
        ids[1]: START + timedelta(hours=30),  # a note half-way
        ids[2]: START + timedelta(hours=57, minutes=30),  # the last two readings only
        ids[3]: START,
    }
    with Session(engine) as session:
        highest, urgent = vitals_since(session, ids, since)
    expected_highest, expected_urgent = _reference(readings, since)
    assert {a: (v.news2_total, v.taken_at) for a, v in highest.items()} == expected_highest
    assert {a: n for a, n in urgent.items() if n} == expected_urgent
    assert set(highest) == {ids[0], ids[1], ids[2]}  # the fourth has no readings
    assert sum(expected_urgent.values()) > 10  # the data has urgent readings to count
    # Ties: many readings share the highest total; the latest of them is the one shown.
    tied = [v for v in readings if v.admission_id == ids[0] and not v.entered_in_error]
    top = max(v.news2_total for v in tied)
    assert sum(v.news2_total == top for v in tied) >= 2
    assert highest[ids[0]].taken_at == max(v.taken_at for v in tied if v.news2_total == top)
