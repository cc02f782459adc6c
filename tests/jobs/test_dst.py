"""Daylight saving (Europe/London, clocks forward at 01:00 UTC on Sunday 29 March 2026): the
08:00 dose stays at 08:00 local and is judged missed by its own time, not an hour off; step
boundaries fall at local midnight on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import literal
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from jobs.sql_time import local_midnight_utc, prepare_connection, shift_seconds
from models.clinical.taper import build_schedule, plan_parameters
from models.db import transaction
from models.plans import save_plan_version
from models.tables import ScheduledDose
from models.types import UTCDateTime
from tests.jobs.conftest import T0, Ward7

M = timedelta(minutes=1)


def _plan_across_the_change(ward7: Ward7) -> int:
    patient = ward7.admit(at=datetime(2026, 3, 26, 9, 0, tzinfo=UTC))
    times = [time(8, 0), time(20, 0)]
    schedule = build_schedule(
        plan_parameters(drug="clonazepam", recipe="-0.25mg/7d", times=times),
        daily_ug=1000,
        start=date(2026, 3, 27),
    )
    with transaction(ward7.engine) as session:
        save_plan_version(
            session=session,
            actor=ward7.staff["doctor1"],
            admission_id=patient,
            schedule=schedule,
            drug="clonazepam",
            to_drug=None,
            daily_ug=1000,
            recipe="-0.25mg/7d",
            start_date=date(2026, 3, 27),
            effective_from=date(2026, 3, 27),
            times=times,
            stages=4,
            change="create",
            reason="DST test plan",
            now=datetime(2026, 3, 26, 10, 0, tzinfo=UTC),
        )
    return patient


def test_the_mar_keeps_0800_local_across_the_change(ward7: Ward7) -> None:
    patient = _plan_across_the_change(ward7)
    with Session(ward7.engine) as session:
        slots = session.exec(
            select(ScheduledDose.local_date, ScheduledDose.scheduled_at)
            .where(ScheduledDose.admission_id == patient, ScheduledDose.local_time == "08:00")
            .order_by(col(ScheduledDose.scheduled_at))
        ).all()
    by_day = dict(slots)
    assert by_day[date(2026, 3, 28)] == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)  # GMT
    assert by_day[date(2026, 3, 29)] == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # BST


def test_a_missed_dose_after_the_change_is_judged_by_its_local_time(ward7: Ward7) -> None:
    patient = _plan_across_the_change(ward7)
    with Session(ward7.engine) as session:
        earlier = session.exec(
            select(ScheduledDose).where(
                ScheduledDose.admission_id == patient,
                ScheduledDose.scheduled_at < datetime(2026, 3, 29, 7, 0, tzinfo=UTC),
            )
        ).all()
    for slot in earlier:  # everything before Sunday 08:00 was given on time
        ward7.chart(slot.id or 0, "given", slot.scheduled_at)
    for minute in range(0, 30 * 60, 240):  # and nothing else is overdue
        at = datetime(2026, 3, 26, 9, 30, tzinfo=UTC) + minute * M
        ward7.ciwa(patient, at, 5)
        ward7.vitals(patient, at)
    due = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 08:00 BST
    ward7.scan(due + 59 * M)
    assert ward7.flags("missed_dose") == []
    ward7.scan(due + 61 * M)
    [flag] = ward7.flags("missed_dose")
    assert flag.subject_at == due
    assert "29 Mar 08:00" in flag.message


def test_local_midnight_and_shifts_in_sql_follow_the_zone(ward7: Ward7) -> None:
    cases = [
        (date(2026, 3, 29), 0, datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),  # still GMT at 00:00
        (date(2026, 3, 29), 1, datetime(2026, 3, 29, 23, 0, tzinfo=UTC)),  # BST midnight
        (date(2026, 3, 23), 7, datetime(2026, 3, 29, 23, 0, tzinfo=UTC)),  # a week on, in BST
        (date(2026, 10, 25), 1, datetime(2026, 10, 26, 0, 0, tzinfo=UTC)),  # back to GMT
        (date(2026, 4, 5), -7, datetime(2026, 3, 29, 0, 0, tzinfo=UTC)),  # a week back, GMT
    ]
    with Session(ward7.engine) as session:
        prepare_connection(session)
        for day, days, expected in cases:
            got = (
                session.connection()
                .execute(
                    select(
                        local_midnight_utc(literal(day), literal(days), literal("Europe/London"))
                    )
                )
                .scalar_one()
            )
            assert got == expected, (day, days)
        # Shifted instants are compared with stored ones, never read back.
        shifted = shift_seconds(literal(T0, UTCDateTime()), -36 * 3600)
        exact, second_early = T0 - timedelta(hours=36), T0 - timedelta(hours=36, seconds=1)
        checks = (
            session.connection()
            .execute(
                sql_select(
                    literal(exact, UTCDateTime()) >= shifted,
                    literal(exact, UTCDateTime()) < shifted,
                    literal(second_early, UTCDateTime()) < shifted,
                )
            )
            .one()
        )
        assert tuple(checks) == (True, False, True)
